/// `mincore` of pages of a process's newest mapping, as measured (`SharedMemoryResidencyFactsTests`, a C probe first;
/// LTP `mincore01`–`04` as the checklist): `EINVAL` for an unaligned address, no pages succeed with nothing, a page
/// not mapped in the range `ENOMEM`; otherwise one answer a page — whether the object's page is in memory (the page
/// cache: a `PROT_NONE` page too), or for a private mapping's copied page whether its copy is. ``PageResidency``
/// says what is sure: a page past the object's end is out; so is one the trace saw removed (`MADV_REMOVE`), cut off
/// by `ftruncate`, or added by a growing `ftruncate`, until a call may fault it in; anything else may read either
/// (swap). The bookkeeping keeps "out" only across the calls it knows fault nothing in (``residencyKept(by:)``):
/// any other call — one added later too — forgets it, which can only allow more.
extension PosixSharedMemoryModel {
    func residencyTransitions(_ state: State, process: Int, pages: PosixSharedMemoryMapping.Pages) -> [Transition<State, Output>] {
        if pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
        // The harness's rule without a mapping, as msync's: the kernel's answer where nothing is mapped.
        guard let mapping = state.mappings[process]?.last else { return [Transition(pages.count == 0 ? .residency([]) : .failed(.ENOMEM), state)] }
        guard pages.range.allSatisfy(mapping.isMapped) else { return [Transition(.failed(.ENOMEM), state)] }
        return [Transition(.residency(pages.range.map { state.residency(of: $0, in: mapping) }), state)]
    }

    /// The object's bookkeeping of pages known out after `input` took `before` to `transition`'s state.
    func noteResidency(_ transition: Transition<State, Output>, _ input: Input, before: State) -> Transition<State, Output> {
        var next = transition
        let pageWords = PosixSharedMemoryMapping.pageWords
        switch input {
        case .access(let process, let access):
            if let mapping = before.mappings[process]?.last { next.state.residency.touch((mapping.firstWord + access.index) / pageWords) }
        case .truncate:
            // Pages cut off are out (past the end: none is kept); pages a growing ftruncate adds are holes. Only those
            // some mapping reaches are written down (the model never allocates by a trace's size).
            let (oldPages, newPages) = (Self.pages(ofBytes: before.size), Self.pages(ofBytes: next.state.size))
            next.state.residency.absent = next.state.residency.absent.filter { $0 < newPages }
            if newPages > oldPages {
                for mapping in next.state.mappings.values.joined() {
                    let first = mapping.firstWord / pageWords
                    next.state.residency.absent.formUnion((first..<first + mapping.pages.count).clamped(to: oldPages..<newPages))
                }
            }
        case .remap(let process, _):
            // A locked area grown or copied is faulted in.
            if before.mappings[process]?.last?.locked.isEmpty == false { next.state.residency.forget() }
        default:
            if !Self.residencyKept(by: input) { next.state.residency.forget() }
        }
        return next
    }

    /// The calls that fault no page of the object in (measured: `MADV_WILLNEED`, `MADV_DONTNEED`, `msync`, `fork`
    /// leave a page out; `mlock`, `MAP_POPULATE`, `MADV_POPULATE_*` bring it in).
    static func residencyKept(by input: Input) -> Bool {
        switch input {
        case .stat, .descriptorFlags, .statusFlags, .umask, .unlink, .close, .sync, .residency, .advise, .unmap, .unmapPages, .fork,
            .setFileSizeLimit, .setMemoryLockLimit, .changeMode, .changeOwner, .exit:
            true
        default: false
        }
    }

    static func pages(ofBytes bytes: Int) -> Int { bytes / pageSize + (bytes % pageSize == 0 ? 0 : 1) }
}

extension PosixSharedMemoryModel.State {
    /// `mincore`'s answer for `page` of `mapping`: a private copy may be swapped out; the object's page is out past
    /// the end and where known out, and may be in or out otherwise.
    func residency(of page: Int, in mapping: PosixSharedMemoryMapping) -> PageResidency.Answer {
        if mapping.copied.contains(page) { return .either }
        let word = mapping.firstWord + page * PosixSharedMemoryMapping.pageWords
        if beyondEnd(word) || residency.absent.contains(word / PosixSharedMemoryMapping.pageWords) { return .absent }
        return .either
    }
}
