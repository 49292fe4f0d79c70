import IPCModels
import IPCSyscalls

/// Explains why an object's history admits no linearization.
///
/// 1. The shortest failing prefix: the earliest completion time T such that the operations invoked by T already
///    admit no linearization (operations still running at T may or may not have taken effect).
/// 2. A minimal core within that prefix: greedily relax each operation to indeterminate (any output, at any time
///    between its invoke and its return, or never) and keep it relaxed when the prefix still fails. What remains
///    is a set of operations whose recorded facts (that they happened, when, and what they returned) cannot all
///    be true, whatever the other operations did. A process's death is a fact and is never relaxed.
///
///    An operation relaxed to "or never" doubles the ways the search may reach each later point, so this costs
///    time exponential in the operations relaxed (on a queue prefix of 51 operations, searches with 23 relaxed
///    took 0.5 s each, and the explanation its whole 3 s, measured). So it is kept only when it finishes within
///    30 ms, as it does on small histories (the trace corpus explains as it always did). Past that the core is
///    minimised with operations relaxed to "any output, taking effect within the interval" — each search
///    then costs about what the check did — and one bounded search asks whether the stronger claim (the others
///    may also not have happened) holds too; the explanation states whichever claim it has.
/// 3. The longest linearizable prefix the search found, and the operation it could not get past.
struct ViolationExplainer<M: TraceModel> {
    typealias Operation = HistoryOperation<M.Input, M.Output>

    let model: M
    let object: String
    let operations: [Operation]
    /// How operations are pointed at: the trace's lines, or an imported history's own.
    let references: TraceReferences
    /// The states and steps the object's searches share (see ``StateTable``), handed from one search to the next.
    private let shared = SharedTable()

    private final class SharedTable {
        var table: StateTable<M>?
    }

    init(model: M, object: String, operations: [Operation], references: TraceReferences = TraceReferences()) {
        self.model = model
        self.object = object
        self.operations = operations
        self.references = references
    }

    /// Cores are minimised only for prefixes up to this many operations with known outputs.
    static var coreLimit: Int { 80 }

    /// Searches the operations invoked by `cutoff` (all when nil), with the operations in `relaxed` given any
    /// output and, when `relaxedMayNotHappen`, allowed to take no effect.
    func search(cutoff: UInt64?, relaxed: Set<Int>, relaxedMayNotHappen: Bool = true, budget: CheckBudget) -> SearchOutcome {
        searchWithCoverage(cutoff: cutoff, relaxed: relaxed, relaxedMayNotHappen: relaxedMayNotHappen, budget: budget).outcome
    }

    /// The search's outcome and the model states and transitions it stepped through.
    func searchWithCoverage(
        cutoff: UInt64?, relaxed: Set<Int>, relaxedMayNotHappen: Bool = true, budget: CheckBudget
    ) -> (outcome: SearchOutcome, coverage: Coverage) {
        let included = searchOperations(cutoff: cutoff, relaxed: relaxed, relaxedMayNotHappen: relaxedMayNotHappen)
        // Moved, not copied, into the search: a second reference would make its first step copy the whole table.
        let table = shared.table
        shared.table = nil
        let holder = InternedStates(
            table: (consume table) ?? StateTable(model: model, expectedOperations: operations.count),
            expectedOperations: included.count)
        var search = LinearizabilitySearch(
            holder: holder, initialState: model.initialState(of: object), operations: included, budget: budget)
        let outcome = search.run()
        shared.table = search.holder.table
        let coverage = search.coverage
        // Map positions in `included` back to positions in `operations`.
        let positions = operations.indices.filter { cutoff == nil || operations[$0].invokeTime <= cutoff! }
        func mapped(_ progress: SearchProgress) -> SearchProgress {
            SearchProgress(
                longestLinearization: progress.longestLinearization.map { positions[$0] },
                stuckOperation: progress.stuckOperation.map { positions[$0] })
        }
        switch outcome {
        case .linearizable: return (.linearizable, coverage)
        case .notLinearizable(let progress): return (.notLinearizable(mapped(progress)), coverage)
        case .unknown(let progress, let reason): return (.unknown(mapped(progress), reason: reason), coverage)
        }
    }

