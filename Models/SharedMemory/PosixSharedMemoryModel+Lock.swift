/// `mlock`, `mlock2`, `munlock`, `mlockall` and `munlockall` on a process's mappings of the object, as measured
/// (`SharedMemoryMemoryLockFactsTests`; C probes first; LTP `mlock01-04`, `mlock201-203`, `munlock01-02`,
/// `mlockall01-03` as the checklist). What a trace can see of a lock is `msync`'s `MS_INVALIDATE`, which fails `EBUSY`
/// over a locked page.
///
/// - The range: an address inside a page is rounded down and the length, from there, up (`mlock(p + 8, 0)` locks
///   the page; `munlock` the same). No pages: success.
/// - Page by page from the first: the first page not mapped fails `ENOMEM` with nothing changed; a later one fails
///   `ENOMEM` with the pages before it locked (or unlocked) already.
/// - Then `mlock` and `mlock2` without `MLOCK_ONFAULT` fault the pages in: a `PROT_NONE` page, or one wholly past the
///   object's end, fails `ENOMEM` — the whole range stays locked.
/// - `mlock2`: a flag other than `MLOCK_ONFAULT` fails `EINVAL` before anything.
/// - Locks do not nest (one `munlock` undoes two `mlock`s); `mprotect` keeps them; `munmap` and `MAP_FIXED` over the
///   pages drop them; a private mapping's pages lock as a shared one's.
/// - `mlockall`: `EINVAL` for bits other than `MCL_CURRENT`, `MCL_FUTURE`, `MCL_ONFAULT` and without one of the first
///   two; `MCL_CURRENT` locks every mapped page (`PROT_NONE` ones and those past the end too: its faults' errors are
///   ignored); `MCL_FUTURE` locks the mappings made afterwards; each `mlockall` replaces the last one's `MCL_FUTURE`.
///   `munlockall` undoes both.
/// - `RLIMIT_MEMLOCK` (`ENOMEM`, and `EPERM` with a limit of 0), for a process the setup's `"memlock"` names
///   (``MemoryLockLimit``); any other process locks as root does (`CAP_IPC_LOCK`). The worker refuses the calls
///   without that capability rather than record failures for a process the setup does not name.
extension PosixSharedMemoryMapping {
    /// The pages a lock call covers: `pages`, or from an address 8 bytes into the first page (the trace's
    /// `unaligned`), as many as the length reaches from there.
    public static func lockRange(_ pages: Pages) -> Range<Int> {
        guard pages.unaligned else { return pages.range }
        let bytes = 8 + (pages.length ?? pages.count * PosixSharedMemoryModel.pageSize)
        return pages.first..<pages.first + (bytes + PosixSharedMemoryModel.pageSize - 1) / PosixSharedMemoryModel.pageSize
    }

    func isMapped(_ page: Int) -> Bool { page < pages.count && pages[page] != nil }

    /// Every mapped page, as `mlockall(MCL_CURRENT)` locks them (and `MCL_FUTURE` a new mapping's).
    var mappedPages: Set<Int> { Set(pages.indices.filter { pages[$0] != nil }) }

    /// `mlock` or `munlock` (`locking` false) of `range`, page by page until one is not mapped (`ENOMEM`).
    mutating func setLocked(_ range: Range<Int>, _ locking: Bool) -> ErrorCode? {
        for page in range {
            guard isMapped(page) else { return .ENOMEM }
            if locking { locked.insert(page) } else { locked.remove(page) }
        }
        return nil
    }
}

extension PosixSharedMemoryModel {
    /// `mlock2`'s flags and `mlockall`'s, as the trace gives them.
    public struct LockFlags: Hashable, Sendable {
        /// `MCL_CURRENT` (`mlockall` only).
        public var current: Bool
        /// `MCL_FUTURE` (`mlockall` only).
        public var future: Bool
        /// `MLOCK_ONFAULT` or `MCL_ONFAULT`: lock without faulting the pages in.
        public var onFault: Bool
        /// Any other bits (`EINVAL`).
        public var otherBits: Int

        /// `mlockall`'s names for them (other bits left out).
        var allNames: [String] {
            (current ? ["MCL_CURRENT"] : []) + (future ? ["MCL_FUTURE"] : []) + (onFault ? ["MCL_ONFAULT"] : [])
        }

        public init(current: Bool = false, future: Bool = false, onFault: Bool = false, otherBits: Int = 0) {
            self.current = current
            self.future = future
            self.onFault = onFault
            self.otherBits = otherBits
        }
    }

    /// A lock call: `mlock` (`mlock2` when `flags` is given), `munlock`, `mlockall` or `munlockall`.
    public enum LockCall: Hashable, Sendable {
        case lock(PosixSharedMemoryMapping.Pages, flags: LockFlags?)
        case unlock(PosixSharedMemoryMapping.Pages)
        case lockAll(LockFlags)
        case unlockAll
    }

