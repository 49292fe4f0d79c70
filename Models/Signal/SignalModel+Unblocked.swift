// The object's signals the receiver leaves unblocked: `sigrelse(sig)` and `sigset(sig, disp)` unblock one for good
// (until `sighold`, `sigset(sig, SIG_HOLD)` or a `sigprocmask` block). Measured on this machine
// (`ObsoleteSignalCallsFactsTests`, a C probe; Open POSIX `sigrelse`, `sigset`, `sigpause` as the checklist):
// - what was pending runs its handler before `sigrelse` or `sigset` returns; a signal sent afterwards runs it at
//   once — `raise` has run it before it returns, and nothing is pending after (`sigpending` reports only what is
//   blocked, so never one of these);
// - an ignored one sent then is dropped as it is sent (the kernel's `sig_ignored`), a fatal default kills.
// A signal another process sends is delivered when the receiver next returns to user mode: a call of the receiver
// that has already entered the kernel (a `sigtimedwait` or signalfd read of it, a `poll` on a signalfd) may still
// find it pending. So before each call of the receiver any prefix of each such signal's queued instances may have
// been delivered, and after the call none is left: every one ran its handler. What such a handler saw is not in the
// trace (no call reports it), only that the signal is gone.
// BSD `sigpause(mask)` (glibc's `__sigpause(mask, 0)`; the XPG `sigpause(sig)` is `SignalModel+Obsolete.swift`'s):
// `sigsuspend` with the whole mask replaced by the old-style `int` mask — signals 1…31 as bits, every real-time signal
// unblocked; with `SIGUSR2` and `SIGWINCH` in it and `SIGRTMIN+20` pending too, only `SIGRTMIN+20`'s handler runs,
// the call fails `EINTR`, and the old mask is back (measured, `ObsoleteSignalCallsFactsTests.bsdSigpauseReplacesTheMaskWithTheOldStyleOne`).
extension SignalModel {
    /// The signals BSD `sigpause(mask)` unblocks: every one the old-style mask leaves out, but `SIGKILL` and `SIGSTOP`.
    static func unblocked(byOldMask mask: [Int]) -> [Int] {
        (1...last).filter { !mask.contains($0) && !unblockable.contains($0) }
    }

    /// A step of `input` with the receiver's unblocked signals delivered as the kernel does: before a call of the
    /// receiver begins any prefix of their pending instances may have run their handler; once it completes, all have.
    func unblockedSteps(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let byReceiver: Bool
        if case .exit = input { byReceiver = false } else { byReceiver = input.process == state.receiver }
        guard byReceiver else { return callStep(state, input, output) }
        let starting = state.loop == nil && state.readTaken == 0
        var steps: [Step<State>] = []
        for before in starting ? Self.partlyDelivered(state) : [state] {
            // A fatal signal taken before the call ended the receiver (`SignalModel+FatalSignals.swift`): no call,
            // and no outcome.
            if let fatal = Self.fatalTaken(from: state.pending + state.threadPending, to: before.pending + before.threadPending, in: state) {
                let dead = Step.completed(Self.killed(state, by: fatal))
                if output == nil, !steps.contains(dead) { steps.append(dead) }
                continue
            }
            for step in callStep(before, input, output) {
                guard case .completed(let next) = step else {
                    steps.append(step)
                    continue
                }
                // A pause unblocking signals blocks them again after: one left unblocked before is blocked from then.
                let after = if case .pauseUnblocking(_, let signals) = input { Self.blocking(next, signals) } else { next }
                let delivered = Self.allDelivered(after)
                var done = Step.completed(delivered)
                // A fatal one taken as the call returns: the receiver dies in it, and the call has no outcome.
                if let fatal = Self.fatalTaken(from: after.pending + after.threadPending, to: delivered.pending + delivered.threadPending, in: after) {
                    guard output == nil else { continue }
                    done = .completed(Self.killed(after, by: fatal))
                }
                if !steps.contains(done) { steps.append(done) }
            }
        }
        return steps
    }

