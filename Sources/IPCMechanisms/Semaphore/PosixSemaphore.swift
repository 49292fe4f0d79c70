import Glibc
import IPCSyscalls
import SystemPackage

/// A POSIX semaphore, named (`sem_open`) or unnamed in shared memory (`sem_init` with pshared 1).
///
/// It has no owner: a process that dies after a wait never posts, and the unit is lost (nothing gives it back).
/// `sem_getvalue` reads 0, never a negative count, while processes wait.
public struct PosixSemaphore: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<sem_t>

    public init(pointer: UnsafeMutablePointer<sem_t>) {
        self.pointer = pointer
    }

    /// Creates a named semaphore exclusively, mode 0600, with `value`.
    public static func create(_ name: String, value: Int) throws(Errno) -> PosixSemaphore {
        PosixSemaphore(pointer: try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: UInt32(clamping: value)))
    }

    /// Opens an existing named semaphore (`ENOENT` once unlinked).
    public static func open(_ name: String) throws(Errno) -> PosixSemaphore {
        PosixSemaphore(pointer: try Syscall.semOpen(name))
    }

    /// Initialises a semaphore at `address`: process-shared (pshared 1, for memory shared between processes) unless
    /// `shared` is false — then glibc wakes sleepers with a private futex, which reaches only its own process's.
    public static func initialize(at address: UnsafeMutableRawPointer, value: Int, shared: Bool = true) throws(Errno) -> PosixSemaphore {
        let pointer = address.assumingMemoryBound(to: sem_t.self)
        try Syscall.semInit(pointer, shared: shared, value: UInt32(clamping: value))
        return PosixSemaphore(pointer: pointer)
    }

    /// A semaphore some process initialised at `address`.
    public static func existing(at address: UnsafeMutableRawPointer) -> PosixSemaphore {
        PosixSemaphore(pointer: address.assumingMemoryBound(to: sem_t.self))
    }

    /// Decrements. Blocking, sleeps while the value is 0; with `nonblocking`, returns false instead (`EAGAIN`).
    /// With a `deadline` (absolute, `CLOCK_REALTIME`; `sem_timedwait`), a wait still asleep then fails `ETIMEDOUT`.
    /// With a `clock` as well, `sem_clockwait`: the deadline is on that clock.
    public func wait(nonblocking: Bool, deadline: timespec? = nil, clock: clockid_t? = nil, retryOnInterrupt: Bool = true) throws(Errno) -> Bool {
        guard nonblocking else {
            if let deadline, let clock {
                try Syscall.semClockWait(pointer, clock: clock, deadline: deadline, retryOnInterrupt: retryOnInterrupt)
            } else if let deadline {
                try Syscall.semTimedWait(pointer, deadline: deadline, retryOnInterrupt: retryOnInterrupt)
            } else {
                try Syscall.semWait(pointer, retryOnInterrupt: retryOnInterrupt)
            }
            return true
        }
        do throws(Errno) {
            try Syscall.semTryWait(pointer)
            return true
        } catch .wouldBlock {
            return false
        }
    }

    /// Increments (`EOVERFLOW` at `SEM_VALUE_MAX`, 2^31 - 1).
    public func post() throws(Errno) {
        try Syscall.semPost(pointer)
    }

    public func value() throws(Errno) -> Int {
        try Syscall.semValue(pointer)
    }

    public func close() throws(Errno) {
        try Syscall.semClose(pointer)
    }

    public static func unlink(_ name: String) throws(Errno) {
        try Syscall.semUnlink(name)
    }
}
