import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// What the FIFO worker does for `mknod`, `mknodat`, `mkfifoat` and the ownership calls (``FIFOModel+Creation``,
/// ``FIFOModel+Ownership``).
enum FIFONodeCalls {
    /// Makes the node `creation` asks for at the FIFO's `path` and removes it at once (it is not the object the trace
    /// follows): the mode `stat` reported.
    static func make(_ creation: FIFOModel.NodeCreation, at path: String) throws(Errno) -> Int {
        let directory = creation.call == .mknodat || creation.call == .mkfifoat ? creation.directory : .cwd
        return try KernelFIFO.makeNode(
            at: path, mode: creation.type.bits | creation.mode,
            device: creation.type == .character || creation.type == .block ? creation.device : 0, umask: creation.umask,
            through: KernelFIFO.NodeDirectory(rawValue: directory.rawValue)!, missingDirectory: creation.missingDirectory)
    }

    /// The uid `owner` names for `chown` by `process`: -1 when absent, the worker's own when it names itself; any
    /// other process's user is judged in traces only — a worker knows no other worker's uid.
    static func user(_ owner: Int?, calledBy process: Int) -> uid_t {
        guard let owner else { return uid_t.max }
        guard owner == process else {
            BindingFailure.abandon("chown of a FIFO to another process's user (\(owner)) is judged in traces only: a worker knows no other worker's uid")
        }
        return geteuid()
    }
}
