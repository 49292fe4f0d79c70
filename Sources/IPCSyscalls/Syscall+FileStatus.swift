import Glibc
import SystemPackage

/// What `lstat` says of a name: its type, owner and permission bits (of the name itself, never of a link's target).
public struct FileStatus: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case regular, directory, symbolicLink, fifo, socket, other
    }

    public var kind: Kind
    public var owner: uid_t
    /// The permission bits (`st_mode & 0o7777`).
    public var permissions: mode_t

    /// True when only the owner may read, write or search it.
    public var isPrivate: Bool { permissions & 0o077 == 0 }
}

extension Syscall {
    /// The status of `path` itself: a symbolic link is reported as one, not followed.
    ///
    /// The corresponding C function is `lstat`.
    public static func fileStatus(_ path: String) throws(Errno) -> FileStatus {
        var status = stat()
        _ = try perform(.lstat, retryOnInterrupt: false) { _ in Glibc.lstat(path, &status) }
        let kind: FileStatus.Kind =
            switch status.st_mode & S_IFMT {
            case S_IFREG: .regular
            case S_IFDIR: .directory
            case S_IFLNK: .symbolicLink
            case S_IFIFO: .fifo
            case S_IFSOCK: .socket
            default: .other
            }
        return FileStatus(kind: kind, owner: status.st_uid, permissions: status.st_mode & 0o7777)
    }

    /// Removes an empty directory.
    ///
    /// The corresponding C function is `rmdir`.
    public static func removeDirectory(_ path: String) throws(Errno) {
        _ = try perform(.rmdir, retryOnInterrupt: false) { _ in Glibc.rmdir(path) }
    }

    /// Creates one directory with `mode` (less the umask); fails `EEXIST` when the name exists, whatever it is.
    ///
    /// The corresponding C function is `mkdir`.
    public static func makeDirectory(_ path: String, mode: mode_t) throws(Errno) {
        _ = try perform(.mkdir, retryOnInterrupt: false) { _ in Glibc.mkdir(path, mode) }
    }
}
