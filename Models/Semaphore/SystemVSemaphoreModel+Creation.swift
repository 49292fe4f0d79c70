/// A set the trace follows from before it exists (setup `"exists": false`), as measured (`SystemVCreationFactsTests`;
/// LTP's `semget01`, `semget02`, `semget05`):
/// - Until a `semget` with `IPC_CREAT` makes it, the key names no set: a lookup fails `ENOENT`, after the count's
///   `EINVAL` (negative, or above `semmsl`); creating 0 semaphores fails `EINVAL`; every call on an id fails `EINVAL`
///   (an id that names no set; a `semop` after its count's `EINVAL` and `E2BIG`) and nobody can sleep in it.
/// - The first successful create makes the set with the count asked: every value 0, `GETPID` 0, `sem_otime` 0 and
///   `sem_ctime` set; its mode the flag's permission bits (no umask), its owner and group the creator's. From then on
///   the key names it: a lookup or a create without `IPC_EXCL` finds it (`EINVAL` for more semaphores than it has),
///   `IPC_CREAT | IPC_EXCL` fails `EEXIST` — two such creators racing, exactly one wins (the linearization decides
///   which; where the trace cannot say, either).
/// - A create may also meet `semmni`/`semmns` (`ENOSPC`, the namespace's other sets, outside the trace): allowed,
///   unless the trace's own IPC namespace is given (``IPCNamespace``): then judged.
/// - `SETALL` needs one value per semaphore: more are not read (the first ones are the set's), fewer make the kernel
///   read past them, whatever the caller's memory holds: the model stops judging the set (``State/unjudged``).
extension SystemVSemaphoreModel {
    /// The outcomes of a call on a set not created yet, or of a `SETALL` of another size than the set's; nil when
    /// the call is judged as on any set.
    func creationTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>]? {
        if state.unjudged { return [Transition(.done, state)] }
        if state.created {
            guard case .setValues(let process, let values) = input, values.count != state.values.count, !state.removed else { return nil }
            if values.count > state.values.count {
                return transitions(state, .setValues(process: process, values: Array(values.prefix(state.values.count))))
            }
            var unjudged = state
            unjudged.unjudged = true
            return [Transition(.done, unjudged), Transition(.failed(.EFAULT), unjudged)]
        }
        switch input {
        case .get(let process, let count, let create, _, let mode):
            if count < 0 || count > setSizeLimit { return [Transition(.failed(.EINVAL), state)] }
            if !create { return [Transition(.failed(.ENOENT), state)] }
            if count == 0 { return [Transition(.failed(.EINVAL), state)] }
            return creating(state, made: Self.created(state, by: process, count: count, mode: mode ?? 0o600), count: count)
        case .semop(_, let operations, _, _):
            // An id that names no set: the count's E2BIG first, then EINVAL; never asleep (so never EIDRM).
            return [Transition(.failed(operations.count > operationsLimit ? .E2BIG : .EINVAL), state)]
        default:
            // As on a removed set: EINVAL on an id, SEM_INFO counting nothing of it; exits and forks change nothing.
            return nil
        }
    }

    /// The set a create by `process` makes: `count` semaphores of 0, none changed by a worker, no `semop` yet.
    static func created(_ state: State, by process: Int, count: Int, mode: Int) -> State {
        var next = State(values: [Int](repeating: 0, count: count))
        next.permissions = state.permissions
        next.permissions.mode = mode & 0o777
        next.permissions.ownedByCreator(process)
        next.times = StatTimes([.zero, .setSince(state.times.latest)])
        return next
    }

    /// Every outcome, once the set is not judged (and for the `SETALL` that made it so).
    func unjudgedStep(_ state: State, _ input: Input) -> [Step<State>]? {
        if state.unjudged { return [.completed(state)] }
        guard state.created, !state.removed, case .setValues(_, let values) = input, values.count < state.values.count else { return nil }
        var unjudged = state
        unjudged.unjudged = true
        return [.completed(unjudged)]
    }

    /// A set that does not exist yet has no values, mode or owner: its creating `semget` gives them.
    static func refuseSetupOfAbsentSet(_ name: String, _ setup: JSONValue?) throws(ModelError) {
        for field in ["values", "mode", "owner", "group"] where try setup.optional(field) != nil {
            throw ModelError(
                "semaphore set '\(name)' does not exist yet ('exists': false): its '\(field)' is its creating semget's (a set of that semget's count, all 0, mode from its flag, owned by the creator); leave '\(field)' out")
        }
    }
}
