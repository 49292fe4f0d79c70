/// A register holding several words, written and read whole (the seqlock's specification): a read returns
/// exactly the words of the latest write that took effect — never a mix of two writes (a torn value). A read may
/// give up with `EAGAIN` at any time (it met writers), and so may a write (another writer was inside); neither
/// then has any effect.
///
/// Trace form:
///
///   f      invoke value            ok value             fail error
///   write  {"words": [INT, ...]}   (none)               EAGAIN
///   read   (none)                  {"words": [INT, ...]} EAGAIN
///
/// params: {"objects": {"m0": {"words": 4}}}: the value's width; it starts as that many zeros.
public struct RegisterModel: TraceModel {
    public static let name = "register"

    public enum Input: Hashable, Sendable {
        case write([Int])
        case read
    }

    public enum Output: Hashable, Sendable {
        case written
        case read([Int])
        case failed(ErrorCode)
    }

    public typealias State = [Int]

    public let setups: [(name: String, words: Int)]

    public init(objects: [(name: String, words: Int)]) { self.setups = objects }

    public init(parameters: JSONValue?) throws(ModelError) {
        var setups: [(name: String, words: Int)] = []
        for (name, setup) in try parameters.objectSetups(model: "register") {
            setups.append((name, try setup.required("words").integer("words", in: 1...1024)))
        }
        self.init(objects: setups)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, words) in setups { objects[name] = ["words": .int(words)] }
        return ["objects": .object(objects)]
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        [Int](repeating: 0, count: setups.first { $0.name == object }?.words ?? 1)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let candidates: [(Output, State)]
        switch input {
        case .write(let words): candidates = [(.written, words), (.failed(.EAGAIN), state)]
        case .read: candidates = [(.read(state), state), (.failed(.EAGAIN), state)]
        }
        return Step.completions(candidates, matching: output)
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let action: String
        switch input {
        case .write(let words): action = "write \(words)"
        case .read: action = "read"
        }
        switch output {
        case nil: return action + " → ?"
        case .written?: return action + " → ok"
        case .read(let words)?: return action + " → \(words)"
        case .failed(let code)?: return action + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String { "\(state)" }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "write": return .write(try Self.words(call.value.required("words")))
        case "read": return .read
        default: throw ModelError("the register model has no operation '\(call.f)' (it has write and read)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .write): return .written
        case (.ok(let value), .read): return .read(try Self.words(value.required("words")))
        }
    }

    static func words(_ value: JSONValue) throws(ModelError) -> [Int] {
        try value.elements("words").map { (word) throws(ModelError) in try word.integer("words", in: Int.min...Int.max) }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .write(let words): ("write", ["words": .array(words.map { .int($0) })])
        case .read: ("read", nil)
        }
    }

    public func operationName(of input: Input) -> String {
        switch input {
        case .write: "write"
        case .read: "read"
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .written: .ok(nil)
        case .read(let words): .ok(["words": .array(words.map { .int($0) })])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
