import IPCModels
import IPCSyscalls
import Synchronization

/// What a fuzzing session does.
public struct FuzzOptions: Sendable {
    /// How long the session may run; nil: no time limit (it ends by `maxRuns`, `stopAtFirstViolation` or an error).
    public var seconds: Double?
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
    /// Coverage-guided (the default): a scenario's fresh runs take the mode, strategy, slow process and faults its
    /// runs have come nearest their bugs with (``GenerationArms``), and some of its runs — as many as come near — are
    /// derived from its corpus of runs that reached new coverage (``ScenarioCorpus``, ``FuzzMutator``); unguided,
    /// every run is drawn afresh, all of it from its seed.
    public var guided: Bool
    /// Which part of the session this process makes (see ``FuzzShard``).
    public var shard: FuzzShard
    /// Stop after this many runs executed (whatever time is left): a session whose size does not depend on speed.
    /// A derived run whose edit its own setup refuses does not execute, and neither counts nor uses up the budget.
    public var maxRuns: Int?
    /// Stop at the first violation (benchmarks measure how long it takes).
    public var stopAtFirstViolation: Bool
    /// Whether violations are saved (shrunk when time allows) to `outputDirectory`.
    public var savesTraces: Bool

    public init(
        seconds: Double?, scenarios: [Scenario], jobs: Int = 1, outputDirectory: String = ".ipc-harness/fuzz",
        seed: UInt64, checkBudget: CheckBudget = CheckBudget(seconds: 30), shrinkSeconds: Double = 60, mode: Scenario.Mode? = nil,
        guided: Bool = true, shard: FuzzShard = .whole, maxRuns: Int? = nil, stopAtFirstViolation: Bool = false,
        savesTraces: Bool = true
    ) {
        self.guided = guided
        self.shard = shard
        self.maxRuns = maxRuns
        self.stopAtFirstViolation = stopAtFirstViolation
        self.savesTraces = savesTraces
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
    /// The first violation: after how many of this scenario's runs (counting it) and how many seconds of the session.
    public var firstViolation: (runs: Int, seconds: Double)?
    /// Runs derived from the corpus (the rest were generated afresh), and runs the corpus kept.
    public var derivedRuns = 0
    public var corpusAdmissions = 0
    /// Derived runs drawn that did not execute (their edit refused by the run's own setup): not counted in `runs`.
    public var droppedRuns = 0
    /// The model states and transitions this scenario's runs covered (hashes; comparable across processes only
    /// under deterministic hashing, see ``DeterministicHashing``).
    public var coverage = Coverage()
}

/// A violation's trace as fuzzing saved it, and how to see the failure again.
public struct SavedTrace: Sendable {
    public var path: String
    /// The violation's stable signature (see ``FuzzFinding/signature(scenario:checks:)``): what makes two findings
    /// the same kind, across shards too.
    public var signature: String
    /// Events in the saved trace (shorter is better: merging keeps the shortest of a kind).
    public var events: Int
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
    /// Every model state and transition the session's runs covered (hashes).
    public var coverage = Coverage()

