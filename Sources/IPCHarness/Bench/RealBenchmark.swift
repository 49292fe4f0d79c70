import IPCModels
import IPCSyscalls
import Synchronization

/// `ipc-harness bench real`: how many whole multi-process runs (workers spawned, workload driven, kills and faults
/// on, trace checked) the harness does per minute, and what recording the trace costs on a pipe ping-pong between
/// two workers.
public enum RealBenchmark {
    public struct Result: Sendable {
        public var seconds: Double
        public var jobs: Int
        public var runs: Int
        public var kills: Int
        public var faults: Int
        /// Runs of correct scenarios that did not pass (should be 0).
        public var failures: Int
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

    /// The correct real-mode scenarios whose models are checked under faults, run in turn with every fault kind.
    static var scenarios: [Scenario] {
        Scenarios.all.filter { !$0.isBroken && FaultOptions.acceptedBy($0) }
    }

    public static func run(seconds: Double, jobs: Int, roundTrips: Int, repetitions: Int, worker: WorkerCommand) throws(HarnessError) -> Result {
        let throughput = try measureThroughput(seconds: seconds, jobs: jobs, worker: worker)
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
            seconds: throughput.seconds, jobs: jobs, runs: throughput.runs, kills: throughput.kills,
            faults: throughput.faults, failures: throughput.failures, roundTrips: roundTrips, pairs: pairs)
    }

    private struct Tally {
        var runs = 0, kills = 0, faults = 0, failures = 0
        var error: HarnessError?
    }

    private static func measureThroughput(seconds: Double, jobs: Int, worker: WorkerCommand) throws(HarnessError)
        -> (seconds: Double, runs: Int, kills: Int, faults: Int, failures: Int)
    {
        let scenarios = scenarios
        let faults = FaultOptions(kinds: Set(FaultOptions.Kind.allCases), killRate: 0.05)
        let tally = Mutex(Tally())
        let next = Atomic<Int>(0)
        let start = MonotonicClock.nanoseconds()
        let deadline = start + UInt64(seconds * 1e9)
        let threads = (0..<Swift.max(1, jobs)).map { _ in
            OSThread {
                while MonotonicClock.nanoseconds() < deadline {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    let scenario = scenarios[index % scenarios.count]
                    do throws(HarnessError) {
                        let result = try ScenarioRunner.runOnce(
                            scenario, seed: UInt64(index), strategy: .random, worker: worker,
                            checkBudget: CheckBudget(seconds: 30).withoutExplanations, faults: faults)
                        let events = result.trace.events
                        tally.withLock {
                            $0.runs += 1
                            $0.kills += events.count { $0.type == .kill }
                            $0.faults += events.count { $0.type == .fault }
                            if result.report.result != .ok { $0.failures += 1 }
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
        """
        multi-process runs with every fault kind and kills (\(result.jobs) job\(result.jobs == 1 ? "" : "s"), \(scenarios.count) scenarios in turn):
          \(result.runs) runs in \(BenchFigures.format(result.seconds, 1)) s = \(Int(result.runsPerMinute.rounded())) runs/min; \(result.kills) kills, \(result.faults) faults; \(result.failures) runs of correct scenarios not ok
        pipe ping-pong, \(result.roundTrips) round trips between two workers, \(result.pairs.count) pairs recording and not, back to back (medians):
          recording \(BenchFigures.format(result.recordingSeconds, 3)) s, not recording \(BenchFigures.format(result.notRecordingSeconds, 3)) s: recording costs \(BenchFigures.format(result.overheadPercent, 1)) % (pairs \(BenchFigures.format(result.overheadRange.lowerBound, 1)) to \(BenchFigures.format(result.overheadRange.upperBound, 1)) %)
        """
    }

    public static func json(_ result: Result) -> String {
        let object: JSONValue = [
            "seconds": .number(result.seconds), "jobs": .int(result.jobs), "runs": .int(result.runs),
            "runsPerMinute": .number(result.runsPerMinute), "kills": .int(result.kills), "faults": .int(result.faults),
            "failures": .int(result.failures), "roundTrips": .int(result.roundTrips),
            "recordingSeconds": .number(result.recordingSeconds), "notRecordingSeconds": .number(result.notRecordingSeconds),
            "overheadPercent": .number(result.overheadPercent),
            "overheadPercentRange": [.number(result.overheadRange.lowerBound), .number(result.overheadRange.upperBound)],
        ]
        return object.description
    }
}
