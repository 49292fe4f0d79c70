import IPCMechanisms
import IPCModels
import IPCSyscalls

/// One virtual process of a simulated run: its program, its bindings (one per object it holds), its coroutine,
/// and where it is.
final class VirtualProcess {
    enum State: Equatable {
        /// Stopped before an access, between two operations, or woken from a wait: it goes when the plan says.
        case ready
        /// Asleep in a wait on a word, until a wake; `since` orders the sleepers of a word (a futex's queue is FIFO).
        case asleep(region: Int, offset: Int, since: Int)
        case exited, killed, crashed, hung
    }

    let id: Int
    let index: Int
    let program: [Call]
    @exclusivity(unchecked) var bindings: [String: any WorkerBinding] = [:]
    let coroutine: Coroutine
    @exclusivity(unchecked) var state = State.ready
    /// The operation it has started in this step but not yet recorded: its invoke is recorded with its first access.
    @exclusivity(unchecked) var starting: Call?
    /// Whether it has made its access of the current step: the next one waits for another step.
    @exclusivity(unchecked) var madeAccess = false
    /// The operation recorded as invoked and not yet completed.
    @exclusivity(unchecked) var invoked: Call?
    /// Why it crashed, when the simulator knows (an access outside its region).
    var crashReason: String?
    /// The access it stopped before; nil between operations or after a wake (not known until it runs).
    @exclusivity(unchecked) var pending: PendingAccess?

    init(id: Int, index: Int, program: [Call]) throws(HarnessError) {
        self.id = id
        self.index = index
        self.program = program
        self.coroutine = try Coroutine()
    }

    var isLive: Bool {
        switch state {
        case .ready, .asleep: true
        case .exited, .killed, .crashed, .hung: false
        }
    }
}

/// A simulated run in progress: the virtual processes, the regions, the clocks, the plan and the events so far.
/// The scheduling loop (``execute()``) runs on the caller's stack; each process runs on its coroutine until its
/// next access (``awaitTurn()``), so exactly one piece of code runs at a time.
///
/// The state every step touches is `@exclusivity(unchecked)`: one thread uses it, one coroutine at a time, and the
/// runtime's dynamic exclusivity checks cost a tenth of a step.
final class SimulationRun {
    let options: SimulationOptions
    @exclusivity(unchecked) var plan: any SimPlan
    @exclusivity(unchecked) private(set) var processes: [VirtualProcess] = []
    private var regions: [SimulatedRegion] = []
    @exclusivity(unchecked) var clocks: VectorClocks
    @exclusivity(unchecked) private(set) var events: [SimEvent] = []
    @exclusivity(unchecked) private var step = 0
    @exclusivity(unchecked) private var enabled: [Int] = []
    /// The schedule event of the current step.
    @exclusivity(unchecked) private var scheduleEvent = 0
    /// The dense index of the process running now.
    @exclusivity(unchecked) private var current = 0
    /// A binding that could not carry out a call (a malformed workload): the run stops with it.
    private var failure: HarnessError?
    private let multipleRegions: Bool
    private let regionNames: [String]

    init(simulator: Simulator, plan: some SimPlan) throws(HarnessError) {
        options = simulator.options
        self.plan = plan
        let workload = simulator.workload
        clocks = VectorClocks(processes: workload.processes.count)
        multipleRegions = workload.objects.count > 1
        regionNames = workload.objects.map(\.name)
        for (index, process) in workload.processes.enumerated() {
            processes.append(try VirtualProcess(id: process.id, index: index, program: process.program))
        }
        for (index, object) in workload.objects.enumerated() {
            let (kind, model) = simulator.kinds[object.name]!
            let setup = simulator.setup(of: object)
            let layout: SharedRegionLayout
            do {
                layout = try kind.layout(of: setup)
            } catch {
                throw HarnessError("cannot set up \(object.name): \(error.message)")
            }
            let region = SimulatedRegion(
                run: self, index: index, name: object.name, layout: layout,
                channelCapacity: object.integer("channelCapacity") ?? options.channelCapacity)
            regions.append(region)
            for (position, process) in workload.processes.enumerated() where process.holds[object.name] != nil {
                do {
                    processes[position].bindings[object.name] = try kind.simulatedBinding(
                        for: setup, process: process.id, in: region, model: model)
                } catch {
                    throw HarnessError("process \(process.id) cannot hold \(object.name): \(error.message)")
                }
            }
        }
    }

