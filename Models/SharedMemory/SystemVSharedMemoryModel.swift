/// System V shared memory (`shmget`, `shmat`, `shmdt`, `shmctl`) as processes observe it.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - Every attachment is one memory (atomic word loads, stores and fetch-and-adds); a fresh segment reads zeros.
///   An attachment spans whole pages, and the words past the segment's size in its last page are the segment's
///   too (`SystemVSharedMemoryTailFactsTests`): an access may name them (``State/tail``).
/// - The segment outlives every process until `IPC_RMID`, and after it too while anything is attached: removal
///   only marks it (`SHM_DEST`; a second `IPC_RMID` succeeds), Linux still lets processes attach it by id, and it
///   is destroyed when the attachment count reaches 0. From then on `shmat`, `IPC_STAT` and `IPC_RMID` fail
///   `EINVAL`.
/// - `status` (`IPC_STAT`) reports the attachment count, which counts every attachment of every process, and
///   whether the segment is marked.
/// - A process's death detaches everything it had attached (and may so destroy a marked segment).
/// - `shmdt` of an address not attached fails `EINVAL`. An access by a process with no attachment fails `EFAULT`
///   (the harness's own rule: the worker refuses rather than touch unmapped memory) or `SIGSEGV` (the kernel's
///   answer to a program that stores or loads through the address it detached, LTP's `shmdt01`;
///   `SystemVSharedMemoryDetachFactsTests`); never succeeds.
/// - `shmget` of the segment's key (`SystemVKeyFactsTests`): a lookup finds it for up to its size (`EINVAL` beyond);
///   `IPC_CREAT | IPC_EXCL` fails `EEXIST` first. `IPC_RMID` gives the segment the private key at once, even while
///   it is still attached: from then on a lookup fails `ENOENT`, creating a segment of 0 bytes `EINVAL`, and a create
///   makes a new segment, which is not this object (the worker removes it at once).
/// - `status` also reports `shm_segsz` (the size asked for, not rounded to pages) and `shm_lpid` as a process
///   number: the last process to attach or detach, a death's detaches included (0 before any worker did).
/// - `SHM_RDONLY` (`attach` with `readOnly`) gives a read-only attachment: a store or add through it is refused
///   with `SIGSEGV` (the worker reports the signal as the access's error) and changes nothing; loads work.
/// - `status` also reports `shm_atime`, `shm_dtime` and `shm_ctime` as a trace can judge them (``StatTimes``): the
///   attach and detach times read 0 until a worker attaches and detaches (a set-up attachment sets the attach time),
///   then the second of the latest — a death's detaches included; the change time is the creation's until an
///   `IPC_SET` succeeds, and neither `IPC_RMID` nor an attach or detach sets it (`SystemVTimesFactsTests`).
/// - `lock` and `unlock` are `SHM_LOCK` and `SHM_UNLOCK` (`SharedMemoryLockFactsTests`): root or the owner may (the
///   creator too, which is always the harness), anyone else fails `EPERM`; each succeeds again (no count), also on a
///   removed segment still attached; `EINVAL` once destroyed. `status` reports `SHM_LOCKED` (`"locked"`). A lock by
///   an owner that is not root also meets its user's `RLIMIT_MEMLOCK` and what else the user has locked, which the
///   trace does not show: it may fail `ENOMEM` (or `EPERM` under a limit of 0). For a process the setup's `"memlock"`
///   names (``MemoryLockLimit``; `SystemVSharedMemoryLockLimitFactsTests`): `EPERM` under a limit of 0 (after the
///   owner's), success on a segment locked already (not counted again), `ENOMEM` when the segment's pages alone pass
///   the limit, and otherwise success or `ENOMEM` — the count is the user's, over every process of the user and
///   every segment it locked, most of which no trace sees.
/// - Permissions (`Permissions`, in the setup): `shmat` needs read, and write unless `SHM_RDONLY` (`EACCES`);
///   `IPC_STAT` read; `IPC_RMID` the owner (`EPERM`); `shmget` with `IPC_CREAT` read and write, after `EEXIST` and
///   the size.
/// - `info` is `shmctl(IPC_INFO)` or, with `counts`, `SHM_INFO` (`SystemVInfoFactsTests.shmInfoAndShmStat`):
///   namespace-wide, so the namespace's other segments, outside the trace, count too. `IPC_INFO` reports the limits
///   `shmmin` 1, `shmmni` 4096, `shmseg` 4096, and `shmmax` and `shmall` 18446744073692774399 (`ULONG_MAX - 2^24`, the
///   default sysctls), which exceed a trace's integers and are written as decimal strings. `SHM_INFO` reports the
///   segments in use (`used_ids`) and their pages (`shm_tot`), at least this segment and its pages until it is
///   destroyed; the resident and swapped pages (`shm_rss`, `shm_swp`: whether a page was touched or swapped the
///   trace does not say, any ≥ 0); and `swap_attempts` and `swap_successes`, always 0. Both return the highest
///   segment index in use (the model does not know this segment's: any ≥ 0) and need no permission.
/// - `status` with `"command": "SHM_STAT"` or `"SHM_STAT_ANY"` is `shmctl` of the segment's own index: `IPC_STAT`'s
///   answer — also while removed but still attached — and `EINVAL` once destroyed; `SHM_STAT` needs read permission
///   (`EACCES`), `SHM_STAT_ANY` none.
public struct SystemVSharedMemoryModel: TransitionModel, TraceModel {
    public static let name = "sysv-shm"
    /// The names of `status`'s times, in ``StatTimes`` order: `shm_atime`, `shm_dtime`, `shm_ctime`.
    public static let timeFields = ["attachTime", "detachTime", "changeTime"]
    /// What `IPC_INFO` reports in `struct shminfo`, by field: `shmmax` and `shmall` as decimal strings (beyond a
    /// trace's integers).
    public static let infoLimits: [String: JSONValue] = [
        "shmmax": .string("18446744073692774399"), "shmmin": .int(1), "shmmni": .int(4096), "shmseg": .int(4096),
        "shmall": .string("18446744073692774399"),
    ]
    /// `SHM_INFO`'s `struct shm_info` fields that count the namespace's use: at least this segment's, or any ≥ 0.
    public static let infoCounts: Set<String> = ["used_ids", "shm_tot", "shm_rss", "shm_swp"]
    /// The page size `shm_tot` counts in.
    static let pageSize = 4096

