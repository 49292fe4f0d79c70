import CCoroutine
import IPCModels
import IPCSyscalls

/// `ipc-harness bench sim`: how fast the simulation explores, and why it runs virtual processes as coroutines.
/// Rates are per second of the measuring thread's CPU time (the simulation runs on one thread), so that they mean
/// the same on a machine shared with other work; the context-switch figures are wall time (a hand-off between
/// threads waits for the scheduler).
///
/// - Context switches: a round trip between two coroutines (the simulation's technique), between two ucontexts
///   (glibc's swapcontext, whose signal-mask system call dominates), and between two threads handing a futex-guarded
///   turn to each other (a thread per virtual process with strict hand-off: two OS context switches per step).
/// - Steps per second: one long run of the SPSC ring (a producer and a consumer, random schedule), counting
///   scheduling points (each one access to shared memory), under sequential consistency and under weak memory.
/// - Schedules per second: complete runs of 2 processes × 10 operations (the ring again), each with its own seed;
///   executing only (as Loom's figure counts executions), and also recording the trace and checking it for
///   linearizability, as `ipc-harness run` does; each under both memory models.
public enum SimulationBenchmark {
    public struct Switches: Sendable {
        public var coroutine: Double
        public var swapcontext: Double
        public var threadHandoff: Double
        public var usesAssembly: Bool
    }

    public struct Figures: Sendable {
        public var memory: String
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

    public struct Result: Sendable {
        /// Round trips per second.
        public var switches: Switches
        public var figures: [Figures]
    }

    static func workload(messages: Int) -> Workload {
        let producer = (0..<messages).map { Call(process: 1, object: "q0", f: "send", value: ["data": .string("m\($0 % 1000)-abcdefgh")]) }
        let consumer = (0..<messages).map { _ in Call(process: 2, object: "q0", f: "receive") }
        return Workload(
            objects: [Workload.Object(name: "q0", kind: SharedRingKind.self, parameters: ["capacity": 3, "maximumMessage": 24])],
            processes: [
                Workload.Process(id: 1, holds: ["q0": ["memory"]], program: producer),
                Workload.Process(id: 2, holds: ["q0": ["memory"]], program: consumer),
            ])
    }

    static let implementation = "reference.spsc-ring"

    static func simulator(_ workload: Workload, memory: MemoryModel, recordsSchedule: Bool) throws(HarnessError) -> Simulator {
        var options = SimulationOptions()
        options.memory = memory
        options.recordsSchedule = recordsSchedule
        return try Simulator(
            workload: workload, implementation: implementation, modelParameters: SharedRingKind.model(for: workload).parameters, options: options)
    }

    public static func run(longRunMessages: Int = 200_000, schedules: Int = 50_000, checkedSchedules: Int = 5_000) throws(HarnessError) -> Result {
        let trips = 2_000_000
        let switches = Switches(
            coroutine: Double(trips) / ipc_coroutine_benchmark_switch(trips),
            swapcontext: Double(trips / 10) / ipc_coroutine_benchmark_swapcontext(trips / 10),
            threadHandoff: Double(trips / 100) / ipc_coroutine_benchmark_thread_handoff(trips / 100),
            usesAssembly: Coroutine.usesAssembly)
        var figures: [Figures] = []
        for memory in [MemoryModel.sequentiallyConsistent, .standard] {
            figures.append(try measure(memory: memory, longRunMessages: longRunMessages, schedules: schedules, checkedSchedules: checkedSchedules))
        }
        return Result(switches: switches, figures: figures)
    }

    static func measure(memory: MemoryModel, longRunMessages: Int, schedules: Int, checkedSchedules: Int) throws(HarnessError) -> Figures {
        // Steps: one long run.
        let long = try simulator(workload(messages: longRunMessages), memory: memory, recordsSchedule: false)
        var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: SeededGenerator(seed: 1)), generator: SeededGenerator(seed: 2))
        var started = MonotonicClock.threadCPUNanoseconds()
        let (_, steps) = try long.run(&plan)
        let stepSeconds = Double(MonotonicClock.threadCPUNanoseconds() - started) / 1e9

