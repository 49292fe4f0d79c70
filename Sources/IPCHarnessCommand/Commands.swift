import ArgumentParser
import Glibc
import IPCHarness

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in scenarios: name, mode, model, summary.", discussion: CommandLineText.exitStatusHelp("list"))

    func run() {
        print(CommandLineText.scenarioList())
    }
}

/// Options every running command shares.
struct RunningOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seconds the checker may spend on one history before answering 'unknown'.")
    var budget: Double = 30

    @Option(help: "Megabytes the checker's search may hold before answering 'unknown' (default: three quarters of the memory the machine has available).")
    var memory: Int?

    var checkBudget: CheckBudget {
        CheckBudget(seconds: budget, memoryBytes: memory.map { $0 << 20 } ?? CheckBudget.machineMemoryBytes)
    }

    func validate() throws {
        guard budget > 0 else { throw ValidationError("--budget must be positive") }
        if let memory { guard memory > 0, memory < 1 << 40 else { throw ValidationError("--memory must be a positive number of megabytes") } }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario (or every scenario with --all) and check each run against its model.", discussion: CommandLineText.exitStatusHelp("run"))

    @Argument(help: "The scenario to run (see `ipc-harness list`).")
    var scenario: String?

    @Flag(help: "Run every scenario; broken ones are expected to fail, so only a correct one failing exits 1.")
    var all = false

    @Option(parsing: .unconditional, help: "The seed of the first run (default: from the clock; printed).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "How many runs.")
    var runs: Int = 20

    @Option(help: "Scheduling strategy: random, pct or pct:DEPTH, or exhaustive or exhaustive:PREEMPTIONS (every schedule of the seed's workload with at most that many preemptions, default 2, one per run).")
    var strategy: String = "random"

    @Option(help: "Where traces of failing runs are written.")
    var out: String = ".ipc-harness/traces"

    @Option(help: "Faults to inject in real mode: a comma-separated list of eintr, eagain, enomem, short, delay, signal, signal-restart, kill; all; or none (default: the scenario's own, none for most).")
    var faults: String?

    @Option(name: .customLong("kill-rate"), parsing: .unconditional, help: "The chance, at each point the driver decides, that it SIGKILLs a worker (implies kill; default 0.04).")
    var killRate: Double?

    @Flag(help: "Swarm testing: each run enables a random subset of the fault kinds.")
    var swarm = false

    @Option(name: .customLong("hang-after"), parsing: .unconditional, help: "Kill a worker still running (not asleep) inside one operation after this many seconds and report the run as a hang (exit 3).")
    var hangAfter: Double = 10

    @Option(help: "real (worker processes), sim (in-process simulation) or threads (OS threads in this process); default: each scenario's first mode.")
    var mode: String?

    @Option(name: .customLong("memory-model"), help: "How a simulation treats memory: weak (the C11 model: a load may read any store coherence and happens-before allow, four per word), weak:N (N stores per word), or sc (sequential consistency: interleavings only). Default weak.")
    var memoryModel: String?

    @OptionGroup var running: RunningOptions

    /// The faults the options ask for; nil when they name none (each scenario's own apply).
    func faultOptions() throws -> FaultOptions? {
        guard faults != nil || killRate != nil || swarm else { return nil }
        do {
            return try FaultOptions(parsing: faults ?? (swarm ? "all" : nil), killRate: killRate, swarm: swarm)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func validate() throws {
        if let mode {
            guard let chosen = Scenario.Mode(rawValue: mode) else { throw ValidationError("unknown mode '\(mode)' (use real, sim or threads)") }
            if let scenario, let found = Scenarios.named(scenario), !found.modes.contains(chosen) {
                throw ValidationError("scenario \(scenario) does not run in \(mode) mode (it runs in \(found.modes.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        guard StrategySpec(strategy) != nil else {
            throw ValidationError("unknown strategy '\(strategy)' (use random, pct, pct:DEPTH with DEPTH from 1 to 64, exhaustive, or exhaustive:PREEMPTIONS with PREEMPTIONS from 0 to 16)")
        }
        if let memoryModel, MemoryModel(memoryModel) == nil {
            throw ValidationError("unknown memory model '\(memoryModel)' (use weak, weak:N with N from 2 to 64, or sc)")
        }
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        if try faultOptions() != nil, let scenario, let found = Scenarios.named(scenario) {
            let runsIn = mode.flatMap(Scenario.Mode.init(rawValue:)) ?? found.mode
            guard runsIn == .real else {
                throw ValidationError("--faults, --kill-rate and --swarm inject into worker processes; \(scenario) runs in \(runsIn.rawValue) mode (they apply to real-mode runs only)")
            }
        }
        guard hangAfter > 0 else { throw ValidationError("--hang-after must be positive") }
        guard all || scenario != nil else { throw ValidationError("name a scenario (see `ipc-harness list`) or pass --all") }
        guard !(all && scenario != nil) else { throw ValidationError("name a scenario or pass --all, not both") }
        if let scenario, Scenarios.named(scenario) == nil {
            throw ValidationError("no scenario named '\(scenario)' (see `ipc-harness list`)")
        }
        if let scenario, let found = Scenarios.named(scenario),
            let reason = ScenarioAvailability.reason(found, mode: mode.flatMap(Scenario.Mode.init(rawValue:)))
        {
            throw ValidationError("scenario \(scenario) cannot run here: \(reason)")
        }
    }

    func run() throws {
        let chosenMode = mode.flatMap(Scenario.Mode.init(rawValue:))
        var options = RunOptions(
            seed: seed ?? RunOptions.freshSeed(), runs: runs, strategy: StrategySpec(strategy)!,
            outputDirectory: out, checkBudget: running.checkBudget, faults: try faultOptions(), mode: chosenMode,
            memory: memoryModel.flatMap(MemoryModel.init))
        options.hangAfterSeconds = hangAfter
        let worker = try CommandWorker.command()
        var scenarios = all ? Scenarios.all : [Scenarios.named(scenario!)!]
        if let chosenMode { scenarios = scenarios.filter { $0.modes.contains(chosenMode) } }
        var status: Int32 = 0
        var rows: [CommandLineText.RunAllRow] = []
        for scenario in scenarios {
            if all, let reason = ScenarioAvailability.reason(scenario, mode: chosenMode) {
                print("\(scenario.name): skipped: \(reason)")
                rows.append(.skipped(scenario, reason: reason))
                continue
            }
            let summary = try ScenarioRunner.run(scenario, options: options, worker: worker)
            print(CommandLineText.summary(summary, options: options))
            rows.append(.ran(summary))
            if summary.violations > 0 && (!all || !scenario.isBroken) { status = 1 }
            if all && scenario.isBroken && summary.violations == 0 {
                print("note: \(scenario.name) is broken on purpose, but these \(summary.runs) runs did not catch it")
            }
            if status == 0 && summary.unknowns > 0 { status = 3 }
        }
        if all {
            print("\n" + CommandLineText.runAllSummary(rows))
            status = CommandLineText.runAllStatus(rows)
        }
        throw ExitCode(status)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a trace against the model its header names.", discussion: CommandLineText.exitStatusHelp("check"))

    @Argument(help: "The trace file (JSON Lines, format version 1), or another tool's history with --format.")
    var trace: String

    @OptionGroup var history: HistoryFormatOption

    @OptionGroup var running: RunningOptions

    func run() throws {
        let report = try TraceInput.check(path: trace, format: history.historyFormat, budget: running.checkBudget)
        let replayable = history.historyFormat == .trace && Replayer.isReplayable(path: trace)
        print(CommandLineText.checkReport(report, path: trace, replayable: replayable, format: history.argument))
        throw ExitCode(CommandLineText.exitStatus(for: report.result))
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-execute a trace's run: same workload, same invocation order, same kills; report the verdict or where it diverged.", discussion: CommandLineText.exitStatusHelp("replay"))

    @Argument(help: "The trace file to replay.")
    var trace: String

    @Option(help: "Also write the replayed run's trace here.")
    var out: String?

    @OptionGroup var running: RunningOptions

    func run() throws {
        let result = try Replayer.replay(path: trace, worker: try CommandWorker.command(), checkBudget: running.checkBudget)
        if let out { try result.result.trace.write(to: out) }
        print(CommandLineText.replayReport(result, path: trace, writtenTo: out))
        throw ExitCode(CommandLineText.exitStatus(for: result.result.report.result))
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (figures, not tests).", discussion: CommandLineText.exitStatusHelp("bench"),
        subcommands: [TraceCheckBench.self, CheckerBench.self, TraceBench.self, SimulationBench.self, ABABench.self, RealBench.self, RCUBench.self, ImportBench.self, MechanismsBench.self, FuzzBench.self])
}

struct FuzzBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Coverage guidance measured: runs and seconds to the first violation of each scenario broken on purpose, guided versus unguided, medians over seeds 1-N.")

    @Flag(help: "Print JSON (every attempt) instead of a table.")
    var json = false

    /// Parsed once, as the argument is read: the names looked up, an unknown one refused with its name.
    @Option(help: "Comma-separated scenario names (default: every scenario broken on purpose that can run here).", transform: FuzzBench.scenarioList)
    var scenarios: [Scenario]?

    @Option(parsing: .unconditional, help: "Seeds per scenario and variant (the median is over them).")
    var seeds: Int = 20

    @Option(name: .customLong("first-seed"), parsing: .unconditional, help: "The first seed (the sessions use seeds S to S+N-1): check on other seeds what was measured on 1-N.")
    var firstSeed: UInt64 = 1

    @Option(name: .customLong("max-runs"), parsing: .unconditional, help: "A session that has not found a violation after this many runs stops (counted as more than any found).")
    var maxRuns: Int = 3000

    @Option(name: .customLong("max-time"), parsing: .unconditional, help: "Seconds a session may take at most.")
    var maxTime: Double = 120

    @Option(parsing: .unconditional, help: "Sessions at once.")
    var jobs: Int = 2

    @OptionGroup var running: RunningOptions

    func validate() throws {
        guard seeds >= 1 && seeds <= 1000 else { throw ValidationError("--seeds must be between 1 and 1000") }
        guard maxRuns >= 1 else { throw ValidationError("--max-runs must be positive") }
        guard maxTime > 0 else { throw ValidationError("--max-time must be positive") }
        guard jobs >= 1 && jobs <= 64 else { throw ValidationError("--jobs must be between 1 and 64") }
        guard firstSeed >= 1, firstSeed <= UInt64.max - UInt64(seeds) else { throw ValidationError("--first-seed must be at least 1, and leave room for --seeds") }
    }

    static func scenarioList(_ text: String) throws -> [Scenario] {
        try text.split(separator: ",").map { name in
            guard let scenario = Scenarios.named(String(name)) else { throw ValidationError("no scenario named '\(name)' (see `ipc-harness list`)") }
            return scenario
        }
    }

    func run() throws {
        let limits = FuzzBenchmark.Limits(seeds: seeds, maxRuns: maxRuns, maxSeconds: maxTime, firstSeed: firstSeed)
        let chosen = scenarios ?? FuzzBenchmark.defaultScenarios()
        let rows = FuzzBenchmark.run(
            scenarios: chosen, limits: limits, jobs: jobs, worker: try CommandWorker.command(), budget: running.checkBudget,
            progress: { line in if !json { printError(line) } })
        print(json ? FuzzBenchmark.json(rows, limits: limits) : FuzzBenchmark.table(rows, limits: limits))
        // Figures from sessions that could not run are no figures: say which one, as a bad run does.
        if let error = FuzzBenchmark.harnessError(in: rows) { throw error }
    }
}

struct RealBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "real",
        abstract: "Multi-process runs per minute with kills and faults on (every correct real-mode scenario in turn, each failure named with the command that repeats it); what recording costs on a pipe ping-pong.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(parsing: .unconditional, help: "Seconds of runs for the throughput figure.")
    var seconds: Double = 30

    @Option(parsing: .unconditional, help: "Stop after this many runs (a soak: with a large --seconds, exactly this many).")
    var runs: Int?

    @Option(parsing: .unconditional, help: "Runs at once.")
    var jobs: Int = 2

    @Option(help: "Faults to inject (as for `run`).")
    var faults: String = "all"

    @Option(name: .customLong("kill-rate"), parsing: .unconditional, help: "The chance, at each point where the driver decides, that it kills a worker.")
    var killRate: Double = 0.05

    @Option(help: "Where the traces of failed runs are written.")
    var out: String = ".ipc-harness/bench"

    @Option(name: .customLong("round-trips"), parsing: .unconditional, help: "Round trips of the ping-pong.")
    var roundTrips: Int = 500

    @Option(parsing: .unconditional, help: "Ping-pong pairs, recording and not, back to back (the median and range of their ratios are reported).")
    var repetitions: Int = 15

    func validate() throws {
        guard seconds > 0, jobs > 0, roundTrips > 0, repetitions > 0, (runs ?? 1) > 0 else {
            throw ValidationError("--seconds, --runs, --jobs, --round-trips and --repetitions must be positive")
        }
        _ = try FaultOptions(parsing: faults, killRate: killRate)
    }

    func run() throws {
        let worker = try CommandWorker.command()
        let soak = RealBenchmark.Soak(
            seconds: seconds, runs: runs, jobs: jobs, faults: try FaultOptions(parsing: faults, killRate: killRate),
            outputDirectory: out)
        let result = try RealBenchmark.run(soak: soak, roundTrips: roundTrips, repetitions: repetitions, worker: worker)
        print(json ? RealBenchmark.json(result) : RealBenchmark.text(result))
        if !result.failures.isEmpty { throw ExitCode(1) }
    }
}

struct TraceCheckBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Time `ipc-harness check` on trace files: parse and search apart in this process, then whole `check` processes (wall time, peak memory).")

    @Argument(help: "The trace files.")
    var files: [String]

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Runs of each file, in this process and as processes; figures are medians.")
    var repetitions: Int = 5

    @Flag(name: .customLong("no-processes"), help: "Measure only in this process.")
    var noProcesses = false

    @OptionGroup var running: RunningOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one trace file") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        let executable = noProcesses ? nil : try WorkerLocator.runningExecutable()
        let rows = try TraceCheckBenchmark.run(
            files: files, repetitions: repetitions, budget: running.checkBudget, executable: executable)
        print(json ? TraceCheckBenchmark.json(rows) : TraceCheckBenchmark.table(rows, repetitions: repetitions))
    }
}

struct CheckerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checker", abstract: "Check generated pipe histories of 1k, 10k and 100k operations; report time and memory.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(parsing: .upToNextOption, help: "History sizes in operations.")
    var operations: [Int] = [1_000, 10_000, 100_000]

    @Option(parsing: .upToNextOption, help: "Numbers of objects.")
    var objects: [Int] = [1, 16]

    @Option(parsing: .upToNextOption, help: "Numbers of processes.")
    var processes: [Int] = [4, 8]

    @Option(parsing: .unconditional, help: "Seconds the checker may spend on each history.")
    var budget: Double = 120

    @Option(parsing: .unconditional, help: "Megabytes the checker may use on each history.")
    var memory: Int = 4096

    func validate() throws {
        guard (operations + objects + processes).allSatisfy({ $0 > 0 }), budget > 0, memory > 0 else {
            throw ValidationError("sizes, counts and the budget must be positive")
        }
    }

    func run() throws {
        let results = CheckerBenchmark.run(
            sizes: operations, objectCounts: objects, processCounts: processes,
            budget: CheckBudget(seconds: budget, memoryBytes: memory << 20))
        print(json ? CheckerBenchmark.json(results) : CheckerBenchmark.table(results))
    }
}

struct TraceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Write a long trace and stream it back; report throughput and the reader's memory.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(parsing: .unconditional, help: "How many events.")
    var events: Int = 1_000_000

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
    }

    func run() throws {
        let result = try TraceBenchmark.run(events: events)
        print(json ? TraceBenchmark.json(result) : TraceBenchmark.text(result))
    }
}

