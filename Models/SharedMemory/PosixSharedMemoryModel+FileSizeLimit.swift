/// `ftruncate` under `RLIMIT_FSIZE`, and `setrlimit` of it, as measured (`SharedMemoryFileSizeLimitFactsTests`, a C probe
/// first, each in a forked child; LTP `ftruncate04`; setrlimit(2), the kernel's `inode_newsize_ok`).
///
/// - Growing the object past the soft limit fails `EFBIG`, the size unchanged, and sends the caller `SIGXFSZ`: ignored,
///   the call fails `EFBIG`; handled, the handler runs and the call fails `EFBIG`; with the default action the process
///   dies of `SIGXFSZ` (a trace records that call `info` and the process's exit: the model's `EFBIG` changes nothing).
///   Growing to exactly the limit succeeds; a limit of 0 still lets the size stay 0.
/// - A call that does not grow the object is not checked: shrinking it, or keeping its size, succeeds even to a size
///   above the limit (an object already bigger).
/// - `setrlimit(RLIMIT_FSIZE)`: soft above hard fails `EINVAL`; a hard limit above the current one fails `EPERM` without
///   `CAP_SYS_RESOURCE` (root here lacks it, as for `RLIMIT_MEMLOCK`); otherwise the new limit holds for the next call.
///   A forked child inherits it.
/// - On tmpfs, without a limit, every size up to `MAX_LFS_FILESIZE` (2^63 − 1, the largest `off_t`) succeeds: the
///   object's size is a number, the model builds no word for it.
///
/// Which limit a process has the trace says in the setup's `"fsize"` (`{"1": BYTES | "unlimited" | {"soft", "hard"?,
/// "capSysResource"?}}`, one table for the whole trace: the limit is the process's); a process it does not name has
/// `RLIM_INFINITY` (the default). Without `"fsize"` in any object's setup the trace says nothing of the limit: an
/// `EFBIG` is refused (not judged), and so is a `setrlimit` of `RLIMIT_FSIZE`.
public struct FileSizeLimit: Hashable, Sendable {
    /// The soft limit in bytes (``MemoryLockLimit/unlimited``: `RLIM_INFINITY`).
    public var soft: Int
    /// The hard limit, when known.
    public var hard: Int?
    /// Whether the process has `CAP_SYS_RESOURCE` (it may raise its hard limit); nil: not known.
    public var capSysResource: Bool?

    public init(soft: Int, hard: Int? = nil, capSysResource: Bool? = nil) {
        self.soft = soft
        self.hard = hard
        self.capSysResource = capSysResource
    }

    /// `RLIM_INFINITY` for both: every process's default.
    static let unlimited = FileSizeLimit(soft: MemoryLockLimit.unlimited, hard: MemoryLockLimit.unlimited)

    /// Whether `ftruncate` from `size` to `newSize` fails `EFBIG`: only a growth past the soft limit.
    func refuses(growing size: Int, to newSize: Int) -> Bool {
        newSize > size && soft != MemoryLockLimit.unlimited && newSize > soft
    }

    /// `setrlimit(RLIMIT_FSIZE, {soft, hard})`: each outcome it may have (nil for success) and the limit after it.
    func setting(soft newSoft: Int, hard newHard: Int) -> [(error: ErrorCode?, limit: FileSizeLimit)] {
        let changed = FileSizeLimit(soft: newSoft, hard: newHard, capSysResource: capSysResource)
        return ResourceLimitChange.outcomes(soft: newSoft, hard: newHard, currentHard: hard, capSysResource: capSysResource)
            .map { $0 == nil ? (nil, changed) : ($0, self) }
    }

    var text: String {
        func text(_ bytes: Int) -> String { bytes == MemoryLockLimit.unlimited ? "RLIM_INFINITY" : "\(bytes)" }
        return "RLIMIT_FSIZE soft \(text(soft))" + (hard.map { " hard \(text($0))" } ?? "")
    }
}

extension PosixSharedMemoryModel {
    /// The setup's `"fsize"`: `{"1": BYTES | "unlimited" | {"soft", "hard"?, "capSysResource"?}}`; nil without it.
    static func fileSizeLimits(_ setup: JSONValue?) throws(ModelError) -> [Int: FileSizeLimit]? {
        guard let table = try setup.optional("fsize") else { return nil }
        let form = "field 'fsize' must map process numbers to BYTES, \"unlimited\" or {\"soft\", \"hard\"?, \"capSysResource\"?}"
        guard case .object(let members) = table else { throw ModelError(form) }
        var limits: [Int: FileSizeLimit] = [:]
        for member in members {
            guard let process = Int(member.key) else { throw ModelError(form) }
            let entry: JSONValue? = member.value
            if case .object = member.value {
                let soft = try MemoryLockLimit.bytes(entry.required("soft"), "soft")
                let hard = try entry.optional("hard").map { (value) throws(ModelError) in try MemoryLockLimit.bytes(value, "hard") }
                if let hard, hard < soft { throw ModelError("field 'fsize' gives process \(process) a soft limit above its hard one") }
                limits[process] = FileSizeLimit(soft: soft, hard: hard, capSysResource: try entry.optional("capSysResource")?.boolean("capSysResource"))
            } else {
                limits[process] = FileSizeLimit(soft: try MemoryLockLimit.bytes(member.value, "fsize"))
            }
        }
        return limits
    }

