import IPCModels

/// A simulated run as a shrinker edits it: the construction (from the header), and the plan's moves in order —
/// each step of a process (the steps that start an operation carry its call, so the programs are the calls of
/// those moves) and each virtual kill. An edited spec runs leniently: a move for a process that has already ended
/// is skipped, and once the moves run out the lowest-numbered live process goes until all have ended. The trace
/// kept is the one the simulator recorded, so `replay` repeats it exactly.
struct SimulationRunSpec: ShrinkableRun {
    enum Move: ShrinkMove {
        /// The step that starts `call`.
        case start(process: Int, call: Call)
        case step(process: Int)
        case kill(process: Int)

        var process: Int {
            switch self {
            case .start(let process, _), .step(let process), .kill(let process): process
            }
        }

        var isRemovable: Bool { true }

        var isScheduling: Bool {
            if case .kill = self { return false }
            return true
        }

        func halved() -> Move? {
            guard case .start(let process, var call) = self, let value = call.value?.halvedCallValue() else { return nil }
            call.value = value
            return .start(process: process, call: call)
        }
    }

    var header: Trace.Header
    var processes: [Int]
    var moves: [Move]
    let channelCapacity: Int

    init(trace: Trace, path: String? = nil) throws(ReplayError) {
        guard let sim = trace.header.extra["sim"] else {
            throw .trace(TraceError(path: path, line: 1, "the header has no 'sim' setup; only traces recorded by `ipc-harness run --mode sim` can be shrunk"))
        }
        do {
            let value: JSONValue? = sim
            processes = try value.processes("processes")
            channelCapacity = try value.required("channelCapacity").integer("channelCapacity", in: 1...1 << 20)
        } catch {
            throw .trace(TraceError(path: path, line: 1, "the header's sim setup: \(error.message)"))
        }
        header = trace.header
        var moves: [Move] = []
        let events = trace.events
        for (position, event) in events.enumerated() {
            switch event.type {
            case .schedule:
                // A step that starts an operation is followed by that operation's invoke, at the same time.
                if position + 1 < events.count, events[position + 1].type == .invoke, events[position + 1].process == event.process {
                    let invoke = events[position + 1]
                    moves.append(.start(process: event.process, call: Call(
                        process: event.process, object: invoke.object ?? "", f: invoke.f ?? "", value: invoke.value)))
                } else {
                    moves.append(.step(process: event.process))
                }
            case .kill:
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
    var programs: [(process: Int, calls: [Call])] {
        processes.map { process in
            (process, moves.compactMap { move -> Call? in
                if case .start(process, let call) = move { return call }
                return nil
            })
        }
    }

    func run(worker: WorkerCommand, budget: CheckBudget) throws(ReplayError) -> RunResult {
        var runHeader = header
        if case .object(var sim)? = header.extra["sim"] {
            sim["processes"] = .array(processes.map { .int($0) })
            runHeader.extra["sim"] = .object(sim)
        }
        do {
            let simulator = try SimulationRunner.simulator(
                implementation: header.mechanism, setup: header.extra["sim"]?["setup"], programs: programs,
                channelCapacity: channelCapacity)
            var plan = LenientSimPlan(moves: moves.map { move in
                if case .kill(let process) = move { return .kill(process) }
                return .step(move.process)
            })
            let events = SimulationTrace.events(try simulator.run(&plan).events)
            return try ScenarioRunner.check(Trace(header: runHeader, events: events), seed: UInt64(header.seed) ?? 0, budget: budget)
        } catch {
            throw .harness(error)
        }
    }
}

/// Makes the moves it is given where it can — skipping those of processes that have ended — then lets the
/// lowest-numbered live process go until every process has ended.
struct LenientSimPlan: SimPlan {
    let moves: [SimMove]
    private var index = 0

    init(moves: [SimMove]) {
        self.moves = moves
    }

    mutating func next(enabled: [Int], step: Int) -> SimMove? {
        while index < moves.count {
            let move = moves[index]
            index += 1
            switch move {
            case .step(let process), .kill(let process):
                if enabled.contains(process) { return move }
            }
        }
        return .step(enabled[0])
    }
}
