/// `kernel.sem`'s limits, counted in the trace's own IPC namespace (params `"ipcNamespace": {"sets": K, "semaphores":
/// S, "semmsl": N?, "semmns": N?, "semopm": N?, "semmni": N?}`: ``IPCNamespace``). Measured
/// (`IPCNamespaceLimitFactsTests`, a C probe first): in a new IPC namespace whose `kernel.sem` is
/// "SEMMSL SEMMNS SEMOPM SEMMNI", a `semget` of more than `semmsl` semaphores fails `EINVAL` (before anything else, as
/// with 32000 here), a `semop` of more than `semopm` operations `E2BIG`; a `semget` that would make a set fails
/// `ENOSPC` when its semaphores would take the namespace's past `semmns`, or while `semmni` sets exist (root too: no
/// capability passes them), and succeeds again once a set is removed. `SEM_INFO` reports the sets and semaphores in
/// use (`semusz`, `semaem`), both `IPC_INFO` and `SEM_INFO` the namespace's limits. With the namespace known the model
/// judges all of them: what is in use is the header's `sets` and `semaphores` and the followed set while it exists —
/// no process outside the trace makes or removes a set there. A set a create makes under the key after the followed
/// one's removal is not followed (the harness's worker removes it at once, outside the trace): from the first such
/// create on the counts are no longer known, and `ENOSPC` is allowed beside a create, as without the namespace.
extension SystemVSemaphoreModel {
    /// The namespace's fields: the sets and semaphores besides the trace's, and `kernel.sem`'s four (this kernel's
    /// defaults: 32000, 1024000000, 500, 32000; `semmni` at most `IPCMNI`, 32768).
    static let namespaceFields: [IPCNamespace.Field] = [
        .init("sets", in: 0...32768), .init("semaphores", in: 0...Int(Int32.max)),
        .init("semmsl", default: maximumSetSize, in: 0...Int(Int32.max)),
        .init("semmns", default: 1_024_000_000, in: 0...Int(Int32.max)),
        .init("semopm", default: maximumOperations, in: 0...Int(Int32.max)),
        .init("semmni", default: 32000, in: 0...32768),
    ]

    /// `semmsl`: the most semaphores a `semget` may ask for.
    var setSizeLimit: Int { namespace?["semmsl"] ?? Self.maximumSetSize }
    /// `semopm`: the most operations a `semop` may make.
    var operationsLimit: Int { namespace?["semopm"] ?? Self.maximumOperations }

    /// The sets and semaphores in use in the namespace, when the model knows them.
    func inUse(_ state: State) -> (sets: Int, semaphores: Int)? {
        guard let namespace, !state.untracked else { return nil }
        let lives = state.created && !state.removed
        return (namespace["sets"] + (lives ? 1 : 0), namespace["semaphores"] + (lives ? state.values.count : 0))
    }

    /// What a `semget` that would make a set of `count` semaphores may give: made (`made`), or `ENOSPC` at `semmns`
    /// or `semmni` — the one the namespace's counts say, or both where they are not known.
    func creating(_ state: State, made: State, count: Int) -> [Transition<State, Output>] {
        guard let namespace, let used = inUse(state) else { return [Transition(.done, made), Transition(.failed(.ENOSPC), state)] }
        let full = used.semaphores + count > namespace["semmns"] || used.sets >= namespace["semmni"]
        return full ? [Transition(.failed(.ENOSPC), state)] : [Transition(.done, made)]
    }

    /// `IPC_INFO`'s and `SEM_INFO`'s limits: the namespace's where it gives them.
    var infoLimits: [String: Int] {
        var fields = Self.infoLimits
        if let namespace { for name in ["semmsl", "semmns", "semopm", "semmni"] { fields[name] = namespace[name] } }
        return fields
    }
}
