// Several threads of one receiver (issue 15; measured, `ThreadSignalFactsTests`, a C probe first; LTP `tgkill01`,
// `tgkill03`, `tkill01/02` and Open POSIX `pthread_kill`, `pthread_sigmask`, `sigwait` as the checklist).
//
// A trace names a thread of the receiver other than its main one in a call's value, `"thread": "t2"` (absent or
// `"main"`: the main thread, as every trace before meant):
// - `wait`, `sigwait`, `pending`, `signalfd-read`, `signalfd-poll`/`-select` (without `sigmask`), `sigprocmask` and
//   `pthread_sigmask` made *in* that thread: it takes (and `sigpending` reports) its own pending set and the process's,
//   never another thread's — a signal `tgkill` sent to thread B stays pending for B: A's `sigtimedwait` finds nothing
//   (`EAGAIN`), A's `sigpending` does not report it, B's does;
// - `tgkill`, `tkill`, `pthread_kill` *to* that thread (by any process; `pthread_kill` by the receiver), and `raise` in
//   it: pending for that thread only;
// - `pthread_create` `{"thread": "t2"}` (by the receiver): a new thread; it inherits its creator's mask, so the
//   object's signals are blocked in it as in the main thread (a thread the trace names without it was there from the
//   start, its mask the same);
// - `pthread_join` `{"thread": "t2", "gone": BOOL?}` (by the receiver: the thread has returned and been joined): what was
//   pending for it is gone. A `tgkill` to it then fails `ESRCH` — but `pthread_join` returns once the kernel has
//   cleared the thread's tid, before the thread is released, so a `tgkill` right after may still succeed (measured:
//   once in a C probe), sending to a thread that never takes it; `"gone": true` says its `/proc/PID/task/TID` had
//   vanished (what LTP `tgkill03` waits for): `ESRCH` only.
// - `tgkill`/`tkill` with `"tgid": INT` or `"tid": INT`, ids other than the receiver's: a non-positive one fails
//   `EINVAL` before anything else (even a bad signal number); otherwise `ESRCH` (a thread of the receiver named with
//   another group's id, or an id of no thread of the receiver's group), also with a bad signal number.
//
// - `sigsuspend`, `sigpause`, `pause` (with or without `"signals"`) made in that thread, the others blocking the set
//   (measured, `ThreadSuspendFactsTests`: a `kill` of the process runs the handler in the thread whose `sigsuspend`
//   unblocks it, which fails `EINTR`; a `tgkill` to the main thread meanwhile stays pending for the main thread);
//   `sigrelse` and `sighold` in it: a lasting unblock (or block) of its own, as the main thread's (see below).
// - `rt_tgsigqueueinfo` and `pidfd_open` of that thread, and of ids that are not the receiver's: see
//   `SignalModel+ThreadTargets.swift`.
// - `signalfd-poll`/`-select` with a `sigmask` (`ppoll`, `pselect`) made in that thread: the mask is swapped in for
//   that thread alone (`SignalModel+MaskedPoll.swift`, measured in `ThreadMaskedWaitFactsTests`); `epoll_pwait` and
//   `epoll_pwait2` with one too (`SignalModel+MaskedEpoll.swift`).
// - A signal whose default action ends the process, taken by any thread, ends the whole receiver: see
//   `SignalModel+FatalSignals.swift`.
//
// Which thread takes a process-directed signal: the kernel's `complete_signal` picks the main thread if it does not
// block it (and has nothing else pending, or runs), else the next thread that does not — timing no trace shows. So a
// process-directed signal pending while some threads leave it unblocked (for good: `sigrelse` in the thread, or
// inherited from a creator that had) may have been taken by any of them before any step (``otherThreadsDelivered``),
// each pending instance in turn, and one sent to such a thread itself likewise: its handler runs there, whatever the
// other threads do, and nothing of it stays pending once that thread's own next call is over. A signal of the set
// unblocked only inside a call (`pthread_sigmask` unblock, `sigsuspend`) is taken by that call's delivery loop, which
// runs the handlers in the calling thread for what is pending for the process or for it, never another thread's. A
// thread's calls are the receiver's trace process's: two threads' calls are written in the order they took effect.
extension SignalModel {
    /// A thread of the receiver other than its main one: its own pending set and the object's signals it has left
    /// unblocked (its creator's, inherited).
    public struct ReceiverThread: Hashable, Sendable {
        public internal(set) var pending: [Pending] = []
        public internal(set) var unblocked: [Int] = []
        /// How it ended (nil: running).
        public internal(set) var end: ThreadEnd? = nil
        /// The signals its `sigsuspend` has unblocked while it sleeps (nil: not asleep in one; see
        /// ``State/suspended``).
        public internal(set) var suspended: [Int]? = nil
    }