struct RCUBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rcu",
        abstract: "Reads per second per reader and grace periods per second: Swift RCU, liburcu-memb, liburcu-qsbr; 1 and 2 readers, with and without an updater.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(parsing: .unconditional, help: "Runs of each configuration; figures are medians (at least 5).")
    var repetitions: Int = 7

    @Option(parsing: .unconditional, help: "Milliseconds each run lasts.")
    var milliseconds: Int = 200

    func validate() throws {
        guard repetitions >= 5 else { throw ValidationError("--repetitions must be at least 5 (figures are medians)") }
        guard (1...60_000).contains(milliseconds) else { throw ValidationError("--milliseconds must be within 1...60000") }
    }

    func run() throws {
        let results = RCUBenchmark.run(repetitions: repetitions, milliseconds: milliseconds)
        print(json
            ? RCUBenchmark.json(results, repetitions: repetitions, milliseconds: milliseconds)
            : RCUBenchmark.table(results, repetitions: repetitions, milliseconds: milliseconds))
    }
}

struct SimulationBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim", abstract: "Simulation speed: scheduled steps per second, complete schedules per second (2 processes x 10 operations).")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let result = try SimulationBenchmark.run()
        print(json ? SimulationBenchmark.json(result) : SimulationBenchmark.text(result))
    }
}

