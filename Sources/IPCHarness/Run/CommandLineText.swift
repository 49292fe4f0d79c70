import IPCModels
import Synchronization

/// The text the command line prints, built here so the CLI stays a thin layer of argument parsing.
public enum CommandLineText {
    private static let name = Mutex("ipc-harness")

    /// The command line that reproduces what this process reports: `ipc-harness`, or a user's own CLI built from
    /// `IPCHarnessCommand` (which sets it), since only that one knows the user's kinds.
    public static var commandName: String {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }

    /// Exit statuses: 0 no violation, 1 violation, 2 bad input or usage, 3 undecided (budget ran out).
    public static func exitStatus(for result: Trace.Verdict.Result) -> Int32 {
        switch result {
        case .ok: 0
        case .violation: 1
        case .unknown: 3
        }
    }

    /// What each exit status of a subcommand means, for its `--help`.
    public static func exitStatusHelp(_ command: String) -> String {
        let statuses: String
        switch command {
        case "shrink":
            statuses = """
                0 nothing to shrink (the trace has no violation), 1 shrunk (the violation kept), 2 bad input or usage \
                (one line naming the file and line), 3 undecided (the violation did not come back, or the budget ran out)
                """
        case "report":
            statuses = "0 the page was written, 2 bad input or usage (one line naming the file and line; nothing is written)"
        case "import":
            statuses = "0 converted (the trace is written), 2 bad input or usage (one line naming the file and line; nothing is written)"
        case "clean", "list", "bench":
            statuses = "0 done, 2 bad usage"
        case "fuzz":
            statuses = """
                0 no violation in a scenario not broken on purpose, 1 one showed a violation (broken ones are expected \
                to), 2 bad usage or a run failed to start
                """
        default:
            statuses = """
                0 no violation, 1 violation (the trace is written and named), 2 bad input or usage (one line; for a \
                trace, naming the file and line), 3 undecided (the checker's budget ran out, or a worker hung)
                """
        }
        return "Exit status: \(statuses). 129, 130, 143: stopped by SIGHUP, SIGINT or SIGTERM, after removing the run's objects."
    }

    /// `ipc-harness list`: one scenario per line: name, mode, model, and what it does.
    public static func scenarioList() -> String {
        let width = Scenarios.all.map(\.name.count).max() ?? 0
        func modes(_ scenario: Scenario) -> String { scenario.modes.map(\.rawValue).joined(separator: "+") }
        let modeWidth = Scenarios.all.map { modes($0).count }.max() ?? 0
        let modelWidth = Scenarios.all.map(\.model.count).max() ?? 0
        return Scenarios.all.map { scenario in
            scenario.name.padding(width) + "  " + modes(scenario).padding(modeWidth) + "  "
                + scenario.model.padding(modelWidth) + "  " + scenario.summary
        }.joined(separator: "\n")
    }

    /// The command that replays a trace.
    public static func replayCommand(_ path: String) -> String {
        "\(commandName) replay \(shellQuoted(path))"
    }

    /// The command that repeats one run of a scenario whose traces cannot be replayed event by event (threads
    /// mode: the same programs and delays, while the OS schedules the threads afresh).
    public static func rerunCommand(_ scenario: Scenario, mode: Scenario.Mode, seed: UInt64, strategy: StrategySpec) -> String {
        "\(commandName) run \(shellQuoted(scenario.name)) --seed \(seed) --runs 1 --strategy \(strategy)"
            + (scenario.modes.count > 1 ? " --mode \(mode.rawValue)" : "")
    }

    /// What a threads-mode rerun repeats, said plainly: it is not a replay.
    public static let rerunCaveat = "(the same programs and delays; the OS schedules the threads, so a rerun may not meet the race again: run it a few times)"

    /// The last line of a failure: how to reproduce it. Real-mode and simulation traces replay event by event;
    /// a threads-mode run is rerun from its seed.
    public static func reproduction(
        _ scenario: Scenario, mode: Scenario.Mode, seed: UInt64, strategy: StrategySpec, path: String
    ) -> String {
        mode == .threads
            ? "rerun: " + rerunCommand(scenario, mode: mode, seed: seed, strategy: strategy) + "  " + rerunCaveat
            : "replay: " + replayCommand(path)
    }

