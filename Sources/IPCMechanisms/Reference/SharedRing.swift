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

    /// How the producer publishes a message: the correct way and two broken twins.
    public enum Publication: Sendable, Hashable {
        /// Payload first, then `tail + 1` with a releasing store.
        case releasing
        /// Payload first, then `tail + 1` with a *relaxed* store: correct under sequential consistency, broken
        /// under the C11 model (and on arm64): nothing orders the payload's stores before the tail's, so a consumer
        /// can see the new tail and a stale slot.
        case relaxed
        /// The tail first, then the payload: wrong in program order, so a consumer can read a slot that is not
        /// written yet even under sequential consistency.
        case beforePayload
    }

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

    /// Appends a message; false when the ring is full.
    public func send<Memory: SharedMemory>(_ message: [UInt8], in memory: Memory, publication: Publication = .releasing) -> Bool {
        precondition(message.count <= maximumMessage, "message larger than a slot")
        let tail = memory.load(tailOffset, .relaxed)  // only this process writes it
        let head = memory.load(headOffset, .acquiring)
        if tail &- head >= UInt64(capacity) { return false }
        switch publication {
        case .releasing, .relaxed:
            memory.storeMessage(message, at: slot(tail), .relaxed)
            memory.store(tailOffset, tail &+ 1, publication == .releasing ? .releasing : .relaxed)
        case .beforePayload:
            memory.store(tailOffset, tail &+ 1, .releasing)
            memory.storeMessage(message, at: slot(tail), .relaxed)
        }
        return true
    }

    /// Takes the oldest message; nil when the ring is empty.
    public func receive<Memory: SharedMemory>(in memory: Memory) -> [UInt8]? {
        let head = memory.load(headOffset, .relaxed)  // only this process writes it
        if memory.load(tailOffset, .acquiring) == head { return nil }
        let message = memory.loadMessage(at: slot(head), limit: maximumMessage, .relaxed)
        memory.store(headOffset, head &+ 1, .releasing)
        return message
    }
}