    /// A `get`'s `size` when the trace's is above 2^63 − 1 bytes (a `size_t` no trace integer holds: written as a
    /// larger number, or as a negative one, which is what a `size_t` argument makes of it). Measured
    /// (`SystemVCreationFactsTests.sizesBeyondTheFileSizeLimit`): every such create fails `EINVAL` — tmpfs refuses a
    /// file above `MAX_LFS_FILESIZE` (2^63 − 1) before `shmmax` (2^64 − 2^24 − 1) is reached — while 2^63 − 1 itself
    /// fails `ENOMEM`; a lookup of an existing segment fails `EINVAL` (larger than it), after `IPC_EXCL`'s `EEXIST`.
    public static let oversized = Int.min

    /// The pages `bytes` span, without overflowing near `Int.max`.
    static func pages(ofBytes bytes: Int) -> Int {
        bytes / pageSize + (bytes % pageSize == 0 ? 0 : 1)
    }

    /// The words an access may name in a segment of `words` words: those of the whole pages it spans (an
    /// attachment maps whole pages; the next page is not the segment's, and what lies there the trace cannot say).
    public static func wordsReached(_ words: Int) -> Int {
        let perPage = pageSize / 8, words = Swift.max(words, 1)
        return (words / perPage + (words % perPage == 0 ? 0 : 1)) * perPage
    }

    public struct Setup: Hashable, Sendable {
        public var words: Int
        /// Processes attached at the start, once per attachment.
        public var attached: [Int]
        public var permissions: Permissions
        /// The processes that lock under `RLIMIT_MEMLOCK` without `CAP_IPC_LOCK` (the setup's `"memlock"`, as
        /// posix-shm's; `SHM_LOCK` counts against their user's limit).
        public var memoryLockLimits: [Int: MemoryLockLimit] = [:]
        /// False: the key names no segment when the trace begins; the first `get` with `create` makes the segment
        /// the trace follows (``SystemVSharedMemoryModel+Creation``). `words` then bounds the words accesses name.
        public var exists = true

        public init(words: Int, attached: [Int], permissions: Permissions = Permissions()) {
            self.words = words
            self.attached = attached.sorted()
            self.permissions = permissions
        }
    }

