import IPCModels
import IPCSyscalls
import Synchronization

/// What a fuzzing session does.
public struct FuzzOptions: Sendable {
    public var seconds: Double
    public var scenarios: [Scenario]
    /// Runs executing at once (each with its own worker processes).
    public var jobs: Int
    public var outputDirectory: String
    public var seed: UInt64
    public var checkBudget: CheckBudget
    /// Seconds to spend shrinking each violation (0: save it unshrunk).
    public var shrinkSeconds: Double
    /// The mode every run uses (the scenarios must all run in it); nil: each run draws one of its scenario's modes.
    public var mode: Scenario.Mode?

    public init(
        seconds: Double, scenarios: [Scenario], jobs: Int = 1, outputDirectory: String = ".ipc-harness/fuzz",
        seed: UInt64, checkBudget: CheckBudget = CheckBudget(seconds: 30), shrinkSeconds: Double = 60, mode: Scenario.Mode? = nil
    ) {
        self.mode = mode
        self.seconds = seconds
        self.scenarios = scenarios
        self.jobs = jobs
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.checkBudget = checkBudget
        self.shrinkSeconds = shrinkSeconds
    }
}

/// How far a session has got, for the progress line.
public struct FuzzProgress: Sendable {
    public var elapsed: Double
    public var runs: Int
    public var violations: Int
    public var unknowns: Int
    public var states: Int
    public var transitions: Int

    public var runsPerSecond: Double { elapsed > 0 ? Double(runs) / elapsed : 0 }
}

/// One scenario's line in the summary.
public struct FuzzScenarioSummary: Sendable {
    public var scenario: Scenario
    public var runs = 0
    public var violations = 0
    public var unknowns = 0
    /// Saved traces of this scenario's violations (shrunk), first first.
    public var traces: [SavedTrace] = []
}

/// A violation's trace as fuzzing saved it, and how to see the failure again.
public struct SavedTrace: Sendable {
    public var path: String
    /// Why it was saved as it was found, when it was not shrunk (no time left, or its violation did not come back);
    /// nil for a shrunk trace. Unshrunk traces are named `….unshrunk.jsonl` and say so in their header.
    public var notShrunk: String?
    /// `replay: …` for a real-mode or simulation trace; `rerun: …` (same seed and strategy) where the OS schedules
    /// threads.
    public var reproduction: String
}

/// The end of a session.
public struct FuzzSummary: Sendable {
    public var progress: FuzzProgress
    public var scenarios: [FuzzScenarioSummary]
    /// Harness errors (a run that could not be set up), which end the session early.
    public var errors: [String]

    /// Violations in scenarios that are not broken on purpose: real findings.
    public var unexpectedViolations: Int {
        scenarios.filter { !$0.scenario.isBroken }.reduce(0) { $0 + $1.violations }
    }
}

/// Time-budgeted swarm testing: run after run, each with a scenario, a strategy and (when fault injection is
/// available to the scenario) a random subset of fault kinds, all drawn from the session's seed. The first
/// violation of each kind (scenario and failure signature) is shrunk and saved; repeats are counted. Several runs
/// execute at once with `jobs`.
public final class Fuzzer: Sendable {
    /// The strategies a run draws from (swarm: a run uses one of them).
    /// Every fault kind, for swarm runs.
    /// The faults the fuzzer may inject into `scenario`'s real-mode runs: every kind its objects' kinds all take.
    static func fuzzedFaults(_ scenario: Scenario) -> Set<FaultOptions.Kind> {
        scenario.kinds.compactMap(KindRegistry.kind(named:)).reduce(Set(FaultOptions.Kind.allCases)) { $0.intersection($1.fuzzedFaults) }
    }

    static let swarm = FaultOptions(kinds: Set(FaultOptions.Kind.allCases), swarm: true)

    public static let strategies: [StrategySpec] = [.random, .pct(depth: 1), .pct(depth: 2), .pct(depth: 3), .pct(depth: 5)]

    private struct State {
        var generator: SeededGenerator
        var progress: FuzzProgress
        var scenarios: [FuzzScenarioSummary]
        var coverage = Coverage()
        var errors: [String] = []
        /// Failures already saved, by scenario and signature: repeats are counted, not saved again.
        var seen = Set<String>()
    }

    private let options: FuzzOptions
    private let worker: WorkerCommand
    private let state: Mutex<State>
    private let start = MonotonicClock.nanoseconds()

    public init(options: FuzzOptions, worker: WorkerCommand) {
        self.options = options
        self.worker = worker
        state = Mutex(State(
            generator: SeededGenerator(seed: options.seed),
            progress: FuzzProgress(elapsed: 0, runs: 0, violations: 0, unknowns: 0, states: 0, transitions: 0),
            scenarios: options.scenarios.map { FuzzScenarioSummary(scenario: $0) }))
    }

    /// Runs the session; `progress` is called about every `interval` seconds from the calling thread.
    public func run(progressInterval interval: Double, progress: (FuzzProgress) -> Void) -> FuzzSummary {
        let threads = (0..<Swift.max(1, options.jobs)).map { _ in OSThread { [self] in work() } }
        let deadline = start + UInt64(options.seconds * 1e9)
        while MonotonicClock.nanoseconds() < deadline && state.withLock({ $0.errors.isEmpty }) {
            MonotonicClock.sleep(nanoseconds: UInt64(Swift.min(interval, Double(deadline - MonotonicClock.nanoseconds()) / 1e9) * 1e9))
            progress(currentProgress())
        }
        for thread in threads { thread.join() }
        return state.withLock { state in
            FuzzSummary(progress: currentProgress(state), scenarios: state.scenarios, errors: state.errors)
        }
    }

