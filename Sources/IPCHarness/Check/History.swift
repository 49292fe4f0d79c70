import IPCModels

/// One operation of a history, typed by its model.
public struct HistoryOperation<Input: Hashable & Sendable, Output: Hashable & Sendable>: Sendable, Hashable {
    /// How the operation ended.
    public enum End: Sendable, Hashable {
        /// It completed (ok or fail) at this time.
        case returned(UInt64)
        /// Its outcome is unknown: it may have taken effect at any point after its invoke, or never. When the
        /// process died, it cannot have taken effect after `deadline` (the time the process was reaped).
        case indeterminate(deadline: UInt64?)
    }

    public var id: Int
    public var process: Int
    public var object: String
    public var input: Input
    /// The recorded output; nil when unknown.
    public var output: Output?
    public var invokeTime: UInt64
    public var end: End
    /// The trace index of the invoke event (nil for operations the checker derives, such as a process's exit).
    public var invokeIndex: Int?
    /// The trace index of the completion event, when there is one.
    public var completionIndex: Int?
    /// True for operations derived from process events (a process's death closing its descriptors).
    public var isLifecycle = false
    /// True for a process's death (or exit) on the object: it comes after everything the process did. Its interval
    /// opens at the kill or at the invoke of the operation the process died in — where that operation's effect
    /// may still be — so the interval alone would let the search put the death first and the dead process's
    /// operation after it: a consumer's receive taking a message after its death gave back what it held, a
    /// message lost and the history accepted.
    public var isDeath = false

    public init(
        id: Int, process: Int, object: String, input: Input, output: Output?, invokeTime: UInt64, end: End,
        invokeIndex: Int? = nil, completionIndex: Int? = nil, isLifecycle: Bool = false
    ) {
        self.id = id
        self.process = process
        self.object = object
        self.input = input
        self.output = output
        self.invokeTime = invokeTime
        self.end = end
        self.invokeIndex = invokeIndex
        self.completionIndex = completionIndex
        self.isLifecycle = isLifecycle
    }

    public var returnTime: UInt64? {
        if case .returned(let time) = end { return time }
        return nil
    }
}

/// The operations recorded in a trace, typed by a model.
public struct History<M: TraceModel>: Sendable {
    public typealias Operation = HistoryOperation<M.Input, M.Output>

    public let model: M
    public var operations: [Operation]
    /// Operations the driver's watchdog killed because they ran (not slept) past its limit, described.
    public var hangs: [String]
    /// Dangers that are not violations (see ``HazardDetector``), described.
    public var hazards: [String]
    /// Processes that crashed, described: the simulation's (an exit by a signal, with its reason), and real workers
    /// dead of a signal that no `kill` event accounts for. A crash is a violation.
    public var crashes: [String]
    /// How explanations point at operations (an imported history's own lines and process names).
    public var references = TraceReferences()
    /// What ``EpollReadyOrder`` found wrong in the order of an epoll instance's reports across its objects.
    var epollReadyOrder: InvariantFinding?

    public init(model: M, operations: [Operation], hangs: [String] = [], hazards: [String] = [], crashes: [String] = []) {
        self.model = model
        self.operations = operations
        self.hangs = hangs
        self.hazards = hazards
        self.crashes = crashes
    }

    /// The history split by object; each part is checked on its own (P-compositionality).
    public func partitions() -> [(object: String, operations: [Operation])] {
        var byObject: [String: [Operation]] = [:]
        for operation in operations { byObject[operation.object, default: []].append(operation) }
        return model.objects.compactMap { object in byObject[object].map { (object, $0) } }
    }
}

/// Turns trace events into a typed history, rejecting histories that cannot have happened: a completion without
/// its invoke, a second invoke while one is outstanding (in the same thread, where the model reads a process's
/// threads: ``TraceModel/callingThread(of:)``), an operation after the process ended, an unknown object.
/// Every error names the trace line.
public struct HistoryBuilder<M: TraceModel> {
    private let model: M
    private let path: String?
    private let objects: Set<String>
    private var operations: [HistoryOperation<M.Input, M.Output>] = []
    /// A process's thread that makes calls: `thread` nil for its one (or main) thread.
    private struct Caller: Hashable {
        var process: Int
        var thread: String?

