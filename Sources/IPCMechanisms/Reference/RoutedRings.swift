/// One producer, several consumers, messages addressed to one consumer each: the two shared-memory designs of the
/// seed. (The third, a queue per consumer, is one ``SharedRing`` per consumer.)

/// A single shared FIFO ring for every consumer. A consumer may take only the message at the head, and only if
/// it is addressed to it: when the head's consumer stalls, every other consumer is blocked behind it
/// (head-of-line blocking), and once the ring fills with the stalled consumer's messages the producer is blocked
/// for everyone too. Correct as a FIFO; unfair by design.
///
/// Layout from `base`: line 0 the producer's `tail`; line 1 the consumers' shared `head` (advanced by
/// compare-and-swap); then `capacity` slots: the consumer's number, the length, the payload.
public struct HeadOfLineRing: Sendable, Hashable {
    public let base: Int
    public let capacity: Int
    public let maximumMessage: Int

    public init(base: Int, capacity: Int, maximumMessage: Int) {
        self.base = base
        self.capacity = capacity
        self.maximumMessage = maximumMessage
    }

    var tailOffset: Int { base }
    var headOffset: Int { base + SharedLayout.cacheLine }
    var slotBytes: Int { SharedLayout.word * (2 + SharedLayout.words(forBytes: maximumMessage)) }
    func slot(_ sequence: UInt64) -> Int { base + 2 * SharedLayout.cacheLine + Int(sequence % UInt64(capacity)) * slotBytes }
    public var size: Int { SharedLayout.lines(2 * SharedLayout.cacheLine + capacity * slotBytes) }

    /// Appends a message for `consumer`; false when the ring is full.
    public func send<Memory: SharedMemory>(_ message: [UInt8], to consumer: Int, in memory: Memory) -> Bool {
        precondition(message.count <= maximumMessage)
        let tail = memory.load(tailOffset, .relaxed)
        let head = memory.load(headOffset, .acquiring)
        if tail &- head >= UInt64(capacity) { return false }
        memory.store(slot(tail), UInt64(consumer), .relaxed)
        memory.storeMessage(message, at: slot(tail) + SharedLayout.word, .relaxed)
        memory.store(tailOffset, tail &+ 1, .releasing)
        return true
    }

    /// Takes the head message if it is addressed to `consumer`; nil when the ring is empty or the head is
    /// someone else's (`EAGAIN`).
    public func receive<Memory: SharedMemory>(for consumer: Int, in memory: Memory) -> [UInt8]? {
        let head = memory.load(headOffset, .acquiring)
        if memory.load(tailOffset, .acquiring) == head { return nil }
        guard memory.load(slot(head), .relaxed) == UInt64(consumer) else { return nil }
        let message = memory.loadMessage(at: slot(head) + SharedLayout.word, limit: maximumMessage, .relaxed)
        let taken = memory.compareExchange(headOffset, expected: head, desired: head &+ 1, .acquiringAndReleasing)
        return taken.exchanged ? message : nil
    }
}

/// The shared ring with per-consumer credits (the seed's tokens): consumer c has `credits` tokens; the producer
/// must take one of c's before it writes a message for c, and c gives it back when it has consumed the message.
/// The slots are a pool of at least the sum of all credits, so a slot is always free for a producer holding a
/// credit, and a stalled consumer can tie up only its own credits' worth.
///
/// Credits alone do not cure head-of-line blocking if consumers must still take messages in one global order
/// (the seed leaves this implicit): here each consumer takes *its own* next message wherever it lies — slots
/// are tagged with the consumer and that consumer's sequence number — so order is kept per consumer, and one
/// consumer's stall blocks nobody else.
///
/// Layout from `base`: one cache line per consumer with its credit count (written by the producer and that
/// consumer only); then `slots` slots: a state word (0 free, else `consumer << 32 | sequence + 1`), the length,
/// the payload. Sequence numbers are private to the producer (per consumer) and to each consumer.
public struct CreditRing: Sendable, Hashable {
    public let base: Int
    public let consumers: Int
    public let credits: Int
    public let maximumMessage: Int

    public init(base: Int, consumers: Int, credits: Int, maximumMessage: Int) {
        self.base = base
        self.consumers = consumers
        self.credits = credits
        self.maximumMessage = maximumMessage
    }

    public var slots: Int { consumers * credits }
    /// Consumers are numbered from 1.
    func creditOffset(_ consumer: Int) -> Int { base + (consumer - 1) * SharedLayout.cacheLine }
    var slotBytes: Int { SharedLayout.word * (2 + SharedLayout.words(forBytes: maximumMessage)) }
    func slot(_ index: Int) -> Int { base + consumers * SharedLayout.cacheLine + index * slotBytes }
    public var size: Int { SharedLayout.lines(consumers * SharedLayout.cacheLine + slots * slotBytes) }

    /// The words to set before any process runs: every consumer's credits.
    public var initialWords: [(offset: Int, value: UInt64)] {
        (1...consumers).map { (creditOffset($0), UInt64(credits)) }
    }

    func tag(consumer: Int, sequence: UInt64) -> UInt64 { UInt64(consumer) << 32 | (sequence + 1) }

    /// Sends `message` to `consumer` as its message number `sequence`; false when the consumer has no credit
    /// left (`EAGAIN`): backpressure for that consumer only.
    public func send<Memory: SharedMemory>(_ message: [UInt8], to consumer: Int, sequence: UInt64, in memory: Memory) -> Bool {
        precondition(message.count <= maximumMessage)
        var available = memory.load(creditOffset(consumer), .acquiring)
        while true {
            if available == 0 { return false }
            let taken = memory.compareExchange(creditOffset(consumer), expected: available, desired: available - 1, .acquiring)
            if taken.exchanged { break }
            available = taken.original
        }
        // A free slot exists: at most (credits - 1) of this consumer's and all others' are in use.
        guard let slot = (0..<slots).first(where: { memory.load(self.slot($0), .acquiring) == 0 }) else {
            preconditionFailure("no free slot for a producer holding a credit")
        }
        memory.storeMessage(message, at: self.slot(slot) + SharedLayout.word, .relaxed)
        memory.store(self.slot(slot), tag(consumer: consumer, sequence: sequence), .releasing)
        return true
    }

    /// Takes `consumer`'s message number `sequence` wherever it lies; nil when it has not arrived (`EAGAIN`).
    public func receive<Memory: SharedMemory>(for consumer: Int, sequence: UInt64, in memory: Memory) -> [UInt8]? {
        let wanted = tag(consumer: consumer, sequence: sequence)
        guard let slot = (0..<slots).first(where: { memory.load(self.slot($0), .acquiring) == wanted }) else { return nil }
        let message = memory.loadMessage(at: self.slot(slot) + SharedLayout.word, limit: maximumMessage, .relaxed)
        memory.store(self.slot(slot), 0, .releasing)
        memory.wrappingAdd(creditOffset(consumer), 1, .releasing)
        return message
    }
}
