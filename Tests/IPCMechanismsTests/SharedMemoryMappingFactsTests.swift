import CIPCShims
import Foundation
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about the rest of `mmap`'s surface on a POSIX shared memory object (tmpfs, 4096-byte pages, 64-bit
/// Linux), each measured first with a C probe and then here: lengths that are not whole pages, large offsets and
/// their overflow, `MAP_FIXED`, `PROT_EXEC` and `MAP_ANONYMOUS`. The Open POSIX Test Suite's
/// conformance/interfaces/mmap tests are the checklist.
@Suite struct SharedMemoryMappingFactsTests {
    /// A mapping of `length` bytes placed at the start of a reserved `PROT_NONE` region of `reserved` pages
    /// (`MAP_FIXED` inside memory this test owns), so that the page after it is known to refuse accesses rather
    /// than be some other mapping of the process. The caller unmaps the whole region.
    static func mapInReservation(
        _ descriptor: FileDescriptor, length: Int, reserved: Int, protection: CInt = PROT_READ | PROT_WRITE
    ) throws -> (words: SharedWords, region: UnsafeMutableRawPointer) {
        let region = try #require(mmap(nil, reserved * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(region != MAP_FAILED)
        let mapped = try #require(mmap(region, length, protection, MAP_SHARED | MAP_FIXED, descriptor.rawValue, 0))
        try #require(mapped == region)
        return (SharedWords(base: region, count: reserved * 512), region)
    }

