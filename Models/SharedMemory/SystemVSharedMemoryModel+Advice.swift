/// `madvise` and `mincore` of pages of a process's newest attachment, as measured (`SharedMemoryAdviceFactsTests`,
/// `SharedMemoryResidencyFactsTests`, C probes first), as posix-shm's (``PosixSharedMemoryModel+Advice``,
/// ``PosixSharedMemoryModel+Residency``) for a shared mapping: `MADV_REMOVE` zeroes the segment's pages for every
/// attachment (`EACCES` through an `SHM_RDONLY` one; a segment under `SHM_LOCK` too is punched — only `mlock`, which
/// this model has not, refuses it), `MADV_DONTNEED` keeps the words, `MADV_FREE` and `MADV_WIPEONFORK` fail `EINVAL`.
/// `MADV_DONTFORK` is refused: the model's `fork` copies every attachment and keeps no pages of one. The pages the
/// trace names are the attachment's (the segment's whole pages); past them the worker's rule is a page not mapped.
extension SystemVSharedMemoryModel {
    /// The pages an attachment of `state`'s segment spans (the trace's pages are bounded by its setup's words).
    static func attachedPages(_ state: State) -> Int { pages(ofBytes: state.size) }

    func adviseTransitions(_ state: State, process: Int, pages: PosixSharedMemoryMapping.Pages, advice: MemoryAdvice) -> [Transition<State, Output>] {
        if case .invalid = advice { return [Transition(.failed(.EINVAL), state)] }
        if pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
        guard let readOnly = state.readOnly[process]?.last else { return [Transition(pages.count == 0 ? .done : .failed(.ENOMEM), state)] }
        if pages.count == 0 { return [Transition(.done, state)] }
        let attached = 0..<Self.attachedPages(state)
        let mapped = pages.range.clamped(to: attached)
        let hole = mapped.count < pages.count
        if mapped.isEmpty { return [Transition(.failed(.ENOMEM), state)] }
        if advice.refusedOnSharedMemory { return [Transition(.failed(.EINVAL), state)] }
        var next = state
        if advice == .remove {
            if readOnly { return [Transition(.failed(.EACCES), state)] }
            let perPage = Self.pageSize / 8
            for page in mapped {
                for index in page * perPage..<(page + 1) * perPage where index < next.words.count { next.words[index] = 0 }
                next.tail = next.tail.filter { $0.key / perPage != page }
                next.residency.absent.insert(page)
            }
        }
        return [Transition(hole ? .failed(.ENOMEM) : .done, next)]
    }

    func residencyTransitions(_ state: State, process: Int, pages: PosixSharedMemoryMapping.Pages) -> [Transition<State, Output>] {
        if pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
        guard state.readOnly[process]?.last != nil else { return [Transition(pages.count == 0 ? .residency([]) : .failed(.ENOMEM), state)] }
        guard pages.range.upperBound <= Self.attachedPages(state) else { return [Transition(.failed(.ENOMEM), state)] }
        return [Transition(.residency(pages.range.map { state.residency.absent.contains($0) ? .absent : .either }), state)]
    }

    /// The segment's bookkeeping of pages known out after `input` took `before` to `transition`'s state: a segment
    /// made in the trace has no page in memory; an access may fault its page in; the calls that fault nothing in
    /// keep what is known, any other forgets it.
    func noteResidency(_ transition: Transition<State, Output>, _ input: Input, before: State) -> Transition<State, Output> {
        var next = transition
        if !before.created && next.state.created {
            next.state.residency.absent = Set(0..<min(Self.attachedPages(next.state), Self.trackedWords / (Self.pageSize / 8)))
            return next
        }
        switch input {
        case .access(_, let access): next.state.residency.touch(access.index / (Self.pageSize / 8))
        case .status, .statusAtIndex, .info, .setPermissions, .remove, .detach, .attach, .attachAt, .fork, .exit, .setMemoryLockLimit, .invalid,
            .advise, .residency, .remap, .get:
            break
        default: next.state.residency.forget()
        }
        return next
    }
}

extension SystemVSharedMemoryModel {
    /// The trace's `advise`, `residency` and `remap`: pages of the attachment (as posix-shm's, within the setup's
    /// pages); `MADV_DONTFORK` and `MADV_DOFORK` refused.
    static func pageInput(_ call: Call, setup: Setup?) throws(ModelError) -> Input {
        if call.f == "remap" { return .remap(process: call.process, try remap(call, setup: setup)) }
        let pageCount = wordsReached(setup?.words ?? 0) / (pageSize / 8)
        let first = try call.value.optional("page")?.integer("page", in: 0...max(0, pageCount - 1)) ?? 0
        let unaligned = try call.value.optional("unaligned")?.boolean("unaligned") ?? false
        let pages: PosixSharedMemoryMapping.Pages
        if let length = try call.value.optional("length")?.integer("length", in: 0...(pageCount - first) * pageSize) {
            pages = PosixSharedMemoryMapping.Pages(first: first, length: length, unaligned: unaligned)
        } else {
            pages = PosixSharedMemoryMapping.Pages(
                first: first, count: try call.value.optional("pages")?.integer("pages", in: 0...pageCount - first) ?? pageCount - first, unaligned: unaligned)
        }
        guard call.f == "advise" else { return .residency(process: call.process, pages) }
        let advice = try MemoryAdvice.parse(call.value, model: name)
        if advice == .dontFork || advice == .doFork {
            throw ModelError("the sysv-shm model does not judge \(advice.name): its fork copies every attachment, and it keeps no pages of one")
        }
        return .advise(process: call.process, pages, advice)
    }
}
