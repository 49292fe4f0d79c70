import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The real backend of the reference implementations: a memory file mapped twice lands at two addresses yet is
/// one memory (so structures hold offsets, not pointers), the constructions run on it stepped to the end, and the
/// layouts keep writers apart on cache lines.
@Suite struct SharedMemoryTests {
    func memory(size: Int) throws -> FileDescriptor {
        let file = try Syscall.memfdCreate("ipch-test")
        try Syscall.truncate(file, size: size)
        return file
    }

    @Test func twoMappingsAreOneMemoryAtDifferentAddresses() throws {
        let file = try memory(size: 4096)
        defer { try? Syscall.close(file) }
        let first = try MappedSharedAccess(descriptor: file, size: 4096)
        let second = try MappedSharedAccess(descriptor: file, size: 4096)
        #expect(first.base != second.base)
        first.store(64, 0xDEAD_BEEF, .releasing)
        #expect(second.load(64, .acquiring) == 0xDEAD_BEEF)
        #expect(second.compareExchange(64, expected: 0xDEAD_BEEF, desired: 7, .acquiringAndReleasing) == (true, 0xDEAD_BEEF))
        #expect(first.wrappingAdd(64, 3, .relaxed) == 7)
        #expect(second.load(64, .relaxed) == 10)
    }

    @Test func aRingWorksAcrossTwoMappings() throws {
        let ring = SharedRing(base: 0, capacity: 2, maximumMessage: 20)
        let file = try memory(size: ring.size)
        defer { try? Syscall.close(file) }
        let producer = try MappedSharedAccess(descriptor: file, size: ring.size)
        let consumer = try MappedSharedAccess(descriptor: file, size: ring.size)
        var empty = SharedRing.Receive(ring: ring)
        #expect(empty.run(consumer) == nil)
        for message in ["first", "second message", "third"] {
            var send = SharedRing.Send(ring: ring, message: Array(message.utf8))
            #expect(send.run(producer) == (message != "third"), "\(message)")
        }
        var receive = SharedRing.Receive(ring: ring)
        #expect(receive.run(consumer) == Array("first".utf8))
        var again = SharedRing.Receive(ring: ring)
        #expect(again.run(consumer) == Array("second message".utf8))
    }

    @Test func producerAndConsumerFieldsAreOnSeparateCacheLines() {
        let ring = SharedRing(base: 128, capacity: 4, maximumMessage: 8)
        #expect(ring.tailOffset / SharedLayout.cacheLine != ring.headOffset / SharedLayout.cacheLine)
        #expect(ring.size % SharedLayout.cacheLine == 0)
        let credits = CreditRing(base: 0, consumers: 3, credits: 2, maximumMessage: 8)
        let lines = Set(credits.initialWords.map { $0.offset / SharedLayout.cacheLine })
        #expect(lines.count == 3)
    }

    @Test func wordsPackAndUnpackBytes() {
        let bytes = Array("seventeen bytes!!".utf8)
        let words = SharedLayout.pack(bytes)
        #expect(words.count == 3)
        #expect(SharedLayout.unpack(words, count: bytes.count) == bytes)
    }

    @Test func aPipeCopyChannelKeepsMessagesWholeAndCopiesAtSend() throws {
        let (readEnd, writeEnd) = try KernelPipe.create()
        defer {
            try? Syscall.close(readEnd)
            try? Syscall.close(writeEnd)
        }
        let channel = PipeCopyChannel(readEnd: readEnd, writeEnd: writeEnd)
        #expect(channel.receive() == nil)
        var buffer = Array("checked".utf8)
        #expect(channel.send(buffer))
        buffer = Array("tampered".utf8)  // the sender's buffer is its own again
        #expect(channel.send([]))
        #expect(channel.receive() == Array("checked".utf8))
        #expect(channel.receive() == [])
        #expect(channel.receive() == nil)
        #expect(channel.failure == nil)
        _ = buffer
    }

    /// Under the faults the kernel can give a pipe reader: a read of the header cut short does not lose the message
    /// (the rest is in the pipe: the message went in as one atomic write), and a failed read fails that receive
    /// only, not every later one.
    @Test func aPipeCopyChannelReadsOnAfterAShortReadAndForgetsAFailure() throws {
        let (readEnd, writeEnd) = try KernelPipe.create()
        defer {
            try? Syscall.close(readEnd)
            try? Syscall.close(writeEnd)
        }
        let channel = PipeCopyChannel(readEnd: readEnd, writeEnd: writeEnd)
        #expect(channel.send(Array("first".utf8)) && channel.send(Array("second".utf8)))
        let cut = FaultPlan(rules: [FaultPlan.Rule(call: .read, action: .shorten(to: 1), count: 1)])
        let received = FaultInjection.$taskInjector.withValue(cut) { channel.receive() }
        #expect(received == Array("first".utf8))
        let refused = FaultPlan(rules: [.counted(.read, errno: .noMemory)])
        #expect(FaultInjection.$taskInjector.withValue(refused) { channel.receive() } == nil)
        #expect(channel.failure == .noMemory)
        channel.clearFailure()
        #expect(channel.receive() == Array("second".utf8))
        #expect(channel.failure == nil)
    }

    @Test func aTagMakesTheStaleSwapFailWhereAnUntaggedWordLetsItThrough() throws {
        // Node 0 pushed; a pop reads the top and its next; another pops node 0 and pushes it back; the stale pop
        // resumes. Untagged, its first swap succeeds on the word it read (ABA: 2 more steps, the swap and the
        // value). Tagged, that swap fails and it starts over (5 steps: the failed swap, top, next, swap, value).
        for (tagBits, stepsToFinish) in [(0, 2), (8, 5)] {
            let stack = TreiberStack(base: 0, nodes: 2, tagBits: tagBits)
            let file = try memory(size: stack.size)
            defer { try? Syscall.close(file) }
            let shared = try MappedSharedAccess(descriptor: file, size: stack.size)
            var push = TreiberStack.Push(stack: stack, node: 0, value: 7)
            push.run(shared)
            var stale = TreiberStack.Pop(stack: stack)
            _ = stale.step(shared)
            _ = stale.step(shared)
            var other = TreiberStack.Pop(stack: stack)
            #expect(other.run(shared)?.node == 0)
            var back = TreiberStack.Push(stack: stack, node: 0, value: 8)
            back.run(shared)
            var steps = 0
            var popped: (node: Int, value: UInt64)?
            while true {
                steps += 1
                if case .finished(let result) = stale.step(shared) {
                    popped = result
                    break
                }
            }
            #expect(steps == stepsToFinish, "tag bits \(tagBits)")
            #expect(popped?.value == 8)
        }
    }
}
