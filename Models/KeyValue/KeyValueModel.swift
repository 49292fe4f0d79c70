/// A key-value store as Jepsen's and Porcupine's key-value histories record one: `get` returns a key's value (the
/// empty string when it was never written), `put` replaces it, `append` adds to its end. Each key is its own
/// object, so the checker partitions a history by key (P-compositionality), as Porcupine's model does.
///
/// Trace form (see traces/README.md):
///
///   f       invoke value          ok value
///   get     (none)                {"value": STRING}
///   put     {"value": STRING}     (none)
///   append  {"value": STRING}     (none)
///
/// params: {"objects": {"<key>": {}, ...}}: every key the history uses.
public struct KeyValueModel: TraceModel, TransitionModel {
    public static let name = "kv"

    public typealias State = String

    public enum Input: Hashable, Sendable {
        case get(process: Int)
        case put(process: Int, value: String)
        case append(process: Int, value: String)
    }

    public enum Output: Hashable, Sendable {
        case got(String)
        case done
    }

    public let keys: [String]

    public init(keys: [String]) {
        self.keys = keys
    }

    public var objects: [String] { keys }

    public func initialState(of object: String) -> State { "" }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        switch input {
        case .get: [Transition(.got(state), state)]
        case .put(_, let value): [Transition(.done, value)]
        case .append(_, let value): [Transition(.done, state + value)]
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        switch (input, output) {
        case (.get, .got(let value)?): "get → \"\(Self.preview(value))\""
        case (.get, _): "get → ?"
        case (.put(_, let value), _): "put \"\(Self.preview(value))\""
        case (.append(_, let value), _): "append \"\(Self.preview(value))\""
        }
    }

    public func describe(_ state: State) -> String { "\"\(Self.preview(state))\"" }

    static func preview(_ text: String) -> String {
        text.count <= 48 ? text : String(text.prefix(20)) + "…" + String(text.suffix(20)) + " (\(text.count) characters)"
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "get": return .get(process: call.process)
        case "put": return .put(process: call.process, value: try call.value.required("value").text("value"))
        case "append": return .append(process: call.process, value: try call.value.required("value").text("value"))
        default: throw ModelError("the kv model has no operation '\(call.f)' (it has get, put and append)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            throw ModelError("a kv operation does not fail (\(code.rawValue)); one that did not take effect is left out")
        case (.ok(let value), .get): return .got(try value.required("value").text("value"))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .get: ("get", nil)
        case .put(_, let value): ("put", ["value": .string(value)])
        case .append(_, let value): ("append", ["value": .string(value)])
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .got(let value): .ok(["value": .string(value)])
        case .done: .ok(nil)
        }
    }

    public init(parameters: JSONValue?) throws(ModelError) {
        self.init(keys: try parameters.objectSetups(model: Self.name).map(\.name))
    }

    public var parameters: JSONValue {
        ["objects": .object(JSONObject(keys.map { ($0, JSONValue.object([:])) }))]
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