    /// `state` with every pending instance of an unblocked signal delivered (the receiver is back in user mode).
    static func allDelivered(_ state: State) -> State {
        guard !state.unblocked.isEmpty else { return state }
        var next = state
        next.pending.removeAll { state.unblocked.contains($0.signal) }
        next.threadPending.removeAll { state.unblocked.contains($0.signal) }
        return next
    }

    /// The states a call of the receiver may begin in: for each unblocked signal pending in either set, any prefix of
    /// its instances (each queued one, or the one without details) already delivered. At most 256 of them; past that
    /// (never in practice: one or two such signals at a time) only none or all delivered.
    static func partlyDelivered(_ state: State) -> [State] {
        let waiting = (state.pending + state.threadPending).filter { state.unblocked.contains($0.signal) }
        guard !waiting.isEmpty else { return [state] }
        func prefixes(_ set: [Pending]) -> [[Pending]] {
            var results: [[Pending]] = [[]]
            for entry in set {
                guard state.unblocked.contains(entry.signal) else {
                    results = results.map { $0 + [entry] }
                    continue
                }
                let kept = entry.queue.isEmpty ? [[entry]]
                    : (0..<entry.queue.count).map { [Pending(signal: entry.signal, queue: Array(entry.queue.dropFirst($0)))] }
                let options = [[]] + kept
                results = results.flatMap { result in options.map { result + $0 } }
            }
            return results
        }
        let counts = waiting.map { max($0.queue.count, 1) + 1 }.reduce(1, *)
        guard counts <= 256 else { return [state, allDelivered(state)] }
        var states: [State] = []
        for process in prefixes(state.pending) {
            for thread in prefixes(state.threadPending) {
                var next = state
                next.pending = process
                next.threadPending = thread
                states.append(next)
            }
        }
        return states
    }

    /// `sigrelse`: the unblock's delivery loop for the signal (what the handlers saw, `.returned` when the trace does
    /// not say: any), which then stays unblocked.
    func sigrelseSteps(_ state: State, signal: Int, output: Output?) -> [Step<State>] {
        if Self.refusesSetMember(signal) { return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : [] }
        return unblockSteps(state, unblocking: [signal], named: [signal], output: output == .returned ? nil : output).map { step in
            guard case .completed(var next) = step else { return step }
            Self.leaveUnblocked(&next, signal)
            return .completed(next)
        }
    }

    static func leaveUnblocked(_ state: inout State, _ signal: Int) {
        guard !unblockable.contains(signal), !state.unblocked.contains(signal) else { return }
        state.unblocked.append(signal)
        state.unblocked.sort()
    }

    /// `sigset`'s outcomes: one, but for an unblocked signal's old action the trace has not shown (any of the three).
    func sigsetOutcomes(_ state: State, signal: Int, disposition: Disposition) -> [(output: Output, next: State)] {
        if Self.refusesSetMember(signal) { return [(.failed(.EINVAL), state)] }
        let wasBlocked = !state.unblocked.contains(signal) && !Self.unblockable.contains(signal)
        let olds: [Disposition] = wasBlocked ? [.hold] : (state.actions[signal].map { [$0] } ?? [.standard, .ignore, .handler]).map { .action($0) }
        guard case .action(let action) = disposition else {
            var held = state
            held.unblocked.removeAll { $0 == signal }
            return olds.map { old in
                var learned = held
                if case .action(let known) = old { learned.actions[signal] = known }
                return (.disposition(old: old, delivered: []), learned)
            }
        }
        if Self.refusesAction(signal, setting: true) { return [(.failed(.EINVAL), state)] }
        var next = setAction(state, signal: signal, action: action, flags: Self.sigsetHandlerFlags).next
        // Unblocked: a handler runs for each pending instance, in the dequeue order (its own signal blocked while it
        // runs, so one after another); an ignoring action has discarded them; a fatal default kills in the call.
        var delivered: [Int] = []
        if next.pendingSignals.contains(signal) {
            guard action == .handler else { return [] }
            while let (after, delivery) = take(next, [signal]) {
                next = after
                delivered.append(delivery.signal)
            }
        }
        Self.leaveUnblocked(&next, signal)
        return olds.map { (.disposition(old: $0, delivered: delivered), next) }
    }
}
