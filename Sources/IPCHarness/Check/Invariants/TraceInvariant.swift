import IPCModels

/// A property of a whole run that is not linearizability — no CAS succeeding across an A→B→A change, no
/// receiver starved while its messages wait, what a service checked being what it used — checked alongside the
/// model, over the same events, and reported in the same verdict.
///
/// A trace names the invariants it is checked against in its header (`"invariants": {"aba": {...}}`, each with
/// its parameters), so `ipc-harness check` on a saved trace checks them again. An invariant sees every event in
/// order, as the trace is streamed.
public protocol TraceInvariant: Sendable {
    /// The name in trace headers.
    static var name: String { get }
    /// Configured by its entry in the header's `invariants`.
    init(parameters: JSONValue?) throws(ModelError)
    /// Sees the next event.
    mutating func observe(_ event: Trace.Event)
    /// Nil when the invariant held; otherwise why not, and the trace indices of the events that show it.
    func finish() -> InvariantFinding?
    /// How close the run came to breaking it, as a few names (say, the longest A→B→A window seen, bucketed by powers
    /// of two as AFL buckets hit counts): coverage-guided fuzzing keeps runs that reach a name no earlier run did,
    /// and so climbs towards a violation rather than waiting for one. Default: none.
    var coverageFeatures: [String] { get }
    /// How close the run came to breaking it, as numbers where more is closer (say, ABA's approach: the widest window
    /// of a swap whose word had not yet come back to the value read; 255 changes of an 8-bit tag is one short of a
    /// wrap). Measure nearness, not size: a number that also grows on runs that went past the bug without it (a
    /// window that overshot the wrap) makes leaders that lead nowhere. Features only say a run reached somewhere new; a metric
    /// says which way is forward, so coverage-guided fuzzing keeps the run with the highest value of each metric
    /// and derives most of its runs from those (directed fuzzing: FuzzFactory's "max" feedback, HypoFuzz's
    /// `target()`), climbing towards a violation. Default: none (the invariant guides by its features only).
    var coverageMetrics: [String: Int] { get }
}

extension TraceInvariant {
    public var coverageFeatures: [String] { [] }
    public var coverageMetrics: [String: Int] { [:] }
}

/// A count's power-of-two bucket (0, 1, 2, 4, 8, …), as AFL buckets hit counts: a run is new when it reaches a
/// bucket, not merely a count, no earlier run reached.
func powerOfTwoBucket(_ count: Int) -> Int {
    count <= 0 ? 0 : 1 << (Int.bitWidth - 1 - count.leadingZeroBitCount)
}

/// Why an invariant failed.
public struct InvariantFinding: Sendable, Hashable {
    public var explanation: String
    public var eventIndices: [Int]

    public init(explanation: String, eventIndices: [Int]) {
        self.explanation = explanation
        self.eventIndices = eventIndices
    }
}

/// The conclusion about one invariant.
public struct InvariantCheck: Sendable, Hashable {
    public var name: String
    /// Nil when it held.
    public var finding: InvariantFinding?
    /// How close the run came (``TraceInvariant/coverageFeatures``).
    public var coverageFeatures: [String] = []
    /// How close the run came, in numbers (``TraceInvariant/coverageMetrics``).
    public var coverageMetrics: [String: Int] = [:]
}

/// The invariants traces can name: the built-in ones and those a user registered.
public enum InvariantRegistry {
    public static let builtIn: [any TraceInvariant.Type] = [
        ABAInvariant.self, StarvationInvariant.self, SnapshotInvariant.self, PoisonInvariant.self,
    ]

    private static let registry = NamedRegistry<any TraceInvariant.Type>(
        "invariant", builtIn: builtIn, name: { $0.name }, identity: { ObjectIdentifier($0) })

    /// Every invariant known in this process, built-in first.
    public static var invariants: [any TraceInvariant.Type] { registry.all }

    public static var names: [String] { invariants.map { $0.name } }

    /// Adds a user's invariant, so that traces naming it in their header are checked against it.
    public static func register(_ invariant: any TraceInvariant.Type) throws(HarnessError) { try registry.register(invariant) }

    /// The invariants a header asks for, configured; errors name line 1 of `path`.
    static func make(for header: Trace.Header, path: String?) throws(TraceError) -> [any TraceInvariant] {
        guard let requested = header.extra["invariants"] else { return [] }
        guard case .object(let entries) = requested else {
            throw TraceError(path: path, line: 1, "the header's 'invariants' must be an object mapping invariant names to their parameters")
        }
        var made: [any TraceInvariant] = []
        for entry in entries {
            guard let type = invariants.first(where: { $0.name == entry.key }) else {
                throw TraceError(path: path, line: 1, "unknown invariant '\(entry.key)' (known: \(names.joined(separator: ", ")))")
            }
            do {
                made.append(try type.init(parameters: entry.value))
            } catch {
                throw TraceError(path: path, line: 1, "the parameters of invariant '\(entry.key)': \(error.message)")
            }
        }
        return made
    }
}

extension Trace.Event {
    /// The trace line of this event (the header is line 1).
    var line: Int { index + 2 }
}