    public struct State: Hashable, Sendable {
        public var words: [Int64]
        /// The words past `shm_segsz` in the segment's last page, sparse (absent reads as 0). `shmat` maps whole
        /// pages and the segment's memory is whole pages, so these are reachable, shared by every attachment and
        /// kept across detaches (`SystemVSharedMemoryTailFactsTests`); the trace form takes indexes up to the
        /// last page's end (``wordsReached(_:)``).
        public var tail: [Int: Int64] = [:]
        public var attachments: [Int]
        public var removed = false
        public var destroyed = false
        /// `shm_segsz`, in bytes.
        public var size: Int
        /// `shm_lpid` as a process number, 0 for none; nil while unknown (the processes attached at the start
        /// attached in their set-up, in an order the trace does not show).
        public var lastProcess: Int?
        /// Each process's attachments, oldest first: whether each is read-only (`SHM_RDONLY`). Accesses use the
        /// newest.
        public var readOnly: [Int: [Bool]] = [:]
        public var permissions = Permissions()
        /// `SHM_LOCKED`.
        public var locked = false
        /// The setup's `RLIMIT_MEMLOCK` limits, by process.
        public var memoryLockLimits: [Int: MemoryLockLimit] = [:]
        /// `shm_atime`, `shm_dtime`, `shm_ctime` (``timeFields``).
        public var times = StatTimes([.zero, .zero, .setSince(0)])
        /// False until a `get` creates the segment (a setup with `exists` false): until then it is as destroyed.
        public var created = true
        /// `shm_cpid` as a process number, when a process of the trace created the segment; nil for the harness's.
        public var creator: Int?
        /// The segment's pages known out of memory, for `mincore` (``SystemVSharedMemoryModel+Advice``).
        public var residency = PageResidency()

        mutating func destroyIfUnused() {
            if removed && attachments.isEmpty {
                destroyed = true
                words = []
                tail = [:]
            }
        }
    }

    public enum Input: Hashable, Sendable {
        case access(process: Int, WordAccess)
        case attach(process: Int, readOnly: Bool = false)
        /// `shmat` with an address and flags beyond `SHM_RDONLY` (see ``SystemVSharedMemoryModel+Address``).
        case attachAt(process: Int, hint: AttachHint)
        case detach(process: Int)
        case status(process: Int)
        /// `IPC_SET` of the permission bits, the owner (`shm_perm.uid`) and the group (`shm_perm.gid`, which later
        /// checks use; the owner may set any group, one it is not in too: `SystemVGroupFactsTests`), when given.
        case setPermissions(process: Int, mode: Int?, owner: Int?, group: Int? = nil)
        case remove(process: Int)
        /// `SHM_LOCK` (`locked` true) or `SHM_UNLOCK`.
        case lock(process: Int, locked: Bool)
        /// `IPC_INFO` (`counts` false) or `SHM_INFO`.
        case info(process: Int, counts: Bool)
        /// `SHM_STAT` (`any` false) or `SHM_STAT_ANY` of the segment's own index.
        case statusAtIndex(process: Int, any: Bool)
        /// `shmget` of the segment's key for `size` bytes.
        case get(process: Int, size: Int, create: Bool, exclusive: Bool, mode: Int? = nil)
        /// `setrlimit(RLIMIT_MEMLOCK)` of the process, as posix-shm's (``MemoryLockLimit/setting(_:process:soft:hard:)``):
        /// the limit a later `SHM_LOCK` by it meets.
        case setMemoryLockLimit(process: Int, soft: Int, hard: Int)
        /// `fork`: `child` starts with copies of the process's attachments (``SystemVSharedMemoryModel+Fork``).
        case fork(process: Int, child: Int)
        case exit(process: Int)
        /// `shmctl` with a command it does not have, or `shmctl` or `shmat` with a negative id: `EINVAL` before
        /// anything else, no effect (``SystemVInvalidCall``).
        case invalid(process: Int, call: SystemVInvalidCall)
        /// `madvise`, `mincore` and `mremap` of the newest attachment (``SystemVSharedMemoryModel+Advice``, ``+Remap``).
        case advise(process: Int, PosixSharedMemoryMapping.Pages, MemoryAdvice)
        case residency(process: Int, PosixSharedMemoryMapping.Pages)
        case remap(process: Int, PosixSharedMemoryModel.Remap)
    }

    public enum Output: Hashable, Sendable {
        case accessed(WordResult)
        /// `IPC_STAT`: `shm_nattch`, `SHM_DEST`, and `shm_segsz`, `shm_lpid` and `shm_perm`'s bits, `uid` and `gid`
        /// (nil in a recorded status that left them out, which then matches whatever they are); `times`, in
        /// ``timeFields`` order, each nil when left out, are judged by ``State/times``.
        /// `creator`: `shm_cpid` as a process number, judged when a process of the trace created the segment.
        case status(
            attachments: Int, removed: Bool, size: Int? = nil, lastProcess: Int? = nil, mode: Int? = nil, owner: Int? = nil,
            group: Int? = nil, times: [Int?] = [nil, nil, nil], locked: Bool? = nil, creator: Int? = nil)
        /// `IPC_INFO`'s or `SHM_INFO`'s result (the highest segment index in use) and the fields recorded; as the
        /// model's output, the least index and counts possible and the exact limits.
        case info(index: Int, fields: [String: JSONValue])
        /// `mincore`'s answer, a page each (``PageResidency``).
        case residency([PageResidency.Answer])
        case done
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(segments: [(name: String, setup: Setup)]) {
        self.setups = segments
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(words: 0, attached: [])
        var state = State(words: [Int64](repeating: 0, count: setup.words), attachments: setup.attached, size: setup.words * 8)
        for process in setup.attached { state.readOnly[process, default: []].append(false) }
        state.lastProcess = setup.attached.isEmpty ? 0 : nil
        // The set-up attachments set the attach time; whether anything detached before the trace, it does not show.
        if !setup.attached.isEmpty { state.times = StatTimes([.setSince(0), .unknown, .setSince(0)]) }
        state.permissions = setup.permissions
        state.memoryLockLimits = setup.memoryLockLimits
        if !setup.exists {
            state.words = []
            state.size = 0
            state.created = false
            state.removed = true
            state.destroyed = true
            state.times = StatTimes([.zero, .zero, .zero])
        }
        return state
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        callTransitions(state, input).map { noteResidency($0, input, before: state) }
    }

