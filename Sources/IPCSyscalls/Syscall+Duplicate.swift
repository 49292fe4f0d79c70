import CIPCShims
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

    /// Puts a copy of `descriptor` on the number `target`, closing what that number held: `dup2` when `flags` is nil
    /// (the same number: returns it, changing nothing), else `dup3` with those flags (`O_CLOEXEC`; the same number is
    /// `EINVAL`). `EBADF` for a number at or above `RLIMIT_NOFILE`.
    ///
    /// The corresponding C functions are `dup2` and `dup3`.
    @discardableResult
    public static func duplicate(_ descriptor: FileDescriptor, onto target: CInt, flags: CInt?) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.dup3, descriptor: descriptor, retryOnInterrupt: false) { _ in
            if let flags { ipc_dup3(descriptor.rawValue, target, flags) } else { Glibc.dup2(descriptor.rawValue, target) }
        })
    }

    /// The descriptor's own flag, `FD_CLOEXEC` (not its open file description's).
    ///
    /// The corresponding C function is `fcntl(F_GETFD)`.
    public static func closesOnExec(_ descriptor: FileDescriptor) throws(Errno) -> Bool {
        try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fcntl(descriptor.rawValue, F_GETFD) } & FD_CLOEXEC != 0
    }

    /// Sets or clears the descriptor's `FD_CLOEXEC`, that descriptor's only.
    ///
    /// The corresponding C function is `fcntl(F_SETFD)`.
    public static func setClosesOnExec(_ descriptor: FileDescriptor, _ on: Bool) throws(Errno) {
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.fcntl(descriptor.rawValue, F_SETFD, on ? FD_CLOEXEC : 0)
        }
    }
}
