import IPCModels

/// Replays a simulation trace exactly: the same workload and simulation options (from the header), the same
/// programs (the invoke events), the same moves (one step per schedule event, the kills where they were) and the
/// same store read by every load that had a choice. The simulation has no other source of nondeterminism, so every
/// event must come out as recorded; the first that does not is reported.
enum SimulationReplayer {
    static func replay(_ original: Trace, path: String?, checkBudget: CheckBudget) throws(ReplayError) -> ReplayResult {
        let header = original.header
        let simulator = try simulator(for: original, path: path)
        var plan = ReplaySimPlan(moves: SimulationTrace.moves(of: original))
        let events: [Trace.Event]
        do {
            events = SimulationTrace.events(try simulator.run(&plan).events, regionNames: simulator.workload.objects.map(\.name))
        } catch {
            throw .harness(error)
        }
        var replayedHeader = header
        replayedHeader.extra["replayOf"] = .string(path ?? "trace")
        let result: RunResult
        do {
            result = try ScenarioRunner.check(Trace(header: replayedHeader, events: events), seed: UInt64(header.seed) ?? 0, budget: checkBudget)
        } catch {
            throw .harness(error)
        }
        var divergences: [String] = []
        if let first = zip(original.events, events).first(where: { $0.0 != $0.1 }) {
            divergences.append("event \(first.0.index): recorded \(describe(first.0)); the replay gave \(describe(first.1))")
        } else if original.events.count != events.count {
            divergences.append("the replay has \(events.count) events, the recording \(original.events.count)")
        }
        if let divergence = plan.divergence { divergences.append(divergence) }
        return ReplayResult(recordedVerdict: original.verdict?.result, result: result, divergences: divergences)
    }

    /// The simulator a simulation trace's header sets up, with the programs of its invoke events.
    static func simulator(for trace: Trace, path: String?, programs: [Int: [Call]]? = nil) throws(ReplayError) -> Simulator {
        let header = trace.header
        guard let setup = header.extra["workload"], header.extra["sim"] != nil else {
            throw .trace(TraceError(path: path, line: 1, "the header has no 'workload' and 'sim'; only traces recorded by `ipc-harness run --mode sim` can be replayed"))
        }
        var workload: Workload
        let options: SimulationOptions
        do {
            workload = try Workload(setupJSON: setup)
            options = try SimulationTrace.options(from: header.extra["sim"])
        } catch {
            throw .trace(TraceError(path: path, line: 1, "the header's simulation setup: \(error.message)"))
        }
        let programs = programs ?? SimulationTrace.programs(of: trace, processes: workload.processes.map(\.id))
        for index in workload.processes.indices { workload.processes[index].program = programs[workload.processes[index].id] ?? [] }
        do {
            return try Simulator(workload: workload, implementation: header.mechanism, modelParameters: header.parameters, options: options)
        } catch {
            throw .harness(error)
        }
    }

    static func describe(_ event: Trace.Event) -> String {
        var text = "process \(event.process) \(event.type.rawValue)"
        if let f = event.f { text += " \(f)" }
        if let value = event.value { text += " \(value)" }
        if let error = event.error { text += " \(error)" }
        return text
    }
}
