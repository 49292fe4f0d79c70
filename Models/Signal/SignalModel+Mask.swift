// Unblocking the receiver's signals for a moment (`sigprocmask`) and waiting with them unblocked (`sigsuspend`): the
// pending ones are delivered to their actions, and a trace records what the receiver's handler saw.
//
// Measured on this machine (`KernelSignalFactsTests+Mask`, and a C probe), with a handler whose `sa_mask` blocks every
// signal while it runs (the harness's recording handler):
// - `SIG_UNBLOCK` delivers *every* pending signal it unblocks before the call returns, one handler after another, in
//   `sigtimedwait`'s order: the thread's set first, then the synchronous ones, then the lowest (36 31 12 28 35 35 for
//   a tgkill'd `SIGRTMIN+2`, `SIGSYS`, `SIGUSR2`, `SIGWINCH` and two `SIGRTMIN+1`). With an empty `sa_mask` the kernel
//   nests the handlers and they record in reverse (35 35 28 12 31 36): the order depends on the handler's mask.
// - A pending signal whose action is to ignore it (`SIG_IGN`, or `SIG_DFL` for `SIGCHLD`, `SIGCONT`, `SIGURG`,
//   `SIGWINCH`) is discarded on unblocking, running nothing.
// - `sigsuspend` unblocking them returns (`-1 EINTR`) after exactly *one* handler has run, the first in that order
//   (ignored ones before it are discarded), and sleeps while none is pending: the handler's mask keeps the others
//   blocked until the old mask is back. With an empty `sa_mask` it runs them all.
// - `sigprocmask` with a `how` other than `SIG_BLOCK`, `SIG_UNBLOCK`, `SIG_SETMASK` fails `EINVAL` given a set, leaving
//   the mask as it was; the kernel reads the set first (an unreadable one fails `EFAULT` even with a bad `how`), and
//   without a set it never looks at `how`: 0 and the old mask (`SignalMaskFactsTests`).
// - `SIG_SETMASK` delivers every pending signal its new mask unblocks before the call returns, in the order an unblock
//   does (`KernelSignalFactsTests+Mask`: the thread's `SIGRTMIN+2` then `SIGUSR2`, the set's `SIGWINCH` and
//   `SIGRTMIN+1` left pending; then `SIGWINCH`, `SIGRTMIN+1` 1, `SIGRTMIN+1` 2 for an empty set), and reports the old
//   mask; `SIGKILL` and `SIGSTOP` in a new mask (`SIG_BLOCK` or `SIG_SETMASK`) are silently left out: 0, and the mask
//   does not block them after (`SignalMaskFactsTests`).
extension SignalModel {
    /// What a `sigprocmask` call does to the object's signals.
    public enum MaskChange: String, Hashable, Sendable {
        /// `SIG_UNBLOCK`, then `SIG_BLOCK` again at once: what was pending is delivered in between.
        case unblock
        /// `SIG_UNBLOCK` not blocked again (`"how": "unblock", "lasting": true`): what was pending is delivered before
        /// it returns, and the signals stay unblocked for the calling thread — as `sigrelse` leaves one (see
        /// `SignalModel+Unblocked.swift`; in a thread other than the main one, `SignalModel+Threads.swift`).
        case lastingUnblock = "lasting-unblock"
        /// `SIG_BLOCK` of signals already blocked: nothing changes.
        case block
        /// A `how` that is none of the three: `EINVAL`.
        case invalid
        /// `SIG_SETMASK` to a mask blocking `signals` of the receiver's and unblocking every other, then the old mask
        /// back at once: every pending signal outside `signals` is delivered in between.
        case setmask
    }

    /// The signals a `sigprocmask` call unblocks for its delivery loop: its own for `unblock`; for `setmask` every
    /// signal its set leaves out (but `SIGKILL` and `SIGSTOP`, never blocked, so never pending).
    static func unblocked(by change: MaskChange, _ signals: [Int]) -> [Int] {
        change == .setmask ? (1...last).filter { !signals.contains($0) && !unblockable.contains($0) } : signals
    }

    /// Whether `output` is what a `sigprocmask` without a set may report in `state`: nothing delivered, and an old
    /// mask (when given) blocking every pending signal (the object's signals are blocked) and never `SIGKILL` or
    /// `SIGSTOP`; the rest of the mask is the worker's own, which the model does not know.
    static func allowsQuery(_ output: Output, in state: State) -> Bool {
        switch output {
        case .deliveries([]): true
        case .maskChanged([], let old):
            state.pendingSignals.filter { !state.unblocked.contains($0) }.allSatisfy(old.contains) && unblockable.isDisjoint(with: old)
                && state.unblocked.allSatisfy { !old.contains($0) }
        default: false
        }
    }

    /// Which call changes the mask: `sigprocmask`, or `pthread_sigmask` (the receiver's one thread: the same mask;
    /// glibc returns its error number instead of setting `errno`, which a trace does not tell apart).
    public enum MaskCall: String, Hashable, Sendable {
        case process = "sigprocmask"
        case thread = "pthread_sigmask"
    }

