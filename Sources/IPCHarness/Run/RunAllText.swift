/// The end of `run --all`: a table of every scenario (runs, verdict, whether that verdict is the expected one) and
/// the exit status it implies, so a reader of a long log need not scroll back through it.
extension CommandLineText {
    /// One scenario's line in the table: a summary of its runs, or why it was skipped.
    public enum RunAllRow: Sendable {
        case ran(ScenarioSummary)
        case skipped(Scenario, reason: String)
    }

    /// The exit status of `run --all`: 1 when a correct scenario showed a violation, else 3 when one was undecided,
    /// else 0 (broken scenarios are expected to fail; skipped ones count for nothing).
    public static func runAllStatus(_ rows: [RunAllRow]) -> Int32 {
        var status: Int32 = 0
        for case .ran(let summary) in rows {
            if summary.violations > 0 && !summary.scenario.isBroken { return 1 }
            if summary.unknowns > 0 && !summary.scenario.isBroken { status = 3 }
        }
        return status
    }

    public static func runAllSummary(_ rows: [RunAllRow]) -> String {
        func name(_ row: RunAllRow) -> String {
            switch row {
            case .ran(let summary): summary.scenario.name
            case .skipped(let scenario, _): scenario.name
            }
        }
        let width = max(8, rows.map { name($0).count }.max() ?? 0)
        var lines = ["scenario".padded(width) + "    runs  verdict        expected?"]
        var uncaught = 0
        var skipped = 0
        for row in rows {
            switch row {
            case .ran(let summary):
                let broken = summary.scenario.isBroken
                let verdict = summary.violations > 0 ? "VIOLATION" : summary.unknowns > 0 ? "undecided" : "no violation"
                let expected: String
                if summary.violations > 0 {
                    expected = broken ? "yes (broken on purpose)" : "NO: a correct scenario failed"
                } else if broken {
                    expected = "no: broken on purpose, not caught in these runs"
                    uncaught += 1
                } else {
                    expected = summary.unknowns > 0 ? "no: undecided" : "yes"
                }
                lines.append(
                    summary.scenario.name.padded(width) + String(summary.runs).leftPadded(8) + "  " + verdict.padded(13)
                        + "  " + expected)
            case .skipped(let scenario, let reason):
                skipped += 1
                lines.append(
                    scenario.name.padded(width) + "-".leftPadded(8) + "  " + "skipped".padded(13) + "  " + reason)
            }
        }
        let status = runAllStatus(rows)
        var last = "exit status \(status): "
        switch status {
        case 1: last += "a correct scenario showed a violation"
        case 3: last += "a correct scenario's run was undecided"
        default: last += "every correct scenario passed"
        }
        var notes: [String] = []
        if uncaught > 0 {
            notes.append("\(uncaught) broken scenario\(uncaught == 1 ? "" : "s") not caught in these runs")
        }
        if skipped > 0 { notes.append("\(skipped) skipped") }
        if !notes.isEmpty { last += " (" + notes.joined(separator: ", ") + ")" }
        lines.append(last)
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
