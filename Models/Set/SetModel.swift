/// A set of integers, as Jepsen's set workloads record one (Knossos's and Porcupine's set model): `add` puts an
/// element in; `read` returns every element, each once. A read of an element never added, or missing one whose add
/// completed before the read began, is a violation.
///
/// Trace form (see traces/README.md):
///
///   f     invoke value        ok value
///   add   {"value": INT}      (none)
///   read  (none)              {"values": [INT, ...]}   (any order; a duplicate is a violation)
///
/// params: {"objects": {"s": {}}}.
public struct SetModel: TraceModel, TransitionModel {
    public static let name = "set"

    /// The elements, sorted.
    public typealias State = [Int]

    public enum Input: Hashable, Sendable {
        case add(process: Int, value: Int)
        case read(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case added
        /// As read: sorted, duplicates kept (so that a duplicate can be seen and rejected).
        case read([Int])
    }

    public let sets: [String]

    public init(sets: [String]) {
        self.sets = sets
    }

    public var objects: [String] { sets }

    public func initialState(of object: String) -> State { [] }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        switch input {
        case .add(_, let value):
            guard let index = state.firstIndex(where: { $0 >= value }) else { return [Transition(.added, state + [value])] }
            if state[index] == value { return [Transition(.added, state)] }
            var next = state
            next.insert(value, at: index)
            return [Transition(.added, next)]
        case .read:
            return [Transition(.read(state), state)]
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        switch (input, output) {
        case (.add(_, let value), _): "add \(value)"
        case (.read, .read(let values)?): "read → {\(values.map(String.init).joined(separator: ", "))}"
        case (.read, _): "read → ?"
        }
    }

    public func describe(_ state: State) -> String { "{\(state.map(String.init).joined(separator: ", "))}" }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "add": return .add(process: call.process, value: try call.value.required("value").integer("value", in: Int.min...Int.max))
        case "read": return .read(process: call.process)
        default: throw ModelError("the set model has no operation '\(call.f)' (it has add and read)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            throw ModelError("a set operation does not fail (\(code.rawValue)); one that did not take effect is left out")
        case (.ok(let value), .read): return .read(try value.required("values").integers("values", in: Int.min...Int.max).sorted())
        case (.ok, .add): return .added
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .add(_, let value): ("add", ["value": .int(value)])
        case .read: ("read", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .added: .ok(nil)
        case .read(let values): .ok(["values": .ints(values)])
        }
    }

    public init(parameters: JSONValue?) throws(ModelError) {
        self.init(sets: try parameters.objectSetups(model: Self.name).map(\.name))
    }

    public var parameters: JSONValue {
        ["objects": .object(JSONObject(sets.map { ($0, JSONValue.object([:])) }))]
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
