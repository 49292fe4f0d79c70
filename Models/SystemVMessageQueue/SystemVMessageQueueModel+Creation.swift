/// A queue the trace itself creates (`"exists": false` in the setup; measured, `MessageQueueCreatedInTraceFactsTests`):
/// until a `msgget` with `IPC_CREAT` makes it, its key names nothing — a lookup fails `ENOENT` — and no queue has the
/// id the other calls would use, so each fails `EINVAL` (never `EIDRM`: nothing was removed); `IPC_INFO`/`MSG_INFO`
/// count no queue of it. The first `IPC_CREAT`, `IPC_EXCL` or not, makes the followed queue: empty, `msg_qbytes`
/// `msgmnb` (16384), its mode the permission bits asked (the workers' 0600 when the trace gives none), owned and
/// created by the caller's user and group, `msg_stime`/`msg_rtime` 0 and `msg_ctime` the creation's — or fails
/// `ENOSPC` at `msgmni`, which only the trace's own IPC namespace shows (``IPCNamespace``). From then on `IPC_EXCL` fails `EEXIST` (two racing exclusive
/// creators: one wins) and the rest is the queue's as usual.
extension SystemVMessageQueueModel {
    /// What `input` does while the followed queue does not exist yet; nil for the calls that need no queue (`IPC_INFO`,
    /// `MSG_INFO`, `fork`, the calls refused before the id is looked at), which take their usual course.
    func transitionsBeforeCreation(_ state: State, _ input: Input) -> [Transition<State, Output>]? {
        switch input {
        case .info, .fork, .invalid: return nil
        case .get(let process, let create, _, let mode):
            guard create else { return [Transition(.failed(.ENOENT), state)] }
            var next = state
            next.created = true
            next.capacity = Self.capacityLimit
            next.permissions.mode = (mode ?? 0o600) & 0o777
            next.permissions.ownedByCreator(process)
            next.times = StatTimes([.zero, .zero, .zero])
            next.times.set(2)
            return creating(state, made: next, output: .found)
        default:
            return [Transition(.failed(.EINVAL), state)]
        }
    }

    /// A setup with `exists` false takes no capacity: the create gives `msgmnb`.
    static func checkNotExisting(_ name: String, setup: JSONValue?) throws(ModelError) {
        guard try setup.optional("capacity") == nil else {
            throw ModelError("queue \(name) does not exist at the start ('exists': false): its creating msgget gives it msg_qbytes 16384 ('capacity' cannot be given)")
        }
    }
}
