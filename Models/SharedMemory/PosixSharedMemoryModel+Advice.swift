/// `madvise` of pages of a process's newest mapping (``MemoryAdvice``), as measured (`SharedMemoryAdviceFactsTests`, C
/// probes first; LTP `madvise01`–`11` as the checklist): an advice this kernel does not know, and an unaligned
/// address, fail `EINVAL` before anything; no pages succeed; then page by page, as the kernel goes area by area: a page
/// not mapped is passed over and fails the call `ENOMEM` at the end, unless a page after it fails first —
/// `MADV_FREE` and `MADV_WIPEONFORK` `EINVAL` on any page of the object, `MADV_DONTNEED` and `MADV_REMOVE` `EINVAL` on
/// a locked page (the pages before it done), `MADV_REMOVE` `EACCES` on a private mapping or one of an `O_RDONLY`
/// descriptor (a `PROT_READ` shared mapping of an `O_RDWR` one may: the kernel asks `VM_MAYWRITE`, a surprise).
/// What a trace can see: `MADV_REMOVE` zeroes the object's pages (every mapping reads 0; the pages leave memory),
/// `MADV_DONTNEED` drops a private mapping's copies (a shared one's words stay), `MADV_DONTFORK` leaves those pages
/// out of a `fork`'s child (its access `SIGSEGV`; the descriptor is inherited as before) until `MADV_DOFORK`, and a
/// read-ahead pattern or `MADV_DONTFORK` makes the pages an area of their own, which `mremap` cannot grow across
/// (``PosixSharedMemoryModel+Remap``).
extension PosixSharedMemoryModel {
    func adviseTransitions(_ state: State, process: Int, pages: PosixSharedMemoryMapping.Pages, advice: MemoryAdvice) -> [Transition<State, Output>] {
        if case .invalid = advice { return [Transition(.failed(.EINVAL), state)] }
        if pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
        // The harness's rule without a mapping, as msync's: the kernel's answer where nothing is mapped.
        guard var mapping = state.mappings[process]?.last else { return [Transition(pages.count == 0 ? .done : .failed(.ENOMEM), state)] }
        var next = state
        var hole = false
        var error: ErrorCode?
        for page in pages.range {
            guard mapping.isMapped(page) else {
                hole = true
                continue
            }
            if advice.refusedOnSharedMemory || ((advice == .dontNeed || advice == .remove) && mapping.locked.contains(page)) {
                error = .EINVAL
                break
            }
            switch advice {
            case .dontNeed: mapping.dropCopy(of: page)
            case .remove:
                guard !mapping.isPrivate && !mapping.readOnlyDescriptor else {
                    error = .EACCES
                    break
                }
                next.punchHole(objectPage: mapping.firstWord / PosixSharedMemoryMapping.pageWords + page)
            case .dontFork: mapping.dontFork.insert(page)
            case .doFork: mapping.dontFork.remove(page)
            case .pattern(let pattern): mapping.readPatterns[page] = pattern == .normal ? nil : pattern
            case .willNeed, .keepOnFork, .free, .wipeOnFork, .invalid: break
            }
            if error != nil { break }
        }
        next.mappings[process]![next.mappings[process]!.count - 1] = mapping
        return [Transition((error ?? (hole ? .ENOMEM : nil)).map { .failed($0) } ?? .done, next)]
    }

    /// After a `fork`: the child's mappings have no page its parent advised `MADV_DONTFORK` (the kernel does not copy
    /// such an area).
    static func leavingDontForkPages(_ transition: Transition<State, Output>, child: Int) -> Transition<State, Output> {
        var next = transition
        guard let inherited = next.state.mappings[child] else { return next }
        next.state.mappings[child] = inherited.map { mapping in
            var mapping = mapping
            for page in mapping.dontFork { mapping.clear(page) }
            return mapping
        }
        return next
    }
}

extension PosixSharedMemoryModel.State {
    /// `MADV_REMOVE` of the object's page: its words read 0 (the whole page, past the end's bytes too) and it is out
    /// of memory.
    mutating func punchHole(objectPage: Int) {
        let pageWords = PosixSharedMemoryMapping.pageWords
        words = words.filter { $0.key / pageWords != objectPage }
        if !beyondEnd(objectPage * pageWords) { residency.absent.insert(objectPage) }
    }
}

extension PosixSharedMemoryMapping.Pages {
    /// The invoke value of an `advise`: the pages and the advice.
    func json(advice: MemoryAdvice) -> JSONObject {
        var value = json()
        value["advice"] = advice.json
        return value
    }
}