    /// How a thread of the receiver ended.
    public enum ThreadEnd: Hashable, Sendable {
        /// Returned and joined: a `tgkill` may still find it a moment (`sent`, taken by no one) or fail `ESRCH`.
        case exited
        /// Its `/proc/PID/task/TID` has vanished: `ESRCH`.
        case gone
    }

    /// A change to the receiver's threads.
    public enum ThreadEvent: Hashable, Sendable {
        /// `pthread_create` by the receiver's thread `by` (nil: the main one).
        case create(by: String?)
        /// The thread returned and was joined; `gone`: its task entry is known to have vanished.
        case exit(gone: Bool)
    }

    /// The ids a `tgkill` or `tkill` names when they are not the receiver's (nil: the receiver's own).
    public struct ForeignThreadIDs: Hashable, Sendable {
        public var tgid: Int?
        public var tid: Int?

        public init(tgid: Int?, tid: Int?) {
            self.tgid = tgid
            self.tid = tid
        }
    }

    /// The name a trace gives the main thread (also what no `"thread"` means).
    static let mainThreadName = "main"
    /// Where the main thread's own set is kept while another thread's call runs (so `RLIMIT_SIGPENDING` counts it).
    static let stashedMainThread = ""

    /// The calls a thread other than the main one may make in a trace.
    static func madeInThread(_ input: Input) -> Bool {
        switch input {
        case .wait, .sigwait, .pending, .signalfdRead, .signalfdReadAgain, .signalfdReadiness, .sigprocmask, .maskQuery: true
        // `ppoll`/`pselect` with a mask: swapped in for the calling thread alone (`SignalModel+MaskedPoll.swift`).
        case .signalfdReadinessMasked: true
        // `epoll_pwait`/`epoll_pwait2` with a mask, likewise (`SignalModel+MaskedEpoll.swift`), and every wait without one:
        // the signalfds polled as that thread sees them (`SignalModel+ThreadEpoll.swift`).
        case .epoll(_, .wait): true
        // Waits with signals unblocked for them, and a lasting unblock (`SignalModel+ThreadTargets.swift`).
        case .sigsuspend, .sigpause, .sigpauseMask, .pause, .pauseUnblocking, .obsolete(_, _, .sigrelse), .obsolete(_, _, .sighold): true
        case .send(_, _, let method, _): [.tgkill, .tkill, .pthreadKill, .raise].contains(method)
        // `pidfd_open` of the thread and `rt_tgsigqueueinfo` to it.
        case .pidfdOpen: true
        case .pidfdSend(_, _, let send): send.threadQueue
        default: false
        }
    }

    /// The steps of the thread inputs (nil: `input` is none of them).
    func threadSteps(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>]? {
        switch input {
        case .inThread(let name, let call):
            if let allowed = threadTargetOutcomes(state, name, call) {
                return output.map { allowed.contains($0) } ?? true ? [.completed(state)] : []
            }
            // The receiver's main thread forging a code to another thread is refused (made in that thread, it is not).
            if output == .failed(.EPERM), Self.forgedToOtherThread(state, call) { return [.completed(state)] }
            return inThread(state, name) { swapped in Self.otherThreadsDelivered(swapped).flatMap { timedStep($0, call, output) } }
        case .thread(_, let name, let event):
            guard output == nil || output == .returned else { return [] }
            var next = state
            switch event {
            case .create(let creator):
                var thread = ReceiverThread()
                thread.unblocked = creator.flatMap { state.threads[$0]?.unblocked } ?? state.unblocked
                next.threads[name] = thread
            case .exit(let gone):
                var thread = state.threads[name] ?? ReceiverThread()
                thread.pending = []
                thread.unblocked = []
                thread.end = gone ? .gone : .exited
                next.threads[name] = thread
            }
            return [.completed(next)]
        case .foreignIDs(_, let signal, _, let ids):
            return output == nil || output == Self.foreignOutcome(signal: signal, ids: ids) ? [.completed(state)] : []
        case .foreignTarget(let process, let call):
            return output == nil || output == foreignOutcome(call, process: process, receiver: state.receiver) ? [.completed(state)] : []
        default:
            return nil
        }
    }

