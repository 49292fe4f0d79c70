import IPCModels

/// A simulated run as a shrinker edits it: the setup (from the header), and the plan's moves in order — each step
/// of a process, with the operations it started (so the programs are the calls of those moves) and the store its
/// load read, and each virtual kill. An edited spec runs leniently: a move for a process that cannot move is
/// skipped, a load's recorded choice of store is taken where it still has one, and once the moves run out the
/// lowest-numbered process that can move goes until all have ended. The trace kept is the one the simulator
/// recorded, so `replay` repeats it exactly.
struct SimulationRunSpec: ShrinkableRun {
    enum Move: ShrinkMove {
        /// A step of `process` that started `calls` (usually none or one).
        case step(process: Int, calls: [Call], stale: Int?)
        case kill(process: Int)

        var process: Int {
            switch self {
            case .step(let process, _, _), .kill(let process): process
            }
        }

        var isRemovable: Bool { true }

        var isScheduling: Bool {
            if case .kill = self { return false }
            return true
        }

        func halved() -> Move? {
            guard case .step(let process, var calls, let stale) = self else { return nil }
            for index in calls.indices {
                if let value = calls[index].value?.halvedCallValue() {
                    calls[index].value = value
                    return .step(process: process, calls: calls, stale: stale)
                }
            }
            return nil
        }
    }

    let trace: Trace
    let path: String?
    var processes: [Int]
    var moves: [Move]

    init(trace: Trace, path: String? = nil) throws(ReplayError) {
        self.trace = trace
        self.path = path
        let workload = try SimulationReplayer.simulator(for: trace, path: path).workload
        processes = workload.processes.map(\.id)
        var moves: [Move] = []
        for event in trace.events {
            switch event.type {
            case .schedule:
                var stale: Int?
                if case .integer(let value)? = event.value?["access"]?["stale"] { stale = Int(value) }
                moves.append(.step(process: event.process, calls: [], stale: stale))
            case .invoke:
                // An operation belongs to the step of its process it was invoked in (its last one so far).
                guard let index = moves.lastIndex(where: { $0.process == event.process }),
                    case .step(let process, var calls, let stale) = moves[index]
                else { break }
                calls.append(Call(process: event.process, object: event.object ?? "", f: event.f ?? "", value: event.value))
                moves[index] = .step(process: process, calls: calls, stale: stale)
            case .kill where event.point != "hung":
                moves.append(.kill(process: event.process))
            default:
                break
            }
        }
        guard moves.contains(where: \.isScheduling) else {
            throw .trace(TraceError(path: path, "the trace has no schedule events (a simulation trace records one per step), so its run cannot be repeated"))
        }
        self.moves = moves
    }

    func removing(process: Int) -> SimulationRunSpec? {
        var candidate = self
        candidate.processes.removeAll { $0 == process }
        candidate.moves.removeAll { $0.process == process }
        return candidate
    }

    /// Each process's program: the calls its moves start, in order.
    var programs: [Int: [Call]] {
        var programs: [Int: [Call]] = [:]
        for process in processes { programs[process] = [] }
        for case .step(let process, let calls, _) in moves where programs[process] != nil { programs[process]! += calls }
        return programs
    }

    func run(worker: WorkerCommand, budget: CheckBudget) throws(ReplayError) -> RunResult {
        var runHeader = trace.header
        if case .object(var workload)? = trace.header.extra["workload"], case .array(let entries)? = workload["processes"] {
            workload["processes"] = .array(entries.filter { entry in processes.contains { entry["id"] == .int($0) } })
            runHeader.extra["workload"] = .object(workload)
        }
        let simulator = try SimulationReplayer.simulator(for: Trace(header: runHeader, events: []), path: path, programs: programs)
        do {
            var plan = LenientSimPlan(moves: moves.map { move in
                switch move {
                case .kill(let process): (.kill(process), nil)
                case .step(let process, _, let stale): (.step(process), stale)
                }
            })
            let events = SimulationTrace.events(try simulator.run(&plan).events, regionNames: simulator.workload.objects.map(\.name))
            return try ScenarioRunner.check(Trace(header: runHeader, events: events), seed: UInt64(trace.header.seed) ?? 0, budget: budget)
        } catch {
            throw .harness(error)
        }
    }
}

/// Makes the moves it is given where it can — skipping those of processes that cannot move — then lets the
/// lowest-numbered process that can move go until every process has ended. A load reads the store its move
/// recorded where it still can, else the newest.
struct LenientSimPlan: SimPlan {
    let moves: [(move: SimMove, stale: Int?)]
    private var index = 0
    private var stale: Int?

    init(moves: [(move: SimMove, stale: Int?)]) {
        self.moves = moves
    }

    mutating func next(enabled: [Int], pending: [PendingAccess?], step: Int) -> SimMove? {
        while index < moves.count {
            let (move, stale) = moves[index]
            index += 1
            switch move {
            case .step(let process), .kill(let process):
                if enabled.contains(process) {
                    self.stale = stale
                    return move
                }
            }
        }
        stale = nil
        return .step(enabled[0])
    }

    mutating func chooseStore(among choices: Int, step: Int) -> Int {
        min(stale ?? 0, choices - 1)
    }
}
