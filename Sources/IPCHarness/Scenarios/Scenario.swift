import IPCModels
import Synchronization

/// A named, runnable test: what runs (the mechanism or the client under test), against which model, and how a
/// run is executed. Broken scenarios run a deliberately faulty implementation the harness must catch.
public struct Scenario: Sendable {
    public enum Mode: String, Sendable, Hashable {
        /// Worker processes; the kernel does the IPC.
        case real
        /// In-process simulation.
        case sim
        /// OS threads of the harness's own process run the implementation for real (shared-memory mechanisms
        /// such as RCU); the OS schedules them, the seed fixes their programs and the delays injected into them.
        case threads
    }

    public var name: String
    /// The modes it runs in; the first is the default (`run` without `--mode`).
    public var modes: [Mode]
    /// The default mode.
    public var mode: Mode { modes[0] }
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
    /// The faults a run injects when the command line names none (a fragile client's scenario is about one).
    public var defaultFaults: FaultOptions = .none
    /// The kinds of object its runs use, when it says (``real(name:kind:implementation:summary:isBroken:defaultFaults:makeWorkload:)``
    /// does): the fuzzer injects only the faults they all take (``ObjectKind/fuzzedFaults``).
    public var kinds: [String] = []

    public init(
        name: String, mode: Mode, model: String, implementation: String, summary: String, isBroken: Bool = false,
        realSetup: RealSetup? = nil, execute: @escaping @Sendable (ScenarioRun) throws(HarnessError) -> Trace
    ) {
        self.init(
            name: name, modes: [mode], model: model, implementation: implementation, summary: summary, isBroken: isBroken,
            realSetup: realSetup, execute: execute)
    }

    /// A scenario that runs in several modes: `execute` reads the run's ``ScenarioRun/mode``.
    public init(
        name: String, modes: [Mode], model: String, implementation: String, summary: String, isBroken: Bool = false,
        realSetup: RealSetup? = nil, execute: @escaping @Sendable (ScenarioRun) throws(HarnessError) -> Trace
    ) {
        precondition(!modes.isEmpty, "a scenario runs in at least one mode")
        self.name = name
        self.modes = modes
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
    /// The mode to run in (one of the scenario's ``Scenario/modes``).
    public var mode: Scenario.Mode
    /// The faults to inject (real mode).
    public var faults: FaultOptions
    /// The watchdog's limit: a worker still running (not asleep) inside one operation this long is killed and
    /// the run reported as a hang (real mode).
    public var hangAfterSeconds: Double
    /// Under the exhaustive strategy: the choices this run must make first (see ``ScheduleExplorer``,
    /// ``SimulationExplorer``).
    public var schedulePrefix: [Int]
    /// How a simulation treats memory; nil: weak memory (``MemoryModel/standard``).
    public var memory: MemoryModel?
    /// A simulation's timing drawn from this seed instead of `seed` — where the scheduler's choices, preemption
    /// windows, kills and weak loads fall — while the workload, the strategy and (unless `slowProcessSeed`) the
    /// slow process stay the seed's. Coverage-guided fuzzing reruns a promising workload with other timing this
    /// way; nil (the default): all from `seed`. Other modes ignore it.
    public var timingSeed: UInt64?
    /// With a `timingSeed`: the simulation's slow process (``PreemptionWindows``) drawn from this seed instead.
    public var slowProcessSeed: UInt64?
    /// The simulation's slow process under the random strategy, chosen rather than drawn (when the workload has a
    /// process of that number with a program; else drawn as usual): coverage-guided fuzzing picks it when the
    /// scenario's runs have shown that one process being slow is what brings them near their bug
    /// (``GenerationArms``). Every other choice of the run stays the seed's.
    public var slowProcess: Int?

    public init(
        seed: UInt64, strategy: StrategySpec, worker: WorkerCommand?, mode: Scenario.Mode = .real,
        faults: FaultOptions = .none, hangAfterSeconds: Double = 10, schedulePrefix: [Int] = [], memory: MemoryModel? = nil
    ) {
        self.memory = memory
        self.seed = seed
        self.strategy = strategy
        self.worker = worker
        self.mode = mode
        self.faults = faults
        self.hangAfterSeconds = hangAfterSeconds
        self.schedulePrefix = schedulePrefix
    }
}

extension Scenario {
    /// A real-mode scenario: worker processes run the workload `makeWorkload` builds from the run's generator.
    public static func real(
        name: String, model: String, implementation: String, summary: String, isBroken: Bool = false,
        defaultFaults: FaultOptions = .none,
        makeWorkload: @escaping @Sendable (inout SeededGenerator) -> Workload,
        modelParameters: @escaping @Sendable (Workload) -> JSONValue
    ) -> Scenario {
        var scenario = Scenario(
            name: name, mode: .real, model: model, implementation: implementation, summary: summary, isBroken: isBroken,
            realSetup: RealSetup(makeWorkload: makeWorkload, modelParameters: modelParameters)
        ) {
            (run) throws(HarnessError) -> Trace in
            var generator = SeededGenerator(seed: run.seed)
            var workloadGenerator = generator.split()
            let workload = makeWorkload(&workloadGenerator)
            return try runReal(
                workload, run: run, generator: &generator, scenario: name, model: model, implementation: implementation,
                parameters: modelParameters(workload))
        }
        scenario.defaultFaults = defaultFaults
        return scenario
    }

