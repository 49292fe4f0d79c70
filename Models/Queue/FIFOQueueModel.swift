/// A FIFO queue of integers, optionally bounded: the specification a concurrent queue implementation is checked
/// against (from a user's `@Test`, through IPCHarnessTesting).
///
/// - `enqueue(v)` appends `v` and returns true, or returns false and changes nothing when the queue is full;
/// - `dequeue()` removes and returns the oldest value, or returns nil when the queue is empty.
/// Every operation is atomic: a history is allowed when some order of the operations, each at a point between
/// its invoke and its completion, gives every recorded result.
public struct FIFOQueueModel: TraceModel {
    public static let name = "fifo-queue"

    public enum Input: Hashable, Sendable {
        case enqueue(Int)
        case dequeue
    }

    public enum Output: Hashable, Sendable {
        case accepted(Bool)
        case dequeued(Int?)
    }

    public struct State: Hashable, Sendable {
        public var values: [Int]
    }

    /// The most values the queue holds; nil for unbounded.
    public let capacity: Int?
    /// The object's name in traces.
    public let object: String

    public init(capacity: Int? = nil, object: String = "q") {
        self.capacity = capacity
        self.object = object
    }

    public var objects: [String] { [object] }

    public func initialState(of object: String) -> State { State(values: []) }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let (result, next) = apply(input, to: state)
        guard output == nil || output == result else { return [] }
        return [.completed(next)]
    }

    /// The one output and next state an operation has in `state`.
    public func apply(_ input: Input, to state: State) -> (Output, State) {
        var next = state
        switch input {
        case .enqueue(let value):
            if let capacity, state.values.count >= capacity { return (.accepted(false), state) }
            next.values.append(value)
            return (.accepted(true), next)
        case .dequeue:
            guard !state.values.isEmpty else { return (.dequeued(nil), state) }
            return (.dequeued(next.values.removeFirst()), next)
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .enqueue(let value): call = "enqueue(\(value))"
        case .dequeue: call = "dequeue()"
        }
        switch output {
        case nil: return call + " → ?"
        case .accepted(let accepted)?: return call + (accepted ? " → accepted" : " → full")
        case .dequeued(let value)?: return call + " → " + (value.map(String.init) ?? "empty")
        }
    }

    public func describe(_ state: State) -> String {
        "queue \(state.values)"
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}

// Trace form (documented in traces/README.md):
//   f        invoke value        ok value
//   enqueue  {"value": INT}      {"accepted": BOOL}
//   dequeue  (none)              {"value": INT | null}
// params: {"object": "q", "capacity": INT}   (capacity absent: unbounded)
extension FIFOQueueModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let capacity = try parameters.optional("capacity")?.integer("capacity", in: 0...Int(Int32.max))
        let object = try parameters.optional("object")?.text("object") ?? "q"
        self.init(capacity: capacity, object: object)
    }

    public var parameters: JSONValue {
        var parameters: JSONObject = ["object": .string(object)]
        if let capacity { parameters["capacity"] = .int(capacity) }
        return .object(parameters)
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "enqueue": return .enqueue(try call.value.required("value").integer("value", in: Int.min...Int.max))
        case "dequeue": return .dequeue
        default: throw ModelError("the fifo-queue model has no operation '\(call.f)' (it has enqueue and dequeue)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            throw ModelError("queue operations do not fail, but this one failed with \(code)")
        case (.ok(let value), .enqueue):
            return .accepted(try value.required("accepted").boolean("accepted"))
        case (.ok(let value), .dequeue):
            let result = try value.required("value")
            if result == .null { return .dequeued(nil) }
            return .dequeued(try result.integer("value", in: Int.min...Int.max))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .enqueue(let value): ("enqueue", ["value": .int(value)])
        case .dequeue: ("dequeue", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .accepted(let accepted): .ok(["accepted": .bool(accepted)])
        case .dequeued(let value): .ok(["value": value.map { .int($0) } ?? .null])
        }
    }
}
