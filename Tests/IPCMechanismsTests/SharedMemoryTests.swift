import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The real backend of the shared-memory constructions: a memory file mapped twice lands at two addresses yet is
/// one memory (so structures hold offsets, not pointers), every operation of the protocol does what it says on it
/// (read-modify-writes, byte copies, a futex wait woken across threads), the constructions' ordinary code runs on it,
/// and the layouts keep writers apart on cache lines.
@Suite struct SharedMemoryTests {
    func memory(size: Int) throws -> FileDescriptor {
        let file = try Syscall.memfdCreate("ipch-test")
        try Syscall.truncate(file, size: size)
        return file
    }

    @Test func twoMappingsAreOneMemoryAtDifferentAddresses() throws {
        let file = try memory(size: 4096)
        defer { try? Syscall.close(file) }
        let first = try MappedSharedMemory(descriptor: file, size: 4096)
        let second = try MappedSharedMemory(descriptor: file, size: 4096)
        #expect(first.base != second.base)
        first.store(64, 0xDEAD_BEEF, .releasing)
        #expect(second.load(64, .acquiring) == 0xDEAD_BEEF)
        #expect(second.compareExchange(64, expected: 0xDEAD_BEEF, desired: 7, .acquiringAndReleasing) == (true, 0xDEAD_BEEF))
        #expect(second.compareExchange(64, expected: 0xDEAD_BEEF, desired: 9, .acquiring) == (false, 7))
        #expect(first.wrappingAdd(64, 3, .relaxed) == 7)
        #expect(second.load(64, .relaxed) == 10)
    }

    @Test(arguments: UpdateOrdering.allCases)
    func readModifyWritesReturnTheValueBeforeAndLeaveTheResult(ordering: UpdateOrdering) throws {
        let file = try memory(size: 4096)
        defer { try? Syscall.close(file) }
        let shared = try MappedSharedMemory(descriptor: file, size: 4096)
        shared.store(8, 0b1100, .relaxed)
        #expect(shared.wrappingAdd(8, 3, ordering) == 0b1100)
        #expect(shared.wrappingSubtract(8, 1, ordering) == 0b1111)
        #expect(shared.bitwiseOr(8, 0b1_0000, ordering) == 0b1110)
        #expect(shared.bitwiseAnd(8, 0b1_0110, ordering) == 0b1_1110)
        #expect(shared.load(8, .sequentiallyConsistent) == 0b1_0110)
        shared.store(16, 0, .relaxed)
        #expect(shared.wrappingSubtract(16, 1, ordering) == 0)
        #expect(shared.load(16, .relaxed) == UInt64.max)
        shared.fence(ordering)
    }

