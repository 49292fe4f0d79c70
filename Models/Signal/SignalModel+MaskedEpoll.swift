// `epoll_pwait` and `epoll_pwait2` with a signal mask (`"sigmask"`) on the receiver's instance of signalfds: the mask
// is swapped in for the call (`set_user_sigmask`) and the old one is back after, delivering only when the call fails
// `EINTR` (`restore_saved_sigmask_unless`).
//
// Measured on this machine (`KernelSignalFactsTests+MaskedEpoll`, a C probe), and unlike `ppoll`'s: `ep_poll` looks
// for ready registrations first, then — with a zero timeout — returns nothing *without* looking for a signal, then
// fails `-EINTR` (never restarted, `SA_RESTART` or not) when a signal is pending for the caller.
// - Ready: it reports, and a pending signal its mask unblocks is not delivered (still pending after).
// - Nothing ready, timeout 0 (or a zero timespec): nothing, and nothing delivered — `ppoll` fails `EINTR` here.
// - Nothing ready, any other timeout, a signal its mask unblocks pending: `-1 EINTR` after its handler ran (one, with
//   the recording handler's full mask: the first frame restores the old mask), `{"deliveries": [...]}`; an ignored
//   one is discarded and the call still fails `EINTR`, with no handler run — `ppoll` restarts after a discard.
// - Asleep, a signal its mask unblocks that arrives ends it the same way, unless the registrations became ready or
//   the timer ran out first (ready and timed out are looked at before a signal on every wake).
// - `maxevents` ≤ 0 and an invalid timespec fail `EINVAL` before the mask is swapped in: nothing delivered.
// In a thread of the receiver other than its main one (`"thread": "t2"`; measured, `ThreadMaskedWaitFactsTests`, a C
// probe first): the mask is the calling thread's alone, as `ppoll`'s — a `kill` it unblocks runs the handler there and
// the call fails `EINTR`, a signal sent to the main thread stays the main thread's and does not end it — and a
// signalfd is polled as the calling thread sees it (the kernel's `signalfd_poll` looks at `current`): a signal
// pending for the main thread alone makes the main thread's wait report it, not the other thread's.
extension SignalModel {
    /// A wait's mask for the call, `SIGKILL` and `SIGSTOP` left out (nil: not a wait, or a wait without one).
    public static func epollWaitMask(_ call: EpollCall) -> [Int]? {
        guard case .wait(_, _, let form) = call else { return nil }
        let signals: [Int]?
        switch form {
        case .plain: signals = nil
        case .pwait(let given): signals = given
        case .pwait2(_, let given): signals = given
        }
        return signals.map { $0.filter { !Self.unblockable.contains($0) } }
    }

    /// Whether an epoll output reports something.
    private static func reportsSome(_ output: Output?) -> Bool {
        if case .epollEvents(let reports)? = output { return !reports.isEmpty }
        return false
    }

    /// The steps of a wait with `sigmask` swapped in: a first look — refused, ready, or timed out at once: the answer,
    /// nothing delivered; else it waits with the mask in place (an ignored signal it unblocks sent meanwhile is
    /// discarded on arrival), already interrupted when a signal its mask unblocks is pending. Waiting, it may end as
    /// the registrations say (ready; nothing with a timeout; `EINTR` from a signal outside the object) or be
    /// interrupted by one its mask unblocks; interrupted, the delivery loop runs and the call fails `EINTR`, reported
    /// `{"deliveries": [...]}` when handlers ran.
    func maskedEpollSteps(_ state: State, process: Int, call: EpollCall, sigmask: [Int], output: Output?) -> [Step<State>] {
        guard case .wait(_, let timeout, _) = call else { return [] }
        let outcomes = epollOutcomes(state, process: process, call: call)
        var steps: [Step<State>] = []
        func complete(_ next: State) {
            var done = next
            done.loop = nil
            done.suspended = nil
            if !steps.contains(.completed(done)) { steps.append(.completed(done)) }
        }
        /// The registrations' own endings: reports (`ready`), or nothing (a timeout that ran out) or `EINTR`.
        func registrationEndings(ready: Bool, nothing: Bool, interrupted: Bool) {
            for outcome in outcomes where output == nil || outcome.output == nil || outcome.output == output {
                let some = Self.reportsSome(outcome.output)
                if outcome.output == nil || (some && ready) || (!some && outcome.output == .failed(.EINTR) && interrupted)
                    || (!some && outcome.output != .failed(.EINTR) && nothing)
                {
                    complete(outcome.next)
                }
            }
        }
        let unblocked = Self.unblocked(by: .setmask, sigmask)
        guard let loop = state.loop else {
            // Refused before the mask is swapped in, or not judged: the registrations' answer alone.
            if call.waitRefusal != nil || outcomes.contains(where: { $0.output == nil }) {
                registrationEndings(ready: true, nothing: true, interrupted: true)
                return steps
            }
            registrationEndings(ready: true, nothing: timeout == 0, interrupted: false)
            // Nothing ready (some registration may miss its wake): with a timeout of 0 that was all.
            guard timeout != 0, outcomes.contains(where: { !Self.reportsSome($0.output) }) else { return steps }
            var waiting = state
            waiting.loop = DeliveryLoop(signals: unblocked, stack: [], blocked: [], recorded: 0, suspending: true)
            waiting.loop?.interrupting = state.pendingSignals.contains(where: unblocked.contains)
            waiting.suspended = unblocked
            steps.append(.partial(waiting))
            return steps
        }
        let deliverable = state.pendingSignals.contains { loop.signals.contains($0) && !loop.blocked.contains($0) }
        if !loop.interrupting {
            // Asleep: woken, it looks for ready registrations, then the timer, then a signal.
            registrationEndings(ready: true, nothing: timeout > 0, interrupted: true)
            if deliverable {
                var interrupted = state
                interrupted.loop?.interrupting = true
                steps.append(.partial(interrupted))
            }
            return steps
        }
        let observed: [Delivery]?
        switch output {
        case nil: observed = nil
        case .failed(.EINTR)?: observed = []
        case .deliveries(let recorded)?: observed = recorded
        default: return []
        }
        // Interrupted: once the loop has taken what it found and no handler ran (an ignored signal discarded),
        // `EINTR` with nothing recorded; the loop completes the rest.
        if loop.stack.isEmpty && loop.recorded == 0 && !deliverable {
            if observed?.isEmpty ?? true { complete(state) }
            return steps
        }
        return loopSteps(state, observed: observed)
    }

    /// The one outcome of a masked wait when every action involved is known: refused, ready, nothing at once, the
    /// handlers that ran (`EINTR` with none when what it unblocked was discarded), or nothing with a timeout (nil:
    /// it sleeps, or the receiver would die).
    func maskedEpollOutcome(_ state: State, process: Int, call: EpollCall, sigmask: [Int]) -> (output: Output, next: State)? {
        guard case .wait(_, let timeout, _) = call else { return nil }
        let outcomes = epollOutcomes(state, process: process, call: call)
        let first = outcomes.first { $0.output != .failed(.EINTR) }.map { ($0.output ?? .epollControlled, $0.next) }
        if call.waitRefusal != nil || timeout == 0 || outcomes.contains(where: { Self.reportsSome($0.output) }) { return first }
        let unblocked = Self.unblocked(by: .setmask, sigmask)
        guard state.pendingSignals.contains(where: unblocked.contains) else { return timeout > 0 ? first : nil }
        guard let run = handlerRuns(state, unblocking: unblocked, suspending: true).first, !run.died else { return nil }
        return (run.recorded.isEmpty ? .failed(.EINTR) : .deliveries(run.recorded), run.next)
    }
}
