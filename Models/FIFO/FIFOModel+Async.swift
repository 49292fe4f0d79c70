/// `O_ASYNC`, `F_SETOWN`/`F_GETOWN`, `F_SETOWN_EX`/`F_GETOWN_EX` and `F_SETSIG`/`F_GETSIG` on a FIFO's descriptions,
/// and the I/O signals they send, taken with `sigtimedwait` — as on a pipe, measured on a FIFO
/// (`KernelFIFOAsyncFactsTests`): a FIFO is a pipe reached by a path, so `pipe_read`, `pipe_write`, `pipe_release` and
/// `pipe_fasync` are the pipe's own, and the pipe model's rules (``PipeModel+Owner``, ``PipeModel+Async``) are reused
/// whole, on the FIFO's pipe state. What is the FIFO's own:
/// - Each open is its own description, so an owner, a signal and `O_ASYNC` are per open: a second open of the same end
///   by the same process starts with none (no owner, `F_SETSIG` 0, no `O_ASYNC`), whatever the first has.
/// - An `O_RDWR` open is one description on both ends' lists: its owner is set through either end, a write (anyone's,
///   its own too) signals it `POLL_IN`, a read `POLL_OUT`, and its release is one release of a reader and a writer.
/// - The `open` itself signals nobody, a writer's nor a reader's (`fifo_open` wakes sleepers but calls no
///   `kill_fasync`), and neither does a failed one.
/// - The release of an open (its last descriptor closed) is the pipe's: when it leaves one end with no description
///   and the other with some, the other's owners are signalled — the last writer's close `POLL_IN` to the readers'
///   owners, the last reader's `POLL_OUT` to the writers'.
///
/// The pipe state keeps one description per process and end; the FIFO model maps it, as everywhere, to the process's
/// latest open of that end. An earlier open that a later one hides keeps its settings here (``SignalSettings``) and
/// gets them back when the later one closes; while it is hidden, the signals it sends are left out of judgement (the
/// model would have to follow two descriptions under one name).
///
/// `open` with `O_ASYNC` (the trace's `"async"`; `KernelFIFOOpenAsyncFactsTests`) sets the bit `F_GETFL` reports but
/// calls no `fasync` hook, so the description is on no list — and never will be: `setfl` and `FIOASYNC` call
/// `pipe_fasync` only when the bit asked for differs from the description's, and only `fasync_remove_entry` finding the
/// description on a list clears it. So `F_SETFL` with `O_ASYNC` changes nothing, `F_SETFL` without it leaves the bit
/// set (measured), and the open — its dups, an `O_RDWR` one's both ends — is never signalled, whatever owner it gets
/// (``Open/asyncFromOpen``). `F_SETFL`'s other flags work as ever.
extension FIFOModel {
    /// The owner, `F_SETSIG` signal and `O_ASYNC` of an open hidden by a later open of the same end.
    public struct SignalSettings: Hashable, Sendable {
        var owner: PipeModel.OwnerRecord?
        var signal: PipeModel.SignalRecord?
        var async = false
    }

    /// `F_GETFL` recorded with `O_ASYNC`, and a `sigtimedwait` whose signal's count is not known: judged as the pipe
    /// model judges them (nil for any other call).
    func asyncStep(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>]? {
        switch input {
        case .fcntl(let process, let end, .getFlags):
            // An open made with O_ASYNC reports the bit, though the pipe state has it on no list.
            if case .asyncFlags(let nonblocking, let direct, let async)? = output,
                state.latestOpen(of: process, end).map({ state.opens[$0].asyncFromOpen }) == true
            {
                guard async else { return [] }
                return pipes.getFlagsWithAsync(
                    state.pipe, process: process, end: end, output: .asyncFlags(nonblocking: nonblocking, direct: direct, async: false)
                )?.map { _ in .completed(state) }
            }
            return pipes.getFlagsWithAsync(state.pipe, process: process, end: end, output: output.flatMap(Self.pipeOutput))?.map { _ in
                .completed(state)
            }
        case .takeSignal(let process, let signals, _):
            guard pipes.takeIsUnjudged(state.pipe, process: process, signals: signals, output: output.flatMap(Self.pipeOutput)) else { return nil }
            return [.completed(state)]
        default:
            return nil
        }
    }