    @Test func bytesAndMessagesGoInWholeWordsAndComeBackExactly() throws {
        let file = try memory(size: 4096)
        defer { try? Syscall.close(file) }
        let shared = try MappedSharedMemory(descriptor: file, size: 4096)
        for count in [0, 1, 7, 8, 9, 23] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }
            shared.storeMessage(bytes, at: 128, .releasing)
            #expect(shared.loadMessage(at: 128, limit: 64, .acquiring) == bytes)
        }
        // A torn length cannot take a reader past its slot.
        shared.store(256, 1 << 40, .relaxed)
        #expect(shared.loadMessage(at: 256, limit: 16, .relaxed).count == 16)
    }

    /// A waiter sleeps on the futex until the word changes and a wake comes: no sleeping on a timer in the test —
    /// the waiter loops until it sees the value, so it ends exactly when the store and the wake have happened.
    @Test func aWaiterSleepsUntilTheWordChangesAndAWakeComes() throws {
        let file = try memory(size: 4096)
        defer { try? Syscall.close(file) }
        let waiterSide = try MappedSharedMemory(descriptor: file, size: 4096)
        let wakerSide = try MappedSharedMemory(descriptor: file, size: 4096)
        nonisolated(unsafe) var seen: UInt64 = 0
        let waiter = TestThread {
            while waiterSide.load(64, .acquiring) == 0 { waiterSide.wait(64, whileEquals: 0) }
            seen = waiterSide.load(64, .relaxed)
        }
        // A wait on a word that already differs returns at once.
        wakerSide.store(128, 5, .relaxed)
        wakerSide.wait(128, whileEquals: 4)
        wakerSide.store(64, 42, .releasing)
        wakerSide.wake(64)
        waiter.join()
        #expect(seen == 42)
    }

    @Test func aRingWorksAcrossTwoMappings() throws {
        let ring = SharedRing(base: 0, capacity: 2, maximumMessage: 20)
        let file = try memory(size: ring.size)
        defer { try? Syscall.close(file) }
        let producer = try MappedSharedMemory(descriptor: file, size: ring.size)
        let consumer = try MappedSharedMemory(descriptor: file, size: ring.size)
        #expect(ring.receive(in: consumer) == nil)
        for message in ["first", "second message", "third"] {
            #expect(ring.send(Array(message.utf8), in: producer) == (message != "third"), "\(message)")
        }
        #expect(ring.receive(in: consumer) == Array("first".utf8))
        #expect(ring.receive(in: consumer) == Array("second message".utf8))
        #expect(ring.receive(in: consumer) == nil)
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

    /// Node 0 pushed; a pop reads the top and its next; just before its compare-and-swap, another process pops node 0
    /// and pushes it back (the interposed memory runs that at the pop's first swap). Untagged, the stale swap succeeds
    /// on the word it read (ABA): one swap in all. Tagged, it fails and the pop starts over: two.
    @Test func aTagMakesTheStaleSwapFailWhereAnUntaggedWordLetsItThrough() throws {
        for (tagBits, swaps) in [(0, 1), (8, 2)] {
            let stack = TreiberStack(base: 0, nodes: 2, tagBits: tagBits)
            let file = try memory(size: stack.size)
            defer { try? Syscall.close(file) }
            let shared = try MappedSharedMemory(descriptor: file, size: stack.size)
            stack.push(7, node: 0, in: shared)
            let stale = Interposer(shared)
            stale.beforeFirstSwap = {
                #expect(stack.pop(in: shared)?.node == 0)
                stack.push(8, node: 0, in: shared)
            }
            let popped = stack.pop(in: stale)
            #expect(stale.swaps == swaps, "tag bits \(tagBits)")
            #expect(popped?.value == 8)
        }
    }
}

/// A process's view of real shared memory that lets another process act at a chosen moment: just before this one's
/// first compare-and-swap (as if it were preempted there).
final class Interposer: SharedMemory {
    let memory: MappedSharedMemory
    var beforeFirstSwap: (() -> Void)?
    private(set) var swaps = 0

    init(_ memory: MappedSharedMemory) { self.memory = memory }

    var size: Int { memory.size }
    func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64 { memory.load(offset, ordering) }
    func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering) { memory.store(offset, value, ordering) }
    func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering) -> (exchanged: Bool, original: UInt64) {
        if swaps == 0, let interruption = beforeFirstSwap { interruption() }
        swaps += 1
        return memory.compareExchange(offset, expected: expected, desired: desired, ordering)
    }
    func readModifyWrite(_ offset: Int, _ operation: ReadModifyWrite, _ operand: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        memory.readModifyWrite(offset, operation, operand, ordering)
    }
    func fence(_ ordering: UpdateOrdering) { memory.fence(ordering) }
    func wait(_ offset: Int, whileEquals expected: UInt32) { memory.wait(offset, whileEquals: expected) }
    func wake(_ offset: Int, count: Int) { memory.wake(offset, count: count) }
    func send(channel: Int, _ message: [UInt8]) -> Bool { memory.send(channel: channel, message) }
    func receive(channel: Int) -> [UInt8]? { memory.receive(channel: channel) }
}
