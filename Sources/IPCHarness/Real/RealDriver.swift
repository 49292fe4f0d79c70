import Glibc
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage

/// Runs a workload for real: one worker process per process of the workload, the kernel doing the IPC.
///
/// The driver is the only one who decides when an operation starts. After each move it *settles*: it waits
/// until every worker inside an operation has either replied or is asleep inside that operation (read from
/// `/proc/PID/stat` and `/proc/PID/syscall`, not guessed with a sleep). So at each decision point only the
/// kernel's own wake-ups are in flight, the plan sees the same situation whenever the run is repeated, and a
/// recorded run replays. Invocations are stamped before the command is sent and completions after the reply
/// arrives, so each recorded interval contains the real one.
final class RealDriver {
    struct Options {
        /// An operation still running (not asleep) after this long is treated as hung: its worker is killed.
        var hungAfterSeconds: Double = 10
        /// When signals are among the run's faults: whether the workers' SIGUSR1 handler has SA_RESTART.
        var signalRestarts: Bool?
        /// False only to measure what recording costs: the run then returns no events.
        var recording = true
        /// After a kill leaves an operation indeterminate, have a live holder of its object observe what it did
        /// (``ResolutionProbe``). Off in replay, where the recorded probes are moves like any other.
        var resolvesIndeterminate = true
    }

    private struct Worker {
        let id: Int
        let pid: pid_t
        let channel: ControlChannel
        var outstanding: (call: Call, invokeIndex: Int, since: UInt64, directive: OperationDirective)?
        var alive = true
    }

    private let workload: Workload
    private let implementation: String
    private let worker: WorkerCommand
    private let options: Options
    private var workers: [Int: Worker] = [:]
    /// Operations a kill left indeterminate, waiting for a live holder of their object to observe what they did:
    /// the object and the killed process (whose last operation it was).
    private var pendingResolutions: [(object: String, process: Int)] = []
    private var objects = ProvisionedObjects()
    private(set) var recorder = EventRecorder()

    init(workload: Workload, implementation: String, worker: WorkerCommand, options: Options = Options()) {
        self.workload = workload
        self.implementation = implementation
        self.worker = worker
        self.options = options
        recorder = EventRecorder(enabled: options.recording)
    }

    deinit { finishCleanly() }

    /// Runs the plan to its end and returns the recorded events. Whatever happens, every worker is reaped and
    /// every named object the run created is removed before this returns.
    func run(_ plan: inout some DriverPlan) throws(HarnessError) -> [Trace.Event] {
        defer { finishCleanly() }
        try start()
        while true {
            try collectCompletions(timeoutMilliseconds: 0)
            try killHungWorkers()
            if try probeForPendingResolution() {
                try settle()
                continue
            }
            var situation = currentSituation()
            var action = plan.next(situation)
            if action == .wait {
                if try collectCompletions(timeoutMilliseconds: 5) { continue }
                situation.stalled = try isStalled()
                action = plan.next(situation)
                if action == .wait { continue }
            }
            switch action {
            case .invoke(let process, let call, let choices, let directive):
                if choices.count > 1 {
                    recorder.record(process, .schedule) { $0.value = ["enabled": .array(choices.map { .int($0) })] }
                }
                try invoke(process, call, directive)
            case .signal(let process):
                signal(process)
            case .exit(let process):
                try exitWorker(process)
            case .kill(let process):
                try kill(process)
            case .wait:
                continue
            case .finish:
                return recorder.events
            }
            try settle()
        }
    }

    // MARK: Starting

    /// Held by a driver from creating its run's objects until it has closed its own copies of them. A spawned child
    /// starts with a copy of the whole descriptor table and keeps it until its exec closes the close-on-exec ones;
    /// a driver spawning on another thread meanwhile would give its child this run's objects too, and for as long
    /// as that child is not yet running (long, on a loaded machine) a peer's death would not close them: seen as a
    /// send on a socket pair succeeding after the only holder of the other end had exited. `posix_spawn` returns
    /// once its child has exec'd, so with every driver's spawns inside this lock no child ever holds another run's
    /// objects. (Only drivers are covered: anything else in the process that spawns can still race.)
    private static let startLock = Mutex(())