    /// Violations in scenarios that are not broken on purpose: real findings.
    public var unexpectedViolations: Int {
        scenarios.filter { !$0.scenario.isBroken }.reduce(0) { $0 + $1.violations }
    }
}

/// Time- (or run-) budgeted swarm testing: run after run, each with a scenario, a strategy and (when fault injection
/// is available to the scenario) a random subset of fault kinds. A fresh run draws all of that from its own seed, the
/// shard's next (``FuzzShard``); guided, some of the runs of a scenario whose corpus has entries are derived from one
/// (``GenerationArms``, ``ScenarioCorpus``, ``FuzzMutator``), and a run that reached a new feature or one of the highest
/// values of an invariant metric joins the corpus. The first violation
/// of each kind (scenario and failure signature) is shrunk and saved; repeats are counted. Several runs execute at
/// once with `jobs`.
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
        /// Each scenario's corpus (guided sessions), by scenario index.
        var corpora: [ScenarioCorpus]
        /// Each scenario's arms: how its fresh runs are generated (guided sessions), by scenario index.
        var arms: [GenerationArms]
        /// Fresh runs drawn so far (their numbers within the shard pick their seeds), and runs drawn in all (a run's
        /// number, which names its saved trace).
        var freshDraws = 0
        var started = 0
        /// Drawn runs that did not execute (an edit the run's setup refused): not counted as runs, nor against
        /// `maxRuns`.
        var dropped = 0
        /// Worker threads that have stopped; the session ends when all have.
        var stoppedThreads = 0
        var stop = false
    }

    private let options: FuzzOptions
    private let worker: WorkerCommand
    private let state: Mutex<State>
    private let start = MonotonicClock.nanoseconds()

    /// When the session's time is up, on the monotonic clock: never without a time limit (nor past what the clock can
    /// count), so a session bounded by runs alone needs no stand-in for "forever".
    private var deadline: UInt64 {
        guard let seconds = options.seconds, seconds * 1e9 < Double(UInt64(1) << 62) else { return .max }
        return start + UInt64(seconds * 1e9)
    }

    public init(options: FuzzOptions, worker: WorkerCommand) {
        self.options = options
        self.worker = worker
        state = Mutex(State(
            generator: options.shard.choiceGenerator(session: options.seed),
            progress: FuzzProgress(elapsed: 0, runs: 0, violations: 0, unknowns: 0, states: 0, transitions: 0),
            scenarios: options.scenarios.map { FuzzScenarioSummary(scenario: $0) },
            corpora: options.scenarios.map { _ in ScenarioCorpus() },
            arms: options.scenarios.map { _ in GenerationArms() }))
    }

    /// Runs the session; `progress` is called about every `interval` seconds from the calling thread.
    public func run(progressInterval interval: Double, progress: (FuzzProgress) -> Void) -> FuzzSummary {
        // A record left in the directory by an earlier session must not stand for this one: were this session to
        // die before writing its own, `fuzz merge` would take the stale record for its result.
        try? Syscall.unlink(options.outputDirectory + "/" + FuzzRecord.fileName)
        let jobs = Swift.max(1, options.jobs)
        let threads = (0..<jobs).map { _ in
            OSThread { [self] in
                work()
                state.withLock { $0.stoppedThreads += 1 }
            }
        }
        var nextReport = MonotonicClock.nanoseconds() + UInt64(interval * 1e9)
        // Short naps, so a session bounded by runs ends as soon as its last run does; progress every `interval`.
        while MonotonicClock.nanoseconds() < deadline && state.withLock({ $0.errors.isEmpty && $0.stoppedThreads < jobs }) {
            let now = MonotonicClock.nanoseconds()
            MonotonicClock.sleep(nanoseconds: Swift.min(50_000_000, deadline - Swift.min(deadline, now)))
            if MonotonicClock.nanoseconds() >= nextReport {
                progress(currentProgress())
                nextReport += UInt64(interval * 1e9)
            }
        }
        for thread in threads { thread.join() }
        return state.withLock { state in
            var scenarios = state.scenarios
            for index in scenarios.indices {
                scenarios[index].coverage = state.corpora[index].coverage
                scenarios[index].corpusAdmissions = state.corpora[index].admitted
            }
            return FuzzSummary(progress: currentProgress(state), scenarios: scenarios, errors: state.errors, coverage: state.coverage)
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

    /// One worker thread: draw a run, execute it, record it; until the time or the runs are up.
    private func work() {
        while MonotonicClock.nanoseconds() < deadline {
            guard let (index, run) = draw() else { return }
            let scenario = options.scenarios[index]
            let result: RunResult
            do {
                guard let executed = try run.execute(
                    scenario, worker: worker, budget: options.checkBudget.withoutExplanations.recordingCoverage)
                else {
                    state.withLock {
                        $0.dropped += 1
                        $0.scenarios[index].droppedRuns += 1
                    }
                    continue
                }
                result = executed
            } catch {
                state.withLock { $0.errors.append("\(scenario.name) (seed \(run.seed)): \(error)") }
                return
            }
            record(result, of: run, scenario: index)
        }
    }

    /// The next run, numbered: which scenario, and a fresh run or (guided, once the scenario's corpus has entries,
    /// as its arms decide, ``GenerationArms/drawsDerived(_:)``) one derived from the corpus; a
    /// guided fresh run takes the arm ``GenerationArms`` chooses. Nil when the session is over.
    private func draw() -> (Int, FuzzRun)? {
        let drawn = state.withLock { (state) -> (index: Int, number: Int, fresh: FuzzRun?, parent: CorpusEntry?, leads: Bool, strategy: StrategySpec, partners: [CorpusEntry], mutationSeed: UInt64)? in
            guard state.errors.isEmpty, !state.stop else { return nil }
            // `maxRuns` counts runs executed: a drawn run that turns out not to execute gives its turn back.
            if let maxRuns = options.maxRuns, state.started - state.dropped >= maxRuns { return nil }
            state.started += 1
            let number = state.started
            let index = state.generator.next(below: options.scenarios.count)
            let corpus = state.corpora[index]
            if options.guided, !corpus.entries.isEmpty, state.arms[index].drawsDerived(&state.generator),
                let parent = state.corpora[index].pick(&state.generator)
            {
                let leads = state.corpora[index].leaderIDs.contains(parent.id)
                let strategy = state.corpora[index].pickStrategy(from: Self.strategies, &state.generator)
                return (index, number, nil, parent, leads, strategy, state.corpora[index].partners(of: parent), state.generator.next())
            }
            let seed = options.shard.freshSeed(session: options.seed, draw: state.freshDraws)
            state.freshDraws += 1
            var (scenarioIndex, run) = fresh(seed: seed)
            if options.guided, state.arms[scenarioIndex].hasPlayed {
                // Guided, the arm that has brought this scenario's runs nearest their bugs (``GenerationArms``);
                // the workload stays the seed's. The scenario's first run is the seed's own, as unguided.
                let scenario = options.scenarios[scenarioIndex]
                let arm = state.arms[scenarioIndex].choose(
                    modes: options.mode.map { [$0] } ?? scenario.modes, faultable: !Self.fuzzedFaults(scenario).isEmpty, &state.generator)
                run = run.under(arm, strategies: Self.strategies, swarmFaults: { Self.swarmFaults(scenario, seed: seed) }, &state.generator)
            }
            run.number = number
            return (scenarioIndex, number, run, nil, false, .random, [], 0)
        }
        guard let drawn else { return nil }
        if let fresh = drawn.fresh { return (drawn.index, fresh) }
        // Mutating happens outside the lock (it parses the parent's trace), from a generator the draw split off.
        var generator = SeededGenerator(seed: drawn.mutationSeed)
        var run = FuzzMutator.derive(
            from: drawn.parent!, partners: drawn.partners, scenario: options.scenarios[drawn.index], leads: drawn.leads,
            strategy: drawn.strategy,
            generator: &generator)
        run.number = drawn.number
        run.parent = drawn.parent!.id
        return (drawn.index, run)
    }

    /// A fresh run: everything about it — scenario, strategy, mode, faults — drawn from its own seed, so the run a
    /// seed names is the same whichever shard makes it and however the session is split (N shards of an unguided
    /// session make exactly the runs of the whole session).
    private func fresh(seed: UInt64) -> (Int, FuzzRun) {
        var generator = SeededGenerator(seed: seed ^ 0xBB67_AE85_84CA_A73B)
        let index = generator.next(below: options.scenarios.count)
        let scenario = options.scenarios[index]
        let strategy = generator.pick(Self.strategies)
        let mode = options.mode ?? (scenario.modes.count > 1 ? generator.pick(scenario.modes) : scenario.modes[0])
        // Half the real runs of a scenario that can take faults run with a random subset of every kind.
        var faults: FaultOptions?
        if mode == .real, generator.chance(0.5) {
            faults = Self.swarm.forRun(&generator).restricted(to: Self.fuzzedFaults(scenario))
        }
        return (index, FuzzRun(seed: seed, strategy: strategy, mode: mode, faults: faults))
    }

    /// A swarm subset of the faults `scenario` takes, for a fresh run whose seed did not draw one (``GenerationArms``
    /// chose it), drawn from the seed; nil when the subset has none of them (the run then has the scenario's own).
    static func swarmFaults(_ scenario: Scenario, seed: UInt64) -> FaultOptions? {
        var generator = SeededGenerator(seed: seed ^ 0x3C6E_F372_FE94_F82B)
        return swarm.forRun(&generator).restricted(to: fuzzedFaults(scenario))
    }

    /// Counts a run, grows the corpus with it when it reached something new, and saves a violation of a new kind.
    private func record(_ result: RunResult, of run: FuzzRun, scenario index: Int) {
        let scenario = options.scenarios[index]
        var saved: SavedTrace?
        if result.report.result == .violation, options.savesTraces {
            let signature = FuzzFinding.signature(scenario: scenario.name, checks: Shrinker.signatures(of: result.report, in: result.trace))
            if state.withLock({ $0.seen.insert(signature).inserted }) {
                saved = save(result, run: run, scenario: scenario, signature: signature)
            }
        }
        let traceFeatures = Self.killFeatures(result.trace)
        let modelMetrics = ModelMetrics.metrics(of: result.trace)
        state.withLock { state in
            state.progress.runs += 1
            state.scenarios[index].runs += 1
            if run.mutation != nil { state.scenarios[index].derivedRuns += 1 }
            state.coverage.formUnion(result.report.coverage)
            let gain = state.corpora[index].record(
                result.report, extraFeatures: traceFeatures, extraMetrics: modelMetrics, edited: run.edit != nil, strategy: run.strategy)
            if let parent = run.parent, run.edit == nil { state.corpora[index].recordOffspring(of: parent, metrics: gain.metrics) }
            if options.guided, run.mutation == nil {
                state.arms[index].learnProcesses(of: result.trace)
                state.arms[index].record(
                    GenerationArm(run: run, trace: result.trace, faultable: !Self.fuzzedFaults(scenario).isEmpty), metrics: gain.metrics,
                    violation: result.report.result == .violation, novel: gain.isNew)
            } else if options.guided {
                state.arms[index].recordDerived(climbed: !gain.raised.isEmpty, violation: result.report.result == .violation)
            }
            if options.guided, gain.isNew {
                state.corpora[index].admit(
                    CorpusEntry(
                        seed: run.seed, strategy: run.strategy, mode: run.mode, faults: run.faults, timingSeed: run.timingSeed,
                        slowProcessSeed: run.slowProcessSeed, slowProcess: run.slowProcess, edited: run.edit != nil, trace: result.trace,
                        gain: 0),
                    gain: gain)
            }
            switch result.report.result {
            case .violation:
                state.progress.violations += 1
                state.scenarios[index].violations += 1
                if state.scenarios[index].firstViolation == nil {
                    state.scenarios[index].firstViolation = (state.scenarios[index].runs, Double(MonotonicClock.nanoseconds() - start) / 1e9)
                }
                if options.stopAtFirstViolation { state.stop = true }
                if let saved { state.scenarios[index].traces.append(saved) }
            case .unknown:
                state.progress.unknowns += 1
                state.scenarios[index].unknowns += 1
            case .ok:
                break
            }
        }
    }

    /// Shrinks a violation (within the session's remaining time) and writes it: `<scenario>-<seed>.jsonl` when
    /// shrunk, `<scenario>-<seed>.unshrunk.jsonl` (its header saying `"shrunk": false` and why) when not; returns
    /// the path and why it was not shrunk, or nil if even writing failed.
    private func save(_ result: RunResult, run: FuzzRun, scenario: Scenario, signature: String) -> SavedTrace? {
        var best = result
        let remaining = Double(deadline - Swift.min(deadline, MonotonicClock.nanoseconds())) / 1e9
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
        // A derived run shares its parent's seed (and may fail another check): its name says which mutation of it
        // this is, and its number, given when it was drawn, keeps two of the same seed apart.
        let edited = run.mutation.map { "-\($0)-\(run.number)" } ?? ""
        let path = "\(options.outputDirectory)/\(scenario.name)-\(result.seed)\(edited)\(notShrunk == nil ? "" : ".unshrunk").jsonl"
        do {
            try best.trace.write(to: path)
        } catch {
            return nil
        }
        // A run the seed alone makes is rerun from it; an edited or retimed one is replayed from its trace.
        let reproduction = run.edit == nil && run.timingSeed == nil && run.slowProcess == nil
            ? CommandLineText.reproduction(scenario, mode: run.mode, seed: run.seed, strategy: run.strategy, path: path)
            : "replay: " + CommandLineText.replayCommand(path)
        return SavedTrace(path: path, signature: signature, events: best.trace.events.count, notShrunk: notShrunk, reproduction: reproduction)
    }

    /// Features of a run's kills (any mode): which operation each killed process was inside (`kill:in:receive`),
    /// or which it had finished last and how (`kill:after:receive:ok`, or `kill:after:start`). A process that dies between
    /// taking work and acknowledging it is the run a crash-consistency bug needs, and no model state says so before
    /// the bug shows; these features let the corpus keep the first run of each such kind.
    static func killFeatures(_ trace: Trace) -> [String] {
        var inside: [Int: String] = [:]
        var finished: [Int: String] = [:]
        var features = Set<String>()
        for event in trace.events {
            switch event.type {
            case .invoke:
                inside[event.process] = event.f ?? "?"
            case .ok, .fail:
                if let f = inside.removeValue(forKey: event.process) { finished[event.process] = "\(f):\(event.type.rawValue)" }
            case .info:
                if let f = inside.removeValue(forKey: event.process) { features.insert("kill:in:\(f)") }
            case .kill:
                if let f = inside[event.process] {
                    features.insert("kill:in:\(f)")
                } else {
                    features.insert("kill:after:\(finished[event.process] ?? "start")")
                }
            default:
                break
            }
        }
        return features.sorted()
    }

    /// Header fields of a saved trace: whether it was shrunk, and why not.
    static let shrunkKey = "shrunk"
    static let notShrunkKey = "notShrunk"
}
