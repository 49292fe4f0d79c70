// How the receiver's handlers run when `sigprocmask` or `sigsuspend` unblocks its pending signals: the kernel's
// delivery loop, with the handler's `sa_mask`, `SA_NODEFER` and `SA_RESETHAND`.
//
// The kernel delivers on its way back to user space, one signal at a time: it dequeues the next deliverable signal
// (`sigtimedwait`'s order among those not blocked), pushes the handler's frame and blocks the handler's `sa_mask` and,
// without `SA_NODEFER`, the signal itself; while something is still deliverable it pushes another frame on top. Only
// then does the topmost handler run; its `sigreturn` restores the mask its frame saved, and the loop starts again. So
// a handler that blocks every signal (the harness's recording handler) runs before the next is dequeued, and they
// record in dequeue order; handlers that leave the set unblocked nest and record in reverse — except that a signal is
// blocked in its own handler, so a second instance waits for the first's `sigreturn`. `SA_RESETHAND` sets the action
// back to `SIG_DFL` as the kernel dequeues the signal for the handler: a later instance meets the default action (a
// `SIGWINCH` is discarded, others would end the receiver). `sigsuspend`'s first frame saves the mask from before the
// call, so once the bottom handler returns nothing more is delivered.
//
// A partial `sa_mask` (`"mask": [SIG, ...]`) blocks those while the handler runs: one of them pending waits for the
// handler's `sigreturn`, any other nests on top of it.
//
// Measured on this machine (`KernelSignalFactsTests+Handlers`), through the worker's recording handler:
// - an empty `sa_mask`: a tgkill'd `SIGRTMIN+2`, `SIGUSR2`, `SIGWINCH` and two queued `SIGRTMIN+1` (values 1, 2)
//   unblocked record `SIGRTMIN+1` 1, `SIGRTMIN+1` 2, `SIGWINCH`, `SIGUSR2`, `SIGRTMIN+2`; with `SA_NODEFER` too, the
//   two `SIGRTMIN+1` swap (2 before 1); `sigsuspend` runs all of them so too;
// - `SA_RESETHAND`: asking after a delivery reports `SIG_DFL`; a `SIGWINCH` sent to the thread and to the process
//   runs the handler once (the second is discarded by the default action).
extension SignalModel {
    /// The recording handler's `sigaction` flags and mask as a trace gives them (it is always `SA_SIGINFO`: the trace
    /// records the `si_code`, `si_pid` and `si_value` it saw).
    public struct HandlerFlags: Hashable, Sendable, CustomStringConvertible {
        /// `SA_RESETHAND`: the action is `SIG_DFL` again once the kernel has delivered the signal to the handler.
        public var resetHand: Bool
        /// `SA_NODEFER`: the signal itself is not blocked while its handler runs.
        public var noDefer: Bool
        /// `SA_ONSTACK`: the handler runs on the alternate signal stack, if one is set (see `SignalModel+AltStack`).
        public var onStack: Bool
        /// Whether `sa_mask` blocks every signal (the harness's recording handler) or none — or, with
        /// `maskSignals`, those.
        public var masksAll: Bool
        /// The signals a partial `sa_mask` blocks (`"mask": [SIG, ...]`, ascending, less `SIGKILL` and `SIGSTOP`,
        /// which the kernel drops from it); nil when it blocks all or none, as `masksAll` says.
        public var maskSignals: [Int]?
        /// The `sigaltstack` call the handler makes each time it runs (`"sigaltstack"`; nil: none), which its
        /// deliveries record (see `SignalModel+AltStack`).
        public var altStackCall: HandlerAltStackCall?

        public init(
            resetHand: Bool = false, noDefer: Bool = false, masksAll: Bool = true, maskSignals: [Int]? = nil, onStack: Bool = false,
            altStackCall: HandlerAltStackCall? = nil
        ) {
            self.resetHand = resetHand
            self.noDefer = noDefer
            self.onStack = onStack
            self.masksAll = maskSignals == nil && masksAll
            self.maskSignals = maskSignals
            self.altStackCall = altStackCall
        }

