/// `queues_max`, counted in the trace's own IPC namespace (params `"ipcNamespace": {"queues": K, "queuesMax": N,
/// "capSysResource": 0 | 1}`: ``IPCNamespace``). Measured (`IPCNamespaceLimitFactsTests`, a C probe first): in a new
/// IPC namespace whose `fs.mqueue.queues_max` is N, an `mq_open` that would make a queue fails `ENOSPC` while N queues
/// exist there — before its attributes' `EINVAL` (the kernel counts the queue before it reads them: measured, and
/// read in `mqueue_create_attr`), so before the creator's `RLIMIT_MSGQUEUE` (`EMFILE`) too — unless the
/// caller has `CAP_SYS_RESOURCE` (root here lacks it, and is refused); a queue stops counting when it is gone: unlinked
/// and its last descriptor closed (an unlinked queue still open counts: measured). With the namespace known the model
/// judges it: the queues there are the header's `queues` and the followed one while it lives — no process outside the
/// trace makes, removes or holds one. `capSysResource` says whether the trace's processes have the capability (absent:
/// either, so `ENOSPC` at the limit is allowed beside the create). A queue a create makes under the name after the
/// followed one's unlink is not followed (the harness's worker closes and unlinks it at once, outside the trace): from
/// the first such create on the count is no longer known, and `ENOSPC` is allowed beside every create, as without the
/// namespace.
extension PosixMessageQueueModel {
    /// The namespace's fields: the queues besides the trace's, `fs.mqueue.queues_max` (256 here; the kernel takes up
    /// to `HARD_QUEUESMAX`, 1024, from a process without `CAP_SYS_RESOURCE`, more from one with it), and whether the
    /// trace's processes have `CAP_SYS_RESOURCE` (optional, no default).
    static let namespaceFields: [IPCNamespace.Field] = [
        .init("queues", in: 0...Int(Int32.max)), .init("queuesMax", default: 256, in: 0...Int(Int32.max)),
        .init("capSysResource", optional: true, in: 0...1),
    ]

    /// The queues living in the namespace, when the model knows them.
    func queuesInUse(_ state: State) -> Int? {
        guard let namespace, !state.untracked else { return nil }
        let lives = state.created && (!state.name.unlinked || !state.name.holders.isEmpty)
        return namespace["queues"] + (lives ? 1 : 0)
    }

    /// What an `mq_open` that would make a queue may give: `ENOSPC` at `queues_max` first — only where the namespace's
    /// count and the capability allow it —, then its attributes' `EINVAL` (`attributesValid` false), or made (`made`)
    /// or `EMFILE` of the creator's `RLIMIT_MSGQUEUE` (which no trace shows).
    func creating(_ state: State, made: State, attributesValid: Bool) -> [Transition<State, Output>] {
        let past: [Transition<State, Output>] = attributesValid
            ? [Transition(.done, made), Transition(.failed(ErrorCode("EMFILE")), state)] : [Transition(.failed(.EINVAL), state)]
        let atLimit: Bool? = queuesInUse(state).flatMap { inUse in namespace.map { inUse >= $0["queuesMax"] } }
        let exempt = namespace?.value("capSysResource").map { $0 == 1 }
        switch (atLimit, exempt) {
        case (true?, false?): return [Transition(.failed(.ENOSPC), state)]
        case (false?, _), (_, true?): return past
        default: return past + [Transition(.failed(.ENOSPC), state)]
        }
    }
}