    /// Open POSIX mmap 11-x: a length that is not a multiple of the page size maps whole pages. A 100-byte mapping
    /// reaches every word of its page (words 12…511, past the length, are readable, writable, and the object's:
    /// another mapping sees them), and the next page is not mapped (`SIGSEGV`). `mprotect` and `munmap` of a
    /// length short of a page (100 bytes, 1 byte) act on the whole page.
    @Test func aLengthShortOfAPageMapsTheWholePage() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("length", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let full = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { try? PosixSharedMemory.unmap(full) }
        let (words, region) = try Self.mapInReservation(descriptor, length: 100, reserved: 2)
        defer { munmap(region, 2 * 4096) }
        try words.guardedStore(12, 5)
        try words.guardedStore(511, 6)
        #expect(full.load(12) == 5 && full.load(511) == 6)
        full.store(300, 7)
        #expect(try words.guardedLoad(300) == 7)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { _ = try words.guardedLoad(512) }
        try Syscall.protect(region, size: 100, protection: PROT_READ)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try words.guardedStore(511, 8) }
        try Syscall.protect(region, size: 1, protection: PROT_READ | PROT_WRITE)
        try words.guardedStore(511, 8)
        try Syscall.unmap(region, size: 1)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { _ = try words.guardedLoad(511) }
        #expect(full.load(511) == 8)
    }

    /// Open POSIX mmap 11-x on Linux's tmpfs: the object's partial last page. Of an object of 100 bytes, the bytes
    /// past its end in its last page read zero when it is made, a store there succeeds and is seen by every mapping
    /// of the object (one page of memory), is still there for a mapping made after the first is gone, and is part
    /// of the object once it grows (POSIX says such stores are never written out: on tmpfs the page is the object's,
    /// so they stay — as fstests generic/740 notes). The next page raises `SIGBUS`. Shrinking, or truncating to the
    /// same size, zeroes the tail again (`SharedMemoryFactsTests.ftruncateMovesWhereSIGBUSStartsAndZeroesWhatItCuts`).
    @Test func theObjectsPartialLastPageKeepsWhatIsStoredPastTheEnd() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("tail", pages: 0)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        try Syscall.truncate(descriptor, size: 100)
        let first = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        // The 100-byte mapping, reached as its whole page.
        let second = SharedWords(base: try PosixSharedMemory.map(descriptor, size: 100).base, count: 512)
        defer { try? Syscall.unmap(second.base, size: 100) }
        #expect(try [12, 13, 511].map { try first.guardedLoad($0) } == [0, 0, 0])
        try first.guardedStore(20, 5)
        #expect(try second.guardedLoad(20) == 5)  // word 20, past the 100 bytes, reached through the 100-byte mapping
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try first.guardedLoad(512) }
        try PosixSharedMemory.unmap(first)
        let later = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        defer { try? PosixSharedMemory.unmap(later) }
        #expect(try later.guardedLoad(20) == 5)
        try Syscall.truncate(descriptor, size: 8192)
        #expect(try later.guardedLoad(20) == 5 && (try later.guardedLoad(512)) == 0)
        try Syscall.truncate(descriptor, size: 100)
        #expect(try later.guardedLoad(20) == 0)
    }

    /// Open POSIX mmap 31-1 and 24-x on 64-bit Linux: offsets far past 65536 map (1 MiB, 1 GiB, 1 TiB: every access
    /// `SIGBUS` while the object is shorter; an object grown past 1 GiB is stored at offset 1 GiB), and `EOVERFLOW`
    /// comes when the offset's page plus the mapping's pages pass `MAX_LFS_FILESIZE`'s (2^63 − 1) / 4096 =
    /// 2^51 − 1 pages: offset 2^63 − 8192 maps one page but not two (nor 4097 bytes), 2^63 − 4096 not even one
    /// (nor 100 bytes); a negative offset (read as a huge unsigned one) fails `EOVERFLOW` too. The order: an
    /// unaligned offset (−100 too) `EINVAL` first, then length 0 `EINVAL`, then `EOVERFLOW` — before flags with
    /// neither `MAP_SHARED` nor `MAP_PRIVATE` (`EINVAL`) and before `EACCES`.
    @Test func largeOffsetsMapAndTheirOverflowFailsEOVERFLOW() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("offsets", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        func mapping(
            _ offset: Int, _ length: Int = 4096, flags: CInt = MAP_SHARED, protection: CInt = PROT_READ,
            of descriptor: FileDescriptor? = nil
        ) -> Result<SharedWords, Errno> {
            do {
                let address = try Syscall.map(descriptor ?? reader, size: length, protection: protection, flags: flags, offset: offset)
                return .success(SharedWords(base: address, count: max(512, length / 8)))
            } catch { return .failure(error) }
        }
        func refusal(_ offset: Int, _ length: Int = 4096, flags: CInt = MAP_SHARED, protection: CInt = PROT_READ) -> Errno? {
            switch mapping(offset, length, flags: flags, protection: protection) {
            case .success(let words):
                try? Syscall.unmap(words.base, size: length)
                return nil
            case .failure(let error): return error
            }
        }
        for offset in [1 << 20, 1 << 30, 1 << 40] {
            let words = try mapping(offset).get()
            defer { try? Syscall.unmap(words.base, size: 4096) }
            #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try words.guardedLoad(0) }
        }
        let top = Int.max & ~4095  // 2^63 − 4096
        let overflow = Errno(rawValue: EOVERFLOW)
        #expect(refusal(top) == overflow && refusal(top, 100) == overflow)
        #expect(refusal(top - 4096) == nil)
        #expect(refusal(top - 4096, 8192) == overflow && refusal(top - 4096, 4097) == overflow)
        #expect(refusal(-4096) == overflow && refusal(-(1 << 40)) == overflow)
        #expect(refusal(-100) == .invalidArgument && refusal(top + 8) == .invalidArgument)
        #expect(refusal(top, 0) == .invalidArgument)
        #expect(refusal(top, flags: 0) == overflow && refusal(top, flags: MAP_PRIVATE) == overflow)
        #expect(refusal(top, protection: PROT_READ | PROT_WRITE) == overflow)  // an O_RDONLY descriptor
        #expect(refusal(top - 4096, protection: PROT_READ | PROT_WRITE) == .permissionDenied)

        try Syscall.truncate(descriptor, size: (1 << 30) + 4096)
        let far = try mapping(1 << 30, 8192, protection: PROT_READ | PROT_WRITE, of: descriptor).get()
        defer { try? Syscall.unmap(far.base, size: 8192) }
        try far.guardedStore(3, 9)
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try far.guardedLoad(512) }
        let again = try mapping(1 << 30, of: descriptor).get()
        defer { try? Syscall.unmap(again.base, size: 4096) }
        #expect(try again.guardedLoad(3) == 9)
    }

    /// Open POSIX mmap 3-1 (`MAP_FIXED`): a `MAP_FIXED` mapping at the address of an existing mapping of the object
    /// replaces the pages it covers — the old mapping's words there become the new one's (from offset 4096, word 0
    /// reads the object's word 512; over a private mapping's copied page, the object's word, the copy gone) — and
    /// its pages past them stay. An unaligned address fails `EINVAL` before `EOVERFLOW`, `EACCES` and the flags'
    /// `EINVAL`; a refused `MAP_FIXED` (`EACCES`, `EOVERFLOW`, neither flag) leaves the old mapping. Without
    /// `MAP_FIXED` the address is a hint: an unaligned or taken one places the mapping elsewhere;
    /// `MAP_FIXED_NOREPLACE` over a taken one fails `EEXIST`. In a forked child (single-threaded, so nothing else
    /// is mapped into the hole): once the `MAP_FIXED` mapping is unmapped, the old mapping's page there is gone
    /// (`SIGSEGV`), its other page not.
    @Test func mapFixedReplacesThePagesItCovers() throws {
        try Syscall.withoutConcurrentSpawns { () throws in try mapFixedMeasured() }
    }

    func mapFixedMeasured() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fixed", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let full = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { try? PosixSharedMemory.unmap(full) }
        full.store(512, 77)
        full.store(0, 1)
        let old = try PosixSharedMemory.map(descriptor, size: 2 * 4096, writable: true, isPrivate: true)
        try old.guardedStore(0, 999)  // copies page 0
        func fixed(
            _ address: UnsafeMutableRawPointer, _ offset: Int = 0, flags: CInt = MAP_SHARED, protection: CInt = PROT_READ | PROT_WRITE,
            of file: FileDescriptor? = nil
        ) -> Errno? {
            let result = mmap(address, 4096, protection, flags | MAP_FIXED, (file ?? descriptor).rawValue, off_t(offset))
            if result == MAP_FAILED { return Errno(rawValue: errno) }
            return result == address ? nil : Errno(rawValue: 0)
        }
        let top = Int.max & ~4095
        #expect(fixed(old.base + 8) == .invalidArgument && fixed(UnsafeMutableRawPointer(bitPattern: 8)!) == .invalidArgument)
        #expect(fixed(old.base + 8, top) == .invalidArgument && fixed(old.base + 8, of: reader) == .invalidArgument)
        #expect(fixed(old.base + 8, flags: 0) == .invalidArgument)
        #expect(fixed(old.base, of: reader) == .permissionDenied && fixed(old.base, top) == Errno(rawValue: EOVERFLOW))
        #expect(fixed(old.base, flags: 0) == .invalidArgument)
        #expect(try old.guardedLoad(0) == 999)  // still the private copy
        #expect(fixed(old.base) == nil)
        #expect(try old.guardedLoad(0) == 1)  // the object's word: the copy is gone with the page
        #expect(fixed(old.base, 4096) == nil)
        #expect(try old.guardedLoad(0) == 77 && (try old.guardedLoad(512)) == 77)  // page 1: the old private one

        let hinted = try #require(mmap(old.base + 8, 4096, PROT_READ, MAP_SHARED, descriptor.rawValue, 0))
        #expect(hinted != MAP_FAILED && hinted != old.base && Int(bitPattern: hinted) % 4096 == 0)
        munmap(hinted, 4096)
        let noReplace = mmap(old.base, 4096, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, descriptor.rawValue, 0)
        #expect(noReplace == MAP_FAILED && errno == EEXIST)

        let held = SharedMemoryFactsTests.factsInChild {
            func load(_ index: Int) -> Errno? { do { _ = try old.guardedLoad(index); return nil } catch { return error } }
            var held: UInt16 = munmap(old.base, 4096) == 0 ? 1 : 0
            if load(0) == .memoryAccess(SIGSEGV) { held |= 2 }
            if load(512) == nil { held |= 4 }
            return held
        }
        #expect(held == 7, "facts held: \(held) of 7 (1 munmap, 2 SIGSEGV at page 0, 4 page 1 kept)")
        munmap(old.base, 2 * 4096)
    }

    /// `PROT_EXEC` on a POSIX object: `/dev/shm` is mounted without `noexec` here, so `PROT_READ | PROT_EXEC` maps
    /// (loads work, stores `SIGSEGV`), `PROT_READ | PROT_WRITE | PROT_EXEC` too, also from an `O_RDONLY`
    /// descriptor for `PROT_READ | PROT_EXEC`; `mprotect` adds `PROT_EXEC`, and `PROT_READ | PROT_WRITE |
    /// PROT_EXEC` on a shared mapping of an `O_RDONLY` descriptor fails `EACCES` as `PROT_WRITE` does.
    @Test func protExecIsAllowedOnAnObjectOfAnExecutableMount() throws {
        let mounts = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8).split(separator: "\n")
        let shm = try #require(mounts.first { $0.split(separator: " ").dropFirst().first == "/dev/shm" })
        #expect(!shm.contains("noexec"), "\(shm)")
        let (name, descriptor) = try SharedMemoryFactsTests.object("exec", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let full = try PosixSharedMemory.map(descriptor, size: 4096)
        defer { try? PosixSharedMemory.unmap(full) }
        full.store(1, 5)
        let readExec = SharedWords(base: try Syscall.map(descriptor, size: 4096, protection: PROT_READ | PROT_EXEC, flags: MAP_SHARED), count: 512)
        defer { try? Syscall.unmap(readExec.base, size: 4096) }
        #expect(try readExec.guardedLoad(1) == 5)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try readExec.guardedStore(1, 6) }
        let all = SharedWords(base: try Syscall.map(descriptor, size: 4096, protection: PROT_READ | PROT_WRITE | PROT_EXEC, flags: MAP_SHARED), count: 512)
        defer { try? Syscall.unmap(all.base, size: 4096) }
        try all.guardedStore(1, 6)
        #expect(full.load(1) == 6)
        let ofReader = try Syscall.map(reader, size: 4096, protection: PROT_READ | PROT_EXEC, flags: MAP_SHARED)
        defer { try? Syscall.unmap(ofReader, size: 4096) }
        #expect(throws: Errno.permissionDenied) { try Syscall.protect(ofReader, size: 4096, protection: PROT_READ | PROT_WRITE | PROT_EXEC) }
        try Syscall.protect(full.base, size: 4096, protection: PROT_READ | PROT_EXEC)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try full.guardedStore(1, 7) }
        try Syscall.protect(full.base, size: 4096, protection: PROT_READ | PROT_WRITE)
    }

    /// `MAP_ANONYMOUS | MAP_SHARED`: memory of no object, shared with the children forked after it (a forked
    /// child's store is read by the parent once it is reaped); the descriptor and offset are ignored.
    @Test func anAnonymousSharedMappingIsSharedWithAForkedChild() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let base = try #require(mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))
            try #require(base != MAP_FAILED)
            defer { munmap(base, 4096) }
            let words = SharedWords(base: base, count: 512)
            let child = fork()
            if child == 0 {
                // Only C here (a child forked from a threaded process must not enter the Swift runtime).
                var previous: UInt64 = 0
                _exit(ipc_guarded_word(CInt(IPC_WORD_STORE.rawValue), base.assumingMemoryBound(to: UInt64.self), 42, &previous))
            }
            var status: CInt = 0
            #expect(waitpid(child, &status, 0) == child)
            #expect(words.load(0) == 42)
            let ignoring = try #require(mmap(nil, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, 999, 4096))
            #expect(ignoring != MAP_FAILED)
            munmap(ignoring, 4096)
        }
    }
}
