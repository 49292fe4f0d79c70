/// `mkfifo`, `mknod`, `mknodat` and `mkfifoat` of the FIFO's name, as this kernel does them (`FIFOCreationFactsTests`,
/// C probes as root and as user 65534; LTP `mknod01`–`09`, `mknodat01`–`02`, `mkfifo01`–`02`, `mkfifoat01`–`02`).
///
/// In the kernel's order (`do_mknodat`):
/// 1. `mknod`'s type first, before the path is looked at: a symbolic link's or no file type's `EINVAL`, a
///    directory's `EPERM` — for root too, in a missing directory or over an existing name alike (`may_mknod`);
/// 2. the directory descriptor of `mknodat`/`mkfifoat` with a relative name: one not open `EBADF`, one open on a file
///    that is no directory (a regular file, the FIFO itself) `ENOTDIR`;
/// 3. the name: `ENOENT` in a directory that does not exist, `EEXIST` while the FIFO's name is there;
/// 4. a character or block device by an unprivileged process (no `CAP_MKNOD`) `EPERM` — after the name's `EEXIST`
///    and `ENOENT` and the directory's `EACCES` — but for a character device of number 0, a whiteout, which anyone
///    may make (measured).
///
/// What is made is a new node, not the FIFO the trace follows (the worker removes it at once), whose mode `stat`
/// reports as the mode asked for less the umask's permission bits: the set-user-ID, set-group-ID and sticky bits
/// pass the umask untouched (07777 under 022 is 07755, as root and as an unprivileged user in a directory of its
/// own). The set-group-ID bit alone may be stripped: when the directory is set-group-ID of a group the creator is
/// not in, and the creator lacks `CAP_FSETID`, with group execute asked too (`mode_strip_sgid`; measured: 02777 by
/// user 65534 in a set-group-ID directory of group 0 is 0777, 02767 keeps it). A trace gives no directory's group,
/// so for an unprivileged creator both are allowed. A process that is not privileged may also be refused `EACCES`
/// by the directory's permissions, which the trace does not give: allowed, changing nothing.
extension FIFOModel {
    /// Which call makes the node.
    public enum CreationCall: String, Hashable, Sendable {
        case mkfifo, mknod, mknodat, mkfifoat
    }

    /// The file type `mknod` and `mknodat` ask for (`S_IFIFO` for `mkfifo` and `mkfifoat`).
    public enum NodeType: String, Hashable, Sendable, CaseIterable {
        case fifo, regular, socket, character, block, directory, symlink
        /// A type of no file kind (such as 0110000).
        case none

        /// `S_IF…` of the type, as `mknod` takes it (0110000 for `none`).
        public var bits: Int {
            switch self {
            case .fifo: 0o010000
            case .regular: 0o100000
            case .socket: 0o140000
            case .character: 0o020000
            case .block: 0o060000
            case .directory: 0o040000
            case .symlink: 0o120000
            case .none: 0o110000
            }
        }
    }

    /// The directory descriptor of `mknodat` and `mkfifoat`, the name being relative to it.
    public enum DirectoryDescriptor: String, Hashable, Sendable, CaseIterable {
        /// `AT_FDCWD`: the working directory (the FIFO's own directory, for the worker).
        case cwd
        /// The FIFO's directory opened `O_DIRECTORY`.
        case directory
        /// An open descriptor of a file that is no directory (the worker's: `/dev/null`): `ENOTDIR`.
        case file
        /// A number the process does not hold (the worker's: -1): `EBADF`.
        case closed
    }

    /// One creation call of the FIFO's name (or, `missingDirectory`, of a name in a directory that does not exist).
    public struct NodeCreation: Hashable, Sendable {
        public var call: CreationCall
        public var type: NodeType
        /// The permission and set-ID bits asked for (0…07777).
        public var mode: Int
        public var umask: Int
        public var missingDirectory: Bool
        public var directory: DirectoryDescriptor
        /// A device's number (`dev_t`); 0 with `character` is a whiteout.
        public var device: Int

        public init(
            call: CreationCall, type: NodeType = .fifo, mode: Int, umask: Int = 0, missingDirectory: Bool = false,
            directory: DirectoryDescriptor = .cwd, device: Int = 0
        ) {
            self.call = call
            self.type = type
            self.mode = mode
            self.umask = umask
            self.missingDirectory = missingDirectory
            self.directory = directory
            self.device = device
        }
    }

    /// Every outcome of `creation` by `process`, in the kernel's order (see above); the state never changes.
    func creationTransitions(_ state: State, process: Int, _ creation: NodeCreation) -> [(output: Output?, step: Step<State>)] {
        let privileged = state.setup.isPrivileged(process)
        var outputs: [Output] = []
        switch creation.type {
        case .symlink, .none: return [(.failed(.EINVAL), .completed(state))]
        case .directory: return [(.failed(.EPERM), .completed(state))]
        default: break
        }
        if creation.directory == .closed { return [(.failed(.EBADF), .completed(state))] }
        if creation.directory == .file { return [(.failed(ErrorCode("ENOTDIR")), .completed(state))] }
        if creation.missingDirectory {
            outputs.append(.failed(.ENOENT))
        } else if state.linked {
            outputs.append(.failed(.EEXIST))
        } else if !privileged && (creation.type == .block || (creation.type == .character && creation.device != 0)) {
            outputs.append(.failed(.EPERM))
        } else {
            let mode = creation.mode & 0o7777 & ~(creation.umask & 0o777)
            outputs.append(.made(mode: mode))
            let setGroupIDWithExecute = 0o2010
            if !privileged && mode & setGroupIDWithExecute == setGroupIDWithExecute { outputs.append(.made(mode: mode & ~0o2000)) }
        }
        if !privileged { outputs.append(.failed(.EACCES)) }
        return outputs.map { ($0, .completed(state)) }
    }
}

extension FIFOModel.NodeCreation: CustomStringConvertible {
    public var description: String {
        var text = call.rawValue
        if call == .mknodat || call == .mkfifoat { text += " (dirfd \(directory.rawValue))" }
        if call == .mknod || call == .mknodat { text += " of a \(type.rawValue)" + (device != 0 ? " (device \(device))" : "") }
        text += " 0" + String(mode, radix: 8) + " under umask 0" + String(umask, radix: 8)
        return text + (missingDirectory ? " in a missing directory" : "")
    }
}
