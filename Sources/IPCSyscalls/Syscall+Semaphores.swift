import CIPCShims
import Glibc
import SystemPackage

/// A System V semaphore set's identifier.
public struct SystemVSemaphoreSet: Sendable, Hashable {
    public var id: CInt
    public init(id: CInt) { self.id = id }
}

/// One operation of a `semop` call.
public struct SemaphoreOperation: Sendable, Hashable {
    public var number: Int
    /// Added to the value; negative waits until it can subtract, zero waits for the value to be zero.
    public var change: Int
    /// `SEM_UNDO`: the kernel reverses the change when the process exits.
    public var undo: Bool

    public init(number: Int, change: Int, undo: Bool = false) {
        self.number = number
        self.change = change
        self.undo = undo
    }
}

extension Syscall {
    // MARK: POSIX semaphores

    /// Creates a named semaphore with `O_EXCL` in `flags`; the mapping stays valid after `sem_close`-less exit.
    ///
    /// The corresponding C function is `sem_open`.
    public static func semCreate(
        _ name: String, flags: CInt, mode: mode_t, value: UInt32
    ) throws(Errno) -> UnsafeMutablePointer<sem_t> {
        let address = try perform(.semOpen, retryOnInterrupt: false) { _ -> Int in
            Int(bitPattern: ipc_sem_create(name, flags, UInt32(mode), value)).nonzeroOrFailure
        }
        return UnsafeMutablePointer(bitPattern: address)!
    }

    /// Opens an existing named semaphore (glibc maps it once per process and counts opens).
    ///
    /// The corresponding C function is `sem_open`.
    public static func semOpen(_ name: String) throws(Errno) -> UnsafeMutablePointer<sem_t> {
        let address = try perform(.semOpen, retryOnInterrupt: false) { _ -> Int in
            Int(bitPattern: ipc_sem_open(name)).nonzeroOrFailure
        }
        return UnsafeMutablePointer(bitPattern: address)!
    }

    /// Closes a named semaphore (unmaps it when this process's last open goes).
    ///
    /// The corresponding C function is `sem_close`.
    public static func semClose(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) {
        _ = try perform(.semClose, retryOnInterrupt: false) { _ in Glibc.sem_close(semaphore) }
    }

    /// Removes a named semaphore's name; it lives on in the processes that have it open.
    ///
    /// The corresponding C function is `sem_unlink`.
    public static func semUnlink(_ name: String) throws(Errno) {
        _ = try perform(.semUnlink, retryOnInterrupt: false) { _ in Glibc.sem_unlink(name) }
    }

    /// Initialises an unnamed semaphore at `semaphore`, shared between processes when `shared`.
    ///
    /// The corresponding C function is `sem_init`.
    public static func semInit(_ semaphore: UnsafeMutablePointer<sem_t>, shared: Bool, value: UInt32) throws(Errno) {
        _ = try perform(.semInit, retryOnInterrupt: false) { _ in Glibc.sem_init(semaphore, shared ? 1 : 0, value) }
    }

    /// Destroys an unnamed semaphore. glibc 2.36 checks nothing and changes nothing: 0 with sleepers too, and again.
    ///
    /// The corresponding C function is `sem_destroy`.
    public static func semDestroy(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) {
        _ = try perform(.semDestroy, retryOnInterrupt: false) { _ in Glibc.sem_destroy(semaphore) }
    }

    /// Decrements, sleeping while the value is 0.
    ///
    /// The corresponding C function is `sem_wait`.
    public static func semWait(_ semaphore: UnsafeMutablePointer<sem_t>, retryOnInterrupt: Bool = true) throws(Errno) {
        _ = try perform(.semWait, mayBlock: true, sleeps: { FaultFeasibility.semaphoreWaitSleeps(semaphore) }, retryOnInterrupt: retryOnInterrupt) { _ in
            Glibc.sem_wait(semaphore)
        }
    }

