import IPCMechanisms
import IPCModels

/// What the simulation's plan decides at each scheduling point.
enum SimMove: Hashable {
    /// `process` makes its pending access (and runs on to its next one).
    case step(Int)
    /// `process` is killed: it stops where it is; its operation in progress becomes indeterminate.
    case kill(Int)
}

/// Decides the simulation's moves, and which store each load under weak memory reads: from a strategy and the
/// seed, from a recorded trace, or from an exploration's prefix.
protocol SimPlan {
    /// The move at scheduling point `step`, among the processes `enabled` (ascending, never empty) whose next
    /// accesses are `pending` (in the same order); nil ends the run early (a replay that ran out of moves).
    mutating func next(enabled: [Int], pending: [PendingAccess?], step: Int) -> SimMove?
    /// Which of `choices` stores (0 the newest) the load made at `step` reads.
    mutating func chooseStore(among choices: Int, step: Int) -> Int
}

/// The access a process waits to make (what the strategies may look at).
struct PendingAccess: Hashable {
    var region: Int
    /// The byte offset; -1 for accesses that touch no word (a fence, a channel).
    var offset: Int
    var writes: Bool
    /// A compare-and-swap's expected value, and the word's newest value now (filled in at each scheduling point).
    var expected: UInt64?
    var current: UInt64 = 0
}

/// One event of a simulated run, kept compactly until a trace is wanted.
enum SimEvent {
    /// A step; `access` is nil when the step made none (it ran operations that touch no shared memory).
    case schedule(process: Int, step: Int, enabled: [Int], access: SimulatedAccess?)
    case invoke(process: Int, step: Int, call: Call)
    case completion(process: Int, step: Int, call: Call, outcome: Outcome)
    case kill(process: Int, step: Int, during: Bool)
    /// A process that can never run again: asleep in a wait nobody is left to wake, or still running when the run
    /// ran out of steps.
    case hung(process: Int, step: Int, reason: String)
    case indeterminate(process: Int, step: Int, call: Call)
    /// A process's end: `signal` nil for an ordinary exit; `reason` says why it crashed.
    case exit(process: Int, step: Int, signal: String?, reason: String?)
}

/// How a simulation treats memory.
public enum MemoryModel: Sendable, Hashable, CustomStringConvertible {
    /// Every load reads the newest store: interleavings only (as Shuttle).
    case sequentiallyConsistent
    /// The C11 release/acquire/relaxed model: a load may read any of a word's last `depth` stores that coherence
    /// and happens-before allow (as Loom).
    case weak(storeHistory: Int)

    /// The default: weak memory, four stores per word.
    public static let standard = MemoryModel.weak(storeHistory: 4)

    /// "sc" or "weak" (four stores), "weak:N".
    public init?(_ text: String) {
        switch text {
        case "sc": self = .sequentiallyConsistent
        case "weak": self = .standard
        default:
            guard text.hasPrefix("weak:"), let depth = Int(text.dropFirst(5)), (2...64).contains(depth) else { return nil }
            self = .weak(storeHistory: depth)
        }
    }

    public var description: String {
        switch self {
        case .sequentiallyConsistent: "sc"
        case .weak(let depth): depth == 4 ? "weak" : "weak:\(depth)"
        }
    }
}

/// The options of a simulated run that are not its workload.
struct SimulationOptions: Hashable {
    var memory: MemoryModel = .standard
    /// Messages a simulated copy channel holds when its object's parameters do not say (`channelCapacity`).
    var channelCapacity = 4
    /// A run longer than this many steps ends with its processes reported hung.
    var maximumSteps = 5_000_000
    /// Whether to keep schedule events (a benchmark that only counts steps does not).
    var recordsSchedule = true
}

/// Runs a workload of shared-memory objects in one thread: each virtual process runs its program — the kinds'
/// ordinary code — on a coroutine of its own, and every access it makes to a simulated region is a scheduling
/// point where the plan chooses who goes next (and, under weak memory, which store a load reads). Nothing else is a
/// source of nondeterminism, so the plan's choices fix the run.
struct Simulator {
    let workload: Workload
    /// The implementation each object runs, by object name.
    let implementations: [String: String]
    let modelParameters: JSONValue?
    var options: SimulationOptions
    /// Each object's kind and its model, decoded once.
    let kinds: [String: (kind: any SharedMemoryKind.Type, model: any TraceModel)]

    /// Checks that the workload can be simulated: every object of a shared-memory kind, every call one its object can
    /// perform.
    init(workload: Workload, implementation: String, modelParameters: JSONValue?, options: SimulationOptions) throws(HarnessError) {
        self.workload = workload
        try workload.refuseUnknownParameters()
        self.implementations = try workload.implementations(running: implementation)
        self.modelParameters = modelParameters
        self.options = options
        var kinds: [String: (kind: any SharedMemoryKind.Type, model: any TraceModel)] = [:]
        for object in workload.objects {
            guard let kind = KindRegistry.kind(named: object.kind) as? any SharedMemoryKind.Type else {
                throw HarnessError("object \(object.name) is of kind \(object.kind), which is no shared-memory kind: only those run in the simulation")
            }
            do {
                kinds[object.name] = (kind, try kind.model(parameters: modelParameters))
            } catch {
                throw HarnessError("cannot set up \(object.name): \(error.message)")
            }
            let setup = Self.setup(of: object, implementations: implementations)
            do {
                _ = try kind.layout(of: setup)
            } catch {
                throw HarnessError("cannot set up \(object.name): \(error.message)")
            }
        }
        try workload.refuseCallsItsObjectsCannotPerform(implementations: implementations) { _ in modelParameters }
        self.kinds = kinds
    }

    func setup(of object: Workload.Object) -> SharedObjectSetup { Self.setup(of: object, implementations: implementations) }

    static func setup(of object: Workload.Object, implementations: [String: String]) -> SharedObjectSetup {
        SharedObjectSetup(object, implementations: implementations)
    }

    /// Runs until every process has ended (or the plan stops).
    func run<Plan: SimPlan>(_ plan: inout Plan) throws(HarnessError) -> (events: [SimEvent], steps: Int) {
        let run = try SimulationRun(simulator: self, plan: plan)
        defer { run.finish() }
        let result = try run.execute()
        plan = run.plan as! Plan
        return result
    }
}
