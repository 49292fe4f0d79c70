/// Reads, checks and draws a trace file.
public enum TraceReport {
    public static func writeHTML(trace path: String, to output: String, budget: CheckBudget) throws(ReplayError) -> Void {
        let trace: Trace
        do {
            trace = try TraceInput.load(path: path)
        } catch {
            throw .trace(error)
        }
        try render(trace, name: path, to: output, budget: budget)
    }

    /// Checks and draws a trace already in memory — one converted from another tool's history, say — read with the
    /// rules `check` applies first, so a trace `check` refuses draws nothing. `name` names it in errors and the title.
    public static func writeHTML(_ trace: Trace, name: String, to output: String, budget: CheckBudget) throws(ReplayError) -> Void {
        do {
            try TraceInput.validate(trace, name: name)
        } catch {
            throw .trace(error)
        }
        try render(trace, name: name, to: output, budget: budget)
    }

    private static func render(_ trace: Trace, name: String, to output: String, budget: CheckBudget) throws(ReplayError) {
        let report: CheckReport
        do {
            report = try TraceChecker.check(trace, name: name, budget: budget)
        } catch {
            throw .trace(error)
        }
        let html = HTMLReport.render(trace, report: report, title: "\(trace.header.scenario ?? trace.header.mechanism) — \(name)")
        do {
            try AtomicFile.write(Array(html.utf8), to: output)
        } catch {
            throw .harness(error)
        }
    }
}