    func callTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if let creation = creationTransitions(state, input) { return creation }
        var next = state
        switch input {
        case .invalid(_, let call):
            return [Transition(.failed(call.error), state)]
        case .access(let process, let access):
            guard state.attachments.contains(process) else {
                return [Transition(.failed(.EFAULT), state), Transition(.failed(.SIGSEGV), state)]
            }
            if state.readOnly[process]?.last == true, access.writes { return [Transition(.failed(.SIGSEGV), state)] }
            if access.index >= state.words.count {
                let (result, tail) = access.apply(to: state.tail)
                next.tail = tail
                return [Transition(.accessed(result), next)]
            }
            let (result, words) = access.apply(to: state.words)
            next.words = words
            return [Transition(.accessed(result), next)]
        case .attach(let process, let readOnly):
            if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.allows(process, read: true, write: !readOnly) { return [Transition(.failed(.EACCES), state)] }
            next.attachments.insertSorted(process)
            next.readOnly[process, default: []].append(readOnly)
            next.lastProcess = process
            next.times.set(0)
            return [Transition(.done, next)]
        case .attachAt(let process, let hint):
            return attaching(state, process: process, hint: hint)
        case .detach(let process):
            guard next.attachments.removeOne(process) else { return [Transition(.failed(.EINVAL), state)] }
            next.readOnly[process]?.removeLast()
            if next.readOnly[process]?.isEmpty == true { next.readOnly[process] = nil }
            next.lastProcess = process
            next.times.set(1)
            next.destroyIfUnused()
            return [Transition(.done, next)]
        case .info(_, let counts):
            guard counts else { return [Transition(.info(index: 0, fields: Self.infoLimits), state)] }
            let pages = state.destroyed ? 0 : Self.pages(ofBytes: state.size)
            return [Transition(.info(index: 0, fields: [
                "used_ids": .int(state.destroyed ? 0 : 1), "shm_tot": .int(pages), "shm_rss": .int(0), "shm_swp": .int(0),
                "swap_attempts": .int(0), "swap_successes": .int(0),
            ]), state)]
        case .status(let process), .statusAtIndex(let process, false):
            if !state.destroyed && !state.permissions.allows(process, read: true) { return [Transition(.failed(.EACCES), state)] }
            return transitions(state, .statusAtIndex(process: process, any: true))
        case .statusAtIndex(_, true):
            if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
            return [Transition(.status(
                attachments: state.attachments.count, removed: state.removed, size: state.size, lastProcess: state.lastProcess,
                mode: state.permissions.mode, owner: state.permissions.owner, group: state.permissions.group, locked: state.locked,
                creator: state.creator),
                state)]
        case .setPermissions(let process, let mode, let owner, let group):
            if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            if let mode { next.permissions.mode = mode }
            if let owner { next.permissions.owner = owner }
            if let group { next.permissions.group = group }
            next.times.set(2)
            return [Transition(.done, next)]
        case .lock(let process, let locked):
            if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            next.locked = locked
            // A process the setup's "memlock" names (no CAP_IPC_LOCK), as measured (SystemVSharedMemoryLockLimitFactsTests):
            // EPERM under a limit of 0; a segment locked already is not counted again; one whose pages alone pass the
            // limit fails ENOMEM; otherwise its user's other locked segments, any process's and outside the trace, may
            // pass it.
            if locked, let limit = state.memoryLockLimits[process] {
                if limit.bytes == 0 { return [Transition(.failed(.EPERM), state)] }
                if state.locked || limit.isUnlimited { return [Transition(.done, next)] }
                if Self.pages(ofBytes: state.size) > limit.pages {
                    return [Transition(.failed(.ENOMEM), state)]
                }
                return [Transition(.done, next), Transition(.failed(.ENOMEM), state)]
            }
            guard locked, let user = state.permissions.users[process], user.uid != 0 else { return [Transition(.done, next)] }
            // A user's lock meets its RLIMIT_MEMLOCK and its other locked segments, outside the trace.
            return [Transition(.done, next), Transition(.failed(.ENOMEM), state), Transition(.failed(.EPERM), state)]
        case .setMemoryLockLimit(let process, let soft, let hard):
            return MemoryLockLimit.setting(state.memoryLockLimits, process: process, soft: soft, hard: hard).map { error, limits in
                var next = state
                next.memoryLockLimits = limits
                return Transition(error.map { .failed($0) } ?? .done, next)
            }
        case .remove(let process):
            if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            next.removed = true
            next.destroyIfUnused()
            return [Transition(.done, next)]
        case .get(let process, let size, let create, let exclusive, let mode):
            if !state.removed {
                if create && exclusive { return [Transition(.failed(ErrorCode("EEXIST")), state)] }
                if size > state.size || size == Self.oversized { return [Transition(.failed(.EINVAL), state)] }
                if !state.permissions.allowsAsking(process, mode ?? (create ? 0o600 : 0)) { return [Transition(.failed(.EACCES), state)] }
                return [Transition(.done, state)]
            }
            if !create { return [Transition(.failed(.ENOENT), state)] }
            if size < 1 { return [Transition(.failed(.EINVAL), state)] }
            // A new segment (not this object), or shmmni/shmall met (ENOSPC) or no memory for it (ENOMEM), which the
            // trace does not show.
            return [Transition(.done, state), Transition(.failed(.ENOSPC), state), Transition(.failed(.ENOMEM), state)]
        case .fork(let process, let child):
            return forkTransitions(state, process: process, child: child)
        case .advise(let process, let pages, let advice): return adviseTransitions(state, process: process, pages: pages, advice: advice)
        case .residency(let process, let pages): return residencyTransitions(state, process: process, pages: pages)
        case .remap(let process, let remap): return remapTransitions(state, process: process, remap)
        case .exit(let process):
            next.attachments.removeAll { $0 == process }
            if next.readOnly.removeValue(forKey: process) != nil {
                next.lastProcess = process
                next.times.set(1)
            }
            next.destroyIfUnused()
            return [Transition(.done, next)]
        }
    }