    /// Breaks the cycles between the run, its regions and its processes' bindings.
    func finish() {
        for process in processes { process.bindings.removeAll() }
        regions.removeAll()
    }

    // MARK: The scheduling loop

    func execute() throws(HarnessError) -> (events: [SimEvent], steps: Int) {
        events.reserveCapacity(options.recordsSchedule ? 256 : 64)
        for process in processes {
            process.coroutine.start { [unowned self, unowned process] in body(of: process) }
            if process.program.isEmpty {
                process.state = .exited
                events.append(.exit(process: process.id, step: 0, signal: nil, reason: nil))
            }
        }
        var pending: [PendingAccess?] = []
        while true {
            enabled.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
            for process in processes where process.state == .ready {
                enabled.append(process.id)
                var access = process.pending
                if access?.expected != nil { access!.current = regions[access!.region].newest(access!.offset) }
                pending.append(access)
            }
            if enabled.isEmpty {
                endAsleep()
                break
            }
            guard step < options.maximumSteps else {
                endHung("it was still running after \(options.maximumSteps) steps (a livelock, or a loop that never waits)")
                break
            }
            guard let move = plan.next(enabled: enabled, pending: pending, step: step) else { break }
            switch move {
            case .kill(let id):
                guard let process = processes.first(where: { $0.id == id && $0.state == .ready }) else {
                    throw HarnessError("the plan killed process \(id), which cannot move")
                }
                kill(process)
            case .step(let id):
                guard let process = processes.first(where: { $0.id == id && $0.state == .ready }) else {
                    throw HarnessError("the plan stepped process \(id), which cannot move")
                }
                if options.recordsSchedule {
                    // First in the step; its access is filled in when the process makes it.
                    scheduleEvent = events.count
                    events.append(.schedule(process: id, step: step, enabled: enabled, access: nil))
                }
                try resume(process)
            }
            step += 1
        }
        return (events, step)
    }

    /// One step of `process`: it makes one access (the one it stopped before, or the first it comes to) and runs on
    /// to its next access, the end of its operation, or its end.
    private func resume(_ process: VirtualProcess) throws(HarnessError) {
        current = process.index
        process.madeAccess = false
        switch process.coroutine.resume() {
        case .yielded:
            break
        case .finished:
            process.state = .exited
            clocks.completeOperation(process.index)
            events.append(.exit(process: process.id, step: step, signal: nil, reason: nil))
        case .crashed(let signal, let overflow):
            let reason = process.crashReason
                ?? (overflow ? "its stack overflowed" : signal == 4 || signal == 5 ? "a Swift runtime trap (a failed precondition, an index out of range, a force-unwrapped nil…)" : "a bad memory access")
            end(process, as: .crashed, signal: SignalName.name(of: signal), reason: reason)
        }
        if let failure { throw failure }
    }

    private func kill(_ process: VirtualProcess) {
        events.append(.kill(process: process.id, step: step, during: process.invoked != nil))
        if let call = process.invoked { events.append(.indeterminate(process: process.id, step: step, call: call)) }
        process.invoked = nil
        process.state = .killed
        clocks.completeOperation(process.index)
        events.append(.exit(process: process.id, step: step, signal: "SIGKILL", reason: nil))
    }

    private func end(_ process: VirtualProcess, as state: VirtualProcess.State, signal: String, reason: String) {
        if let call = process.starting {
            // It died in an operation before that operation's first access: it was invoked all the same.
            process.starting = nil
            process.invoked = call
            events.append(.invoke(process: process.id, step: step, call: call))
        }
        if let call = process.invoked { events.append(.indeterminate(process: process.id, step: step, call: call)) }
        process.invoked = nil
        process.state = state
        clocks.completeOperation(process.index)
        events.append(.exit(process: process.id, step: step, signal: signal, reason: reason))
    }

