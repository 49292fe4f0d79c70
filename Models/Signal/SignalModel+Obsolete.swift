// The obsolete signal calls a user's code may still make, as glibc 2.36 builds them (measured,
// `ObsoleteSignalCallsFactsTests`; a C probe first):
// - `signal(sig, disp)` is BSD's: `sigaction` with `SA_RESTART` and an `sa_mask` holding the signal alone; it reports
//   the old action and refuses what `sigaction` refuses when it sets one (`EINVAL`: 0, 32, 33, past 64, `SIGKILL`,
//   `SIGSTOP`). `SA_RESTART` changes nothing a trace of the object shows (its signals run handlers only inside
//   `sigprocmask` and `sigsuspend`), and the mask holding the signal itself is what the kernel blocks anyway.
// - `sigignore(sig)`: `sigaction` to `SIG_IGN`, discarding what is pending; the same `EINVAL`s; reports nothing.
// - `sighold(sig)`: `SIG_BLOCK` of the signal: the object's signals are blocked already, so nothing changes;
//   `EINVAL` from glibc's `sigaddset` for 0, 32, 33 and past 64, not for `SIGKILL`/`SIGSTOP` (the kernel drops them).
// - `siginterrupt(sig, flag)`: asks for the action (`EINVAL` for 0, 32, 33, past 64), then sets it again with
//   `SA_RESTART` cleared or set (`EINVAL` for `SIGKILL`/`SIGSTOP`) — so on an ignoring action it discards what is
//   pending, as a new `SIG_IGN` would. An action the trace has not shown may be any of the three.
// - `sigpause(sig)` (XPG): `sigsuspend` with the mask less that signal — the model's `sigsuspend` of one signal;
//   `EINVAL` from `sigdelset` for 0, 32, 33 and past 64.
// `sigrelse` and `sigset` of a disposition leave a signal unblocked, which the model does not have (handlers would
// run at points of the receiver's choosing).
extension SignalModel {
    public enum ObsoleteCall: Hashable, Sendable {
        /// `signal(sig, action)`: reports the old action.
        case signal(Action)
        case sigignore
        case sighold
        /// `siginterrupt(sig, interrupt)`.
        case siginterrupt(Bool)

        public var name: String {
            switch self {
            case .signal: "signal"
            case .sigignore: "sigignore"
            case .sighold: "sighold"
            case .siginterrupt: "siginterrupt"
            }
        }
    }

    /// Whether glibc's `sigaddset` and `sigdelset` refuse `signal` (`sighold`, `sigpause`): outside 1…64, or its own
    /// 32 and 33.
    public static func refusesSetMember(_ signal: Int) -> Bool { refusesAction(signal, setting: false) }

    /// BSD `signal`'s handler: `sa_mask` holding the signal alone (with no `SA_NODEFER`, what the kernel blocks anyway).
    static func bsdHandlerFlags(_ signal: Int) -> HandlerFlags {
        HandlerFlags(masksAll: false, maskSignals: unblockable.contains(signal) ? nil : [signal])
    }

    /// The call's possible outcomes: one, but for a `siginterrupt` of an action the trace has not shown yet, which
    /// sets it again as it is (a handler keeps its flags and mask), whatever it was.
    func obsoleteOutcomes(_ state: State, signal: Int, call: ObsoleteCall) -> [(output: Output, next: State)] {
        switch call {
        case .signal(let action):
            return [setAction(state, signal: signal, action: action, flags: Self.bsdHandlerFlags(signal))]
        case .sigignore:
            let (result, next) = setAction(state, signal: signal, action: .ignore)
            return [(result == .failed(.EINVAL) ? result : .returned, next)]
        case .sighold:
            return [(Self.refusesSetMember(signal) ? .failed(.EINVAL) : .returned, state)]
        case .siginterrupt:
            if Self.refusesAction(signal, setting: true) { return [(.failed(.EINVAL), state)] }
            let olds = state.actions[signal].map { [$0] } ?? [.standard, .ignore, .handler]
            return olds.map { old in
                var known = state
                known.actions[signal] = old
                return (.returned, setAction(known, signal: signal, action: old, flags: state.handlerFlags[signal] ?? .recording).next)
            }
        }
    }

    /// `signal`'s old action is learned as `sigaction`'s is (``actionSteps(_:signal:action:flags:output:)``).
    func obsoleteSteps(_ state: State, signal: Int, call: ObsoleteCall, output: Output?) -> [Step<State>] {
        if case .signal(let action) = call {
            return actionSteps(state, signal: signal, action: action, flags: Self.bsdHandlerFlags(signal), output: output)
        }
        return obsoleteOutcomes(state, signal: signal, call: call).filter { output == nil || $0.output == output }.map { .completed($0.next) }
    }

    func obsoleteOutcome(_ state: State, signal: Int, call: ObsoleteCall) -> (output: Output, next: State)? {
        obsoleteOutcomes(state, signal: signal, call: call).first
    }
}
