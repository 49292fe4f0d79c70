import IPCModels

/// Replays a simulation trace exactly: the same construction and setup (from the header), the same programs
/// (the invoke events), and the same moves (one step per schedule event, the kills where they were). The
/// simulation has no other source of nondeterminism, so every event must come out as recorded; the first that
/// does not is reported.
enum SimulationReplayer {
    static func replay(_ original: Trace, path: String?, checkBudget: CheckBudget) throws(ReplayError) -> ReplayResult {
        let header = original.header
        guard let sim = header.extra["sim"] else {
            throw .trace(TraceError(path: path, line: 1, "the header has no 'sim' setup; only traces recorded by `ipc-harness run --mode sim` can be replayed"))
        }
        let processes: [Int]
        let channelCapacity: Int
        do {
            let value: JSONValue? = sim
            processes = try value.processes("processes")
            channelCapacity = try value.required("channelCapacity").integer("channelCapacity", in: 1...1 << 20)
        } catch {
            throw .trace(TraceError(path: path, line: 1, "the header's sim setup: \(error.message)"))
        }
        let simulator: Simulator
        do {
            simulator = try SimulationRunner.simulator(
                implementation: header.mechanism, setup: sim["setup"],
                programs: SimulationTrace.programs(of: original, processes: processes), channelCapacity: channelCapacity)
        } catch {
            throw .harness(error)
        }
        var plan = ReplaySimPlan(moves: SimulationTrace.moves(of: original))
        let events: [Trace.Event]
        do {
            events = SimulationTrace.events(try simulator.run(&plan).events)
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

    static func describe(_ event: Trace.Event) -> String {
        var text = "process \(event.process) \(event.type.rawValue)"
        if let f = event.f { text += " \(f)" }
        if let value = event.value { text += " \(value)" }
        if let error = event.error { text += " \(error)" }
        return text
    }
}
