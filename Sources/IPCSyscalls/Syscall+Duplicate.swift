import Glibc
import SystemPackage

extension Syscall {
    /// A new descriptor of `descriptor`'s open file description, close-on-exec, numbered `minimum` or above (the
    /// lowest free). `EMFILE` when no number below `RLIMIT_NOFILE` is free; `EINVAL` for a minimum below 0 or at least
    /// that limit.
    ///
    /// The corresponding C function is `fcntl(F_DUPFD_CLOEXEC)`.
    public static func duplicate(_ descriptor: FileDescriptor, minimum: Int = 0) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, CInt(clamping: minimum))
        })
    }
}
