// `pause` by the receiver, with the object's signals blocked (as they are outside `sigprocmask` and `sigsuspend`).
//
// Measured on this machine (`PauseFactsTests`), with a thread blocking two signals — one with a handler, one
// ignored — and a third, handled signal left unblocked:
// - both blocked signals sent to the thread while it sleeps in `pause` leave it asleep (no wake-up: the kernel's
//   `wants_signal` skips a blocked signal) and run nothing; they stay pending, the ignored one too (a blocked signal
//   is never ignored), and a `sigtimedwait` after the `pause` takes both, lowest first;
// - the handled unblocked signal ends it: `-1 EINTR` after its handler ran, with `SA_RESTART` too (signal(7):
//   `pause` is never restarted). It never returned 0.
// So for the object, `pause` never succeeds, takes nothing and changes nothing; it may fail `EINTR` at any moment,
// since a signal outside the object (the harness's `SIGUSR1`) may come; and it may sleep for good.
//
// Checked against the kernel in real mode by `signal-robust-pause` (every run's trace is checked). A deliberately
// wrong model whose `EINTR` empties what was pending (as if the pause had run their handlers) was caught there at
// seed 7 within 20 runs (a later `sigtimedwait` with timeout 0 took the `SIGUSR2` that model had dropped), and by
// the twin `pause.taken.rejected`; one letting `pause` return 0 is caught by the twin `pause.rejected` and by
// `signal-fragile-pause-takes-signal`, never by the kernel, whose `pause` never returns 0.
extension SignalModel {
    /// `pause`'s steps: `EINTR` leaving the object as it was (atomic: whatever was sent while it slept stays
    /// pending); or no outcome at all (its process died asleep, or the trace ended with it asleep). Never success.
    func pauseSteps(_ state: State, output: Output?) -> [Step<State>] {
        guard state.alive else { return [] }
        switch output {
        case nil, .failed(.EINTR)?: return [.completed(state)]
        default: return []
        }
    }

    /// `pause` with `signals` unblocked for it (measured, `PauseUnblockedFactsTests`): the pending ones run their
    /// handlers as they are unblocked, before `pause` starts; it then sleeps (an ignored signal sent meanwhile is
    /// discarded without waking it) until a handled one runs, and ends `-1 EINTR`; whatever is deliverable before the
    /// mask is blocked again runs too. A handled signal outside the object may end it at any quiet moment, so it may
    /// complete whenever the unblock's delivery loop is quiet: with what the handlers recorded (`EINTR` when none), or
    /// never (asleep for good).
    func pauseUnblockingSteps(_ state: State, signals: [Int], output: Output?) -> [Step<State>] {
        guard state.alive else { return [] }
        switch output {
        case .failed(.EINTR)?: return unblockSteps(state, unblocking: signals, named: signals, output: .deliveries([]))
        case nil, .deliveries?: return unblockSteps(state, unblocking: signals, named: signals, output: output)
        default: return []
        }
    }
}
