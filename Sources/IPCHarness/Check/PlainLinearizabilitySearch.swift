import IPCModels
import IPCSyscalls

/// The checker's search as first written, kept as the specification of ``LinearizabilitySearch``: the same
/// algorithm over the model's own states and Swift's `Set`, with nothing interned or memoised. Tests check that
/// both give the same verdicts on many histories; nothing else runs it.
///
/// Linearizability checking by Wing & Gong's backtracking search with Lowe's memoisation, as in porcupine: the
/// history is a doubly linked list of call and return entries in time order; the search linearizes any operation
/// whose call precedes the first remaining return, backtracks on reaching a return, and never revisits a
/// (linearized set, state) pair it has already explored.
///
/// Two extensions: an operation may take effect in pieces (``Step/partial(_:)``), staying in the list until a
/// completing step; and an indeterminate operation may be abandoned (never take effect) when the search reaches
/// its deadline entry, or simply left over when nothing else remains.
struct PlainLinearizabilitySearch<M: Model> {
    typealias Operation = SearchOperation<M.Input, M.Output>

    private enum FrameKind { case completed, partial, abandoned }

    private struct Frame {
        var entry: Int32
        var operation: Int32
        var kind: FrameKind
        var saved: StateSet<M.State>
        var untriedPartial: StateSet<M.State>?
        var tip: Int32
    }

    private struct CacheKey: Hashable {
        var linearized: LinearizedSet.Key
        var states: StateSet<M.State>
    }

    private let model: M
    private let operations: [Operation]
    private let budget: CheckBudget

    private var entries: EntryList

    private var states: StateSet<M.State>
    private var linearized: LinearizedSet
    private var stack: [Frame] = []
    private var cache = Set<CacheKey>()
    private var estimatedBytes = 0
    // The linearization found so far, as a persistent list (arena of (operation, parent)) so the longest one can
    // be reported after backtracking has undone it.
    private var arenaOperation: [Int32] = []
    private var arenaParent: [Int32] = []
    private var tip: Int32 = -1
    private var depth = 0
    private var bestDepth = -1
    private var bestTip: Int32 = -1
    private var bestStuck: Int?
    private(set) var coverage = Coverage()

    init(model: M, initialState: M.State, operations: [Operation], budget: CheckBudget) {
        self.model = model
        self.operations = operations
        self.budget = budget
        self.states = StateSet(initialState)
        self.linearized = LinearizedSet(count: operations.count)
        self.entries = EntryList(invokeTimes: operations.map(\.invokeTime), returnTimes: operations.map(\.returnTime))
    }

    /// The most model states the checker tracks at one point of the search before it gives up.
    static var maximumStates: Int { 1 << 16 }

    /// Every state that may follow, split into completing steps and pieces; nil when the set of possible
    /// states outgrows ``maximumStates`` (a model too nondeterministic for this history).
    private func apply(_ operation: Int) -> (completed: StateSet<M.State>, partial: StateSet<M.State>)? {
        var completed = StateSet<M.State>()
        var partial = StateSet<M.State>()
        let op = operations[operation]
        for state in states.states {
            for step in model.step(state, op.input, op.output) {
                switch step {
                case .completed(let next): completed.insert(next)
                case .partial(let next): partial.insert(next)
                }
            }
            if completed.count + partial.count > Self.maximumStates { return nil }
        }
        return (completed, partial)
    }

    /// Records a configuration; false when it was explored before.
    private mutating func remember(_ key: CacheKey) -> Bool {
        guard cache.insert(key).inserted else { return false }
        // The cache entry, its arrays' headers and the hash table's slack.
        var bytes = 256 + key.linearized.tail.count * 8
        for state in key.states.states { bytes += model.estimatedSize(of: state) }
        estimatedBytes += bytes
        return true
    }

