import Glibc

/// The text of `ipc-harness fuzz`: durations, the progress line and the summary table.
public enum FuzzText {
    /// Seconds in a duration such as `90`, `30s`, `5m`, `2h` or `1h30m`; nil when it is not one.
    public static func seconds(from text: String) -> Double? {
        if let plain = Double(text), plain >= 0 { return plain }
        var total = 0.0
        var number = ""
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && !text.isEmpty ? total : nil
    }

    /// `seconds` as a duration ``seconds(from:)`` reads back: 2s, 1m30s, 2h, 1d6h; 0.5s.
    public static func duration(_ seconds: Double) -> String {
        guard seconds == seconds.rounded(), seconds >= 0, seconds < 1e12 else { return "\(seconds)s" }
        var left = Int(seconds)
        var text = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where left >= size {
            text += "\(left / size)\(unit)"
            left %= size
        }
        return text.isEmpty ? "0s" : text
    }

    /// The session's first line: what it fuzzes, for how long, how, and the seed that makes it again.
    public static func header(_ options: FuzzOptions) -> String {
        let budget = [options.seconds.map { "for \(duration($0))" }, options.maxRuns.map { "for at most \($0) runs" }]
            .compactMap { $0 }.joined(separator: " ")
        let sharded = options.shard.count > 1 ? ", shard \(options.shard)" : ""
        let jobs = "\(options.jobs) job\(options.jobs == 1 ? "" : "s")"
        return "fuzzing \(options.scenarios.count) scenarios \(budget) with \(jobs) (seed \(options.seed)\(sharded), \(options.guided ? "coverage-guided" : "unguided"))"
    }

    /// Whether standard output is a terminal (a live line) or not (periodic plain lines).
    public static var outputIsTerminal: Bool { isatty(1) == 1 }

    /// Replaces the terminal's current line with `text` (written directly: stdout's buffer would hold a line
    /// that has no newline).
    public static func rewriteLine(_ text: String) {
        let bytes = Array(("\r\u{1B}[K" + text).utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    public static func progressLine(_ progress: FuzzProgress) -> String {
        "\(Int(progress.elapsed))s  runs \(progress.runs)  \(format(progress.runsPerSecond)) runs/s  violations \(progress.violations)  unknown \(progress.unknowns)  states \(progress.states)  transitions \(progress.transitions)"
    }

    public static func summary(_ summary: FuzzSummary) -> String {
        let width = max(8, summary.scenarios.map(\.scenario.name.count).max() ?? 0)
        var lines = ["scenario".padded(width) + "   runs  violations  unknown  note"]
        for row in summary.scenarios {
            var note = ""
            if row.violations > 0 { note = row.scenario.isBroken ? "expected (broken on purpose)" : "FOUND A BUG" }
            if row.scenario.isBroken && row.violations == 0 && row.runs > 0 { note = "broken on purpose, not caught" }
            lines.append(row.scenario.name.padded(width) + String(row.runs).leftPadded(7) + String(row.violations).leftPadded(12) + String(row.unknowns).leftPadded(9) + "  " + note)
        }
        let progress = summary.progress
        let dropped = summary.scenarios.reduce(0) { $0 + $1.droppedRuns }
        let droppedNote = dropped == 0 ? "" : " (and \(dropped) derived run\(dropped == 1 ? "" : "s") dropped: an edit the run's setup refused)"
        lines.append("\(progress.runs) runs in \(Int(progress.elapsed)) s (\(format(progress.runsPerSecond)) runs/s)\(droppedNote); \(progress.states) model states and \(progress.transitions) transitions covered")
        for row in summary.scenarios where row.violations > 0 {
            for trace in row.traces.prefix(3) {
                let state = trace.notShrunk.map { "not shrunk: " + $0 } ?? "shrunk"
                lines.append("\(row.scenario.name): \(trace.path) (\(state))\n  \(trace.reproduction)")
            }
        }
        for error in summary.errors { lines.append("error: \(error)") }
        return lines.joined(separator: "\n")
    }

    /// The merged summary of a session's shards: one table, the union of coverage, one line per kind of violation.
    public static func mergeSummary(_ merge: FuzzMerge) -> String {
        let width = max(8, merge.rows.map(\.scenario.count).max() ?? 0)
        var lines = ["scenario".padded(width) + "   runs  violations  unknown  note"]
        for row in merge.rows {
            var note = ""
            if row.violations > 0 { note = row.broken ? "expected (broken on purpose)" : "FOUND A BUG" }
            if row.broken && row.violations == 0 && row.runs > 0 { note = "broken on purpose, not caught" }
            lines.append(row.scenario.padded(width) + String(row.runs).leftPadded(7) + String(row.violations).leftPadded(12) + String(row.unknowns).leftPadded(9) + "  " + note)
        }
        let shards = merge.configuration.shards
        let longest = Int(merge.records.map(\.elapsed).max() ?? 0)
        let comparable = merge.configuration.deterministicHashing || shards == 1
            ? "" : " (not comparable across shards: they did not hash deterministically, so the union over-counts)"
        let dropped = merge.rows.reduce(0) { $0 + $1.droppedRuns }
        let droppedNote = dropped == 0 ? "" : " (and \(dropped) derived run\(dropped == 1 ? "" : "s") dropped)"
        lines.append("\(merge.runs) runs in \(shards) shard\(shards == 1 ? "" : "s") (the longest \(longest) s)\(droppedNote); \(merge.coverage.states.count) model states and \(merge.coverage.transitions.count) transitions covered (union)\(comparable)")
        lines.append("\(merge.kept.count) kind\(merge.kept.count == 1 ? "" : "s") of violation\(merge.duplicates > 0 ? "; \(merge.duplicates) found again by another shard, kept once" : "")")
        for entry in merge.kept {
            let state = entry.finding.notShrunk.map { "not shrunk: " + $0 } ?? "shrunk"
            let reproduction = entry.finding.reproduction.hasPrefix("replay: ")
                ? "replay: " + CommandLineText.replayCommand(entry.path) : entry.finding.reproduction
            let found = entry.shards.map(String.init).joined(separator: ",")
            lines.append("\(entry.finding.scenario): \(entry.path) (\(state), \(entry.finding.events) events; shard\(entry.shards.count == 1 ? "" : "s") \(found))\n  \(reproduction)")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
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
