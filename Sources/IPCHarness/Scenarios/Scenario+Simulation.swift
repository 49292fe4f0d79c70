import IPCModels

extension Scenario {
    /// A scenario on objects of a shared-memory kind (``SharedMemoryKind``): the workload runs in the simulation —
    /// virtual processes, every shared access a scheduling point, weak memory unless the run asks for sequential
    /// consistency — and, when `modes` includes `.real`, in worker processes over a `MAP_SHARED` memory file and
    /// kernel pipes. The same code runs in both; so does the checking, against the kind's model and the
    /// `invariants` named here (`["aba": ["words": [0]]]`). `killChance` is the chance, at each scheduling point,
    /// that the process chosen is killed instead (at most `maximumKills` per run).
    public static func simulated<Kind: SharedMemoryKind>(
        name: String, kind: Kind.Type, implementation: String? = nil, summary: String, isBroken: Bool = false,
        modes: [Mode] = [.sim], invariants: JSONObject = JSONObject(), killChance: Double = 0, maximumKills: Int = 0,
        makeWorkload: @escaping @Sendable (inout SeededGenerator) -> Workload
    ) -> Scenario {
        let implementation = implementation ?? Kind.implementations.first ?? Kind.name
        // Worker-process runs can be shrunk like any real scenario's: their workloads come from the same generator.
        let realSetup = modes.contains(.real)
            ? RealSetup(makeWorkload: makeWorkload, modelParameters: { Kind.model(for: $0).parameters }) : nil
        var scenario = Scenario(
            name: name, modes: modes, model: Kind.Model.name, implementation: implementation, summary: summary,
            isBroken: isBroken, realSetup: realSetup
        ) {
            (run) throws(HarnessError) -> Trace in
            var generator = SeededGenerator(seed: run.seed)
            var workloadGenerator = generator.split()
            let workload = makeWorkload(&workloadGenerator)
            let parameters = Kind.model(for: workload).parameters
            switch run.mode {
            case .sim:
                return try SimulationRunner.run(
                    workload, implementation: implementation, model: Kind.Model.name, parameters: parameters, run: run,
                    generator: &generator, scenario: name, invariants: invariants,
                    kills: (killChance, maximumKills))
            case .real:
                return try runReal(
                    workload, run: run, generator: &generator, scenario: name, model: Kind.Model.name,
                    implementation: implementation, parameters: parameters, invariants: invariants)
            case .threads:
                // The runner offers only a scenario's own modes; shared-memory kinds have no threads form.
                throw HarnessError("scenario \(name) does not run in threads mode")
            }
        }
        scenario.kinds = [Kind.name]
        return scenario
    }
}

/// Runs workloads in the simulation and records them as traces.
public enum SimulationRunner {
    static func run(
        _ workload: Workload, implementation: String, model: String, parameters: JSONValue, run: ScenarioRun,
        generator: inout SeededGenerator, scenario: String?, invariants: JSONObject, kills: (chance: Double, maximum: Int)
    ) throws(HarnessError) -> Trace {
        var strategyGenerator = generator.split()
        let planGenerator = generator.split()
        if let timingSeed = run.timingSeed { strategyGenerator = SeededGenerator(seed: timingSeed ^ 0x3C6E_F372_FE94_F82B) }
        var options = SimulationOptions()
        options.memory = run.memory ?? .standard
        let simulator = try Simulator(workload: workload, implementation: implementation, modelParameters: parameters, options: options)
        let events: [SimEvent]
        var slowProcess: Int?
        if case .exhaustive = run.strategy {
            var plan = ForcedSimPlan(prefix: run.schedulePrefix)
            events = try simulator.run(&plan).events
        } else {
            let calls = workload.processes.reduce(0) { $0 + $1.program.count }
            var plan = GeneratedSimPlan(
                strategy: run.strategy.makeStrategy(processes: workload.processes.map(\.id), steps: calls * 8, generator: strategyGenerator),
                generator: planGenerator, killChance: kills.chance, killsLeft: kills.maximum,
                preemptionWindows: run.strategy == .random ? workload.processes.filter { !$0.program.isEmpty }.map(\.id) : nil,
                timingSeed: run.timingSeed, slowProcessSeed: run.slowProcessSeed, slowProcess: run.slowProcess)
            events = try simulator.run(&plan).events
            slowProcess = plan.windows?.slow
        }
        var header = Trace.Header(
            model: model, parameters: parameters, mechanism: implementation, seed: String(run.seed),
            strategy: run.strategy.description, mode: Scenario.Mode.sim.rawValue, scenario: scenario)
        header.faults = ["kinds": kills.maximum > 0 && kills.chance > 0 ? ["kill"] : []]
        header.extra["workload"] = workload.setupJSON
        header.extra["sim"] = SimulationTrace.optionsJSON(options, slowProcess: slowProcess)
        if invariants.count > 0 { header.extra["invariants"] = .object(invariants) }
        return Trace(header: header, events: SimulationTrace.events(events, regionNames: workload.objects.map(\.name)))
    }
}
