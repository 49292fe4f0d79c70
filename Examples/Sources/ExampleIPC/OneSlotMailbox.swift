import IPCMechanisms

/// A user's one-slot mailbox in shared memory for messages of up to 8 bytes, guarded by a sequence number: even
/// when the box is empty, odd when it is full. Posting and taking are each a compare-and-swap of the sequence from
/// `s` to `s + 1`; the message word is written before the post's releasing swap and read after the take's
/// acquiring load. Written once over ``SharedMemory``, like ``LockFreeStack``.
///
/// `sequenceBits` is 64 (never wraps) or 8 — the bug: a taker that read `s` and the message, then was preempted
/// while others made 256 updates, finds `s` again; its compare-and-swap succeeds, it returns the message it read
/// (a second time) and the one really in the box is lost.
///
/// Layout: the sequence word on the first cache line, the message word on the second.
public struct OneSlotMailbox<Memory: SharedMemory> {
    public let memory: Memory
    public let sequenceBits: Int
    public static var sequenceOffset: Int { 0 }
    static var messageOffset: Int { 64 }
    public static var size: Int { 128 }

    public init(memory: Memory, sequenceBits: Int) {
        precondition(sequenceBits == 8 || sequenceBits == 64)
        self.memory = memory
        self.sequenceBits = sequenceBits
    }

    func successor(_ sequence: UInt64) -> UInt64 {
        sequenceBits == 64 ? sequence &+ 1 : UInt64(UInt8(truncatingIfNeeded: sequence) &+ 1)
    }

    /// Posts `message` (1 to 8 bytes, the last not zero); false when the box is full. One poster at a time.
    public func post(_ message: [UInt8]) -> Bool {
        precondition((1...8).contains(message.count) && message.last != 0)
        let sequence = memory.load(Self.sequenceOffset, .acquiring)
        guard sequence & 1 == 0 else { return false }
        memory.store(Self.messageOffset, Self.word(message), .relaxed)
        return memory.compareExchange(Self.sequenceOffset, expected: sequence, desired: successor(sequence), .releasing).exchanged
    }

    /// Takes the message; nil when the box is empty or another taker won it.
    public func take() -> [UInt8]? {
        let sequence = memory.load(Self.sequenceOffset, .acquiring)
        guard sequence & 1 == 1 else { return nil }
        let word = memory.load(Self.messageOffset, .relaxed)
        let swap = memory.compareExchange(Self.sequenceOffset, expected: sequence, desired: successor(sequence), .acquiringAndReleasing)
        return swap.exchanged ? Self.bytes(word) : nil
    }

    /// Up to 8 bytes in one word, the first in the lowest byte; trailing zeros are padding.
    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    static func bytes(_ word: UInt64) -> [UInt8] {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }
        while bytes.last == 0 { bytes.removeLast() }
        return bytes
    }
}
