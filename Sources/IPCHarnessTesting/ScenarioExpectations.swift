import IPCHarness
import IPCModels
public import Testing

/// Checking IPC behaviour from Swift Testing: run a scenario — a built-in one, or yours in your own worker
/// processes — or check a trace inside a `@Test`, and on failure record an issue that carries the explanation, the
/// trace written, and the exact command that replays it.
///
/// ```swift
/// import IPCHarnessTesting
/// import Testing
///
/// @Test func pipesKeepEveryByte() {
///     IPCHarnessExpectations.expectNoViolation(scenario: "pipe-write-all", runs: 50, seed: 7)
/// }
///
/// @Test func myPoolSurvivesKills() {
///     IPCHarnessExpectations.expectNoViolation(
///         MyScenarios.poolUnderKills, components: MyComponents.all, worker: "my-worker",
///         runs: 200, faults: FaultOptions(kinds: [.kill], killRate: 0.2), cli: "my-harness")
/// }
/// ```
public enum IPCHarnessExpectations {
    /// Runs a built-in (or registered) scenario by name; a violation, or a run the checker could not decide, is an
    /// issue.
    @discardableResult
    public static func expectNoViolation(
        scenario name: String, runs: Int = 20, seed: UInt64 = 1, strategy: StrategySpec = .random,
        traceDirectory: String = ".ipc-harness/traces", checkBudget: CheckBudget = CheckBudget(seconds: 60),
        mode: Scenario.Mode? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        guard let scenario = named(name, sourceLocation) else { return nil }
        return expectNoViolation(
            scenario, runs: runs, seed: seed, strategy: strategy, mode: mode, traceDirectory: traceDirectory,
            checkBudget: checkBudget, sourceLocation: sourceLocation)
    }

    /// Runs a scenario by name whose implementation is broken on purpose; not finding the bug is an issue.
    @discardableResult
    public static func expectViolation(
        scenario name: String, within runs: Int = 100, seed: UInt64 = 1, strategy: StrategySpec = .random,
        traceDirectory: String = ".ipc-harness/traces", checkBudget: CheckBudget = CheckBudget(seconds: 60),
        mode: Scenario.Mode? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        guard let scenario = named(name, sourceLocation) else { return nil }
        return expectViolation(
            scenario, within: runs, seed: seed, strategy: strategy, mode: mode, traceDirectory: traceDirectory,
            checkBudget: checkBudget, sourceLocation: sourceLocation)
    }

    /// Runs `scenario` — yours, say `Scenario.real(name:kind:implementation:summary:makeWorkload:)` over your kind
    /// or a client of a built-in one — `runs` times; a violation, a hang or a run the checker could not decide is an
    /// issue naming the trace and the command that replays it.
    ///
    /// - Parameters:
    ///   - components: your kinds, clients, models and invariants, registered in this process (your worker
    ///     registers the same ones: `IPCHarnessWorker.run(components)`).
    ///   - worker: the name of your worker executable (an executable target your test target depends on, so that
    ///     `swift test` builds it); nil: the harness's own `ipc-harness-worker`, which knows only the built-in kinds.
    ///   - faults: what to inject (`FaultOptions(kinds: [.eintr, .signal])`, `FaultOptions(kinds: [.kill],
    ///     killRate: 0.2)`); nil: the scenario's own.
    ///   - memory: how a simulation treats memory: nil or `.standard`, weak memory (the C11 model, the last 4 stores
    ///     of each word); `.sequentiallyConsistent`, interleavings only (a weak-memory bug passes).
    ///   - cli: the name of your command line built with `IPCHarnessCommand` (it knows your kinds), for the
    ///     replay line of a failure.
    @discardableResult
    public static func expectNoViolation(
        _ scenario: Scenario, components: HarnessComponents = .none, worker: String? = nil, runs: Int = 20,
        seed: UInt64 = 1, strategy: StrategySpec = .random, faults: FaultOptions? = nil, hangAfterSeconds: Double = 10,
        mode: Scenario.Mode? = nil, memory: MemoryModel? = nil, traceDirectory: String = ".ipc-harness/traces",
        checkBudget: CheckBudget = CheckBudget(seconds: 60), cli: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        let options = RunOptions(
            seed: seed, runs: runs, strategy: strategy, outputDirectory: traceDirectory, checkBudget: checkBudget,
            faults: faults, mode: mode, hangAfterSeconds: hangAfterSeconds, memory: memory)
        guard let summary = run(scenario, components: components, worker: worker, options: options, sourceLocation: sourceLocation)
        else { return nil }
        let command = cli ?? CommandLineText.commandName
        if let violation = summary.firstViolation {
            Issue.record(
                Comment(rawValue: "\(scenario.name): violation in run \(summary.runs) of \(runs) (run seed \(violation.seed))\n\(violation.explanation)\ntrace: \(violation.path)\n\(reproduction(summary, options, violation.seed, violation.path, command))"),
                sourceLocation: sourceLocation)
        } else if let unknown = summary.firstUnknown {
            Issue.record(
                Comment(rawValue: "\(scenario.name): undecided in run \(summary.runs) of \(runs) (run seed \(unknown.seed))\n\(unknown.explanation)\ntrace: \(unknown.path)\n\(reproduction(summary, options, unknown.seed, unknown.path, command))"),
                sourceLocation: sourceLocation)
        }
        return summary
    }

