/// A one-slot mailbox guarded by a sequence number, as in the seed: the sequence word is even when the box is
/// empty and odd when it holds a message; the message lives in buffer `(sequence / 2) mod buffers`. Posting and
/// taking are each a compare-and-swap of the sequence from `s` to `s + 1`.
///
/// The sequence is counted modulo 2^`sequenceBits`. With 64 bits it never returns to a value it had. With
/// fewer it wraps: a taker that loaded `s` and the buffer, then was preempted while others made a multiple of
/// 2^`sequenceBits` updates, finds `s` again and its compare-and-swap succeeds (ABA): it returns the stale
/// message it copied — a second time — and the message really in the box is lost. The seed's condition for
/// safety is 2^b > r·Δt (updates in the longest preemption window).
public struct SequenceMailbox: Sendable, Hashable {
    public let base: Int
    public let buffers: Int
    public let sequenceBits: Int

    public init(base: Int, buffers: Int, sequenceBits: Int) {
        precondition((1...64).contains(sequenceBits))
        self.base = base
        self.buffers = buffers
        self.sequenceBits = sequenceBits
    }

    public var sequenceOffset: Int { base }
    func bufferOffset(_ sequence: UInt64) -> Int {
        base + SharedLayout.cacheLine + Int((sequence >> 1) % UInt64(buffers)) * SharedLayout.word
    }
    func successor(_ sequence: UInt64) -> UInt64 {
        sequenceBits == 64 ? sequence &+ 1 : (sequence &+ 1) & ((1 << UInt64(sequenceBits)) - 1)
    }
    public var size: Int { SharedLayout.lines(SharedLayout.cacheLine + buffers * SharedLayout.word) }

    /// Puts `value` in the box; false when it is full (`EAGAIN`). One poster at a time.
    public func post<Memory: SharedMemory>(_ value: UInt64, in memory: Memory) -> Bool {
        let sequence = memory.load(sequenceOffset, .acquiring)
        if sequence & 1 == 1 { return false }
        memory.store(bufferOffset(sequence), value, .relaxed)
        return memory.compareExchange(sequenceOffset, expected: sequence, desired: successor(sequence), .releasing).exchanged
    }

    /// Takes the message; nil when the box is empty or another taker won it (`EAGAIN`).
    public func take<Memory: SharedMemory>(in memory: Memory) -> UInt64? {
        let sequence = memory.load(sequenceOffset, .acquiring)
        if sequence & 1 == 0 { return nil }
        let value = memory.load(bufferOffset(sequence), .relaxed)
        let taken = memory.compareExchange(sequenceOffset, expected: sequence, desired: successor(sequence), .acquiringAndReleasing)
        return taken.exchanged ? value : nil
    }
}
