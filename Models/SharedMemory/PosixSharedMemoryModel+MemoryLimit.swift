/// `RLIMIT_MEMLOCK` for a process without `CAP_IPC_LOCK`, as measured (`SharedMemoryMemoryLimitFactsTests`, C probes
/// first; LTP `mlock02`, `mlock203`, `mlockall02`, `mlockall03`, `mmap` with `MAP_LOCKED`; the man pages mlock(2),
/// mmap(2), setrlimit(2)). A process the setup's `"memlock"` names is such a process; any other one locks as root does
/// (`CAP_IPC_LOCK`: no limit), as the model always assumed.
///
/// - A soft limit of 0: `mlock`, `mlock2` (after its flags' `EINVAL`) and `mlockall` (after its `EINVAL`) fail `EPERM`,
///   a length of 0 too; `mmap` with `MAP_LOCKED` fails `EPERM` after the unaligned offset's, length 0's, the unaligned
///   address's and `MAP_HUGETLB`'s `EINVAL` and `MAP_FIXED_NOREPLACE`'s `EEXIST`, and before `EOVERFLOW`, the
///   mapping type's `EINVAL`, `EOPNOTSUPP` and `EACCES`. `munlock` and `munlockall` succeed. A limit under a page is not
///   0: it counts as no page (`ENOMEM`, not `EPERM`).
/// - Otherwise the kernel counts the process's locked pages (`locked_vm`): `mlock` and `mlock2` (`MLOCK_ONFAULT` too)
///   of a range fail `ENOMEM`, nothing changed, when the locked pages plus the range's pages (unmapped ones too) less
///   those of the range already locked pass the limit's pages — a re-lock of locked pages counts them once; `munlock`
///   gives them back. `mmap` with `MAP_LOCKED`, or any `mmap` after `mlockall(MCL_FUTURE)`, fails `EAGAIN` (where
///   `EPERM` would be) when the locked pages plus the new mapping's pass the limit — the pages a `MAP_FIXED` replaces
///   still counted. `mlockall(MCL_CURRENT)` fails `ENOMEM`, nothing changed (`MCL_FUTURE` not set either), when the
///   process's whole size (`total_vm`, every page it maps) passes the limit; `MCL_FUTURE` alone is not counted.
/// - What the trace cannot see: the process's other locked memory and its other mappings. The object's locked pages are
///   a lower bound of `locked_vm` (and its mapped pages of `total_vm`): where they alone pass the limit the call must
///   fail; where they fit, the failure is allowed beside the success — unless the setup says the process locks nothing
///   but this object's pages (`"locksNothingElse": true`, in a trace of one object), which holds until an `mlockall`
///   succeeds (it locks the process's other memory, `MCL_FUTURE` its later allocations) and again after `munlockall`.
///   `total_vm` is never known: `MCL_CURRENT` within the limit may fail `ENOMEM` or succeed.
/// - The harness's worker calls `mlock` only up to a range's first page not mapped, and not at all for no pages (see
///   ``PosixSharedMemoryModel/lockTransitions(_:process:_:)``): for a range with a hole the count up to the hole must
///   pass the limit for a sure `ENOMEM`, the whole range's may; under a limit of 0 the worker's answer where no page
///   comes before the hole (`ENOMEM`, or done for no pages) is allowed beside the kernel's `EPERM`.
///
/// `setrlimit` (or `prlimit` of itself) of `RLIMIT_MEMLOCK` in mid-trace (``MemoryLockLimit/setting(_:process:soft:hard:)``,
/// measured, `SharedMemoryMemoryLimitFactsTests.aLimitLoweredBelowTheLockedPagesKeepsThemAndRefusesMore`): a soft limit
/// above the hard one fails `EINVAL` (`RLIM_INFINITY` too, first); a hard limit above the current one fails `EPERM`
/// without `CAP_SYS_RESOURCE` (root here lacks it too), and once lowered it stays; otherwise the new limits hold from
/// then on. Lowering the soft limit below the pages already locked succeeds and unlocks nothing; the next lock — a
/// re-lock of locked pages too, which then counts the locked pages alone — fails `ENOMEM` (`mmap` `EAGAIN`) while they
/// pass it, and `munlock` gives them back as ever; a soft limit of 0 fails every lock `EPERM`; a soft `RLIM_INFINITY`
/// refuses nothing (read in mm/mlock.c, not measured: no process here can raise its hard limit to it).
public struct MemoryLockLimit: Hashable, Sendable {
    /// `RLIMIT_MEMLOCK`'s soft limit, in bytes (``unlimited``: `RLIM_INFINITY`).
    public var bytes: Int
    /// The process locks no memory but its mappings of this object (with `mlock`, `mlock2`, `MAP_LOCKED`): the
    /// object's locked pages are the process's count.
    public var locksNothingElse: Bool
    /// The hard limit, in bytes, when the setup gives it or a `setrlimit` set it (nil: not known).
    public var hard: Int?
    /// Whether the process has `CAP_SYS_RESOURCE` (it may raise its hard limit); nil: not known.
    public var capSysResource: Bool?

