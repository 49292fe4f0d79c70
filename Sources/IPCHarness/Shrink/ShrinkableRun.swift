import IPCModels

/// A recorded run as the shrinker edits it: the moves that drove it, in order, and how to run an edited copy
/// again. Real-mode runs (``RealRunSpec``) re-run on the kernel; simulated ones (``SimulationRunSpec``) in the
/// simulator.
protocol ShrinkableRun {
    associatedtype Move: ShrinkMove
    var moves: [Move] { get set }
    /// The run without `process` and its moves; nil when that cannot be set up (the model's view of who holds
    /// what cannot be recomputed without it).
    func removing(process: Int) -> Self?
    /// Runs the edited run and checks the trace it records.
    func run(worker: WorkerCommand, budget: CheckBudget) throws(ReplayError) -> RunResult
    /// The call faults injected into invocations (by the invocation's recorded event index); empty where a run
    /// has none.
    var injectedFaults: [Int] { get }
    /// The run with the call fault injected into invocation `eventIndex` left out.
    func removingInjectedFault(_ eventIndex: Int) -> Self
}

extension ShrinkableRun {
    var injectedFaults: [Int] { [] }
    func removingInjectedFault(_ eventIndex: Int) -> Self { self }
}

/// One move of a run being shrunk.
protocol ShrinkMove {
    /// The process the move concerns.
    var process: Int { get }
    /// Whether the shrinker may drop it (a process's exit stays).
    var isRemovable: Bool { get }
    /// Whether it is the process being scheduled (an invocation; in a simulation every step): what preemptions
    /// are counted in.
    var isScheduling: Bool { get }
    /// The same move with a smaller payload, read size or pause; nil when there is nothing left to halve.
    func halved() -> Self?
}

extension ShrinkableRun {
    /// The processes that are scheduled at least once.
    var invokingProcesses: [Int] {
        Array(Set(moves.filter(\.isScheduling).map(\.process))).sorted()
    }

    /// How many times consecutive scheduling moves switch from one process to another.
    var contextSwitches: Int {
        var switches = 0
        var last: Int?
        for move in moves where move.isScheduling {
            if let last, last != move.process { switches += 1 }
            last = move.process
        }
        return switches
    }
}

extension JSONValue {
    /// A call's value with its payload (`data`), read size (`max`) or preemption pause (`pause`) halved; nil when
    /// none is left to halve.
    func halvedCallValue() -> JSONValue? {
        guard case .object(var value) = self else { return nil }
        if let data = value["data"], let bytes = try? data.payload("data"), bytes.count > 1 {
            value["data"] = Payload.json(bytes.prefix(bytes.count / 2))
        } else if case .integer(let max)? = value["max"], max > 1 {
            value["max"] = .integer(max / 2)
        } else if case .integer(let pause)? = value["pause"], pause > 1 {
            value["pause"] = .integer(pause / 2)
        } else {
            return nil
        }
        return .object(value)
    }
}
