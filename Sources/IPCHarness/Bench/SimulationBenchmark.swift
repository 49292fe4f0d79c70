import CCoroutine
import IPCModels
import IPCSyscalls

/// `ipc-harness bench sim`: how fast the simulation explores, what each stage of a run costs, and why it runs
/// virtual processes as coroutines. Rates are per second of the measuring thread's CPU time (the simulation runs on
/// one thread), so that they mean the same on a machine shared with other work; the context-switch figures are wall
/// time (a hand-off between threads waits for the scheduler).
///
/// - Context switches: a round trip between two coroutines (the simulation's technique), between two ucontexts
///   (glibc's swapcontext, whose signal-mask system call dominates), and between two threads handing a futex-guarded
///   turn to each other (a thread per virtual process with strict hand-off: two OS context switches per step).
/// - Per memory model (sequential consistency, then weak memory):
///   - Steps per second: one long run of the SPSC ring (a producer and a consumer, random schedule), counting
///     scheduling points (each one access to shared memory).
///   - Schedules per second of 2 processes × 10 operations (the ring again, a fresh seed each), three ways side by
///     side on the same seeds: executed (the programs run under the schedule, nothing kept), recorded (the run kept
///     as a trace, every scheduling point in it), and checked (recorded, then checked for linearizability as
///     `ipc-harness run` does). Checked is what a user gets.
///   - Recording's cost: recorded over executed, per round.
/// The three run in rounds, interleaved (executed, recorded, checked, executed, ...), so load from elsewhere weighs on
/// all alike; figures are medians over rounds, with the slowest and fastest round beside them.
public enum SimulationBenchmark {
    public struct Switches: Sendable {
        /// Round trips per second.
        public var coroutine: Double
        public var swapcontext: Double
        public var threadHandoff: Double
        public var usesAssembly: Bool
    }

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

    /// The figures under one memory model.
    public struct Figures: Sendable {
        /// The memory model's name as `--memory-model` takes it ("sc", or the weak model's).
        public var memory: String
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

    public struct Result: Sendable {
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

    public static func run(longRunMessages: Int = 200_000, schedulesPerRound: Int = 5_000, rounds: Int = 5) throws(HarnessError) -> Result {
        let trips = 2_000_000
        let switches = Switches(
            coroutine: Double(trips) / ipc_coroutine_benchmark_switch(trips),
            swapcontext: Double(trips / 10) / ipc_coroutine_benchmark_swapcontext(trips / 10),
            threadHandoff: Double(trips / 100) / ipc_coroutine_benchmark_thread_handoff(trips / 100),
            usesAssembly: Coroutine.usesAssembly)
        var figures: [Figures] = []
        for memory in [MemoryModel.sequentiallyConsistent, .standard] {
            figures.append(try measure(memory: memory, longRunMessages: longRunMessages, schedulesPerRound: schedulesPerRound, rounds: rounds))
        }
        return Result(switches: switches, figures: figures)
    }

    static func measure(memory: MemoryModel, longRunMessages: Int, schedulesPerRound: Int, rounds: Int) throws(HarnessError) -> Figures {
        // Steps: one long run.
        let long = try simulator(workload(messages: longRunMessages), memory: memory, recordsSchedule: false)
        var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: SeededGenerator(seed: 1)), generator: SeededGenerator(seed: 2))
        let started = MonotonicClock.threadCPUNanoseconds()
        let (_, steps) = try long.run(&plan)
        let stepSeconds = Double(MonotonicClock.threadCPUNanoseconds() - started) / 1e9

        // Schedules: 2 processes × 5 operations each, the same seeds each way.
        let small = workload(messages: 5)
        let simulator = try simulator(small, memory: memory, recordsSchedule: false)
        let parameters = SharedRingKind.model(for: small).parameters
        var totalSteps = 0
        var measured: [Round] = []
        for _ in 0..<rounds {
            var start = MonotonicClock.threadCPUNanoseconds()
            totalSteps = 0
            for seed in 0..<schedulesPerRound {
                var generator = SeededGenerator(seed: UInt64(seed))
                var plan = GeneratedSimPlan(strategy: RandomStrategy(generator: generator.split()), generator: generator, preemptionWindows: [1, 2])
                totalSteps += try simulator.run(&plan).steps
            }
            let executed = Double(MonotonicClock.threadCPUNanoseconds() - start) / 1e9
            start = MonotonicClock.threadCPUNanoseconds()
            for seed in 0..<schedulesPerRound { _ = try record(small, seed: seed, memory: memory, parameters: parameters) }
            let recorded = Double(MonotonicClock.threadCPUNanoseconds() - start) / 1e9
            start = MonotonicClock.threadCPUNanoseconds()
            for seed in 0..<schedulesPerRound {
                let trace = try record(small, seed: seed, memory: memory, parameters: parameters)
                let result = try ScenarioRunner.check(trace, seed: UInt64(seed), budget: .standard)
                guard result.report.result == .ok else { throw HarnessError("benchmark run \(seed) was not ok: \(result.report.explanation)") }
            }
            let checked = Double(MonotonicClock.threadCPUNanoseconds() - start) / 1e9
            measured.append(Round(executedSeconds: executed, recordedSeconds: recorded, checkedSeconds: checked))
        }
        return Figures(
            memory: memory.description, steps: steps, stepSeconds: stepSeconds, schedulesPerRound: schedulesPerRound,
            stepsPerSchedule: Double(totalSteps) / Double(schedulesPerRound), rounds: measured)
    }