    func lockTransitions(_ state: State, process: Int, _ call: LockCall) -> [Transition<State, Output>] {
        var next = state
        switch call {
        case .lock(let pages, let flags):
            if let flags, flags.otherBits != 0 { return [Transition(.failed(.EINVAL), state)] }
            let range = PosixSharedMemoryMapping.lockRange(pages)
            // The harness's rule without a mapping, as mprotect's: the kernel's answer where nothing is mapped.
            guard var mapping = state.mappings[process]?.last else { return [Transition(range.isEmpty ? .done : .failed(.ENOMEM), state)] }
            // RLIMIT_MEMLOCK (``MemoryLockLimit``): EPERM with a limit of 0 (a length of 0 too); ENOMEM, nothing changed,
            // when the locked pages and the range's new ones pass it — beside the call's outcome where other locked
            // memory, unseen, may pass it.
            // The kernel counts the whole range, holes too; the worker calls it only up to the first page not mapped
            // (something else may be mapped there since), so for a range with a hole both counts are real answers:
            // it must fail where the pages up to the hole pass the limit, may fail where the whole range does.
            var refusedByLimit: [Transition<State, Output>] = []
            let prefix = range.lowerBound..<(range.first { !mapping.isMapped($0) } ?? range.upperBound)
            if state.memoryLockLimits[process]?.bytes == 0 {
                // The worker makes no call for an empty prefix: its answer is the hole's ENOMEM (or done, for no pages).
                if prefix.isEmpty { return [Transition(.failed(.EPERM), state), Transition(range.isEmpty ? .done : .failed(.ENOMEM), state)] }
                return [Transition(.failed(.EPERM), state)]
            }
            let adding = range.count - range.filter { mapping.locked.contains($0) }.count
            let addingUpToHole = prefix.count - prefix.filter { mapping.locked.contains($0) }.count
            switch (state.limitVerdict(process, adding: addingUpToHole), state.limitVerdict(process, adding: adding)) {
            case (.exceeds, _): return [Transition(.failed(.ENOMEM), state)]
            case (.mayExceed, _), (_, .exceeds), (_, .mayExceed): refusedByLimit = [Transition(.failed(.ENOMEM), state)]
            default: break
            }
            if range.isEmpty { return [Transition(.done, state)] + refusedByLimit }
            var error = mapping.setLocked(range, true)
            let lockedNow = range.filter { mapping.locked.contains($0) }
            if flags?.onFault == true { mapping.lockedOnFault.formUnion(lockedNow) } else { mapping.lockedOnFault.subtract(lockedNow) }
            if flags?.onFault != true { mapping = state.populated(mapping, lockedNow, stopping: true) }
            if error == nil && flags?.onFault != true && range.contains(where: { page in
                mapping.pages[page] == PosixSharedMemoryMapping.Protection.none
                    || (!mapping.copied.contains(page) && state.beyondEnd(mapping.firstWord + page * PosixSharedMemoryMapping.pageWords))
            }) {
                error = .ENOMEM
            }
            next.mappings[process]![next.mappings[process]!.count - 1] = mapping
            return [Transition(error.map { .failed($0) } ?? .done, next)] + refusedByLimit
        case .unlock(let pages):
            let range = PosixSharedMemoryMapping.lockRange(pages)
            if range.isEmpty { return [Transition(.done, state)] }
            guard var mapping = state.mappings[process]?.last else { return [Transition(.failed(.ENOMEM), state)] }
            let error = mapping.setLocked(range, false)
            mapping.lockedOnFault.formIntersection(mapping.locked)
            next.mappings[process]![next.mappings[process]!.count - 1] = mapping
            return [Transition(error.map { .failed($0) } ?? .done, next)]
        case .lockAll(let flags):
            if flags.otherBits != 0 || !(flags.current || flags.future) { return [Transition(.failed(.EINVAL), state)] }
            // RLIMIT_MEMLOCK: EPERM with a limit of 0; MCL_CURRENT fails ENOMEM, nothing changed, when the process's
            // size passes the limit — surely when its mappings of the object alone do; the rest is never seen.
            var refusedByLimit: [Transition<State, Output>] = []
            if let limit = state.memoryLockLimits[process] {
                if limit.bytes == 0 { return [Transition(.failed(.EPERM), state)] }
                if flags.current && !limit.isUnlimited {
                    if state.lockAllExceeds(process) == true { return [Transition(.failed(.ENOMEM), state)] }
                    refusedByLimit = [Transition(.failed(.ENOMEM), state)]
                }
                // From now the process's other memory may be locked (MCL_FUTURE: its later allocations).
                next.lockCountUnknown.insert(process)
            }
            if flags.current {
                next.mappings[process] = state.mappings[process]?.map { mapping in
                    var mapping = mapping
                    mapping.locked = mapping.mappedPages
                    mapping.lockedOnFault = flags.onFault ? mapping.locked : []
                    return flags.onFault ? mapping : state.populated(mapping, 0..<mapping.pages.count, stopping: false)
                }
            }
            if flags.future { next.lockingFuture.insert(process) } else { next.lockingFuture.remove(process) }
            if flags.future && flags.onFault { next.lockingFutureOnFault.insert(process) } else { next.lockingFutureOnFault.remove(process) }
            return [Transition(.done, next)] + refusedByLimit
        case .unlockAll:
            next.mappings[process] = state.mappings[process]?.map { mapping in
                var mapping = mapping
                mapping.locked = []
                mapping.lockedOnFault = []
                return mapping
            }
            next.lockingFuture.remove(process)
            next.lockingFutureOnFault.remove(process)
            next.lockCountUnknown.remove(process)
            return [Transition(.done, next)]
        }
    }

