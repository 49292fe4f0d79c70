/// The owners (`F_SETOWN`, `F_SETOWN_EX`), signals (`F_SETSIG`) and `O_ASYNC` flags of a model's open file
/// descriptions, named by `Key`, and the I/O signals they have sent and not yet had taken — the pipe model's rules
/// (``PipeModel`` `+Owner`, `+Async`, measured in `KernelDescriptorOwnerFactsTests` and `KernelPipeAsyncFactsTests`)
/// made generic over what names a description, so that the `unix-socket` model keys them by socket. The pipe model
/// still keeps its own copy of these rules (keyed by its `Description`); it can keep its state in one of these.
///
/// What the owner receives for an event (`send_sigio_to_task`): the description's `F_SETSIG` signal, or a plain
/// `SIGIO` (`SI_KERNEL`, no band) for 0; a standard signal already pending is not queued again, a real-time one queues
/// once per event. `SIGURG` (``sendUrgent(for:)``, `send_sigurg`) goes to the owner whatever `F_SETSIG` and `O_ASYNC`
/// say. A signal whose count the model cannot know is left unjudged (``leaveUnjudged(_:)``): any take of it is allowed.
public struct IOSignals<Key: Hashable & Comparable & Sendable>: Hashable, Sendable {
    /// A description's owner, its type and whether it may be gone (a process that exited, or one outside the trace).
    public struct Owner: Hashable, Sendable {
        public var key: Key
        public var owner: PipeModel.OwnerArgument
        public var type: PipeModel.OwnerType
        public var mayBeGone: Bool
    }

    /// What woke the description (`si_code`, `si_band` of `band_table` in `fs/fcntl.c`).
    public enum Event: Hashable, Sendable {
        /// `POLL_IN` (1, `POLLIN|POLLRDNORM`), `POLL_OUT` (2, `POLLOUT|POLLWRNORM|POLLWRBAND`), `POLL_PRI` (5,
        /// `POLLPRI|POLLRDBAND`), `POLL_HUP` (6, `POLLHUP|POLLERR`).
        case input, output, priority, hangUp

        var code: Int {
            switch self {
            case .input: 1
            case .output: 2
            case .priority: 5
            case .hangUp: 6
            }
        }

        var band: Int {
            switch self {
            case .input: 0x41
            case .output: 0x304
            case .priority: 0x82
            case .hangUp: 0x18
            }
        }
    }

    /// Owners set, sorted by key (a key with none has never been given one: `{F_OWNER_TID, 0}`).
    public private(set) var owners: [Owner] = []
    /// `F_SETSIG` signals other than 0.
    public private(set) var numbers: [Key: Int] = [:]
    /// Descriptions with `O_ASYNC`.
    public private(set) var async: Set<Key> = []
    /// Signals sent and not yet taken, oldest first.
    public private(set) var pending: [PipeModel.PendingSignal] = []
    /// Signals whose takes are not judged, sorted.
    public private(set) var unjudged: [PipeModel.UnjudgedSignal] = []
    /// Processes that exited (an owner that is one of them may be gone).
    public private(set) var exited: [Int] = []

    public init() {}

    /// Nothing set and nothing sent: no call can send a signal.
    public var isQuiet: Bool { owners.isEmpty && pending.isEmpty }

    static var ioSignal: Int { 29 }
    static var urgentSignal: Int { 23 }
    /// `SI_KERNEL`, `SI_SIGIO`.
    static var kernelCode: Int { 0x80 }
    static var sigioCode: Int { -5 }
    /// `_NSIG - 1`.
    static var largestSignal: Int { 64 }
    /// Signals with codes of their own (`sig_specific_sicodes` but `SIGPOLL`): a queued I/O signal of them says `SI_SIGIO`.
    static var specificCodeSignals: Set<Int> { [4, 5, 7, 8, 11, 17, 31] }
    /// `SYNCHRONOUS_MASK`: taken before any other pending signal.
    static var synchronousSignals: Set<Int> { [4, 5, 7, 8, 11, 31] }

    // MARK: - fcntl

