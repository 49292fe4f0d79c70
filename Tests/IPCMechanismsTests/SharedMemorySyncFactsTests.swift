import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `msync` on a POSIX shared memory object's mapping (this kernel, 6.18; a C probe first; Open POSIX `msync` as the
/// checklist), as the posix-shm model's `sync` takes it: `EINVAL` for flag bits beyond `MS_ASYNC`, `MS_INVALIDATE`,
/// `MS_SYNC`, for `MS_SYNC` with `MS_ASYNC`, and for an unaligned address — before anything else, a length of 0
/// too; a length of 0 then succeeds, even over a page not mapped; a length short of a page covers the page; a range
/// with a page not mapped fails `ENOMEM` whatever the flags (the pages around it are synced); no flags at all, and
/// a private or read-only mapping, succeed. `MS_INVALIDATE` over `mlock`ed pages fails `EBUSY` (the model has no
/// `mlock`, so it never sees one).
@Suite struct SharedMemorySyncFactsTests {
    func sync(_ address: UnsafeMutableRawPointer, _ length: Int, _ flags: CInt) -> Errno? {
        msync(address, length, flags) == 0 ? nil : Errno(rawValue: errno)
    }

    @Test func msyncChecksItsFlagsAndAddressThenLooksForHoles() throws {
        try Syscall.withoutConcurrentSpawns { () throws in try measure() }
    }

    private func measure() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("msync", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let words = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        let base = words.base
        defer { munmap(base, 3 * 4096) }
        for flags in [MS_SYNC, MS_ASYNC, MS_INVALIDATE, 0, MS_SYNC | MS_INVALIDATE, MS_ASYNC | MS_INVALIDATE] {
            #expect(sync(base, 4096, flags) == nil)
        }
        #expect(sync(base, 100, MS_SYNC) == nil && sync(base, 0, MS_SYNC) == nil)
        #expect(sync(base, 4096, MS_SYNC | MS_ASYNC) == .invalidArgument && sync(base, 4096, 0x10) == .invalidArgument)
        #expect(sync(base + 8, 4096, MS_SYNC) == .invalidArgument && sync(base + 8, 0, MS_SYNC) == .invalidArgument)

        // A hole: in a forked child (single-threaded), where no other thread can map into it meanwhile.
        let facts = SharedMemoryFactsTests.factsInChild {
            // Plain C calls only (see SharedMemoryNoReplaceFactsTests: no lock of the runtime's in a forked child).
            func noMemory(_ address: UnsafeMutableRawPointer, _ length: Int, _ flags: CInt) -> Bool {
                msync(address, length, flags) == -1 && errno == ENOMEM
            }
            var held: UInt16 = munmap(base + 4096, 4096) == 0 ? 1 : 0
            var flags: CInt = 0
            while flags <= MS_SYNC {  // 0, MS_ASYNC (1), MS_INVALIDATE (2), MS_SYNC (4); 3 is skipped below
                if flags != 3 && noMemory(base, 3 * 4096, flags) && noMemory(base + 4096, 4096, flags) { held += 2 }
                flags += 1
            }
            if msync(base + 4096, 4096, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL { held |= 16 }  // the flags before the hole
            if msync(base + 4096, 0, MS_SYNC) == 0 && msync(base + 2 * 4096, 4096, MS_SYNC) == 0 { held |= 32 }
            return held
        }
        #expect(facts == 1 + 8 + 16 + 32, "facts held: \(facts) (1 munmap, 2 per flag ENOMEM over the hole (4 flags), 16 EINVAL first, 32 no pages and the page after)")

        // mlock'ed pages: MS_INVALIDATE fails EBUSY (not in the model, which has no mlock).
        #expect(mlock(base, 4096) == 0)
        #expect(sync(base, 4096, MS_INVALIDATE) == .resourceBusy && sync(base, 4096, MS_SYNC) == nil)
        #expect(munlock(base, 4096) == 0)
        #expect(sync(base, 4096, MS_INVALIDATE) == nil)
    }

    @Test func privateAndReadOnlyMappingsSync() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("msync-private", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let privately = try PosixSharedMemory.map(descriptor, size: 4096, writable: true, isPrivate: true)
        defer { munmap(privately.base, 4096) }
        privately.store(0, 1)
        #expect(sync(privately.base, 4096, MS_SYNC) == nil && sync(privately.base, 4096, MS_INVALIDATE) == nil)
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let readOnly = try PosixSharedMemory.map(reader, size: 4096, writable: false)
        defer { munmap(readOnly.base, 4096) }
        #expect(sync(readOnly.base, 4096, MS_SYNC) == nil && sync(readOnly.base, 4096, MS_INVALIDATE) == nil)
    }
}
