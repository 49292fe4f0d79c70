/// `O_ASYNC` on a pipe's open file description and the I/O signals it sends, as this kernel (6.18) does them
/// (measured in `KernelPipeAsyncFactsTests`). `F_SETFL` (or `FIOASYNC`) puts the description on its end's list; every
/// `write` of at least one byte then signals the read end's listed descriptions' owners with `POLL_IN` (a write that
/// fails `EAGAIN` too), every `read` of at least one byte the write end's with `POLL_OUT` (one that fails `EAGAIN` too),
/// and every release of a description (its last descriptor closed) after which one end has no description and the
/// other has some, the other end's (`pipe_release`: the last writer's close `POLL_IN`, the last reader's `POLL_OUT`, and
/// then each writer's close but the last `POLL_OUT` to the writers left, each reader's `POLL_IN` to the readers left). A call of 0 bytes, or one that fails `EBADF`, sends nothing; nothing is sent for data already there when
/// `O_ASYNC` is set, nor to a description with no owner (setting the owner later sends nothing either).
///
/// What the owner receives is the description's `F_SETSIG` signal: 0 sends a plain `SIGIO` (`si_code` `SI_KERNEL`,
/// no band); another signal carries `si_code` `POLL_IN`/`POLL_OUT` (`SI_SIGIO` for a signal with codes of its own,
/// such as `SIGCHLD`), `si_band` `POLLIN|POLLRDNORM` (0x41) or `POLLOUT|POLLWRNORM|POLLWRBAND` (0x304), and `si_fd`
/// (the number `O_ASYNC` was turned on through: not judged, the model has no numbers). A standard signal (below 32)
/// already pending is not queued again; a real-time one queues once per event. An `F_OWNER_TID` owner's signals are
/// its thread's own, taken before those sent to the process; otherwise the lowest-numbered signal is taken first
/// (the synchronous ones — `SIGILL`, `SIGTRAP`, `SIGBUS`, `SIGFPE`, `SIGSEGV`, `SIGSYS` — before the rest).
///
/// The owner takes them with ``Input/takeSignal(process:signals:wait:)`` (`sigtimedwait`), which a process may call
/// only with the signals blocked (else they would be delivered, not kept). What the model cannot see it leaves out of
/// judgement, never guessing: a blocking `read` may have slept (the model cannot tell), and a blocking `write` that took
/// the asleep piece (the pipe was full) did, which sends one signal more (measured: one or two `POLL_OUT`s for a read
/// that slept, two `POLL_IN`s for a write that slept once) and perhaps more again, so the other end's owners' signal
/// counts are not known from then on (a blocking write that completes without a piece never slept: its one signal is
/// exact); so too for the other members of a process group owner (the process whose group it is receives for sure:
/// which others the group holds the trace does not say), for an
/// `exit` that releases descriptions and leaves an end with none (in which order it closes them is not said), for
/// `write-all`'s
/// unseen retries and for `splice`, `tee` and `vmsplice`. A take of such a signal may report any of it, or nothing.
/// A process's signals are assumed to come from this pipe alone.
extension PipeModel {
    /// Which event signalled: `POLL_IN` (data written, or the last writer gone) or `POLL_OUT` (data read, or the last
    /// reader gone).
    public enum IOEvent: Hashable, Sendable {
        case input, output

        /// `si_code` for a queued signal: `POLL_IN` 1, `POLL_OUT` 2.
        var code: Int { self == .input ? 1 : 2 }
        /// `si_band`: `band_table` of `fs/fcntl.c`, `POLLIN|POLLRDNORM` or `POLLOUT|POLLWRNORM|POLLWRBAND`.
        var band: Int { self == .input ? 0x41 : 0x304 }
    }

    /// What `sigtimedwait` took: the signal, `si_code` and `si_band`.
    public struct TakenSignal: Hashable, Sendable, CustomStringConvertible {
        public var signal: Int
        public var code: Int
        public var band: Int

        public init(signal: Int, code: Int, band: Int) {
            self.signal = signal
            self.code = code
            self.band = band
        }

        public var description: String { "signal \(signal) (si_code \(code), si_band 0x\(String(band, radix: 16)))" }
    }

    /// One signal pending for a process of the trace.
    public struct PendingSignal: Hashable, Sendable {
        public var process: Int
        public var taken: TakenSignal
        /// Sent to the process's main thread (`F_OWNER_TID`), not to the process.
        public var thread: Bool
    }

