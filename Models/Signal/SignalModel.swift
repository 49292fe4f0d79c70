/// Signals sent to one process with `kill` and `sigqueue` and taken by it with `sigtimedwait` while it blocks them.
/// Each object is one receiving process's set of pending signals.
///
/// What it allows, and why (each fact is also a test on the real kernel, `KernelSignalFactsTests`):
/// - A standard signal (below 32) sent while it is already pending is dropped: five sends while blocked give one
///   delivery, carrying the *first* sender's details.
/// - A real-time signal (32 to 64) queues: five sends give five deliveries, in order, each with its sender and,
///   from `sigqueue`, its value.
/// - `sigtimedwait` takes the synchronous signals of its set first — `SIGILL`, `SIGTRAP`, `SIGBUS`, `SIGFPE`,
///   `SIGSEGV`, `SIGSYS` (the kernel's `SYNCHRONOUS_MASK`), lowest number first — then the lowest-numbered other
///   pending signal: standard before real-time. With `SIGUSR1` and `SIGSYS` pending, `SIGSYS` comes first; all of
///   them pending come out 4 5 7 8 11 31 1 10 12 … 34 35 … 64 (`KernelSignalFactsTests`).
///   With a timeout and nothing pending it fails `EAGAIN`; without one it waits.
/// - A wait asleep (no timeout, or a non-zero one) that a handled signal outside its set interrupts fails `EINTR`
///   and takes nothing; `sigtimedwait` is never restarted (signal(7)). A wait with timeout 0 never sleeps.
/// - Each pending signal with details takes one slot of the receiver's user's `RLIMIT_SIGPENDING` (`queueLimit`;
///   unlimited when absent). Over it a real-time `sigqueue` fails `EAGAIN`; a `kill`, or a `sigqueue` of a standard
///   signal, still succeeds but loses its details (`SI_USER`, no sender), and a real-time signal without details
///   does not queue: the kernel keeps only its pending bit, so such sends coalesce.
/// - A signal number outside 0...64 fails `EINVAL`; signal 0 checks that the receiver exists and sends nothing.
/// - Once the receiver has died and been reaped, sends fail `ESRCH` (even with a bad signal number: the receiver is
///   looked up first); what was pending is gone with it.
public struct SignalModel: TraceModel {
    public static let name = "signal"

    /// The first real-time signal number (the kernel's SIGRTMIN; glibc reserves 32 and 33 and calls 34 SIGRTMIN).
    public static let firstRealtime = 32
    public static let last = 64
    /// glibc's SIGRTMIN, which trace names count from (`SIGRTMIN+1` is 35).
    public static let realtimeNameBase = 34
    /// The kernel's `SYNCHRONOUS_MASK`: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, dequeued before the rest.
    public static let synchronous: Set<Int> = [4, 5, 7, 8, 11, 31]

    public enum Method: String, Hashable, Sendable {
        case kill, sigqueue
    }

    /// How the receiver learns who sent a signal (`si_code`, `si_pid`, `si_value`).
    public struct Details: Hashable, Sendable {
        /// True for `SI_QUEUE` (sent by `sigqueue`), false for `SI_USER`.
        public var queued: Bool
        /// The sending process; nil when the kernel dropped the details (`si_pid` 0).
        public var sender: Int?
        /// `si_value.sival_int`, meaningful when `queued`.
        public var value: Int32

        public init(queued: Bool, sender: Int?, value: Int32) {
            self.queued = queued
            self.sender = sender
            self.value = queued ? value : 0
        }