    /// What happens to a pending signal when it is unblocked, by its action: a handler runs, or it is discarded, or
    /// (a terminating default action) the receiver dies; nil when the action is not known (a handler or discarded).
    func fate(of signal: Int, in state: State) -> Fate? {
        switch state.actions[signal] {
        case .handler?: .handled
        case .ignore?: .discarded
        case .standard?: Self.ignoredByDefault.contains(signal) ? .discarded : .fatal
        case nil: nil
        }
    }

    enum Fate { case handled, discarded, fatal }

    /// The one outcome of `sigprocmask` or `sigsuspend` when every action involved is known (nil: the receiver would
    /// die, or `sigsuspend` sleeps).
    func maskOutcome(_ input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .sigprocmask(_, .invalid, _, _): return (.failed(.EINVAL), state)
        case .sigprocmask(_, .block, let signals, let call):
            return (call == .thread ? .maskChanged(deliveries: [], old: Self.blockedBefore(signals, in: state)) : .deliveries([]), Self.blocking(state, signals))
        case .sigprocmask(_, let change, let signals, let call):
            guard let run = handlerRuns(state, unblocking: Self.unblocked(by: change, signals), suspending: false).first, !run.died
            else { return nil }
            // The worker asks pthread_sigmask, and any SIG_SETMASK, for the old mask too: every signal of the call was
            // blocked.
            let reportsOld = call == .thread || change == .setmask
            var next = change == .unblock ? Self.blocking(run.next, signals) : run.next
            if change == .lastingUnblock { for signal in signals { Self.leaveUnblocked(&next, signal) } }
            return (reportsOld ? .maskChanged(deliveries: run.recorded, old: Self.blockedBefore(signals, in: state)) : .deliveries(run.recorded), next)
        case .maskQuery:
            return (.deliveries([]), state)
        case .sigsuspend(_, let signals):
            guard let run = handlerRuns(state, unblocking: signals, suspending: true).first, !run.died,
                let output = Self.suspendOutput(run.recorded)
            else { return nil }
            var next = run.next
            next.suspended = nil
            return (output, next)
        default: return nil
        }
    }

    /// What `sigsuspend` reports for the handlers that ran: the one delivery, or all of them in the order they ran
    /// when handlers nested (nil: none ran, so it sleeps).
    static func suspendOutput(_ recorded: [Delivery]) -> Output? {
        guard let first = recorded.first else { return nil }
        return recorded.count == 1 ? .received(signal: first.signal, details: first.details) : .deliveries(recorded)
    }

    /// `sigprocmask`'s steps: an unblock runs the kernel's delivery loop, one step per push, discard or handler run
    /// (``loopSteps(_:observed:)``), and `observed` must be what the handlers recorded in the order they ran (a signal
    /// of unknown action may have run a handler or been discarded, and a fatal one cannot have been pending: the
    /// receiver would have died in the call).
    func maskSteps(_ state: State, change: MaskChange, signals: [Int], output: Output?) -> [Step<State>] {
        switch change {
        case .invalid: return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : []
        case .block:
            let next = Self.blocking(state, signals)
            guard let output else { return [.completed(next)] }
            return output == .deliveries([]) || output == .maskChanged(deliveries: [], old: Self.blockedBefore(signals, in: state)) ? [.completed(next)] : []
        case .unblock, .setmask, .lastingUnblock:
            let named = Self.blockedBefore(signals, in: state)
            let steps = unblockSteps(state, unblocking: Self.unblocked(by: change, signals), named: named, output: output)
            if change == .lastingUnblock {
                // Left unblocked: from now on sent ones run their handler at the thread's next return to user mode.
                return steps.map { step in
                    guard case .completed(var next) = step else { return step }
                    for signal in signals { Self.leaveUnblocked(&next, signal) }
                    return .completed(next)
                }
            }
            guard change == .unblock else { return steps }
            // Blocked again after: a signal `sigrelse` had left unblocked is blocked from now on.
            return steps.map { step in
                guard case .completed(let next) = step else { return step }
                return .completed(Self.blocking(next, signals))
            }
        }
    }

    /// The call's signals its old mask blocked: all but those the receiver had left unblocked (`sigrelse`, `sigset`).
    static func blockedBefore(_ signals: [Int], in state: State) -> [Int] {
        Set(signals).subtracting(state.unblocked).sorted()
    }

    /// `state` with `signals` blocked: none of them left unblocked.
    static func blocking(_ state: State, _ signals: [Int]) -> State {
        var next = state
        next.unblocked.removeAll { signals.contains($0) }
        return next
    }

    /// Whether `sigsuspend`'s `observed` report is the `expected` one (details compared with ``Details/allows(_:)``).
    static func allowsSuspension(_ expected: Output, _ observed: Output) -> Bool {
        if case .deliveries(let recorded) = expected, case .deliveries(let seen) = observed { return allows(recorded, seen) }
        return allows(expected, observed)
    }
}
