import IPCModels
import IPCSyscalls

/// Linearizability checking by Wing & Gong's backtracking search with Lowe's memoisation, as in porcupine: the
/// history is a doubly linked list of call and return entries in time order; the search linearizes any operation
/// whose call precedes the first remaining return, backtracks on reaching a return, and never revisits a
/// (linearized set, state) pair it has already explored.
///
/// Two extensions: an operation may take effect in pieces (``Step/partial(_:)``), staying in the list until a
/// completing step; and an indeterminate operation may be abandoned (never take effect) when the search reaches
/// its deadline entry, or simply left over when nothing else remains. And an operation may wait for others
/// (``SearchOperation/after``: a process's death for its own operations), skipped at its call until they are in.
///
/// How states and explored configurations are held is ``SearchStates``'s business. The checker's holder,
/// ``InternedStates``, numbers states and sets of states and remembers what each operation does to each set, so
/// the loop below moves 32-bit ids, its cache is a flat ``ConfigurationCache``, and after a model's states are
/// first met nothing in the loop hashes a model state, allocates or reference-counts. ``PlainStates`` holds them
/// as the first checker did; tests hold the two to the same outcomes. Coverage for fuzzing is recorded only when
/// the budget asks for it.
struct LinearizabilitySearch<Holder: SearchStates> {
    typealias M = Holder.M
    typealias Operation = SearchOperation<M.Input, M.Output>
    typealias SetID = Holder.States

    private enum FrameKind: UInt8 { case completed, partial, abandoned }

    private struct Frame {
        var entry: Int32
        var operation: Int32
        var saved: SetID
        /// The pieces to try after the completion is undone; the holder's empty set when there are none.
        var untriedPartial: SetID
        var tip: Int32
        var kind: FrameKind
    }

    private let operations: [Operation]
    private let budget: CheckBudget
    private var entries: EntryList
    /// The states met, the configurations explored.
    private(set) var holder: Holder
    private var states: SetID
    private var linearized: LinearizedSet
    private var stack: [Frame] = []
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

    /// A search of `operations` from `initialState`, its states and configurations held by `holder`.
    init(holder: Holder, initialState: M.State, operations: [Operation], budget: CheckBudget) {
        precondition(operations.count < 1 << 29, "a history of more than 2^29 operations on one object")
        self.operations = operations
        self.budget = budget
        self.holder = holder
        self.states = self.holder.initial(initialState)
        self.linearized = LinearizedSet(count: operations.count)
        self.entries = EntryList(invokeTimes: operations.map(\.invokeTime), returnTimes: operations.map(\.returnTime))
        stack.reserveCapacity(operations.count)
        arenaOperation.reserveCapacity(operations.count * 2)
        arenaParent.reserveCapacity(operations.count * 2)
    }

    /// The most model states the checker tracks at one point of the search before it gives up.
    static var maximumStates: Int { 1 << 16 }

    /// About how many bytes the search holds.
    private var estimatedBytes: Int {
        holder.estimatedBytes + stack.capacity * MemoryLayout<Frame>.stride + arenaOperation.capacity * 8
    }

    private mutating func tryCompleted(_ entry: Int32, _ operation: Int, _ completed: SetID, _ partial: SetID) -> Bool {
        guard !holder.isEmpty(completed) else { return false }
        linearized.insert(operation)
        guard holder.remember(linearized, completed) else {
            linearized.remove(operation)
            return false
        }
        stack.append(Frame(
            entry: entry, operation: Int32(operation), saved: states, untriedPartial: partial, tip: tip, kind: .completed))
        if budget.recordsCoverage { recordCoverage(from: states, operation: operation, to: completed) }
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
        return true
    }

    private mutating func recordCoverage(from: SetID, operation: Int, to: SetID) {
        let to = holder.coverageHash(of: to)
        coverage.states.insert(to)
        var transition = Hasher()
        transition.combine(holder.coverageHash(of: from))
        transition.combine(operations[operation].name)
        transition.combine(to)
        coverage.transitions.insert(transition.finalize())
    }

    private mutating func tryPartial(_ entry: Int32, _ operation: Int, _ partial: SetID) -> Bool {
        guard !holder.isEmpty(partial), holder.remember(linearized, partial) else { return false }
        stack.append(Frame(
            entry: entry, operation: Int32(operation), saved: states, untriedPartial: holder.empty, tip: tip,
            kind: .partial))
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
                if !operations[operation].after.allSatisfy({ linearized.contains(Int($0)) }) {
                    // Not yet: its process's own operations go first (or are abandoned first).
                    entry = entries.next[Int(entry)]
                    continue
                }
                guard let (completed, partial) = holder.step(states, operation: operations[operation], limit: Self.maximumStates) else {
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
                let abandoned = holder.abandon(states, operation: operations[operation])
                linearized.insert(operation)
                if holder.remember(linearized, abandoned) {
                    stack.append(Frame(
                        entry: entry, operation: Int32(operation), saved: states, untriedPartial: holder.empty,
                        tip: tip, kind: .abandoned))
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
                    if tryPartial(frame.entry, op, frame.untriedPartial) {
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
