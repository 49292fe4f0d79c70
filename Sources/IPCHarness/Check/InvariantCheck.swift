import IPCModels

/// Invariants beside linearizability: outputs a model forbids on their own (``Model/invariantViolation(_:_:)``),
/// such as a reader that saw reclaimed memory. Checked before the linearizability search because such an output
/// needs no search to condemn, and its explanation is better as "this read saw poison" than as "no order exists".
enum InvariantCheck {
    /// The violation report for an object when any of its operations breaks an invariant; nil when none does.
    static func check<M: TraceModel>(_ explainer: ViolationExplainer<M>) -> ObjectCheck? {
        let operations = explainer.operations
        var broken: [(index: Int, reason: String)] = []
        for (index, operation) in operations.enumerated() {
            guard let output = operation.output, let reason = explainer.model.invariantViolation(operation.input, output) else {
                continue
            }
            broken.append((index, reason))
        }
        guard !broken.isEmpty else { return nil }
        let recorded = operations.filter { !$0.isLifecycle }.count
        var report = ObjectCheck(object: explainer.object, result: .violation, operationCount: recorded)
        var lines = [
            "object \(explainer.object): \(broken.count) of its \(recorded) operations break an invariant of the \(M.name) model (no state allows what they returned):"
        ]
        let shown = broken.prefix(10)
        for (index, reason) in shown { lines.append("  " + explainer.describe(index) + ": " + reason) }
        if broken.count > shown.count { lines.append("  … and \(broken.count - shown.count) more") }
        report.explanation = lines.joined(separator: "\n")
        report.coreEventIndices = broken.compactMap { operations[$0.index].invokeIndex }
        return report
    }
}