    /// The report of one scenario's runs.
    public static func summary(_ summary: ScenarioSummary, options: RunOptions) -> String {
        let name = summary.scenario.name
        // Faults are injected into worker processes only: a simulation or threads run has its scenario's own.
        let mode = options.mode ?? summary.scenario.mode
        let faults = mode == .real ? options.faults ?? summary.scenario.defaultFaults : summary.scenario.defaultFaults
        var withFaults = faults.isEmpty ? "" : ", faults \(faults)"
        if mode == .sim, let memory = options.memory, memory != .standard { withFaults += ", memory model \(memory)" }
        if let violation = summary.firstViolation {
            return """
                \(name): VIOLATION in run \(summary.runs) of \(options.runs) (run seed \(violation.seed), strategy \(options.strategy)\(withFaults))
                \(violation.explanation)
                trace: \(violation.path)
                \(reproduction(summary.scenario, mode: options.mode ?? summary.scenario.mode, seed: violation.seed, strategy: options.strategy, path: violation.path))
                """
        }
        var text = "\(name): no violation in \(summary.runs) runs (seed \(options.seed), strategy \(options.strategy)\(withFaults))"
        switch summary.explorationComplete {
        case true?: text += "; every schedule within the bound explored"
        case false?: text += "; exploration incomplete: more schedules remain (raise --runs)"
        case nil: break
        }
        if let hazard = summary.firstHazard {
            text += "\nhazards (not violations) in \(summary.hazardRuns) run\(summary.hazardRuns == 1 ? "" : "s"); the first: \(hazard)"
        }
        if let unknown = summary.firstUnknown {
            text += "\n\(summary.unknowns) runs undecided; the first: \(unknown.explanation)\ntrace: \(unknown.path)\n"
                + reproduction(
                    summary.scenario, mode: options.mode ?? summary.scenario.mode, seed: unknown.seed, strategy: options.strategy,
                    path: unknown.path)
        }
        return text
    }

    /// The report of a check.
    /// The report of `check`; `format` is the `--format` a history recorded elsewhere was read with.
    public static func checkReport(_ report: CheckReport, path: String, replayable: Bool, format: String? = nil) -> String {
        var text: String
        switch report.result {
        case .ok: text = "ok: " + report.explanation
        case .violation: text = "VIOLATION\n" + report.explanation
        case .unknown: text = "UNKNOWN\n" + report.explanation
        }
        if report.result != .ok {
            let formatArgument = format.map { " --format \($0)" } ?? ""
            text += "\n" + (replayable ? "replay: " + replayCommand(path) : "check again: \(commandName) check\(formatArgument) \(shellQuoted(path))")
        }
        return text
    }

    /// The one line `import` prints on standard error: what was read, what it became, where it went.
    public static func importSummary(_ trace: Trace, path: String, writtenTo: String?) -> String {
        var source = "history"
        if case .object(let object)? = trace.header.extra["source"], case .string(let form)? = object["format"] { source = form }
        let operations = trace.events.filter { $0.type == .invoke }.count
        let indeterminate = trace.events.filter { $0.type == .info }.count
        let objects = Set(trace.events.compactMap(\.object)).count
        return "imported \(path) (\(source)): \(operations) operation\(operations == 1 ? "" : "s") (\(indeterminate) indeterminate) on \(objects) object\(objects == 1 ? "" : "s"), model \(trace.header.model), \(trace.events.count) events → \(writtenTo ?? "standard output")"
    }

    /// The report of a replay.
    public static func replayReport(_ replay: ReplayResult, path: String, writtenTo: String?) -> String {
        var lines: [String] = []
        let result = replay.result.report.result
        if let recorded = replay.recordedVerdict {
            lines.append(recorded == result ? "replayed: same verdict (\(result.rawValue))" : "replayed: verdict \(result.rawValue), recorded \(recorded.rawValue)")
        } else {
            lines.append("replayed: verdict \(result.rawValue)")
        }
        if let first = replay.divergences.first {
            lines.append("diverged: \(first)")
            if replay.divergences.count > 1 { lines.append("(\(replay.divergences.count - 1) further divergences)") }
        } else {
            lines.append("every operation completed as recorded")
        }
        if result != .ok { lines.append(replay.result.report.explanation) }
        if let writtenTo { lines.append("replayed trace: \(writtenTo)") }
        lines.append("replay: " + replayCommand(path))
        return lines.joined(separator: "\n")
    }

    /// The report of `ipc-harness clean`.
    public static func cleanReport(_ report: LeftoverCleaner.Report, dryRun: Bool) -> String {
        var lines = report.removed.map { (dryRun ? "would remove " : "removed ") + $0 }
        lines += report.failed.map { "could not remove " + $0 }
        if let problem = report.ledgerProblem { lines.append("ledgers not read: " + problem) }
        if report.removed.isEmpty && report.failed.isEmpty { lines.append("nothing left behind by ended runs") }
        if report.liveRuns > 0 { lines.append("\(report.liveRuns) run\(report.liveRuns == 1 ? " is" : "s are") still going; left alone") }
        return lines.joined(separator: "\n")
    }

    static func shellQuoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:=@".contains($0) }
        return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
