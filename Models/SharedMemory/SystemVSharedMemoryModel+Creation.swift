/// A segment the trace follows from before it exists (setup `"exists": false`), as measured
/// (`SystemVCreationFactsTests`; LTP's `shmget01`, `shmget02`, `shmctl01`):
/// - Until a `get` with `create` makes it, the key names no segment: a lookup fails `ENOENT`, a create below `SHMMIN`
///   (1 byte) `EINVAL`; every call on an id fails `EINVAL` (an id that names no segment), an access `EFAULT` (nothing
///   attached).
/// - The first successful create makes the segment of exactly the size asked (`shm_segsz`, not rounded to pages:
///   100 bytes measured), zeroed, with nothing attached (`shm_nattch` 0), `shm_lpid` 0, `shm_atime` and `shm_dtime` 0,
///   `shm_ctime` set, `shm_cpid` the creator (`status`'s `"creator"`); its mode the flag's permission bits (no umask),
///   its owner and group the creator's. From then on the key names it: found for up to its size (`EINVAL` beyond),
///   `IPC_CREAT | IPC_EXCL` `EEXIST` first — two such creators racing, exactly one wins (the linearization decides
///   which; where the trace cannot say, either).
/// - A create may also meet `shmmni`/`shmall` (`ENOSPC`) or find no memory (`ENOMEM`): allowed, as the trace does
///   not show the namespace's other segments.
/// - An attachment spans the created segment's pages: an access past them (the setup's `words` may reach further)
///   touches whatever the process has mapped there, which the trace does not say: every outcome is allowed.
extension SystemVSharedMemoryModel {
    /// The outcomes of a `get` before the segment exists; nil for any other call (judged as on a destroyed segment).
    func creationTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>]? {
        guard !state.created, case .get(let process, let size, let create, _, let mode) = input else { return nil }
        if !create { return [Transition(.failed(.ENOENT), state)] }
        if size < 1 { return [Transition(.failed(.EINVAL), state)] }
        return [
            Transition(.done, Self.created(state, by: process, size: size, mode: mode ?? 0o600)),
            Transition(.failed(.ENOSPC), state), Transition(.failed(.ENOMEM), state),
        ]
    }

    /// The segment a create by `process` makes: `size` bytes of zeros, nothing attached.
    static func created(_ state: State, by process: Int, size: Int, mode: Int) -> State {
        var next = state
        next.created = true
        next.removed = false
        next.destroyed = false
        next.size = size
        // The words a trace can name are those of the setup's pages (``wordsReached(_:)``), so a segment of many
        // gigabytes (which this kernel makes while it does not touch them) keeps a bounded prefix here; the rest,
        // zeros too, is the sparse tail.
        next.words = [Int64](repeating: 0, count: Swift.min(size / 8 + (size % 8 == 0 ? 0 : 1), Self.trackedWords))
        next.tail = [:]
        next.attachments = []
        next.readOnly = [:]
        next.lastProcess = 0
        next.locked = false
        next.creator = process
        next.permissions.mode = mode & 0o777
        next.permissions.ownedByCreator(process)
        next.times = StatTimes([.zero, .zero, .setSince(state.times.latest)])
        return next
    }

    /// How many words of a segment created in the trace are kept as an array (the rest in the sparse tail).
    static let trackedWords = 1 << 16

    /// A `get`'s size as a trace writes it: 0 to 2^63 − 1; above (a larger number, as `size_t` allows, up to 2^64 − 1,
    /// which JSON's doubles round to 2^64; or a negative one, a `size_t` above 2^63 − 1 written signed), ``oversized``.
    static func segmentSize(_ value: JSONValue) throws(ModelError) -> Int {
        switch value {
        case .integer(let size): return size >= 0 ? Int(size) : oversized
        case .number(let size) where size.rounded() == size && size >= 0x1p63 && size <= 0x1p64: return oversized
        default: throw ModelError("a get's 'size' is a size_t: an integer from 0 to 18446744073709551615, not \(value)")
        }
    }

    /// Every outcome for an access past the pages of a segment created in the trace (not the segment's memory).
    func unjudgedAccess(_ state: State, _ input: Input) -> [Step<State>]? {
        guard state.creator != nil, !state.destroyed, case .access(let process, let access) = input, state.attachments.contains(process),
            access.index >= Self.wordsReached(state.size / 8 + (state.size % 8 == 0 ? 0 : 1))
        else { return nil }
        return [.completed(state)]
    }

    /// A segment that does not exist yet has no attachments, mode or owner: its creating `shmget` gives them.
    static func refuseSetupOfAbsentSegment(_ name: String, _ setup: JSONValue?) throws(ModelError) {
        for field in ["attached", "mode", "owner", "group"] where try setup.optional(field) != nil {
            throw ModelError(
                "segment '\(name)' does not exist yet ('exists': false): its '\(field)' is not the setup's (the creating shmget gives the size and the mode, the owner is the creator, nothing is attached); leave '\(field)' out")
        }
    }
}