    /// A signal whose takes the model no longer judges, for one process or (nil) for every process but `except`.
    public struct UnjudgedSignal: Hashable, Sendable, Comparable {
        public var process: Int?
        public var signal: Int
        /// With `process` nil: the one process still judged (a group owner's named member, which surely receives).
        public var except: Int? = nil

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.process ?? 0, lhs.signal, lhs.except ?? 0) < (rhs.process ?? 0, rhs.signal, rhs.except ?? 0)
        }
    }

    /// `SIGIO` (= `SIGPOLL`), the signal of a description whose `F_SETSIG` is 0.
    static let ioSignal = 29
    /// `SI_KERNEL` and `SI_SIGIO`: a plain `SIGIO`'s code, and a queued one's for a signal with codes of its own.
    static let kernelCode = 0x80
    static let sigioCode = -5
    /// Signals with codes of their own (`sig_specific_sicodes` but `SIGPOLL`): `SIGILL`, `SIGTRAP`, `SIGFPE`, `SIGBUS`,
    /// `SIGSEGV`, `SIGCHLD`, `SIGSYS`.
    static let specificCodeSignals: Set<Int> = [4, 5, 7, 8, 11, 17, 31]
    /// `SYNCHRONOUS_MASK`: taken before any other pending signal.
    static let synchronousSignals: Set<Int> = [4, 5, 7, 8, 11, 31]

    /// The signals `event` sends for `end`'s listed descriptions that are still open, to their owners.
    func signalled(_ state: State, end: End, event: IOEvent, alive: State? = nil) -> State {
        var next = state
        let holders = (alive ?? state).holders(of: end)
        for description in state.async where description.end == end && holders.contains(description) {
            next.send(event, for: description)
        }
        return next
    }

    /// Leaves the signals `end`'s listed descriptions would send to their owners out of judgement.
    func unjudged(_ state: State, end: End) -> State {
        var next = state
        for description in state.async where description.end == end { next.leaveUnjudged(description) }
        return next
    }

    /// The signals sent by `input`, which took `before` to `after` (a completion, or with `piece` a piece of a write).
    func signalsAfter(_ input: Input, before: State, after: State, piece: Bool = false) -> State {
        if before.async.isEmpty { return after }
        var next = after
        switch scalar(input) ?? input {
        case .write(let process, let data, _):
            guard !data.isEmpty, before.writers.contains(process) else { break }
            next = signalled(next, end: .read, event: .input)
            // A blocking write sleeps only on a full pipe, which the model's asleep piece stands for: one that completes
            // without a piece never slept (its one signal is exact); one that slept may have slept more than once.
            if piece { next = unjudged(next, end: .read) }
        case .writeAll(let process, let data, _):
            guard !data.isEmpty, before.writers.contains(process) else { break }
            next = unjudged(signalled(next, end: .read, event: .input), end: .read)
        case .read(let process, let max, let nonblocking):
            guard max > 0, before.readers.contains(process) else { break }
            next = signalled(next, end: .write, event: .output)
            if !nonblocking && !before.isNonblocking(process, .read) { next = unjudged(next, end: .write) }
        case .splice:
            next = unjudged(unjudged(next, end: .read), end: .write)
        default: break
        }
        // `pipe_release`: a description released (its last descriptor closed) that leaves one end with no description
        // and the other with some signals the other's (its readers POLL_IN, its writers POLL_OUT), whichever end the
        // released one was: the last reader's close, and then every writer's close but the last, and vice versa.
        let released = before.holders(of: .read).subtracting(after.holders(of: .read)).count
            + before.holders(of: .write).subtracting(after.holders(of: .write)).count
        guard released > 0, after.readers.isEmpty || after.writers.isEmpty else { return next }
        if case .exit = input {
            // Several releases in an order the trace does not give.
            return unjudged(unjudged(next, end: .read), end: .write)
        }
        if !after.readers.isEmpty { next = signalled(next, end: .read, event: .input) }
        if !after.writers.isEmpty { next = signalled(next, end: .write, event: .output) }
        return next
    }

    /// `sigtimedwait` (or, `wait`, `sigwaitinfo`) by `process` for `signals`: the signal the kernel would take, or
    /// `EAGAIN` when none of them is pending (nothing yet, when it waits).
    func takeSignalTransitions(_ state: State, process: Int, signals: [Int], wait: Bool) -> [(output: Output?, step: Step<State>)] {
        let wanted = Set(signals).subtracting([9, 19])  // SIGKILL and SIGSTOP are never waited for
        let judged = state.pending.indices.filter { index in
            let pending = state.pending[index]
            return pending.process == process && wanted.contains(pending.taken.signal) && !state.isUnjudged(process, pending.taken.signal)
        }
        guard !judged.isEmpty else { return wait ? [] : [(.failed(.EAGAIN), .completed(state))] }
        let ownThread = judged.filter { state.pending[$0].thread }
        let candidates = ownThread.isEmpty ? judged : ownThread
        let numbers = Set(candidates.map { state.pending[$0].taken.signal })
        let first = numbers.intersection(Self.synchronousSignals).min() ?? numbers.min()!
        let index = candidates.first { state.pending[$0].taken.signal == first }!
        var next = state
        let taken = next.pending.remove(at: index).taken
        return [(.signalTaken(taken), .completed(next))]
    }

    /// Whether a take's `output` is one the model leaves unjudged: a signal of `signals` whose count is not known.
    func takeIsUnjudged(_ state: State, process: Int, signals: [Int], output: Output?) -> Bool {
        guard case .signalTaken(let taken)? = output, signals.contains(taken.signal) else { return false }
        return state.isUnjudged(process, taken.signal)
    }

    /// `F_GETFL` recorded with `O_ASYNC` (`"async"`): as `F_GETFL`, and the description's `O_ASYNC` as well.
    func getFlagsWithAsync(_ state: State, process: Int, end: End, output: Output?) -> [Step<State>]? {
        guard case .asyncFlags(let nonblocking, let direct, let async)? = output else { return nil }
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        guard held, nonblocking == state.isNonblocking(process, end), direct == state.isDirect(process, end),
            async == state.async.contains(state.description(of: process, end))
        else { return [] }
        return [.completed(state)]
    }
}

