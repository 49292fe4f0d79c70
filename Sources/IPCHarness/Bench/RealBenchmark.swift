import IPCModels
import IPCSyscalls
import Synchronization

/// `ipc-harness bench real`: how many whole multi-process runs (workers spawned, workload driven, kills and faults
/// on, trace checked) the harness does per minute, and what recording the trace costs on a pipe ping-pong between
/// two workers.
public enum RealBenchmark {
    /// What the throughput part runs: every correct real-mode scenario in turn, run i with seed i, under these
    /// faults, for `seconds` or until `runs` runs have been made (whichever comes first).
    public struct Soak: Sendable {
        public var seconds: Double
        public var runs: Int?
        public var jobs: Int
        public var faults: FaultOptions
        /// Where the trace of a correct scenario's failed run is written.
        public var outputDirectory: String
        /// The scenarios run in turn: every correct real-mode one unless a test says otherwise.
        package var scenarios: [Scenario] = RealBenchmark.scenarios

        public init(
            seconds: Double = 30, runs: Int? = nil, jobs: Int = 2,
            faults: FaultOptions = FaultOptions(kinds: Set(FaultOptions.Kind.allCases), killRate: 0.05),
            outputDirectory: String = ".ipc-harness/bench"
        ) {
            self.seconds = seconds
            self.runs = runs
            self.jobs = jobs
            self.faults = faults
            self.outputDirectory = outputDirectory
        }
    }

    /// A run that did not pass: enough to run it again alone.
    public struct Failure: Sendable, Hashable {
        public var scenario: String
        public var seed: UInt64
        public var verdict: String
        /// The trace written, or why it could not be.
        public var trace: String
        /// The command that repeats the run.
        public var command: String
    }

    public struct Result: Sendable {
        public var seconds: Double
        public var jobs: Int
        public var runs: Int
        public var kills: Int
        public var faults: Int
        /// Runs of correct scenarios that did not pass (should be none), in the order they were made.
        public var failures: [Failure]
        public var runsPerMinute: Double { Double(runs) / seconds * 60 }
        public var roundTrips: Int
        /// Seconds of each ping-pong pair, recording then not recording, run back to back.
        public var pairs: [RecordingPair]
        public var recordingSeconds: Double { BenchFigures.median(pairs.map(\.recordingSeconds)) }
        public var notRecordingSeconds: Double { BenchFigures.median(pairs.map(\.notRecordingSeconds)) }
        /// What recording costs, in percent: the median over pairs of each pair's ratio, and its lowest and highest.
        /// A pair runs one right after the other, so load from elsewhere weighs on both alike.
        public var overheadPercent: Double { BenchFigures.median(pairs.map(\.overheadPercent)) }
        public var overheadRange: ClosedRange<Double> {
            let overheads = pairs.map(\.overheadPercent)
            return (overheads.min() ?? 0)...(overheads.max() ?? 0)
        }
    }

    /// One ping-pong run recording and one not, back to back.
    public struct RecordingPair: Sendable, Hashable {
        public var recordingSeconds: Double
        public var notRecordingSeconds: Double
        public var overheadPercent: Double { (recordingSeconds / notRecordingSeconds - 1) * 100 }
    }

    /// The correct scenarios that run in real mode: all of them are run under every fault kind.
    package static var scenarios: [Scenario] {
        Scenarios.all.filter { !$0.isBroken && $0.modes.contains(.real) }
    }

