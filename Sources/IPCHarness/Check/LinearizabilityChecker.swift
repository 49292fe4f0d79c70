import IPCModels
import IPCSyscalls

/// Checks histories against models: linearizability per object (P-compositionality), within a budget, and with
/// violations explained in words.
public enum LinearizabilityChecker {
    /// Checks every object of `history`. The budget covers the whole check.
    public static func check<M: TraceModel>(_ history: History<M>, budget: CheckBudget = .standard) -> CheckReport {
        let started = MonotonicClock.nanoseconds()
        var objects: [ObjectCheck] = []
        for (object, operations) in history.partitions() {
            let elapsed = Double(MonotonicClock.nanoseconds() - started) / 1e9
            var remaining = budget
            remaining.seconds = Swift.max(0.001, budget.seconds - elapsed)
            objects.append(checkObject(history.model, object: object, operations: operations, budget: remaining, references: history.references))
        }
        let result: Trace.Verdict.Result =
            objects.contains { $0.result == .violation } ? .violation
            : objects.contains { $0.result == .unknown } ? .unknown : .ok
        return CheckReport(model: M.name, result: result, objects: objects)
    }

    static func checkObject<M: TraceModel>(
        _ model: M, object: String, operations: [HistoryOperation<M.Input, M.Output>], budget: CheckBudget,
        references: TraceReferences = TraceReferences()
    ) -> ObjectCheck {
        let explainer = ViolationExplainer(model: model, object: object, operations: operations, references: references)
        let (outcome, coverage) = explainer.searchWithCoverage(cutoff: nil, relaxed: [], budget: budget)
        let recorded = operations.count { !$0.isLifecycle }
        var report = ObjectCheck(object: object, result: .ok, operationCount: recorded)
        report.coverage = coverage
        switch outcome {
        case .linearizable:
            break
        case .notLinearizable(let progress):
            report.result = .violation
            report.stuckEventIndex = progress.stuckOperation.flatMap { operations[$0].invokeIndex }
            if budget.explainsViolations {
                explainer.explain(progress: progress, budget: budget, into: &report)
            } else {
                report.linearizedEventIndices = progress.longestLinearization.compactMap { operations[$0].invokeIndex }
                report.explanation = "object \(object): no linearization of its \(recorded) operations exists (not explained)"
            }
        case .unknown(let progress, let reason):
            report.result = .unknown
            report.linearizedEventIndices = progress.longestLinearization.compactMap { operations[$0].invokeIndex }
            report.explanation = "object \(object): undecided: \(reason) after linearizing \(progress.longestLinearization.count) of \(operations.count) operations (including process exits)"
        }
        return report
    }
}