    /// `RLIM_INFINITY`, as the model holds it.
    public static let unlimited = Int.max

    public init(bytes: Int, locksNothingElse: Bool = false, hard: Int? = nil, capSysResource: Bool? = nil) {
        self.bytes = bytes
        self.locksNothingElse = locksNothingElse
        self.hard = hard
        self.capSysResource = capSysResource
    }

    /// The limit in whole pages, as the kernel counts it (`rlimit >> PAGE_SHIFT`).
    var pages: Int { bytes / PosixSharedMemoryModel.pageSize }
    /// `RLIM_INFINITY`: the kernel refuses no lock.
    var isUnlimited: Bool { bytes == Self.unlimited }

    /// `setrlimit(RLIMIT_MEMLOCK, {soft, hard})` by `process`: each outcome it may have (nil for success) and the limits
    /// after it. A process `limits` does not name locks as root does: its limit changes nothing the model judges, and
    /// its hard limit is not known (success or `EPERM`).
    static func setting(_ limits: [Int: MemoryLockLimit], process: Int, soft: Int, hard: Int) -> [(error: ErrorCode?, limits: [Int: MemoryLockLimit])] {
        if soft > hard { return [(.EINVAL, limits)] }
        guard var limit = limits[process] else { return [(nil, limits), (.EPERM, limits)] }
        let outcomes = ResourceLimitChange.outcomes(soft: soft, hard: hard, currentHard: limit.hard, capSysResource: limit.capSysResource)
        limit.bytes = soft
        limit.hard = hard
        var next = limits
        next[process] = limit
        return outcomes.map { $0 == nil ? (nil, next) : ($0, limits) }
    }

    /// A limit in a trace: bytes, or `"unlimited"` (`RLIM_INFINITY`).
    static func bytes(_ value: JSONValue, _ field: String) throws(ModelError) -> Int {
        if case .string("unlimited") = value { return unlimited }
        guard case .integer = value else { throw ModelError("field '\(field)' must be a number of bytes or \"unlimited\"") }
        return try value.integer(field, in: 0...Int.max - 1)
    }

    static func json(bytes: Int) -> JSONValue { bytes == unlimited ? "unlimited" : .int(bytes) }

    /// The trace's `setrlimit` {`"resource": "RLIMIT_MEMLOCK"`, `"soft"`, `"hard"`}: the new limits.
    static func change(_ value: JSONValue?, model: String, objects: Int) throws(ModelError) -> (soft: Int, hard: Int) {
        if let resource = try value.optional("resource")?.text("resource"), resource != "RLIMIT_MEMLOCK" {
            throw ModelError("the \(model) model's 'setrlimit' sets RLIMIT_MEMLOCK only, not \(resource)")
        }
        // The limit is the whole process's, and the model judges one object at a time.
        guard objects == 1 else {
            throw ModelError("'setrlimit' sets the process's RLIMIT_MEMLOCK for every object: the \(model) model judges it only in a trace with one object (this one has \(objects))")
        }
        return (try bytes(value.required("soft"), "soft"), try bytes(value.required("hard"), "hard"))
    }

    static func changeJSON(soft: Int, hard: Int) -> JSONValue {
        ["resource": "RLIMIT_MEMLOCK", "soft": json(bytes: soft), "hard": json(bytes: hard)]
    }

    /// The limits for a state's description: "; process 1's RLIMIT_MEMLOCK soft 4096 hard 32768".
    static func describe(_ limits: [Int: MemoryLockLimit]) -> String {
        func text(_ bytes: Int) -> String { bytes == unlimited ? "RLIM_INFINITY" : "\(bytes)" }
        return limits.keys.sorted().map { process in
            let limit = limits[process]!
            return "; process \(process)'s RLIMIT_MEMLOCK soft \(text(limit.bytes))" + (limit.hard.map { " hard \(text($0))" } ?? "")
        }.joined()
    }

    static func describeChange(soft: Int, hard: Int) -> String {
        func text(_ bytes: Int) -> String { bytes == unlimited ? "RLIM_INFINITY" : "\(bytes)" }
        return "setrlimit RLIMIT_MEMLOCK soft \(text(soft)) hard \(text(hard))"
    }
}

