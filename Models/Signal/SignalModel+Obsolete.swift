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
// - `sigrelse(sig)`: `SIG_UNBLOCK` of the signal, which stays unblocked: what was pending runs its handler before it
//   returns (as `sigprocmask`'s unblock), and what is sent later runs it as it comes (`SignalModel+Unblocked.swift`);
//   `EINVAL` from `sigaddset` for 0, 32, 33 and past 64, none for `SIGKILL`/`SIGSTOP`.
// - `sigset(sig, disp)` with `SIG_DFL`, `SIG_IGN` or a handler: `sigaction` (an empty `sa_mask`, no flag), then
//   `SIG_UNBLOCK`: a pending one runs the new handler inside the call (or is discarded by an ignoring action); it
//   reports `SIG_HOLD` when the signal was blocked, else the old action; `EINVAL` for 0, 32, 33, past 64, `SIGKILL`,
//   `SIGSTOP`. `sigset(sig, SIG_HOLD)`: `SIG_BLOCK`, reporting `SIG_HOLD` when it was blocked already, else the old
//   action — `SIG_DFL` for `SIGKILL`/`SIGSTOP`, which it cannot block; `EINVAL` for 0, 32, 33 and past 64.
// Measured: `ObsoleteSignalCallsFactsTests.sigrelseAndSigsetUnblock` (and a C probe: the same figures).
extension SignalModel {
    public enum ObsoleteCall: Hashable, Sendable {
        /// `signal(sig, action)`: reports the old action.
        case signal(Action)
        case sigignore
        case sighold
        /// `siginterrupt(sig, interrupt)`.
        case siginterrupt(Bool)
        /// `sigrelse(sig)`: reports what the handlers saw as it unblocked it (``Output/deliveries(_:)``).
        case sigrelse
        /// `sigset(sig, disposition)`: reports ``Output/disposition(old:delivered:)``.
        case sigset(Disposition)

        public var name: String {
            switch self {
            case .signal: "signal"
            case .sigignore: "sigignore"
            case .sighold: "sighold"
            case .siginterrupt: "siginterrupt"
            case .sigrelse: "sigrelse"
            case .sigset: "sigset"
            }
        }
    }

    /// What `sigset` sets and reports: an action, or `SIG_HOLD` (blocked).
    public enum Disposition: Hashable, Sendable {
        case action(Action)
        case hold

        /// The trace's name: an action's, or `"hold"`.
        public var name: String {
            switch self {
            case .action(let action): action.rawValue
            case .hold: "hold"
            }
        }

        public init?(name: String) {
            if name == "hold" { self = .hold } else if let action = Action(rawValue: name) { self = .action(action) } else { return nil }
        }

        var constant: String {
            switch self {
            case .action(let action): action.constant
            case .hold: "SIG_HOLD"
            }
        }
    }

    /// `sigset`'s handler: `sa_mask` empty, no flag (glibc's), so the signal alone is blocked while it runs.
    static let sigsetHandlerFlags = HandlerFlags(masksAll: false)

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
            if Self.refusesSetMember(signal) { return [(.failed(.EINVAL), state)] }
            var next = state
            next.unblocked.removeAll { $0 == signal }
            return [(.returned, next)]
        case .sigrelse:
            return []  // the unblock's delivery loop: see obsoleteSteps
        case .sigset(let disposition):
            return sigsetOutcomes(state, signal: signal, disposition: disposition)
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
        if case .sigrelse = call { return sigrelseSteps(state, signal: signal, output: output) }
        if case .disposition(let old, nil)? = output {
            // The handler runs the trace did not record: any.
            return obsoleteOutcomes(state, signal: signal, call: call).filter {
                if case .disposition(old, _) = $0.output { return true } else { return false }
            }.map { .completed($0.next) }
        }
        return obsoleteOutcomes(state, signal: signal, call: call).filter { output == nil || $0.output == output }.map { .completed($0.next) }
    }

    func obsoleteOutcome(_ state: State, signal: Int, call: ObsoleteCall) -> (output: Output, next: State)? {
        obsoleteOutcomes(state, signal: signal, call: call).first
    }
}