    /// Decrements, sleeping while the value is 0 until the absolute `CLOCK_REALTIME` `deadline`, then `ETIMEDOUT`.
    /// An invalid deadline (`tv_nsec` out of range) fails `EINVAL` even when the value is positive.
    ///
    /// The corresponding C function is `sem_timedwait`.
    public static func semTimedWait(
        _ semaphore: UnsafeMutablePointer<sem_t>, deadline: timespec, retryOnInterrupt: Bool = true
    ) throws(Errno) {
        var deadline = deadline
        let sleeps = { FaultFeasibility.semaphoreWaitSleeps(semaphore, deadline: deadline) }
        _ = try perform(.semWait, mayBlock: true, sleeps: sleeps, retryOnInterrupt: retryOnInterrupt) { _ in Glibc.sem_timedwait(semaphore, &deadline) }
    }

    /// Decrements, sleeping while the value is 0 until the absolute `deadline` on `clock`, then `ETIMEDOUT`. glibc
    /// 2.36 takes only `CLOCK_MONOTONIC` and `CLOCK_REALTIME`: any other clock, and an invalid deadline, fail `EINVAL`
    /// even when the value is positive.
    ///
    /// The corresponding C function is `sem_clockwait`.
    public static func semClockWait(
        _ semaphore: UnsafeMutablePointer<sem_t>, clock: clockid_t, deadline: timespec, retryOnInterrupt: Bool = true
    ) throws(Errno) {
        var deadline = deadline
        let known = clock == CLOCK_MONOTONIC || clock == CLOCK_REALTIME
        let sleeps = { known && FaultFeasibility.semaphoreWaitSleeps(semaphore, deadline: deadline, clock: clock) }
        _ = try perform(.semWait, mayBlock: true, sleeps: sleeps, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_sem_clockwait(semaphore, CInt(clock), &deadline)
        }
    }

    /// The time `milliseconds` from now on `clock`, as `sem_clockwait` and `pthread_mutex_clocklock` take deadlines.
    public static func deadline(on clock: clockid_t, milliseconds: Int) -> timespec {
        var now = timespec()
        clock_gettime(clock, &now)
        let nanoseconds = now.tv_nsec + (milliseconds % 1000) * 1_000_000
        return timespec(tv_sec: now.tv_sec + milliseconds / 1000 + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    }

    /// Decrements, or fails `EAGAIN` when the value is 0.
    ///
    /// The corresponding C function is `sem_trywait`.
    public static func semTryWait(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) {
        _ = try perform(.semTryWait, mayBlock: false, retryOnInterrupt: true) { _ in Glibc.sem_trywait(semaphore) }
    }

    /// Increments (`EOVERFLOW` at `SEM_VALUE_MAX`), waking one waiter.
    ///
    /// The corresponding C function is `sem_post`.
    public static func semPost(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) {
        _ = try perform(.semPost, retryOnInterrupt: false) { _ in Glibc.sem_post(semaphore) }
    }

    /// The current value (0 while processes wait, never negative on Linux).
    ///
    /// The corresponding C function is `sem_getvalue`.
    public static func semValue(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) -> Int {
        var value: CInt = 0
        _ = try perform(.semGetValue, retryOnInterrupt: false) { _ in Glibc.sem_getvalue(semaphore, &value) }
        return Int(value)
    }

    // MARK: System V semaphores

    /// Creates (with `IPC_CREAT | IPC_EXCL` in `flags`) or finds the set of `count` semaphores of `key`.
    ///
    /// The corresponding C function is `semget`.
    public static func semget(_ key: key_t, count: Int, flags: CInt) throws(Errno) -> SystemVSemaphoreSet {
        SystemVSemaphoreSet(id: try perform(.semget, retryOnInterrupt: false) { _ in Glibc.semget(key, CInt(count), flags) })
    }

    /// Performs `operations` atomically: all or none. With `nonblocking`, each carries `IPC_NOWAIT`.
    ///
    /// The corresponding C function is `semop`.
    /// With a `timeout` (relative), `semtimedop`: an operation still waiting when it passes fails `EAGAIN`.
    public static func semop(
        _ set: SystemVSemaphoreSet, _ operations: [SemaphoreOperation], nonblocking: Bool, timeout: timespec? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) {
        var buffers = operations.map { operation in
            var flags: Int16 = 0
            if operation.undo { flags |= Int16(SEM_UNDO) }
            if nonblocking { flags |= Int16(IPC_NOWAIT) }
            return sembuf(sem_num: UInt16(truncatingIfNeeded: operation.number), sem_op: Int16(truncatingIfNeeded: operation.change), sem_flg: flags)
        }
        let sleeps = {
            if let timeout, timeout.tv_sec == 0 && timeout.tv_nsec == 0 { return false }
            return FaultFeasibility.semopSleeps(set: set.id, operations.map { ($0.number, $0.change) })
        }
        _ = try perform(.semop, count: operations.count, mayBlock: !nonblocking, sleeps: sleeps, retryOnInterrupt: retryOnInterrupt) { _ in
            guard var timeout else { return Glibc.semop(set.id, &buffers, buffers.count) }
            return ipc_semtimedop(set.id, &buffers, UInt(buffers.count), &timeout)
        }
    }

    /// Every semaphore's value.
    ///
    /// The corresponding C function is `semctl(GETALL)`.
    public static func semValues(_ set: SystemVSemaphoreSet, count: Int) throws(Errno) -> [Int] {
        var values = [UInt16](repeating: 0, count: count)
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_getall(set.id, &values) }
        return values.map(Int.init)
    }