extension PosixSharedMemoryModel.State {
    /// What the kernel's limit does to a call that would lock more pages.
    enum LimitVerdict {
        /// The call's pages fit within the limit, and the count is exact: it is not refused.
        case fits
        /// They fit with the pages the trace sees; other locked memory may pass the limit: refused or not.
        case mayExceed
        /// The pages the trace sees alone pass the limit: refused.
        case exceeds
    }

    /// The pages of the object the process has locked: a lower bound of its `locked_vm`.
    func lockedPages(_ process: Int) -> Int { mappings[process]?.reduce(0) { $0 + $1.locked.count } ?? 0 }

    /// How the limit judges locking `adding` more pages; nil for a process it does not apply to (`CAP_IPC_LOCK`).
    func limitVerdict(_ process: Int, adding: Int) -> LimitVerdict? {
        guard let limit = memoryLockLimits[process] else { return nil }
        if limit.isUnlimited { return .fits }
        if lockedPages(process) + adding > limit.pages { return .exceeds }
        return limit.locksNothingElse && !lockCountUnknown.contains(process) ? .fits : .mayExceed
    }

    /// `mlockall(MCL_CURRENT)`'s count: nil when it cannot fail so; otherwise whether the object's mapped pages alone pass
    /// the limit (`total_vm` holds them and the rest of the process, which the trace never shows).
    func lockAllExceeds(_ process: Int) -> Bool? {
        guard let limit = memoryLockLimits[process], !limit.isUnlimited else { return nil }
        return (mappings[process]?.reduce(0) { $0 + $1.mappedPages.count } ?? 0) > limit.pages
    }
}

extension PosixSharedMemoryModel {
    /// The setup's `"memlock"`: `{"2": {"soft": BYTES, "capIpcLock": false, "locksNothingElse": BOOL?, "hard": BYTES?,
    /// "capSysResource": BOOL?}}` (`"unlimited"` for `RLIM_INFINITY`), the processes that lock under `RLIMIT_MEMLOCK`
    /// (`capIpcLock` false, the default; true: as root, the entry changes nothing); the hard limit and
    /// `CAP_SYS_RESOURCE`, when known, judge a `setrlimit` that raises it.
    static func memoryLockLimits(_ setup: JSONValue?, objects: Int) throws(ModelError) -> [Int: MemoryLockLimit] {
        guard let table = try setup.optional("memlock") else { return [:] }
        guard case .object(let members) = table else { throw ModelError("field 'memlock' must map process numbers to {\"soft\": BYTES, \"capIpcLock\": false}") }
        var limits: [Int: MemoryLockLimit] = [:]
        for member in members {
            guard let process = Int(member.key) else { throw ModelError("field 'memlock' must map process numbers to {\"soft\": BYTES, \"capIpcLock\": false}") }
            let entry: JSONValue? = member.value
            if let resource = try entry.optional("resource")?.text("resource"), resource != "RLIMIT_MEMLOCK" {
                throw ModelError("field 'memlock' gives RLIMIT_MEMLOCK only, not \(resource)")
            }
            let bytes = try MemoryLockLimit.bytes(entry.required("soft"), "soft")
            let hard = try entry.optional("hard").map { (value) throws(ModelError) in try MemoryLockLimit.bytes(value, "hard") }
            if let hard, hard < bytes { throw ModelError("field 'memlock' gives process \(process) a soft limit above its hard one") }
            let capSysResource = try entry.optional("capSysResource")?.boolean("capSysResource")
            let locksNothingElse = try entry.optional("locksNothingElse")?.boolean("locksNothingElse") ?? false
            if locksNothingElse && objects > 1 {
                throw ModelError("'locksNothingElse' says process \(process) locks nothing but this object's pages: the posix-shm model takes it only in a trace with one object")
            }
            if try entry.optional("capIpcLock")?.boolean("capIpcLock") ?? false { continue }
            limits[process] = MemoryLockLimit(bytes: bytes, locksNothingElse: locksNothingElse, hard: hard, capSysResource: capSysResource)
        }
        return limits
    }

    static func json(_ limits: [Int: MemoryLockLimit]) -> JSONValue {
        .object(JSONObject(limits.sorted { $0.key < $1.key }.map { process, limit in
            var entry: JSONObject = ["soft": MemoryLockLimit.json(bytes: limit.bytes), "capIpcLock": false]
            if limit.locksNothingElse { entry["locksNothingElse"] = true }
            if let hard = limit.hard { entry["hard"] = MemoryLockLimit.json(bytes: hard) }
            if let capSysResource = limit.capSysResource { entry["capSysResource"] = .bool(capSysResource) }
            return (String(process), .object(entry))
        }))
    }
}
