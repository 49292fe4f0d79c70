import Glibc
import IPCSyscalls
import SystemPackage

/// System V semaphore sets (`semget`, `semop`, `semctl`), through the syscall layer.
///
/// A `semop` applies its operations in order, atomically: all, or none (sleeping, or `EAGAIN` with
/// `IPC_NOWAIT`). An operation with `SEM_UNDO` adds its opposite to the process's adjustment, which the kernel
/// applies when the *process* exits (killed included; a thread's exit does nothing), clamping at 0 and 32767.
/// `SETVAL`/`SETALL` clear every process's adjustments of the semaphores they set.
public enum SystemVSemaphores {
    /// Creates a set of `values.count` semaphores for `key` exclusively, mode 0600, holding `values`.
    public static func create(key: key_t, values: [Int]) throws(Errno) -> SystemVSemaphoreSet {
        let set = try Syscall.semget(key, count: values.count, flags: IPC_CREAT | IPC_EXCL | 0o600)
        do {
            try Syscall.semSetValues(set, values)
        } catch {
            try? Syscall.semRemove(set)
            throw error
        }
        return set
    }

    /// Performs `operations` atomically; false when `nonblocking` and one would have to wait (`EAGAIN`). With a
    /// `timeout` (`semtimedop`), an operation still waiting when it passes throws `EAGAIN` (not `ETIMEDOUT`).
    public static func perform(
        _ set: SystemVSemaphoreSet, _ operations: [SemaphoreOperation], nonblocking: Bool, timeout: timespec? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Bool {
        do throws(Errno) {
            try Syscall.semop(set, operations, nonblocking: nonblocking, timeout: timeout, retryOnInterrupt: retryOnInterrupt)
            return true
        } catch .wouldBlock {
            return false
        }
    }

    public static func values(_ set: SystemVSemaphoreSet, count: Int) throws(Errno) -> [Int] {
        try Syscall.semValues(set, count: count)
    }

    public static func setValue(_ set: SystemVSemaphoreSet, number: Int, value: Int) throws(Errno) {
        try Syscall.semSetValue(set, number: number, value: value)
    }

    public static func remove(_ set: SystemVSemaphoreSet) throws(Errno) {
        try Syscall.semRemove(set)
    }
}