extension PipeModel.State {
    /// The open descriptions of `end`.
    func holders(of end: PipeModel.End) -> Set<PipeModel.Description> {
        Set((end == .read ? readers : writers).map { description(of: $0, end) })
    }

    func isUnjudged(_ process: Int, _ signal: Int) -> Bool {
        unjudgedSignals.contains { ($0.process == process || ($0.process == nil && $0.except != process)) && $0.signal == signal }
    }

    /// The owner a description's signals go to: a process of the trace (with whether to its thread), none that the
    /// trace can see, or (`everyone`) processes the trace cannot name — a group's members, of which the process whose
    /// group it is, when the trace names one, surely receives (it is in its own group: no trace changes groups).
    private func recipient(of description: PipeModel.Description) -> (process: Int?, thread: Bool, everyone: Bool) {
        guard let record = owners.first(where: { $0.description == description }) else { return (nil, false, false) }
        switch record.owner {
        case .group(let process): return (process, false, true)
        case .process(let process): return record.type == .group ? (process, false, true) : (process, record.type == .thread, false)
        case .other: return (nil, false, record.type == .group)
        default: return (nil, false, false)
        }
    }

    /// The signal number a description sends.
    private func signalNumber(of description: PipeModel.Description) -> Int {
        signals.first { $0.description == description }?.signal ?? 0
    }

    /// Queues `event`'s signal for `description`'s owner, as `send_sigio_to_task` does.
    mutating func send(_ event: PipeModel.IOEvent, for description: PipeModel.Description) {
        let recipient = recipient(of: description)
        let number = signalNumber(of: description)
        let signal = number == 0 ? PipeModel.ioSignal : number
        if recipient.everyone { markUnjudged(PipeModel.UnjudgedSignal(process: nil, signal: signal, except: recipient.process)) }
        guard let process = recipient.process, !isUnjudged(process, signal) else { return }
        let taken: PipeModel.TakenSignal
        if number == 0 {
            taken = PipeModel.TakenSignal(signal: signal, code: PipeModel.kernelCode, band: 0)
        } else {
            let code = signal != PipeModel.ioSignal && PipeModel.specificCodeSignals.contains(signal) ? PipeModel.sigioCode : event.code
            taken = PipeModel.TakenSignal(signal: signal, code: code, band: event.band)
        }
        // A standard signal already pending (for the thread, or for the process) is not queued again.
        if signal < 32 && pending.contains(where: { $0.process == process && $0.taken.signal == signal && $0.thread == recipient.thread }) {
            return
        }
        pending.append(PipeModel.PendingSignal(process: process, taken: taken, thread: recipient.thread))
    }

    /// Leaves the signal `description` sends its owner out of judgement.
    mutating func leaveUnjudged(_ description: PipeModel.Description) {
        let recipient = recipient(of: description)
        let number = signalNumber(of: description)
        let signal = number == 0 ? PipeModel.ioSignal : number
        if recipient.everyone { markUnjudged(PipeModel.UnjudgedSignal(process: nil, signal: signal, except: recipient.process)) }
        if let process = recipient.process {
            markUnjudged(PipeModel.UnjudgedSignal(process: process, signal: signal))
        }
    }

    private mutating func markUnjudged(_ signal: PipeModel.UnjudgedSignal) {
        guard !unjudgedSignals.contains(signal) else { return }
        unjudgedSignals = (unjudgedSignals + [signal]).sorted()
        let unjudged = self
        pending.removeAll { unjudged.isUnjudged($0.process, $0.taken.signal) }
    }
}
