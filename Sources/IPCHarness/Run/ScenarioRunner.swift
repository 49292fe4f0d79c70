import CIPCShims
import IPCModels
import IPCSyscalls

/// Options for running a scenario.
public struct RunOptions: Sendable {
    public var seed: UInt64
    public var runs: Int
    public var strategy: StrategySpec
    /// Where violating traces are written.
    public var outputDirectory: String
    public var checkBudget: CheckBudget
    /// Stop at the first violation (as QuickCheck does) or keep going to count them.
    public var stopAtFirstViolation: Bool
    /// The faults to inject; nil: the scenario's own (none for most).
    public var faults: FaultOptions?
    /// The watchdog's limit (see ``ScenarioRun/hangAfterSeconds``).
    public var hangAfterSeconds: Double = 10
    /// The mode to run in; nil: each scenario's default.
    public var mode: Scenario.Mode?
    /// How simulations treat memory; nil: weak memory.
    public var memory: MemoryModel?

    public init(
        seed: UInt64, runs: Int = 1, strategy: StrategySpec = .random, outputDirectory: String = ".ipc-harness/traces",
        checkBudget: CheckBudget = CheckBudget(seconds: 30), stopAtFirstViolation: Bool = true, faults: FaultOptions? = nil,
        mode: Scenario.Mode? = nil, hangAfterSeconds: Double = 10, memory: MemoryModel? = nil
    ) {
        self.memory = memory
        self.hangAfterSeconds = hangAfterSeconds
        self.faults = faults
        self.mode = mode
        self.seed = seed
        self.runs = runs
        self.strategy = strategy
        self.outputDirectory = outputDirectory
        self.checkBudget = checkBudget
        self.stopAtFirstViolation = stopAtFirstViolation
    }
}

extension RunOptions {
    /// A seed for a run series nobody chose: from the clock, and printed so the series can be repeated.
    public static func freshSeed() -> UInt64 {
        var state = MonotonicClock.nanoseconds() ^ UInt64(UInt32(bitPattern: Syscall.processID))
        return SeededGenerator.splitMix64(&state) % 1_000_000_000
    }
}

/// What every harness process does first.
public enum ProcessSetup {
    /// A write to a pipe without readers must fail with `EPIPE`, not kill the process.
    public static func ignoreBrokenPipes() {
        Syscall.ignoreBrokenPipeSignal()
    }

    /// Standard output goes out line by line even into a pipe or a file (`run --all | cat`, a log): a run stopped or
    /// killed half-way has printed every line it finished, not lost a block of them in its buffer.
    public static func lineBufferedOutput() {
        ipc_line_buffer_stdout()
    }
}

/// One run: its seed, its trace (with the verdict) and the checker's report.
public struct RunResult: Sendable {
    public var seed: UInt64
    public var trace: Trace
    public var report: CheckReport
}

/// What running a scenario found.
public struct ScenarioSummary: Sendable {
    public var scenario: Scenario
    public var runs = 0
    public var violations = 0
    public var unknowns = 0
    /// The first violation: its run's seed, the trace written, and the explanation.
    public var firstViolation: (seed: UInt64, path: String, explanation: String)?
    public var firstUnknown: (seed: UInt64, path: String, explanation: String)?
    /// Under the exhaustive strategy: whether every schedule within the bound was run.
    public var explorationComplete: Bool?
    /// Runs whose check named a hazard (see ``CheckReport/hazards``), and the first one named.
    public var hazardRuns = 0
    public var firstHazard: String?

    public init(scenario: Scenario) {
        self.scenario = scenario
    }
}

/// Runs scenarios and writes the traces of runs that fail.
public enum ScenarioRunner {
    /// Runs `scenario` once with `seed` and checks the trace. `worker` is needed by real-mode scenarios.
    public static func runOnce(
        _ scenario: Scenario, seed: UInt64, strategy: StrategySpec, worker: WorkerCommand?, checkBudget: CheckBudget,
        faults: FaultOptions? = nil, hangAfterSeconds: Double = 10, schedulePrefix: [Int] = [], mode: Scenario.Mode? = nil,
        memory: MemoryModel? = nil, timingSeed: UInt64? = nil, slowProcessSeed: UInt64? = nil,
        slowProcess: Int? = nil
    ) throws(HarnessError) -> RunResult {
        let mode = mode ?? scenario.mode
        guard scenario.modes.contains(mode) else {
            throw HarnessError("scenario \(scenario.name) does not run in \(mode.rawValue) mode (it runs in \(scenario.modes.map(\.rawValue).joined(separator: ", ")))")
        }
        var run = ScenarioRun(
            seed: seed, strategy: strategy, worker: worker, mode: mode, faults: faults ?? scenario.defaultFaults,
            hangAfterSeconds: hangAfterSeconds, schedulePrefix: schedulePrefix, memory: memory)
        run.timingSeed = timingSeed
        run.slowProcessSeed = slowProcessSeed
        run.slowProcess = slowProcess
        let trace = try scenario.execute(run)
        return try check(trace, seed: seed, budget: checkBudget)
    }

