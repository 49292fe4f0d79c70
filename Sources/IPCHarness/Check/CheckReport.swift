import IPCModels

/// The checker's conclusion about one object.
public struct ObjectCheck: Sendable, Hashable {
    public var object: String
    public var result: Trace.Verdict.Result
    public var operationCount: Int
    /// Why it failed (violation) or why it could not be decided (unknown), in words.
    public var explanation: String?
    /// Trace indices of the invoke events of the operations that contradict each other.
    public var coreEventIndices: [Int] = []
    /// Trace indices of the invoke events of the longest linearizable prefix found, in linearization order.
    public var linearizedEventIndices: [Int] = []
    /// The model states and transitions the check stepped through.
    public var coverage = Coverage()
    /// For a violation: the trace index of the invoke of the operation the search could not get past at its
    /// deepest point (known without explaining).
    public var stuckEventIndex: Int?
}

/// The checker's conclusion about a whole history.
public struct CheckReport: Sendable, Hashable {
    public var model: String
    public var result: Trace.Verdict.Result
    public var objects: [ObjectCheck]
    /// The invariants the trace's header asked for, checked over the same events.
    public var invariants: [InvariantCheck] = []
    /// Operations the watchdog killed as hung (see ``History/hangs``); a run with a hang is at best unknown.
    public var hangs: [String] = []
    /// Dangers the run shows that are not violations (see ``History/hazards``); they do not change the result.
    public var hazards: [String] = []
    /// Processes the simulation saw crash (see ``History/crashes``); a crash is a violation.
    public var crashes: [String] = []
    /// For a violation in a simulation under weak memory: the loads that read a store older than the newest, and the
    /// stores they missed (see ``StaleLoads``).
    public var weakMemory: String?
    /// What the trace's source showed but no model checked (see ``NotChecked``); each is a `NOT CHECKED:` line.
    public var notChecked: [String] = []

    public init(model: String, result: Trace.Verdict.Result, objects: [ObjectCheck], invariants: [InvariantCheck] = []) {
        self.model = model
        self.result = result
        self.objects = objects
        self.invariants = invariants
    }

    /// Adds the invariants' conclusions: a failed invariant makes the whole verdict a violation.
    mutating func add(_ checks: [InvariantCheck]) {
        invariants += checks
        if checks.contains(where: { $0.finding != nil }) { result = .violation }
    }

    /// The model states and transitions the check stepped through, over every object.
    public var coverage: Coverage {
        objects.reduce(into: Coverage()) { $0.formUnion($1.coverage) }
    }

    /// Every object's explanation, violations first, then every failed invariant's.
    public var explanation: String {
        verdictExplanation + (weakMemory.map { "\n" + $0 } ?? "") + hazards.map { "\nHAZARD: " + $0 }.joined()
            + notChecked.map { "\nNOT CHECKED: " + $0 }.joined()
    }

    private var verdictExplanation: String {
        let failing = objects.filter { $0.result == .violation } + objects.filter { $0.result == .unknown }
        let broken = invariants.compactMap(\.finding?.explanation)
        if !crashes.isEmpty {
            return (crashes.map { "CRASH: " + $0 } + hangs.map { "HANG: " + $0 } + failing.compactMap(\.explanation) + broken).joined(separator: "\n")
        }
        if !hangs.isEmpty {
            return (["HANG: " + hangs.joined(separator: "\nHANG: ")] + failing.compactMap(\.explanation) + broken).joined(separator: "\n")
        }
        if failing.isEmpty && broken.isEmpty {
            if result == .unknown { return "undecided: no operation was checked" }
            let count = objects.reduce(0) { $0 + $1.operationCount }
            let held = invariants.isEmpty ? "" : "; invariants held: " + invariants.map(\.name).joined(separator: ", ")
            return "linearizable: \(count) operations on \(objects.count) object\(objects.count == 1 ? "" : "s") are allowed by the \(model) model" + held
        }
        return (failing.compactMap(\.explanation) + broken).joined(separator: "\n")
    }

    /// The verdict line for the trace.
    public var verdict: Trace.Verdict {
        var verdict = Trace.Verdict(result: result, model: model, explanation: explanation)
        let core = objects.flatMap(\.coreEventIndices) + invariants.flatMap { $0.finding?.eventIndices ?? [] }
        if !core.isEmpty { verdict.extra["operations"] = .array(core.sorted().map { .int($0) }) }
        return verdict
    }
}
