/// `mremap` of a process's newest mapping from its first page, as measured (`SharedMemoryRemapFactsTests`, C probes
/// first; LTP `mremap01`–`06` as the checklist). The trace gives the old and new sizes in pages (`"oldPages"`,
/// `"pages"`) and the flags:
/// - `EINVAL` first: a flag other than `MREMAP_MAYMOVE`, `MREMAP_FIXED`, `MREMAP_DONTUNMAP`; `MREMAP_FIXED` or
///   `MREMAP_DONTUNMAP` without `MREMAP_MAYMOVE`; `MREMAP_DONTUNMAP` with sizes that differ; an unaligned address; a
///   new size of 0.
/// - The first page not mapped: `EFAULT`. Shrinking, or keeping the size without moving, succeeds in place (the
///   pages past the new size go, across areas too).
/// - Growing, `MREMAP_FIXED` and `MREMAP_DONTUNMAP` need the old pages to be one area (one protection, lock,
///   `MADV_DONTFORK` and read-ahead pattern): `EFAULT` otherwise.
/// - Growing without `MREMAP_MAYMOVE`: in place when the pages after are free — which the trace does not show when
///   they are not this mapping's (something else may be mapped there), so success or `ENOMEM`; `ENOMEM` when this
///   mapping's own page is in the way. With `MREMAP_MAYMOVE` it grows in place or moves: when pages of the mapping
///   lie past the moved part, they stay where they were, as the old mapping (its descriptor with it), and the moved
///   part is the newest mapping, with no descriptor of its own. The new pages are the area's: its protection, its
///   lock (populated: a writable private mapping copies them), and they reach the object's pages there (`SIGBUS` past
///   its end); a private mapping's copies move with it. A locked area growing meets `RLIMIT_MEMLOCK` (`EAGAIN`).
/// - `MREMAP_FIXED`: moved to a free place (the worker's), as with growth.
/// - `MREMAP_DONTUNMAP` (same size): it succeeds on a mapping of the object, shared or private (a surprise: the
///   brief expected `EINVAL`), and the old pages stay mapped: a second mapping of them, the newest; the old pages'
///   lock moves to it, and so do a private mapping's copies — the old pages read the object again. (glibc's
///   `mremap` passes whatever is in the fifth argument's register when the caller gives four arguments: a C probe
///   that does gets `EINVAL` by chance; the new address must be given, NULL here.)
/// - An old size of 0 on a shared mapping with `MREMAP_MAYMOVE`: a second mapping of the same pages (the newest, no
///   descriptor), of the new size; on a private mapping `EINVAL`; without `MREMAP_MAYMOVE` `ENOMEM`.
extension PosixSharedMemoryModel {
    /// An `mremap` of the newest mapping's pages from its first.
    public struct Remap: Hashable, Sendable {
        public var oldPages: Int
        public var newPages: Int
        public var mayMove = false
        public var fixed = false
        public var dontUnmap = false
        /// Flag bits beyond the three (`EINVAL`).
        public var otherBits = 0
        /// The old address 8 bytes into the page (`EINVAL`).
        public var unaligned = false

        public init(oldPages: Int, newPages: Int, mayMove: Bool = false, fixed: Bool = false, dontUnmap: Bool = false) {
            self.oldPages = oldPages
            self.newPages = newPages
            self.mayMove = mayMove
            self.fixed = fixed
            self.dontUnmap = dontUnmap
        }

        /// Whether the flags and sizes fail `EINVAL` before the address is looked at.
        public var refused: Bool {
            otherBits != 0 || ((fixed || dontUnmap) && !mayMove) || (dontUnmap && oldPages != newPages) || unaligned || newPages == 0
        }

        var names: [String] {
            (mayMove ? ["MREMAP_MAYMOVE"] : []) + (fixed ? ["MREMAP_FIXED"] : []) + (dontUnmap ? ["MREMAP_DONTUNMAP"] : [])
        }