    /// `step` with the opens an `open` with `O_ASYNC` made (those beyond `before`'s: one, or an `O_RDWR` open's two
    /// halves) marked as such.
    static func markingAsyncFromOpen(_ step: Step<State>, before: State, _ async: Bool) -> Step<State> {
        guard async, step.state.opens.count > before.opens.count else { return step }
        var next = step.state
        for index in before.opens.count..<next.opens.count { next.opens[index].asyncFromOpen = true }
        switch step {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }

    /// Whether `command` changes what the description signals (its owner, signal or `O_ASYNC`).
    static func setsSignalling(_ command: PipeModel.FileControl) -> Bool {
        switch command {
        case .setOwner, .setOwnerEx, .setSignal, .setFlags, .setFlagsWithAsync: true
        default: false
        }
    }

    /// After a close through `end` that released one of `process`'s opens while it still holds another of that end:
    /// the pipe state, which names one description per process and end, saw no release, yet the kernel's release left
    /// the end's count above 0 — so when the other end has no description, the end's listed descriptions still open
    /// (the process's other open among them, its settings back) are signalled, as `pipe_release` does.
    func releaseSignals(_ after: State, process: Int, end: PipeModel.End) -> State {
        guard !after.pipe.async.isEmpty, after.latestOpen(of: process, end) != nil,
            (end == .read ? after.pipe.writers : after.pipe.readers).isEmpty
        else { return after }
        var next = after
        next.pipe = pipes.signalled(after.pipe, end: end, event: end == .read ? .input : .output)
        return next
    }
}

extension FIFOModel.State {
    /// The settings the pipe state holds for `process`'s description of `end` (its latest open of the end).
    func signalSettings(of process: Int, _ end: PipeModel.End) -> FIFOModel.SignalSettings {
        let key = pipe.description(of: process, end)
        return FIFOModel.SignalSettings(
            owner: pipe.owners.first { $0.description == key }, signal: pipe.signals.first { $0.description == key },
            async: pipe.async.contains(key))
    }

    /// Puts `settings` in the pipe state as `process`'s description of `end`; one whose owner exited since may be gone.
    mutating func install(_ settings: FIFOModel.SignalSettings, of process: Int, _ end: PipeModel.End) {
        let key = pipe.description(of: process, end)
        pipe.owners.removeAll { $0.description == key }
        pipe.signals.removeAll { $0.description == key }
        pipe.async.removeAll { $0 == key }
        if var owner = settings.owner {
            owner.description = key
            switch owner.owner {
            case .process(let owning), .group(let owning): owner.mayBeGone = owner.mayBeGone || pipe.exited.contains(owning)
            default: break
            }
            pipe.owners = (pipe.owners + [owner]).sorted()
        }
        if var signal = settings.signal {
            signal.description = key
            pipe.signals = (pipe.signals + [signal]).sorted()
        }
        if settings.async { pipe.async = (pipe.async + [key]).sorted() }
    }

    /// Before `process` opens `end` again: its latest open so far keeps its settings, its signals from now on not
    /// judged, and the new open starts with none; that open's epoll registration is hidden (``FIFOModel+Epoll``).
    mutating func hideLatestOpen(of process: Int, _ end: PipeModel.End) {
        guard let index = latestOpen(of: process, end) else { return }
        hideEpollRegistration(of: process, end)
        opens[index].hidden = signalSettings(of: process, end)
        leaveUnjudged(opens[index].hidden, of: process, end)
        install(FIFOModel.SignalSettings(), of: process, end)
    }

    /// After `process`'s latest open of `end` went: the one before it, if any, is the description again, with its
    /// settings; with none, the pipe state forgets the description's.
    mutating func revealLatestOpen(of process: Int, _ end: PipeModel.End) {
        install(latestOpen(of: process, end).map { opens[$0].hidden } ?? FIFOModel.SignalSettings(), of: process, end)
    }

    /// After `F_SETOWN`, `F_SETOWN_EX`, `F_SETSIG` or `F_SETFL` through `end` of an `O_RDWR` open: its other half is
    /// the same description, so it has the same settings — in the pipe state if it is the latest of its end, else kept
    /// hidden, its signals not judged.
    mutating func mirrorSignalling(of process: Int, _ end: PipeModel.End) {
        guard let halves = readWriteHalves(ofLatest: end, of: process) else { return }
        let settings = signalSettings(of: process, end)
        let otherEnd = opens[halves.other].end
        if latestOpen(of: process, otherEnd) == halves.other {
            install(settings, of: process, otherEnd)
        } else {
            opens[halves.other].hidden = settings
            leaveUnjudged(settings, of: process, otherEnd)
        }
    }

    /// Leaves out of judgement the signals a hidden open with `settings` sends (nothing without `O_ASYNC`).
    private mutating func leaveUnjudged(_ settings: FIFOModel.SignalSettings, of process: Int, _ end: PipeModel.End) {
        guard settings.async else { return }
        var probe = self
        probe.install(settings, of: process, end)
        probe.pipe.leaveUnjudged(pipe.description(of: process, end))
        pipe.unjudgedSignals = probe.pipe.unjudgedSignals
        pipe.pending = probe.pipe.pending
    }
}
