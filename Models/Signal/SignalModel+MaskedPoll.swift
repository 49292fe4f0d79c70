// `ppoll` and `pselect` with a signal mask (`"sigmask"`) on a signalfd made for the call: the mask is swapped in for
// the wait and the old one is back after, so the call is a poll and a `sigsuspend` at once.
//
// Measured on this machine (`KernelSignalFactsTests+MaskedPoll`, through the worker's recording handler): with its
// descriptor ready (a signal of the signalfd's set pending), it returns at once reporting it — and a pending signal
// that only its mask unblocks is *not* delivered: it is still pending after (the kernel restores the old mask
// without delivering when the call did not fail `EINTR`). With nothing ready, a pending signal its mask unblocks
// interrupts it at once, timeout 0 too, `-1 EINTR` after its handler ran (one, with the recording handler's full
// mask: the first frame restores the old mask); with the signals kept blocked, timeout 0 returns nothing ready. A
// signal its mask unblocks sent while it sleeps ends it so too (`KernelSignalFactsTests+MaskedPoll`). An ignored one
// it unblocks is discarded (the kernel restarts the call after it) and the call goes on.
//
// In a thread of the receiver other than its main one (`"thread": "t2"`; measured, `ThreadMaskedWaitFactsTests`, a C
// probe first): the mask is swapped in for the calling thread alone — a `kill` of the process that it unblocks, every
// other thread blocking it, runs the handler in that thread and the call fails `EINTR`; a `tgkill` to the main thread
// meanwhile stays pending for the main thread and does not end it; the main thread's mask is untouched (it still
// blocks the signal after). The call runs on that thread's own set and mask (`inThread`), as its `sigsuspend` does.
extension SignalModel {
    /// The steps of a `ppoll`/`pselect` on a signalfd for `signals` with `sigmask` (the object's signals kept blocked;
    /// every other unblocked) swapped in: a first look — ready: the answer, nothing delivered; else it waits with the
    /// mask in place as `sigsuspend` does (an ignored signal it unblocks is discarded, on arrival too). While it waits
    /// and nothing it unblocks is pending, it may return what a look sees (ready; nothing with a timeout of 0 or
    /// more), fail `EINTR` while nothing is ready (a signal outside the object), or sleep; a pending signal it unblocks
    /// runs the delivery loop, and the call ends once the handlers have run, reporting `{"deliveries": [...]}`.
    func maskedPollSteps(_ state: State, signals: [Int], call: PipeModel.ReadinessCall, sigmask: [Int], output: Output?) -> [Step<State>] {
        let result = Self.readiness(call, ready: state.pendingSignals.contains(where: signals.contains))
        guard let loop = state.loop else {
            // The signalfd is made for the call: with the caller's descriptor table full (no trace shows it), EMFILE.
            if output == .failed(DescriptorTable.exhausted) { return [.completed(state)] }
            if !Self.nothingReady(result) { return output == nil || output == result ? [.completed(state)] : [] }
            var waiting = state
            let unblocked = Self.unblocked(by: .setmask, sigmask)
            waiting.loop = DeliveryLoop(signals: unblocked, stack: [], blocked: [], recorded: 0, suspending: true)
            waiting.suspended = unblocked
            return [.partial(waiting)]
        }
        var done = state
        done.loop = nil
        done.suspended = nil
        if loop.stack.isEmpty && loop.recorded == 0 {
            var steps: [Step<State>] = []
            let deliverable = state.pendingSignals.contains(where: loop.signals.contains)
            // A look: ready wins over any signal its mask unblocks (the kernel returns the count, old mask back);
            // nothing ready ends a timed call only while nothing it unblocks is pending (do_poll looks for a signal
            // before it gives up, timeout 0 too).
            if !Self.nothingReady(result) || (call.timeout >= 0 && !deliverable), output == nil || output == result {
                steps.append(.completed(done))
            }
            if Self.nothingReady(result), output == nil || output == .failed(.EINTR) { steps.append(.completed(done)) }
            guard deliverable, Self.nothingReady(result) else { return steps }
            // Any outcome may follow the discard of an ignored signal it unblocks (the kernel restarts the call after
            // it, found by signal-robust-handler-flags under PCT); only handlers that ran end it with deliveries.
            guard let output, case .deliveries(let recorded) = output else { return steps + loopSteps(state, observed: output == nil ? nil : []) }
            return steps + loopSteps(state, observed: recorded)
        }
        guard output.map({ if case .deliveries = $0 { true } else { false } }) ?? true else { return [] }
        return loopSteps(state, observed: output.flatMap(Self.recordedDeliveries))
    }

    /// The one outcome of a masked poll when every action involved is known: ready, the handlers that ran (nil: none
    /// ran and it sleeps, or the receiver would die), or nothing ready with a timeout of 0 or more.
    func maskedPollOutcome(_ state: State, signals: [Int], call: PipeModel.ReadinessCall, sigmask: [Int]) -> (output: Output, next: State)? {
        let result = Self.readiness(call, ready: state.pendingSignals.contains(where: signals.contains))
        if !Self.nothingReady(result) { return (result, state) }
        guard let run = handlerRuns(state, unblocking: Self.unblocked(by: .setmask, sigmask), suspending: true).first, !run.died
        else { return nil }
        if !run.recorded.isEmpty { return (.deliveries(run.recorded), run.next) }
        return call.timeout >= 0 ? (result, run.next) : nil
    }
}