    /// Runs `scenario`, whose implementation is broken on purpose, until a run fails (at most `runs`); not finding
    /// the bug is an issue. The parameters are ``expectNoViolation(_:components:worker:runs:seed:strategy:faults:hangAfterSeconds:mode:memory:traceDirectory:checkBudget:cli:sourceLocation:)``'s.
    @discardableResult
    public static func expectViolation(
        _ scenario: Scenario, within runs: Int = 100, components: HarnessComponents = .none, worker: String? = nil,
        seed: UInt64 = 1, strategy: StrategySpec = .random, faults: FaultOptions? = nil, hangAfterSeconds: Double = 10,
        mode: Scenario.Mode? = nil, memory: MemoryModel? = nil, traceDirectory: String = ".ipc-harness/traces",
        checkBudget: CheckBudget = CheckBudget(seconds: 60), cli: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScenarioSummary? {
        let options = RunOptions(
            seed: seed, runs: runs, strategy: strategy, outputDirectory: traceDirectory, checkBudget: checkBudget,
            faults: faults, mode: mode, hangAfterSeconds: hangAfterSeconds, memory: memory)
        guard let summary = run(scenario, components: components, worker: worker, options: options, sourceLocation: sourceLocation)
        else { return nil }
        if summary.firstViolation == nil {
            let faultText = (faults ?? scenario.defaultFaults).isEmpty ? "" : ", faults \(faults ?? scenario.defaultFaults)"
            Issue.record(
                Comment(rawValue: "\(scenario.name): no violation in \(summary.runs) runs (seed \(seed), strategy \(strategy)\(faultText))"),
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
                    Comment(rawValue: "\(path): expected \(expected.rawValue), checked \(report.result.rawValue)\n\(report.explanation)\ncheck again: \(CommandLineText.commandName) check \(path)"),
                    sourceLocation: sourceLocation)
            }
            return report
        } catch {
            Issue.record(Comment(rawValue: "\(error)"), sourceLocation: sourceLocation)
            return nil
        }
    }

    private static func named(_ name: String, _ sourceLocation: SourceLocation) -> Scenario? {
        guard let scenario = Scenarios.named(name) else {
            Issue.record(Comment(rawValue: "no scenario named '\(name)' (see `ipc-harness list`)"), sourceLocation: sourceLocation)
            return nil
        }
        return scenario
    }

    private static func reproduction(
        _ summary: ScenarioSummary, _ options: RunOptions, _ seed: UInt64, _ path: String, _ command: String
    ) -> String {
        let mode = options.mode ?? summary.scenario.mode
        if mode == .threads {
            return "rerun: \(command) run \(summary.scenario.name) --seed \(seed) --runs 1 --strategy \(options.strategy)  \(CommandLineText.rerunCaveat)"
        }
        return "replay: \(command) replay \(path)\nshrink: \(command) shrink \(path)"
    }

    private static func run(
        _ scenario: Scenario, components: HarnessComponents, worker name: String?, options: RunOptions,
        sourceLocation: SourceLocation
    ) -> ScenarioSummary? {
        ProcessSetup.ignoreBrokenPipes()
        do {
            try components.register()
            // Only real mode starts worker processes; simulations and threads-mode runs happen in this process.
            var worker: WorkerCommand?
            if (options.mode ?? scenario.mode) == .real {
                worker = try name.map(WorkerLocator.workerCommand(named:)) ?? WorkerLocator.workerCommand()
            }
            return try ScenarioRunner.run(scenario, options: options, worker: worker)
        } catch {
            Issue.record(Comment(rawValue: "\(scenario.name): the harness could not run: \(error)"), sourceLocation: sourceLocation)
            return nil
        }
    }
}
