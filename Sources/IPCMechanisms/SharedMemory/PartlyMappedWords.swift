import Glibc
import IPCSyscalls
import SystemPackage

/// A mapping of shared words from which `munmap` may have taken pages, which nothing touches again: once a page is
/// gone, another mapping of this process (a thread's stack, `malloc`'s) may be put there, so an access, `mprotect`
/// or `munmap` reaching it would act on memory that is not this mapping's. Where it meets a hole it answers as the
/// kernel does — measured in a single-threaded child (`SharedMemoryFactsTests`): an access raises `SIGSEGV`,
/// `mprotect` fails `ENOMEM` after changing the pages before the hole, and `munmap` of what is gone succeeds.
public struct PartlyMappedWords: Sendable {
    public static let pageSize = 4096
    public let words: SharedWords
    /// The pages `munmap` took.
    public private(set) var holes: Set<Int> = []

    public init(_ words: SharedWords) { self.words = words }

    /// `words`, of which only the first `mappedPages` pages were mapped (a length shorter than the words): the
    /// rest are holes from the start — whatever lies there is not this mapping's.
    public init(_ words: SharedWords, mappedPages: Int) {
        self.words = words
        holes = Set(mappedPages..<max(mappedPages, pageCount))
    }

    var pageCount: Int { (words.count * 8 + Self.pageSize - 1) / Self.pageSize }

    /// The words, for an access to word `index`, or `SIGSEGV` when its page is gone.
    public func words(reaching index: Int) throws(Errno) -> SharedWords {
        if holes.contains(index * 8 / Self.pageSize) { throw .memoryAccess(SIGSEGV) }
        return words
    }

    func address(ofPage page: Int, unaligned: Bool) -> UnsafeMutableRawPointer {
        words.base + page * Self.pageSize + (unaligned ? 8 : 0)
    }

    /// The bytes a call on pages `run` (within `count` pages from `first`) gives the kernel: whole pages, but
    /// the call's own `length` where the run ends the range (the kernel rounds it up to the page).
    func size(of run: Range<Int>, first: Int, count: Int, length: Int?) -> Int {
        guard let length, run.upperBound == first + count else { return run.count * Self.pageSize }
        return length - (run.lowerBound - first) * Self.pageSize
    }

    /// `munmap` of `count` pages from `first` (at an address 8 bytes into the page with `unaligned`; of `length`
    /// bytes, reaching into the last page, when given): the pages still mapped go, one run at a time.
    public mutating func unmap(first: Int, count: Int, unaligned: Bool = false, length: Int? = nil) throws(Errno) {
        if unaligned || count == 0 {
            // The kernel refuses these (EINVAL) before looking at what is mapped.
            try Syscall.unmap(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize)
            return
        }
        for run in runs(first..<first + count) {
            try Syscall.unmap(address(ofPage: run.lowerBound, unaligned: false), size: size(of: run, first: first, count: count, length: length))
            holes.formUnion(run)
        }
    }

    /// `mprotect` of `count` pages from `first` (of `length` bytes when given): up to the first hole, which then
    /// fails `ENOMEM`.
    public func protect(first: Int, count: Int, unaligned: Bool = false, length: Int? = nil, protection: CInt) throws(Errno) {
        if unaligned || count == 0 {
            try Syscall.protect(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize, protection: protection)
            return
        }
        let end = (first..<first + count).first { holes.contains($0) } ?? first + count
        if end > first {
            let run = first..<end
            try Syscall.protect(address(ofPage: first, unaligned: false), size: size(of: run, first: first, count: count, length: length), protection: protection)
        }
        if end < first + count { throw .noMemory }
    }

