/// Reads, checks and draws a trace file.
public enum TraceReport {
    public static func writeHTML(trace path: String, to output: String, budget: CheckBudget) throws(ReplayError) -> Void {
        let trace: Trace
        let report: CheckReport
        do {
            trace = try TraceInput.load(path: path)
            report = try TraceChecker.check(trace, name: path, budget: budget)
        } catch {
            throw .trace(error)
        }
        let html = HTMLReport.render(trace, report: report, title: "\(trace.header.scenario ?? trace.header.mechanism) — \(path)")
        do {
            try AtomicFile.write(Array(html.utf8), to: output)
        } catch {
            throw .harness(error)
        }
    }
}