    /// The operations invoked by `cutoff` (all when nil) as the search takes them, with the operations in
    /// `relaxed` given any output and, when `relaxedMayNotHappen`, allowed to take no effect.
    func searchOperations(
        cutoff: UInt64?, relaxed: Set<Int>, relaxedMayNotHappen: Bool
    ) -> [SearchOperation<M.Input, M.Output>] {
        var included: [SearchOperation<M.Input, M.Output>] = []
        included.reserveCapacity(operations.count)
        // Fields read one by one: copying each whole operation (its object's name, its input and output) cost
        // more than the rest of this loop.
        for index in operations.indices {
            let invokeTime = operations[index].invokeTime
            if let cutoff, invokeTime > cutoff { continue }
            var searchOperation = SearchOperation(
                input: operations[index].input, output: operations[index].output,
                invokeTime: invokeTime, returnTime: nil, mayNeverHappen: true,
                name: model.operationName(of: operations[index].input), identity: index)
            switch operations[index].end {
            case .returned(let time) where relaxed.contains(index):
                // Any output (or, when asked, no effect at all), but not after it was seen to return.
                searchOperation.output = nil
                searchOperation.returnTime = time
                searchOperation.mayNeverHappen = relaxedMayNotHappen
            case .returned(let time) where cutoff.map({ time <= $0 }) ?? true:
                searchOperation.returnTime = time
                searchOperation.mayNeverHappen = false
            case .returned:
                searchOperation.output = nil
            case .indeterminate(let deadline):
                searchOperation.output = nil
                if let deadline, cutoff.map({ deadline <= $0 }) ?? true { searchOperation.returnTime = deadline }
            }
            included.append(searchOperation)
        }
        // A death comes after its process's own operations on the object (``HistoryOperation/isDeath``).
        let deaths = included.indices.filter { operations[included[$0].identity].isDeath }
        guard !deaths.isEmpty else { return included }
        var own: [Int: [Int32]] = [:]
        for position in included.indices where !operations[included[position].identity].isLifecycle {
            own[operations[included[position].identity].process, default: []].append(Int32(position))
        }
        for position in deaths {
            let death = operations[included[position].identity]
            included[position].after = (own[death.process] ?? []).filter { operations[included[Int($0)].identity].object == death.object }
        }
        return included
    }

    /// At most this long is spent minimising a core with operations relaxed to "or never" (see step 2).
    static var strongCoreSeconds: Double { 0.03 }

    /// At most this long is spent explaining one object's violation (the verdict is already known): past it, the
    /// explanation says what it has, with a core that may not be minimal.
    static var explanationSeconds: Double { 3 }