    /// The states a step may begin in when threads other than the caller leave some of the object's signals unblocked
    /// (inherited from a creator that had, `pthread_create`): the kernel's `complete_signal` may have given such a
    /// thread a process-directed one, which it takes at its next return to user mode, whenever that is — so any prefix
    /// of its pending instances may be gone already (timing the trace does not show: never judged).
    static func otherThreadsDelivered(_ state: State) -> [State] {
        let unblocked = Set(state.threads.values.filter { $0.end == nil }.flatMap(\.unblocked))
        guard !unblocked.isEmpty else { return [state] }
        var states = [state]
        if state.pending.contains(where: { unblocked.contains($0.signal) }) {
            var probe = state
            probe.unblocked = unblocked.sorted()
            probe.threadPending = []
            states = partlyDelivered(probe).map { delivered in
                // A fatal one taken so ended the receiver (`SignalModel+FatalSignals.swift`).
                if let fatal = fatalTaken(from: probe.pending, to: delivered.pending, in: state) { return killed(state, by: fatal) }
                var next = state
                next.pending = delivered.pending
                return next
            }
        }
        // Likewise what was sent to such a thread itself (`tgkill`, `pthread_kill`): its handler runs in that thread.
        for (name, thread) in state.threads.sorted(by: { $0.key < $1.key }) where thread.end == nil {
            guard thread.pending.contains(where: { thread.unblocked.contains($0.signal) }) else { continue }
            states = states.flatMap { start in
                var probe = start
                probe.pending = []
                probe.threadPending = thread.pending
                probe.unblocked = thread.unblocked
                return partlyDelivered(probe).map { delivered in
                    if let fatal = fatalTaken(from: probe.threadPending, to: delivered.threadPending, in: start) { return killed(start, by: fatal) }
                    var next = start
                    next.threads[name]?.pending = delivered.threadPending
                    return next
                }
            }
        }
        return states
    }

    /// `body`'s steps with thread `name`'s own set and mask in the place of the main thread's, put back after.
    func inThread(_ state: State, _ name: String, _ body: (State) -> [Step<State>]) -> [Step<State>] {
        let thread = state.threads[name] ?? ReceiverThread()
        var swapped = state
        swapped.threads[Self.stashedMainThread] = ReceiverThread(pending: state.threadPending, unblocked: state.unblocked, suspended: state.suspended)
        swapped.threadPending = thread.pending
        swapped.unblocked = thread.unblocked
        swapped.suspended = thread.suspended
        var steps: [Step<State>] = []
        for step in body(swapped) {
            var next = step.state
            var after = thread
            after.pending = next.alive ? next.threadPending : []
            after.unblocked = next.unblocked
            after.suspended = next.suspended
            // A fatal signal it took (or another thread took) ended the receiver: this thread with it.
            if next.killedBy != nil, after.end == nil { after.end = .exited }
            let main = next.threads.removeValue(forKey: Self.stashedMainThread)
            next.threads[name] = after
            next.threadPending = next.alive ? main?.pending ?? [] : []
            next.unblocked = main?.unblocked ?? []
            next.suspended = main?.suspended
            let put: Step<State> = if case .partial = step { .partial(next) } else { .completed(next) }
            if !steps.contains(put) { steps.append(put) }
        }
        return steps
    }

    /// `next` after a step of `input`: an action set to ignore a signal (or to a default that ignores it) — even the
    /// one it had — discards it from every thread's set too (measured, a C probe and `ThreadSignalFactsTests`), and a
    /// receiver that died takes its threads' sets with it.
    static func threadsAfter(_ input: Input, _ next: State) -> State {
        guard !next.threads.isEmpty else { return next }
        var after = next
        if !next.alive {
            for name in next.threads.keys { after.threads[name]?.pending = [] }
            return after
        }
        let setting: Int?
        switch input {
        case .sigaction(_, let signal, _?, _), .obsolete(_, let signal, .signal), .obsolete(_, let signal, .sigignore),
            .obsolete(_, let signal, .sigset(.action)):
            setting = signal
        default:
            setting = nil
        }
        guard let signal = setting, let action = next.actions[signal],
            action == .ignore || (action == .standard && ignoredByDefault.contains(signal))
        else { return next }
        for name in next.threads.keys { after.threads[name]?.pending.removeAll { $0.signal == signal } }
        return after
    }

