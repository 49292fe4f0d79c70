extension CASRegisterModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var registers: [(name: String, initial: Int?)] = []
        for (name, setup) in try parameters.objectSetups(model: Self.name) {
            registers.append((name, try setup.optional("initial")?.integer("initial", in: Int.min...Int.max)))
        }
        self.init(registers: registers)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, initial) in registers { objects[name] = .object(initial.map { ["initial": .int($0)] } ?? [:]) }
        return ["objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        let any = Int.min...Int.max
        switch call.f {
        case "read": return .read(process: call.process)
        case "write": return .write(process: call.process, value: try call.value.required("value").integer("value", in: any))
        case "cas":
            return .cas(
                process: call.process, old: try call.value.required("old").integer("old", in: any),
                new: try call.value.required("new").integer("new", in: any))
        default:
            throw ModelError("the cas-register model has no operation '\(call.f)' (it has read, write and cas)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            throw ModelError("a cas-register operation does not fail (\(code.rawValue)); a cas that did not swap is ok with {\"ok\": false}")
        case (.ok(let value), .read):
            let read = try value.required("value")
            if case .null = read { return .read(nil) }
            return .read(try read.integer("value", in: Int.min...Int.max))
        case (.ok, .write):
            return .written
        case (.ok(let value), .cas):
            return .cas(succeeded: try value.required("ok").boolean("ok"))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .read: ("read", nil)
        case .write(_, let value): ("write", ["value": .int(value)])
        case .cas(_, let old, let new): ("cas", ["old": .int(old), "new": .int(new)])
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .read(let value): .ok(["value": value.map { .int($0) } ?? .null])
        case .written: .ok(nil)
        case .cas(let succeeded): .ok(["ok": .bool(succeeded)])
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
