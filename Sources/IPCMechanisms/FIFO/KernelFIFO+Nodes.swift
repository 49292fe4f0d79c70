import Glibc
import IPCSyscalls
import SystemPackage

extension KernelFIFO {
    /// The directory descriptor a `mknodat` or `mkfifoat` is given, the name then relative to it.
    public enum NodeDirectory: String, Sendable {
        /// `AT_FDCWD`, with the whole path.
        case cwd
        /// The node's directory, opened `O_DIRECTORY`.
        case directory
        /// A descriptor of a file that is no directory (`/dev/null`).
        case file
        /// A number no process holds (-1; `AT_FDCWD` is -100).
        case closed
    }

    /// Makes a node at `path` — `mode` with its file type bits, `device` for a device — under `umask`, through
    /// `directory` (or, `missingDirectory`, at a name in a directory of `path`'s that does not exist), and removes it
    /// at once: the permission bits `stat` reported.
    ///
    /// The corresponding C functions are `mknodat` (`mknod`, `mkfifo`, `mkfifoat`), `fstatat` and `unlink`.
    public static func makeNode(
        at path: String, mode: Int, device: Int = 0, umask: Int, through directory: NodeDirectory = .cwd,
        missingDirectory: Bool = false
    ) throws(Errno) -> Int {
        let slash = path.lastIndex(of: "/")!
        let directoryPath = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        let relative = missingDirectory ? "\(name)-missing-directory/fifo" : name
        var held: CInt = -1
        defer { if held >= 0 { Glibc.close(held) } }
        switch directory {
        case .cwd: break
        case .directory: held = Glibc.open(directoryPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        case .file: held = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
        case .closed: break
        }
        guard directory == .cwd || directory == .closed || held >= 0 else { throw Errno(rawValue: errno) }
        let number = held
        let made = try Syscall.makeNode(
            directory == .cwd ? "\(directoryPath)/\(relative)" : relative, in: directory == .cwd ? nil : number,
            mode: mode_t(mode), device: dev_t(device), umask: mode_t(umask))
        try Syscall.unlink("\(directoryPath)/\(relative)")
        return made
    }
}
