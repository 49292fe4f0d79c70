import CURCU

/// liburcu's memb flavour through the CURCU shim: readers use compiler barriers only, the updater's
/// `sys_membarrier` supplies the memory barriers they skip.
public final class URCUMemb: RCUFlavor {
    public struct Reader {}

    public let name = "liburcu.memb"

    public init() {}

    public func registerReader() -> Reader {
        curcu_memb_register_thread()
        return Reader()
    }

    public func unregisterReader(_ reader: Reader) { curcu_memb_unregister_thread() }
    public func registerUpdater() { curcu_memb_register_thread() }
    public func unregisterUpdater() { curcu_memb_unregister_thread() }
    @inlinable public func readLock(_ reader: Reader) { curcu_memb_read_lock() }
    @inlinable public func readUnlock(_ reader: Reader) { curcu_memb_read_unlock() }

    @inlinable
    public func dereference(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UnsafeMutableRawPointer? {
        curcu_dereference(slot)
    }

    public func exchange(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ value: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        curcu_exchange_pointer(slot, value)
    }

    public func synchronize() { curcu_memb_synchronize() }
    public func callRCU(_ head: UnsafeMutablePointer<curcu_head>, _ callback: RCUCallback) { curcu_memb_call_rcu(head, callback) }
    public func barrier() { curcu_memb_barrier() }
}

/// liburcu's QSBR flavour through the CURCU shim: read_lock and read_unlock cost nothing; a reader is protected
/// from going online to its next quiescent state or going offline. Registered readers and updaters start offline;
/// an updater goes online only to queue a callback (call_rcu takes a read lock inside).
public final class URCUQSBR: RCUFlavor {
    public struct Reader {}

    public let name = "liburcu.qsbr"
    public let hasQuiescentStates = true

    public init() {}

    /// Registered threads start online; a reader starts outside any section, so it goes offline at once.
    public func registerReader() -> Reader {
        curcu_qsbr_register_thread()
        curcu_qsbr_thread_offline()
        return Reader()
    }

    public func unregisterReader(_ reader: Reader) {
        curcu_qsbr_thread_online()
        curcu_qsbr_unregister_thread()
    }

    public func registerUpdater() {
        curcu_qsbr_register_thread()
        curcu_qsbr_thread_offline()
    }

    public func unregisterUpdater() {
        curcu_qsbr_thread_online()
        curcu_qsbr_unregister_thread()
    }

    @inlinable public func readLock(_ reader: Reader) { curcu_qsbr_read_lock() }
    @inlinable public func readUnlock(_ reader: Reader) { curcu_qsbr_read_unlock() }
    @inlinable public func quiescentState(_ reader: Reader) { curcu_qsbr_quiescent_state() }
    @inlinable public func threadOnline(_ reader: Reader) { curcu_qsbr_thread_online() }
    @inlinable public func threadOffline(_ reader: Reader) { curcu_qsbr_thread_offline() }

    @inlinable
    public func dereference(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UnsafeMutableRawPointer? {
        curcu_dereference(slot)
    }

    public func exchange(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ value: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        curcu_exchange_pointer(slot, value)
    }

    public func synchronize() { curcu_qsbr_synchronize() }

    public func callRCU(_ head: UnsafeMutablePointer<curcu_head>, _ callback: RCUCallback) {
        curcu_qsbr_thread_online()
        curcu_qsbr_call_rcu(head, callback)
        curcu_qsbr_thread_offline()
    }

    public func barrier() { curcu_qsbr_barrier() }
}
