import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// A new descriptor of `descriptor`'s open file description, close-on-exec, numbered `minimum` or above (the
    /// lowest free). `EMFILE` when no number below `RLIMIT_NOFILE` is free; `EINVAL` for a minimum below 0 or at least
    /// that limit.
    ///
    /// With `closeOnExec` false the copy's `FD_CLOEXEC` is clear, as `dup`'s and `F_DUPFD`'s.
    ///
    /// The corresponding C function is `fcntl(F_DUPFD_CLOEXEC)`, or `fcntl(F_DUPFD)` (as `dup` when `minimum` is 0).
    public static func duplicate(_ descriptor: FileDescriptor, minimum: Int = 0, closeOnExec: Bool = true) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.fcntl(descriptor.rawValue, closeOnExec ? F_DUPFD_CLOEXEC : F_DUPFD, CInt(clamping: minimum))
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

extension Syscall {
    /// `F_SETSIG` and `F_GETSIG` of Linux's `<fcntl.h>`, which defines them only under `_GNU_SOURCE` (not set for
    /// Swift's Glibc module).
    public static let F_SETSIG: CInt = 10
    public static let F_GETSIG: CInt = 11

    /// The description's owner for `SIGIO`: a pid, minus a process group, or 0 for none.
    ///
    /// The corresponding C function is `fcntl(F_GETOWN)`.
    public static func owner(_ descriptor: FileDescriptor) throws(Errno) -> CInt {
        // A group owner is negative, which glibc returns as is: only -1 with errno set is a failure.
        errno = 0
        let owner = Glibc.fcntl(descriptor.rawValue, F_GETOWN)
        if owner == -1 && errno != 0 { throw Errno(rawValue: errno) }
        return owner
    }

    /// Sets the description's owner: a pid, minus a process group, or 0 for none.
    ///
    /// The corresponding C function is `fcntl(F_SETOWN)`.
    public static func setOwner(_ descriptor: FileDescriptor, _ owner: CInt) throws(Errno) {
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fcntl(descriptor.rawValue, F_SETOWN, owner) }
    }

    /// `F_SETOWN_EX`, `F_GETOWN_EX` (Linux, `_GNU_SOURCE`: not in Swift's Glibc module).
    static let F_SETOWN_EX: CInt = 15
    static let F_GETOWN_EX: CInt = 16

    /// The description's owner with its type (`struct f_owner_ex`: `F_OWNER_TID` 0, `F_OWNER_PID` 1, `F_OWNER_PGRP`
    /// 2) and the thread, process or group id (positive; 0 for none).
    ///
    /// The corresponding C function is `fcntl(F_GETOWN_EX)`.
    public static func ownerEx(_ descriptor: FileDescriptor) throws(Errno) -> (type: CInt, id: CInt) {
        var owner: (type: CInt, id: CInt) = (-1, -1)
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            withUnsafeMutableBytes(of: &owner) { Glibc.fcntl(descriptor.rawValue, Self.F_GETOWN_EX, $0.baseAddress!) }
        }
        return owner
    }

    /// Sets the description's owner with its type (see ``ownerEx(_:)``); `EINVAL` for another type, `ESRCH` for an id
    /// no task has.
    ///
    /// The corresponding C function is `fcntl(F_SETOWN_EX)`.
    public static func setOwnerEx(_ descriptor: FileDescriptor, type: CInt, id: CInt) throws(Errno) {
        var owner: (type: CInt, id: CInt) = (type, id)
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            withUnsafeMutableBytes(of: &owner) { Glibc.fcntl(descriptor.rawValue, Self.F_SETOWN_EX, $0.baseAddress!) }
        }
    }

    /// The description's signal for `O_ASYNC` (0: `SIGIO`).
    ///
    /// The corresponding C function is `fcntl(F_GETSIG)`.
    public static func ioSignal(_ descriptor: FileDescriptor) throws(Errno) -> CInt {
        try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fcntl(descriptor.rawValue, Self.F_GETSIG) }
    }

    /// `FIOASYNC`: sets or clears the description's `O_ASYNC`, as `F_SETFL` does.
    ///
    /// The corresponding C function is `ioctl(FIOASYNC)`.
    public static func setAsyncByIoctl(_ descriptor: FileDescriptor, _ on: Bool) throws(Errno) {
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in ipc_set_fioasync(descriptor.rawValue, on ? 1 : 0) }
    }

    /// Sets the description's signal for `O_ASYNC`.
    ///
    /// The corresponding C function is `fcntl(F_SETSIG)`.
    public static func setIOSignal(_ descriptor: FileDescriptor, _ signal: CInt) throws(Errno) {
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fcntl(descriptor.rawValue, Self.F_SETSIG, signal) }
    }
}
