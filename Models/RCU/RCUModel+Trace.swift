// The RCU model's trace form (documented in traces/README.md):
//
//   f           invoke value          ok value                                           processes
//   lock        (none)                (none)                                             readers
//   read        (none)                {"version": INT} | {"poisoned": true} | {"torn": true}  readers, in a section
//   unlock      (none)                (none)                                             readers
//   quiescent   (none)                (none)                                             QSBR readers
//   publish     {"version": INT}      {"replaced": INT}                                  updaters
//   synchronize (none)                (none)                                             updaters
//   reclaim     {"version": INT}      (none)                                             updaters, callback threads
//   call-rcu    {"version": INT}      (none)                                             updaters
//   barrier     (none)                (none)                                             updaters
//
// params: {"objects": {"r0": {"initial": 0}}}: each published pointer and the version it starts with.
extension RCUModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        guard case .object(let objects) = try parameters.required("objects") else {
            throw ModelError("field 'objects' must be an object mapping pointer names to their setup")
        }
        var setups: [(name: String, initialVersion: Int)] = []
        for member in objects {
            let setup: JSONValue? = member.value
            setups.append((member.key, try setup.optional("initial")?.integer("initial") ?? 0))
        }
        self.init(objects: setups)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, version) in initialVersions { objects[name] = ["initial": .int(version)] }
        return ["objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        let process = call.process
        switch call.f {
        case "lock": return .lock(process: process)
        case "read": return .read(process: process)
        case "unlock": return .unlock(process: process)
        case "quiescent": return .quiescent(process: process)
        case "synchronize": return .synchronize(process: process)
        case "barrier": return .barrier(process: process)
        case "publish": return .publish(process: process, version: try call.value.required("version").integer("version"))
        case "reclaim": return .reclaim(process: process, version: try call.value.required("version").integer("version"))
        case "call-rcu": return .callRCU(process: process, version: try call.value.required("version").integer("version"))
        default:
            throw ModelError(
                "the rcu model has no operation '\(call.f)' (it has lock, read, unlock, quiescent, publish, synchronize, reclaim, call-rcu and barrier)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            return .failed(code)
        case (.ok(let value), .read):
            if try value.optional("poisoned")?.boolean("poisoned") == true { return .poisoned }
            if try value.optional("torn")?.boolean("torn") == true { return .torn }
            return .read(version: try value.required("version").integer("version"))
        case (.ok(let value), .publish):
            return .replaced(try value.required("replaced").integer("replaced"))
        case (.ok, _):
            return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .lock: ("lock", nil)
        case .read: ("read", nil)
        case .unlock: ("unlock", nil)
        case .quiescent: ("quiescent", nil)
        case .synchronize: ("synchronize", nil)
        case .barrier: ("barrier", nil)
        case .publish(_, let version): ("publish", ["version": .int(version)])
        case .reclaim(_, let version): ("reclaim", ["version": .int(version)])
        case .callRCU(_, let version): ("call-rcu", ["version": .int(version)])
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .done: .ok(nil)
        case .read(let version): .ok(["version": .int(version)])
        case .poisoned: .ok(["poisoned": true])
        case .torn: .ok(["torn": true])
        case .replaced(let version): .ok(["replaced": .int(version)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }
}
