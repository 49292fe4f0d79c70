import IPCModels

/// A named, runnable test: what runs (the mechanism or the client under test), against which model, and how a
/// run is executed. Broken scenarios run a deliberately faulty implementation the harness must catch.
public struct Scenario: Sendable {
    public enum Mode: String, Sendable, Hashable {
        /// Worker processes; the kernel does the IPC.
        case real
        /// In-process simulation.
        case sim
    }

    public var name: String
    public var mode: Mode
    /// The model the trace is checked against (a ``ModelRegistry`` name).
    public var model: String
    /// What runs: the mechanism or client implementation, as written in the trace header's `mechanism`.
    public var implementation: String
    /// One sentence: what it exercises.
    public var summary: String
    /// True for a deliberately broken implementation: finding a violation is the expected outcome.
    public var isBroken: Bool
    /// Executes one run and returns its trace, without a verdict (the runner checks it).
    public var execute: @Sendable (ScenarioRun) throws(HarnessError) -> Trace
    /// For worker-process scenarios: how workloads are built and what model parameters a workload has, so a
    /// shrinker can remove processes and keep the model's view of who holds what true.
    public var realSetup: RealSetup?

    public init(
        name: String, mode: Mode, model: String, implementation: String, summary: String, isBroken: Bool = false,
        realSetup: RealSetup? = nil, execute: @escaping @Sendable (ScenarioRun) throws(HarnessError) -> Trace
    ) {
        self.name = name
        self.mode = mode
        self.model = model
        self.implementation = implementation
        self.summary = summary
        self.isBroken = isBroken
        self.realSetup = realSetup
        self.execute = execute
    }
}

/// How a worker-process scenario builds its workloads and describes them to its model.
public struct RealSetup: Sendable {
    public var makeWorkload: @Sendable (inout SeededGenerator) -> Workload
    public var modelParameters: @Sendable (Workload) -> JSONValue
}

/// What one run of a scenario is given.
public struct ScenarioRun: Sendable {
    /// The run's seed: every random choice of the run derives from it.
    public var seed: UInt64
    public var strategy: StrategySpec
    /// How to start worker processes (real mode).
    public var worker: WorkerCommand?

    public init(seed: UInt64, strategy: StrategySpec, worker: WorkerCommand?) {
        self.seed = seed
        self.strategy = strategy
        self.worker = worker
    }
}

extension Scenario {
    /// A real-mode scenario: worker processes run the workload `makeWorkload` builds from the run's generator.
    public static func real(
        name: String, model: String, implementation: String, summary: String, isBroken: Bool = false,
        makeWorkload: @escaping @Sendable (inout SeededGenerator) -> Workload,
        modelParameters: @escaping @Sendable (Workload) -> JSONValue
    ) -> Scenario {
        Scenario(
            name: name, mode: .real, model: model, implementation: implementation, summary: summary, isBroken: isBroken,
            realSetup: RealSetup(makeWorkload: makeWorkload, modelParameters: modelParameters)
        ) {
            (run) throws(HarnessError) -> Trace in
            guard let worker = run.worker else { throw HarnessError("scenario \(name) needs worker processes") }
            var generator = SeededGenerator(seed: run.seed)
            var workloadGenerator = generator.split()
            let strategyGenerator = generator.split()
            let victimGenerator = generator.split()
            let workload = makeWorkload(&workloadGenerator)
            let steps = workload.processes.reduce(0) { $0 + $1.program.count }
            let schedule = run.strategy.makeStrategy(
                processes: workload.processes.map(\.id), steps: steps, generator: strategyGenerator)
            var plan = GeneratedPlan(workload: workload, strategy: schedule, generator: victimGenerator)
            let driver = RealDriver(workload: workload, implementation: implementation, worker: worker)
            let events = try driver.run(&plan)
            var header = Trace.Header(
                model: model, parameters: modelParameters(workload), mechanism: implementation, seed: String(run.seed),
                strategy: run.strategy.description, faults: ["kinds": []], mode: Mode.real.rawValue, scenario: name)
            header.extra["workload"] = workload.setupJSON
            return Trace(header: header, events: events)
        }
    }
}

/// Every built-in scenario.
public enum Scenarios {
    public static let all: [Scenario] =
        PipeScenarios.all + MessageQueueScenarios.all + SharedMemoryScenarios.all + SemaphoreScenarios.all
        + FIFOScenarios.all + UnixSocketScenarios.all + SCMRightsScenarios.all + SignalScenarios.all
        + EventCounterScenarios.all

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }
}

/// Payload bytes for workloads: printable (traces stay readable), and distinct per write so that a lost,
/// duplicated or reordered piece shows in the data: a tag `<process.sequence>` then letters.
public enum PayloadMaker {
    public static func make(process: Int, sequence: Int, count: Int, generator: inout SeededGenerator) -> [UInt8] {
        let tag = Array("<\(process).\(sequence)>".utf8)
        let alphabet = Array((process % 2 == 0 ? "abcdefghijklmnopqrstuvwxyz" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ").utf8)
        let offset = generator.next(below: alphabet.count)
        return (0..<count).map { index in
            index < tag.count && count > tag.count ? tag[index] : alphabet[(index + offset + sequence) % alphabet.count]
        }
    }
}
