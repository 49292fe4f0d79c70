import CURCU
import CURCUInline
import IPCMechanisms

/// liburcu's memb flavour with its read side inlined, as a C program compiled with `_LGPL_SOURCE` uses it:
/// `rcu_read_lock`, `rcu_read_unlock` and `rcu_dereference` are liburcu's static inline code (through
/// CURCUInline), not calls into the library. The rest (registration, grace periods) is the library's, as in
/// ``URCUMemb``. For `bench rcu`: the read side the Swift RCU has to match.
final class InlinedURCUMemb: RCUFlavor {
    struct Reader {}

    let name = "liburcu.memb-inlined"

    func registerReader() -> Reader {
        curcu_memb_register_thread()
        return Reader()
    }

    func unregisterReader(_ reader: Reader) { curcu_memb_unregister_thread() }
    func registerUpdater() { curcu_memb_register_thread() }
    func unregisterUpdater() { curcu_memb_unregister_thread() }
    @inline(__always) func readLock(_ reader: Reader) { curcu_inline_memb_read_lock() }
    @inline(__always) func readUnlock(_ reader: Reader) { curcu_inline_memb_read_unlock() }

    @inline(__always)
    func dereference(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(mutating: curcu_inline_dereference(UnsafeRawPointer(slot).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)))
    }

    func exchange(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ value: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        curcu_exchange_pointer(slot, value)
    }

    func synchronize() { curcu_memb_synchronize() }
    func callRCU(_ head: UnsafeMutablePointer<curcu_head>, _ callback: RCUCallback) { curcu_memb_call_rcu(head, callback) }
    func barrier() { curcu_memb_barrier() }
}
