import IPCModels
import IPCSyscalls

/// `ipc-harness bench sim`: how fast the simulation explores, and what each stage of a run costs.
///
/// - Steps per second: one long run of the SPSC ring (a producer and a consumer, random schedule), counting
///   scheduling points (each one access to shared memory).
/// - Schedules per second of 2 processes × 10 operations (the ring again, a fresh seed each), three ways side by
///   side on the same seeds: executed (the programs run under the schedule, nothing kept), recorded (the run kept
///   as a trace, every scheduling point in it), and checked (recorded, then checked for linearizability as
///   `ipc-harness run` does). Checked is what a user gets.
/// - Recording's cost: recorded over executed, per round.
/// The three run in rounds, interleaved (executed, recorded, checked, executed, ...), so load from elsewhere weighs
/// on all alike; figures are medians over rounds, with the slowest and fastest round beside them.
public enum SimulationBenchmark {
    public struct Round: Sendable, Hashable {
        public var executedSeconds: Double
        public var recordedSeconds: Double
        public var checkedSeconds: Double
    }

    /// Per-second figures: the median and the range over rounds.
    public struct Spread: Sendable, Hashable {
        public var median: Double
        public var lowest: Double
        public var highest: Double

        init(_ values: [Double]) {
            median = BenchFigures.median(values)
            lowest = values.min() ?? 0
            highest = values.max() ?? 0
        }
    }

    public struct Result: Sendable {
        public var steps: Int
        public var stepSeconds: Double
        public var schedulesPerRound: Int
        public var stepsPerSchedule: Double
        public var rounds: [Round]

        public var stepsPerSecond: Double { Double(steps) / stepSeconds }
        public var executed: Spread { Spread(rounds.map { Double(schedulesPerRound) / $0.executedSeconds }) }
        public var recorded: Spread { Spread(rounds.map { Double(schedulesPerRound) / $0.recordedSeconds }) }
        public var checked: Spread { Spread(rounds.map { Double(schedulesPerRound) / $0.checkedSeconds }) }
        /// Recording's cost in percent of executing: recorded time over executed time, per round.
        public var recordingOverheadPercent: Spread { Spread(rounds.map { ($0.recordedSeconds / $0.executedSeconds - 1) * 100 }) }
    }

    static func workload(messages: Int) -> ReferenceWorkload {
        let producer = (0..<messages).map { Call(process: 1, object: "q0", f: "send", value: ["data": .string("m\($0 % 1000)-abcdefgh")]) }
        let consumer = (0..<messages).map { _ in Call(process: 2, object: "q0", f: "receive") }
        return ReferenceWorkload(
            setup: ["capacity": 3, "maximumMessage": 24], object: "q0",
            processes: [Workload.Process(id: 1, holds: [:], program: producer), Workload.Process(id: 2, holds: [:], program: consumer)])
    }

