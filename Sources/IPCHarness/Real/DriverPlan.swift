import IPCModels

/// What the driver sees when it asks its plan what to do.
struct DriverSituation {
    /// Live processes with no operation outstanding.
    var idle: [Int]
    /// Live processes inside an operation.
    var running: [Int]
    /// Every running process is asleep inside its operation and has stayed so: nothing will change unless the
    /// driver acts.
    var stalled: Bool
}

/// The driver's next move.
enum DriverAction: Equatable {
    /// Start `call` in `process`; `choices` were the processes that could have started one; `directive` says
    /// what to inject into it.
    case invoke(process: Int, call: Call, choices: [Int], directive: OperationDirective = .none)
    /// Send SIGUSR1 to `process`, asleep inside its operation.
    case signal(process: Int)
    /// Tell `process` to exit (its program is over).
    case exit(process: Int)
    /// SIGKILL `process`.
    case kill(process: Int)
    /// Wait for a running operation to complete.
    case wait
    /// Every process has ended.
    case finish
}

/// Decides the driver's moves: from a workload and a strategy, or from a recorded trace.
protocol DriverPlan {
    mutating func next(_ situation: DriverSituation) -> DriverAction
}

/// Runs each process's program, choosing who goes next with a scheduling strategy. A process exits when its
/// program ends; when every remaining process is stuck inside an operation (a deadlock of the workload), one is
/// killed, chosen by the seeded generator, and its operation becomes indeterminate. The fault schedule adds
/// kills, signals and injected call faults at the points where the driver decides.
struct GeneratedPlan: DriverPlan {
    private var programs: [Int: [Call]]
    private var position: [Int: Int] = [:]
    private var strategy: any SchedulingStrategy
    private var generator: SeededGenerator
    private var faults: FaultSchedule

    init(
        workload: Workload, strategy: any SchedulingStrategy, generator: SeededGenerator,
        faults: FaultSchedule = FaultSchedule(options: .none, generator: SeededGenerator(seed: 0))
    ) {
        programs = Dictionary(uniqueKeysWithValues: workload.processes.map { ($0.id, $0.program) })
        self.strategy = strategy
        self.generator = generator
        self.faults = faults
    }

    mutating func next(_ situation: DriverSituation) -> DriverAction {
        if let finished = situation.idle.first(where: { position[$0, default: 0] >= programs[$0]!.count }) {
            return .exit(process: finished)
        }
        if !situation.idle.isEmpty || situation.stalled,
            let interruption = faults.interruption(idle: situation.idle, running: situation.running)
        {
            switch interruption {
            case .kill(let process): return .kill(process: process)
            case .signal(let process): return .signal(process: process)
            }
        }
        if !situation.idle.isEmpty {
            let process = strategy.choose(among: situation.idle)
            let call = programs[process]![position[process, default: 0]]
            position[process, default: 0] += 1
            let directive = faults.directive(for: process, call: call)
            return .invoke(process: process, call: call, choices: situation.idle, directive: directive)
        }
        if situation.running.isEmpty { return .finish }
        if situation.stalled { return .kill(process: generator.pick(situation.running)) }
        return .wait
    }
}

/// Repeats a recorded run's moves in their recorded order: each invoke once its process is idle again, each
/// kill and exit where it happened. A recorded move that cannot happen is noted as a divergence.
struct ReplayPlan: DriverPlan {
    enum Move: Equatable {
        /// `choices`: the processes that could have invoked when it was recorded (from its schedule event).
        case invoke(process: Int, call: Call, choices: [Int], eventIndex: Int)
        case kill(process: Int, eventIndex: Int)
        case exit(process: Int, eventIndex: Int)
        /// A signal sent to the process while it was blocked in its operation.
        case signal(process: Int, eventIndex: Int)
    }

    private var moves: [Move]
    /// What was injected into each recorded invoke, by the invoke's event index.
    private let directives: [Int: OperationDirective]
    private var index = 0
    private(set) var divergences: [String] = []
    /// The event index of each process's latest invoke handed to the driver (to name an operation's trace line).
    private(set) var lastInvoke: [Int: Int] = [:]

    init(moves: [Move], directives: [Int: OperationDirective] = [:]) {
        self.moves = moves
        self.directives = directives
    }

    mutating func next(_ situation: DriverSituation) -> DriverAction {
        let alive = Set(situation.idle + situation.running)
        while index < moves.count {
            switch moves[index] {
            case .invoke(let process, let call, let choices, let eventIndex):
                if situation.idle.contains(process) {
                    index += 1
                    lastInvoke[process] = eventIndex
                    return .invoke(process: process, call: call, choices: choices, directive: directives[eventIndex] ?? .none)
                }
                if !alive.contains(process) {
                    divergences.append("event \(eventIndex): process \(process) had ended, so it could not invoke '\(call.f)'")
                    index += 1
                    continue
                }
                if situation.stalled {
                    divergences.append("event \(eventIndex): process \(process) was still blocked in its previous operation, which completed in the recorded run")
                    return .kill(process: process)
                }
                return .wait
            case .kill(let process, _):
                index += 1
                if alive.contains(process) { return .kill(process: process) }
            case .signal(let process, let eventIndex):
                if situation.running.contains(process) {
                    index += 1
                    return .signal(process: process)
                }
                if situation.idle.contains(process) || !alive.contains(process) {
                    divergences.append("event \(eventIndex): process \(process) was not inside an operation to be signalled")
                    index += 1
                    continue
                }
                return .wait
            case .exit(let process, let eventIndex):
                if situation.idle.contains(process) {
                    index += 1
                    return .exit(process: process)
                }
                if !alive.contains(process) {
                    index += 1
                    continue
                }
                if situation.stalled {
                    divergences.append("event \(eventIndex): process \(process) was still blocked when it exited in the recorded run")
                    return .kill(process: process)
                }
                return .wait
            }
        }
        if let process = situation.idle.first { return .exit(process: process) }
        if situation.running.isEmpty { return .finish }
        if situation.stalled {
            divergences.append("after the recorded events: process \(situation.running[0]) was still blocked")
            return .kill(process: situation.running[0])
        }
        return .wait
    }
}
