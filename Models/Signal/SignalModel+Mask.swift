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
// - `sigprocmask` with a `how` other than `SIG_BLOCK`, `SIG_UNBLOCK`, `SIG_SETMASK` fails `EINVAL` (given a set).
extension SignalModel {
    /// What a `sigprocmask` call does to the object's signals.
    public enum MaskChange: String, Hashable, Sendable {
        /// `SIG_UNBLOCK`, then `SIG_BLOCK` again at once: what was pending is delivered in between.
        case unblock
        /// `SIG_BLOCK` of signals already blocked: nothing changes.
        case block
        /// A `how` that is none of the three: `EINVAL`.
        case invalid
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
        case .sigprocmask(_, .invalid, _): return (.failed(.EINVAL), state)
        case .sigprocmask(_, .block, _): return (.deliveries([]), state)
        case .sigprocmask(_, .unblock, let signals):
            let (pending, drained) = drain(state, signals)
            guard !pending.contains(where: { fate(of: $0.signal, in: state) == .fatal }) else { return nil }
            return (.deliveries(pending.filter { fate(of: $0.signal, in: state) != .discarded }), drained)
        case .sigsuspend(_, let signals):
            var current = state
            while let (after, delivery) = take(current, signals) {
                switch fate(of: delivery.signal, in: state) {
                case .discarded?: current = after
                case .fatal?: return nil
                case .handled?, nil: return (.received(signal: delivery.signal, details: delivery.details), after)
                }
            }
            return nil
        default: return nil
        }
    }

    /// Every pending signal of `signals`, in the kernel's dequeue order, and the state with all of them taken.
    func drain(_ state: State, _ signals: [Int]) -> (deliveries: [Delivery], next: State) {
        var next = state
        var deliveries: [Delivery] = []
        while let (after, delivery) = take(next, signals) {
            deliveries.append(delivery)
            next = after
        }
        return (deliveries, next)
    }

    /// `sigprocmask`'s steps (one atomic step): an unblock delivers every pending signal of the set to its action,
    /// and `observed` must be the handled ones in order (a signal of unknown action may be either).
    func maskSteps(_ state: State, change: MaskChange, signals: [Int], output: Output?) -> [Step<State>] {
        switch change {
        case .invalid: return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : []
        case .block: return output == nil || output == .deliveries([]) ? [.completed(state)] : []
        case .unblock:
            let (pending, drained) = drain(state, signals)
            guard let output else { return [.completed(drained)] }
            guard case .deliveries(let observed) = output,
                let learned = matches(pending[...], observed[...], in: state, learning: drained)
            else { return [] }
            return [.completed(learned)]
        }
    }

    /// Whether the handled ones of `pending` (in order) are `observed`: each handled signal must be the next one
    /// observed, a discarded one must not be, a fatal one cannot have been pending (the receiver would have died),
    /// and one of unknown action may be either. The state learns which unknown ones ran a handler.
    func matches(_ pending: ArraySlice<Delivery>, _ observed: ArraySlice<Delivery>, in state: State, learning next: State) -> State? {
        guard let first = pending.first else { return observed.isEmpty ? next : nil }
        let seen = observed.first.map { $0.signal == first.signal && first.details.allows($0.details) } ?? false
        switch fate(of: first.signal, in: state) {
        case .handled?: return seen ? matches(pending.dropFirst(), observed.dropFirst(), in: state, learning: next) : nil
        case .discarded?: return matches(pending.dropFirst(), observed, in: state, learning: next)
        case .fatal?: return nil
        case nil:
            var handled = next
            handled.actions[first.signal] = .handler
            if seen, let result = matches(pending.dropFirst(), observed.dropFirst(), in: state, learning: handled) { return result }
            return matches(pending.dropFirst(), observed, in: state, learning: next)
        }
    }

    /// `sigsuspend`'s steps: on entry it discards the ignored pending signals of its set that come first in the
    /// dequeue order and completes at once if one that runs a handler is next, with that one alone; otherwise it
    /// discards every ignored one pending and sleeps (a partial step: while it sleeps, a signal of its set sent with
    /// an ignoring action is discarded on arrival, measured by the scenario `signal-robust-actions` under PCT), and
    /// completes once one that runs a handler is pending. `EINTR` without one: a handled signal outside its set.
    func suspendSteps(_ state: State, signals: [Int], output: Output?) -> [Step<State>] {
        var current = state
        var steps: [Step<State>] = []
        var done = false
        while !done, let (after, delivery) = take(current, signals) {
            let fate = fate(of: delivery.signal, in: state)
            if fate == .fatal { return output == nil ? [.completed(after)] : steps }
            if fate != .discarded {
                var handled = after
                handled.actions[delivery.signal] = .handler
                handled.suspended = nil
                if output == nil || output.map({ Self.allows(.received(signal: delivery.signal, details: delivery.details), $0) }) == true {
                    steps.append(.completed(handled))
                }
                // A known handler ends the walk; an unknown action may also have been an ignoring one.
                done = fate == .handled
                if done { break }
            }
            current = after
        }
        if done { return steps }
        // Nothing of its set runs a handler: it sleeps (again), every ignored one discarded.
        current.suspended = signals
        if state.suspended == nil { steps.append(.partial(current)) }
        if output == .failed(.EINTR) || output == nil {
            current.suspended = nil
            steps.append(.completed(current))
        }
        return steps
    }
}