    /// The receiver's other threads in words, for ``describe(_:)-(State)`` (empty when it has none).
    static func describeThreads(_ state: State) -> String {
        state.threads.sorted { $0.key < $1.key }.map { name, thread in
            if let end = thread.end { return "; thread \(name) " + (end == .gone ? "gone" : "returned") }
            let pending = thread.pending.map { pending in
                pending.queue.isEmpty ? "\(Self.name(of: pending.signal)) (no details)"
                    : pending.queue.map { "\(Self.name(of: pending.signal)) \(describe($0))" }.joined(separator: ", ")
            }
            return "; for thread \(name): " + (pending.isEmpty ? "none" : pending.joined(separator: ", "))
                + (thread.unblocked.isEmpty ? "" : " (unblocked \(thread.unblocked.map(Self.name(of:)).joined(separator: ", ")))")
        }.joined()
    }

    /// ``callOutcome(of:in:)`` for the thread inputs.
    func threadOutcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .inThread(let name, let call):
            if let allowed = threadTargetOutcomes(state, name, call), let first = allowed.first { return (first, state) }
            var result: Output?
            let steps = inThread(state, name) { swapped in
                guard let (output, next) = callOutcome(of: call, in: swapped) else { return [] }
                result = output
                return [.completed(next)]
            }
            guard let result, let next = steps.first?.state else { return nil }
            return (result, next)
        case .thread:
            return threadSteps(state, input, .returned)?.first.map { (.returned, $0.state) }
        case .foreignIDs(_, let signal, _, let ids):
            return (Self.foreignOutcome(signal: signal, ids: ids), state)
        case .foreignTarget(let process, let call):
            return (foreignOutcome(call, process: process, receiver: state.receiver), state)
        default:
            return nil
        }
    }

    /// What `tgkill`/`tkill` with ids other than the receiver's give: `EINVAL` for a non-positive id (checked first),
    /// else `ESRCH` (looked up before the signal number is checked).
    static func foreignOutcome(signal: Int, ids: ForeignThreadIDs) -> Output {
        if (ids.tgid ?? 1) <= 0 || (ids.tid ?? 1) <= 0 { return .failed(.EINVAL) }
        if ids.tgid == nil && ids.tid == nil { return (0...last).contains(signal) ? .sent : .failed(.EINVAL) }
        return .failed(.ESRCH)
    }
}

// The thread inputs' trace form.
extension SignalModel {
    /// The thread inputs of `call` (nil: none of them; `parse` reads the call without its `"thread"`).
    func threadInput(from call: Call, parse: (Call) throws(ModelError) -> Input) throws(ModelError) -> Input? {
        guard case .object(var fields)? = call.value else { return nil }
        switch call.f {
        case "pthread_create", "pthread_join":
            try requireThreadsReceiver(call)
            let name = try Self.threadName(call.value.required("thread"))
            if call.f == "pthread_join" {
                return .thread(process: call.process, thread: name, event: .exit(gone: try call.value.optional("gone")?.boolean("gone") ?? false))
            }
            let creator = try call.value.optional("by").map { (value) throws(ModelError) in try Self.threadName(value) }
            return .thread(process: call.process, thread: name, event: .create(by: creator))
        default:
            break
        }
        if let input = try foreignTargetInput(from: call, fields: fields) { return input }
        if fields["tgid"] != nil || fields["tid"] != nil {
            guard call.f == "tgkill" || call.f == "tkill" else { throw ModelError("\(call.f): only tgkill and tkill name a thread group or thread id") }
            if call.f == "tkill" && fields["tgid"] != nil { throw ModelError("tkill names no thread group") }
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            let ids = ForeignThreadIDs(
                tgid: try call.value.optional("tgid")?.integer("tgid", in: Int(Int32.min)...Int(Int32.max)),
                tid: try call.value.optional("tid")?.integer("tid", in: Int(Int32.min)...Int(Int32.max)))
            return .foreignIDs(process: call.process, signal: signal, method: Method(rawValue: call.f)!, ids: ids)
        }
        guard let thread = fields["thread"] else { return nil }
        fields["thread"] = nil
        let name = try Self.threadName(thread)
        var plain = call
        plain.value = .object(fields)
        let input = try parse(plain)
        if name == Self.mainThreadName { return input }
        guard Self.madeInThread(input) else {
            throw ModelError("\(call.f) in (or to) thread \(name): a thread other than the main one is not in the signal model for it (only wait, sigwait, pending, signalfd-read, signalfd-poll, signalfd-select (with or without sigmask), epoll_wait, epoll_pwait and epoll_pwait2, sigprocmask, pthread_sigmask, sigsuspend, sigpause, pause, sigrelse, sighold, and tgkill, tkill, pthread_kill, raise, rt_tgsigqueueinfo, pidfd_open to it)")
        }
        if case .send(let process, _, .raise, _) = input, process != receiver(of: call) {
            throw ModelError("raise in thread \(name): only the receiver raises in its threads")
        }
        return .inThread(thread: name, call: input)
    }