    static func json(_ limits: [Int: FileSizeLimit]) -> JSONValue {
        .object(JSONObject(limits.sorted { $0.key < $1.key }.map { process, limit in
            guard limit.hard != nil || limit.capSysResource != nil else { return (String(process), MemoryLockLimit.json(bytes: limit.soft)) }
            var entry: JSONObject = ["soft": MemoryLockLimit.json(bytes: limit.soft)]
            if let hard = limit.hard { entry["hard"] = MemoryLockLimit.json(bytes: hard) }
            if let capSysResource = limit.capSysResource { entry["capSysResource"] = .bool(capSysResource) }
            return (String(process), .object(entry))
        }))
    }

    /// Whether any object's setup says the processes' `RLIMIT_FSIZE` (`"fsize"`): only then does the model judge it.
    var followsFileSizeLimits: Bool { setups.contains { $0.setup.fileSizeLimits != nil } }

    /// The processes' limits at the start: every object's `"fsize"` together (a limit is the process's).
    var startingFileSizeLimits: [Int: FileSizeLimit] {
        setups.reduce(into: [:]) { limits, object in limits.merge(object.setup.fileSizeLimits ?? [:]) { first, _ in first } }
    }

    /// `ftruncate` of the newest descriptor to `size`, in the kernel's order: `EINVAL` for a negative size, `EBADF`
    /// without a descriptor, `EINVAL` through an `O_RDONLY` one, then `EFBIG` past `RLIMIT_FSIZE`.
    func truncateTransitions(_ state: State, process: Int, size: Int) -> [Transition<State, Output>] {
        if size < 0 { return [Transition(.failed(.EINVAL), state)] }
        guard let newest = state.newestDescriptor(process) else { return [Transition(.failed(.EBADF), state)] }
        if state.mappings[process]![newest].readOnlyDescriptor { return [Transition(.failed(.EINVAL), state)] }
        if state.fileSizeLimits[process]?.refuses(growing: state.size, to: size) == true { return [Transition(.failed(.EFBIG), state)] }
        var next = state
        next.resize(to: size)
        next.dropCopiesBeyondEnd()
        return [Transition(.done, next)]
    }

    /// `setrlimit(RLIMIT_FSIZE)` by `process`.
    func fileSizeLimitTransitions(_ state: State, process: Int, soft: Int, hard: Int) -> [Transition<State, Output>] {
        (state.fileSizeLimits[process] ?? .unlimited).setting(soft: soft, hard: hard).map { error, limit in
            var next = state
            next.fileSizeLimits[process] = limit
            return Transition(error.map { .failed($0) } ?? .done, next)
        }
    }

    /// The trace's `setrlimit` {`"resource": "RLIMIT_FSIZE"`, `"soft"`, `"hard"`}, refused where the trace does not
    /// follow the limit or has more than one object (the event reaches one object's model).
    func fileSizeLimitChange(_ call: Call) throws(ModelError) -> Input {
        guard followsFileSizeLimits else {
            throw ModelError("a setrlimit of RLIMIT_FSIZE: the posix-shm model judges it only when the setup says the processes' limits ('fsize', {\"1\": \"unlimited\"} for the default)")
        }
        guard setups.count == 1 else {
            throw ModelError("'setrlimit' sets the process's RLIMIT_FSIZE for every object: the posix-shm model judges it only in a trace with one object (this one has \(setups.count))")
        }
        return .setFileSizeLimit(
            process: call.process, soft: try MemoryLockLimit.bytes(call.value.required("soft"), "soft"),
            hard: try MemoryLockLimit.bytes(call.value.required("hard"), "hard"))
    }

    /// A recorded `EFBIG` of `ftruncate` where the setup says no limit: refused, not judged.
    func refuseUnfollowedFileSizeLimit(_ outcome: Outcome, _ input: Input) throws(ModelError) {
        guard case .truncate(let process, _) = input, case .fail(.EFBIG) = outcome, !followsFileSizeLimits else { return }
        throw ModelError("process \(process)'s ftruncate failed EFBIG, and the setup does not say the processes' RLIMIT_FSIZE ('fsize'): the posix-shm model cannot judge it")
    }
}
