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
        let words: [UInt64]
        let count: Int
        let publishFirst: Bool
        private var pc = 0
        private var tail: UInt64 = 0

        public init(ring: SharedRing, message: [UInt8], publishFirst: Bool = false) {
            precondition(message.count <= ring.maximumMessage, "message larger than a slot")
            self.ring = ring
            self.words = SharedLayout.pack(message)
            self.count = message.count
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
                return tail &- head >= UInt64(ring.capacity) ? .finished(false) : .running
            default:
                // Steps 2...: the length, the payload words and the publication, in that order (or publication first).
                var index = pc - 2
                if publishFirst {
                    if index == 0 {
                        shared.store(ring.tailOffset, tail &+ 1, .releasing)
                        return .running
                    }
                    index -= 1
                }
                let slot = ring.slot(tail)
                if index == 0 {
                    shared.store(slot, UInt64(count), .relaxed)
                } else if index <= words.count {
                    shared.store(slot + index * SharedLayout.word, words[index - 1], .relaxed)
                } else {
                    if !publishFirst { shared.store(ring.tailOffset, tail &+ 1, .releasing) }
                    return .finished(true)
                }
                if publishFirst && index == words.count { return .finished(true) }
                return .running
            }
        }
    }

    /// Takes the oldest message; nil when the ring is empty.
    public struct Receive: SharedOperation {
        let ring: SharedRing
        private var pc = 0
        private var head: UInt64 = 0
        private var count = 0
        private var words: [UInt64] = []

        public init(ring: SharedRing) { self.ring = ring }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            defer { pc += 1 }
            let slot = ring.slot(head)
            switch pc {
            case 0:
                head = shared.load(ring.headOffset, .relaxed)  // only this process writes it
                return .running
            case 1:
                let tail = shared.load(ring.tailOffset, .acquiring)
                return tail == head ? .finished(nil) : .running
            case 2:
                count = Int(min(shared.load(slot, .relaxed), UInt64(ring.maximumMessage)))
                words.reserveCapacity(SharedLayout.words(forBytes: count))
                return .running
            default:
                if words.count < SharedLayout.words(forBytes: count) {
                    words.append(shared.load(slot + (words.count + 1) * SharedLayout.word, .relaxed))
                    return .running
                }
                shared.store(ring.headOffset, head &+ 1, .releasing)
                return .finished(SharedLayout.unpack(words, count: count))
            }
        }
    }
}
