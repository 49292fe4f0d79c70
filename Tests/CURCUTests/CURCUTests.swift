import CURCU
import Testing

/// The liburcu shim links and its calls do what their names say; the RCU model and benchmarks come later.
@Suite(.serialized) struct CURCUTests {
    @Test func membPublishesAndSynchronizes() {
        curcu_memb_register_thread()
        defer { curcu_memb_unregister_thread() }
        let first = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        first.initialize(to: 1)
        let second = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        second.initialize(to: 2)
        var slot: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(first)
        curcu_memb_read_lock()
        let seen = withUnsafePointer(to: &slot) { curcu_memb_dereference(UnsafeRawPointer($0).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)) }
        curcu_memb_read_unlock()
        #expect(seen?.assumingMemoryBound(to: Int.self).pointee == 1)
        withUnsafeMutablePointer(to: &slot) { curcu_memb_assign_pointer($0, UnsafeMutableRawPointer(second)) }
        curcu_memb_synchronize()  // no reader holds the old version: returns
        first.deallocate()
        #expect(slot?.assumingMemoryBound(to: Int.self).pointee == 2)
        second.deallocate()
    }

    @Test func qsbrReadersAnnounceQuiescentStates() {
        curcu_qsbr_register_thread()
        defer { curcu_qsbr_unregister_thread() }
        curcu_qsbr_read_lock()
        curcu_qsbr_read_unlock()
        curcu_qsbr_quiescent_state()
        // A registered online thread calling synchronize would wait on itself: go offline first.
        curcu_qsbr_thread_offline()
        curcu_qsbr_synchronize()
        curcu_qsbr_thread_online()
    }
}