    private func start() throws(HarnessError) {
        // Everything that can be refused is refused before anything is created.
        let objectSetups = try Self.objectSetups(of: workload, running: implementation)
        // Provisioners see which implementation each object runs (one may need other objects than another).
        var resolved = workload
        for index in resolved.objects.indices {
            if case .string(let chosen)? = objectSetups[resolved.objects[index].name]?["implementation"] {
                resolved.objects[index].implementation = chosen
            }
        }
        try Self.startLock.withLock { (_) throws(HarnessError) in
            try PrivateNetwork.run(for: resolved) { () throws(HarnessError) in try spawnWorkers(resolved) }
        }
        try setUpWorkers(objectSetups)
    }

    /// What every worker is told about each object besides its own part: its kind, the implementation it runs
    /// and its kind's model parameters.
    private static func objectSetups(of workload: Workload, running implementation: String) throws(HarnessError) -> [String: JSONObject] {
        try workload.refuseUnknownParameters()
        let implementations = try workload.implementations(running: implementation)
        var parameters: [String: JSONValue] = [:]
        var setups: [String: JSONObject] = [:]
        for object in workload.objects {
            if parameters[object.kind] == nil {
                parameters[object.kind] = try KindRegistry.requireKind(named: object.kind).modelParameters(for: workload)
            }
            setups[object.name] = [
                "kind": .string(object.kind), "implementation": .string(implementations[object.name]!),
                "model": parameters[object.kind]!,
            ]
        }
        // A worker would trap on such a call, and the run would report its own malformed input as the user's crash.
        try workload.refuseCallsItsObjectsCannotPerform(implementations: implementations) { kind in parameters[kind] }
        return setups
    }

    /// Creates the run's objects, starts a worker per process with its descriptors, and closes the driver's copies.
    private func spawnWorkers(_ workload: Workload) throws(HarnessError) {
        do {
            objects = try ObjectProvisioner.provision(workload)
        } catch {
            throw HarnessError(error.message, input: .setup)
        }
        defer { objects.closeDriverCopies() }
        for process in workload.processes {
            let driverEnd: FileDescriptor
            let workerEnd: FileDescriptor
            do {
                (driverEnd, workerEnd) = try Syscall.seqpacketPair()
            } catch {
                throw HarnessError("cannot create a control channel: \(error)")
            }
            defer { try? Syscall.close(workerEnd) }
            let descriptors = [(workerEnd, ControlChannel.workerDescriptor)] + (objects.descriptors[process.id] ?? [])
            let pid: pid_t
            do {
                // A worker that crashes (glibc's robust-mutex unlock can) is an outcome the trace records; the Swift
                // runtime's backtrace would only flood the run's output and cost a fraction of a second.
                pid = try Syscall.spawn(SpawnRequest(
                    path: worker.path, arguments: worker.arguments, descriptors: descriptors,
                    environment: ["SWIFT_BACKTRACE=enable=no"]))
            } catch {
                try? Syscall.close(driverEnd)
                throw HarnessError("cannot start the worker \(worker.path): \(error)")
            }
            workers[process.id] = Worker(id: process.id, pid: pid, channel: ControlChannel(descriptor: driverEnd))
            var holds = JSONObject()
            for name in process.holds.keys.sorted() { holds[name] = .array(process.holds[name]!.map { .string($0) }) }
            recorder.record(process.id, .spawn) { $0.value = ["pid": .int(Int(pid)), "holds": .object(holds)] }
        }
    }

