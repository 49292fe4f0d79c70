import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Faulting a private mapping's pages in breaks copy-on-write when the mapping is writable (this kernel; a C probe
/// first; `populate_vma_page_range` faults with `FOLL_WRITE`): the page becomes the mapping's own copy, as a first
/// store would make it, and no longer follows the object. Found by `PosixSharedMemoryAgreementTests`' random sequences
/// (an `mlock` of a private mapping, then another mapping's store unseen through it), which the model had judged a
/// violation. The model's rules: `PosixSharedMemoryPopulate.swift`.
@Suite struct SharedMemoryPopulateFactsTests {
    static let readWrite = PROT_READ | PROT_WRITE

    /// Maps 3 pages of a 3-page object (`protection`, private, `flags`), does `then` to it, then stores 2 through a
    /// shared mapping to word 0 of each page; returns what the private mapping reads there.
    func seen(protection: CInt = readWrite, flags: CInt = 0, then: (UnsafeMutableRawPointer) -> Void = { _ in }) throws -> [UInt64] {
        let (name, descriptor) = try SharedMemoryFactsTests.object("populate", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { try? PosixSharedMemory.unmap(shared) }
        for page in 0..<3 { shared.store(page * 512, 1) }
        let mapped = try #require(mmap(nil, 3 * 4096, protection, MAP_PRIVATE | flags, descriptor.rawValue, 0))
        try #require(mapped != MAP_FAILED)
        defer { munlock(mapped, 3 * 4096); munmap(mapped, 3 * 4096) }
        then(mapped)
        for page in 0..<3 { shared.store(page * 512, 2) }
        mprotect(mapped, 3 * 4096, PROT_READ)
        return (0..<3).map { mapped.load(fromByteOffset: $0 * 4096, as: UInt64.self) }
    }

    @Test(.enabled(if: Syscall.locksMemoryWithoutLimit)) func populatingAWritablePrivateMappingCopiesItsPages() throws {
        #expect(try seen() == [2, 2, 2])  // plain: follows the object
        #expect(try seen(flags: MAP_POPULATE) == [1, 1, 1])
        #expect(try seen(flags: MAP_LOCKED) == [1, 1, 1])
        #expect(try seen(protection: PROT_READ, flags: MAP_LOCKED) == [2, 2, 2])  // read-only: not copied
        #expect(try seen(protection: PROT_READ, flags: MAP_POPULATE) == [2, 2, 2])
        #expect(try seen { mlock($0, 4096) } == [1, 2, 2])
        #expect(try seen { try? Syscall.lockMemory($0, size: 3 * 4096, flags: 1 /* MLOCK_ONFAULT */) } == [2, 2, 2])
        // mlock stops at a page it cannot fault in (PROT_NONE: ENOMEM), the pages before it copied.
        var refusal: CInt = 0
        let stopped = try seen { mapped in
            mprotect(mapped + 4096, 4096, PROT_NONE)
            refusal = mlock(mapped, 3 * 4096) == -1 ? errno : 0
        }
        #expect(refusal == ENOMEM)
        #expect([stopped[0], stopped[2]] == [1, 2])
        // mprotect adding PROT_WRITE to locked read-only private pages copies them; locked on fault, not.
        #expect(try seen(protection: PROT_READ) { mlock($0, 3 * 4096); mprotect($0, 4096, Self.readWrite) } == [1, 2, 2])
        #expect(try seen(protection: PROT_READ) { try? Syscall.lockMemory($0, size: 3 * 4096, flags: 1 /* MLOCK_ONFAULT */); mprotect($0, 3 * 4096, Self.readWrite) } == [2, 2, 2])
    }

    /// `mlockall` in a child (in the test process it would lock every test's memory): `MCL_CURRENT` copies the
    /// writable private mapping's pages, and a mapping made under `MCL_FUTURE` is copied as it is made; with
    /// `MCL_ONFAULT` neither.
    @Test(.enabled(if: Syscall.locksMemoryWithoutLimit)) func mlockallPopulatesTooUnlessOnFault() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let name = "/ipch-test-\(getpid())-mlockall-populate"
            let fd = shm_open(name, O_CREAT | O_RDWR, 0o600)
            defer { shm_unlink(name) }
            guard fd >= 0, ftruncate(fd, 4096) == 0, let shared = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), shared != MAP_FAILED else { exit(10) }
            let word = shared.assumingMemoryBound(to: UInt64.self)
            func seen(_ lock: () -> Void) -> UInt64 {
                word.pointee = 1
                guard let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { exit(11) }
                lock()
                word.pointee = 2
                let value = p.load(as: UInt64.self)
                munlockall()
                munmap(p, 4096)
                return value
            }
            func future(_ flags: CInt) -> UInt64 {
                word.pointee = 1
                mlockall(flags)
                guard let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { exit(12) }
                munlockall()
                word.pointee = 2
                let value = p.load(as: UInt64.self)
                munmap(p, 4096)
                return value
            }
            if seen({ mlockall(MCL_CURRENT) }) != 1 { exit(1) }
            if seen({ mlockall(MCL_CURRENT | MCL_ONFAULT) }) != 2 { exit(2) }
            if future(MCL_FUTURE) != 1 { exit(3) }
            if future(MCL_FUTURE | MCL_ONFAULT) != 2 { exit(4) }
            exit(0)
        }
    }
}
