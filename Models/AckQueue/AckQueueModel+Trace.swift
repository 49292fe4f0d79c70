// The ack-queue model's trace form (documented in traces/README.md):
//
//   f        invoke value          ok value              fail error
//   send     {"message": INT}      (none)                EAGAIN
//   receive  (none)                {"message": INT}      EAGAIN, EBUSY
//   ack      (none)                (none)                EINVAL
//
// params: {"objects": {"q0": {"capacity": 8}}}
extension AckQueueModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var objects: [(name: String, capacity: Int)] = []
        for (name, setup) in try parameters.objectSetups(model: Self.name) {
            objects.append((name, try setup.optional("capacity")?.integer("capacity", in: 1...1 << 20) ?? 8))
        }
        self.init(objects: objects)
    }

    public var parameters: JSONValue {
        ModelParameters.json(setups.map { ($0.name, ["capacity": .int($0.capacity)]) })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "send": return .send(process: call.process, message: try call.value.required("message").integer("message"))
        case "receive": return .receive(process: call.process)
        case "ack": return .ack(process: call.process)
        default: throw ModelError("the ack-queue model has no operation '\(call.f)' (it has send, receive and ack)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .send): return .sent
        case (.ok(let value), .receive): return .received(try value.required("message").integer("message"))
        case (.ok, .ack): return .acknowledged
        case (.ok, .exit): return .exited
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .send(_, let message): ("send", ["message": .int(message)])
        case .receive: ("receive", nil)
        case .ack: ("ack", nil)
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .sent, .acknowledged, .exited: .ok(nil)
        case .received(let message): .ok(["message": .int(message)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