    func explain(progress: SearchProgress, budget: CheckBudget, into report: inout ObjectCheck) {
        let started = MonotonicClock.nanoseconds()
        let allowance = Swift.min(budget.seconds, Self.explanationSeconds)
        func elapsed() -> Double { Double(MonotonicClock.nanoseconds() - started) / 1e9 }
        func remaining(_ share: Double) -> CheckBudget {
            CheckBudget(seconds: Swift.max(0.02, Swift.min(share, allowance - elapsed())), memoryBytes: budget.memoryBytes)
        }

        // 1. The shortest failing prefix, by binary search over completion times. The check already knows where
        // it got stuck, and the prefix ending with that operation's return is usually the answer: probing it and
        // the prefix before it first costs one exhaustive search (a failing prefix's search must try every
        // order) and one that finds a linearization, where a plain bisection from the middle costs several of each.
        let cutoffs = Array(Set(operations.compactMap(\.returnTime))).sorted()
        var low = 0
        var high = cutoffs.count - 1
        var cutoff: UInt64? = nil
        func fails(_ index: Int) -> Bool {
            search(cutoff: cutoffs[index], relaxed: [], budget: remaining(1)).isViolation
        }
        if let stuck = progress.stuckOperation, let time = operations[stuck].returnTime,
            let guess = cutoffs.firstIndex(of: time)
        {
            if fails(guess) {
                cutoff = cutoffs[guess]
                high = guess - 1
                if guess == 0 || !fails(guess - 1) { low = guess } else { cutoff = cutoffs[guess - 1]; high = guess - 2 }
            } else {
                low = guess + 1
            }
        }
        while low <= high && !cutoffs.isEmpty && elapsed() < allowance {
            let middle = (low + high) / 2
            if fails(middle) {
                cutoff = cutoffs[middle]
                high = middle - 1
            } else {
                low = middle + 1
            }
        }
        let inPrefix = operations.indices.filter { cutoff == nil || operations[$0].invokeTime <= cutoff! }
        let observed = inPrefix.filter { index in
            let operation = operations[index]
            guard !operation.isLifecycle, operation.output != nil, let time = operation.returnTime else { return false }
            return cutoff == nil || time <= cutoff!
        }

        // 2. A minimal core: relax operations one at a time while the prefix still fails.
        var relaxed = Set<Int>()
        var strongerClaim: SearchOutcome?
        if observed.count <= Self.coreLimit {
            let strongAllowance = Swift.min(allowance, Self.strongCoreSeconds)
            var decided = true
            for index in observed {
                guard elapsed() < strongAllowance else {
                    decided = false
                    break
                }
                relaxed.insert(index)
                let outcome = search(
                    cutoff: cutoff, relaxed: relaxed, budget: remaining(strongAllowance - elapsed()))
                if case .notLinearizable = outcome { continue }
                relaxed.remove(index)
                if case .unknown = outcome {
                    decided = false
                    break
                }
            }
            if decided {
                strongerClaim = .notLinearizable(SearchProgress(longestLinearization: [], stuckOperation: nil))
            } else {
                relaxed = []
                for index in observed where elapsed() < allowance {
                    relaxed.insert(index)
                    if !search(cutoff: cutoff, relaxed: relaxed, relaxedMayNotHappen: false, budget: remaining(0.5)).isViolation {
                        relaxed.remove(index)
                    }
                }
                // It may be exponential (see above): a few times what the core took, from 20 to 30 ms.
                strongerClaim = search(cutoff: cutoff, relaxed: relaxed, budget: remaining(Swift.min(0.03, 4 * elapsed())))
            }
        }
        let core = observed.count <= Self.coreLimit ? observed.filter { !relaxed.contains($0) } : []

        // 3. Words.
        var lines: [String] = []
        let prefixEnd = cutoff.flatMap { time in
            operations.filter { $0.returnTime == time }.compactMap(\.completionIndex).max()
        }
        let recorded = operations.count { !$0.isLifecycle }
        let recordedInPrefix = inPrefix.filter { !operations[$0].isLifecycle }.count
        var opening = "object \(object): no linearization of its \(recorded) operations exists"
        if let prefixEnd, recordedInPrefix < recorded {
            opening += "; the \(recordedInPrefix) invoked by trace line \(prefixEnd + 2) already admit none"
        }
        lines.append(opening + ".")
        if !core.isEmpty {
            let others = recordedInPrefix - core.count
            switch strongerClaim {
            case .notLinearizable?:
                lines.append("These \(core.count) operations cannot all have happened as recorded, whatever the other \(others) returned (each taking effect within its recorded interval, or not at all):")
            case .linearizable?:
                lines.append("These \(core.count) operations cannot all have happened as recorded if the other \(others) each took effect within its recorded interval, whatever it returned (they could have if some of those took no effect at all):")
            default:
                lines.append("These \(core.count) operations cannot all have happened as recorded if the other \(others) each took effect within its recorded interval, whatever it returned (whether some of those taking no effect at all would allow them was not decided in time):")
            }
            for index in core { lines.append("  " + describe(index)) }
        }
        let order = progress.longestLinearization
        lines.append("The longest linearizable prefix found has \(order.count) of \(operations.count) operations (process exits included)\(order.isEmpty ? "" : ":")")
        let shown = order.suffix(12)
        if order.count > shown.count { lines.append("  … \(order.count - shown.count) earlier operations") }
        for (offset, index) in shown.enumerated() {
            lines.append("  \(order.count - shown.count + offset + 1). " + describe(index))
        }
        if let state = stateAfter(order) { lines.append("  state after it: " + state) }
        if let stuck = progress.stuckOperation {
            lines.append("No order lets this operation take effect before it returned: " + describe(stuck))
        }
        report.explanation = lines.joined(separator: "\n")
        report.coreEventIndices = core.compactMap { operations[$0].invokeIndex }
        report.linearizedEventIndices = order.compactMap { operations[$0].invokeIndex }
    }

    /// One operation in words, with the trace lines it spans.
    func describe(_ index: Int) -> String {
        let operation = operations[index]
        return "\(references.process(operation.process)): " + model.describe(operation.input, operation.output)
            + "  " + references.lines(invoke: operation.invokeIndex, completion: operation.completionIndex)
    }

    /// The model's state after the given operations in order, when replaying them is unambiguous.
    private func stateAfter(_ order: [Int]) -> String? {
        var states = [model.initialState(of: object)]
        for index in order {
            let operation = operations[index]
            var next: [M.State] = []
            for state in states {
                for step in model.step(state, operation.input, operation.output) {
                    if case .completed(let after) = step, !next.contains(after) { next.append(after) }
                }
            }
            guard !next.isEmpty else { return nil }
            states = next
        }
        guard states.count == 1 else { return nil }
        return model.describe(states[0])
    }
}
