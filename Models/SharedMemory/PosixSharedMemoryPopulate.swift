/// What faulting a private mapping's pages in does, as this kernel does it (measured, `SharedMemoryPopulateFactsTests`,
/// a C probe): `populate_vma_page_range` faults a *writable* private mapping's pages in for writing, which breaks
/// copy-on-write — each page becomes the mapping's own copy of the object's words then, as a first store would make it,
/// and stops following the object. So do `mlock` and `mlock2` without `MLOCK_ONFAULT`, `mlockall(MCL_CURRENT)` without
/// `MCL_ONFAULT`, `MAP_LOCKED`, `MAP_POPULATE`, a mapping made under `mlockall(MCL_FUTURE)` without `MCL_ONFAULT`, and
/// `mprotect` adding `PROT_WRITE` to pages locked without `MLOCK_ONFAULT` (`mprotect_fixup` populates a locked private
/// area that becomes writable). A read-only private mapping, a shared one, and pages locked on fault are not touched.
/// A page that cannot be faulted in — `PROT_NONE`, or wholly beyond the object's end — is not copied: `mlock` stops
/// there (its `ENOMEM`), the others go on past it (their errors are ignored).
extension PosixSharedMemoryMapping {
    /// Copies `page` from the object's `objectWords`, as a private mapping's first store to it does.
    mutating func copyPage(_ page: Int, from objectWords: [Int: Int64]) {
        let start = page * Self.pageWords
        for index in start..<start + Self.pageWords {
            if let word = objectWords[firstWord + index] { privateWords[index] = word }
        }
        copied.insert(page)
    }

    /// Faults `pages` in, in order: a writable private mapping copies each page that can be faulted in; one that
    /// cannot (`PROT_NONE`, unmapped, or wholly beyond the end) ends it when `stopping` (`mlock`), else is passed over.
    mutating func populate(_ pages: some Sequence<Int>, objectWords: [Int: Int64], beyondEnd: (Int) -> Bool, stopping: Bool) {
        guard isPrivate else { return }
        for page in pages {
            let protection = page < self.pages.count ? self.pages[page] : nil
            let faultable = protection != nil && protection != PosixSharedMemoryMapping.Protection.none && !beyondEnd(firstWord + page * Self.pageWords)
            guard faultable else {
                if stopping { return }
                continue
            }
            if protection!.writes && !copied.contains(page) { copyPage(page, from: objectWords) }
        }
    }
}

extension PosixSharedMemoryModel.State {
    /// `populate` of `pages` of `mapping`, against this object's words and end.
    func populated(_ mapping: PosixSharedMemoryMapping, _ pages: some Sequence<Int>, stopping: Bool) -> PosixSharedMemoryMapping {
        var mapping = mapping
        mapping.populate(pages, objectWords: words, beyondEnd: beyondEnd, stopping: stopping)
        return mapping
    }
}
