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

    /// Puts `value` in the box; false when it is full (`EAGAIN`).
    public struct Post: SharedOperation {
        let mailbox: SequenceMailbox
        let value: UInt64
        private var pc = 0
        private var sequence: UInt64 = 0

        public init(mailbox: SequenceMailbox, value: UInt64) {
            self.mailbox = mailbox
            self.value = value
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            defer { pc += 1 }
            switch pc {
            case 0:
                sequence = shared.load(mailbox.sequenceOffset, .acquiring)
                return sequence & 1 == 1 ? .finished(false) : .running
            case 1:
                shared.store(mailbox.bufferOffset(sequence), value, .relaxed)
                return .running
            default:
                let desired = mailbox.successor(sequence)
                return .finished(shared.compareExchange(mailbox.sequenceOffset, expected: sequence, desired: desired, .releasing).exchanged)
            }
        }
    }

    /// Takes the message; nil when the box is empty or another taker won it (`EAGAIN`). `pause`: steps that
    /// touch nothing between copying the message and the compare-and-swap, as ``TreiberStack/Pop`` has.
    public struct Take: SharedOperation {
        let mailbox: SequenceMailbox
        let pause: Int
        private var pc = 0
        private var sequence: UInt64 = 0
        private var value: UInt64 = 0

        public init(mailbox: SequenceMailbox, pause: Int = 0) {
            self.mailbox = mailbox
            self.pause = pause
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<UInt64?> {
            defer { pc += 1 }
            switch pc {
            case 0:
                sequence = shared.load(mailbox.sequenceOffset, .acquiring)
                return sequence & 1 == 0 ? .finished(nil) : .running
            case 1:
                value = shared.load(mailbox.bufferOffset(sequence), .relaxed)
                return .running
            case let pc where pc - 2 < pause:
                return .running
            default:
                let desired = mailbox.successor(sequence)
                let taken = shared.compareExchange(mailbox.sequenceOffset, expected: sequence, desired: desired, .acquiringAndReleasing)
                return .finished(taken.exchanged ? value : nil)
            }
        }
    }
}