    /// One run of `workload` recorded as a trace, as `ipc-harness run` records it.
    private static func record(_ workload: Workload, seed: Int, memory: MemoryModel, parameters: JSONValue) throws(HarnessError) -> Trace {
        var generator = SeededGenerator(seed: UInt64(seed))
        return try SimulationRunner.run(
            workload, implementation: implementation, model: QueueModel.name, parameters: parameters,
            run: ScenarioRun(seed: UInt64(seed), strategy: .random, worker: nil, mode: .sim, memory: memory),
            generator: &generator, scenario: nil, invariants: JSONObject(), kills: (0, 0))
    }

    public static func text(_ result: Result) -> String {
        let switches = result.switches
        var lines = [
            "context switches (round trips per second, one core):",
            "  coroutines (\(switches.usesAssembly ? "hand-written x86-64 switch" : "swapcontext")): \(Int(switches.coroutine))",
            "  swapcontext (glibc, a sigprocmask system call each): \(Int(switches.swapcontext))",
            "  two threads handing a futex turn back and forth: \(Int(switches.threadHandoff))",
        ]
        for figures in result.figures { lines.append(text(figures)) }
        return lines.joined(separator: "\n")
    }

    /// The figures of one memory model.
    public static func text(_ figures: Figures) -> String {
        func figure(_ spread: Spread) -> String {
            "\(Int(spread.median)) schedules/s (rounds \(Int(spread.lowest))–\(Int(spread.highest)))"
        }
        let name = figures.memory == "sc" ? "sequential consistency" : "weak memory (C11, \(figures.memory))"
        let overhead = figures.recordingOverheadPercent
        return """
            \(name):
              scheduled steps:  \(figures.steps) in \(BenchFigures.format(figures.stepSeconds, 3)) CPU s = \(Int(figures.stepsPerSecond)) steps/s on one core (goal 1000000)
              schedules of 2 processes x 10 operations (\(BenchFigures.format(figures.stepsPerSchedule, 1)) steps each), \(figures.schedulesPerRound) a round, medians of \(figures.rounds.count) interleaved rounds, CPU time:
                executed:        \(figure(figures.executed))
                recorded:        \(figure(figures.recorded))
                checked:         \(figure(figures.checked))   (goal 20000)
              recording costs \(BenchFigures.format(overhead.median, 1)) % of executing (rounds \(BenchFigures.format(overhead.lowest, 1)) to \(BenchFigures.format(overhead.highest, 1)) %)
            """
    }

    public static func json(_ result: Result) -> String {
        func spread(_ spread: Spread) -> JSONValue {
            ["median": .number(spread.median), "lowest": .number(spread.lowest), "highest": .number(spread.highest)]
        }
        let value: JSONValue = [
            "switches": [
                "coroutine": .number(result.switches.coroutine), "swapcontext": .number(result.switches.swapcontext),
                "threadHandoff": .number(result.switches.threadHandoff), "assembly": .bool(result.switches.usesAssembly),
            ],
            "memoryModels": .array(result.figures.map { figures in
                [
                    "memory": .string(figures.memory), "steps": .int(figures.steps), "stepSeconds": .number(figures.stepSeconds),
                    "stepsPerSecond": .number(figures.stepsPerSecond), "schedulesPerRound": .int(figures.schedulesPerRound),
                    "stepsPerSchedule": .number(figures.stepsPerSchedule), "rounds": .int(figures.rounds.count),
                    "executedSchedulesPerSecond": spread(figures.executed), "recordedSchedulesPerSecond": spread(figures.recorded),
                    "checkedSchedulesPerSecond": spread(figures.checked), "recordingOverheadPercent": spread(figures.recordingOverheadPercent),
                ]
            }),
        ]
        return value.description
    }
}
