import IPCModels
import IPCSyscalls

/// `ipc-harness bench sim`: how fast the simulation explores.
///
/// - Steps per second: one long run of the SPSC ring (a producer and a consumer, random schedule), counting
///   scheduling points (each one access to shared memory).
/// - Schedules per second: complete runs of 2 processes × 10 operations (the ring again), each with its own
///   seed; first executing only (as Loom's figure counts executions), then also recording the trace and
///   checking it for linearizability, as `ipc-harness run` does.
public enum SimulationBenchmark {
    public struct Result: Sendable {
        public var steps: Int
        public var stepSeconds: Double
        public var schedules: Int
        public var scheduleSeconds: Double
        public var stepsPerSchedule: Double
        public var checkedSchedules: Int
        public var checkedSeconds: Double

        public var stepsPerSecond: Double { Double(steps) / stepSeconds }
        public var schedulesPerSecond: Double { Double(schedules) / scheduleSeconds }
        public var checkedSchedulesPerSecond: Double { Double(checkedSchedules) / checkedSeconds }
    }

    static func workload(messages: Int) -> ReferenceWorkload {
        let producer = (0..<messages).map { Call(process: 1, object: "q0", f: "send", value: ["data": .string("m\($0 % 1000)-abcdefgh")]) }
        let consumer = (0..<messages).map { _ in Call(process: 2, object: "q0", f: "receive") }
        return ReferenceWorkload(
            setup: ["capacity": 3, "maximumMessage": 24], object: "q0",
            processes: [Workload.Process(id: 1, holds: [:], program: producer), Workload.Process(id: 2, holds: [:], program: consumer)])
    }

    public static func run(longRunMessages: Int = 200_000, schedules: Int = 50_000, checkedSchedules: Int = 5_000) throws(HarnessError) -> Result {
        // Steps: one long run.
        let long = workload(messages: longRunMessages)
        let longSimulator = try SimulationRunner.simulator(for: long, implementation: "reference.spsc-ring")
        var plan = GeneratedSimPlan(
            strategy: RandomStrategy(generator: SeededGenerator(seed: 1)), generator: SeededGenerator(seed: 2), killChance: 0, killsLeft: 0)
        var started = MonotonicClock.nanoseconds()
        let (_, steps) = try longSimulator.run(&plan, recordAccesses: false)
        let stepSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9

        // Schedules: 2 processes × 10 operations, a fresh seed each.
        let small = workload(messages: 5)
        let simulator = try SimulationRunner.simulator(for: small, implementation: "reference.spsc-ring")
        var totalSteps = 0
        started = MonotonicClock.nanoseconds()
        for seed in 0..<schedules {
            var generator = SeededGenerator(seed: UInt64(seed))
            var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: generator.split()), generator: generator, killChance: 0, killsLeft: 0)
            totalSteps += try simulator.run(&plan).steps
        }
        let scheduleSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9

        // The same, recorded as traces and checked.
        let model = QueueModel(objects: [("q0", .init(capacity: 3))]).parameters
        started = MonotonicClock.nanoseconds()
        for seed in 0..<checkedSchedules {
            var generator = SeededGenerator(seed: UInt64(seed))
            let trace = try SimulationRunner.run(
                small, implementation: "reference.spsc-ring", strategy: .random, generator: &generator,
                header: Trace.Header(model: QueueModel.name, parameters: model, mechanism: "reference.spsc-ring", seed: String(seed), strategy: "random", mode: "sim"),
                invariants: JSONObject())
            let result = try ScenarioRunner.check(trace, seed: UInt64(seed), budget: .standard)
            guard result.report.result == .ok else { throw HarnessError("benchmark run \(seed) was not ok: \(result.report.explanation)") }
        }
        let checkedSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
        return Result(
            steps: steps, stepSeconds: stepSeconds, schedules: schedules, scheduleSeconds: scheduleSeconds,
            stepsPerSchedule: Double(totalSteps) / Double(schedules), checkedSchedules: checkedSchedules, checkedSeconds: checkedSeconds)
    }

    public static func text(_ result: Result) -> String {
        """
        scheduled steps:   \(result.steps) in \(CheckerBenchmark.format(result.stepSeconds, 3)) s = \(Int(result.stepsPerSecond)) steps/s on one core (goal 1000000)
        schedules (2 processes x 10 operations, \(CheckerBenchmark.format(result.stepsPerSchedule, 1)) steps each):
          executed:        \(result.schedules) in \(CheckerBenchmark.format(result.scheduleSeconds, 3)) s = \(Int(result.schedulesPerSecond)) schedules/s (goal 20000; Loom: about 7400)
          traced, checked: \(result.checkedSchedules) in \(CheckerBenchmark.format(result.checkedSeconds, 3)) s = \(Int(result.checkedSchedulesPerSecond)) schedules/s
        """
    }

    public static func json(_ result: Result) -> String {
        let value: JSONValue = [
            "steps": .int(result.steps), "stepSeconds": .number(result.stepSeconds), "stepsPerSecond": .number(result.stepsPerSecond),
            "schedules": .int(result.schedules), "scheduleSeconds": .number(result.scheduleSeconds),
            "schedulesPerSecond": .number(result.schedulesPerSecond), "stepsPerSchedule": .number(result.stepsPerSchedule),
            "checkedSchedules": .int(result.checkedSchedules), "checkedSeconds": .number(result.checkedSeconds),
            "checkedSchedulesPerSecond": .number(result.checkedSchedulesPerSecond),
        ]
        return value.description
    }
}
