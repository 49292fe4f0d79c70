/// A single-producer single-consumer ring of messages in shared memory.
///
/// Layout (byte offsets from `base`), each group on its own cache line so the producer's writes never
/// invalidate the line the consumer polls, and the other way round (no false sharing):
/// - line 0, written by the producer only: `tail`, the count of messages published (never wraps in practice);
/// - line 1, written by the consumer only: `head`, the count of messages consumed;
/// - then `capacity` slots, each a length word and the payload's words.
///
/// Publication is release/acquire: the producer writes the payload, then stores `tail + 1` *releasing*; the
/// consumer loads `tail` *acquiring* before it reads the payload, so the payload's stores happen before its loads.
/// The same pairing runs the other way for `head`, so the producer never reuses a slot still being read.
public struct SharedRing: Sendable, Hashable {
    public let base: Int
    public let capacity: Int
    public let maximumMessage: Int

    public init(base: Int, capacity: Int, maximumMessage: Int) {
        precondition(base % SharedLayout.cacheLine == 0, "a ring starts on a cache line")
        self.base = base
        self.capacity = capacity
        self.maximumMessage = maximumMessage
    }

    public var tailOffset: Int { base }
    public var headOffset: Int { base + SharedLayout.cacheLine }
    var slotsOffset: Int { base + 2 * SharedLayout.cacheLine }
    var slotBytes: Int { SharedLayout.word * (1 + SharedLayout.words(forBytes: maximumMessage)) }
    func slot(_ sequence: UInt64) -> Int { slotsOffset + Int(sequence % UInt64(capacity)) * slotBytes }

    /// Bytes the ring occupies, rounded to whole cache lines.
    public var size: Int { SharedLayout.lines(2 * SharedLayout.cacheLine + capacity * slotBytes) }

    /// Appends a message; false when the ring is full. `publishFirst` is the broken twin: it publishes the new
    /// tail before writing the payload — what a relaxed (unordered) publication allows the processor to do —
    /// so a consumer can read a slot that is not written yet.
    public struct Send: SharedOperation {
        let ring: SharedRing
        let publishFirst: Bool
        private var writer: WordWriter
        private var pc = 0
        private var tail: UInt64 = 0
        private var published = false

        public init(ring: SharedRing, message: [UInt8], publishFirst: Bool = false) {
            precondition(message.count <= ring.maximumMessage, "message larger than a slot")
            self.ring = ring
            self.writer = WordWriter(offset: 0, message: message)
            self.publishFirst = publishFirst
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            defer { pc += 1 }
            switch pc {
            case 0:
                tail = shared.load(ring.tailOffset, .relaxed)  // only this process writes it
                return .running
            case 1:
                let head = shared.load(ring.headOffset, .acquiring)
                if tail &- head >= UInt64(ring.capacity) { return .finished(false) }
                writer.move(to: ring.slot(tail))
                return .running
            default:
                // The length and payload words, then the publication (or the publication first).
                if !published && (publishFirst || writer.isDone) {
                    shared.store(ring.tailOffset, tail &+ 1, .releasing)
                    published = true
                } else {
                    writer.step(shared)
                }
                return published && writer.isDone ? .finished(true) : .running
            }
        }
    }

    /// Takes the oldest message; nil when the ring is empty.
    public struct Receive: SharedOperation {
        let ring: SharedRing
        private var pc = 0
        private var head: UInt64 = 0
        private var reader: WordReader?
        private var message: [UInt8]?

        public init(ring: SharedRing) { self.ring = ring }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            defer { pc += 1 }
            switch pc {
            case 0:
                head = shared.load(ring.headOffset, .relaxed)  // only this process writes it
                return .running
            case 1:
                if shared.load(ring.tailOffset, .acquiring) == head { return .finished(nil) }
                reader = WordReader(offset: ring.slot(head), limit: ring.maximumMessage)
                return .running
            default:
                if let message {
                    shared.store(ring.headOffset, head &+ 1, .releasing)
                    return .finished(message)
                }
                message = reader!.step(shared)
                return .running
            }
        }
    }
}
