/// Snapshot semantics for a service that checks a request and then uses it: a request is what the client
/// submitted, frozen at submission; the service serves requests in order, and what it checks is that request,
/// and what it uses (when it accepts it, because it is at most `limit`) is what it checked.
///
/// The client's later writes to its own request buffer (`tamper`) change nothing a correct service sees. Through
/// shared memory they do: the service checks or uses a value that was never submitted, which no order of the
/// operations explains.
///
/// Trace form:
///
///   f       invoke value        ok value                                              fail error
///   submit  {"value": INT}      (none)                                                EAGAIN
///   tamper  {"value": INT}      (none)
///   serve   (none)              {"checked": INT, "accepted": BOOL, "used": INT?}      EAGAIN
///
/// params: {"limit": 100, "objects": {"r0": {"capacity": 1}}}: requests above `limit` are rejected (and
/// nothing is used); a submit fails `EAGAIN` when `capacity` requests wait, a serve when none does.
public struct SnapshotModel: TraceModel {
    public static let name = "snapshot"

    public enum Input: Hashable, Sendable {
        case submit(Int)
        case tamper(Int)
        case serve
    }

    public enum Output: Hashable, Sendable {
        case done
        case served(checked: Int, accepted: Bool, used: Int?)
        case failed(ErrorCode)
    }

    public struct State: Hashable, Sendable {
        public let capacity: Int
        /// Submitted requests not yet served, oldest first.
        public var pending: [Int] = []
    }

    public let limit: Int
    public let setups: [(name: String, capacity: Int)]

    public init(limit: Int, objects: [(name: String, capacity: Int)]) {
        self.limit = limit
        self.setups = objects
    }

    public init(parameters: JSONValue?) throws(ModelError) {
        var setups: [(name: String, capacity: Int)] = []
        for (name, setup) in try parameters.objectSetups(model: "snapshot") {
            setups.append((name, try setup.optional("capacity")?.integer("capacity", in: 1...1 << 20) ?? 1))
        }
        self.init(limit: try parameters.required("limit").integer("limit"), objects: setups)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, capacity) in setups { objects[name] = ["capacity": .int(capacity)] }
        return ["limit": .int(limit), "objects": .object(objects)]
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        State(capacity: setups.first { $0.name == object }?.capacity ?? 1)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        var candidates: [(Output, State)] = []
        switch input {
        case .submit(let value):
            if state.pending.count >= state.capacity {
                candidates = [(.failed(.EAGAIN), state)]
            } else {
                var next = state
                next.pending.append(value)
                candidates = [(.done, next)]
            }
        case .tamper:
            candidates = [(.done, state)]
        case .serve:
            if let request = state.pending.first {
                var next = state
                next.pending.removeFirst()
                let accepted = request <= limit
                candidates = [(.served(checked: request, accepted: accepted, used: accepted ? request : nil), next)]
            } else {
                candidates = [(.failed(.EAGAIN), state)]
            }
        }
        return Step.completions(candidates, matching: output)
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let action: String
        switch input {
        case .submit(let value): action = "submit \(value)"
        case .tamper(let value): action = "rewrite own request buffer to \(value)"
        case .serve: action = "serve"
        }
        switch output {
        case nil: return action + " → ?"
        case .done?: return action + " → ok"
        case .served(let checked, let accepted, let used)?:
            return action + " → checked \(checked), " + (accepted ? "accepted, used \(used.map(String.init) ?? "nothing")" : "rejected")
        case .failed(let code)?: return action + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String { "pending \(state.pending)" }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "submit": return .submit(try call.value.required("value").integer("value"))
        case "tamper": return .tamper(try call.value.required("value").integer("value"))
        case "serve": return .serve
        default: throw ModelError("the snapshot model has no operation '\(call.f)' (it has submit, tamper and serve)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .submit), (.ok, .tamper): return .done
        case (.ok(let value), .serve):
            return .served(
                checked: try value.required("checked").integer("checked"),
                accepted: try value.required("accepted").boolean("accepted"),
                used: try value.optional("used")?.integer("used"))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .submit(let value): ("submit", ["value": .int(value)])
        case .tamper(let value): ("tamper", ["value": .int(value)])
        case .serve: ("serve", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .done: return .ok(nil)
        case .served(let checked, let accepted, let used):
            var value: JSONObject = ["checked": .int(checked), "accepted": .bool(accepted)]
            if let used { value["used"] = .int(used) }
            return .ok(.object(value))
        case .failed(let code): return .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
