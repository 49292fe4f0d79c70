/// One operation as the search sees it.
struct SearchOperation<Input: Hashable & Sendable, Output: Hashable & Sendable> {
    var input: Input
    /// nil: any output the model allows.
    var output: Output?
    var invokeTime: UInt64
    /// When it must have taken effect by; nil when there is no bound (indeterminate, never reaped).
    var returnTime: UInt64?
    /// True when the operation is indeterminate: it may also never take effect.
    var mayNeverHappen: Bool
    /// The operation's name (`f`), for coverage.
    var name: String = ""
    /// Which operation of the object's history this is, the same in every search of that history (a prefix, some
    /// operations relaxed): what the step memo shared by those searches is keyed by, with whether the output is
    /// known. Every search of one history gives an operation its recorded input, and its recorded output or none.
    var identity: Int = 0
    /// Operations (positions in the search's list) that must have taken effect or been abandoned before this one
    /// may: a process's own operations before its death (``HistoryOperation/isDeath``).
    var after: [Int32] = []
}

/// Which model states and transitions a check stepped through (as hashes), for fuzzing's coverage figures.
/// Hashes are seeded per process: compare them within one process only.
public struct Coverage: Sendable, Hashable {
    public var states = Set<Int>()
    public var transitions = Set<Int>()

    public init() {}

    public mutating func formUnion(_ other: Coverage) {
        states.formUnion(other.states)
        transitions.formUnion(other.transitions)
    }
}

/// The outcome of a search.
enum SearchOutcome {
    case linearizable
    case notLinearizable(SearchProgress)
    case unknown(SearchProgress, reason: String)

    var isViolation: Bool {
        if case .notLinearizable = self { return true }
        return false
    }
}

/// How far a failed or abandoned search got.
struct SearchProgress {
    /// The longest sequence of operations the search linearized, in order (indices into the operation list).
    var longestLinearization: [Int]
    /// The operation whose completion the search could not get past at its deepest point.
    var stuckOperation: Int?
}