    private func currentProgress() -> FuzzProgress {
        state.withLock { currentProgress($0) }
    }

    private func currentProgress(_ state: State) -> FuzzProgress {
        var progress = state.progress
        progress.elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
        progress.states = state.coverage.states.count
        progress.transitions = state.coverage.transitions.count
        return progress
    }

    /// One worker thread: draw a run, execute it, record it; until the time is up.
    private func work() {
        let deadline = start + UInt64(options.seconds * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            typealias Draw = (index: Int, seed: UInt64, strategy: StrategySpec, mode: Scenario.Mode, faults: FaultOptions?)
            let drawn: Draw? = state.withLock { (state) -> Draw? in
                guard state.errors.isEmpty else { return nil }
                let index = state.generator.next(below: options.scenarios.count)
                let modes = options.scenarios[index].modes
                let seed = state.generator.next()
                let strategy = state.generator.pick(Self.strategies)
                let mode = options.mode ?? (modes.count > 1 ? state.generator.pick(modes) : modes[0])
                // Half the real runs of a scenario that can take faults run with a random subset of every kind.
                var faults: FaultOptions?
                if mode == .real, state.generator.chance(0.5) {
                    faults = Self.swarm.forRun(&state.generator).restricted(to: Self.fuzzedFaults(options.scenarios[index]))
                }
                return (index, seed, strategy, mode, faults)
            }
            guard let drawn else { return }
            let scenario = options.scenarios[drawn.index]
            do {
                let result = try ScenarioRunner.runOnce(
                    scenario, seed: drawn.seed, strategy: drawn.strategy, worker: worker,
                    checkBudget: options.checkBudget.withoutExplanations.recordingCoverage, faults: drawn.faults, mode: drawn.mode)
                var saved: (path: String, notShrunk: String?)?
                if result.report.result == .violation {
                    let key = scenario.name + "|" + Shrinker.signatures(of: result.report, in: result.trace).joined(separator: ";")
                    if state.withLock({ $0.seen.insert(key).inserted }) { saved = save(result, scenario: scenario) }
                }
                state.withLock { state in
                    state.progress.runs += 1
                    state.scenarios[drawn.index].runs += 1
                    state.coverage.formUnion(result.report.coverage)
                    switch result.report.result {
                    case .violation:
                        state.progress.violations += 1
                        state.scenarios[drawn.index].violations += 1
                        if let saved {
                            state.scenarios[drawn.index].traces.append(SavedTrace(
                                path: saved.path, notShrunk: saved.notShrunk,
                                reproduction: CommandLineText.reproduction(scenario, mode: drawn.mode, seed: drawn.seed, strategy: drawn.strategy, path: saved.path)))
                        }
                    case .unknown:
                        state.progress.unknowns += 1
                        state.scenarios[drawn.index].unknowns += 1
                    case .ok:
                        break
                    }
                }
            } catch {
                state.withLock { $0.errors.append("\(scenario.name) (seed \(drawn.seed)): \(error)") }
                return
            }
        }
    }

    /// Shrinks a violation (within the session's remaining time) and writes it: `<scenario>-<seed>.jsonl` when
    /// shrunk, `<scenario>-<seed>.unshrunk.jsonl` (its header saying `"shrunk": false` and why) when not; returns
    /// the path and why it was not shrunk, or nil if even writing failed.
    private func save(_ result: RunResult, scenario: Scenario) -> (path: String, notShrunk: String?)? {
        var best = result
        let remaining = Double(Int64(start + UInt64(options.seconds * 1e9)) - Int64(MonotonicClock.nanoseconds())) / 1e9
        let limit = Swift.min(options.shrinkSeconds, remaining)
        var notShrunk: String? = limit > 0 ? nil : "no time left to shrink it (--shrink-time \(options.shrinkSeconds))"
        if notShrunk == nil {
            do {
                let shrunk = try Shrinker.shrink(result.trace, worker: worker, budget: options.checkBudget, timeLimitSeconds: limit)
                if let why = shrunk.unshrunk { notShrunk = why } else { best = shrunk.result }
            } catch {
                notShrunk = "shrinking failed: \(error)"
            }
        }
        best.trace.header.extra[Self.shrunkKey] = .bool(notShrunk == nil)
        if let notShrunk {
            best.trace.header.extra[Self.notShrunkKey] = .string(notShrunk)
            best.trace.header.extra[Trace.expectationKey] = .string(Trace.Verdict.Result.violation.rawValue)
            if let explained = try? TraceChecker.check(best.trace, budget: options.checkBudget) {
                best.report = explained
                best.trace.verdict = explained.verdict
            }
        }
        let path = "\(options.outputDirectory)/\(scenario.name)-\(result.seed)\(notShrunk == nil ? "" : ".unshrunk").jsonl"
        do {
            try best.trace.write(to: path)
        } catch {
            return nil
        }
        return (path, notShrunk)
    }

    /// Header fields of a saved trace: whether it was shrunk, and why not.
    static let shrunkKey = "shrunk"
    static let notShrunkKey = "notShrunk"
}