    /// Tells each worker what it holds and who the others are, and waits until it is ready.
    private func setUpWorkers(_ objectSetups: [String: JSONObject]) throws(HarnessError) {
        let pids = workers.mapValues { $0.pid }
        for process in workload.processes {
            let worker = workers[process.id]!
            var held = JSONObject()
            for (name, roles) in process.holds.sorted(by: { $0.key < $1.key }) {
                guard var entry = objectSetups[name] else { continue }
                entry["roles"] = .array(roles.map { .string($0) })
                entry["setup"] = objects.setups[process.id]?[name] ?? .object([:])
                held[name] = .object(entry)
            }
            var setup: JSONObject = ["type": "setup", "objects": .object(held)]
            for member in WorkerContext(process: process.id, pids: pids).json { setup[member.key] = member.value }
            if let restart = options.signalRestarts { setup["interrupt"] = ["restart": .bool(restart)] }
            do {
                try worker.channel.send(.object(setup))
            } catch {
                throw HarnessError("worker \(process.id) died during setup: \(error)")
            }
            let reply = try receive(from: process.id)
            guard case .string("ready")? = reply["type"] else {
                throw HarnessError("worker \(process.id) failed to set up: \(reply["message"].map { "\($0)" } ?? "\(reply)")", input: .setup)
            }
        }
    }

    private func receive(from process: Int) throws(HarnessError) -> JSONValue {
        do {
            switch try workers[process]!.channel.receive() {
            case .message(let message): return message
            case .closed, .nothingYet:
                let status = reap(process)
                throw HarnessError("worker \(process) ended unexpectedly (\(status))")
            }
        } catch let error as HarnessError {
            throw error
        } catch {
            throw HarnessError("worker \(process): \(error)")
        }
    }

    // MARK: Resolving indeterminate operations

    private func awaitResolution(of call: Call) {
        guard options.resolvesIndeterminate else { return }
        pendingResolutions.append((call.object, call.process))
    }

    /// Starts the probe for the oldest pending resolution that an idle, live holder of its object can make, and
    /// says whether it did. A resolution nobody alive can make any more (no probe for the kind, or no live holder
    /// in the needed role) is dropped; one whose holders are all busy waits for one to be idle.
    private func probeForPendingResolution() throws(HarnessError) -> Bool {
        var position = 0
        while position < pendingResolutions.count {
            let (object, killed) = pendingResolutions[position]
            let kind = workload.objects.first { $0.name == object }?.kind
            guard let probe = kind.flatMap({ KindRegistry.kind(named: $0)?.resolutionProbe }) else {
                pendingResolutions.remove(at: position)
                continue
            }
            let able = workload.processes.filter { probe.canBeMade(by: $0.holds[object]) && workers[$0.id]?.alive == true }
            guard !able.isEmpty else {
                pendingResolutions.remove(at: position)
                continue
            }
            guard let prober = able.first(where: { workers[$0.id]?.outstanding == nil }) else {
                position += 1
                continue
            }
            pendingResolutions.remove(at: position)
            var directive = OperationDirective.none
            directive.resolves = killed
            try invoke(prober.id, Call(process: prober.id, object: object, f: probe.f), directive)
            return true
        }
        return false
    }

    // MARK: Moves

    private func invoke(_ process: Int, _ call: Call, _ directive: OperationDirective) throws(HarnessError) {
        let index = recorder.record(process, .invoke) {
            $0.f = call.f
            $0.object = call.object
            $0.value = call.value
            if let resolves = directive.resolves { $0.extra["resolves"] = .int(resolves) }
        }
        var message: JSONObject = ["type": "op", "f": .string(call.f), "object": .string(call.object)]
        if let value = call.value { message["value"] = value }
        for (key, value) in directive.messageMembers { message[key] = value }
        workers[process]!.outstanding = (call, index, MonotonicClock.nanoseconds(), directive)
        do throws(Errno) {
            try workers[process]!.channel.send(.object(message))
        } catch .brokenPipe, .connectionReset {
            // The worker is gone; the next collection reaps it and records the operation as indeterminate.
        } catch {
            // Anything else never reached a live worker, which would wait for it until the watchdog took it for
            // hung: an operation too large for one control message (EMSGSIZE) is the one seen.
            let why = error == .messageTooLong ? " (its value is larger than one control message can carry)" : ""
            throw HarnessError("cannot send \(call.f) on \(call.object) to worker \(process): \(error.name)\(why)")
        }
    }

