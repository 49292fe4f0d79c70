/// One `mmap` of a POSIX shared memory object, as the process holding it sees it: which of its pages are still
/// mapped and with what protection, whether it is private, where in the object it starts, and — private — the
/// pages it has copied by storing to them.
///
/// Each rule is a measurement (`SharedMemoryFactsTests`): a private mapping reads the object's words, changing as
/// other mappings store, until its first store to a page copies that page; from then the page is its own (the
/// object's later stores do not show; its own never reach the object). A shrink wholly past a copied page drops
/// the copy (the page raises `SIGBUS`, and once the object grows again reads and follows the object); the last,
/// partly kept page keeps its copy whole.
public struct PosixSharedMemoryMapping: Hashable, Sendable {
    /// A page's `mmap`/`mprotect` protection.
    public enum Protection: String, Hashable, Sendable, CaseIterable {
        /// `PROT_NONE`: loads and stores alike raise `SIGSEGV`.
        case none
        /// `PROT_READ`: stores raise `SIGSEGV`.
        case read
        case readWrite = "read-write"
        /// `PROT_READ | PROT_EXEC` and `PROT_READ | PROT_WRITE | PROT_EXEC`: as without `PROT_EXEC` for word
        /// accesses (measured: allowed on `/dev/shm`, which is not mounted `noexec` here).
        case readExec = "read-exec"
        case readWriteExec = "read-write-exec"

        public var writes: Bool { self == .readWrite || self == .readWriteExec }
        public var executes: Bool { self == .readExec || self == .readWriteExec }

        func allows(writing: Bool) -> Bool { self != .none && (writes || !writing) }
    }

    /// Words in a page (4096 bytes).
    public static let pageWords = PosixSharedMemoryModel.pageSize / 8

    /// The descriptor it came from is `O_RDONLY`: `ftruncate` through it fails `EINVAL`, and `PROT_WRITE` on a
    /// shared mapping of it `EACCES` (at `mmap` and at `mprotect`).
    public var readOnlyDescriptor: Bool
    /// `MAP_PRIVATE` (copy-on-write) rather than `MAP_SHARED`.
    public var isPrivate: Bool
    /// The descriptor's own `FD_CLOEXEC`: `shm_open` sets it (glibc adds `O_CLOEXEC`), `F_SETFD` changes it; nil
    /// for a descriptor the setup gives, which may have come through `exec` or `SCM_RIGHTS` (the harness's workers
    /// receive theirs clear) until a call shows it.
    public var closeOnExec: Bool? = true
    /// The descriptor is still open: a `close` of it leaves the mapping, which keeps the object (Open POSIX mmap
    /// 12-1), working as before.
    public var descriptorOpen = true
    /// The descriptor's open file description's `F_GETFL` flags (``PosixSharedMemoryModel/StatusFlags``); nil for a
    /// descriptor the setup gives, which are not known.
    public var statusFlags: PosixSharedMemoryModel.StatusFlags?
    /// Which open file description the descriptor is: the copies `fork` makes share their parent's (0: the setup's).
    public var openFileDescription = 0
    /// The description's file offset (``PosixSharedMemoryModel+DescriptorIO``): 0 after `shm_open`; a descriptor the
    /// setup gives has one not known, and the calls that use it are refused.
    public var fileOffset = 0
    /// The object's word at the mapping's word 0: `mmap`'s offset / 8.
    public var firstWord: Int
    /// Each page's protection, nil once `munmap` took it (an access there raises `SIGSEGV`).
    public var pages: [Protection?]
    /// The pages a private mapping has copied, and the copies' words (by mapping word; zeros left out).
    public var copied: Set<Int> = []
    public var privateWords: [Int: Int64] = [:]
    /// The pages `mlock` or `mlockall` locked (``PosixSharedMemoryModel+Lock``): `msync`'s `MS_INVALIDATE` over one
    /// fails `EBUSY`.
    public var locked: Set<Int> = []
    /// The locked pages whose lock was made on fault (`MLOCK_ONFAULT`, `MCL_ONFAULT`): never populated
    /// (``PosixSharedMemoryMapping/populate(_:objectWords:beyondEnd:stopping:)``).
    public var lockedOnFault: Set<Int> = []
    /// The pages advised `MADV_DONTFORK` (``PosixSharedMemoryModel+Advice``): a `fork`'s child does not get them.
    public var dontFork: Set<Int> = []
    /// The pages advised `MADV_RANDOM` or `MADV_SEQUENTIAL` (an area of their own to the kernel).
    public var readPatterns: [Int: MemoryAdvice.ReadPattern] = [:]

