// The receiver's signal actions (`sigaction`), as far as they change what is pending or what a trace shows: the
// object's signals are blocked from set-up for the run, so a handler or a default action runs only when `sigprocmask`
// or `sigsuspend` unblocks them (see `SignalModel+Handlers.swift` for the handler's flags and mask); otherwise an
// action matters through what setting it discards, and through the old action the call reports.
//
// Measured on this machine (`KernelSignalFactsTests+Actions`, and a C probe):
// - `SIG_IGN` discards the signal's pending instances, from the process's set and the thread's alike (a `kill`, a
//   `tgkill` and two queued real-time ones: all gone); so does `SIG_DFL` for `SIGCHLD` and `SIGWINCH`, whose default
//   is to ignore them (the kernel's `sig_handler_ignored`), but not for `SIGTERM`; installing a handler keeps them.
// - A signal sent while ignored but blocked is *not* discarded: it stays pending and `sigtimedwait` takes it, with
//   its details (the kernel's `sig_ignored` never ignores a blocked signal; POSIX leaves it unspecified).
// - `EINVAL`: signal 0, 32 and 33 (glibc keeps them for itself and refuses them before the kernel), 65 and above,
//   and setting any action of `SIGKILL` or `SIGSTOP`; asking for theirs (no new action) succeeds.
extension SignalModel {
    /// A signal's action, as `sigaction` sets and reports it (a handler's flags and mask: ``HandlerFlags``).
    public enum Action: String, Hashable, Sendable {
        /// `SIG_DFL`.
        case standard = "default"
        /// `SIG_IGN`.
        case ignore
        /// A function of the receiver's (the harness's receiver installs one that only records).
        case handler

        /// The C name, for descriptions.
        var constant: String {
            switch self {
            case .standard: "SIG_DFL"
            case .ignore: "SIG_IGN"
            case .handler: "a handler"
            }
        }
    }

    /// The signals whose default action is to ignore them (the kernel's `SIG_KERNEL_IGNORE_MASK`): `SIGCHLD`,
    /// `SIGCONT`, `SIGURG`, `SIGWINCH`. Setting `SIG_DFL` for one discards its pending instances as `SIG_IGN` does.
    public static let ignoredByDefault: Set<Int> = [17, 18, 23, 28]

    /// Whether `sigaction` refuses `signal` with `EINVAL`: outside 1...64, glibc's own 32 and 33, or a new action for
    /// `SIGKILL` or `SIGSTOP`.
    public static func refusesAction(_ signal: Int, setting: Bool) -> Bool {
        !(1...last).contains(signal) || signal == 32 || signal == 33 || (setting && unblockable.contains(signal))
    }

    /// `sigaction` when the old action is known: reports it, and sets the new one, discarding the pending instances
    /// an ignoring action discards.
    func setAction(_ state: State, signal: Int, action: Action?, flags: HandlerFlags = .recording) -> (output: Output, next: State) {
        if Self.refusesAction(signal, setting: action != nil) { return (.failed(.EINVAL), state) }
        let old = state.actions[signal] ?? .standard
        guard let action else { return (.previousAction(old), state) }
        var next = state
        next.actions[signal] = action
        next.handlerFlags[signal] = action == .handler ? flags : nil
        if action == .ignore || (action == .standard && Self.ignoredByDefault.contains(signal)) {
            next.pending.removeAll { $0.signal == signal }
            next.threadPending.removeAll { $0.signal == signal }
        }
        return (.previousAction(old), next)
    }

    /// `sigaction`'s steps: one atomic step; an old action the trace has not shown yet may be reported as any.
    func actionSteps(_ state: State, signal: Int, action: Action?, flags: HandlerFlags, output: Output?) -> [Step<State>] {
        let (expected, next) = setAction(state, signal: signal, action: action, flags: flags)
        guard let output else { return [.completed(next)] }
        if case .previousAction(let reported) = output, case .previousAction = expected, state.actions[signal] == nil {
            var learned = next
            if action == nil { learned.actions[signal] = reported }
            return [.completed(learned)]
        }
        return output == expected ? [.completed(next)] : []
    }
}