    private func exitWorker(_ process: Int) throws(HarnessError) {
        try? workers[process]!.channel.send(["type": "exit"])
        let status = reap(process)
        recorder.record(process, .exit) { $0.value = status.json }
    }

    /// Interrupts the call a worker is asleep in (its handler does nothing); what the call then does is the
    /// kernel's and the client's business, recorded in the operation's outcome.
    private func signal(_ process: Int) {
        guard let worker = workers[process], worker.alive else { return }
        try? Syscall.kill(worker.pid, signal: SIGUSR1)
        recorder.record(process, .fault) {
            $0.fault = "signal"
            $0.signal = "SIGUSR1"
            $0.value = ["restart": .bool(options.signalRestarts ?? false)]
        }
    }

    /// The watchdog: a worker still running (not asleep) inside one operation past the hung limit is killed,
    /// and the kill is recorded at point "hung", which makes the run's verdict at best unknown (exit 3). So a
    /// spinning client cannot keep a run going; one asleep in a call is the plan's business (a stall).
    private func killHungWorkers() throws(HarnessError) {
        for id in workers.keys.sorted() {
            guard let worker = workers[id], worker.alive, let outstanding = worker.outstanding, isHung(outstanding.since) else {
                continue
            }
            if let snapshot = ProcessInspector.snapshot(of: worker.pid), isAsleepInOperation(snapshot) { continue }
            try kill(id, point: "hung")
        }
    }

    private func kill(_ process: Int, point given: String? = nil) throws(HarnessError) {
        // What the worker said before the kill lands is part of the run: a fault it announced, or the reply of an
        // operation that ended after the driver last looked (the kill is then "before" its next operation).
        while workers[process]?.alive == true, workers[process]?.outstanding != nil, try hasMessage(from: process) {
            try complete(process)
        }
        guard let worker = workers[process], worker.alive else { return }
        let point: String
        if let given {
            point = given
        } else if worker.outstanding == nil {
            point = "before"
        } else if let snapshot = ProcessInspector.snapshot(of: worker.pid), isAsleepInOperation(snapshot) {
            point = "blocked"
        } else {
            point = "during"
        }
        let killedAt = recorder.now()
        try? Syscall.kill(worker.pid, signal: SIGKILL)
        let (status, unread) = reapReadingLeftovers(process)
        // A fault announced between the last look and the kill happened before the death: it goes before the kill.
        // A reply that raced the kill is dropped: the operation is indeterminate, which includes what it said.
        if worker.outstanding != nil {
            for message in unread where message["type"] == .string("fault") { recordFault(process, message, at: killedAt) }
        }
        recorder.record(process, .kill, at: killedAt) {
            $0.signal = "SIGKILL"
            $0.point = point
        }
        if let outstanding = worker.outstanding {
            recorder.record(process, .info) {
                $0.f = outstanding.call.f
                $0.object = outstanding.call.object
            }
            awaitResolution(of: outstanding.call)
        }
        recorder.record(process, .exit) { $0.value = status.json }
    }