    /// Checks a freshly recorded trace and attaches the verdict.
    static func check(_ trace: Trace, seed: UInt64, budget: CheckBudget) throws(HarnessError) -> RunResult {
        var trace = trace
        let report: CheckReport
        do {
            report = try TraceChecker.check(trace, budget: budget)
        } catch {
            throw HarnessError("the recorded trace does not read back (a harness bug): \(error)")
        }
        trace.verdict = report.verdict
        return RunResult(seed: seed, trace: trace, report: report)
    }

    /// Runs `scenario` `options.runs` times (run i uses ``SeededGenerator/runSeed(base:run:)``), writing the
    /// trace of every violating or undecided run to the output directory. `progress` hears about each run.
    /// Under the exhaustive strategy every run has the base seed (one workload) and its own schedule, and the
    /// runs stop early when the exploration is complete.
    public static func run(
        _ scenario: Scenario, options: RunOptions, worker: WorkerCommand?, progress: (Int, RunResult) -> Void = { _, _ in }
    ) throws(HarnessError) -> ScenarioSummary {
        var summary = ScenarioSummary(scenario: scenario)
        var explorer: Explorer?
        if case .exhaustive(let bound) = options.strategy {
            switch options.mode ?? scenario.mode {
            case .real: explorer = .real(ScheduleExplorer(preemptionBound: bound))
            case .sim: explorer = .sim(SimulationExplorer(bound: bound))
            case .threads:
                throw HarnessError("the exhaustive strategy explores worker-process and simulated runs; \(scenario.name) would run on threads the OS schedules (use a random or pct strategy)")
            }
            summary.explorationComplete = false
        }
        for run in 0..<options.runs {
            var seed = SeededGenerator.runSeed(base: options.seed, run: run)
            var prefix: [Int] = []
            if let explorer {
                guard let next = explorer.nextPrefix else { break }
                seed = options.seed
                prefix = next
            }
            let result = try runOnce(
                scenario, seed: seed, strategy: options.strategy, worker: worker, checkBudget: options.checkBudget,
                faults: options.faults, hangAfterSeconds: options.hangAfterSeconds, schedulePrefix: prefix, mode: options.mode,
                memory: options.memory)
            if explorer != nil {
                explorer!.record(result.trace)
                summary.explorationComplete = explorer!.isComplete
            }
            summary.runs += 1
            if let hazard = result.report.hazards.first {
                summary.hazardRuns += 1
                if summary.firstHazard == nil { summary.firstHazard = "run seed \(seed): " + hazard }
            }
            progress(run, result)
            switch result.report.result {
            case .ok:
                continue
            case .violation:
                summary.violations += 1
                let path = try write(result, scenario: scenario, directory: options.outputDirectory)
                if summary.firstViolation == nil {
                    summary.firstViolation = (seed, path, result.report.explanation)
                }
                if options.stopAtFirstViolation { return summary }
            case .unknown:
                summary.unknowns += 1
                let path = try write(result, scenario: scenario, directory: options.outputDirectory)
                if summary.firstUnknown == nil { summary.firstUnknown = (seed, path, result.report.explanation) }
            }
        }
        return summary
    }

    /// The exhaustive strategy's search: over worker-process invocations, or over a simulation's decisions.
    private enum Explorer {
        case real(ScheduleExplorer)
        case sim(SimulationExplorer)

        var nextPrefix: [Int]? {
            switch self {
            case .real(let explorer): explorer.nextPrefix
            case .sim(let explorer): explorer.nextPrefix
            }
        }

        var isComplete: Bool { nextPrefix == nil }

        mutating func record(_ trace: Trace) {
            switch self {
            case .real(var explorer):
                explorer.record(trace)
                self = .real(explorer)
            case .sim(var explorer):
                explorer.record(trace)
                self = .sim(explorer)
            }
        }
    }

    /// Writes a run's trace as `<directory>/<scenario>-<seed>.jsonl`.
    public static func write(_ result: RunResult, scenario: Scenario, directory: String) throws(HarnessError) -> String {
        let path = "\(directory)/\(scenario.name)-\(result.seed).jsonl"
        do {
            try result.trace.write(to: path)
        } catch {
            throw HarnessError("cannot write the trace: \(error)")
        }
        return path
    }
}
