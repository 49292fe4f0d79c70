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

    public func send<Memory: SharedMemory>(_ message: [UInt8], in memory: Memory, authoriseAtEntry: Bool = false) -> SendOutcome {
        precondition(message.count <= maximumMessage)
        let control = memory.load(controlOffset, .acquiring)
        if control & Self.revokedBit != 0 { return .revoked }
        let tail = control
        let head = memory.load(headOffset, .acquiring)
        if tail &- head >= UInt64(capacity) { return .full }
        memory.storeMessage(message, at: slot(tail), .relaxed)
        if authoriseAtEntry {
            memory.wrappingAdd(controlOffset, 1, .releasing)
            return .sent
        }
        return memory.compareExchange(controlOffset, expected: tail, desired: tail &+ 1, .releasing).exchanged ? .sent : .revoked
    }

    /// Takes the oldest committed message; nil when there is none (`EAGAIN`). Works after a revoke.
    public func receive<Memory: SharedMemory>(in memory: Memory) -> [UInt8]? {
        let head = memory.load(headOffset, .relaxed)
        let committed = memory.load(controlOffset, .acquiring) & ~Self.revokedBit
        if committed == head { return nil }
        let message = memory.loadMessage(at: slot(head), limit: maximumMessage, .relaxed)
        memory.store(headOffset, head &+ 1, .releasing)
        return message
    }

    /// Revokes the capability; returns how many messages were committed before it took effect.
    public func revoke<Memory: SharedMemory>(in memory: Memory) -> Int {
        var control = memory.load(controlOffset, .relaxed)
        while true {
            let swap = memory.compareExchange(controlOffset, expected: control, desired: control | Self.revokedBit, .acquiringAndReleasing)
            if swap.exchanged { return Int(control & ~Self.revokedBit) }
            control = swap.original
        }
    }
}