    /// Whether the worker's channel has a message (or its end of file) to read now.
    private func hasMessage(from process: Int) throws(HarnessError) -> Bool {
        guard let worker = workers[process], worker.alive else { return false }
        var descriptor = [pollfd(fd: worker.channel.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        do {
            return try Syscall.poll(&descriptor, timeoutMilliseconds: 0) > 0
        } catch {
            throw HarnessError("poll on worker \(process)'s control channel failed: \(error)")
        }
    }

    /// Waits for the process to end, then closes its channel. In that order: the worker ends itself when its
    /// channel closes, and an exiting worker may still be flushing what its client buffered.
    @discardableResult
    private func reap(_ process: Int) -> ReapedStatus { reapReadingLeftovers(process).status }

    /// ``reap(_:)``, returning too the messages the worker sent that nobody had read, in order (read after its
    /// death: a dead peer's queued messages, then its end of file).
    private func reapReadingLeftovers(_ process: Int) -> (status: ReapedStatus, unread: [JSONValue]) {
        guard var worker = workers[process], worker.alive else { return (.unknown, []) }
        worker.alive = false
        workers[process] = worker
        defer { try? Syscall.close(worker.channel.descriptor) }
        let status: ReapedStatus
        do {
            status = (try Syscall.wait(worker.pid)).map(ReapedStatus.ended) ?? .unknown
        } catch {
            status = .unknown
        }
        var unread: [JSONValue] = []
        while case .message(let message)? = try? worker.channel.receive(dontWait: true) { unread.append(message) }
        return (status, unread)
    }

    /// Kills and reaps any worker still alive, then removes the run's named objects.
    private func finishCleanly() {
        for (id, worker) in workers where worker.alive {
            try? Syscall.kill(worker.pid, signal: SIGKILL)
            _ = reap(id)
        }
        objects.closeDriverCopies()
        objects.removeNamedObjects()
    }

    /// Records what the worker's fault injector did to the operation's first call, before its completion.
    private func recordFault(_ process: Int, _ fired: JSONValue, at time: UInt64? = nil) {
        recorder.record(process, .fault, at: time) {
            if case .string(let call)? = fired["call"] { $0.call = call }
            if case .string(let name)? = fired["errno"] { $0.fault = name }
            if case .integer(let count)? = fired["short"] {
                $0.fault = "short"
                var value: JSONObject = ["count": .integer(count)]
                if case .integer(let requested)? = fired["of"] { value["requested"] = .integer(requested) }
                $0.value = .object(value)
            }
            if case .integer(let microseconds)? = fired["delay"] {
                $0.fault = "delay"
                $0.value = ["microseconds": .integer(microseconds)]
            }
        }
    }

    // MARK: Waiting

    private func currentSituation() -> DriverSituation {
        let alive = workers.values.filter(\.alive)
        return DriverSituation(
            idle: alive.filter { $0.outstanding == nil }.map(\.id).sorted(),
            running: alive.filter { $0.outstanding != nil }.map(\.id).sorted(),
            stalled: false)
    }

    /// Reads every reply that is ready (waiting up to `timeoutMilliseconds` for the first); true if any came.
    @discardableResult
    private func collectCompletions(timeoutMilliseconds: CInt) throws(HarnessError) -> Bool {
        let running = workers.values.filter { $0.alive && $0.outstanding != nil }.sorted { $0.id < $1.id }
        guard !running.isEmpty else { return false }
        var descriptors = running.map { pollfd(fd: $0.channel.descriptor.rawValue, events: Int16(POLLIN), revents: 0) }
        let ready: Int
        do {
            ready = try Syscall.poll(&descriptors, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw HarnessError("poll on the control channels failed: \(error)")
        }
        guard ready > 0 else { return false }
        for (offset, worker) in running.enumerated() where descriptors[offset].revents != 0 {
            try complete(worker.id)
        }
        return true
    }

    private func complete(_ process: Int) throws(HarnessError) {
        guard let outstanding = workers[process]!.outstanding else { return }
        let received: ControlChannel.Received
        do {
            received = try workers[process]!.channel.receive(dontWait: true)
        } catch {
            throw HarnessError("worker \(process): \(error)")
        }
        switch received {
        case .nothingYet:
            return
        case .closed:
            // The worker died inside the operation: its outcome is unknown. When it was told to die after its
            // calls returned, that is the kill the trace records.
            let status = reap(process)
            if outstanding.directive.dieAfter {
                recorder.record(process, .kill) {
                    $0.signal = "SIGKILL"
                    $0.point = "after"
                }
            }
            recorder.record(process, .info) {
                $0.f = outstanding.call.f
                $0.object = outstanding.call.object
            }
            awaitResolution(of: outstanding.call)
            recorder.record(process, .exit) { $0.value = status.json }
        case .message(let reply):
            if case .string("fault")? = reply["type"] {
                // Announced as it fired, before the faulted call was made; the reply follows.
                recordFault(process, reply)
                return
            }
            workers[process]!.outstanding = nil
            switch reply["type"] {
            case .string("ok")?:
                recorder.record(process, .ok) {
                    $0.f = outstanding.call.f
                    $0.object = outstanding.call.object
                    $0.value = reply["value"]
                }
            case .string("fail")?:
                recorder.record(process, .fail) {
                    $0.f = outstanding.call.f
                    $0.object = outstanding.call.object
                    if case .string(let error)? = reply["error"] { $0.error = error }
                }
            default:
                throw HarnessError(
                    "worker \(process) could not perform \(outstanding.call.f) on \(outstanding.call.object): \(reply["message"].map { "\($0)" } ?? "\(reply)")",
                    input: .operation(process: process))
            }
        }
    }

    /// Waits until every running worker has replied or sleeps inside its operation, so the next decision sees a
    /// situation that only the kernel can change. A worker that keeps running past the hung limit is left for
    /// the stall check to kill.
    private func settle() throws(HarnessError) {
        while true {
            try collectCompletions(timeoutMilliseconds: 0)
            let unsettled = workers.values.filter { worker in
                guard worker.alive, let outstanding = worker.outstanding else { return false }
                if isHung(outstanding.since) { return false }
                guard let snapshot = ProcessInspector.snapshot(of: worker.pid) else { return false }
                return !isAsleepInOperation(snapshot)
            }
            if unsettled.isEmpty { return }
            try collectCompletions(timeoutMilliseconds: 1)
        }
    }

    /// True when no running operation can complete without the driver acting: every running worker is asleep in
    /// its operation (or hung), and stays so across three short waits without a reply.
    private func isStalled() throws(HarnessError) -> Bool {
        for _ in 0..<3 {
            if try collectCompletions(timeoutMilliseconds: 5) { return false }
            for worker in workers.values where worker.alive {
                guard let outstanding = worker.outstanding else { continue }
                if isHung(outstanding.since) { continue }
                guard let snapshot = ProcessInspector.snapshot(of: worker.pid), isAsleepInOperation(snapshot) else {
                    return false
                }
            }
        }
        return true
    }

    private func isHung(_ since: UInt64) -> Bool {
        Double(MonotonicClock.nanoseconds() &- since) / 1e9 > options.hungAfterSeconds
    }

    /// Asleep in a system call other than waiting for the driver's next command, and not one that ends by itself:
    /// a worker in `nanosleep` (an injected delay, a client's back-off) will run again whatever the driver does, so
    /// deciding before it does would make the decision depend on timing, and the run not replay.
    private func isAsleepInOperation(_ snapshot: ProcessInspector.Snapshot) -> Bool {
        guard snapshot.isAsleepInSyscall else { return false }
        switch snapshot.syscall {
        case SyscallNumber.receiveFrom?: return snapshot.firstArgument != UInt64(ControlChannel.workerDescriptor)
        case SyscallNumber.nanosleep?, SyscallNumber.clockNanosleep?: return false
        default: return true
        }
    }
}

/// How a reaped worker ended, as recorded in exit events.
enum ReapedStatus {
    case ended(ExitStatus)
    case unknown

    var json: JSONValue {
        switch self {
        case .ended(.exited(let code)): ["code": .int(Int(code))]
        case .ended(.signaled(let signal)): ["signal": .string(SignalName.name(of: signal))]
        case .unknown: ["status": "unknown"]
        }
    }
}