struct ABABench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aba", abstract: "The seed's 2^b > r·Δt, measured: ABA found or not for b-bit sequences and n updates in a preemption window.")

    @Option(parsing: .unconditional, help: "Runs per width in the random-window part.")
    var runs: Int = 200

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
    }

    func run() throws {
        var exact: [ABAExperiment.ExactRow] = []
        for bits in [2, 4, 6, 8] {
            let size = 1 << bits
            for updates in [size - 2, size - 1, size, size + 1, size + 2, 2 * size] {
                exact.append(try ABAExperiment.exact(bits: bits, updates: updates))
            }
        }
        let random = try [6, 8, 9, 10, 11, 64].map { (bits) throws(HarnessError) in try ABAExperiment.random(bits: bits, runs: runs) }
        print(ABAExperiment.table(exact: exact, random: random))
    }
}

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove IPC objects that killed runs left behind (only the harness's own, only of runs that have ended).", discussion: CommandLineText.exitStatusHelp("clean"))

    @Flag(help: "List what would be removed without removing it.")
    var dryRun = false

    func run() {
        print(CommandLineText.cleanReport(LeftoverCleaner.clean(dryRun: dryRun), dryRun: dryRun))
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a trace as one self-contained HTML file: processes as lanes, operations as bars, the violation highlighted.", discussion: CommandLineText.exitStatusHelp("report"))

    @Argument(help: "The trace file, or another tool's history with --format.")
    var trace: String

    @Option(help: "The HTML file to write.")
    var html: String

    @OptionGroup var history: HistoryFormatOption

    @OptionGroup var running: RunningOptions

    func run() throws {
        if history.historyFormat == .trace {
            try TraceReport.writeHTML(trace: trace, to: html, budget: running.checkBudget)
        } else {
            try TraceReport.writeHTML(try ForeignHistory.load(path: trace, format: history.historyFormat), name: trace, to: html, budget: running.checkBudget)
        }
        print("wrote \(html)")
    }
}

struct Shrink: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a failing trace smaller while it still fails the same check, re-running each candidate.", discussion: CommandLineText.exitStatusHelp("shrink"))

    @Argument(help: "The failing trace.")
    var trace: String

    @Option(help: "Where to write the shrunk trace (default: beside it, .shrunk.jsonl).")
    var out: String?

    @Option(parsing: .unconditional, help: "Seconds to spend shrinking at most.")
    var time: Double = 300

    @OptionGroup var running: RunningOptions

    func validate() throws {
        guard time > 0 else { throw ValidationError("--time must be positive") }
    }

    func run() throws {
        let original = try Trace.load(path: trace)
        let worker = try CommandWorker.command()
        let result = try Shrinker.shrink(original, path: trace, worker: worker, budget: running.checkBudget, timeLimitSeconds: time)
        let destination = out ?? CommandLineText.shrunkPath(for: trace)
        if result.unshrunk == nil { try result.result.trace.write(to: destination) }
        print(CommandLineText.shrinkReport(result, path: destination))
        throw ExitCode(CommandLineText.exitStatus(for: result.result.report.result))
    }
}

struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Swarm-test the scenarios for a while: random scenarios, strategies and faults, guided by coverage; every violation shrunk and saved.",
        discussion: "Exits 1 if a scenario not marked broken shows a violation; broken scenarios are expected to. Leaves fuzz-summary.json in --out for `fuzz merge`. " + CommandLineText.exitStatusHelp("fuzz"),
        subcommands: [FuzzMergeCommand.self])

    @Option(help: "How long: 90, 30s, 5m, 2h, 1h30m.")
    var time: String?

    @Option(parsing: .unconditional, help: "Stop after this many runs executed (in this shard), even with time left: a session whose size does not depend on the machine's speed. A derived run whose edit its own setup refuses is not executed and not counted.")
    var runs: Int?

    @Option(help: "Comma-separated scenario names (default: all).")
    var scenarios: String?

    @Option(parsing: .unconditional, help: "Runs executing at once.")
    var jobs: Int = 1

    @Option(help: "Where to save the shrunk traces of violations and the session's fuzz-summary.json.")
    var out: String = ".ipc-harness/fuzz"

    @Option(parsing: .unconditional, help: "The session's seed (default: from the clock; printed). Every shard of a session takes the same one.")
    var seed: UInt64?

    @Option(help: "K/N: make shard K (from 0) of N of the session: its fresh runs are K, K+N, K+2N, … so no two shards run the same seed. Merge the shards' --out directories with `fuzz merge`.")
    var shard: String?

    @Flag(help: "Draw every run afresh: no corpus, no mutation (the baseline coverage guidance is measured against).")
    var unguided = false

    @Option(parsing: .unconditional, help: "Seconds to spend shrinking each violation (0 saves it unshrunk).")
    var shrinkTime: Double = 60

    @Option(help: "real, sim or threads: run only scenarios that run in this mode, in it (default: each run draws one of its scenario's modes).")
    var mode: String?

    @OptionGroup var running: RunningOptions

    func validate() throws {
        if let time {
            guard let seconds = FuzzText.seconds(from: time) else { throw ValidationError("--time must be a duration such as 90, 30s, 5m or 2h, not '\(time)'") }
            guard seconds > 0 else { throw ValidationError("--time must be longer than 0 (a session of no time runs nothing)") }
        }
        if let runs { guard runs > 0 else { throw ValidationError("--runs must be positive") } }
        if let shard, FuzzShard(shard) == nil { throw ValidationError("--shard must be K/N with 0 <= K < N <= 10000 (e.g. 0/4), not '\(shard)'") }
        guard shrinkTime >= 0 else { throw ValidationError("--shrink-time must be 0 or more seconds") }
        guard jobs >= 1 && jobs <= 64 else { throw ValidationError("--jobs must be between 1 and 64") }
        if let mode, Scenario.Mode(rawValue: mode) == nil { throw ValidationError("unknown mode '\(mode)' (use real, sim or threads)") }
        for name in selectedNames {
            guard let scenario = Scenarios.named(name) else { throw ValidationError("no scenario named '\(name)' (see `ipc-harness list`)") }
            if scenarios != nil, let chosen = chosenMode, !scenario.modes.contains(chosen) {
                throw ValidationError("scenario \(name) does not run in \(chosen.rawValue) mode (it runs in \(scenario.modes.map(\.rawValue).joined(separator: ", ")))")
            }
        }
    }

    var chosenMode: Scenario.Mode? { mode.flatMap(Scenario.Mode.init(rawValue:)) }

    var selectedNames: [String] {
        scenarios.map { $0.split(separator: ",").map { String($0).trimmingWhitespace() } } ?? Scenarios.all.map(\.name)
    }

    func run() throws {
        // Checked here, not in validate(): `fuzz merge` validates this command's (absent) options too.
        guard time != nil || runs != nil else { throw UsageFailure("give --time (a duration such as 90, 30s, 5m or 2h), --runs, or both") }
        // Coverage from shards merges only if every process hashes model states alike. Here, not in the library:
        // the runtime reads the setting only at start-up, so this process restarts itself (a test calling the
        // library must not).
        DeterministicHashing.restartIfNeeded()
        let selected = selectedNames.compactMap(Scenarios.named).filter { scenario in chosenMode.map(scenario.modes.contains) ?? true }
        let options = FuzzOptions(
            seconds: time.flatMap(FuzzText.seconds(from:)), scenarios: selected, jobs: jobs, outputDirectory: out,
            seed: seed ?? RunOptions.freshSeed(), checkBudget: running.checkBudget, shrinkSeconds: shrinkTime, mode: chosenMode,
            guided: !unguided, shard: shard.flatMap(FuzzShard.init) ?? .whole, maxRuns: runs)
        throw ExitCode(try FuzzSession.run(options, worker: try CommandWorker.command()).exitStatus)
    }
}

struct FuzzMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the output directories of a fuzzing session's shards: one table, each kind of violation once (its shortest trace), coverage united, one exit status.",
        discussion: "Refuses (exit 2) a missing or unfinished shard, a shard given twice, shards of different sessions, or a record naming a trace that is not there. " + CommandLineText.exitStatusHelp("fuzz"))

    @Argument(help: "The shards' --out directories, all N of them.")
    var directories: [String]

    /// Not `--out`: `fuzz`'s own `--out` would take it (a parent command parses its options on a subcommand's line too).
    @Option(help: "Also copy the kept traces and write the merged fuzz-summary.json into this directory.")
    var into: String?

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("name the shards' output directories") }
    }

    func run() throws {
        let merged = try FuzzMerge.merge(directories: directories)
        if let into { try merged.write(into: into) }
        print(FuzzText.mergeSummary(merged))
        throw ExitCode(merged.unexpectedViolations > 0 ? 1 : 0)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
