import IPCHarness
import IPCModels
public import Testing

/// Checking IPC behaviour from Swift Testing: run a scenario or check a trace inside a `@Test`, and on failure
/// record an issue that carries the explanation, the trace written, and the exact command that replays it.
///
/// ```swift
/// import IPCHarnessTesting
/// import Testing
///
/// @Test func pipesKeepEveryByte() {
///     IPCHarnessExpectations.expectNoViolation(scenario: "pipe-write-all", runs: 50, seed: 7)
/// }
/// ```
public enum IPCHarnessExpectations {
    /// Runs a built-in scenario; a violation (or a run the checker could not decide) is an issue.
    @discardableResult
    public static func expectNoViolation(
        scenario name: String, runs: Int = 20, seed: UInt64 = 1, strategy: StrategySpec = .random,
        traceDirectory: String = ".ipc-harness/traces", checkBudget: CheckBudget = CheckBudget(seconds: 60),
        mode: Scenario.Mode? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        guard let summary = run(name, runs: runs, seed: seed, strategy: strategy, traceDirectory: traceDirectory, checkBudget: checkBudget, mode: mode, sourceLocation: sourceLocation) else {
            return nil
        }
        if let violation = summary.firstViolation {
            Issue.record(
                Comment(rawValue: "\(name): violation (run seed \(violation.seed))\n\(violation.explanation)\ntrace: \(violation.path)\nreplay: \(CommandLineText.replayCommand(violation.path))"),
                sourceLocation: sourceLocation)
        } else if let unknown = summary.firstUnknown {
            Issue.record(
                Comment(rawValue: "\(name): undecided (run seed \(unknown.seed))\n\(unknown.explanation)\ntrace: \(unknown.path)\nreplay: \(CommandLineText.replayCommand(unknown.path))"),
                sourceLocation: sourceLocation)
        }
        return summary
    }

    /// Runs a scenario whose implementation is broken on purpose; not finding the bug is an issue.
    @discardableResult
    public static func expectViolation(
        scenario name: String, within runs: Int = 100, seed: UInt64 = 1, strategy: StrategySpec = .random,
        traceDirectory: String = ".ipc-harness/traces", checkBudget: CheckBudget = CheckBudget(seconds: 60),
        mode: Scenario.Mode? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        guard let summary = run(name, runs: runs, seed: seed, strategy: strategy, traceDirectory: traceDirectory, checkBudget: checkBudget, mode: mode, sourceLocation: sourceLocation) else {
            return nil
        }
        if summary.firstViolation == nil {
            Issue.record(
                Comment(rawValue: "\(name): no violation in \(summary.runs) runs (seed \(seed), strategy \(strategy)); rerun: ipc-harness run \(name) --seed \(seed) --runs \(runs) --strategy \(strategy)"),
                sourceLocation: sourceLocation)
        }
        return summary
    }

    /// Checks a trace file; a verdict other than `expected` is an issue.
    @discardableResult
    public static func expectTrace(
        at path: String, toBe expected: Trace.Verdict.Result, checkBudget: CheckBudget = CheckBudget(seconds: 60),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> CheckReport? {
        do {
            let report = try TraceChecker.check(path: path, budget: checkBudget)
            if report.result != expected {
                Issue.record(
                    Comment(rawValue: "\(path): expected \(expected.rawValue), checked \(report.result.rawValue)\n\(report.explanation)\ncheck again: ipc-harness check \(path)"),
                    sourceLocation: sourceLocation)
            }
            return report
        } catch {
            Issue.record(Comment(rawValue: "\(error)"), sourceLocation: sourceLocation)
            return nil
        }
    }

    private static func run(
        _ name: String, runs: Int, seed: UInt64, strategy: StrategySpec, traceDirectory: String, checkBudget: CheckBudget,
        mode: Scenario.Mode?, sourceLocation: SourceLocation
    ) -> ScenarioSummary? {
        guard let scenario = Scenarios.named(name) else {
            Issue.record(Comment(rawValue: "no scenario named '\(name)' (see `ipc-harness list`)"), sourceLocation: sourceLocation)
            return nil
        }
        ProcessSetup.ignoreBrokenPipes()
        do {
            let options = RunOptions(
                seed: seed, runs: runs, strategy: strategy, outputDirectory: traceDirectory, checkBudget: checkBudget, mode: mode)
            // Simulations need no worker processes.
            let worker = (mode ?? scenario.mode) == .real ? try WorkerLocator.workerCommand() : nil
            return try ScenarioRunner.run(scenario, options: options, worker: worker)
        } catch {
            Issue.record(Comment(rawValue: "\(name): the harness could not run: \(error)"), sourceLocation: sourceLocation)
            return nil
        }
    }
}
