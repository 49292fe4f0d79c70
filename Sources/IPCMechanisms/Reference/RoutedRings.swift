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
    public struct Send: SharedOperation {
        let ring: HeadOfLineRing
        let consumer: Int
        let message: [UInt8]
        private var pc = 0
        private var tail: UInt64 = 0
        private var writer: WordWriter?

        public init(ring: HeadOfLineRing, consumer: Int, message: [UInt8]) {
            self.ring = ring
            self.consumer = consumer
            self.message = message
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            defer { pc += 1 }
            switch pc {
            case 0:
                tail = shared.load(ring.tailOffset, .relaxed)
                return .running
            case 1:
                let head = shared.load(ring.headOffset, .acquiring)
                return tail &- head >= UInt64(ring.capacity) ? .finished(false) : .running
            case 2:
                shared.store(ring.slot(tail), UInt64(consumer), .relaxed)
                writer = WordWriter(offset: ring.slot(tail) + SharedLayout.word, message: message)
                return .running
            default:
                if !writer!.isDone {
                    writer!.step(shared)
                    return .running
                }
                shared.store(ring.tailOffset, tail &+ 1, .releasing)
                return .finished(true)
            }
        }
    }

    /// Takes the head message if it is addressed to `consumer`; nil when the ring is empty or the head is
    /// someone else's (`EAGAIN`).
    public struct Receive: SharedOperation {
        let ring: HeadOfLineRing
        let consumer: Int
        private var pc = 0
        private var head: UInt64 = 0
        private var reader: WordReader?
        private var message: [UInt8]?

        public init(ring: HeadOfLineRing, consumer: Int) {
            self.ring = ring
            self.consumer = consumer
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            defer { pc += 1 }
            switch pc {
            case 0:
                head = shared.load(ring.headOffset, .acquiring)
                return .running
            case 1:
                return shared.load(ring.tailOffset, .acquiring) == head ? .finished(nil) : .running
            case 2:
                guard shared.load(ring.slot(head), .relaxed) == UInt64(consumer) else { return .finished(nil) }
                reader = WordReader(offset: ring.slot(head) + SharedLayout.word, limit: ring.maximumMessage)
                return .running
            default:
                if let message {
                    let taken = shared.compareExchange(ring.headOffset, expected: head, desired: head &+ 1, .acquiringAndReleasing)
                    return .finished(taken.exchanged ? message : nil)
                }
                message = reader!.step(shared)
                return .running
            }
        }
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
    public struct Send: SharedOperation {
        let ring: CreditRing
        let consumer: Int
        let sequence: UInt64
        let message: [UInt8]
        private var pc = 0
        private var available: UInt64 = 0
        private var slot = 0
        private var writer: WordWriter?

        public init(ring: CreditRing, consumer: Int, sequence: UInt64, message: [UInt8]) {
            self.ring = ring
            self.consumer = consumer
            self.sequence = sequence
            self.message = message
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            switch pc {
            case 0:
                available = shared.load(ring.creditOffset(consumer), .acquiring)
                if available == 0 { return .finished(false) }
                pc = 1
            case 1:
                let taken = shared.compareExchange(ring.creditOffset(consumer), expected: available, desired: available - 1, .acquiring)
                pc = taken.exchanged ? 2 : 0
            case 2:
                // A free slot exists: at most (credits - 1) of this consumer's and all others' are in use.
                precondition(slot < ring.slots, "no free slot for a producer holding a credit")
                if shared.load(ring.slot(slot), .acquiring) == 0 {
                    writer = WordWriter(offset: ring.slot(slot) + SharedLayout.word, message: message)
                    pc = 3
                } else {
                    slot += 1
                }
            default:
                if !writer!.isDone {
                    writer!.step(shared)
                    return .running
                }
                shared.store(ring.slot(slot), ring.tag(consumer: consumer, sequence: sequence), .releasing)
                return .finished(true)
            }
            return .running
        }
    }

    /// Takes `consumer`'s message number `sequence` wherever it lies; nil when it has not arrived (`EAGAIN`).
    public struct Receive: SharedOperation {
        let ring: CreditRing
        let consumer: Int
        let sequence: UInt64
        private var slot = 0
        private var found = false
        private var reader: WordReader?
        private var message: [UInt8]?
        private var freed = false

        public init(ring: CreditRing, consumer: Int, sequence: UInt64) {
            self.ring = ring
            self.consumer = consumer
            self.sequence = sequence
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            if !found {
                if shared.load(ring.slot(slot), .acquiring) == ring.tag(consumer: consumer, sequence: sequence) {
                    found = true
                    reader = WordReader(offset: ring.slot(slot) + SharedLayout.word, limit: ring.maximumMessage)
                    return .running
                }
                slot += 1
                return slot == ring.slots ? .finished(nil) : .running
            }
            guard let message else {
                message = reader!.step(shared)
                return .running
            }
            if !freed {
                shared.store(ring.slot(slot), 0, .releasing)
                freed = true
                return .running
            }
            _ = shared.wrappingAdd(ring.creditOffset(consumer), 1, .releasing)
            return .finished(message)
        }
    }
}