    /// One semaphore's value (`EINVAL` for a number outside the set).
    ///
    /// The corresponding C function is `semctl(GETVAL)`.
    public static func semValue(_ set: SystemVSemaphoreSet, number: Int) throws(Errno) -> Int {
        Int(try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_getval(set.id, CInt(truncatingIfNeeded: number)) })
    }

    /// How many processes sleep in a `semop` whose blocking operation is on semaphore `number` and waits for its
    /// value to grow (`zero` false: `GETNCNT`) or to be 0 (`GETZCNT`); `EINVAL` for a number outside the set.
    ///
    /// The corresponding C functions are `semctl(GETNCNT)` and `semctl(GETZCNT)`.
    public static func semWaiters(_ set: SystemVSemaphoreSet, number: Int, zero: Bool) throws(Errno) -> Int {
        Int(try perform(.semctl, retryOnInterrupt: false) { _ in
            ipc_semctl_waiters(set.id, CInt(truncatingIfNeeded: number), zero ? 1 : 0)
        })
    }

    /// The process id `sempid` of semaphore `number`: the last process whose `semop` succeeded on it (any of its
    /// operations, a wait for zero included), set it with `SETVAL`/`SETALL`, or whose undo adjustment of it
    /// applied at its exit; 0 before any. `EINVAL` for a number outside the set.
    ///
    /// The corresponding C function is `semctl(GETPID)`.
    public static func semLastProcess(_ set: SystemVSemaphoreSet, number: Int) throws(Errno) -> pid_t {
        pid_t(try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_getpid(set.id, CInt(truncatingIfNeeded: number)) })
    }

    /// Sets every semaphore's value (clearing every process's undo adjustments for them).
    ///
    /// The corresponding C function is `semctl(SETALL)`.
    public static func semSetValues(_ set: SystemVSemaphoreSet, _ values: [Int]) throws(Errno) {
        var raw = values.map { UInt16(truncatingIfNeeded: $0) }
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_setall(set.id, &raw) }
    }

    /// Sets one semaphore's value (clearing every process's undo adjustment for it).
    ///
    /// The corresponding C function is `semctl(SETVAL)`.
    public static func semSetValue(_ set: SystemVSemaphoreSet, number: Int, value: Int) throws(Errno) {
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_setval(set.id, CInt(number), CInt(value)) }
    }

    /// The set's size, owner, group (`sem_perm.gid`) and mode, and `sem_otime` and `sem_ctime` in seconds: the last successful `semop` (0
    /// before any), and the last change of the set (its creation, `IPC_SET`, `SETVAL`, `SETALL`) — one call's.
    ///
    /// The corresponding C function is `semctl(IPC_STAT)`.
    public static func semStatus(
        _ set: SystemVSemaphoreSet
    ) throws(Errno) -> (count: Int, ownerUID: uid_t, groupGID: gid_t, mode: mode_t, operationTime: Int, changeTime: Int) {
        var count: UInt = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var mode: UInt32 = 0
        var operation = 0
        var change = 0
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_stat(set.id, &count, &uid, &gid, &mode, &operation, &change) }
        return (Int(count), uid, gid, mode_t(mode) & 0o777, operation, change)
    }

    /// The namespace's semaphore limits (`IPC_INFO`) or, with `counts`, its use (`SEM_INFO`: `semusz` the sets,
    /// `semaem` the semaphores), by `struct seminfo`'s field names; and the call's result, the highest set index in use.
    ///
    /// The corresponding C function is `semctl(IPC_INFO)` or `semctl(SEM_INFO)`.
    public static func semInfo(counts: Bool) throws(Errno) -> (index: Int, fields: [String: Int]) {
        var values = [CInt](repeating: 0, count: 10)
        let index = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_info(counts ? 1 : 0, &values) }
        let names = ["semmap", "semmni", "semmns", "semmnu", "semmsl", "semopm", "semume", "semusz", "semvmx", "semaem"]
        return (Int(index), Dictionary(uniqueKeysWithValues: zip(names, values.map(Int.init))))
    }

    /// The set at `index` in the namespace's table (`SEM_STAT`, which needs read permission, or `SEM_STAT_ANY`, which
    /// does not): its id, and what ``semStatus(_:)`` would report.
    ///
    /// The corresponding C function is `semctl(SEM_STAT)` or `semctl(SEM_STAT_ANY)`.
    public static func semStatus(
        index: Int, any: Bool
    ) throws(Errno) -> (id: CInt, count: Int, ownerUID: uid_t, groupGID: gid_t, mode: mode_t, operationTime: Int, changeTime: Int) {
        var count: UInt = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var mode: UInt32 = 0
        var operation = 0
        var change = 0
        let id = try perform(.semctl, retryOnInterrupt: false) { _ in
            ipc_semctl_stat_index(CInt(truncatingIfNeeded: index), any ? 1 : 0, &count, &uid, &gid, &mode, &operation, &change)
        }
        return (id, Int(count), uid, gid, mode_t(mode) & 0o777, operation, change)
    }

    /// `sem_otime` and `sem_ctime` in seconds, as ``semStatus(_:)`` reports them.
    ///
    /// The corresponding C function is `semctl(IPC_STAT)`.
    public static func semTimes(_ set: SystemVSemaphoreSet) throws(Errno) -> (operation: Int, change: Int) {
        let status = try semStatus(set)
        return (status.operationTime, status.changeTime)
    }

    /// Sets what is given of the permission bits, the owner (`sem_perm.uid`) and the group (`sem_perm.gid`), keeping
    /// the rest as `IPC_STAT` reports it; only the owner, the creator or a privileged process may (`EPERM`).
    ///
    /// The corresponding C function is `semctl(IPC_SET)`.
    public static func semSet(_ set: SystemVSemaphoreSet, mode: mode_t?, owner: uid_t?, group: gid_t? = nil) throws(Errno) {
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in
            ipc_semctl_set(set.id, mode.map { CInt($0 & 0o777) } ?? -1, owner.map { Int($0) } ?? -1, group.map { Int($0) } ?? -1)
        }
    }

    /// Removes the set at once; blocked `semop`s fail `EIDRM`.
    ///
    /// The corresponding C function is `semctl(IPC_RMID)`.
    public static func semRemove(_ set: SystemVSemaphoreSet) throws(Errno) {
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_remove(set.id) }
    }

    /// `semctl` of the raw `command` on the raw `id` (semaphore 0, a `struct semid_ds` buffer): for a command the
    /// kernel does not have or a negative id, which it refuses (`EINVAL`) before looking at anything.
    ///
    /// The corresponding C function is `semctl`.
    public static func semControl(id: CInt, command: CInt) throws(Errno) {
        _ = try perform(.semctl, retryOnInterrupt: false) { _ in ipc_semctl_command(id, command) }
    }
}

extension Int {
    /// -1 for a null pointer's bit pattern, so ``Syscall/perform`` reads errno.
    fileprivate var nonzeroOrFailure: Int { self == 0 ? -1 : self }
}