    /// `msync` of `count` pages from `first` (of `length` bytes when given) with `flags`: refused flags, an unaligned
    /// address and no pages go to the kernel as they are; otherwise each run of pages still mapped is synced, and a
    /// hole among them fails `ENOMEM` afterwards — as the kernel does, which syncs past a hole and then reports it
    /// (measured); a page past the length is such a hole (the worker never touches memory that is not the mapping's).
    public func sync(first: Int, count: Int, unaligned: Bool = false, length: Int? = nil, flags: CInt) throws(Errno) {
        let known = MS_SYNC | MS_ASYNC | MS_INVALIDATE
        if unaligned || count == 0 || flags & ~known != 0 || (flags & MS_SYNC != 0 && flags & MS_ASYNC != 0) {
            try Syscall.sync(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize, flags: flags)
            return
        }
        try eachMappedRun(first: first, count: count, length: length) { (address, size) throws(Errno) in try Syscall.sync(address, size: size, flags: flags) }
    }

    /// `mlock` (`mlock2` with `flags`) or, `locking` false, `munlock` of the pages `length` bytes from page `first`
    /// reach (from 8 bytes into it with `unaligned`, which the kernel rounds down; `count` whole pages without a
    /// length): the pages up to the first hole are given to the kernel, and a hole fails `ENOMEM` afterwards — the
    /// kernel too locks (or unlocks) up to the first page not mapped, then fails (measured). `mlock2`'s unknown flags
    /// go to the kernel as they are (`EINVAL` before anything).
    public func lock(_ locking: Bool, first: Int, count: Int, unaligned: Bool = false, length: Int? = nil, flags: CUnsignedInt? = nil) throws(Errno) {
        if let flags, flags & ~1 != 0 {  // other than MLOCK_ONFAULT
            try Syscall.lockMemory(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize, flags: flags)
            return
        }
        let bytes = (unaligned ? 8 : 0) + (length ?? count * Self.pageSize)
        let pages = first..<first + (bytes + Self.pageSize - 1) / Self.pageSize
        let end = pages.first { $0 >= pageCount || holes.contains($0) } ?? pages.upperBound
        if end > first {
            let (address, size) = (address(ofPage: first, unaligned: false), (end - first) * Self.pageSize)
            if locking { try Syscall.lockMemory(address, size: size, flags: flags) } else { try Syscall.unlockMemory(address, size: size) }
        }
        if end < pages.upperBound { throw .noMemory }
    }

    /// Whether `pages` are all this mapping's still (none gone, none past its length): what a `MAP_FIXED` mapping
    /// may replace without touching memory that is not this mapping's.
    public func maps(_ pages: Range<Int>) -> Bool {
        pages.upperBound <= pageCount && !pages.contains { holes.contains($0) }
    }

    /// Whether any of `pages` is still mapped here.
    public func mapsAny(_ pages: Range<Int>) -> Bool {
        pages.contains { $0 < pageCount && !holes.contains($0) }
    }

    /// `pages` now belong to a `MAP_FIXED` mapping put over them: from here on they are as gone.
    public mutating func lose(_ pages: Range<Int>) {
        holes.formUnion(pages)
    }

    /// Where an `mmap` is asked to put its mapping.
    public enum Placement: Sendable {
        /// No address: the kernel chooses.
        case none
        /// An unaligned hint 8 bytes into the newest mapping, without `MAP_FIXED`.
        case hint
        /// `MAP_FIXED` (or, with `noReplace`, `MAP_FIXED_NOREPLACE`) at the newest mapping.
        case atNewest(noReplace: Bool)
        /// The same 8 bytes into it (or into page 1 with none): refused before anything is looked at (measured), so
        /// safe anywhere.
        case unaligned(noReplace: Bool)
        /// The same at a free place (``FreeAddress``).
        case free(noReplace: Bool)

        /// The placement a trace's `"address"` names (the posix-shm model's `Address`, by its raw value: this
        /// layer does not see the models), none for nil; nil for a name it does not know.
        public init?(address: String?) {
            switch address {
            case nil: self = .none
            case "hint": self = .hint
            case "fixed": self = .atNewest(noReplace: false)
            case "noreplace": self = .atNewest(noReplace: true)
            case "fixed-unaligned": self = .unaligned(noReplace: false)
            case "noreplace-unaligned": self = .unaligned(noReplace: true)
            case "fixed-free": self = .free(noReplace: false)
            case "noreplace-free": self = .free(noReplace: true)
            default: return nil
            }
        }
    }