    public static func run(longRunMessages: Int = 200_000, schedulesPerRound: Int = 5_000, rounds: Int = 5) throws(HarnessError) -> Result {
        // Steps: one long run.
        let long = workload(messages: longRunMessages)
        let longSimulator = try SimulationRunner.simulator(for: long, implementation: "reference.spsc-ring")
        var plan = GeneratedSimPlan(
            strategy: RandomStrategy(generator: SeededGenerator(seed: 1)), generator: SeededGenerator(seed: 2), killChance: 0, killsLeft: 0)
        let started = MonotonicClock.nanoseconds()
        let (_, steps) = try longSimulator.run(&plan, recordAccesses: false)
        let stepSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9

        // Schedules: 2 processes × 5 operations each, the same seeds each way.
        let small = workload(messages: 5)
        let simulator = try SimulationRunner.simulator(for: small, implementation: "reference.spsc-ring")
        let parameters = QueueModel(objects: [("q0", .init(capacity: 3))]).parameters
        var totalSteps = 0
        var measured: [Round] = []
        for _ in 0..<rounds {
            var start = MonotonicClock.nanoseconds()
            totalSteps = 0
            for seed in 0..<schedulesPerRound {
                var generator = SeededGenerator(seed: UInt64(seed))
                var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: generator.split()), generator: generator, killChance: 0, killsLeft: 0)
                totalSteps += try simulator.run(&plan, recordAccesses: false).steps
            }
            let executed = Double(MonotonicClock.nanoseconds() - start) / 1e9
            start = MonotonicClock.nanoseconds()
            for seed in 0..<schedulesPerRound { _ = try record(small, seed: seed, parameters: parameters) }
            let recorded = Double(MonotonicClock.nanoseconds() - start) / 1e9
            start = MonotonicClock.nanoseconds()
            for seed in 0..<schedulesPerRound {
                let result = try ScenarioRunner.check(try record(small, seed: seed, parameters: parameters), seed: UInt64(seed), budget: .standard)
                guard result.report.result == .ok else { throw HarnessError("benchmark run \(seed) was not ok: \(result.report.explanation)") }
            }
            let checked = Double(MonotonicClock.nanoseconds() - start) / 1e9
            measured.append(Round(executedSeconds: executed, recordedSeconds: recorded, checkedSeconds: checked))
        }
        return Result(
            steps: steps, stepSeconds: stepSeconds, schedulesPerRound: schedulesPerRound,
            stepsPerSchedule: Double(totalSteps) / Double(schedulesPerRound), rounds: measured)
    }

    /// One run of `workload` recorded as a trace, as `ipc-harness run` records it.
    private static func record(_ workload: ReferenceWorkload, seed: Int, parameters: JSONValue) throws(HarnessError) -> Trace {
        var generator = SeededGenerator(seed: UInt64(seed))
        return try SimulationRunner.run(
            workload, implementation: "reference.spsc-ring", strategy: .random, generator: &generator,
            header: Trace.Header(
                model: QueueModel.name, parameters: parameters, mechanism: "reference.spsc-ring", seed: String(seed),
                strategy: "random", mode: "sim"),
            invariants: JSONObject())
    }

    public static func text(_ result: Result) -> String {
        func figure(_ spread: Spread) -> String {
            "\(Int(spread.median)) schedules/s (rounds \(Int(spread.lowest))–\(Int(spread.highest)))"
        }
        let overhead = result.recordingOverheadPercent
        return """
            scheduled steps:  \(result.steps) in \(BenchFigures.format(result.stepSeconds, 3)) s = \(Int(result.stepsPerSecond)) steps/s on one core (goal 1000000)
            schedules of 2 processes x 10 operations (\(BenchFigures.format(result.stepsPerSchedule, 1)) steps each), \(result.schedulesPerRound) a round, medians of \(result.rounds.count) interleaved rounds:
              executed:        \(figure(result.executed))
              recorded:        \(figure(result.recorded))
              checked:         \(figure(result.checked))   (goal 20000)
            recording costs \(BenchFigures.format(overhead.median, 1)) % of executing (rounds \(BenchFigures.format(overhead.lowest, 1)) to \(BenchFigures.format(overhead.highest, 1)) %)
            """
    }

    public static func json(_ result: Result) -> String {
        func spread(_ spread: Spread) -> JSONValue {
            ["median": .number(spread.median), "lowest": .number(spread.lowest), "highest": .number(spread.highest)]
        }
        let value: JSONValue = [
            "steps": .int(result.steps), "stepSeconds": .number(result.stepSeconds), "stepsPerSecond": .number(result.stepsPerSecond),
            "schedulesPerRound": .int(result.schedulesPerRound), "stepsPerSchedule": .number(result.stepsPerSchedule),
            "rounds": .int(result.rounds.count), "executedSchedulesPerSecond": spread(result.executed),
            "recordedSchedulesPerSecond": spread(result.recorded), "checkedSchedulesPerSecond": spread(result.checked),
            "recordingOverheadPercent": spread(result.recordingOverheadPercent),
        ]
        return value.description
    }
}