    /// `F_SETOWN_EX` (and `F_SETOWN`, typed by its sign) in `f_setown`'s order: a bad type `EINVAL`, `INT_MIN`
    /// `EINVAL`, a missing pid or group `ESRCH`; a process of the trace that exited may be a zombie (set) or reaped
    /// (`ESRCH`). Each way it may end: its error (nil: set) and the signals after.
    public func settingOwner(of key: Key, type: PipeModel.OwnerType, owner: PipeModel.OwnerArgument) -> [(error: ErrorCode?, next: Self)] {
        if case .invalid = type { return [(.EINVAL, self)] }
        let owner = type == .group ? owner.asGroup : owner
        switch owner {
        case .invalid: return [(.EINVAL, self)]
        case .missing: return [(ErrorCode("ESRCH"), self)]
        default: break
        }
        var gone = false
        switch owner {
        case .process(let process), .group(let process): gone = exited.contains(process)
        case .other: gone = true
        default: break
        }
        var next = self
        next.owners.removeAll { $0.key == key }
        next.owners.append(Owner(key: key, owner: owner, type: type, mayBeGone: gone))
        next.owners.sort { $0.key < $1.key }
        if gone && owner != .other { return [(nil, next), (ErrorCode("ESRCH"), self)] }
        return [(nil, next)]
    }

    /// `F_GETOWN_EX`'s type and the owners `F_GETOWN` may report: one that may be gone may also read none.
    public func owner(of key: Key) -> (type: PipeModel.OwnerType, reports: [PipeModel.OwnerReport]) {
        let record = owners.first { $0.key == key }
        let report: PipeModel.OwnerReport
        switch record?.owner {
        case .process(let owner)?: report = .process(owner)
        case .group?: report = .group
        case .none?, nil: report = .none
        default: report = record?.type == .group ? .group : .other
        }
        return (record?.type ?? .thread, record?.mayBeGone == true && report != .none ? [report, .none] : [report])
    }

    /// `F_SETSIG`: 0 through `_NSIG - 1`, else `EINVAL` (unchanged).
    public func settingSignal(of key: Key, to signal: Int) -> (error: ErrorCode?, next: Self) {
        guard (0...Self.largestSignal).contains(signal) else { return (.EINVAL, self) }
        var next = self
        next.numbers[key] = signal == 0 ? nil : signal
        return (nil, next)
    }

    /// `F_GETSIG`.
    public func signal(of key: Key) -> Int { numbers[key] ?? 0 }

    /// `F_SETFL`'s `O_ASYNC`.
    public mutating func setAsync(_ key: Key, _ on: Bool) {
        if on { async.insert(key) } else { async.remove(key) }
    }

    /// `process` exited: an owner that is it, or its group, may be gone from now on.
    public mutating func ownerExited(_ process: Int) {
        if !exited.contains(process) { exited = (exited + [process]).sorted() }
        for index in owners.indices {
            switch owners[index].owner {
            case .process(process), .group(process): owners[index].mayBeGone = true
            default: break
            }
        }
    }

    // MARK: - Sending

    /// Whom a description's signals reach: a process of the trace (to its main thread for `F_OWNER_TID`), and whether
    /// processes the trace cannot name get them too (a group's members; the process whose group it is surely does).
    func recipient(of key: Key) -> (process: Int?, thread: Bool, everyone: Bool) {
        guard let record = owners.first(where: { $0.key == key }) else { return (nil, false, false) }
        switch record.owner {
        case .group(let process): return (process, false, true)
        case .process(let process): return record.type == .group ? (process, false, true) : (process, record.type == .thread, false)
        case .other: return (nil, false, record.type == .group)
        default: return (nil, false, false)
        }
    }

    /// The signal `key`'s events send: its `F_SETSIG` one, or `SIGIO`.
    func eventSignal(of key: Key) -> Int { numbers[key] ?? Self.ioSignal }

    /// `event`'s signal for `key`'s owner (`kill_fasync`): only with `O_ASYNC`.
    public mutating func send(_ event: Event, for key: Key) {
        guard async.contains(key) else { return }
        let number = signal(of: key)
        if number == 0 {
            queue(PipeModel.TakenSignal(signal: Self.ioSignal, code: Self.kernelCode, band: 0), for: key)
        } else {
            let code = number != Self.ioSignal && Self.specificCodeSignals.contains(number) ? Self.sigioCode : event.code
            queue(PipeModel.TakenSignal(signal: number, code: code, band: event.band), for: key)
        }
    }