    /// The trace's lock calls: `lock` {`page`, `pages` | `length`, `unaligned`?, `flags`?: ["MLOCK_ONFAULT"], `bits`?}
    /// (`mlock2` when `flags` or `bits` is there), `unlock` {the pages}, `lockall` {`flags`: ["MCL_CURRENT",
    /// "MCL_FUTURE", "MCL_ONFAULT"], `bits`?}, `unlockall`.
    func lockCall(_ call: Call, pages: () throws(ModelError) -> PosixSharedMemoryMapping.Pages) throws(ModelError) -> LockCall? {
        func flags(allowed: [String]) throws(ModelError) -> LockFlags? {
            let flagsGiven = try call.value.optional("flags") != nil
            let bitsGiven = try call.value.optional("bits") != nil
            guard flagsGiven || bitsGiven else { return nil }
            let names = try call.value.optional("flags")?.elements("flags").map { (name) throws(ModelError) in try name.text("flags") } ?? []
            for name in names where !allowed.contains(name) {
                throw ModelError("field 'flags' may hold \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(name)\" (other bits: \"bits\")")
            }
            return LockFlags(
                current: names.contains("MCL_CURRENT"), future: names.contains("MCL_FUTURE"),
                onFault: names.contains("MLOCK_ONFAULT") || names.contains("MCL_ONFAULT"),
                otherBits: try call.value.optional("bits")?.integer("bits", in: 0...Int(Int32.max)) ?? 0)
        }
        switch call.f {
        case "lock": return .lock(try pages(), flags: try flags(allowed: ["MLOCK_ONFAULT"]))
        case "unlock": return .unlock(try pages())
        case "lockall", "unlockall":
            // Every mapping of the process is locked or unlocked, and the model sees one object at a time.
            guard setups.count == 1 else {
                throw ModelError("'\(call.f)' locks every mapping of the process: the posix-shm model judges it only in a trace with one object (this one has \(setups.count))")
            }
            if call.f == "unlockall" { return .unlockAll }
            guard let flags = try flags(allowed: ["MCL_CURRENT", "MCL_FUTURE", "MCL_ONFAULT"]) else {
                throw ModelError("'lockall' needs field 'flags' (\"MCL_CURRENT\", \"MCL_FUTURE\", \"MCL_ONFAULT\")")
            }
            return .lockAll(flags)
        default: return nil
        }
    }

    /// The invoke value of a lock call.
    static func json(_ call: LockCall) -> (f: String, value: JSONValue?) {
        func flagsJSON(_ flags: LockFlags, names: [String], into value: inout JSONObject) {
            value["flags"] = .array(names.map { .string($0) })
            if flags.otherBits != 0 { value["bits"] = .int(flags.otherBits) }
        }
        // The length itself when the call gave one: from inside a page it decides how many pages the range reaches.
        func pagesJSON(_ pages: PosixSharedMemoryMapping.Pages) -> JSONObject {
            var value = pages.json()
            if let length = pages.length { (value["length"], value["pages"]) = (.int(length), nil) }
            return value
        }
        switch call {
        case .lock(let pages, let flags):
            var value = pagesJSON(pages)
            if let flags { flagsJSON(flags, names: flags.onFault ? ["MLOCK_ONFAULT"] : [], into: &value) }
            return ("lock", .object(value))
        case .unlock(let pages):
            return ("unlock", .object(pagesJSON(pages)))
        case .lockAll(let flags):
            var value = JSONObject()
            flagsJSON(flags, names: flags.allNames, into: &value)
            return ("lockall", .object(value))
        case .unlockAll: return ("unlockall", nil)
        }
    }

    static func describe(_ call: LockCall) -> String {
        switch call {
        case .lock(let pages, let flags):
            let bits = flags.map { flags in
                ((flags.onFault ? ["MLOCK_ONFAULT"] : []) + (flags.otherBits == 0 ? [] : ["\(flags.otherBits)"])).joined(separator: "|")
            }
            return (flags == nil ? "mlock " : "mlock2 ") + describe(pages) + (pages.length.map { " length \($0)" } ?? "") + (bits.map { " \($0.isEmpty ? "0" : $0)" } ?? "")
        case .unlock(let pages): return "munlock " + describe(pages) + (pages.length.map { " length \($0)" } ?? "")
        case .lockAll(let flags):
            let names = flags.allNames + (flags.otherBits == 0 ? [] : ["\(flags.otherBits)"])
            return "mlockall " + (names.isEmpty ? "0" : names.joined(separator: "|"))
        case .unlockAll: return "munlockall"
        }
    }
}