        // Schedules: 2 processes × 10 operations, a fresh seed each.
        let small = workload(messages: 5)
        let simulator = try simulator(small, memory: memory, recordsSchedule: false)
        var totalSteps = 0
        started = MonotonicClock.threadCPUNanoseconds()
        for seed in 0..<schedules {
            var generator = SeededGenerator(seed: UInt64(seed))
            var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: generator.split()), generator: generator, preemptionWindows: [1, 2])
            totalSteps += try simulator.run(&plan).steps
        }
        let scheduleSeconds = Double(MonotonicClock.threadCPUNanoseconds() - started) / 1e9

        // The same, recorded as traces and checked.
        let parameters = SharedRingKind.model(for: small).parameters
        started = MonotonicClock.threadCPUNanoseconds()
        for seed in 0..<checkedSchedules {
            var generator = SeededGenerator(seed: UInt64(seed))
            let trace = try SimulationRunner.run(
                small, implementation: implementation, model: QueueModel.name, parameters: parameters,
                run: ScenarioRun(seed: UInt64(seed), strategy: .random, worker: nil, mode: .sim, memory: memory),
                generator: &generator, scenario: nil, invariants: JSONObject(), kills: (0, 0))
            let result = try ScenarioRunner.check(trace, seed: UInt64(seed), budget: .standard)
            guard result.report.result == .ok else { throw HarnessError("benchmark run \(seed) was not ok: \(result.report.explanation)") }
        }
        let checkedSeconds = Double(MonotonicClock.threadCPUNanoseconds() - started) / 1e9
        return Figures(
            memory: memory.description, steps: steps, stepSeconds: stepSeconds, schedules: schedules, scheduleSeconds: scheduleSeconds,
            stepsPerSchedule: Double(totalSteps) / Double(schedules), checkedSchedules: checkedSchedules, checkedSeconds: checkedSeconds)
    }

    public static func text(_ result: Result) -> String {
        let switches = result.switches
        var lines = [
            "context switches (round trips per second, one core):",
            "  coroutines (\(switches.usesAssembly ? "hand-written x86-64 switch" : "swapcontext")): \(Int(switches.coroutine))",
            "  swapcontext (glibc, a sigprocmask system call each): \(Int(switches.swapcontext))",
            "  two threads handing a futex turn back and forth: \(Int(switches.threadHandoff))",
        ]
        for figures in result.figures {
            let name = figures.memory == "sc" ? "sequential consistency" : "weak memory (C11, \(figures.memory))"
            lines += [
                "\(name):",
                "  scheduled steps:   \(figures.steps) in \(CheckerBenchmark.format(figures.stepSeconds, 3)) CPU s = \(Int(figures.stepsPerSecond)) steps/s on one core (goal 1000000)",
                "  schedules (2 processes x 10 operations, \(CheckerBenchmark.format(figures.stepsPerSchedule, 1)) steps each):",
                "    executed:        \(figures.schedules) in \(CheckerBenchmark.format(figures.scheduleSeconds, 3)) CPU s = \(Int(figures.schedulesPerSecond)) schedules/s (goal 20000; Loom: about 7400)",
                "    traced, checked: \(figures.checkedSchedules) in \(CheckerBenchmark.format(figures.checkedSeconds, 3)) CPU s = \(Int(figures.checkedSchedulesPerSecond)) schedules/s",
            ]
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ result: Result) -> String {
        let value: JSONValue = [
            "switches": [
                "coroutine": .number(result.switches.coroutine), "swapcontext": .number(result.switches.swapcontext),
                "threadHandoff": .number(result.switches.threadHandoff), "assembly": .bool(result.switches.usesAssembly),
            ],
            "memoryModels": .array(result.figures.map { figures in
                [
                    "memory": .string(figures.memory), "steps": .int(figures.steps), "stepSeconds": .number(figures.stepSeconds),
                    "stepsPerSecond": .number(figures.stepsPerSecond), "schedules": .int(figures.schedules),
                    "scheduleSeconds": .number(figures.scheduleSeconds), "schedulesPerSecond": .number(figures.schedulesPerSecond),
                    "stepsPerSchedule": .number(figures.stepsPerSchedule), "checkedSchedules": .int(figures.checkedSchedules),
                    "checkedSeconds": .number(figures.checkedSeconds), "checkedSchedulesPerSecond": .number(figures.checkedSchedulesPerSecond),
                ]
            }),
        ]
        return value.description
    }
}