        /// The trace's `remap` {`"oldPages"`, `"pages"`, `"flags"`, `"bits"`?, `"unaligned"`?}.
        static func parse(_ value: JSONValue?, pages: Int) throws(ModelError) -> Remap {
            let names = try value.optional("flags")?.elements("flags").map { (name) throws(ModelError) in try name.text("flags") } ?? []
            for name in names where !["MREMAP_MAYMOVE", "MREMAP_FIXED", "MREMAP_DONTUNMAP"].contains(name) {
                throw ModelError("field 'flags' may hold \"MREMAP_MAYMOVE\", \"MREMAP_FIXED\" and \"MREMAP_DONTUNMAP\", not \"\(name)\" (other bits: \"bits\")")
            }
            var remap = Remap(
                oldPages: try value.required("oldPages").integer("oldPages", in: 0...pages), newPages: try value.required("pages").integer("pages", in: 0...pages),
                mayMove: names.contains("MREMAP_MAYMOVE"), fixed: names.contains("MREMAP_FIXED"), dontUnmap: names.contains("MREMAP_DONTUNMAP"))
            remap.otherBits = try value.optional("bits")?.integer("bits", in: 1...Int(Int32.max)) ?? 0
            remap.unaligned = try value.optional("unaligned")?.boolean("unaligned") ?? false
            return remap
        }

        var json: JSONValue {
            var value: JSONObject = ["oldPages": .int(oldPages), "pages": .int(newPages), "flags": .array(names.map { .string($0) })]
            if otherBits != 0 { value["bits"] = .int(otherBits) }
            if unaligned { value["unaligned"] = true }
            return .object(value)
        }

        var text: String {
            "mremap \(oldPages) → \(newPages) pages" + (names.isEmpty ? "" : " " + names.joined(separator: "|"))
                + (otherBits != 0 ? " bits \(otherBits)" : "") + (unaligned ? " (an unaligned address)" : "")
        }
    }

    func remapTransitions(_ state: State, process: Int, _ remap: Remap) -> [Transition<State, Output>] {
        if remap.refused { return [Transition(.failed(.EINVAL), state)] }
        // The harness's rule without a mapping: the worker has no address, the kernel's answer where nothing is mapped.
        guard var mapping = state.mappings[process]?.last, let area = mapping.area(of: 0) else { return [Transition(.failed(.EFAULT), state)] }
        let (old, new) = (remap.oldPages, remap.newPages)
        var next = state
        func replacingNewest(_ mapping: PosixSharedMemoryMapping, in state: State) -> State {
            var state = state
            state.mappings[process]![state.mappings[process]!.count - 1] = mapping
            return state
        }
        // A locked area's new pages count against RLIMIT_MEMLOCK (EAGAIN), after the other refusals.
        func limited(_ outcomes: [Transition<State, Output>], adding: Int) -> [Transition<State, Output>] {
            guard area.locked && adding > 0 else { return outcomes }
            switch state.limitVerdict(process, adding: adding) {
            case .exceeds: return [Transition(.failed(.EAGAIN), state)]
            case .mayExceed: return outcomes + [Transition(.failed(.EAGAIN), state)]
            case .fits, nil: return outcomes
            }
        }
        if old == 0 {
            if mapping.isPrivate { return [Transition(.failed(.EINVAL), state)] }
            guard remap.mayMove else { return [Transition(.failed(.ENOMEM), state)] }
            let second = mapping.secondMapping(of: area, pages: 0..<new)
            next.addHandle(process, area.populates ? state.populated(second, 0..<new, stopping: false) : second)
            return limited([Transition(.done, next)], adding: new)
        }
        if !remap.fixed && !remap.dontUnmap && new <= old {
            if new < old { _ = mapping.unmap(PosixSharedMemoryMapping.Pages(first: new, count: old - new)) }
            return [Transition(.done, replacingNewest(mapping, in: state))]
        }
        if remap.fixed && new < old { _ = mapping.unmap(PosixSharedMemoryMapping.Pages(first: new, count: old - new)) }
        let moved = 0..<min(old, new)
        let oneArea = mapping.isOneArea(moved)
        guard oneArea else { return [Transition(.failed(.EFAULT), state)] }
        if remap.dontUnmap {
            // The old pages stay, unlocked and following the object; the second mapping has them, their lock and copies.
            let second = mapping.secondMapping(of: area, pages: moved, from: moved)
            mapping.locked.subtract(moved)
            mapping.lockedOnFault.subtract(moved)
            for page in moved { mapping.dropCopy(of: page) }
            next = replacingNewest(mapping, in: state)
            next.addHandle(process, second)
            return [Transition(.done, next)]
        }
        var outcomes: [Transition<State, Output>] = []
        // In place: the pages after are free — certainly not when this mapping's own page is there.
        if !remap.fixed && !(old..<new).contains(where: mapping.isMapped) {
            var grown = mapping
            for page in old..<new { grown.setArea(page, area) }
            outcomes.append(Transition(.done, replacingNewest(area.populates ? state.populated(grown, old..<new, stopping: false) : grown, in: state)))
        }
        if remap.mayMove {
            var part = mapping.secondMapping(of: area, pages: 0..<new, from: moved)
            if area.populates { part = state.populated(part, moved.upperBound..<new, stopping: false) }
            if !mapping.pages.indices.contains(where: { $0 >= moved.upperBound && mapping.isMapped($0) }) {
                // Nothing of the mapping stays behind: the whole of it moved, its descriptor with it.
                part.descriptorOpen = mapping.descriptorOpen
                part.closeOnExec = mapping.closeOnExec
                part.statusFlags = mapping.statusFlags
                part.openFileDescription = mapping.openFileDescription
                outcomes.append(Transition(.done, replacingNewest(part, in: state)))
            } else {
                for page in moved { mapping.clear(page) }
                next = replacingNewest(mapping, in: state)
                next.addHandle(process, part)
                outcomes.append(Transition(.done, next))
            }
        } else {
            outcomes.append(Transition(.failed(.ENOMEM), state))
        }
        return limited(outcomes, adding: new - moved.count)
    }
}