    /// A mapping of `length` bytes (`words` words unless given) in the range of `words` words: the pages past the
    /// length, as many as reach the `words`, are as if unmapped (the worker never touches them: `SIGSEGV`).
    public init(
        words: Int, length: Int? = nil, protection: Protection, readOnlyDescriptor: Bool = false, isPrivate: Bool = false,
        firstWord: Int = 0
    ) {
        self.readOnlyDescriptor = readOnlyDescriptor
        self.isPrivate = isPrivate
        self.firstWord = firstWord
        let mapped = length.map { ($0 + PosixSharedMemoryModel.pageSize - 1) / PosixSharedMemoryModel.pageSize } ?? Self.pageCount(words: words)
        let range = max(mapped, Self.pageCount(words: words))
        self.pages = Array(repeating: protection, count: mapped) + Array(repeating: nil, count: range - mapped)
    }

    static func pageCount(words: Int) -> Int { (words + pageWords - 1) / pageWords }

    /// The range of a mapping's pages an `mprotect` or a partial `munmap` names: `count` pages from `first`, or an
    /// address inside a page (`unaligned`, which both refuse with `EINVAL`). Given as a `length` in bytes, the
    /// pages it reaches into, the last one partly asked for included (measured: both calls round up).
    public struct Pages: Hashable, Sendable {
        public var first: Int
        public var count: Int
        public var unaligned: Bool
        /// The byte length the call gives, when not whole pages.
        public var length: Int?

        public init(first: Int = 0, count: Int, unaligned: Bool = false) {
            self.first = first
            self.count = count
            self.unaligned = unaligned
        }

        public init(first: Int = 0, length: Int, unaligned: Bool = false) {
            self.init(first: first, count: (length + pageWords * 8 - 1) / (pageWords * 8), unaligned: unaligned)
            self.length = length
        }

        var range: Range<Int> { first..<first + count }
    }

    /// `mprotect`: `EINVAL` for an unaligned address, success for no pages; `ENOMEM` when the first page is not
    /// mapped; `EACCES` for `PROT_WRITE` on a shared mapping of an `O_RDONLY` descriptor; otherwise the pages change
    /// one by one until one is not mapped, which fails `ENOMEM` with the pages before it changed (measured).
    mutating func protect(_ pages: Pages, _ protection: Protection) -> ErrorCode? {
        if pages.unaligned { return .EINVAL }
        if pages.count == 0 { return nil }
        if self.pages[pages.first] == nil { return .ENOMEM }
        if protection.writes && readOnlyDescriptor && !isPrivate { return .EACCES }
        for page in pages.range {
            guard self.pages[page] != nil else { return .ENOMEM }
            self.pages[page] = protection
        }
        return nil
    }

    /// The pages of `pages` a `protect` to `protection` makes writable that are locked (not on fault): a private
    /// mapping populates them (``populate(_:objectWords:beyondEnd:stopping:)``).
    func lockedPagesMadeWritable(_ pages: Pages, _ protection: Protection) -> [Int] {
        guard protection.writes, !pages.unaligned else { return [] }
        return pages.range.filter { $0 < self.pages.count && locked.contains($0) && !lockedOnFault.contains($0) && self.pages[$0]?.writes == false }
    }

    /// A partial `munmap`: `EINVAL` for an unaligned address or no pages; otherwise the pages go (any already gone
    /// too: unmapping nothing succeeds), with their private copies.
    mutating func unmap(_ pages: Pages) -> ErrorCode? {
        if pages.unaligned || pages.count == 0 { return .EINVAL }
        for page in pages.range {
            self.pages[page] = nil
            locked.remove(page)
            lockedOnFault.remove(page)
            dropCopy(of: page)
        }
        return nil
    }