        /// How an error names it: "process 1", "process 1's thread t2".
        var described: String { thread.map { "process \(process)'s thread \($0)" } ?? "process \(process)" }
    }

    /// Each caller's outstanding operation (position in `operations`) and the line of its invoke: one per thread.
    private var outstanding: [Caller: (position: Int, line: Int)] = [:]
    /// The errno the fault plan injected into the first system call of a process's outstanding operation.
    private var injectedError: [Int: String] = [:]
    /// The inputs of operations a short fault replaced, as invoked (by position).
    private var unshortened: [Int: M.Input] = [:]
    /// What the watchdog killed, described (see ``History/hangs``).
    private var hangs: [String] = []
    /// Crashes, described (see ``History/crashes``).
    private var crashes: [String] = []
    /// Processes a `kill` event names (the driver's kills, the watchdog's, a worker told to die after its calls).
    private var killed: Set<Int> = []
    /// The signals a process raises against itself when its code goes wrong: a death by one of these that no kill
    /// event accounts for, and that the model does not give the mechanism itself (``TraceModel/mayKillItsCaller(_:with:)``),
    /// is a crash. (A `SIGKILL` or `SIGTERM` comes from outside — the harness, the OOM killer, a user — and leaves the
    /// operation indeterminate, as a kill does.)
    /// Whether the last of a process's `operations` (on one object, in order) may have killed it with `signal`
    /// though it is correct, the model told what came before.
    static func mayHaveKilled(_ model: M, _ operations: [HistoryOperation<M.Input, M.Output>], with signal: String) -> Bool {
        guard let last = operations.last else { return false }
        return model.mayKillItsCaller(last.input, with: signal, after: operations.dropLast().filter { $0.object == last.object }.map(\.input))
    }

    static var crashSignals: Set<String> { ["SIGSEGV", "SIGBUS", "SIGILL", "SIGTRAP", "SIGABRT", "SIGFPE", "SIGSYS"] }
    private var hazards: HazardDetector
    /// Positions of operations that never reached the kernel: they failed with the errno injected into their
    /// first call, so the call was not made (see ``finish()``).
    private var withoutEffect: Set<Int> = []
    /// Processes that have exited, with the line of their exit event.
    private var exited: [Int: Int] = [:]
    /// Processes whose last operation ended indeterminate, with that line.
    private var indeterminate: [Int: Int] = [:]
    /// The time of the latest event of the whole trace, and of each process's kill.
    private var lastEventTime: UInt64?
    private var killTime: [Int: UInt64] = [:]
    /// Each process's latest operation that ended without a completion it reported (info, or none yet).
    private var unfinishedInvokeTime: [Int: UInt64] = [:]
    /// The `f` each outstanding invoke was recorded with: a model may read two names as one operation (glibc's
    /// `eventfd_read` is an 8-byte `read`), and the completion must name the call its invoke named.
    private var invokedNames: [Caller: String] = [:]

    /// Whether the trace's driver let every worker reply or fall asleep before each of its moves (real mode), so
    /// that a process killed `blocked` was asleep inside its operation while nothing else ran: what that shows is
    /// the model's ``TraceModel/sleeperObservation(_:process:)``.
    private let killsAreSettled: Bool

    public init(model: M, path: String? = nil, killsAreSettled: Bool = false) {
        self.model = model
        self.path = path
        self.killsAreSettled = killsAreSettled
        self.objects = Set(model.objects)
        self.hazards = HazardDetector(
            model: M.name,
            privateSemaphores: Set((model as? PosixSemaphoreModel)?.setups.filter { !$0.setup.shared }.map(\.name) ?? []),
            stalledMutexes: (model as? RobustMutexModel)?.stalled ?? [],
            inheritingStalledMutexes: (model as? RobustMutexModel).map { mutexes in
                mutexes.stalled.filter { mutexes.protocols[$0] == .inherit }
            } ?? [],
            protectStalledMutexes: (model as? RobustMutexModel).map { mutexes in
                mutexes.stalled.filter { mutexes.protocols[$0] == .protect }
            } ?? [])
    }

