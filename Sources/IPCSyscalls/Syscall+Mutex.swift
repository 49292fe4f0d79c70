import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Initialises a process-shared mutex of `type` (`PTHREAD_MUTEX_ERRORCHECK` unless given) at `mutex` (in shared
    /// memory): robust, or with `robust` false `PTHREAD_MUTEX_STALLED` (glibc's default), whose owner's death leaves
    /// it locked for good; with the priority `protocol` (`PTHREAD_PRIO_NONE` unless given). glibc 2.36 refuses a
    /// robust `PTHREAD_PRIO_PROTECT` mutex (`EOPNOTSUPP`, the mutex untouched). A `ceiling` is set on the attributes
    /// (`pthread_mutexattr_setprioceiling`, which keeps the old one, glibc's 0 made 1, for a value outside 1...99).
    ///
    /// The corresponding C functions are `pthread_mutexattr_setpshared`, `pthread_mutexattr_setrobust`,
    /// `pthread_mutexattr_settype`, `pthread_mutexattr_setprotocol`, `pthread_mutexattr_setprioceiling` and
    /// `pthread_mutex_init`.
    public static func robustMutexInit(
        _ mutex: UnsafeMutablePointer<pthread_mutex_t>, robust: Bool = true, type: CInt = CInt(PTHREAD_MUTEX_ERRORCHECK),
        protocol: CInt = CInt(PTHREAD_PRIO_NONE), ceiling: CInt? = nil
    ) throws(Errno) {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        defer { pthread_mutexattr_destroy(&attributes) }
        pthread_mutexattr_setpshared(&attributes, CInt(PTHREAD_PROCESS_SHARED))
        pthread_mutexattr_setrobust(&attributes, CInt(robust ? PTHREAD_MUTEX_ROBUST : PTHREAD_MUTEX_STALLED))
        pthread_mutexattr_settype(&attributes, type)
        pthread_mutexattr_setprotocol(&attributes, `protocol`)
        if let ceiling { pthread_mutexattr_setprioceiling(&attributes, ceiling) }
        _ = try perform(.mutexInit, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_init(mutex, &attributes)) }
    }

    /// Destroys the mutex: glibc 2.36 fails `EBUSY` only for a non-robust mutex some thread holds (it does not look
    /// at a robust one's lock), and otherwise marks it invalid, so that later calls but `pthread_mutex_init` fail
    /// `EINVAL`.
    ///
    /// The corresponding C function is `pthread_mutex_destroy`.
    public static func mutexDestroy(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) {
        _ = try perform(.mutexDestroy, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_destroy(mutex)) }
    }

    /// Locks, sleeping while another thread holds it. Throws `EOWNERDEAD` *holding the lock* when the previous
    /// owner died, `ENOTRECOVERABLE`, or `EDEADLK` when this thread holds it already.
    ///
    /// The corresponding C function is `pthread_mutex_lock`.
    public static func mutexLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) {
        _ = try perform(.mutexLock, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_lock(mutex)) }
    }

    /// Locks if free: as ``mutexLock(_:)`` but `EBUSY` instead of sleeping.
    ///
    /// The corresponding C function is `pthread_mutex_trylock`.
    public static func mutexTryLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) {
        _ = try perform(.mutexTryLock, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_trylock(mutex)) }
    }

    /// Locks as ``mutexLock(_:)`` does, but a wait still asleep at the absolute `deadline` fails `ETIMEDOUT`; the
    /// deadline is `CLOCK_REALTIME` without a `clock`. glibc checks the deadline only when it must wait (an invalid
    /// one fails `EINVAL` then), and fails a clock other than `CLOCK_MONOTONIC` or `CLOCK_REALTIME` `EINVAL` first.
    ///
    /// The corresponding C functions are `pthread_mutex_timedlock` and `pthread_mutex_clocklock`.
    public static func mutexTimedLock(
        _ mutex: UnsafeMutablePointer<pthread_mutex_t>, clock: clockid_t? = nil, deadline: timespec
    ) throws(Errno) {
        var deadline = deadline
        _ = try perform(.mutexLock, retryOnInterrupt: false) { _ in
            guard let clock else { return reportingErrno(pthread_mutex_timedlock(mutex, &deadline)) }
            return reportingErrno(ipc_mutex_clocklock(mutex, CInt(clock), &deadline))
        }
    }

    /// Unlocks (`EPERM` when this thread is not the owner).
    ///
    /// The corresponding C function is `pthread_mutex_unlock`.
    public static func mutexUnlock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) {
        _ = try perform(.mutexUnlock, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_unlock(mutex)) }
    }

    /// Marks a mutex taken with `EOWNERDEAD` consistent again (`EINVAL` otherwise).
    ///
    /// The corresponding C function is `pthread_mutex_consistent`.
    public static func mutexConsistent(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) {
        _ = try perform(.mutexConsistent, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_consistent(mutex)) }
    }

    /// A priority-protect mutex's ceiling (`EINVAL` for a mutex of another protocol).
    ///
    /// The corresponding C function is `pthread_mutex_getprioceiling`.
    public static func mutexGetPriorityCeiling(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) throws(Errno) -> CInt {
        var ceiling: CInt = -1
        _ = try perform(.mutexCeiling, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_getprioceiling(mutex, &ceiling)) }
        return ceiling
    }

    /// Sets a priority-protect mutex's ceiling and returns the old one: `EINVAL` outside
    /// `sched_get_priority_min/max(SCHED_FIFO)` or for a mutex of another protocol. glibc takes the lock word to
    /// change it, sleeping while another thread holds the mutex (`EDEADLK` for an error-checking one's holder).
    ///
    /// The corresponding C function is `pthread_mutex_setprioceiling`.
    public static func mutexSetPriorityCeiling(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, _ ceiling: CInt) throws(Errno) -> CInt {
        var old: CInt = -1
        _ = try perform(.mutexCeiling, retryOnInterrupt: false) { _ in reportingErrno(pthread_mutex_setprioceiling(mutex, ceiling, &old)) }
        return old
    }

    /// pthread functions return their error instead of setting errno: set it, so `perform` reads it as usual.
    static func reportingErrno(_ result: CInt) -> CInt {
        if result == 0 { return 0 }
        Glibc.errno = result
        return -1
    }
}
