import IPCModels

/// A real-mode run as a shrinker edits it: the objects and who holds them, and the driver's moves in order.
/// Running a spec replays the moves on the real kernel and checks the new trace.
struct RealRunSpec {
    var header: Trace.Header
    var workload: Workload
    var moves: [ReplayPlan.Move]

    init(trace: Trace) throws(ReplayError) {
        guard trace.header.mode == "real", let setup = trace.header.extra["workload"] else {
            throw .trace(TraceError(line: 1, "only real-mode traces recorded by `ipc-harness run` can be shrunk here"))
        }
        do {
            workload = try Workload(setupJSON: setup)
        } catch {
            throw .trace(TraceError(line: 1, "the header's workload: \(error.message)"))
        }
        header = trace.header
        moves = Replayer.moves(of: trace)
    }

    /// The processes that invoke at least once.
    var invokingProcesses: [Int] {
        Array(Set(moves.compactMap { move -> Int? in
            if case .invoke(let process, _, _, _) = move { return process }
            return nil
        })).sorted()
    }

    /// How many times consecutive invocations switch from one process to another.
    var contextSwitches: Int {
        var switches = 0
        var last: Int?
        for move in moves {
            guard case .invoke(let process, _, _, _) = move else { continue }
            if let last, last != process { switches += 1 }
            last = process
        }
        return switches
    }

    /// Runs the spec on the real kernel and checks the trace it records.
    func run(worker: WorkerCommand, budget: CheckBudget) throws(ReplayError) -> RunResult {
        var plan = ReplayPlan(moves: moves)
        let driver = RealDriver(workload: workload, implementation: header.mechanism, worker: worker)
        let events: [Trace.Event]
        do {
            events = try driver.run(&plan)
        } catch {
            throw .harness(error)
        }
        var runHeader = header
        runHeader.extra["workload"] = workload.setupJSON
        do {
            return try ScenarioRunner.check(Trace(header: runHeader, events: events), seed: UInt64(header.seed) ?? 0, budget: budget)
        } catch {
            throw .harness(error)
        }
    }
}
