import IPCMechanisms

/// One access a simulated step made, kept compactly (turned into trace JSON only when a trace is wanted).
struct SimulatedAccess: Hashable {
    enum Kind: UInt8 {
        case load, store, compareExchange, add, send, receive
    }

    var kind: Kind
    /// The byte offset (memory) or the channel number.
    var location: Int
    /// The ordering's name (memory accesses).
    var ordering: String
    /// Store: the value stored. Compare-exchange: the expected value. Add: the delta. Send: the byte count.
    var operand: UInt64 = 0
    /// Compare-exchange: the desired value.
    var desired: UInt64 = 0
    /// Load, store, compare-exchange, add: the value found (before the access). Receive: the byte count.
    var found: UInt64 = 0
    /// Compare-exchange: whether it exchanged. Send: whether it was accepted. Receive: whether a message came.
    var succeeded = true
}

/// The simulated backend of ``SharedAccess``: plain arrays, one virtual process at a time. The simulator runs
/// one step of one process between scheduling decisions, and each step may make one access, which this records,
/// so every load, store, compare-and-swap and channel call is a scheduling point.
final class SimulatedMemory: SharedAccess {
    private(set) var words: [UInt64]
    private var channels: [[[UInt8]]]
    private var channelHeads: [Int]
    private let channelCapacity: Int
    /// The access the current step made, if any.
    var access: SimulatedAccess?

    init(size: Int, channels: Int, channelCapacity: Int, initialWords: [(offset: Int, value: UInt64)]) {
        words = [UInt64](repeating: 0, count: SharedLayout.words(forBytes: size))
        for (offset, value) in initialWords { words[offset >> 3] = value }
        self.channels = Array(repeating: [], count: channels)
        self.channelHeads = Array(repeating: 0, count: channels)
        self.channelCapacity = channelCapacity
    }

    @inline(__always)
    private func record(_ made: SimulatedAccess) {
        assert(access == nil, "a step made a second access: every access must be its own scheduling point")
        access = made
    }

    func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64 {
        let value = words[offset >> 3]
        record(SimulatedAccess(kind: .load, location: offset, ordering: ordering.rawValue, found: value))
        return value
    }

    func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering) {
        let original = words[offset >> 3]
        words[offset >> 3] = value
        record(SimulatedAccess(kind: .store, location: offset, ordering: ordering.rawValue, operand: value, found: original))
    }

    func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    {
        let original = words[offset >> 3]
        let exchanged = original == expected
        if exchanged { words[offset >> 3] = desired }
        record(SimulatedAccess(
            kind: .compareExchange, location: offset, ordering: ordering.rawValue, operand: expected, desired: desired,
            found: original, succeeded: exchanged))
        return (exchanged, original)
    }

    func wrappingAdd(_ offset: Int, _ delta: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        let original = words[offset >> 3]
        words[offset >> 3] = original &+ delta
        record(SimulatedAccess(kind: .add, location: offset, ordering: ordering.rawValue, operand: delta, found: original))
        return original
    }

    func send(channel: Int, _ message: [UInt8]) -> Bool {
        let accepted = channels[channel].count - channelHeads[channel] < channelCapacity
        if accepted { channels[channel].append(message) }  // arrays are values: the receiver gets a copy
        record(SimulatedAccess(kind: .send, location: channel, ordering: "", operand: UInt64(message.count), succeeded: accepted))
        return accepted
    }

    func receive(channel: Int) -> [UInt8]? {
        var message: [UInt8]?
        if channelHeads[channel] < channels[channel].count {
            message = channels[channel][channelHeads[channel]]
            channelHeads[channel] += 1
        }
        record(SimulatedAccess(
            kind: .receive, location: channel, ordering: "", found: UInt64(message?.count ?? 0), succeeded: message != nil))
        return message
    }
}