        /// What `sa_mask` blocks among the `unblocked` signals while the handler runs (the rest stay blocked anyway).
        func blocking(_ unblocked: [Int]) -> Set<Int> {
            masksAll ? Set(unblocked) : Set(maskSignals ?? []).intersection(unblocked)
        }

        /// The harness's recording handler: every signal blocked while it runs, no other flag.
        public static let recording = HandlerFlags()

        /// The trace's `flags` names (`SA_SIGINFO` is implied and not listed).
        public var names: [String] {
            (resetHand ? ["SA_RESETHAND"] : []) + (noDefer ? ["SA_NODEFER"] : []) + (onStack ? ["SA_ONSTACK"] : [])
        }

        public var description: String {
            let mask = maskSignals.map { "sa_mask {\($0.map(SignalModel.name(of:)).joined(separator: ", "))}" } ?? (masksAll ? "sa_mask all" : "sa_mask empty")
            let call = altStackCall.map { call in
                ["calling sigaltstack" + (call.setting.map { " to set flags \(Int32(bitPattern: $0.flags)) size \($0.size)" } ?? " (asking)")]
            } ?? []
            return "(\((names + [mask] + call).joined(separator: ", ")))"
        }
    }

    /// One way the kernel's delivery loop can go: what the handlers recorded, in the order they ran, and the state
    /// after; `died` when a signal met a default action that ends the receiver (it records nothing more).
    struct HandlerRun {
        var recorded: [Delivery]
        var next: State
        var died = false
    }

    /// Every way the delivery loop can go once `signals` are unblocked: one when every action involved is known, more
    /// when one is not (its pending signal ran a handler or was discarded). With `suspending`, the first frame
    /// restores the mask from before the call (every signal blocked): `sigsuspend`.
    func handlerRuns(_ state: State, unblocking signals: [Int], suspending: Bool) -> [HandlerRun] {
        var runs: [HandlerRun] = []
        func explore(_ state: State, blocked: Set<Int>, stack: [HandlerFrame], recorded: [Delivery]) {
            let open = signals.filter { !blocked.contains($0) }
            guard let (after, delivery) = take(state, open) else {
                guard let top = stack.last else { return runs.append(HandlerRun(recorded: recorded, next: state)) }
                // Nothing deliverable: the topmost handler runs, and its sigreturn restores its frame's mask and the
                // alternate stack its frame saved.
                let (record, stackAfter) = Self.returning(top, below: stack.dropLast().last, current: state.altStack)
                var ran = top.delivery
                ran.details.altStackCall = record
                var returned = state
                returned.altStack = stackAfter
                return explore(returned, blocked: top.restores, stack: Array(stack.dropLast()), recorded: recorded + [ran])
            }
            let signal = delivery.signal
            func handle() {
                let flags = state.handlerFlags[signal] ?? .recording
                var handled = after
                handled.actions[signal] = flags.resetHand ? .standard : .handler
                var masked = blocked
                masked.formUnion(flags.blocking(signals))
                if !flags.noDefer { masked.insert(signal) }
                let restores = suspending && stack.isEmpty ? Set(signals) : blocked
                let placed = Self.placing(delivery, flags: flags, below: stack.last?.delivery, in: state)
                handled.altStack = Self.disarmed(state.altStack)
                let frame = HandlerFrame(delivery: placed, restores: restores, saved: state.altStack, call: flags.altStackCall)
                explore(handled, blocked: masked, stack: stack + [frame], recorded: recorded)
            }
            switch fate(of: signal, in: state) {
            case .handled?: handle()
            case .discarded?: explore(after, blocked: blocked, stack: stack, recorded: recorded)
            case .fatal?: runs.append(HandlerRun(recorded: recorded, next: after, died: true))
            case nil:
                handle()
                explore(after, blocked: blocked, stack: stack, recorded: recorded)
            }
        }
        explore(state, blocked: [], stack: [], recorded: [])
        return runs
    }

    /// Whether `observed` deliveries are the `recorded` ones, details compared with ``Details/allows(_:)``.
    static func allows(_ recorded: [Delivery], _ observed: [Delivery]) -> Bool {
        recorded.count == observed.count
            && zip(recorded, observed).allSatisfy { $0.signal == $1.signal && $0.details.allows($1.details) }
    }
}