    public static func run(soak: Soak, roundTrips: Int, repetitions: Int, worker: WorkerCommand) throws(HarnessError) -> Result {
        let throughput = try soakRuns(soak, worker: worker)
        var pairs: [RecordingPair] = []
        for repetition in 0..<repetitions {
            // Alternate which goes first, so neither always meets a cache the other warmed.
            let first = try pingPong(roundTrips: roundTrips, recording: repetition % 2 == 0, worker: worker)
            let second = try pingPong(roundTrips: roundTrips, recording: repetition % 2 != 0, worker: worker)
            pairs.append(repetition % 2 == 0
                ? RecordingPair(recordingSeconds: first, notRecordingSeconds: second)
                : RecordingPair(recordingSeconds: second, notRecordingSeconds: first))
        }
        return Result(
            seconds: throughput.seconds, jobs: soak.jobs, runs: throughput.runs, kills: throughput.kills,
            faults: throughput.faults, failures: throughput.failures, roundTrips: roundTrips, pairs: pairs)
    }

    private struct Tally {
        var runs = 0, kills = 0, faults = 0
        var failures: [Failure] = []
        var error: HarnessError?
    }

    /// The command line that repeats run `seed` of `scenario` under `faults`.
    public static func command(scenario: String, seed: UInt64, faults: FaultOptions) -> String {
        var words = ["ipc-harness run", scenario, "--mode real --seed \(seed) --runs 1"]
        let callFaults = faults.kinds.subtracting([.kill])
        if !callFaults.isEmpty { words.append("--faults \(callFaults.sorted().map(\.rawValue).joined(separator: ","))") }
        if faults.kinds.contains(.kill) { words.append("--kill-rate \(faults.killRate)") }
        return words.joined(separator: " ")
    }

    /// Runs the soak: runs, kills and faults counted, every run that did not pass named.
    package static func soakRuns(_ soak: Soak, worker: WorkerCommand) throws(HarnessError)
        -> (seconds: Double, runs: Int, kills: Int, faults: Int, failures: [Failure])
    {
        let scenarios = soak.scenarios
        let tally = Mutex(Tally())
        let next = Atomic<Int>(0)
        let start = MonotonicClock.nanoseconds()
        let deadline = start + UInt64(soak.seconds * 1e9)
        let threads = (0..<Swift.max(1, soak.jobs)).map { _ in
            OSThread {
                while MonotonicClock.nanoseconds() < deadline {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    if let runs = soak.runs, index >= runs { return }
                    let scenario = scenarios[index % scenarios.count]
                    do throws(HarnessError) {
                        let result = try ScenarioRunner.runOnce(
                            scenario, seed: UInt64(index), strategy: .random, worker: worker,
                            checkBudget: CheckBudget(seconds: 30).withoutExplanations, faults: soak.faults, mode: .real)
                        let failure = result.report.result == .ok
                            ? nil : Self.failure(result, scenario: scenario, seed: UInt64(index), soak: soak)
                        let events = result.trace.events
                        tally.withLock {
                            $0.runs += 1
                            $0.kills += events.count { $0.type == .kill }
                            $0.faults += events.count { $0.type == .fault }
                            if let failure { $0.failures.append(failure) }
                        }
                    } catch {
                        tally.withLock { $0.error = $0.error ?? error }
                        return
                    }
                }
            }
        }
        threads.forEach { $0.join() }
        let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
        let final = tally.withLock { $0 }
        if let error = final.error { throw error }
        return (elapsed, final.runs, final.kills, final.faults, final.failures)
    }

    /// Writes the failed run's trace and names it.
    private static func failure(_ result: RunResult, scenario: Scenario, seed: UInt64, soak: Soak) -> Failure {
        let trace: String
        do {
            trace = try ScenarioRunner.write(result, scenario: scenario, directory: soak.outputDirectory)
        } catch {
            trace = "(not written: \(error))"
        }
        return Failure(
            scenario: scenario.name, seed: seed, verdict: result.report.result.rawValue, trace: trace,
            command: command(scenario: scenario.name, seed: seed, faults: soak.faults))
    }

