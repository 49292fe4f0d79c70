/// One way an atomic operation may take effect: its output and the state after it.
public struct Transition<State: Hashable & Sendable, Output: Hashable & Sendable>: Hashable, Sendable {
    /// The output a process would see; nil for an effect no completion can report (the process crashes inside
    /// the call), which only an unknown outcome matches.
    public var output: Output?
    public var state: State

    public init(_ output: Output?, _ state: State) {
        self.output = output
        self.state = state
    }
}

/// A model whose operations each take effect in one atomic step (every kernel object of issue 3 but the pipe).
/// It lists the transitions an input allows from a state; `step` keeps those that match the recorded output.
/// A blocking operation that cannot proceed has no transition: it waits until another operation changes the
/// state.
public protocol TransitionModel: Model {
    func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>]

    /// What a call may end with, instead of sleeping, when it cannot proceed: `EINTR` when a handled signal
    /// interrupts it, `ETIMEDOUT` (or `EAGAIN`, for `semtimedop`) when its timeout passes. Such an end changes
    /// nothing. Empty (the default) for a call that never sleeps, such as a nonblocking one: the kernel looks for
    /// a signal only once a call is asleep, so a call that can proceed never fails `EINTR`.
    func wakeUps(of input: Input) -> [Output]
}

extension TransitionModel {
    public func wakeUps(of input: Input) -> [Output] { [] }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        step(state, input, output, matching: ==)
    }

    /// As ``step(_:_:_:)``, with `matches(recorded, expected)` deciding whether a recorded output is a transition's:
    /// for outputs some of whose fields a trace may leave out, which then match whatever they are.
    public func step(_ state: State, _ input: Input, _ output: Output?, matching matches: (Output, Output) -> Bool) -> [Step<State>] {
        let transitions = transitions(state, input)
        if transitions.isEmpty {
            // Asleep: only a wake-up without effect ends the call now.
            let wakeUps = wakeUps(of: input)
            guard let output else { return wakeUps.isEmpty ? [] : [.completed(state)] }
            return wakeUps.contains(output) ? [.completed(state)] : []
        }
        return transitions.compactMap { transition in
            guard let output else { return .completed(transition.state) }
            guard let expected = transition.output, matches(output, expected) else { return nil }
            return .completed(transition.state)
        }
    }
}

/// Reading the `params` every per-object model shares: `{"objects": {"<name>": {<setup>}, ...}}`.
public enum ModelParameters {
    /// Each object's name and setup, in the order written.
    public static func objects(_ parameters: JSONValue?, model: String) throws(ModelError) -> [(name: String, setup: JSONValue?)] {
        guard case .object(let objects) = try parameters.required("objects") else {
            throw ModelError("field 'objects' must be an object mapping each \(model) object's name to its setup")
        }
        return objects.map { ($0.key, $0.value) }
    }

    /// `{"objects": {...}}` from each object's name and setup.
    public static func json(_ objects: [(String, JSONValue)]) -> JSONValue {
        ["objects": .object(JSONObject(objects))]
    }
}

extension JSONValue {
    /// This value as an array of integers within `range`, or a message naming `field`.
    public func integers(_ field: String, in range: ClosedRange<Int> = 0...Int.max) throws(ModelError) -> [Int] {
        try elements(field).map { (element) throws(ModelError) in try element.integer(field, in: range) }
    }

    /// A JSON array of integers.
    public static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
}

extension Array where Element == Int {
    /// Removes one occurrence of `value`; false when there was none.
    mutating func removeOne(_ value: Int) -> Bool {
        guard let index = firstIndex(of: value) else { return false }
        remove(at: index)
        return true
    }

    /// Adds `value`, keeping the array sorted (so equal multisets are equal states).
    mutating func insertSorted(_ value: Int) {
        insert(value, at: firstIndex { $0 > value } ?? endIndex)
    }
}

extension Optional where Wrapped: Equatable {
    /// "?" for an unknown output, else the description `describe` gives.
    func described(_ describe: (Wrapped) -> String) -> String {
        map(describe) ?? "?"
    }
}