    /// As ``TransitionModel``'s step, and a recorded `status` without `size` or `lastProcess` matches whatever they are;
    /// its times are judged, and then seen, by ``State/times``.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let unjudged = unjudgedAccess(state, input) { return unjudged }
        let steps = step(state, input, output) { recorded, expected in
            if case .info(let index, let fields) = recorded, case .info(let least, let exact) = expected, case .info(_, let counts) = input {
                return index >= least && Self.info(fields, matches: exact, counts: counts)
            }
            if case .residency(let seen) = recorded, case .residency(let allowed) = expected { return PageResidency.matches(seen, allowed) }
            guard case .status(let attachments, let removed, let size, let lastProcess, let mode, let owner, let group, _, let locked, let creator) = recorded,
                case .status(attachments, removed, let fullSize, let fullLastProcess, let fullMode, let fullOwner, let fullGroup, _, let fullLocked, let fullCreator)
                    = expected
            else { return recorded == expected }
            return (size == nil || size == fullSize) && (lastProcess == nil || fullLastProcess == nil || lastProcess == fullLastProcess)
                && (mode == nil || mode == fullMode) && (owner == nil || owner == fullOwner) && (group == nil || group == fullGroup)
                && (locked == nil || locked == fullLocked) && (creator == nil || fullCreator == nil || creator == fullCreator)
        }
        guard case .status(_, _, _, _, _, _, _, let times, _, _)? = output else { return steps }
        return steps.compactMap { $0.observing(times, at: \.times) }
    }

    /// `IPC_INFO`'s or `SHM_INFO`'s fields as a trace writes them: `shmmax` and `shmall` as decimal strings (they
    /// exceed a trace's integers), the rest as integers.
    public static func infoFields(_ values: [String: UInt]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: values.map { name, value in
            (name, ["shmmax", "shmall"].contains(name) ? JSONValue.string(String(value)) : .int(Int(clamping: value)))
        })
    }

    /// Whether recorded `IPC_INFO` or `SHM_INFO` fields may be what the model expects: the counts at least the
    /// model's, everything else exact; a field left out is not checked.
    static func info(_ fields: [String: JSONValue], matches expected: [String: JSONValue], counts: Bool) -> Bool {
        fields.allSatisfy { name, value in
            guard let model = expected[name] else { return false }
            guard counts && infoCounts.contains(name), case .integer(let recorded) = value, case .integer(let least) = model else {
                return value == model
            }
            return recorded >= least
        }
    }

    public func describe(_ state: State) -> String {
        if !state.created { return "not created yet" }
        if state.destroyed { return "destroyed" }
        let times = zip(Self.timeFields, state.times.text).map { "\($0) \($1)" }.joined(separator: ", ")
        let tail = state.tail.isEmpty ? "" : "; past its size in its last page " + WordAccess.describe(words: state.tail, count: 0)
        return "words \(WordAccess.describe(words: state.words))\(tail); attached by \(state.attachments)\(state.removed ? "; marked for removal" : ""); \(times)" + MemoryLockLimit.describe(state.memoryLockLimits)
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .access(_, let access): call = access.text
        case .attach(_, let readOnly): call = readOnly ? "shmat SHM_RDONLY" : "shmat"
        case .attachAt(_, let hint): call = hint.text
        case .detach: call = "shmdt"
        case .status: call = "IPC_STAT"
        case .setPermissions(_, let mode, let owner, let group):
            call = "IPC_SET" + (mode.map { " mode 0\(String($0, radix: 8))" } ?? "") + (owner.map { " uid \($0)" } ?? "")
                + (group.map { " gid \($0)" } ?? "")
        case .remove: call = "IPC_RMID"
        case .lock(_, let locked): call = locked ? "SHM_LOCK" : "SHM_UNLOCK"
        case .info(_, let counts): call = counts ? "SHM_INFO" : "IPC_INFO"
        case .statusAtIndex(_, let any): call = any ? "SHM_STAT_ANY of its index" : "SHM_STAT of its index"
        case .get(_, let size, let create, let exclusive, _):
            call = "shmget \(size == Self.oversized ? "more than 2^63 − 1" : "\(size)") bytes" + (create ? (exclusive ? " IPC_CREAT|IPC_EXCL" : " IPC_CREAT") : "")
        case .setMemoryLockLimit(_, let soft, let hard): call = MemoryLockLimit.describeChange(soft: soft, hard: hard)
        case .fork(_, let child): call = "fork (child: process \(child))"
        case .exit: call = "exit (detaches everything)"
        case .invalid(_, let invalid): call = invalid.summary
        case .advise(_, let pages, let advice): call = "madvise \(PosixSharedMemoryModel.describe(pages)) \(advice.name)"
        case .residency(_, let pages): call = "mincore \(PosixSharedMemoryModel.describe(pages))"
        case .remap(_, let remap): call = remap.text
        }
        let result = output.described { output in
            switch output {
            case .accessed(let result): result.text
            case .status(let attachments, let removed, let size, let lastProcess, _, _, _, let times, let locked, let creator):
                "\(attachments) attached\(removed ? ", marked for removal" : "")" + (size.map { ", \($0) bytes" } ?? "")
                    + (lastProcess.map { ", last attach or detach by \($0 == 0 ? "no worker" : "process \($0)")" } ?? "")
                    + zip(Self.timeFields, times).compactMap { name, time in time.map { ", \(name) \($0)" } }.joined()
                    + (locked == true ? ", SHM_LOCKED" : "") + (creator.map { ", created by process \($0)" } ?? "")
            case .info(let index, let fields): "\(index) " + fields.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
            case .residency(let answers): "resident \(PageResidency.text(answers))"
            case .done: "ok"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md):
//   load {"index"} → {"value"}; store {"index", "value"}; add {"index", "delta"} → {"value": the value before};
//   attach {"readOnly": BOOL?}, detach, remove, lock, unlock (SHM_LOCK, SHM_UNLOCK: EPERM, EINVAL) (no value);
//   status → {"attachments": INT, "removed": BOOL, "size": INT?, "lastProcess": INT?, "mode": "0600"?, "owner": UID?,
//   "group": GID?, "attachTime": S?, "detachTime": S?, "changeTime": S?, "locked": BOOL?, "creator": INT?} (shm_atime, shm_dtime,
//   shm_ctime in seconds; SHM_LOCKED; shm_cpid as a process number, judged for a segment created in the trace);
//   info {"command": "IPC_INFO" | "SHM_INFO"} → {"index": INT, struct shminfo's or shm_info's fields, each optional;
//   shmmax and shmall as decimal strings}; status {"command": "SHM_STAT" | "SHM_STAT_ANY"}? (of the segment's own index);
//   get {"size": INT, "create": BOOL?, "exclusive": BOOL?} (shmget of the key: EEXIST, EINVAL, ENOENT);
//   setrlimit {"resource": "RLIMIT_MEMLOCK", "soft", "hard": BYTES | "unlimited"} (one object only; EINVAL, EPERM).
//   advise, residency, remap of the newest attachment, as posix-shm's (SystemVSharedMemoryModel+Advice, +Remap).
//   EFAULT or SIGSEGV (an access through a detached address) without an attachment, EINVAL detach without one and
//   anything but access once destroyed.
//   control {"command": INT} (shmctl with a command it does not have: EINVAL); "id": a negative INT beside the fields
//   of attach, status, info, set, remove, lock or unlock: that call made with a negative id (EINVAL).
// params: {"objects": {"g0": {"words": 8, "attached": [1, 2]}}}; or {"g0": {"exists": false, "words": 8?}}: no
//   segment yet, the first get with "create" makes it (SystemVSharedMemoryModel+Creation); "words" (512 unless given)
//   bounds the words the trace's accesses name.
extension SystemVSharedMemoryModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var segments: [(name: String, setup: Setup)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            let exists = try setup.optional("exists")?.boolean("exists") ?? true
            if !exists { try Self.refuseSetupOfAbsentSegment(name, setup) }
            var segment = Setup(
                words: try (exists ? setup.required("words") : setup.optional("words") ?? .int(512)).integer("words", in: 1...1 << 20),
                attached: try setup.optional("attached")?.integers("attached") ?? [], permissions: try Permissions(setup: setup))
            segment.exists = exists
            segment.memoryLockLimits = try PosixSharedMemoryModel.memoryLockLimits(setup, objects: 1)
            if segment.memoryLockLimits.values.contains(where: \.locksNothingElse) {
                throw ModelError("'locksNothingElse' does not apply to sysv-shm: SHM_LOCK counts against the user's limit, and the user's other segments are outside the trace")
            }
            segments.append((name, segment))
        }
        self.init(segments: segments)
    }

    public var parameters: JSONValue {
        ModelParameters.json(setups.map { name, setup in
            (name, .object(JSONObject((setup.exists ? [] : [("exists", false)]) + [("words", .int(setup.words)), ("attached", .ints(setup.attached))] + setup.permissions.json
                + (setup.memoryLockLimits.isEmpty ? [] : [("memlock", PosixSharedMemoryModel.json(setup.memoryLockLimits))]))))
        })
    }

    /// `shmctl`'s commands: `IPC_RMID`, `IPC_SET`, `IPC_STAT`, `IPC_INFO`, `SHM_LOCK`, `SHM_UNLOCK`, `SHM_STAT`,
    /// `SHM_INFO`, `SHM_STAT_ANY`.
    public static let controlCommands: Set<Int> = SystemVInvalidCall.commonCommands.union(11...15)

    public func input(from call: Call) throws(ModelError) -> Input {
        if let invalid = try SystemVInvalidCall.parse(
            call, commands: Self.controlCommands, idCalls: ["attach", "status", "info", "set", "remove", "lock", "unlock"]) {
            return .invalid(process: call.process, call: invalid)
        }
        if WordAccess.names.contains(call.f) {
            let words = setups.first { $0.name == call.object }?.setup.words ?? 0
            return .access(process: call.process, try WordAccess(f: call.f, value: call.value, words: Self.wordsReached(words)))
        }
        switch call.f {
        case "attach":
            if let hint = try AttachHint.field(of: call.value) { return .attachAt(process: call.process, hint: hint) }
            return .attach(process: call.process, readOnly: try call.value.optional("readOnly")?.boolean("readOnly") ?? false)
        case "detach": return .detach(process: call.process)
        case "fork": return .fork(process: call.process, child: try call.forkedChild())
        case "status":
            guard let any = try SystemVCommand.statAtIndex(call.value, prefix: "SHM") else { return .status(process: call.process) }
            return .statusAtIndex(process: call.process, any: any)
        case "info": return .info(process: call.process, counts: try SystemVCommand.infoCounts(call.value, prefix: "SHM"))
        case "set":
            return .setPermissions(process: call.process, mode: try Permissions.mode(in: call.value), owner: try call.value.optional("owner")?.integer("owner"),
                group: try call.value.optional("group")?.integer("group"))
        case "remove": return .remove(process: call.process)
        case "lock", "unlock": return .lock(process: call.process, locked: call.f == "lock")
        case "advise", "residency", "remap": return try Self.pageInput(call, setup: setups.first { $0.name == call.object }?.setup)
        case "get":
            return .get(
                process: call.process, size: try Self.segmentSize(call.value.required("size")),
                create: try call.value.optional("create")?.boolean("create") ?? false,
                exclusive: try call.value.optional("exclusive")?.boolean("exclusive") ?? false, mode: try Permissions.mode(in: call.value))
        case "setrlimit":
            let change = try MemoryLockLimit.change(call.value, model: Self.name, objects: setups.count)
            return .setMemoryLockLimit(process: call.process, soft: change.soft, hard: change.hard)
        default:
            throw ModelError("the sysv-shm model has no operation '\(call.f)' (it has load, store, add, attach, detach, status, info, set, remove, lock, unlock, get, setrlimit, control, advise, residency, remap and fork)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .access(_, let access)): return .accessed(try access.result(from: value))
        case (.ok(let value), .info):
            var fields: [String: JSONValue] = [:]
            for name in Self.infoLimits.keys.sorted() + Self.infoCounts.sorted() + ["swap_attempts", "swap_successes"] {
                guard let field = try value.optional(name) else { continue }
                switch field {
                case .integer, .string: fields[name] = field
                default: throw ModelError("field '\(name)' of an info must be an integer, or a decimal string for shmmax and shmall")
                }
            }
            return .info(index: try value.required("index").integer("index", in: Int.min...Int.max), fields: fields)
        case (.ok(let value), .status), (.ok(let value), .statusAtIndex):
            return .status(
                attachments: try value.required("attachments").integer("attachments"),
                removed: try value.required("removed").boolean("removed"),
                size: try value.optional("size")?.integer("size"), lastProcess: try value.optional("lastProcess")?.integer("lastProcess"),
                mode: try Permissions.mode(in: value), owner: try value.optional("owner")?.integer("owner"),
                group: try value.optional("group")?.integer("group"),
                times: try Self.timeFields.map { (name) throws(ModelError) in try value.optional(name)?.integer(name) },
                locked: try value.optional("locked")?.boolean("locked"), creator: try value.optional("creator")?.integer("creator"))
        case (.ok(let value), .residency): return .residency(try PageResidency.parse(value).map { $0 ? .resident : .absent })
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .access(_, let access): access.call
        case .attach(_, let readOnly): ("attach", readOnly ? ["readOnly": true] : nil)
        case .attachAt(_, let hint): ("attach", hint.json)
        case .detach: ("detach", nil)
        case .status: ("status", nil)
        case .setPermissions(_, let mode, let owner, let group):
            ("set", .object({
                var value = JSONObject()
                if let mode { value["mode"] = Permissions.text(ofMode: mode) }
                if let owner { value["owner"] = .int(owner) }
                if let group { value["group"] = .int(group) }
                return value
            }()))
        case .remove: ("remove", nil)
        case .setMemoryLockLimit(_, let soft, let hard): ("setrlimit", MemoryLockLimit.changeJSON(soft: soft, hard: hard))
        case .lock(_, let locked): (locked ? "lock" : "unlock", nil)
        case .info(_, let counts): ("info", ["command": counts ? "SHM_INFO" : "IPC_INFO"])
        case .statusAtIndex(_, let any): ("status", ["command": any ? "SHM_STAT_ANY" : "SHM_STAT"])
        case .get(_, let size, let create, let exclusive, let mode):
            ("get", .object({
                var value: JSONObject = ["size": size == Self.oversized ? .number(Double(UInt64.max)) : .int(size)]
                if create { value["create"] = true }
                if exclusive { value["exclusive"] = true }
                if let mode { value["mode"] = Permissions.text(ofMode: mode) }
                return value
            }()))
        case .fork(_, let child): ("fork", ["child": .int(child)])
        case .exit: ("exit", nil)
        case .invalid(_, let invalid): (invalid.f, invalid.value)
        case .advise(_, let pages, let advice): ("advise", .object(pages.json(advice: advice)))
        case .residency(_, let pages): ("residency", .object(pages.json()))
        case .remap(_, let remap): ("remap", remap.json)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .accessed(let result): .ok(result.json)
        case .status(let attachments, let removed, let size, let lastProcess, let mode, let owner, let group, let times, let locked, let creator):
            .ok(.object({
                var value: JSONObject = ["attachments": .int(attachments), "removed": .bool(removed)]
                if let size { value["size"] = .int(size) }
                if let lastProcess { value["lastProcess"] = .int(lastProcess) }
                if let mode { value["mode"] = Permissions.text(ofMode: mode) }
                if let owner { value["owner"] = .int(owner) }
                if let group { value["group"] = .int(group) }
                for (name, time) in zip(Self.timeFields, times) { if let time { value[name] = .int(time) } }
                if let locked { value["locked"] = .bool(locked) }
                if let creator { value["creator"] = .int(creator) }
                return value
            }()))
        case .info(let index, let fields):
            .ok(.object(JSONObject([("index", .int(index))] + fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))
        case .residency(let answers): .ok(PageResidency.json(answers.map { $0 != .absent }))
        case .done: .ok(nil)
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