    /// Whether `pages` are all still mapped here (none unmapped, none past the length): what a `MAP_FIXED` mapping
    /// may replace (the worker's rule).
    func maps(_ pages: Range<Int>) -> Bool {
        pages.upperBound <= self.pages.count && !pages.contains { self.pages[$0] == nil }
    }

    /// Whether any of `pages` is still mapped here: what makes a `MAP_FIXED_NOREPLACE` mapping there fail `EEXIST`.
    func mapsAny(_ pages: Range<Int>) -> Bool {
        pages.contains { $0 < self.pages.count && self.pages[$0] != nil }
    }

    /// `pages` replaced by a `MAP_FIXED` mapping: from here on as unmapped, their copies gone.
    mutating func lose(_ pages: Range<Int>) {
        for page in pages {
            self.pages[page] = nil
            locked.remove(page)
            lockedOnFault.remove(page)
            dropCopy(of: page)
        }
    }

    mutating func dropCopy(of page: Int) {
        guard copied.remove(page) != nil else { return }
        privateWords = privateWords.filter { $0.key / Self.pageWords != page }
    }
}

extension PosixSharedMemoryModel.State {
    /// An access through `process`'s newest mapping: `SIGSEGV` where the page is unmapped or its protection
    /// refuses it; a private copy's words if the page has one; `SIGBUS` in a page wholly beyond the object's end
    /// (counted from the mapping's offset); a private mapping's first store to a page copies it; otherwise the
    /// object's words.
    mutating func access(_ access: WordAccess, by process: Int) -> PosixSharedMemoryModel.Output {
        guard name.holders.contains(process), var mapping = mappings[process]?.last else { return .failed(.EFAULT) }
        let page = access.index / PosixSharedMemoryMapping.pageWords
        guard let protection = mapping.pages[page], protection.allows(writing: access.writes) else {
            return .failed(.SIGSEGV)
        }
        if !mapping.copied.contains(page) {
            if beyondEnd(mapping.firstWord + access.index) { return .failed(.SIGBUS) }
            guard mapping.isPrivate && access.writes else {
                let (result, next) = access.shifted(by: mapping.firstWord).apply(to: words)
                words = next
                return .accessed(result)
            }
            mapping.copyPage(page, from: words)
        }
        let (result, written) = access.apply(to: mapping.privateWords)
        mapping.privateWords = written
        mappings[process]![mappings[process]!.count - 1] = mapping
        return .accessed(result)
    }

    /// After `ftruncate`: every private copy of a page wholly beyond the new end is dropped.
    mutating func dropCopiesBeyondEnd() {
        for (process, held) in mappings {
            mappings[process] = held.map { mapping in
                var mapping = mapping
                let pageWords = PosixSharedMemoryMapping.pageWords
                for page in mapping.copied where beyondEnd(mapping.firstWord + page * pageWords) {
                    mapping.dropCopy(of: page)
                }
                return mapping
            }
        }
    }

}

extension WordAccess {
    /// The same access to the word `offset` further on.
    func shifted(by offset: Int) -> WordAccess {
        switch self {
        case .load(let index): .load(index: index + offset)
        case .store(let index, let value): .store(index: index + offset, value: value)
        case .add(let index, let delta): .add(index: index + offset, delta: delta)
        }
    }

    /// The access on sparse words (absent reads as 0; zeros are left out).
    func apply(to words: [Int: Int64]) -> (output: WordResult, words: [Int: Int64]) {
        var next = words
        let old = words[index] ?? 0
        switch self {
        case .load: return (.value(old), words)
        case .store(_, let value): next[index] = value == 0 ? nil : value
        case .add(_, let delta):
            let new = old &+ delta
            next[index] = new == 0 ? nil : new
            return (.value(old), next)
        }
        return (.stored, next)
    }
}
