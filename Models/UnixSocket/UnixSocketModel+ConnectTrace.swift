extension UnixSocketModel {
    /// `connect` with `"to"`: an address (`fresh-path`, `fresh-abstract`, `missing-directory`, `existing-file`) or a
    /// socket of the object with an address of its own, connected to by the object's socket `"end"` or by a new
    /// socket of `"type"` closed at once. On a bound-datagram object `"end"` defaults to the process's own `pP` (and
    /// a socket as `"to"` is the peer-fixing ``connectPeer(_:process:end:to:)``); elsewhere no `"end"` means a new
    /// socket, of the object's type unless `"type"` says. A new socket of a listener's own type connecting to it is
    /// the client's `connect` without `"to"`, whose connection the trace goes on to use: refused here.
    func connectTo(_ call: Call, nonblocking: Bool) throws(ModelError) -> Input {
        let name = try call.value.required("to").text("to")
        let address = BindAddress(name: name)
        var end = try call.value.optional("end")?.text("end")
        let type = try Self.newSocketType(call)
        guard end == nil || type == nil else { throw ModelError("connect: an 'end' has its type; give 'end' or 'type'") }
        guard let setup = setup(of: call.object) else { throw ModelError("connect: no object '\(call.object)'") }
        if case .bound = setup.shape, type == nil {
            end = end ?? "p\(call.process)"
            if case .of(let socket) = address, let end { return .connectPeer(process: call.process, end: end, to: socket) }
        }
        if end == nil {
            let newType = type ?? setup.type
            if case .listener = setup.shape, newType == setup.type, address == .of("listen") {
                throw ModelError(
                    "connect: a new \(newType.rawValue) socket connecting to its listener is the client's connect: give no 'to'")
            }
            return .connectTo(process: call.process, end: nil, type: newType, address: address, nonblocking: nonblocking)
        }
        return .connectTo(process: call.process, end: end, type: nil, address: address, nonblocking: nonblocking)
    }

    /// A call's `"type"`, the type of the new socket it makes (nil when absent).
    static func newSocketType(_ call: Call) throws(ModelError) -> SocketType? {
        guard let name = try call.value.optional("type")?.text("type") else { return nil }
        guard let type = SocketType(rawValue: name) else {
            throw ModelError("\(call.f): field 'type' must be \"stream\", \"dgram\" or \"seqpacket\", not \"\(name)\"")
        }
        return type
    }
}
