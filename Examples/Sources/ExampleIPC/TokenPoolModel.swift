import IPCModels

/// What a token pool may be observed to do — the specification the harness checks every run against. A model is
/// plain data: a pure `transitions` from a state and an operation to what may follow, no I/O.
///
/// - `acquire` takes a token when one is free (`acquired`) and says `EAGAIN` when none is: never both for the
///   same state, since it does not wait.
/// - `release` gives back a token the process holds; without one it is `EINVAL`.
/// - When a process dies (killed, or it exits), the tokens it held come back: the promise a pool must keep for
///   its users to survive a crashed holder. A pool that loses them is caught the first time a process is told
///   `EAGAIN` while, by this model, a token is free.
public struct TokenPoolModel: TraceModel, TransitionModel {
    public static let name = "token-pool"

    public struct State: Hashable, Sendable {
        public var free: Int
        /// One entry per token taken, naming its holder; sorted, so equal holdings are equal states.
        public var held: [Int] = []
    }

    public enum Input: Hashable, Sendable {
        case acquire(process: Int)
        case release(process: Int)
        /// The process died or exited (the checker steps this itself, between its last event and its reaping).
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case acquired
        case released
        case exited
        case failed(ErrorCode)
    }

    /// Each pool and how many tokens it starts with.
    public let pools: [(name: String, tokens: Int)]

    public init(pools: [(name: String, tokens: Int)]) {
        self.pools = pools
    }

    public var objects: [String] { pools.map(\.name) }

    public func initialState(of object: String) -> State {
        State(free: pools.first { $0.name == object }?.tokens ?? 0)
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .acquire(let process):
            guard state.free > 0 else { return [Transition(.failed(.EAGAIN), state)] }
            next.free -= 1
            next.held.append(process)
            next.held.sort()
            return [Transition(.acquired, next)]
        case .release(let process):
            guard let index = state.held.firstIndex(of: process) else { return [Transition(.failed(.EINVAL), state)] }
            next.held.remove(at: index)
            next.free += 1
            return [Transition(.released, next)]
        case .exit(let process):
            let returned = state.held.count { $0 == process }
            next.held.removeAll { $0 == process }
            next.free += returned
            return [Transition(.exited, next)]
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .acquire: call = "acquire"
        case .release: call = "release"
        case .exit: call = "exit (its tokens come back)"
        }
        guard let output else { return "\(call) → ?" }
        switch output {
        case .acquired: return "\(call) → a token"
        case .released, .exited: return "\(call) → ok"
        case .failed(let code): return "\(call) → \(code.rawValue)"
        }
    }

    public func describe(_ state: State) -> String {
        "\(state.free) free" + (state.held.isEmpty ? "" : "; held by processes \(state.held)")
    }

    // MARK: The trace form: `acquire` and `release`, no arguments; `ok` or `fail` with the errno.

    public init(parameters: JSONValue?) throws(ModelError) {
        var pools: [(name: String, tokens: Int)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            pools.append((name, try setup.required("tokens").integer("tokens", in: 0...1000)))
        }
        self.init(pools: pools)
    }

    public var parameters: JSONValue {
        ModelParameters.json(pools.map { ($0.name, ["tokens": .int($0.tokens)]) })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "acquire": return .acquire(process: call.process)
        case "release": return .release(process: call.process)
        default: throw ModelError("the token-pool model has no operation '\(call.f)' (it has acquire and release)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .acquire): return .acquired
        case (.ok, .release): return .released
        case (.ok, .exit): return .exited
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .acquire: ("acquire", nil)
        case .release: ("release", nil)
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .acquired, .released, .exited: .ok(nil)
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
