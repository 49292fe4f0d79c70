/// `msgmni`, counted in the trace's own IPC namespace (params `"ipcNamespace": {"queues": K, "msgmni": N}`:
/// ``IPCNamespace``). Measured (`IPCNamespaceLimitFactsTests`, a C probe first): in a new IPC namespace whose
/// `kernel.msgmni` is N, a `msgget` that would make a queue — `IPC_PRIVATE`, or a free key with `IPC_CREAT` — fails
/// `ENOSPC` while N queues exist there (root too: no capability passes it), and succeeds again once one is removed;
/// lowering `msgmni` below the queues in use removes none, and `MSG_INFO` reports the queues in use (`msgpool`),
/// `IPC_INFO` the namespace's `msgmni`. With the namespace known, the model judges all three: the queues in use are
/// the header's `queues` and the followed one while it exists. A queue a create makes under the key after the
/// followed one's removal is not followed (the harness's worker removes it at once, outside the trace): from the
/// first such create on, the count is no longer known and the model allows `ENOSPC` beside a create, as without the
/// namespace.
extension SystemVMessageQueueModel {
    /// The namespace's fields: the queues besides the trace's, and `kernel.msgmni` (0…`IPCMNI`, 32768; 32000 here).
    static let namespaceFields: [IPCNamespace.Field] = [
        .init("queues", in: 0...32768), .init("msgmni", default: 32000, in: 0...32768),
    ]

    /// The queues in use in the namespace, when the model knows them.
    func queuesInUse(_ state: State) -> Int? {
        guard let namespace, !state.untracked else { return nil }
        return namespace["queues"] + (state.created && !state.removed ? 1 : 0)
    }

    /// What a `msgget` that would make a new queue may give: made (`made`), or `ENOSPC` at `msgmni` — the one the
    /// namespace's count says, or both where it is not known.
    func creating(_ state: State, made: State, output: Output) -> [Transition<State, Output>] {
        guard let inUse = queuesInUse(state), let namespace else {
            return [Transition(output, made), Transition(.failed(.ENOSPC), state)]
        }
        return inUse >= namespace["msgmni"] ? [Transition(.failed(.ENOSPC), state)] : [Transition(output, made)]
    }

    /// `IPC_INFO`'s and `MSG_INFO`'s `msgmni`: the namespace's.
    var msgmni: Int { namespace?["msgmni"] ?? Self.infoLimits["msgmni"] ?? 32000 }
}
