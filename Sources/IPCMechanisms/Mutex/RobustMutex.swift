import Glibc
import IPCSyscalls
import SystemPackage

/// A process-shared, robust, error-checking pthread mutex in shared memory.
///
/// When its owner dies (or exits) holding it, the next locker gets `EOWNERDEAD` and holds it; it must call
/// ``consistent()`` before unlocking, or the mutex becomes `ENOTRECOVERABLE` for good. Relocking by the owner is
/// `EDEADLK`, unlocking by anyone else `EPERM`.
///
/// This glibc (2.36): `pthread_mutex_trylock` on a not-recoverable mutex returns `ENOTRECOVERABLE` yet leaves the
/// caller's thread id in the lock word, so the mutex is held by it from then on; unlocking it then crashes the
/// caller (`SIGSEGV`, in the robust list), and the kernel marks the mutex owner-dead.
public struct RobustMutex: @unchecked Sendable {
    /// How a lock attempt that acquired the mutex, or could not without waiting, ended.
    public enum Acquisition: Hashable, Sendable {
        case acquired
        /// Acquired, but its previous owner died holding it (`EOWNERDEAD`): the protected state may be broken.
        case acquiredOwnerDied
        /// Held by another thread (`EBUSY`, trylock only).
        case busy
    }

    /// `pthread_mutexattr_settype`'s types.
    public enum MutexType: Sendable {
        case errorCheck, normal, recursive

        var value: CInt {
            switch self {
            case .errorCheck: CInt(PTHREAD_MUTEX_ERRORCHECK)
            case .normal: CInt(PTHREAD_MUTEX_NORMAL)
            case .recursive: CInt(PTHREAD_MUTEX_RECURSIVE)
            }
        }
    }

    /// `pthread_mutexattr_setprotocol`'s protocols: none, priority inheritance (the kernel's PI futex holds the
    /// lock word), priority protection (a ceiling; glibc makes no robust one).
    public enum MutexProtocol: Sendable {
        case none, inherit, protect

        var value: CInt {
            switch self {
            case .none: CInt(PTHREAD_PRIO_NONE)
            case .inherit: CInt(PTHREAD_PRIO_INHERIT)
            case .protect: CInt(PTHREAD_PRIO_PROTECT)
            }
        }
    }

    public let pointer: UnsafeMutablePointer<pthread_mutex_t>

    /// Initialises the mutex at `address`, which must be in shared memory; with `robust` false it is
    /// `PTHREAD_MUTEX_STALLED` (an owner's death leaves it locked for good).
    public static func initialize(
        at address: UnsafeMutableRawPointer, robust: Bool = true, type: MutexType = .errorCheck,
        protocol: MutexProtocol = .none, ceiling: Int32? = nil
    ) throws(Errno) -> RobustMutex {
        let mutex = RobustMutex(pointer: address.assumingMemoryBound(to: pthread_mutex_t.self))
        try mutex.initialize(robust: robust, type: type, protocol: `protocol`, ceiling: ceiling)
        return mutex
    }

    /// `pthread_mutex_init` again on this mutex, with the same attributes but robustness: after `destroy`, or to
    /// start over a free mutex left not recoverable (POSIX leaves re-initialising a locked one undefined).
    /// A priority-protect one's `ceiling` (1...99; glibc's 1 when nil).
    public func initialize(robust: Bool = true, type: MutexType = .errorCheck, protocol: MutexProtocol = .none, ceiling: Int32? = nil) throws(Errno) {
        try Syscall.robustMutexInit(pointer, robust: robust, type: type.value, protocol: `protocol`.value, ceiling: ceiling)
    }

    /// `pthread_mutex_getprioceiling`: a priority-protect mutex's ceiling.
    public func priorityCeiling() throws(Errno) -> Int32 {
        try Syscall.mutexGetPriorityCeiling(pointer)
    }

    /// `pthread_mutex_setprioceiling`: sets the ceiling, returning the old one.
    public func setPriorityCeiling(_ ceiling: Int32) throws(Errno) -> Int32 {
        try Syscall.mutexSetPriorityCeiling(pointer, ceiling)
    }

    /// `pthread_mutex_destroy`: `EBUSY` only for a non-robust mutex that is locked; afterwards every call but
    /// ``initialize(robust:)`` fails `EINVAL`.
    public func destroy() throws(Errno) {
        try Syscall.mutexDestroy(pointer)
    }

    /// A mutex some process initialised at `address`.
    public static func existing(at address: UnsafeMutableRawPointer) -> RobustMutex {
        RobustMutex(pointer: address.assumingMemoryBound(to: pthread_mutex_t.self))
    }

    /// Locks; with `tryOnly`, returns ``Acquisition/busy`` rather than sleeping.
    public func lock(tryOnly: Bool) throws(Errno) -> Acquisition {
        do throws(Errno) {
            if tryOnly { try Syscall.mutexTryLock(pointer) } else { try Syscall.mutexLock(pointer) }
            return .acquired
        } catch .resourceBusy {
            return .busy
        } catch Errno(rawValue: EOWNERDEAD) {
            return .acquiredOwnerDied
        }
    }

    /// Locks, sleeping at most until the absolute `deadline` (on `clock`, else `CLOCK_REALTIME`): `ETIMEDOUT` then.
    public func timedLock(deadline: timespec, clock: clockid_t? = nil) throws(Errno) -> Acquisition {
        do throws(Errno) {
            try Syscall.mutexTimedLock(pointer, clock: clock, deadline: deadline)
            return .acquired
        } catch Errno(rawValue: EOWNERDEAD) {
            return .acquiredOwnerDied
        }
    }

    public func unlock() throws(Errno) {
        try Syscall.mutexUnlock(pointer)
    }

    public func consistent() throws(Errno) {
        try Syscall.mutexConsistent(pointer)
    }
}
