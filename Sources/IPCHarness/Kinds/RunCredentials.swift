import Glibc
import IPCModels

extension Permissions {
    /// The permissions of an object the driver makes for `workload`, as this run really has them: the driver's
    /// effective user and group own it, and every worker (spawned by the driver, so running as the same user) is
    /// that user.
    ///
    /// A setup that names no owner and no users means root's object used by root's processes. That is exactly this
    /// value when the harness runs as root, which is why root's traces are unchanged. Run as anyone else, the
    /// System V `IPC_STAT` reports (and posix-shm's `fstat`) name that user, and the kernel's permission and
    /// privilege checks are that user's: judged against root's, every such report would be a false violation
    /// (measured: `sysv-msg-selection` as uid 65534 reported "MSG_STAT_ANY → owner 65534" as a violation).
    static func ofThisRun(for workload: Workload, mode: Int = 0o600) -> Permissions {
        let user = Permissions.User(uid: Int(geteuid()), gid: Int(getegid()))
        let users = user.uid == 0 ? [:] : Dictionary(uniqueKeysWithValues: workload.processes.map { ($0.id, user) })
        return Permissions(mode: mode, owner: user.uid, group: user.gid, users: users)
    }
}