    /// A real-mode scenario on objects of one kind: its model is the kind's, described from each workload by
    /// ``MechanismKind/model(for:)``; `implementation` defaults to the kind's own.
    public static func real<Kind: MechanismKind>(
        name: String, kind: Kind.Type, implementation: String? = nil, summary: String, isBroken: Bool = false,
        defaultFaults: FaultOptions = .none, makeWorkload: @escaping @Sendable (inout SeededGenerator) -> Workload
    ) -> Scenario {
        var scenario = real(
            name: name, model: Kind.Model.name, implementation: implementation ?? Kind.implementations.first ?? Kind.name,
            summary: summary, isBroken: isBroken, defaultFaults: defaultFaults, makeWorkload: makeWorkload,
            modelParameters: { Kind.model(for: $0).parameters })
        scenario.kinds = [Kind.name]
        return scenario
    }

    /// One real-mode run of `workload`: the strategy and the deadlock victims draw from `generator`.
    static func runReal(
        _ workload: Workload, run: ScenarioRun, generator: inout SeededGenerator, scenario: String, model: String,
        implementation: String, parameters: JSONValue, invariants: JSONObject = JSONObject()
    ) throws(HarnessError) -> Trace {
        guard let worker = run.worker else { throw HarnessError("scenario \(scenario) needs worker processes") }
        let strategyGenerator = generator.split()
        let victimGenerator = generator.split()
        let steps = workload.processes.reduce(0) { $0 + $1.program.count }
        var schedule = run.strategy.makeStrategy(processes: workload.processes.map(\.id), steps: steps, generator: strategyGenerator)
        if case .exhaustive = run.strategy { schedule = ForcedStrategy(prefix: run.schedulePrefix) }
        // Split last, so that runs without faults are the runs they were before faults existed.
        var faultGenerator = generator.split()
        let faults = run.faults.forRun(&faultGenerator)
        var options = RealDriver.Options(hungAfterSeconds: run.hangAfterSeconds)
        options.signalRestarts = faults.signalRestarts(&faultGenerator)
        var plan = GeneratedPlan(
            workload: workload, strategy: schedule, generator: victimGenerator,
            faults: FaultSchedule(options: faults, generator: faultGenerator))
        let driver = RealDriver(workload: workload, implementation: implementation, worker: worker, options: options)
        let events = try driver.run(&plan)
        var header = Trace.Header(
            model: model, parameters: parameters, mechanism: implementation, seed: String(run.seed),
            strategy: run.strategy.description, faults: faults.headerJSON(signalRestarts: options.signalRestarts),
            mode: Mode.real.rawValue, scenario: scenario)
        header.extra["workload"] = workload.setupJSON
        if invariants.count > 0 { header.extra["invariants"] = .object(invariants) }
        return Trace(header: header, events: events)
    }
}

/// The scenarios a process knows: the built-in ones and those registered with a user's components
/// (``HarnessComponents``).
public enum Scenarios {
    public static let builtIn: [Scenario] =
        PipeScenarios.all + MessageQueueScenarios.all + SharedMemoryScenarios.all + SemaphoreScenarios.all
        + ReferenceScenarios.all + KernelRuleScenarios.all + FaultScenarios.all
        + FIFOScenarios.all + UnixSocketScenarios.all + SCMRightsScenarios.all + SignalScenarios.all
        + EventCounterScenarios.all + RCUScenarios.all + AckQueueScenarios.all
        + PipeDescriptorScenarios.all + PipeSpliceScenarios.all

    private static let registered = Mutex<[Scenario]>([])

    /// Every scenario known in this process, built-in first.
    public static var all: [Scenario] { builtIn + registered.withLock { $0 } }

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }

    /// Adds a user's scenario; a name means one scenario.
    public static func register(_ scenario: Scenario) throws(HarnessError) {
        try registered.withLock { (registered) throws(HarnessError) in
            if builtIn.contains(where: { $0.name == scenario.name }) || registered.contains(where: { $0.name == scenario.name }) {
                // The same scenario registered again (by the same components) is one; anything else is a clash.
                guard registered.first(where: { $0.name == scenario.name })?.summary == scenario.summary else {
                    throw HarnessError("the scenario name '\(scenario.name)' is taken")
                }
                return
            }
            registered.append(scenario)
        }
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
