import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Creates a FIFO (named pipe) at `path` with `mode` (less the umask); fails `EEXIST` if anything is there.
    ///
    /// The corresponding C function is `mkfifo`.
    public static func makeFIFO(_ path: String, mode: mode_t) throws(Errno) {
        _ = try perform(.mkfifo, retryOnInterrupt: false) { _ in Glibc.mkfifo(path, mode) }
    }

    /// Creates a FIFO at `path` with `mode` under the file mode creation mask `umask` — on a thread of its own with
    /// its own umask, so the process's is never changed — and returns the permission bits `lstat` then reports.
    /// `EEXIST` if anything is there, `ENOENT` when a directory of the path is missing.
    ///
    /// The corresponding C functions are `umask`, `mkfifo` and `lstat` (after `unshare(CLONE_FS)`).
    public static func makeFIFO(_ path: String, mode: mode_t, umask: mode_t) throws(Errno) -> Int {
        var reported: CUnsignedInt = 0
        _ = try perform(.mkfifo, retryOnInterrupt: false) { _ in ipc_mkfifo_under_umask(path, mode, umask, &reported) }
        return Int(reported)
    }

    /// Makes a node — `mode` with its file type bits — at `path` relative to `directory` (nil: `AT_FDCWD`) under the
    /// file mode creation mask `umask`, as ``makeFIFO(_:mode:umask:)`` does, and returns the permission bits `fstatat`
    /// then reports.
    ///
    /// The corresponding C functions are `umask`, `mknodat` and `fstatat` (after `unshare(CLONE_FS)`).
    public static func makeNode(
        _ path: String, in directory: CInt?, mode: mode_t, device: dev_t, umask: mode_t
    ) throws(Errno) -> Int {
        var reported: CUnsignedInt = 0
        _ = try perform(.mkfifo, retryOnInterrupt: false) { _ in
            ipc_mknodat_under_umask(directory ?? AT_FDCWD, path, CUnsignedInt(mode), CUnsignedLong(device), CUnsignedInt(umask), &reported)
        }
        return Int(reported)
    }

    /// Changes the owner (and group; -1 leaves either) of the file open as `descriptor`.
    ///
    /// The corresponding C function is `fchown`.
    public static func changeOwner(_ descriptor: FileDescriptor, user: uid_t, group: gid_t) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in Glibc.fchown(descriptor.rawValue, user, group) }
    }

    /// Changes the owner (and group; -1 leaves either) of the file at `path`, following a link (`follow`) or not.
    ///
    /// The corresponding C functions are `chown` and `lchown`.
    public static func changeOwner(_ path: String, user: uid_t, group: gid_t, following follow: Bool) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in follow ? Glibc.chown(path, user, group) : Glibc.lchown(path, user, group) }
    }

    /// Changes a file's permission bits.
    ///
    /// The corresponding C function is `chmod`.
    public static func changeMode(_ path: String, _ mode: mode_t) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in Glibc.chmod(path, mode) }
    }

    /// Changes a file's owner and group (of the name itself, not a link's target).
    ///
    /// The corresponding C function is `lchown`.
    public static func changeOwner(_ path: String, user: uid_t, group: gid_t) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in Glibc.lchown(path, user, group) }
    }

    /// Makes the calling thread alone run as `user` and `group` (effective and real ids; the saved ones stay), or
    /// back as root with `user` 0: what a permission fact needs without forking the test process.
    ///
    /// The corresponding C functions are `setresgid` and `setresuid`, as raw system calls.
    public static func setThreadCredentials(user: uid_t, group: gid_t) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in ipc_thread_credentials(user, group) }
    }

    /// Gives up root for `user` and `group` for good (supplementary groups dropped, then the group, while still
    /// allowed to).
    ///
    /// The corresponding C functions are `setgid` and `setuid`.
    public static func becomeUser(_ user: uid_t, group: gid_t) throws(Errno) {
        // Root's supplementary groups (root's own among them) would otherwise stay with the process.
        _ = try perform(.setgid, retryOnInterrupt: false) { _ in Glibc.setgroups(0, nil) }
        _ = try perform(.setgid, retryOnInterrupt: false) { _ in Glibc.setgid(group) }
        _ = try perform(.setuid, retryOnInterrupt: false) { _ in Glibc.setuid(user) }
    }
}
