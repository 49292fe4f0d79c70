import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// A new eventfd counter starting at `initial`, close-on-exec; `semaphore` and `nonblocking` add
    /// `EFD_SEMAPHORE` and `EFD_NONBLOCK` (the flag belongs to the one open file description every holder shares).
    ///
    /// The corresponding C function is `eventfd`.
    public static func eventCounter(initial: UInt32, semaphore: Bool, nonblocking: Bool) throws(Errno) -> FileDescriptor {
        let flags = (semaphore ? ipc_efd_semaphore() : 0) | (nonblocking ? ipc_efd_nonblock() : 0)
        return FileDescriptor(rawValue: try perform(.eventfd, retryOnInterrupt: false) { _ in ipc_eventfd(initial, flags) })
    }

    /// A new eventfd made with exactly `flags` (`EFD_SEMAPHORE`, `EFD_NONBLOCK`, `EFD_CLOEXEC`, or any other bits, which
    /// the kernel refuses `EINVAL`): as a program's own `eventfd` call makes it.
    ///
    /// The corresponding C function is `eventfd`.
    public static func eventCounter(initial: UInt32, exactFlags flags: CInt) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.eventfd, retryOnInterrupt: false) { _ in ipc_eventfd_exact(initial, flags) })
    }

    /// A new eventfd made with `extraFlags` added to `EFD_CLOEXEC`, whatever bits they are: how the kernel answers
    /// flags it does not know (`EINVAL`).
    ///
    /// The corresponding C function is `eventfd`.
    public static func eventCounter(initial: UInt32, extraFlags: CInt) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.eventfd, retryOnInterrupt: false) { _ in ipc_eventfd(initial, extraFlags) })
    }

    /// The device and inode of the file behind `descriptor`: two descriptors with the same identity refer to the
    /// same file (for a descriptor passed over a socket, the same open file).
    ///
    /// The corresponding C function is `fstat`.
    public static func fileIdentity(_ descriptor: FileDescriptor) throws(Errno) -> FileIdentity {
        var info = stat()
        _ = try perform(.fstat, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fstat(descriptor.rawValue, &info) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The permission bits of `path` (without following a final symbolic link), or nil when it does not exist.
    ///
    /// The corresponding C function is `lstat`.
    public static func permissions(of path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }
}

/// A file's device and inode numbers.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public var description: String { "\(device):\(inode)" }
}