    /// `sk_send_sigurg`: `SIGURG` (`SI_KERNEL`) to the owner whatever `F_SETSIG` and `O_ASYNC` say; then, when there
    /// is an owner and `O_ASYNC`, a `POLL_PRI` of the `F_SETSIG` signal (none for signal 0: `kill_fasync` sends no
    /// second `SIGURG`).
    public mutating func sendUrgent(for key: Key) {
        guard owners.contains(where: { $0.key == key && $0.owner != PipeModel.OwnerArgument.none }) else { return }
        queue(PipeModel.TakenSignal(signal: Self.urgentSignal, code: Self.kernelCode, band: 0), for: key)
        if signal(of: key) != 0 { send(.priority, for: key) }
    }

    /// Leaves what `key`'s events send its owner out of judgement from now on (a count the model cannot know).
    public mutating func leaveUnjudged(_ key: Key) {
        guard async.contains(key) else { return }
        let recipient = recipient(of: key)
        let signal = eventSignal(of: key)
        if recipient.everyone { markUnjudged(PipeModel.UnjudgedSignal(process: nil, signal: signal, except: recipient.process)) }
        if let process = recipient.process { markUnjudged(PipeModel.UnjudgedSignal(process: process, signal: signal)) }
    }

    private mutating func queue(_ taken: PipeModel.TakenSignal, for key: Key) {
        let recipient = recipient(of: key)
        if recipient.everyone { markUnjudged(PipeModel.UnjudgedSignal(process: nil, signal: taken.signal, except: recipient.process)) }
        guard let process = recipient.process, !isUnjudged(process, taken.signal) else { return }
        // A standard signal already pending (for the thread, or for the process) is not queued again.
        if taken.signal < 32
            && pending.contains(where: { $0.process == process && $0.taken.signal == taken.signal && $0.thread == recipient.thread })
        {
            return
        }
        pending.append(PipeModel.PendingSignal(process: process, taken: taken, thread: recipient.thread))
    }

    private mutating func markUnjudged(_ signal: PipeModel.UnjudgedSignal) {
        guard !unjudged.contains(signal) else { return }
        unjudged = (unjudged + [signal]).sorted()
        let now = self
        pending.removeAll { now.isUnjudged($0.process, $0.taken.signal) }
    }

    func isUnjudged(_ process: Int, _ signal: Int) -> Bool {
        unjudged.contains { ($0.process == process || ($0.process == nil && $0.except != process)) && $0.signal == signal }
    }

    // MARK: - Taking

    /// `sigtimedwait` (`wait`: `sigwaitinfo`) by `process` for `signals`: the signal the kernel takes — the thread's
    /// own first, then the synchronous ones, then the lowest number, oldest first — or `EAGAIN` when none is pending
    /// (nothing yet, when it waits).
    public func taking(by process: Int, signals: [Int], wait: Bool) -> [(taken: PipeModel.TakenSignal?, next: Self)] {
        let wanted = Set(signals).subtracting([9, 19])
        let judged = pending.indices.filter { index in
            pending[index].process == process && wanted.contains(pending[index].taken.signal)
                && !isUnjudged(process, pending[index].taken.signal)
        }
        guard !judged.isEmpty else { return wait ? [] : [(nil, self)] }
        let ownThread = judged.filter { pending[$0].thread }
        let candidates = ownThread.isEmpty ? judged : ownThread
        let numbers = Set(candidates.map { pending[$0].taken.signal })
        let first = numbers.intersection(Self.synchronousSignals).min() ?? numbers.min()!
        let index = candidates.first { pending[$0].taken.signal == first }!
        var next = self
        let taken = next.pending.remove(at: index).taken
        return [(taken, next)]
    }

    /// Whether a take that reported `taken` is one the model does not judge.
    public func takeIsUnjudged(by process: Int, signals: [Int], taken: PipeModel.TakenSignal) -> Bool {
        signals.contains(taken.signal) && isUnjudged(process, taken.signal)
    }

    /// The state in words, for reports.
    public func describe(_ name: (Key) -> String) -> [String] {
        var parts: [String] = []
        for record in owners { parts.append("\(name(record.key)) owned by \(record.owner) (\(record.type))\(record.mayBeGone ? ", maybe gone" : "")") }
        for (key, number) in numbers.sorted(by: { $0.key < $1.key }) { parts.append("\(name(key)) F_SETSIG \(number)") }
        for key in async.sorted() { parts.append("\(name(key)) O_ASYNC") }
        for signal in pending { parts.append("\(signal.taken) pending for process \(signal.process)\(signal.thread ? "'s thread" : "")") }
        for signal in unjudged {
            parts.append("signal \(signal.signal) not judged for \(signal.process.map { "process \($0)" } ?? "every process")")
        }
        return parts
    }
}
