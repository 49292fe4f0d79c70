/// A LIFO stack of integers (the Treiber stack's specification): a pop takes the most recently pushed value
/// still there, each value once; a pop of an empty stack fails `EAGAIN`; a push fails `ENOMEM` only when the
/// pushing process has no free node (then it has no effect).
///
/// Trace form:
///
///   f      invoke value        ok value           fail error
///   push   {"value": INT}      (none)             ENOMEM
///   pop    (none)              {"value": INT}     EAGAIN
///
/// params: {"objects": {"s0": {}}}
public struct StackModel: TraceModel {
    public static let name = "stack"

    public enum Input: Hashable, Sendable {
        case push(Int)
        case pop
    }

    public enum Output: Hashable, Sendable {
        case pushed
        case popped(Int)
        case failed(ErrorCode)
    }

    public typealias State = [Int]

    public let objects: [String]

    public init(objects: [String]) { self.objects = objects }

    public init(parameters: JSONValue?) throws(ModelError) {
        self.init(objects: try parameters.objectSetups(model: "stack").map(\.name))
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for name in self.objects { objects[name] = .object(JSONObject()) }
        return ["objects": .object(objects)]
    }

    public func initialState(of object: String) -> State { [] }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        var candidates: [(Output, State)] = []
        switch input {
        case .push(let value):
            candidates = [(.pushed, state + [value]), (.failed(.ENOMEM), state)]
        case .pop:
            if let top = state.last { candidates = [(.popped(top), Array(state.dropLast()))] } else { candidates = [(.failed(.EAGAIN), state)] }
        }
        return Step.completions(candidates, matching: output)
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let action: String
        switch input {
        case .push(let value): action = "push \(value)"
        case .pop: action = "pop"
        }
        switch output {
        case nil: return action + " → ?"
        case .pushed?: return action + " → pushed"
        case .popped(let value)?: return action + " → \(value)"
        case .failed(let code)?: return action + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String {
        state.isEmpty ? "empty" : "bottom [\(state.map(String.init).joined(separator: ", "))] top"
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "push": return .push(try call.value.required("value").integer("value", in: Int.min...Int.max))
        case "pop": return .pop
        default: throw ModelError("the stack model has no operation '\(call.f)' (it has push and pop)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .push): return .pushed
        case (.ok(let value), .pop): return .popped(try value.required("value").integer("value", in: Int.min...Int.max))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .push(let value): ("push", ["value": .int(value)])
        case .pop: ("pop", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .pushed: .ok(nil)
        case .popped(let value): .ok(["value": .int(value)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
