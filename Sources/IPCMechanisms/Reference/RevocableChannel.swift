/// A capability-guarded channel in shared memory (one sender, one receiver, any number of revokers) whose
/// sends are authorised at the moment they commit.
///
/// Layout from `base`: line 0 holds the control word — bit 63 set once the capability is revoked, the low bits
/// the count of messages committed; line 1 the receiver's `head`; then `capacity` message slots. A send writes
/// its message into the next slot, then commits with one compare-and-swap of the control word from
/// "not revoked, n committed" to "not revoked, n + 1": the authorisation check and the publication are the same
/// atomic step, so a send that commits after a revoke fails (`EPERM`), and a revoke can report exactly how many
/// messages it let through. Messages committed before the revoke stay deliverable.
///
/// `authoriseAtEntry` is the broken twin: it checks the capability when the send starts and commits with a
/// plain increment, so a send in flight across a revoke is delivered after it.
public struct RevocableChannel: Sendable, Hashable {
    public let base: Int
    public let capacity: Int
    public let maximumMessage: Int

    public static let revokedBit: UInt64 = 1 << 63

    public init(base: Int, capacity: Int, maximumMessage: Int) {
        self.base = base
        self.capacity = capacity
        self.maximumMessage = maximumMessage
    }

    public var controlOffset: Int { base }
    var headOffset: Int { base + SharedLayout.cacheLine }
    var slotBytes: Int { SharedLayout.word * (1 + SharedLayout.words(forBytes: maximumMessage)) }
    func slot(_ sequence: UInt64) -> Int {
        base + 2 * SharedLayout.cacheLine + Int(sequence % UInt64(capacity)) * slotBytes
    }
    public var size: Int { SharedLayout.lines(2 * SharedLayout.cacheLine + capacity * slotBytes) }

    public enum SendOutcome: Sendable, Hashable {
        case sent, full, revoked
    }

    public struct Send: SharedOperation {
        let channel: RevocableChannel
        let authoriseAtEntry: Bool
        private var writer: WordWriter?
        private let message: [UInt8]
        private var pc = 0
        private var tail: UInt64 = 0

        public init(channel: RevocableChannel, message: [UInt8], authoriseAtEntry: Bool = false) {
            precondition(message.count <= channel.maximumMessage)
            self.channel = channel
            self.message = message
            self.authoriseAtEntry = authoriseAtEntry
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<SendOutcome> {
            defer { pc += 1 }
            switch pc {
            case 0:
                let control = shared.load(channel.controlOffset, .acquiring)
                if control & RevocableChannel.revokedBit != 0 { return .finished(.revoked) }
                tail = control
                return .running
            case 1:
                let head = shared.load(channel.headOffset, .acquiring)
                if tail &- head >= UInt64(channel.capacity) { return .finished(.full) }
                writer = WordWriter(offset: channel.slot(tail), message: message)
                return .running
            default:
                if !writer!.isDone {
                    writer!.step(shared)
                    return .running
                }
                if authoriseAtEntry {
                    _ = shared.wrappingAdd(channel.controlOffset, 1, .releasing)
                    return .finished(.sent)
                }
                let committed = shared.compareExchange(channel.controlOffset, expected: tail, desired: tail &+ 1, .releasing)
                return .finished(committed.exchanged ? .sent : .revoked)
            }
        }
    }

    /// Takes the oldest committed message; nil when there is none (`EAGAIN`). Works after a revoke.
    public struct Receive: SharedOperation {
        let channel: RevocableChannel
        private var pc = 0
        private var head: UInt64 = 0
        private var reader: WordReader?

        public init(channel: RevocableChannel) { self.channel = channel }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            defer { pc += 1 }
            switch pc {
            case 0:
                head = shared.load(channel.headOffset, .relaxed)
                return .running
            case 1:
                let committed = shared.load(channel.controlOffset, .acquiring) & ~RevocableChannel.revokedBit
                if committed == head { return .finished(nil) }
                reader = WordReader(offset: channel.slot(head), limit: channel.maximumMessage)
                return .running
            default:
                if let message {
                    shared.store(channel.headOffset, head &+ 1, .releasing)
                    return .finished(message)
                }
                message = reader!.step(shared)
                return .running
            }
        }

        private var message: [UInt8]?
    }

    /// Revokes the capability; returns how many messages were committed before it took effect.
    public struct Revoke: SharedOperation {
        let channel: RevocableChannel
        private var pc = 0
        private var control: UInt64 = 0

        public init(channel: RevocableChannel) { self.channel = channel }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Int> {
            if pc == 0 {
                control = shared.load(channel.controlOffset, .relaxed)
                pc = 1
                return .running
            }
            let revoked = shared.compareExchange(
                channel.controlOffset, expected: control, desired: control | RevocableChannel.revokedBit, .acquiringAndReleasing)
            if revoked.exchanged { return .finished(Int(control & ~RevocableChannel.revokedBit)) }
            pc = 0
            return .running
        }
    }
}
