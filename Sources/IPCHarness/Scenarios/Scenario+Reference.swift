import IPCModels

extension Scenario {
    /// A scenario on a reference implementation: the workload runs in the simulation (virtual processes, every
    /// shared access a scheduling point) and, when `modes` includes `.real`, in worker processes over a
    /// `MAP_SHARED` mapping and kernel pipes. The same construction code runs in both; so does the checking, with
    /// the model (configured by `modelParameters`) and the `invariants` named here.
    public static func reference(
        name: String, model: String, implementation: String, summary: String, isBroken: Bool = false,
        modes: [Mode] = [.sim], invariants: JSONObject = JSONObject(),
        makeWorkload: @escaping @Sendable (inout SeededGenerator) -> ReferenceWorkload, modelParameters: JSONValue
    ) -> Scenario {
        // Worker-process runs can be shrunk like any real scenario's: their workloads come from the same generator.
        let realSetup = modes.contains(.real)
            ? RealSetup(
                makeWorkload: { makeWorkload(&$0).realWorkload(implementation: implementation) },
                modelParameters: { _ in modelParameters })
            : nil
        return Scenario(
            name: name, modes: modes, model: model, implementation: implementation, summary: summary, isBroken: isBroken,
            realSetup: realSetup
        ) {
            (run) throws(HarnessError) -> Trace in
            var generator = SeededGenerator(seed: run.seed)
            var workloadGenerator = generator.split()
            let workload = makeWorkload(&workloadGenerator)
            switch run.mode {
            case .sim:
                return try SimulationRunner.run(
                    workload, implementation: implementation, strategy: run.strategy, generator: &generator,
                    header: Trace.Header(
                        model: model, parameters: modelParameters, mechanism: implementation, seed: String(run.seed),
                        strategy: run.strategy.description, mode: Mode.sim.rawValue, scenario: name),
                    invariants: invariants)
            case .real:
                return try runReal(
                    workload.realWorkload(implementation: implementation), run: run, generator: &generator, scenario: name,
                    model: model, implementation: implementation, parameters: modelParameters, invariants: invariants)
            }
        }
    }
}

extension ReferenceWorkload {
    /// The workload for worker processes: one object of kind `reference`, named as the model object, whose
    /// provisioner creates the shared memory and the copy channels.
    func realWorkload(implementation: String) -> Workload {
        Workload(
            objects: [Workload.Object(
                name: object, kind: "reference",
                parameters: ["implementation": .string(implementation), "setup": setup, "channel": .string(channelKind)])],
            processes: processes)
    }
}

/// Runs reference workloads in the simulation and records them as traces.
public enum SimulationRunner {
    static func run(
        _ workload: ReferenceWorkload, implementation: String, strategy: StrategySpec, generator: inout SeededGenerator,
        header: Trace.Header, invariants: JSONObject
    ) throws(HarnessError) -> Trace {
        let strategyGenerator = generator.split()
        let killGenerator = generator.split()
        let simulator = try simulator(for: workload, implementation: implementation)
        let calls = workload.processes.reduce(0) { $0 + $1.program.count }
        var plan = GeneratedSimPlan(
            strategy: strategy.makeStrategy(processes: workload.processes.map(\.id), steps: calls * 8, generator: strategyGenerator),
            generator: killGenerator, killChance: workload.killChance, killsLeft: workload.maximumKills)
        let (events, _) = try simulator.run(&plan)
        var header = header
        header.faults = ["kinds": workload.maximumKills > 0 && workload.killChance > 0 ? ["kill"] : []]
        header.extra["sim"] = workload.headerJSON
        if invariants.count > 0 { header.extra["invariants"] = .object(invariants) }
        return Trace(header: header, events: SimulationTrace.events(events))
    }

    static func simulator(for workload: ReferenceWorkload, implementation: String) throws(HarnessError) -> Simulator {
        try simulator(
            implementation: implementation, setup: workload.setup, programs: workload.programs,
            channelCapacity: workload.channelCapacity)
    }

    static func simulator(
        implementation: String, setup: JSONValue?, programs: [(process: Int, calls: [Call])], channelCapacity: Int
    ) throws(HarnessError) -> Simulator {
        do {
            return Simulator(
                construction: try ReferenceConstructions.make(implementation, setup: setup), programs: programs,
                channelCapacity: channelCapacity)
        } catch {
            throw HarnessError("cannot set up \(implementation): \(error.message)")
        }
    }
}