extension PosixSharedMemoryMapping {
    /// What makes pages one area (one `vm_area_struct`) to the kernel, as far as the model knows them.
    struct Area: Hashable {
        var protection: Protection
        var locked: Bool
        var onFault: Bool
        var dontFork: Bool
        var pattern: MemoryAdvice.ReadPattern?

        /// Locked, not on fault: its new pages are faulted in.
        var populates: Bool { locked && !onFault }
    }

    func area(of page: Int) -> Area? {
        guard isMapped(page), let protection = pages[page] else { return nil }
        return Area(
            protection: protection, locked: locked.contains(page), onFault: lockedOnFault.contains(page), dontFork: dontFork.contains(page),
            pattern: readPatterns[page])
    }

    /// Whether `range`'s pages are all mapped, as one area (neighbours alike merge, as the kernel merges them).
    func isOneArea(_ range: Range<Int>) -> Bool {
        guard let first = area(of: range.lowerBound) else { return false }
        return range.allSatisfy { area(of: $0) == first }
    }

    mutating func setArea(_ page: Int, _ area: Area) {
        pages[page] = area.protection
        if area.locked { locked.insert(page) } else { locked.remove(page) }
        if area.onFault { lockedOnFault.insert(page) } else { lockedOnFault.remove(page) }
        if area.dontFork { dontFork.insert(page) } else { dontFork.remove(page) }
        readPatterns[page] = area.pattern
    }

    /// `page` no longer mapped here, with nothing of it kept.
    mutating func clear(_ page: Int) {
        pages[page] = nil
        locked.remove(page)
        lockedOnFault.remove(page)
        dontFork.remove(page)
        readPatterns[page] = nil
        dropCopy(of: page)
    }

    /// A mapping at another address of `pages` of the object from the same place, each page `area`'s, with no
    /// descriptor; the copies of the pages `carried` (a private mapping's, which move with it).
    func secondMapping(of area: Area, pages range: Range<Int>, from carried: Range<Int> = 0..<0) -> PosixSharedMemoryMapping {
        var second = self
        second.descriptorOpen = false
        second.closeOnExec = nil
        second.statusFlags = nil
        second.pages = Array(repeating: nil, count: pages.count)
        second.locked = []
        second.lockedOnFault = []
        second.dontFork = []
        second.readPatterns = [:]
        second.copied = copied.filter { carried.contains($0) }
        second.privateWords = privateWords.filter { second.copied.contains($0.key / Self.pageWords) }
        for page in range { second.setArea(page, area) }
        // The moved pages keep their own locks (one area: all alike).
        return second
    }
}
