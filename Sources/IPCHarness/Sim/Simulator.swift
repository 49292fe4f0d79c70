import IPCMechanisms
import IPCModels

/// What the simulation's plan decides at each scheduling point.
enum SimMove: Hashable {
    /// `process` takes its next step (starting its next operation if it has none in progress).
    case step(Int)
    /// `process` is killed: it stops where it is; its operation in progress becomes indeterminate.
    case kill(Int)
}

/// Decides the simulation's moves: from a strategy and the seed, or from a recorded trace.
protocol SimPlan {
    /// The move at scheduling point `step`, among the live processes `enabled` (ascending, never empty); nil
    /// ends the run early (a replay that ran out of recorded moves).
    mutating func next(enabled: [Int], step: Int) -> SimMove?
}

/// One event of a simulated run, kept compactly until a trace is wanted.
enum SimEvent {
    case schedule(process: Int, step: Int, enabled: [Int], access: SimulatedAccess?)
    case invoke(process: Int, step: Int, call: Call)
    case completion(process: Int, step: Int, call: Call, completion: Completion)
    case kill(process: Int, step: Int, during: Bool)
    case indeterminate(process: Int, step: Int, call: Call)
    case exit(process: Int, step: Int, killed: Bool)
}

/// Runs a reference construction's workload in one thread: virtual processes take one step at a time, the plan
/// choosing who goes next at every access to shared memory or a channel. Nothing else is a source of
/// nondeterminism, so the plan's choices fix the run.
struct Simulator {
    let construction: any ReferenceConstruction
    let programs: [(process: Int, calls: [Call])]
    let channelCapacity: Int
    /// A run longer than this is a harness bug (operations never spin without bound).
    var maximumSteps = 5_000_000

    private struct ProcessState {
        let id: Int
        let calls: [Call]
        let binding: any ReferenceProcess
        var position = 0
        var operation: SteppedOperation?
        var call: Call?
        var alive = true
    }

    /// Runs until every process has ended (or the plan stops); `recordAccesses` false leaves schedule events out.
    func run(_ plan: inout some SimPlan, recordAccesses: Bool = true) throws(HarnessError) -> (events: [SimEvent], steps: Int) {
        let memory = SimulatedMemory(
            size: construction.size, channels: construction.channels, channelCapacity: channelCapacity,
            initialWords: construction.initialWords)
        var processes = programs.map { ProcessState(id: $0.process, calls: $0.calls, binding: construction.makeProcess($0.process)) }
        var events: [SimEvent] = []
        events.reserveCapacity(recordAccesses ? 256 : 64)
        for index in processes.indices where processes[index].calls.isEmpty {
            processes[index].alive = false
            events.append(.exit(process: processes[index].id, step: 0, killed: false))
        }
        var enabled: [Int] = []
        var step = 0
        while true {
            enabled.removeAll(keepingCapacity: true)
            for process in processes where process.alive { enabled.append(process.id) }
            if enabled.isEmpty { break }
            guard step < maximumSteps else { throw HarnessError("the simulation ran past \(maximumSteps) steps: an operation spins without bound") }
            guard let move = plan.next(enabled: enabled, step: step) else { break }
            switch move {
            case .kill(let id):
                guard let index = processes.firstIndex(where: { $0.id == id && $0.alive }) else {
                    throw HarnessError("the plan killed process \(id), which is not alive")
                }
                events.append(.kill(process: id, step: step, during: processes[index].operation != nil))
                if let call = processes[index].call, processes[index].operation != nil {
                    events.append(.indeterminate(process: id, step: step, call: call))
                }
                events.append(.exit(process: id, step: step, killed: true))
                processes[index].alive = false
            case .step(let id):
                guard let index = processes.firstIndex(where: { $0.id == id && $0.alive }) else {
                    throw HarnessError("the plan stepped process \(id), which is not alive")
                }
                var invoked: Call?
                if processes[index].operation == nil {
                    let call = processes[index].calls[processes[index].position]
                    processes[index].position += 1
                    do {
                        processes[index].operation = try processes[index].binding.operation(for: call)
                    } catch {
                        throw HarnessError("process \(id) cannot perform \(call.f) on \(call.object): \(error.message)")
                    }
                    processes[index].call = call
                    invoked = call
                }
                memory.access = nil
                let completion = processes[index].operation!.step(memory)
                if recordAccesses { events.append(.schedule(process: id, step: step, enabled: enabled, access: memory.access)) }
                if let invoked { events.append(.invoke(process: id, step: step, call: invoked)) }
                if let completion {
                    events.append(.completion(process: id, step: step, call: processes[index].call!, completion: completion))
                    processes[index].operation = nil
                    if processes[index].position == processes[index].calls.count {
                        processes[index].alive = false
                        events.append(.exit(process: id, step: step, killed: false))
                    }
                }
            }
            step += 1
        }
        return (events, step)
    }
}

/// Chooses moves with a scheduling strategy, and kills with the run's generator.
struct GeneratedSimPlan: SimPlan {
    var strategy: any SchedulingStrategy
    var generator: SeededGenerator
    /// The chance, at each scheduling point, that the chosen process is killed instead of stepped.
    var killChance: Double
    var killsLeft: Int

    mutating func next(enabled: [Int], step: Int) -> SimMove? {
        let process = strategy.choose(among: enabled)
        if killsLeft > 0 && killChance > 0 && generator.chance(killChance) {
            killsLeft -= 1
            return .kill(process)
        }
        return .step(process)
    }
}

/// Repeats a recorded run's moves exactly; the first move that cannot be made ends the replay as a divergence.
struct ReplaySimPlan: SimPlan {
    let moves: [(move: SimMove, eventIndex: Int)]
    private var index = 0
    private(set) var divergence: String?

    init(moves: [(move: SimMove, eventIndex: Int)]) {
        self.moves = moves
    }

    var isExhausted: Bool { index == moves.count }

    mutating func next(enabled: [Int], step: Int) -> SimMove? {
        guard index < moves.count else {
            divergence = "after the recorded moves, processes \(enabled) had not ended"
            return nil
        }
        let (move, eventIndex) = moves[index]
        let process: Int
        switch move {
        case .step(let id), .kill(let id): process = id
        }
        guard enabled.contains(process) else {
            divergence = "event \(eventIndex): process \(process) had already ended, so it could not move"
            return nil
        }
        index += 1
        return move
    }
}