    private func failure(_ line: Int, _ message: String) -> TraceError {
        TraceError(path: path, line: line, message)
    }

    public mutating func add(_ event: Trace.Event, line: Int) throws(TraceError) {
        let process = event.process
        defer { lastEventTime = event.time }
        hazards.observe(event, line: line)
        switch event.type {
        case .invoke:
            if let exitLine = exited[process] {
                throw failure(line, "process \(process) invokes '\(event.f ?? "")' after it exited (line \(exitLine))")
            }
            if let infoLine = indeterminate[process] {
                throw failure(line, "process \(process) invokes '\(event.f ?? "")' after its operation at line \(infoLine) ended indeterminate; a process whose outcome is unknown must not invoke again")
            }
            let object = event.object ?? ""
            guard objects.contains(object) else {
                throw failure(line, "object '\(object)' is not declared in the header's params (declared: \(model.objects.joined(separator: ", ")))")
            }
            let input: M.Input
            do {
                input = try model.input(from: Call(process: process, object: object, f: event.f ?? "", value: event.value))
            } catch {
                throw failure(line, "'\(event.f ?? "")' on \(object): \(error.message)")
            }
            let caller = Caller(process: process, thread: model.callingThread(of: input))
            if let previous = outstanding[caller] {
                throw failure(line, "\(caller.described) invokes '\(event.f ?? "")' while its operation invoked at line \(previous.line) has not completed")
            }
            outstanding[caller] = (operations.count, line)
            invokedNames[caller] = event.f
            unfinishedInvokeTime[process] = event.time
            operations.append(HistoryOperation(
                id: operations.count, process: process, object: object, input: input, output: nil,
                invokeTime: event.time, end: .indeterminate(deadline: nil), invokeIndex: event.index))
        case .ok, .fail, .info:
            defer { injectedError[process] = nil }
            let caller = try completing(event, line: line)
            guard let (position, invokeLine) = outstanding.removeValue(forKey: caller) else {
                throw failure(line, "\(event.type.rawValue) for \(caller.described) without a preceding invoke")
            }
            var operation = operations[position]
            guard event.object == operation.object else {
                throw failure(line, "\(event.type.rawValue) on object '\(event.object ?? "")' does not match the invoke on '\(operation.object)' at line \(invokeLine)")
            }
            let invokedF = invokedNames.removeValue(forKey: caller) ?? model.operationName(of: operation.input)
            guard event.f == invokedF else {
                throw failure(line, "\(event.type.rawValue) of '\(event.f ?? "")' does not match the invoke of '\(invokedF)' at line \(invokeLine)")
            }
            operation.completionIndex = event.index
            switch event.type {
            case .info:
                indeterminate[process] = line
            case .ok, .fail:
                // Another thread's call still outstanding is unfinished too (the earliest of them).
                unfinishedInvokeTime[process] = outstanding.filter { $0.key.process == process }.map { operations[$0.value.position].invokeTime }.min()
                if event.type == .fail, let injected = injectedError[process], injected == event.error {
                    withoutEffect.insert(position)
                }
                let outcome: Outcome = event.type == .ok ? .ok(event.value) : .fail(ErrorCode(event.error ?? ""))
                do {
                    // Read against what the client was asked to do: a client reporting more than its cut call
                    // moved is a violation for the model to find, not a malformed trace.
                    operation.output = try model.output(from: outcome, for: unshortened[position] ?? operation.input)
                } catch {
                    throw failure(line, "result of '\(invokedF)' on \(operation.object): \(error.message)")
                }
                operation.end = .returned(event.time)
            default:
                break
            }
            operations[position] = operation
        case .exit:
            if let exitLine = exited[process] {
                throw failure(line, "process \(process) exits twice (first at line \(exitLine))")
            }
            exited[process] = line
            if case .string(let signal)? = event.value?["signal"], killTime[process] == nil {
                let operation = operations.last { $0.process == process }.map { " in or after its '\(model.call(for: $0.input).f)' on \($0.object)" } ?? ""
                if case .string(let reason)? = event.value?["reason"] {
                    crashes.append("process \(process) crashed\(operation) (line \(line)): \(signal), \(reason)")
                } else if !killed.contains(process), Self.crashSignals.contains(signal),
                    !Self.mayHaveKilled(model, operations.filter { $0.process == process }, with: signal)
                {
                    // A real worker dead of a signal no kill event accounts for: the code it ran crashed (or the
                    // harness did). Judging its operation indeterminate would call the run clean.
                    crashes.append("process \(process) died of \(signal)\(operation) (line \(line)), a signal the harness did not send: the code under test, or the harness itself, crashed")
                }
            }
            // An operation still outstanding, or ended indeterminate, cannot take effect after the process died.
            // (The process's own: not a lifecycle step at a signal fault or a kill, which the checker added.)
            for position in operations.indices.reversed() where operations[position].process == process && !operations[position].isLifecycle {
                if case .indeterminate(nil) = operations[position].end {
                    operations[position].end = .indeterminate(deadline: event.time)
                }
                break
            }
            for (caller, (position, _)) in outstanding where caller.process == process {
                // Each thread's call outstanding too (the loop above reaches the last one only).
                if case .indeterminate(nil) = operations[position].end { operations[position].end = .indeterminate(deadline: event.time) }
                outstanding[caller] = nil
            }
            // When the death can have happened: after the kill, for a killed process; after the invoke of the
            // operation it died in, for one that died by itself (or killed itself after its calls returned); otherwise it exited when the driver told it to,
            // after every event recorded before this one.
            // (Strictly after the previous event: at equal times the checker counts operations as concurrent.)
            let start = killTime[process] ?? unfinishedInvokeTime[process] ?? min((lastEventTime ?? event.time) + 1, event.time)
            for object in model.objects {
                guard let input = model.exitInput(process: process, object: object, ending: event.value) else { continue }
                var operation = HistoryOperation<M.Input, M.Output>(
                    id: operations.count, process: process, object: object, input: input, output: nil,
                    invokeTime: start, end: .returned(event.time))
                operation.isLifecycle = true
                operation.isDeath = true
                operations.append(operation)
            }
        case .fault:
            // Faults injected into an operation's first system call (the plan injects nowhere else). A signal
            // (`"fault": "signal"`) is the kernel's own business, and a delay changes only timing: the outcome
            // either causes is checked as recorded.
            if event.fault == "signal" {
                // What the signal does beside interrupting (news to a signalfd's epoll registration), at its moment.
                for object in model.objects {
                    guard let input = model.signalFaultInput(process: process, object: object) else { continue }
                    var operation = HistoryOperation<M.Input, M.Output>(
                        id: operations.count, process: process, object: object, input: input, output: nil,
                        invokeTime: event.time, end: .returned(event.time))
                    operation.isLifecycle = true
                    operations.append(operation)
                }
            }
            guard let fault = event.fault, fault != "signal", fault != "delay" else { break }
            guard fault == "short" else {
                // An errno in place of the call: if the operation fails with it, the call was never made. (Outside
                // an operation, in the harness's own calls, it is context only.)
                if soleOutstanding(process) != nil { injectedError[process] = fault }
                break
            }
            guard let (position, _) = soleOutstanding(process) else {
                throw failure(line, "a 'short' fault for process \(process), which has no operation in progress")
            }
            guard let count = try? event.value.required("count").integer("count") else {
                throw failure(line, "a short fault needs {\"count\": N} in its value")
            }
            // A single-call operation is the shorter call the kernel saw; an operation the client carries out in
            // a loop (nil here) keeps its input: the client must make up the difference.
            let requested = try? event.value.required("requested").integer("requested")
            if let shorter = model.shortened(operations[position].input, to: count, requested: requested) {
                unshortened[position] = operations[position].input
                operations[position].input = shorter
            }
        case .kill:
            // A worker told to die after its operation's calls returned kills itself; the driver records the
            // kill only when it notices, so the death can have come any time after that operation's invoke.
            killed.insert(process)
            if event.point != "after" { killTime[process] = killTime[process] ?? event.time }
            if killsAreSettled, event.point == "blocked", let (position, _) = soleOutstanding(process),
                let observation = model.sleeperObservation(operations[position].input, process: process)
            {
                // Asleep inside it at the kill: the operation took no effect, and the sleep says what the model
                // gives the observation, at that moment.
                withoutEffect.insert(position)
                operations.append(HistoryOperation(
                    id: operations.count, process: process, object: operations[position].object, input: observation,
                    output: nil, invokeTime: event.time, end: .returned(event.time), invokeIndex: event.index,
                    completionIndex: event.index, isLifecycle: true))
            }
            if event.point == "hung", case .string(let reason)? = event.value?["reason"] {
                // The simulation's: a process that can never run again.
                let operation = soleOutstanding(process).map { " in '\(model.call(for: operations[$0.position].input).f)' on \(operations[$0.position].object) (invoked at line \($0.line))" } ?? ""
                hangs.append("process \(process) hung\(operation): \(reason) (line \(line))")
            } else if event.point == "hung" {
                if let (position, invokeLine) = soleOutstanding(process) {
                    let operation = operations[position]
                    hangs.append("process \(process) hung in '\(model.operationName(of: operation.input))' on \(operation.object) (invoked at line \(invokeLine)): it kept running past the watchdog's limit and was killed (line \(line))")
                } else {
                    hangs.append("process \(process) hung and was killed by the watchdog (line \(line))")
                }
            }
        case .schedule, .spawn:
            break
        }
    }

