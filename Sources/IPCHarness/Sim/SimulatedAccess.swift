import IPCMechanisms
import IPCModels

/// One access a simulated step made, kept compactly (turned into trace JSON only when a trace is wanted).
struct SimulatedAccess: Hashable {
    enum Kind: UInt8 {
        case load, store, compareExchange, readModifyWrite, fence, wait, wake, send, receive
    }

    var kind: Kind
    /// The region (object) it touched, by index; its name goes into the trace when a run has several.
    var region: Int
    /// The byte offset (memory) or the channel number.
    var location: Int
    /// The ordering's name (memory accesses).
    var ordering: String
    /// Store: the value stored. Compare-exchange: the expected value. Read-modify-write: the operand. Send: the byte
    /// count. Wait: the expected value.
    var operand: UInt64 = 0
    /// Compare-exchange: the desired value.
    var desired: UInt64 = 0
    /// Load, store, compare-exchange, read-modify-write, wait: the value found (the newest before a store; what a
    /// load read). Receive: the byte count.
    var found: UInt64 = 0
    /// Compare-exchange: whether it exchanged. Send: whether it was accepted. Receive: whether a message came. Wait:
    /// whether it slept.
    var succeeded = true
    /// A read-modify-write's operation.
    var operation: ReadModifyWrite = .add
    /// A load under weak memory: how many stores it could have read, and how many newer than the one it read it
    /// did not see.
    var choices = 1
    var stale = 0
    /// Wake: the processes it woke.
    var woken: [Int] = []
}

extension SimulatedAccess {
    /// An access as a schedule event records it (traces/README.md). Words are written as signed 64-bit integers
    /// (their bit pattern); `object` names the region when a run has several.
    func json(object: String?) -> JSONValue {
        func word(_ value: UInt64) -> JSONValue { .integer(Int64(bitPattern: value)) }
        var value: JSONObject
        switch kind {
        case .load:
            value = ["op": "load", "at": .int(location), "ordering": .string(ordering), "value": word(found)]
            if choices > 1 {
                value["choices"] = .int(choices)
                value["stale"] = .int(stale)
            }
        case .store:
            value = ["op": "store", "at": .int(location), "ordering": .string(ordering), "value": word(operand), "found": word(found)]
        case .compareExchange:
            value = [
                "op": "cas", "at": .int(location), "ordering": .string(ordering), "expected": word(operand), "desired": word(desired),
                "found": word(found), "exchanged": .bool(succeeded),
            ]
        case .readModifyWrite:
            value = operation == .add
                ? ["op": "add", "at": .int(location), "ordering": .string(ordering), "delta": word(operand), "found": word(found)]
                : ["op": .string(operation.rawValue), "at": .int(location), "ordering": .string(ordering), "operand": word(operand), "found": word(found)]
        case .fence:
            value = ["op": "fence", "ordering": .string(ordering)]
        case .wait:
            value = ["op": "wait", "at": .int(location), "expected": .int(Int(operand)), "found": word(found), "slept": .bool(succeeded)]
        case .wake:
            value = ["op": "wake", "at": .int(location), "woke": .array(woken.map { .int($0) })]
        case .send:
            value = ["op": "send", "channel": .int(location), "bytes": .int(Int(operand)), "accepted": .bool(succeeded)]
        case .receive:
            value = ["op": "receive", "channel": .int(location)]
            if succeeded { value["bytes"] = .int(Int(found)) } else { value["empty"] = true }
        }
        if let object { value["object"] = .string(object) }
        return .object(value)
    }
}