    /// No process can move, yet some are asleep: nobody is left to wake them.
    private func endAsleep() {
        for process in processes {
            guard case .asleep(let region, let offset, _) = process.state else { continue }
            events.append(.hung(process: process.id, step: step, reason: "it waited on the word at offset \(offset) of \(regionNames[region]) and no process was left to wake it"))
            end(process, as: .hung, signal: "SIGKILL", reason: "")
        }
    }

    private func endHung(_ reason: String) {
        for process in processes where process.isLive {
            events.append(.hung(process: process.id, step: step, reason: reason))
            end(process, as: .hung, signal: "SIGKILL", reason: "")
        }
    }

    // MARK: Inside a virtual process

    /// A process's whole life: its program, call by call, through the binding of the object each call names.
    private func body(of process: VirtualProcess) {
        for call in process.program {
            // Between operations: a step that has made its access ends here, and the next operation starts with
            // the process's next step (so a kill can fall between two operations).
            if process.madeAccess {
                process.pending = nil
                Coroutine.yield()
            }
            guard var binding = process.bindings[call.object] else {
                failure = HarnessError("process \(process.id) holds no \(call.object) but its program calls \(call.f) on it")
                return
            }
            process.starting = call
            let outcome: Outcome
            do {
                outcome = try binding.perform(call)
            } catch {
                failure = HarnessError("process \(process.id) cannot perform \(call.f) on \(call.object): \(error.message)", input: .operation(process: process.id))
                return
            }
            process.bindings[call.object] = binding
            if let call = process.starting {
                // It made no access at all: invoked and completed at once.
                process.starting = nil
                events.append(.invoke(process: process.id, step: step, call: call))
            }
            process.invoked = nil
            clocks.completeOperation(process.index)
            events.append(.completion(process: process.id, step: step, call: call, outcome: outcome))
        }
    }

    /// Called by a region before an access: unless it is the first access of the process's step, gives control
    /// back to the scheduler until the plan lets this process make it. Returns the process's dense index.
    @inline(__always)
    func awaitTurn(region: Int = 0, offset: Int = -1, writes: Bool = false, expected: UInt64? = nil) -> Int {
        let process = processes[current]
        if process.madeAccess {
            process.pending = PendingAccess(region: region, offset: offset, writes: writes, expected: expected)
            Coroutine.yield()
        }
        process.madeAccess = true
        if process.starting != nil, case .weak = options.memory { clocks.startOperation(process.index) }
        return process.index
    }

    /// Called by a region after the access: records the step (and the invoke of the operation it starts).
    func record(_ access: SimulatedAccess) {
        let process = processes[current]
        if options.recordsSchedule {
            events[scheduleEvent] = .schedule(process: process.id, step: step, enabled: enabled, access: access)
        }
        if let call = process.starting {
            process.starting = nil
            process.invoked = call
            events.append(.invoke(process: process.id, step: step, call: call))
        }
    }

    /// Which store a load reads: the plan's choice.
    func chooseStore(_ choices: Int) -> Int { plan.chooseStore(among: choices, step: step) }

    /// Puts the running process to sleep on a word until a wake; returns when it has been woken and resumed.
    func sleepCurrent(region: Int, offset: Int) {
        let process = processes[current]
        sleeps += 1
        process.state = .asleep(region: region, offset: offset, since: sleeps)
        Coroutine.yield()
    }

    private var sleeps = 0

    /// Wakes up to `count` processes asleep on the word, the longest asleep first; returns their numbers.
    func wake(region: Int, offset: Int, count: Int) -> [Int] {
        var asleep: [(since: Int, process: VirtualProcess)] = []
        for process in processes {
            if case .asleep(region, offset, let since) = process.state { asleep.append((since, process)) }
        }
        return asleep.sorted { $0.since < $1.since }.prefix(max(count, 0)).map { sleeper in
            sleeper.process.state = .ready
            sleeper.process.pending = nil
            return sleeper.process.id
        }
    }

    /// The running process dies of a bad access, as a real one would of SIGSEGV; never returns.
    func crashCurrent(reason: String) -> Never {
        processes[current].crashReason = reason
        Coroutine.fail(signal: 11)
    }
}
