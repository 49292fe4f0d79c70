// The kernel's delivery loop as steps of their own, so that a signal sent while `sigprocmask` or `sigsuspend` runs its
// handlers takes part where it arrives. The kernel pushes a frame whenever a signal is deliverable (the handler's mask
// decides what stays deliverable), and the topmost handler runs only when nothing is; a signal sent in between is
// pushed before that handler records — so with the recording handler's full mask a `SIGUSR2` sent while a `SIGWINCH`
// handler runs is recorded after it, and with an empty mask one sent before a handler records nests on top of it.
// An atomic unblock would judge both a violation (no moment has them pending in that order). Each push, discard and
// handler run is a partial step here; the call completes once its stack is empty and nothing is deliverable.
extension SignalModel {
    /// A `sigprocmask` unblock or a `sigsuspend` whose handlers are running: the frames pushed, what is blocked now,
    /// and how many handlers have recorded.
    public struct DeliveryLoop: Hashable, Sendable {
        var signals: [Int]
        var stack: [HandlerFrame]
        var blocked: Set<Int>
        var recorded: Int
        var suspending: Bool
        /// An `epoll_pwait` with a mask that has found a signal its mask unblocks pending and will fail `EINTR` once
        /// the loop has taken it — after a handler ran, or with none when it was discarded (`SignalModel+MaskedEpoll`).
        var interrupting = false
    }

    /// A handler's frame: what it was delivered, and the object's signals its `sigreturn` leaves blocked.
    public struct HandlerFrame: Hashable, Sendable {
        var delivery: Delivery
        var restores: Set<Int>
        /// The alternate stack as the frame was pushed, which its `sigreturn` sets back (nil: not known).
        var saved: AltStack? = nil
        /// The `sigaltstack` call its handler makes as it runs.
        var call: HandlerAltStackCall? = nil
    }

    /// The deliveries a `sigprocmask` or `sigsuspend` output reports, in the order the handlers ran.
    static func recordedDeliveries(_ output: Output) -> [Delivery]? {
        switch output {
        case .deliveries(let deliveries): deliveries
        case .received(let signal, let details): [Delivery(signal: signal, details: details)]
        default: nil
        }
    }

    /// One step of the delivery loop in `state.loop`, checked against `observed` (what the handlers recorded; nil: the
    /// outcome is not known): push the next deliverable signal's frame (or discard it, by its action), else run the
    /// topmost handler (the next observed record), else complete.
    func loopSteps(_ state: State, observed: [Delivery]?) -> [Step<State>] {
        guard let loop = state.loop else { return [] }
        let open = loop.signals.filter { !loop.blocked.contains($0) }
        if let (after, delivery) = take(state, open) {
            let signal = delivery.signal
            var steps: [Step<State>] = []
            func push() {
                let flags = state.handlerFlags[signal] ?? .recording
                var next = after
                next.actions[signal] = flags.resetHand ? .standard : .handler
                var blocked = loop.blocked
                blocked.formUnion(flags.blocking(loop.signals))
                if !flags.noDefer { blocked.insert(signal) }
                let restores = loop.suspending && loop.stack.isEmpty ? Set(loop.signals) : loop.blocked
                let placed = Self.placing(delivery, flags: flags, below: loop.stack.last?.delivery, in: state)
                next.loop?.stack.append(HandlerFrame(delivery: placed, restores: restores, saved: state.altStack, call: flags.altStackCall))
                next.altStack = Self.disarmed(state.altStack)
                // sigsuspend's first handler: from now on a signal sent with an ignoring action is discarded only
                // where it is deliverable, which the loop's next take decides.
                if loop.suspending && loop.stack.isEmpty { next.suspended = nil }
                next.loop?.blocked = blocked
                steps.append(.partial(next))
            }
            switch fate(of: signal, in: state) {
            case .handled?: push()
            case .discarded?: steps.append(.partial(after))
            case .fatal?:
                // The receiver dies in the call: it has no outcome (`SignalModel+FatalSignals.swift`).
                if observed == nil { steps.append(.completed(Self.killed(after, by: signal))) }
            case nil:
                push()
                steps.append(.partial(after))
            }
            return steps
        }
        if let top = loop.stack.last {
            // The topmost handler runs (its sigaltstack call, if any, sees the stack as it is now) and returns.
            let (record, stackAfter) = Self.returning(top, below: loop.stack.dropLast().last, current: state.altStack)
            var ran = top.delivery
            ran.details.altStackCall = record
            if let observed {
                guard loop.recorded < observed.count, observed[loop.recorded].signal == ran.signal,
                    ran.details.allows(observed[loop.recorded].details)
                else { return [] }
            }
            var next = state
            next.altStack = stackAfter
            next.loop?.stack.removeLast()
            next.loop?.blocked = top.restores
            next.loop?.recorded += 1
            return [.partial(next)]
        }
        // sigsuspend with no handler run yet sleeps (suspendSteps).
        if loop.suspending && loop.recorded == 0 { return [] }
        guard observed.map({ $0.count == loop.recorded }) ?? true else { return [] }
        var done = state
        done.loop = nil
        done.suspended = nil
        return [.completed(done)]
    }

    /// `sigprocmask` unblocking `signals` (all but its set's for `SIG_SETMASK`): the delivery loop from an empty stack.
    /// An old mask reported must block every signal the call `named` (the object's signals are blocked outside
    /// `sigprocmask` and `sigsuspend`).
    func unblockSteps(_ state: State, unblocking signals: [Int], named: [Int], output: Output?) -> [Step<State>] {
        var output = output
        if case .maskChanged(let deliveries, let old)? = output {
            guard old == Set(named).sorted() else { return [] }
            output = .deliveries(deliveries)
        }
        let observed = output.map(Self.recordedDeliveries)
        if case .some(nil) = observed { return [] }
        var running = state
        if running.loop == nil { running.loop = DeliveryLoop(signals: signals, stack: [], blocked: [], recorded: 0, suspending: false) }
        return loopSteps(running, observed: observed ?? nil)
    }

    /// `sigsuspend` with `signals` unblocked: the delivery loop, whose first frame restores the mask from before the
    /// call. Its first step only starts it (from then a signal of its set sent with an ignoring action is discarded on
    /// arrival: measured by the scenario `signal-robust-actions` under PCT); while nothing has run a handler and
    /// nothing is deliverable it sleeps, and may fail `EINTR` (a handled signal outside its set); it completes once
    /// its handlers have run: one, with the recording handler's full mask; all of them, nested, with empty ones.
    func suspendSteps(_ state: State, signals: [Int], output: Output?) -> [Step<State>] {
        guard let loop = state.loop else {
            var running = state
            running.loop = DeliveryLoop(signals: signals, stack: [], blocked: [], recorded: 0, suspending: true)
            running.suspended = signals
            return [.partial(running)]
        }
        let deliverable = state.pendingSignals.contains { loop.signals.contains($0) && !loop.blocked.contains($0) }
        if loop.stack.isEmpty && loop.recorded == 0 && !deliverable {
            guard output == nil || output == .failed(.EINTR) else { return [] }
            var done = state
            done.loop = nil
            done.suspended = nil
            return [.completed(done)]
        }
        let observed = output.map(Self.recordedDeliveries)
        if case .some(nil) = observed { return [] }
        return loopSteps(state, observed: observed ?? nil)
    }
}
