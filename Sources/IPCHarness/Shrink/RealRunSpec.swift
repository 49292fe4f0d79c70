import IPCModels

/// A real-mode run as a shrinker edits it: the objects and who holds them, and the driver's moves in order.
/// Running a spec replays the moves on the real kernel and checks the new trace.
struct RealRunSpec: ShrinkableRun {
    var header: Trace.Header
    var workload: Workload
    var moves: [ReplayPlan.Move]
    /// Faults injected into invokes, by the invoke's recorded event index (which moves keep).
    var directives: [Int: OperationDirective]
    /// The scenario's workload setup, which recomputes the model's parameters when a process goes; without it
    /// processes are not removed.
    var setup: RealSetup?
    /// The trace's file, which errors about its input name.
    var path: String?

    init(trace: Trace, setup: RealSetup?, path: String? = nil) throws(ReplayError) {
        self.setup = setup
        self.path = path
        guard trace.header.mode == "real", let recorded = trace.header.extra["workload"] else {
            throw .trace(TraceError(path: path, line: 1, "only real-mode and simulation traces recorded by `ipc-harness run` can be shrunk"))
        }
        do {
            workload = try Workload(setupJSON: recorded)
        } catch {
            throw .trace(TraceError(path: path, line: 1, "the header's workload: \(error.message)"))
        }
        header = trace.header
        moves = Replayer.moves(of: trace)
        directives = Replayer.directives(of: trace)
    }

    var injectedFaults: [Int] { directives.filter { $0.value.fault != nil }.keys.sorted() }

    /// Whether a process of the run is killed, or kills itself after an operation.
    var hasKills: Bool {
        directives.values.contains(where: \.dieAfter) || moves.contains { if case .kill = $0 { true } else { false } }
    }

    func removingInjectedFault(_ eventIndex: Int) -> RealRunSpec {
        var candidate = self
        candidate.directives[eventIndex]?.fault = nil
        return candidate
    }

    func removing(process: Int) -> RealRunSpec? {
        guard let setup else { return nil }
        var candidate = self
        candidate.workload.processes.removeAll { $0.id == process }
        candidate.moves = moves.filter { $0.process != process }.map { $0.forgetting(process) }
        candidate.header.parameters = setup.modelParameters(candidate.workload)
        return candidate
    }

    /// Runs the spec on the real kernel and checks the trace it records.
    func run(worker: WorkerCommand, budget: CheckBudget) throws(ReplayError) -> RunResult {
        var plan = ReplayPlan(moves: moves, directives: directives)
        let driver = RealDriver(
            workload: workload, implementation: header.mechanism, worker: worker,
            options: Replayer.driverOptions(of: header))
        let events: [Trace.Event]
        do {
            events = try driver.run(&plan)
        } catch {
            throw .located(error, path: path, lastInvoke: plan.lastInvoke)
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