    private func receiver(of call: Call) -> Int? { setups.first { $0.name == call.object }?.setup.receiver }

    private func requireThreadsReceiver(_ call: Call) throws(ModelError) {
        if let receiver = receiver(of: call), receiver != call.process {
            throw ModelError("only process \(receiver) makes or ends the threads of \(call.object); process \(call.process) cannot")
        }
    }

    static func threadName(_ value: JSONValue) throws(ModelError) -> String {
        let name = try value.text("thread")
        guard !name.isEmpty else { throw ModelError("field 'thread' must name a thread (\"main\", \"t2\", …)") }
        return name
    }

    /// ``call(for:)`` of the thread inputs.
    func threadCall(for input: Input) -> (f: String, value: JSONValue?)? {
        switch input {
        case .inThread(let name, let inner):
            let (f, value) = call(for: inner)
            var object: JSONObject = if case .object(let fields)? = value { fields } else { [:] }
            object["thread"] = .string(name)
            return (f, .object(object))
        case .thread(_, let name, .create(let creator)):
            var object: JSONObject = ["thread": .string(name)]
            if let creator { object["by"] = .string(creator) }
            return ("pthread_create", .object(object))
        case .thread(_, let name, .exit(let gone)):
            var object: JSONObject = ["thread": .string(name)]
            if gone { object["gone"] = true }
            return ("pthread_join", .object(object))
        case .foreignIDs(_, let signal, let method, let ids):
            var object: JSONObject = ["signal": Self.json(signal)]
            if let tgid = ids.tgid { object["tgid"] = .int(tgid) }
            if let tid = ids.tid { object["tid"] = .int(tid) }
            return (method.rawValue, .object(object))
        default:
            return nil
        }
    }

    /// ``describe(_:_:)`` of the thread inputs' calls.
    func describeThreadCall(_ input: Input) -> String? {
        switch input {
        case .inThread(let name, let inner):
            let text = describe(inner, nil)
            let call = text.hasSuffix(" → ?") ? String(text.dropLast(4)) : text
            switch inner {
            case .send, .pidfdSend: return "\(call) to thread \(name)"
            case .pidfdOpen: return "\(call) of thread \(name)"
            default: break
            }
            return "\(call) in thread \(name)"
        case .thread(_, let name, .create(let creator)):
            return "pthread_create of thread \(name)" + (creator.map { " by thread \($0)" } ?? "")
        case .thread(_, let name, .exit(let gone)):
            return "thread \(name) returned and was joined" + (gone ? " (its task entry gone)" : "")
        case .foreignIDs(_, let signal, let method, let ids):
            return "\(method.rawValue) \(Self.name(of: signal))" + (ids.tgid.map { " tgid \($0)" } ?? "") + (ids.tid.map { " tid \($0)" } ?? "")
        case .foreignTarget(_, let call):
            return Self.describe(call)
        default:
            return nil
        }
    }
}

// Which thread makes a call: two threads' calls may be outstanding at once (issue 15; measured,
// `ThreadConcurrentWaitFactsTests`, a C probe first: t2 asleep in `sigwaitinfo` takes a `kill` of the process or a
// `tgkill` to it that the main thread sends meanwhile; one the main thread `tgkill`s to itself stays its own, and
// t2's `sigtimedwait` fails `EAGAIN`). The checker orders the overlapping calls as the model allows.
extension SignalModel {
    /// A call made in a named thread is that thread's (a `raise` in it too); a send *to* one (`tgkill`, `tkill`,
    /// `pthread_kill`, `rt_tgsigqueueinfo`) and `pidfd_open` of one are made by the main thread, or another process.
    public func callingThread(of input: Input) -> String? {
        guard case .inThread(let name, let call) = input else { return nil }
        switch call {
        case .send(_, _, let method, _): return method == .raise ? name : nil
        case .pidfdOpen, .pidfdSend: return nil
        default: return name
        }
    }
}
