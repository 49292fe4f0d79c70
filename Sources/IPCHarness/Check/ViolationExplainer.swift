import IPCModels
import IPCSyscalls

/// Explains why an object's history admits no linearization.
///
/// 1. The shortest failing prefix: the earliest completion time T such that the operations invoked by T already
///    admit no linearization (operations still running at T may or may not have taken effect).
/// 2. A minimal core within that prefix: greedily relax each operation to indeterminate (any output, at any time
///    between its invoke and its return, or never) and keep it relaxed when the prefix still fails. What remains is a set of
///    operations whose recorded facts (that they happened, when, and what they returned) cannot all be true,
///    whatever the other operations did. A process's death is a fact and is never relaxed.
/// 3. The longest linearizable prefix the search found, and the operation it could not get past.
struct ViolationExplainer<M: TraceModel> {
    typealias Operation = HistoryOperation<M.Input, M.Output>

    let model: M
    let object: String
    let operations: [Operation]

    /// Cores are minimised only for prefixes up to this many operations with known outputs.
    static var coreLimit: Int { 80 }

    /// Searches the operations invoked by `cutoff` (all when nil), with the operations in `relaxed` made
    /// indeterminate.
    func search(cutoff: UInt64?, relaxed: Set<Int>, budget: CheckBudget) -> SearchOutcome {
        searchWithCoverage(cutoff: cutoff, relaxed: relaxed, budget: budget).outcome
    }

    /// The search's outcome and the model states and transitions it stepped through.
    func searchWithCoverage(cutoff: UInt64?, relaxed: Set<Int>, budget: CheckBudget) -> (outcome: SearchOutcome, coverage: Coverage) {
        var included: [SearchOperation<M.Input, M.Output>] = []
        for (index, operation) in operations.enumerated() {
            if let cutoff, operation.invokeTime > cutoff { continue }
            var searchOperation = SearchOperation(
                input: operation.input, output: operation.output,
                invokeTime: operation.invokeTime, returnTime: nil, mayNeverHappen: true,
                name: model.operationName(of: operation.input))
            switch operation.end {
            case .returned(let time) where relaxed.contains(index):
                // Any output, or no effect at all, but not after it was seen to return.
                searchOperation.output = nil
                searchOperation.returnTime = time
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
        var search = LinearizabilitySearch(
            model: model, initialState: model.initialState(of: object), operations: included, budget: budget)
        let outcome = search.run()
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

        // 1. The shortest failing prefix, by binary search over completion times.
        let cutoffs = Array(Set(operations.compactMap(\.returnTime))).sorted()
        var low = 0
        var high = cutoffs.count - 1
        var cutoff: UInt64? = nil
        while low <= high && !cutoffs.isEmpty && elapsed() < allowance {
            let middle = (low + high) / 2
            if search(cutoff: cutoffs[middle], relaxed: [], budget: remaining(1)).isViolation {
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
        if observed.count <= Self.coreLimit {
            for index in observed where elapsed() < allowance {
                relaxed.insert(index)
                if !search(cutoff: cutoff, relaxed: relaxed, budget: remaining(0.5)).isViolation {
                    relaxed.remove(index)
                }
            }
        }
        let core = observed.count <= Self.coreLimit ? observed.filter { !relaxed.contains($0) } : []

        // 3. Words.
        var lines: [String] = []
        let prefixEnd = cutoff.flatMap { time in
            operations.filter { $0.returnTime == time }.compactMap(\.completionIndex).max()
        }
        let recorded = operations.filter { !$0.isLifecycle }.count
        let recordedInPrefix = inPrefix.filter { !operations[$0].isLifecycle }.count
        var opening = "object \(object): no linearization of its \(recorded) operations exists"
        if let prefixEnd, recordedInPrefix < recorded {
            opening += "; the \(recordedInPrefix) invoked by trace line \(prefixEnd + 2) already admit none"
        }
        lines.append(opening + ".")
        if !core.isEmpty {
            let others = recordedInPrefix - core.count
            lines.append("These \(core.count) operations cannot all have happened as recorded, whatever the other \(others) returned (each taking effect within its recorded interval, or not at all):")
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
        var text = "process \(operation.process): " + model.describe(operation.input, operation.output)
        switch (operation.invokeIndex, operation.completionIndex) {
        case (let invoke?, let completion?): text += "  [lines \(invoke + 2)–\(completion + 2)]"
        case (let invoke?, nil): text += "  [line \(invoke + 2), never completed]"
        default: text += "  [derived from the process's exit]"
        }
        return text
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
