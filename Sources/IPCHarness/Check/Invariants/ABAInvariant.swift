import IPCModels

/// No compare-and-swap succeeds across an A→B→A change: when a process reads a word (value A) and later
/// compare-and-swaps it expecting A, the word must not have changed in between — if it did and came back to A,
/// the swap succeeds on a stale premise (ABA). Watched words are given by their byte offset; other words (counters
/// for which a return to A is harmless) are not checked.
///
/// It reads the accesses that simulation traces record in their `schedule` events (`value.access`):
/// `{"op": "load"|"store"|"cas"|"add", "at": OFFSET, "value"/"found"/"expected"/"desired"/"exchanged": ...}`.
/// Parameters: `{"words": [0]}`.
public struct ABAInvariant: TraceInvariant {
    public static let name = "aba"

    private struct Observation {
        var value: JSONValue
        var index: Int
        var changes: Int
        /// Whether the word, having changed, has held `value` again since it was read: the moment a swap expecting
        /// it would have succeeded on a stale premise came and (unless the swap is now) went.
        var cameBack = false
    }

    let words: Set<Int>
    /// Value-changing writes so far, per watched word.
    private var changes: [Int: Int] = [:]
    /// Each process's latest reading of each watched word.
    private var observed: [Int: [Int: Observation]] = [:]
    private var finding: InvariantFinding?
    /// The most changes of a watched word seen between a process's reading of it and its compare-and-swap on it:
    /// the A→B→A window; a violation needs it to wrap the word's sequence.
    private var widestWindow = 0
    /// The widest window of a swap that the word did not come back to the value read within: the approach to an
    /// ABA. A window past a return that the swap missed (an *overshoot*: the process slept through the moment and
    /// swapped long after) is not counted, however wide — wider windows of that kind come no nearer (see
    /// ``coverageMetrics``).
    private var approach = 0
    /// Swaps that missed a return of the word to the value read.
    private var overshoots = 0

    public init(parameters: JSONValue?) throws(ModelError) {
        words = Set(try parameters.required("words").elements("words").map { (word) throws(ModelError) in try word.integer("words") })
    }

    public mutating func observe(_ event: Trace.Event) {
        guard finding == nil, event.type == .schedule, let access = event.value?["access"],
            case .integer(let at)? = access["at"], words.contains(Int(at)), case .string(let op)? = access["op"]
        else { return }
        let word = Int(at)
        let process = event.process
        func changed(from old: JSONValue?, to new: JSONValue?) -> Bool { old != nil && new != nil && old != new }
        switch op {
        case "load":
            if let value = access["value"] { observe(process, word, value, event.index) }
        case "store":
            if changed(from: access["found"], to: access["value"]) { change(word, to: access["value"]) }
        case "add":
            if case .integer(let delta)? = access["delta"], delta != 0 { change(word, to: nil) }
        case "cas":
            guard case .bool(let exchanged)? = access["exchanged"], let expected = access["expected"] else { return }
            if let reading = observed[process]?[word] {
                let window = changes[word, default: 0] - reading.changes
                widestWindow = Swift.max(widestWindow, window)
                if reading.cameBack && !exchanged {
                    overshoots += 1
                } else if !reading.cameBack {
                    approach = Swift.max(approach, window)
                }
            }
            if exchanged {
                if let reading = observed[process]?[word], reading.value == expected,
                    changes[word, default: 0] > reading.changes
                {
                    let count = changes[word, default: 0] - reading.changes
                    finding = InvariantFinding(
                        explanation: "aba: process \(process)'s compare-and-swap of the word at offset \(word) (line \(event.line)) succeeded expecting \(expected), the value it read at line \(reading.index + 2); but the word changed \(count) time\(count == 1 ? "" : "s") in between and came back to that value (A→B→A): the swap acted on a stale premise",
                        eventIndices: [reading.index, event.index])
                    return
                }
                if changed(from: expected, to: access["desired"]) { change(word, to: access["desired"]) }
                if let desired = access["desired"] { observe(process, word, desired, event.index) }
            } else if let found = access["found"] {
                observe(process, word, found, event.index)
            }
        default:
            break
        }
    }

    /// Counts a change of `word` to `value` (nil: not known), and marks the readings of it that it brings back.
    private mutating func change(_ word: Int, to value: JSONValue?) {
        changes[word, default: 0] += 1
        guard let value else { return }
        for process in observed.keys where observed[process]?[word]?.value == value {
            observed[process]![word]!.cameBack = true
        }
    }

    private mutating func observe(_ process: Int, _ word: Int, _ value: JSONValue, _ index: Int) {
        observed[process, default: [:]][word] = Observation(value: value, index: index, changes: changes[word, default: 0])
    }

    public func finish() -> InvariantFinding? { finding }

    /// The widest window between a reading and a compare-and-swap, bucketed, and whether a swap missed a return.
    public var coverageFeatures: [String] {
        ["window:\(powerOfTwoBucket(widestWindow))"] + (overshoots > 0 ? ["overshoot"] : [])
    }

    /// The widest window of a swap whose word had not come back to the value read (``approach``): the wider, the
    /// nearer a sequence or tag wraps. Not the widest window of all: a process that sleeps past the wrap and swaps
    /// long after (a PCT schedule that starves it to the end, a forced preemption) makes windows of hundreds of
    /// changes that never land the swap on the A→B→A moment, and leaders of those lead nowhere; a window that
    /// grew to just short of the wrap is one other timing of the same run may carry over it.
    public var coverageMetrics: [String: Int] { ["approach": approach] }
}
