import Glibc
@testable import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The ack queue under deaths. A thread stands in for a process: it joins (taking its lease), works, and exits,
/// and the kernel walks its robust list as it would at a process's death. Every thread exits before the page
/// goes, so no robust list points into unmapped memory.
@Suite struct SharedAckQueueTests {
    private final class Page: @unchecked Sendable {
        let base = mmap(nil, SharedAckQueue.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        deinit { munmap(base, SharedAckQueue.size) }
    }

    /// Runs `body` as process `number` on its own thread, which then exits (dies) whatever it holds.
    private func asProcess<T: Sendable>(
        _ page: Page, _ number: Int, forgetsOnDeath: Bool = false, crashAfterStores: Int? = nil,
        _ body: @escaping @Sendable (inout SharedAckQueue) throws -> T
    ) throws -> T {
        nonisolated(unsafe) var result: Result<T, any Error>?
        TestThread {
            result = Result {
                var queue = try SharedAckQueue(
                    at: page.base, process: number, forgetsOnDeath: forgetsOnDeath, crashAfterStores: crashAfterStores)
                return try body(&queue)
            }
        }.join()
        return try result!.get()
    }

    /// What a last survivor takes and acknowledges until the queue is empty.
    private func drain(_ page: Page, as number: Int) throws -> [UInt64] {
        try asProcess(page, number) { queue in
            var taken: [UInt64] = []
            while case .success(let message) = try queue.receive() {
                taken.append(message)
                #expect(try queue.acknowledge())
            }
            return taken
        }
    }

    @Test func aConsumerKilledBeforeItsAckHasItsMessageGivenBack() throws {
        let page = Page()
        try SharedAckQueue.initialize(at: page.base, capacity: 4)
        #expect(try asProcess(page, 1) { queue in [try queue.send(10), try queue.send(11)] } == [true, true])
        #expect(try asProcess(page, 2) { queue in try queue.receive() } == .success(10))  // dies holding 10
        #expect(try asProcess(page, 3) { queue in
            [try queue.receive(), try queue.receive()]
        } == [.success(10), .failure(.holding)])
        #expect(try drain(page, as: 4).sorted() == [10, 11])  // 3 died holding 10 too
        #expect(try asProcess(page, 5) { queue in try queue.acknowledge() } == false)
    }

    @Test func theFragileConsumerLosesItsMessageWhenKilledBeforeItsAck() throws {
        let page = Page()
        try SharedAckQueue.initialize(at: page.base, capacity: 4)
        _ = try asProcess(page, 1) { queue in [try queue.send(10), try queue.send(11)] }
        #expect(try asProcess(page, 2, forgetsOnDeath: true) { queue in try queue.receive() } == .success(10))
        #expect(try drain(page, as: 3) == [11])
    }

    @Test func sendsFailOnlyWhenCapacityMessagesAreQueued() throws {
        let page = Page()
        try SharedAckQueue.initialize(at: page.base, capacity: 2)
        #expect(try asProcess(page, 1) { queue in
            let sends = [try queue.send(1), try queue.send(2), try queue.send(3)]
            _ = try queue.receive()  // a message in flight does not count
            return sends + [try queue.send(4), try queue.send(5)]
        } == [true, true, false, true, false])
    }

    /// A receiver killed after each store of its receive (which also gives back an earlier consumer's message,
    /// so the repair of a half-done give-back is covered), and a sender killed after each store of its send:
    /// whatever the point, the survivor drains every message that was sent, each exactly once.
    @Test(arguments: 0...12) func aKillAtAnyStoreLosesAndDuplicatesNothing(afterStores: Int) throws {
        let page = Page()
        try SharedAckQueue.initialize(at: page.base, capacity: 4)
        _ = try asProcess(page, 1) { queue in [try queue.send(10), try queue.send(11)] }
        _ = try asProcess(page, 2) { queue in try queue.receive() }  // dies holding 10
        let taking = try asProcess(page, 3, crashAfterStores: afterStores) { queue in
            _ = try queue.receive()
            return queue.hasCrashed
        }
        let sending = try asProcess(page, 4, crashAfterStores: afterStores / 6) { queue in
            (try queue.send(12), queue.hasCrashed)
        }
        let drained = try drain(page, as: 5).sorted()
        #expect(drained == (sending.1 ? [10, 11] : [10, 11, 12]), "receive killed: \(taking), send: \(sending)")
    }
}
