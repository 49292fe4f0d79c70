import CIPCShims
import SystemPackage

extension Syscall {
    /// Registers this process for private expedited memory barriers (needed once before ``membarrier()``).
    ///
    /// The corresponding C function is `membarrier` with `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`.
    public static func registerForMembarrier() throws(Errno) {
        _ = try perform(.membarrier, retryOnInterrupt: true) { _ in ipc_membarrier_register_private_expedited() }
    }

    /// Makes every running thread of this process execute a full memory barrier before returning: the other
    /// half of a read side that uses only compiler barriers (sys_membarrier RCU, as liburcu's memb flavour).
    ///
    /// The corresponding C function is `membarrier` with `MEMBARRIER_CMD_PRIVATE_EXPEDITED`.
    public static func membarrier() throws(Errno) {
        _ = try perform(.membarrier, retryOnInterrupt: true) { _ in ipc_membarrier_private_expedited() }
    }
}

extension Syscall {
    /// Sleeps while the 32-bit word at `word` holds `expected`: returns on a wake, at once when it differs
    /// (`EAGAIN`, returned as false), and after a signal (`EINTR` is not retried: the caller re-checks its condition).
    /// `shared`: the word is in memory other processes map too (the futex is keyed by the page, not the address).
    ///
    /// The corresponding C function is `futex` with `FUTEX_WAIT_PRIVATE` (`FUTEX_WAIT` when shared).
    @discardableResult
    public static func futexWait(_ word: UnsafeRawPointer, expected: Int32, shared: Bool = false) throws(Errno) -> Bool {
        do {
            _ = try perform(.futex, mayBlock: true, retryOnInterrupt: false) { _ in
                let address = word.assumingMemoryBound(to: CInt.self)
                return shared ? ipc_futex_wait_shared(address, expected) : ipc_futex_wait(address, expected)
            }
            return true
        } catch .resourceTemporarilyUnavailable, .interrupted {
            return false
        }
    }

    /// Wakes up to `count` threads sleeping in ``futexWait(_:expected:)`` on `word`; returns how many woke.
    ///
    /// The corresponding C function is `futex` with `FUTEX_WAKE_PRIVATE` (`FUTEX_WAKE` when shared).
    @discardableResult
    public static func futexWake(_ word: UnsafeRawPointer, count: Int32 = .max, shared: Bool = false) throws(Errno) -> Int {
        Int(try perform(.futex, retryOnInterrupt: true) { _ in
            let address = word.assumingMemoryBound(to: CInt.self)
            return shared ? ipc_futex_wake_shared(address, count) : ipc_futex_wake(address, count)
        })
    }
}