    private mutating func tryCompleted(
        _ entry: Int32, _ operation: Int, _ completed: StateSet<M.State>, _ partial: StateSet<M.State>
    ) -> Bool {
        guard !completed.isEmpty else { return false }
        linearized.insert(operation)
        guard remember(CacheKey(linearized: linearized.key, states: completed)) else {
            linearized.remove(operation)
            return false
        }
        stack.append(Frame(
            entry: entry, operation: Int32(operation), kind: .completed, saved: states,
            untriedPartial: partial.isEmpty ? nil : partial, tip: tip))
        let from = states.hashValue
        let to = completed.hashValue
        coverage.states.insert(to)
        var transition = Hasher()
        transition.combine(from)
        transition.combine(operations[operation].name)
        transition.combine(to)
        coverage.transitions.insert(transition.finalize())
        states = completed
        entries.lift(operation)
        arenaOperation.append(Int32(operation))
        arenaParent.append(tip)
        tip = Int32(arenaOperation.count - 1)
        depth += 1
        if depth > bestDepth {
            bestDepth = depth
            bestTip = tip
            bestStuck = nil
        }
        estimatedBytes += 8
        return true
    }

    private mutating func tryPartial(_ entry: Int32, _ operation: Int, _ partial: StateSet<M.State>) -> Bool {
        guard !partial.isEmpty, remember(CacheKey(linearized: linearized.key, states: partial)) else { return false }
        stack.append(Frame(entry: entry, operation: Int32(operation), kind: .partial, saved: states, untriedPartial: nil, tip: tip))
        states = partial
        return true
    }

    private func progress() -> SearchProgress {
        var order: [Int] = []
        var node = bestTip
        while node != -1 {
            order.append(Int(arenaOperation[Int(node)]))
            node = arenaParent[Int(node)]
        }
        return SearchProgress(longestLinearization: order.reversed(), stuckOperation: bestStuck)
    }

    mutating func run() -> SearchOutcome {
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(Swift.max(0, budget.seconds) * 1e9)
        var iterations = 0
        var entry = entries.first
        while true {
            if entries.first == -1 { return .linearizable }
            iterations &+= 1
            if iterations & 0x3FF == 0 {
                if estimatedBytes > budget.memoryBytes {
                    return .unknown(progress(), reason: "the memory budget of \(budget.memoryBytes >> 20) MiB ran out")
                }
                if MonotonicClock.nanoseconds() > deadline {
                    return .unknown(progress(), reason: "the time budget of \(budget.seconds) s ran out")
                }
            }
            // Past the last return entry only indeterminate calls remain; leaving them out is allowed.
            guard entry != -1 else { return .linearizable }
            let operation = Int(entries.entryOperation[Int(entry)])
            if !entries.entryIsReturn[Int(entry)] {
                guard let (completed, partial) = apply(operation) else {
                    return .unknown(progress(), reason: "the model allows more than \(Self.maximumStates) states at once")
                }
                if tryCompleted(entry, operation, completed, partial) || tryPartial(entry, operation, partial) {
                    entry = entries.first
                } else {
                    entry = entries.next[Int(entry)]
                }
                continue
            }
            if operations[operation].mayNeverHappen {
                // The deadline of an indeterminate operation: it took effect earlier (explored at its call) or never.
                var abandoned = StateSet<M.State>()
                for state in states.states { abandoned.insert(model.abandon(state, operations[operation].input)) }
                linearized.insert(operation)
                if remember(CacheKey(linearized: linearized.key, states: abandoned)) {
                    stack.append(Frame(entry: entry, operation: Int32(operation), kind: .abandoned, saved: states, untriedPartial: nil, tip: tip))
                    states = abandoned
                    entries.lift(operation)
                    entry = entries.first
                    continue
                }
                linearized.remove(operation)
            }
            if depth == bestDepth && bestStuck == nil { bestStuck = operation }
            // Backtrack to the most recent choice that has an alternative.
            while true {
                guard let frame = stack.popLast() else { return .notLinearizable(progress()) }
                states = frame.saved
                let op = Int(frame.operation)
                switch frame.kind {
                case .abandoned:
                    entries.unlift(op)
                    linearized.remove(op)
                    continue
                case .completed:
                    entries.unlift(op)
                    linearized.remove(op)
                    tip = frame.tip
                    depth -= 1
                    if let partial = frame.untriedPartial, tryPartial(frame.entry, op, partial) {
                        entry = entries.first
                    } else {
                        entry = entries.next[Int(frame.entry)]
                    }
                case .partial:
                    entry = entries.next[Int(frame.entry)]
                }
                break
            }
        }
    }
}