    /// Two workers bounce one byte `roundTrips` times over two pipes; the run's seconds.
    private static func pingPong(roundTrips: Int, recording: Bool, worker: WorkerCommand) throws(HarnessError) -> Double {
        var ping: [Call] = []
        var pong: [Call] = []
        for _ in 0..<roundTrips {
            ping += [
                Call(process: 1, object: "a", f: "write", value: ["data": "x"]),
                Call(process: 1, object: "b", f: "read", value: ["max": 1]),
            ]
            pong += [
                Call(process: 2, object: "a", f: "read", value: ["max": 1]),
                Call(process: 2, object: "b", f: "write", value: ["data": "y"]),
            ]
        }
        let workload = Workload(
            objects: [Workload.Object(name: "a", kind: "pipe"), Workload.Object(name: "b", kind: "pipe")],
            processes: [
                Workload.Process(id: 1, holds: ["a": ["write"], "b": ["read"]], program: ping),
                Workload.Process(id: 2, holds: ["a": ["read"], "b": ["write"]], program: pong),
            ])
        var generator = SeededGenerator(seed: 1)
        let strategy = StrategySpec.random.makeStrategy(processes: [1, 2], steps: 4 * roundTrips, generator: generator.split())
        var plan = GeneratedPlan(workload: workload, strategy: strategy, generator: generator.split())
        var options = RealDriver.Options()
        options.recording = recording
        let start = MonotonicClock.nanoseconds()
        _ = try RealDriver(workload: workload, implementation: "kernel.pipe", worker: worker, options: options).run(&plan)
        return Double(MonotonicClock.nanoseconds() - start) / 1e9
    }

    public static func text(_ result: Result) -> String {
        var lines = [
            "multi-process runs with every fault kind and kills (\(result.jobs) job\(result.jobs == 1 ? "" : "s"), \(scenarios.count) correct real-mode scenarios in turn):",
            "  \(result.runs) runs in \(BenchFigures.format(result.seconds, 1)) s = \(Int(result.runsPerMinute.rounded())) runs/min; \(result.kills) kills, \(result.faults) faults; \(result.failures.count) runs of correct scenarios not ok",
        ]
        lines += failureLines(result.failures)
        lines += [
            "pipe ping-pong, \(result.roundTrips) round trips between two workers, \(result.pairs.count) pairs recording and not, back to back (medians):",
            "  recording \(BenchFigures.format(result.recordingSeconds, 3)) s, not recording \(BenchFigures.format(result.notRecordingSeconds, 3)) s: recording costs \(BenchFigures.format(result.overheadPercent, 1)) % (pairs \(BenchFigures.format(result.overheadRange.lowerBound, 1)) to \(BenchFigures.format(result.overheadRange.upperBound, 1)) %)",
        ]
        return lines.joined(separator: "\n")
    }

    /// Two lines per failed run: what it was, and the command that repeats it.
    package static func failureLines(_ failures: [Failure]) -> [String] {
        failures.flatMap { failure in
            [
                "  NOT OK: \(failure.scenario) seed \(failure.seed) (\(failure.verdict)); trace: \(failure.trace)",
                "    rerun: \(failure.command)",
            ]
        }
    }

    public static func json(_ result: Result) -> String {
        let failures: [JSONValue] = result.failures.map { failure in
            [
                "scenario": .string(failure.scenario), "seed": .string(String(failure.seed)),
                "verdict": .string(failure.verdict), "trace": .string(failure.trace), "command": .string(failure.command),
            ]
        }
        let object: JSONValue = [
            "seconds": .number(result.seconds), "jobs": .int(result.jobs), "runs": .int(result.runs),
            "runsPerMinute": .number(result.runsPerMinute), "kills": .int(result.kills), "faults": .int(result.faults),
            "failures": .array(failures), "roundTrips": .int(result.roundTrips),
            "recordingSeconds": .number(result.recordingSeconds), "notRecordingSeconds": .number(result.notRecordingSeconds),
            "overheadPercent": .number(result.overheadPercent),
            "overheadPercentRange": [.number(result.overheadRange.lowerBound), .number(result.overheadRange.upperBound)],
        ]
        return object.description
    }
}
