// `EAGAIN` of a send that would queue a real-time signal's details (`sigqueue`, `tgkill` and its kin, a pidfd send with
// `SI_QUEUE` or to the thread): the kernel counts the queued signals of the receiver's *user* (every process of it,
// which a trace does not show) against the receiver's `RLIMIT_SIGPENDING` (measured, `SignalQueueLimitFactsTests`). So `EAGAIN` may come before this receiver
// alone has `queueLimit` queued, and with no `queueLimit` in the set-up (the limit not known: Open POSIX `sigqueue`
// 9-1 queues `sysconf(_SC_SIGQUEUE_MAX)` of them and expects `EAGAIN` at the next) at any such send. What stays sure:
// a send past `queueLimit` never queues, and a send that would not queue details (a standard signal, `kill`'s
// `SI_USER`, signal 0, a coalesced one) never fails `EAGAIN`.
extension SignalModel {
    /// The steps of a send observed failing `EAGAIN`, judged as if the user's limit were reached now; nil for a call
    /// that sends nothing.
    func exhaustedQueueSteps(_ state: State, _ input: Input) -> [Step<State>]? {
        switch input {
        case .send, .pidfdSend: break
        default: return nil
        }
        var full = state
        full.queueLimit = min(state.queueLimit ?? .max, state.surelyQueuedCount)
        let outcomes = sendOutcomes(full, input) ?? callOutcome(of: input, in: full).map { [$0] } ?? []
        var steps: [Step<State>] = []
        for outcome in outcomes where outcome.output == .failed(.EAGAIN) {
            var next = outcome.next
            next.queueLimit = state.queueLimit
            if !steps.contains(.completed(next)) { steps.append(.completed(next)) }
        }
        return steps
    }
}
