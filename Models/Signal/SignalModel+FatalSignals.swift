// A signal whose default action ends the process, taken by any thread of the receiver — its main one or another —
// ends the whole receiver (issue 15; measured on 6.18, a C probe first, then `ThreadFatalSignalFactsTests`):
// - a `kill` of the process while a thread other than the main one leaves the signal unblocked (a lasting
//   `pthread_sigmask` unblock, `sigrelse`, or inherited), every other blocking it, ends the process with that signal
//   as its exit status; so does a `tgkill` or `rt_tgsigqueueinfo` to that thread, and a lasting unblock there of one
//   pending; `sigsuspend` (and a masked `ppoll`) in that thread unblocking it too — the call never returns;
// - blocked in that thread, a `tgkill` to it stays pending for it (no death), as for the main thread; `sigwaitinfo`
//   in it takes a `kill`'s signal (it is only unblocked inside the wait: the kernel's `real_blocked`);
// - the process dead and not yet reaped, a `kill` of it (and a `tgkill` to its main thread) still succeeds; a
//   `tgkill` to the other thread fails `ESRCH` once the process can be waited for, and may still succeed right after
//   the `kill` (measured: both, in a C probe).
// The kernel's `complete_signal` ends the thread group at once when the thread it picks does not block the signal;
// it picks only a thread that runs or has nothing else pending (`wants_signal`), so a thread that leaves the signal
// unblocked but has another pending it has not taken yet (not running: timing no trace shows) leaves it pending, to
// be taken — and the group ended — at that thread's next return to user mode. From the death on, no call of the
// receiver completes, in any thread; a call of the receiver that sent the fatal signal or unblocked it never returns.
extension SignalModel {
    /// Whether `signal`'s action in `state` is a default that ends the process (an action not known is taken as a
    /// handler or an ignoring one, as ``fate(of:in:)`` does).
    static func isFatal(_ signal: Int, in state: State) -> Bool {
        state.actions[signal] == .standard && !ignoredByDefault.contains(signal)
    }

    /// `state` once a fatal signal has ended the receiver: nothing is pending any more (nothing can take it), its
    /// epoll instance and timers are gone, its other threads have ended (a `tgkill` to one may still find it a
    /// moment); sends to it succeed until its `exit` (the reaping) as to any zombie.
    static func killed(_ state: State, by signal: Int) -> State {
        var dead = state
        dead.killedBy = signal
        dead.pending = []
        dead.threadPending = []
        dead.epoll = []
        dead.timers = [:]
        dead.loop = nil
        dead.suspended = nil
        for name in dead.threads.keys {
            dead.threads[name]?.pending = []
            dead.threads[name]?.suspended = nil
            if name != stashedMainThread, dead.threads[name]?.end == nil { dead.threads[name]?.end = .exited }
        }
        return dead
    }

    /// What sending the fatal `signal` now does, when some thread it may go to leaves it unblocked: true, the receiver
    /// ends at once (a thread that does not block it has nothing else unblocked pending: the kernel picks such a one);
    /// false, it stays pending until a thread that leaves it unblocked takes it (every such thread has another
    /// pending first); nil, every thread blocks it. `toThread`: for the calling thread alone (`state`'s own mask).
    static func fatalSendEnds(_ state: State, _ signal: Int, toThread: Bool) -> Bool? {
        var takers = [(unblocked: state.unblocked, pending: state.pending + state.threadPending)]
        if !toThread {
            for (name, thread) in state.threads where name != stashedMainThread && thread.end == nil {
                takers.append((thread.unblocked, state.pending + thread.pending))
            }
        }
        let leaving = takers.filter { $0.unblocked.contains(signal) }
        guard !leaving.isEmpty else { return nil }
        return leaving.contains { taker in !taker.pending.contains { taker.unblocked.contains($0.signal) } }
    }

    /// The fatal signal (by `state`'s actions) of which `after` holds fewer pending instances than `before`: a thread
    /// leaving it unblocked took it, and the receiver ended (nil: none).
    static func fatalTaken(from before: [Pending], to after: [Pending], in state: State) -> Int? {
        func count(_ set: [Pending], _ signal: Int) -> Int {
            set.filter { $0.signal == signal }.reduce(0) { $0 + max($1.queue.count, 1) }
        }
        return Set(before.map(\.signal)).sorted().first { isFatal($0, in: state) && count(after, $0) < count(before, $0) }
    }

    /// Whether `input` is a call of the receiver (in any of its threads), which cannot complete once it has died.
    static func isCall(_ input: Input, of state: State) -> Bool {
        switch input {
        case .exit, .signalFault: false
        default: input.process == state.receiver
        }
    }

    /// ``stepKeepingDetails(_:_:_:)``'s steps from `start` with the receiver's death taken into account: once it is
    /// dead the receiver makes no call; a call of its own that ends it (a send of a fatal signal to itself, an unblock
    /// of one pending) never returns, so it has no outcome.
    func mortalSteps(_ start: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let byReceiver = Self.isCall(input, of: start)
        if byReceiver, start.killedBy != nil { return [] }
        let steps = timedStep(start, input, output)
        guard byReceiver, output != nil else { return steps }
        return steps.filter { $0.state.killedBy == nil }
    }

    /// ``describe(_:)-(State)`` of a receiver that has died and not been reaped (nil: it has not died so).
    static func describeDeath(_ state: State) -> String? {
        state.killedBy.map { "process \(state.receiver) was killed by \(name(of: $0)) (its default action), not yet reaped" }
    }
}