        /// What a delivery looks like when the kernel kept no details.
        public static let lost = Details(queued: false, sender: nil, value: 0)
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, signal: Int, method: Method, value: Int32)
        /// `timeout` in milliseconds; nil waits without limit.
        case wait(process: Int, signals: [Int], timeout: Int?)
        /// The receiver (or any process) died; only the receiver's death matters.
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case sent
        case received(signal: Int, details: Details)
        case exited
        case failed(ErrorCode)
    }

    /// One signal number's pending state: the kernel's pending bit and its queue of details.
    public struct Pending: Hashable, Sendable {
        public var signal: Int
        public var queue: [Details]
    }

    /// One receiver's pending signals.
    public struct State: Hashable, Sendable {
        public let receiver: Int
        public let queueLimit: Int?
        /// Signals whose pending bit is set, ascending; each with the details queued for it (possibly none).
        public internal(set) var pending: [Pending] = []
        /// False once the receiver has died.
        public internal(set) var alive = true

        /// Queued details, which count against the limit.
        var queuedCount: Int { pending.reduce(0) { $0 + $1.queue.count } }
    }

    /// How one receiver starts.
    public struct Setup: Hashable, Sendable {
        public var receiver: Int
        public var queueLimit: Int?

        public init(receiver: Int, queueLimit: Int? = nil) {
            self.receiver = receiver
            self.queueLimit = queueLimit
        }
    }

    public let setups: [(name: String, setup: Setup)]

    public init(receivers: [(name: String, setup: Setup)]) {
        self.setups = receivers
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(receiver: 0)
        return State(receiver: setup.receiver, queueLimit: setup.queueLimit)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if output == .failed(.EINTR) {
            // Interrupted asleep: nothing of its set was pending, and it takes nothing.
            guard case .wait(_, let signals, let timeout) = input, timeout != 0,
                state.alive, !state.pending.contains(where: { signals.contains($0.signal) })
            else { return [] }
            return [.completed(state)]
        }
        guard let (result, next) = outcome(of: input, in: state) else { return [] }
        return output == nil || output == result ? [.completed(next)] : []
    }

    /// How `input` completes from `state` (every signal operation is one atomic step); nil when it cannot yet (a
    /// wait without timeout and nothing pending).
    public func outcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .send(let process, let signal, let method, let value):
            // The receiver is looked up before the signal number is checked.
            guard state.alive else { return (.failed(.ESRCH), state) }
            guard (0...Self.last).contains(signal) else { return (.failed(.EINVAL), state) }
            if signal == 0 { return (.sent, state) }
            return generate(state, signal: signal, details: Details(queued: method == .sigqueue, sender: process, value: value))
        case .wait(_, let signals, let timeout):
            let waitedFor = { (pending: Pending) in signals.contains(pending.signal) }
            let firstSynchronous = state.pending.firstIndex { waitedFor($0) && Self.synchronous.contains($0.signal) }
            guard let index = firstSynchronous ?? state.pending.firstIndex(where: waitedFor) else {
                return timeout == nil ? nil : (.failed(.EAGAIN), state)
            }
            var next = state
            let signal = state.pending[index].signal
            let details: Details
            if state.pending[index].queue.isEmpty {
                details = .lost
                next.pending.remove(at: index)
            } else {
                details = next.pending[index].queue.removeFirst()
                if next.pending[index].queue.isEmpty { next.pending.remove(at: index) }
            }
            return (.received(signal: signal, details: details), next)
        case .exit(let process):
            guard process == state.receiver else { return (.exited, state) }
            var next = state
            next.alive = false
            next.pending = []
            return (.exited, next)
        }
    }

    /// The kernel's `__send_signal_locked`: a pending standard signal drops the new one; otherwise details are
    /// queued if the limit allows (a standard signal sent by `kill` is allowed past it), else the real-time
    /// `sigqueue` fails `EAGAIN` and anything else sets the pending bit without details.
    private func generate(_ state: State, signal: Int, details: Details) -> (output: Output, next: State) {
        let realtime = signal >= Self.firstRealtime
        let index = state.pending.firstIndex { $0.signal == signal }
        if !realtime, index != nil { return (.sent, state) }
        let overrideLimit = !realtime && !details.queued
        let fits = overrideLimit || state.queueLimit.map { state.queuedCount < $0 } ?? true
        if !fits && realtime && details.queued { return (.failed(.EAGAIN), state) }
        var next = state
        let position = index ?? next.pending.firstIndex { $0.signal > signal } ?? next.pending.count
        if index == nil { next.pending.insert(Pending(signal: signal, queue: []), at: position) }
        if fits { next.pending[position].queue.append(details) }
        return (.sent, next)
    }

    public func describe(_ state: State) -> String {
        guard state.alive else { return "process \(state.receiver) has died" }
        if state.pending.isEmpty { return "nothing pending for process \(state.receiver)" }
        let parts = state.pending.map { pending in
            let name = Self.name(of: pending.signal)
            if pending.queue.isEmpty { return "\(name) (no details)" }
            return pending.queue.map { "\(name) \(Self.describe($0))" }.joined(separator: ", ")
        }
        return "pending for process \(state.receiver): " + parts.joined(separator: ", ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let signal, let method, let value):
            call = "\(method.rawValue) \(Self.name(of: signal))" + (method == .sigqueue ? " value \(value)" : "")
        case .wait(_, let signals, let timeout):
            call = "sigtimedwait {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
                + (timeout.map { " timeout \($0) ms" } ?? "")
        case .exit:
            call = "exit"
        }
        let result: String
        switch output {
        case nil: result = "?"
        case .sent?, .exited?: result = "ok"
        case .received(let signal, let details)?: result = "\(Self.name(of: signal)) \(Self.describe(details))"
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }

    static func describe(_ details: Details) -> String {
        guard let sender = details.sender else { return "(SI_USER, no sender)" }
        return details.queued ? "(SI_QUEUE from \(sender), value \(details.value))" : "(SI_USER from \(sender))"
    }
}

extension SignalModel {
    /// Linux's numbers for the standard signals traces name.
    static let standardNames: [(String, Int)] = [
        ("SIGHUP", 1), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGILL", 4), ("SIGTRAP", 5), ("SIGABRT", 6), ("SIGBUS", 7),
        ("SIGFPE", 8), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGSEGV", 11), ("SIGUSR2", 12), ("SIGPIPE", 13),
        ("SIGALRM", 14), ("SIGTERM", 15), ("SIGSTKFLT", 16), ("SIGCHLD", 17), ("SIGCONT", 18), ("SIGSTOP", 19),
        ("SIGTSTP", 20), ("SIGTTIN", 21), ("SIGTTOU", 22), ("SIGURG", 23), ("SIGXCPU", 24), ("SIGXFSZ", 25),
        ("SIGVTALRM", 26), ("SIGPROF", 27), ("SIGWINCH", 28), ("SIGIO", 29), ("SIGPWR", 30), ("SIGSYS", 31),
    ]

    /// The trace name of a signal number: `SIGUSR2`, `SIGRTMIN+1`, or the number itself for anything else.
    public static func name(of signal: Int) -> String {
        if let entry = standardNames.first(where: { $0.1 == signal }) { return entry.0 }
        if (realtimeNameBase...last).contains(signal) { return "SIGRTMIN+\(signal - realtimeNameBase)" }
        return "\(signal)"
    }

    /// The number of a trace signal name (`SIGUSR2`, `SIGRTMIN+1`), or nil.
    public static func number(of name: String) -> Int? {
        if let entry = standardNames.first(where: { $0.0 == name }) { return entry.1 }
        if name.hasPrefix("SIGRTMIN+"), let offset = Int(name.dropFirst(9)), offset >= 0 { return realtimeNameBase + offset }
        if name == "SIGRTMIN" { return realtimeNameBase }
        return nil
    }
}
