// The queue model's trace form (documented in traces/README.md):
//
//   f        invoke value                         ok value                fail error
//   send     {"data": PAYLOAD, "to": INT?}        (none)                  EAGAIN, EPERM
//   receive  (none)                               {"data": PAYLOAD}       EAGAIN
//   revoke   (none)                               {"committed": INT}
//
// params: {"objects": {"q0": {"order": "fifo", "capacity": 4, "credits": 2, "refusable": false, "revocable": false}}}
extension QueueModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var objects: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "queue") {
            let orderName = try setup.optional("order")?.text("order") ?? "fifo"
            guard let order = Order(rawValue: orderName) else {
                throw ModelError("queue '\(name)': field 'order' must be \"fifo\" or \"per-receiver\", not \"\(orderName)\"")
            }
            objects.append((name, Setup(
                order: order, capacity: try setup.optional("capacity")?.integer("capacity", in: 1...1 << 20),
                credits: try setup.optional("credits")?.integer("credits", in: 1...1 << 20),
                refusable: try setup.optional("refusable")?.boolean("refusable") ?? false,
                revocable: try setup.optional("revocable")?.boolean("revocable") ?? false)))
        }
        self.init(objects: objects)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var entry: JSONObject = ["order": .string(setup.order.rawValue)]
            if let capacity = setup.capacity { entry["capacity"] = .int(capacity) }
            if let credits = setup.credits { entry["credits"] = .int(credits) }
            if setup.refusable { entry["refusable"] = true }
            if setup.revocable { entry["revocable"] = true }
            objects[name] = .object(entry)
        }
        return ["objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "send":
            let to = try call.value.optional("to")?.integer("to", in: 1...10_000)
            return .send(process: call.process, to: to, data: try call.value.required("data").payload("data"))
        case "receive": return .receive(process: call.process)
        case "revoke": return .revoke(process: call.process)
        default: throw ModelError("the queue model has no operation '\(call.f)' (it has send, receive and revoke)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .send): return .sent
        case (.ok(let value), .receive): return .received(try value.required("data").payload("data"))
        case (.ok(let value), .revoke): return .revoked(committed: try value.required("committed").integer("committed"))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .send(_, let to, let data):
            var value: JSONObject = ["data": Payload.json(data)]
            if let to { value["to"] = .int(to) }
            return ("send", .object(value))
        case .receive: return ("receive", nil)
        case .revoke: return ("revoke", nil)
        }
    }

    public func operationName(of input: Input) -> String {
        switch input {
        case .send: "send"
        case .receive: "receive"
        case .revoke: "revoke"
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .sent: .ok(nil)
        case .received(let data): .ok(["data": Payload.json(data)])
        case .revoked(let committed): .ok(["committed": .int(committed)])
        case .failed(let code): .fail(code)
        }
    }
}
