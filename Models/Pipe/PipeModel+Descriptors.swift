/// What a pipe's descriptors do beyond reading and writing: `fcntl` on the open file description, and the calls that
/// need a file position a pipe does not have. Each rule is a fact measured on this kernel (`KernelPipeFactsTests`).
extension PipeModel {
    /// An `fcntl` command on a pipe's descriptor.
    public enum FileControl: Hashable, Sendable, CustomStringConvertible {
        /// `F_GETFL`: the description's `O_NONBLOCK` and `O_DIRECT`.
        case getFlags
        /// `F_SETFL`: sets `O_NONBLOCK` on the open file description (seen by every process sharing it, not by
        /// other descriptions of the same end), and `O_DIRECT` when given (nil: left as it was).
        case setFlags(nonblocking: Bool, direct: Bool?)
        /// `F_GETPIPE_SZ`: the capacity in bytes.
        case getPipeSize
        /// `F_SETPIPE_SZ`: the size (an `unsigned int` to the kernel) is rounded up to a power-of-two count of
        /// pages, at least one; above 2^31 it is `EINVAL`; growing beyond `pipe-max-size` is `EPERM`; fewer slots
        /// than the pages in use is `EBUSY`. Returns the new capacity.
        case setPipeSize(Int)

        public var description: String {
            switch self {
            case .getFlags: "F_GETFL"
            case .setFlags(let nonblocking, let direct):
                "F_SETFL \(nonblocking ? "O_NONBLOCK" : "~O_NONBLOCK")" + (direct.map { $0 ? "|O_DIRECT" : "|~O_DIRECT" } ?? "")
            case .getPipeSize: "F_GETPIPE_SZ"
            case .setPipeSize(let size): "F_SETPIPE_SZ \(size)"
            }
        }
    }

    /// The calls that need a file position: on a pipe each fails `ESPIPE`.
    public enum UnseekableCall: Hashable, Sendable {
        case lseek
        case pread(max: Int)
        case pwrite(data: [UInt8])

        /// The C function's name, which is also the operation's `f`.
        public var name: String {
            switch self {
            case .lseek: "lseek"
            case .pread: "pread"
            case .pwrite: "pwrite"
            }
        }
    }

    func fileControlTransitions(
        _ state: State, process: Int, end: End, command: FileControl
    ) -> [(output: Output?, step: Step<State>)] {
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        guard held else { return [(.failed(.EBADF), .completed(state))] }
        switch command {
        case .getFlags:
            return [(.flags(nonblocking: state.isNonblocking(process, end), direct: state.isDirect(process, end)), .completed(state))]
        case .setFlags(let nonblocking, let direct):
            var next = state
            next.setFlag(\.nonblocking, of: process, end, nonblocking)
            if let direct { next.setFlag(\.direct, of: process, end, direct) }
            return [(.flagsSet, .completed(next))]
        case .getPipeSize:
            return [(.size(state.slots * pageSize), .completed(state))]
        case .setPipeSize(let requested):
            return [setPipeSize(state, requested)]
        }
    }

    /// `pipe_set_size`: round, refuse, then resize the ring.
    private func setPipeSize(_ state: State, _ requested: Int) -> (output: Output?, step: Step<State>) {
        let size = Int(UInt32(truncatingIfNeeded: requested))
        guard size <= 1 << 31 else { return (.failed(.EINVAL), .completed(state)) }
        var rounded = pageSize
        while rounded < size { rounded <<= 1 }
        let slots = rounded / pageSize
        if slots > state.slots && rounded > maxSize { return (.failed(.EPERM), .completed(state)) }
        if slots < state.pages.count { return (.failed(.EBUSY), .completed(state)) }
        var next = state
        next.slots = slots
        return (.size(rounded), .completed(next))
    }
}