    /// The caller whose outstanding operation `event` completes: the thread it names (top-level `"thread"`; `"main"`
    /// or none: the main one), or — naming none — the process's one outstanding operation; several outstanding, the
    /// completion must say whose it is.
    private func completing(_ event: Trace.Event, line: Int) throws(TraceError) -> Caller {
        if case .string(let name)? = event.extra["thread"] {
            return Caller(process: event.process, thread: name == "main" ? nil : name)
        }
        let callers = outstanding.keys.filter { $0.process == event.process }
        guard callers.count > 1 else { return callers.first ?? Caller(process: event.process, thread: nil) }
        let threads = callers.map { $0.thread ?? "main" }.sorted().joined(separator: ", ")
        throw failure(line, "\(event.type.rawValue) for process \(event.process) names no thread, but its threads \(threads) each have an operation outstanding: a completion says whose it is (\"thread\": NAME)")
    }

    /// The process's one outstanding operation (nil: none, or several threads' — a fault or a kill is then not
    /// tied to one of them).
    private func soleOutstanding(_ process: Int) -> (position: Int, line: Int)? {
        let mine = outstanding.filter { $0.key.process == process }
        return mine.count == 1 ? mine.first?.value : nil
    }

    /// The history; operations still outstanding at the end of the trace are indeterminate.
    /// Operations that never reached the kernel are left out (the rest renumbered): whatever the client did
    /// with the injected errno is in its outcome, and a client that reports the failure made no call.
    public func finish() -> History<M> {
        guard !withoutEffect.isEmpty else {
            return History(model: model, operations: operations, hangs: hangs, hazards: hazards.hazards, crashes: crashes + hazards.crashes)
        }
        var kept: [HistoryOperation<M.Input, M.Output>] = []
        for (position, operation) in operations.enumerated() where !withoutEffect.contains(position) {
            var renumbered = operation
            renumbered.id = kept.count
            kept.append(renumbered)
        }
        return History(model: model, operations: kept, hangs: hangs, hazards: hazards.hazards, crashes: crashes + hazards.crashes)
    }
}