    /// `mmap` of `length` bytes (`pages`) of `descriptor` at `placement`, relative to `newest`, the process's newest
    /// mapping: `MAP_FIXED` there only over pages still its own, and `MAP_FIXED_NOREPLACE` only where one of them
    /// still is (so that it fails `EEXIST`); else `EFAULT` without calling — anything else there may be memory of
    /// the process, or nothing. At a free place `MAP_FIXED` replaces a reservation of this process's own (nothing
    /// else can be there, and a refused call leaves it, which is then unmapped), and `MAP_FIXED_NOREPLACE` is tried
    /// again at a fresh place when another thread took the place first (``FreeAddress/attempt(_:_:raced:)``).
    public static func map(
        _ descriptor: FileDescriptor, length: Int, protection: CInt, flags: CInt, offset: Int,
        at placement: Placement, over newest: PartlyMappedWords?, pages: Range<Int>
    ) throws(Errno) -> UnsafeMutableRawPointer {
        func map(at address: UnsafeMutableRawPointer?, _ extra: CInt) throws(Errno) -> UnsafeMutableRawPointer {
            try Syscall.map(descriptor, size: length, protection: protection, flags: flags | extra, offset: offset, at: address)
        }
        let base = newest?.words.base
        switch placement {
        case .none: return try map(at: nil, 0)
        case .hint: return try map(at: base.map { $0 + 8 }, 0)
        case .unaligned(let noReplace):
            return try map(at: (base ?? UnsafeMutableRawPointer(bitPattern: pageSize)!) + 8, noReplace ? MAP_FIXED_NOREPLACE : MAP_FIXED)
        case .free(false):
            let bytes = pages.count * pageSize
            let reserved = try FreeAddress.reservation(bytes)
            do throws(Errno) { return try map(at: reserved, MAP_FIXED) } catch {
                munmap(reserved, bytes)
                throw error
            }
        case .free(true):
            return try FreeAddress.attempt(pages.count * pageSize, { (place) throws(Errno) in try map(at: place, MAP_FIXED_NOREPLACE) },
                raced: { $0 == .fileExists })
        case .atNewest(false):
            guard let newest, newest.maps(pages) else { return try refusedBeforeTheAddress() }
            return try map(at: newest.words.base, MAP_FIXED)
        case .atNewest(true):
            guard let newest, newest.mapsAny(pages) else { return try refusedBeforeTheAddress() }
            return try map(at: newest.words.base, MAP_FIXED_NOREPLACE)
        }

        /// A call the kernel refuses before it looks at the address — an unaligned offset, length 0, `MAP_HUGETLB`
        /// of a descriptor not on hugetlbfs (measured, `SharedMemoryMapFlagsFactsTests`) — is made without one, so
        /// the trace shows the kernel's `EINVAL`; any other is the worker's `EFAULT`, uncalled.
        func refusedBeforeTheAddress() throws(Errno) -> UnsafeMutableRawPointer {
            guard offset % pageSize != 0 || length == 0 || flags & MAP_HUGETLB != 0 else { throw .badAddress }
            let placed = try map(at: nil, 0)
            munmap(placed, length)
            throw .badAddress
        }
    }

    /// `mmap`'s and `mprotect`'s bits: `PROT_NONE` unless `readable`, else `PROT_READ` with `PROT_WRITE` and
    /// `PROT_EXEC` as asked.
    public static func protection(readable: Bool, writable: Bool, executable: Bool) -> CInt {
        guard readable else { return PROT_NONE }
        return PROT_READ | (writable ? PROT_WRITE : 0) | (executable ? PROT_EXEC : 0)
    }

    /// `munmap` of whatever is still mapped.
    public mutating func unmapAll() throws(Errno) {
        try unmap(first: 0, count: pageCount)
    }

    /// The runs of pages in `pages` that are still mapped.
    func runs(_ pages: Range<Int>) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for page in pages.lowerBound...pages.upperBound {
            let mapped = page < pages.upperBound && !holes.contains(page)
            if mapped, start == nil { start = page }
            if !mapped, let begun = start {
                runs.append(begun..<page)
                start = nil
            }
        }
        return runs
    }
}
