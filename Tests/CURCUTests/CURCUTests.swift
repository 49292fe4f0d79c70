import CURCU
import Foundation
import TestSupport
import Testing

/// The liburcu shim links and its calls do what their names say. The RCU model checks liburcu under load in
/// IPCHarnessTests (the rcu-urcu-* scenarios); these are the single-thread facts.
@Suite(.serialized) struct CURCUTests {
    /// A version block that carries its own call_rcu record, as liburcu's users embed `struct rcu_head`.
    struct Block {
        var head = curcu_head()
        var value: Int
    }

    nonisolated(unsafe) static var reclaimed: [Int] = []

    @Test func membPublishesExchangesAndSynchronizes() {
        curcu_memb_register_thread()
        defer { curcu_memb_unregister_thread() }
        let first = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        first.initialize(to: 1)
        let second = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        second.initialize(to: 2)
        let third = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        third.initialize(to: 3)
        defer { [first, second, third].forEach { $0.deallocate() } }
        let slot = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        defer { slot.deallocate() }
        slot.initialize(to: UnsafeMutableRawPointer(first))

        #expect(curcu_memb_read_ongoing() == 0)
        curcu_memb_read_lock()
        #expect(curcu_memb_read_ongoing() != 0)
        let seen = curcu_dereference(slot)
        curcu_memb_read_unlock()
        #expect(curcu_memb_read_ongoing() == 0)
        #expect(seen?.assumingMemoryBound(to: Int.self).pointee == 1)

        curcu_assign_pointer(slot, UnsafeMutableRawPointer(second))
        curcu_memb_synchronize()  // no reader holds the old version: returns
        #expect(curcu_dereference(slot) == UnsafeMutableRawPointer(second))
        let previous = curcu_exchange_pointer(slot, UnsafeMutableRawPointer(third))
        #expect(previous == UnsafeMutableRawPointer(second))
        #expect(slot.pointee == UnsafeMutableRawPointer(third))
    }

    @Test func callRCUCallbacksRunBeforeTheBarrierReturns() {
        Self.reclaimed = []
        curcu_memb_register_thread()
        let blocks = (1...3).map { value in
            let block = UnsafeMutablePointer<Block>.allocate(capacity: 1)
            block.initialize(to: Block(value: value))
            return block
        }
        for block in blocks {
            curcu_memb_call_rcu(UnsafeMutableRawPointer(block).assumingMemoryBound(to: curcu_head.self)) { head in
                let block = UnsafeMutableRawPointer(head!).assumingMemoryBound(to: Block.self)
                CURCUTests.reclaimed.append(block.pointee.value)
                block.deallocate()
            }
        }
        curcu_memb_barrier()
        curcu_memb_unregister_thread()
        // One call_rcu thread runs the callbacks in the order they were queued.
        #expect(Self.reclaimed == [1, 2, 3])

        Self.reclaimed = []
        curcu_qsbr_register_thread()
        let block = UnsafeMutablePointer<Block>.allocate(capacity: 1)
        block.initialize(to: Block(value: 9))
        curcu_qsbr_call_rcu(UnsafeMutableRawPointer(block).assumingMemoryBound(to: curcu_head.self)) { head in
            CURCUTests.reclaimed.append(UnsafeMutableRawPointer(head!).assumingMemoryBound(to: Block.self).pointee.value)
            UnsafeMutableRawPointer(head!).deallocate()
        }
        curcu_qsbr_barrier()  // goes offline while it waits, so it does not wait on itself
        curcu_qsbr_unregister_thread()
        #expect(Self.reclaimed == [9])
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

    /// The shim's read side reaches liburcu's thread-local reader records with the initial-exec TLS model (a
    /// %fs-relative load through the GOT), never through a __tls_get_addr call: the objects built for this test
    /// carry GOTTPOFF relocations and no call to it. Without the redeclarations in memb.c and qsbr.c they carry
    /// R_X86_64_TLSGD relocations and calls to __tls_get_addr (position-independent code's default model).
    @Test(arguments: ["memb", "qsbr"])
    func theReadSideUsesInitialExecThreadLocals(flavour: String) throws {
        let bundle = try #require(Bundle.main.executableURL).resolvingSymlinksInPath().deletingLastPathComponent()
        let object = bundle.appendingPathComponent("CURCU.build/\(flavour).c.o").path
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        let objdump = Process()
        objdump.executableURL = URL(fileURLWithPath: "/usr/bin/objdump")
        objdump.arguments = ["-dr", object]
        let pipe = Pipe()
        objdump.standardOutput = pipe
        try objdump.runHoldingOffAgreementTests()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        objdump.waitUntilExit()
        #expect(objdump.terminationStatus == 0)
        #expect(text.contains("<curcu_\(flavour)_read_lock>:"))
        #expect(text.contains("R_X86_64_GOTTPOFF\turcu_\(flavour)_reader"))
        #expect(!text.contains("__tls_get_addr"))
        #expect(!text.contains("R_X86_64_TLSGD"))
    }
}
