/// POSIX shared memory (`shm_open`, `ftruncate`, `mmap`) as processes observe it.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - Every mapping of the object is one memory: a word stored through one process's mapping is what any
///   process's load returns next, and fetch-and-adds from several processes never lose an update. A fresh
///   object reads as zeros.
/// - The object outlives every mapping and descriptor until `shm_unlink`: a process can store, unmap or die, and
///   another open the name later and find the words. After unlink, existing mappings keep the memory and opens
///   fail `ENOENT`; a second unlink fails `ENOENT`.
/// - A process's death unmaps its mappings and changes nothing else.
/// - The harness's own rule (not the kernel's): an access by a process holding no mapping fails `EFAULT`, and
///   `unmap` with none fails `EINVAL` (the worker refuses rather than touch unmapped memory).
public struct PosixSharedMemoryModel: TransitionModel, TraceModel {
    public static let name = "posix-shm"

    public struct Setup: Hashable, Sendable {
        /// Size in 64-bit words.
        public var words: Int
        /// Processes that have it mapped at the start, once per mapping.
        public var mapped: [Int]

        public init(words: Int, mapped: [Int]) {
            self.words = words
            self.mapped = mapped.sorted()
        }
    }

    public struct State: Hashable, Sendable {
        public var words: [Int64]
        /// The name, and the mappings, by process.
        public var name: NamedObjectHandles
    }

    public enum Input: Hashable, Sendable {
        case access(process: Int, WordAccess)
        /// `shm_open` by name, `mmap`, `close`: another mapping.
        case open(process: Int)
        /// `munmap` of one of the process's mappings.
        case unmap(process: Int)
        case unlink(process: Int)
        case exit(process: Int)
    }

    public enum Output: PlainOutcomes {
        case accessed(WordResult)
        case done
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(objects: [(name: String, setup: Setup)]) {
        self.setups = objects
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(words: 0, mapped: [])
        return State(words: [Int64](repeating: 0, count: setup.words), name: NamedObjectHandles(holders: setup.mapped))
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .access(let process, let access):
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EFAULT), state)] }
            let (result, words) = access.apply(to: state.words)
            next.words = words
            return [Transition(.accessed(result), next)]
        case .open(let process):
            return nameTransition(state, \.name) { $0.open(process) }
        case .unmap(let process):
            return nameTransition(state, \.name) { $0.release(process, missing: .EINVAL) }
        case .unlink:
            return nameTransition(state, \.name) { $0.unlink() }
        case .exit(let process):
            return nameTransition(state, \.name) { $0.exit(process); return nil }
        }
    }

    public func describe(_ state: State) -> String {
        "words \(state.words); mappings \(state.name.text)"
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .access(_, let access): call = access.text
        case .open: call = "open by name and map"
        case .unmap: call = "unmap"
        case .unlink: call = "unlink"
        case .exit: call = "exit (unmaps everything)"
        }
        let result = output.described { output in
            switch output {
            case .accessed(let result): result.text
            case .done: "ok"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md):
//   load {"index"} → {"value"}; store {"index", "value"}; add {"index", "delta"} → {"value": the value before};
//   open, unmap, unlink (no value). EFAULT without a mapping, EINVAL unmap without one, ENOENT after unlink.
// params: {"objects": {"s0": {"words": 8, "mapped": [1, 2]}}}
extension PosixSharedMemoryModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var objects: [(name: String, setup: Setup)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            objects.append((name, Setup(
                words: try setup.required("words").integer("words", in: 1...1 << 20),
                mapped: try setup.optional("mapped")?.integers("mapped") ?? [])))
        }
        self.init(objects: objects)
    }

    public var parameters: JSONValue {
        ModelParameters.json(setups.map { name, setup in (name, ["words": .int(setup.words), "mapped": .ints(setup.mapped)]) })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        if WordAccess.names.contains(call.f) {
            let words = setups.first { $0.name == call.object }?.setup.words ?? 0
            return .access(process: call.process, try WordAccess(f: call.f, value: call.value, words: words))
        }
        switch call.f {
        case "open": return .open(process: call.process)
        case "unmap": return .unmap(process: call.process)
        case "unlink": return .unlink(process: call.process)
        default:
            throw ModelError("the posix-shm model has no operation '\(call.f)' (it has load, store, add, open, unmap and unlink)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .access(_, let access)): return .accessed(try access.result(from: value))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .access(_, let access): access.call
        case .open: ("open", nil)
        case .unmap: ("unmap", nil)
        case .unlink: ("unlink", nil)
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .accessed(let result): .ok(result.json)
        case .done: .ok(nil)
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
