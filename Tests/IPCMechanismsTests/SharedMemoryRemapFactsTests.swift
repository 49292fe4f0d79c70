import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `mremap` of a mapping of a POSIX shared memory object and of a System V attachment (this kernel, 6.18; C probes
/// first; LTP `mremap01`–`06` as the checklist), as the posix-shm and sysv-shm models' `remap` take it
/// (``PosixSharedMemoryModel+Remap``, ``SystemVSharedMemoryModel+Remap``).
@Suite struct SharedMemoryRemapFactsTests {
    typealias Pages = SharedMemoryPages

    /// Growing with `MREMAP_MAYMOVE` keeps the object's words and reaches its later pages — another mapping sees a
    /// store through the grown one, a page past the object's end `SIGBUS` until `ftruncate` grows the object — and
    /// shrinking keeps the address. The model, given the same calls, allows every answer.
    @Test func growingReachesTheObjectAndSIGBUSPastItsEnd() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mremap-grow", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let other = try PosixSharedMemory.map(descriptor, size: 4 * 4096)
        defer { munmap(other.base, 4 * 4096) }
        let mapping = try Syscall.map(descriptor, size: 2 * 4096, protection: PROT_READ | PROT_WRITE, flags: MAP_SHARED, offset: 0)
        mapping.assumingMemoryBound(to: UInt64.self)[0] = 7
        let grown = try #require(Pages.remap(mapping, 2, 4, Pages.mayMove))
        defer { munmap(grown, 4 * 4096) }
        var value: UInt64 = 0
        #expect(Pages.fault(grown, value: &value) == 0 && value == 7)
        #expect(Pages.fault(grown + 8, store: true) == 0 && other.load(1) == 1)
        #expect(Pages.fault(grown + 2 * 4096) == SIGBUS && Pages.fault(grown + 2 * 4096 - 8) == 0)
        try Syscall.truncate(descriptor, size: 4 * 4096)
        #expect(Pages.fault(grown + 3 * 4096, store: true) == 0 && other.load(3 * 512) == 1)
        #expect(Pages.remap(grown, 4, 1, 0) == grown)

        var setup = PosixSharedMemoryModel.Setup(words: 4 * 512, mapped: [], size: 2 * 4096)
        setup.exists = true
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        var opening = PosixSharedMemoryModel.Opening()
        opening.length = 2 * 4096
        #expect(history.firstRefusal([
            (.open(process: 1, opening), .done), (.access(process: 1, .store(index: 0, value: 7)), .accessed(.stored)),
            (.remap(process: 1, .init(oldPages: 2, newPages: 4, mayMove: true)), .done),
            (.access(process: 1, .load(index: 0)), .accessed(.value(7))), (.access(process: 1, .load(index: 2 * 512)), .failed(.SIGBUS)),
            (.truncate(process: 1, size: 4 * 4096), .done), (.access(process: 1, .store(index: 3 * 512, value: 1)), .accessed(.stored)),
            (.remap(process: 1, .init(oldPages: 4, newPages: 1)), .done), (.access(process: 1, .load(index: 512)), .failed(.SIGSEGV)),
        ]) == nil)
    }

    /// The refusals, and growth that depends on what lies after the mapping, in a forked child (single-threaded: no
    /// other thread maps memory meanwhile). `EINVAL` for an unaligned address, a new size of 0, `MREMAP_FIXED` or
    /// `MREMAP_DONTUNMAP` without `MREMAP_MAYMOVE`, `MREMAP_DONTUNMAP` with sizes that differ and an unknown flag bit;
    /// growing in place without `MREMAP_MAYMOVE`: `ENOMEM` where another mapping follows, success where the pages are
    /// free, `ENOMEM` where the mapping's own page is in the way — with `MREMAP_MAYMOVE` the first page moves and the
    /// second stays where it was; `EFAULT` for the first page not mapped and for growth across two areas (another
    /// protection, `MADV_RANDOM`), which merge again once alike; shrinking across them succeeds.
    @Test func refusalsAndGrowthInPlace() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mremap-refusals", pages: 4)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let facts = try Syscall.withoutConcurrentSpawns { () throws in
            SharedMemoryFactsTests.factsInChild {
                var held: UInt16 = 0
                guard let base = mmap(nil, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else { return 0 }
                if Pages.remapFails(base + 8, 1, 2, Pages.mayMove, EINVAL), Pages.remapFails(base, 1, 0, Pages.mayMove, EINVAL) { held |= 1 << 0 }
                if Pages.remapFails(base, 1, 1, Pages.fixed, EINVAL), Pages.remapFails(base, 1, 1, Pages.dontUnmap, EINVAL),
                    Pages.remapFails(base, 1, 2, Pages.mayMove | Pages.dontUnmap, EINVAL), Pages.remapFails(base, 1, 2, Pages.mayMove | 8, EINVAL) { held |= 1 << 1 }
                // The mapping's own page 1 is in the way of page 0 growing.
                if Pages.remapFails(base, 1, 2, 0, ENOMEM) { held |= 1 << 2 }
                // Another mapping after page 1: ENOMEM; once gone, in place.
                munmap(base + 2 * 4096, 4096)
                let blocker = mmap(base + 2 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
                if blocker == base + 2 * 4096, Pages.remapFails(base, 2, 3, 0, ENOMEM) { held |= 1 << 3 }
                munmap(base + 2 * 4096, 4096)
                if Pages.remap(base, 2, 3, 0) == base { held |= 1 << 4 }
                // Two areas: EFAULT to grow, shrinking across them succeeds.
                mprotect(base + 2 * 4096, 4096, PROT_READ)
                if Pages.remapFails(base, 3, 4, Pages.mayMove, EFAULT) { held |= 1 << 5 }
                if Pages.remap(base, 3, 2, 0) == base, Pages.fault(base + 2 * 4096) == SIGSEGV { held |= 1 << 6 }
                if Pages.advise(base + 4096, 1, 1) == 0, Pages.remapFails(base, 2, 3, Pages.mayMove, EFAULT),
                    Pages.advise(base + 4096, 1, 0) == 0, let moved = Pages.remap(base, 2, 3, Pages.mayMove) {
                    held |= 1 << 7
                    // The prefix moved: its old page SIGSEGV, the page after it still mapped there.
                    munmap(moved, 3 * 4096)
                }
                guard let again = mmap(nil, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), again != MAP_FAILED else { return held }
                if let moved = Pages.remap(again, 1, 2, Pages.mayMove), moved != again, Pages.fault(again) == SIGSEGV, Pages.fault(again + 4096) == 0 {
                    held |= 1 << 8
                }
                // The first page not mapped: EFAULT.
                if Pages.remapFails(again, 1, 1, 0, EFAULT), Pages.remapFails(again, 1, 2, Pages.mayMove, EFAULT) { held |= 1 << 9 }
                return held
            }
        }
        let missing = (0..<10).filter { facts & (1 << $0) == 0 }
        #expect(missing.isEmpty, "facts that did not hold: \(missing)")
    }

    /// A second mapping of the same pages: `MREMAP_DONTUNMAP` succeeds (a surprise: the old pages stay mapped and
    /// reach the object; their lock moves to the new mapping, and a private mapping's copy too — its old page reads
    /// the object again), an old size of 0 with `MREMAP_MAYMOVE` maps them again (`ENOMEM` without it; `EINVAL` on a
    /// private mapping). A locked area grown is locked (`MS_INVALIDATE` `EBUSY`). The shim passes the new address
    /// (NULL): glibc's variadic `mremap` called with four arguments hands the kernel a stray fifth, and C probes that
    /// did so saw `EINVAL` by chance.
    @Test func secondMappingsAndLocks() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mremap-second", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let facts = try Syscall.withoutConcurrentSpawns { () throws in
            SharedMemoryFactsTests.factsInChild {
                var held: UInt16 = 0
                func locked(_ address: UnsafeMutableRawPointer) -> Bool { msync(address, 4096, MS_INVALIDATE) == -1 && errno == EBUSY }
                guard let shared = mmap(nil, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), shared != MAP_FAILED,
                    let copy = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), copy != MAP_FAILED
                else { return 0 }
                if let second = Pages.remap(shared, 2, 2, Pages.mayMove | Pages.dontUnmap), second != shared,
                    Pages.fault(second, store: true) == 0, shared.load(as: UInt64.self) == 1 { held |= 1 << 0 }
                if let second = Pages.remap(shared, 0, 2, Pages.mayMove), Pages.fault(second + 4096, store: true) == 0,
                    (shared + 4096).load(as: UInt64.self) == 1 { held |= 1 << 1 }
                if Pages.remapFails(shared, 0, 1, 0, ENOMEM) { held |= 1 << 2 }
                copy.storeBytes(of: 77, as: UInt64.self)
                if let moved = Pages.remap(copy, 1, 1, Pages.mayMove | Pages.dontUnmap), moved.load(as: UInt64.self) == 77,
                    copy.load(as: UInt64.self) == shared.load(as: UInt64.self), Pages.remapFails(copy, 0, 1, Pages.mayMove, EINVAL) { held |= 1 << 3 }
                if mlock(shared, 4096) == 0, let grown = Pages.remap(shared, 1, 2, Pages.mayMove), locked(grown), locked(grown + 4096) {
                    held |= 1 << 4
                    if let moved = Pages.remap(grown, 2, 2, Pages.mayMove | Pages.dontUnmap), locked(moved), locked(moved + 4096),
                        !locked(grown), !locked(grown + 4096) { held |= 1 << 5 }
                }
                return held
            }
        }
        let missing = (0..<6).filter { facts & (1 << $0) == 0 }
        #expect(missing.isEmpty, "facts that did not hold: \(missing)")

        let setup = PosixSharedMemoryModel.Setup(words: 2 * 512, mapped: [1])
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        #expect(history.firstRefusal([
            (.remap(process: 1, .init(oldPages: 2, newPages: 2, mayMove: true, dontUnmap: true)), .done),
            (.access(process: 1, .store(index: 0, value: 1)), .accessed(.stored)), (.unmap(process: 1), .done),
            (.access(process: 1, .load(index: 0)), .accessed(.value(1))),
            (.remap(process: 1, .init(oldPages: 0, newPages: 1)), .failed(.ENOMEM)),
            (.remap(process: 1, .init(oldPages: 0, newPages: 1, mayMove: true)), .done),
            (.access(process: 1, .load(index: 512)), .failed(.SIGSEGV)),
        ]) == nil)
    }

    /// A System V attachment: moved (grown with `MREMAP_MAYMOVE`), the segment keeps one attachment, its detach time is
    /// set (the old area closed), a page past the segment's `SIGBUS`, and `shmdt` of the new address detaches it
    /// while the old one fails `EINVAL`; `MREMAP_DONTUNMAP` and an old size of 0 each make another attachment.
    @Test func aSystemVAttachmentRemapped() throws {
        let segment = try SystemVSharedMemorySegments.create(key: IPC_PRIVATE, size: 4096 + 32)
        defer { try? SystemVSharedMemorySegments.remove(segment) }
        let attached = try SystemVSharedMemorySegments.attach(segment, size: 4096 + 32)
        attached.store(0, 3)
        let status = try SystemVSharedMemorySegments.status(segment)
        #expect(status.attachments == 1 && status.detachTime == 0)
        let moved = try #require(Pages.remap(attached.base, 2, 4, Pages.mayMove))
        var value: UInt64 = 0
        #expect(Pages.fault(moved, value: &value) == 0 && value == 3 && Pages.fault(moved + 4096) == 0 && Pages.fault(moved + 2 * 4096) == SIGBUS)
        let after = try SystemVSharedMemorySegments.status(segment)
        #expect(after.attachments == 1 && after.detachTime != 0 && after.lastPID == getpid())
        #expect(shmdt(attached.base) == -1 && errno == EINVAL)
        let second = try #require(Pages.remap(moved, 0, 2, Pages.mayMove))
        let third = try #require(Pages.remap(moved, 2, 2, Pages.mayMove | Pages.dontUnmap))
        #expect(try SystemVSharedMemorySegments.status(segment).attachments == 3)
        #expect(shmdt(moved) == 0 && shmdt(second) == 0 && shmdt(third) == 0)
        #expect(try SystemVSharedMemorySegments.status(segment).attachments == 0)

        let history = DirectedHistory(model: SystemVSharedMemoryModel(segments: [("g0", .init(words: 512 + 4, attached: [1]))]), object: "g0")
        #expect(history.firstRefusal([
            (.remap(process: 1, .init(oldPages: 2, newPages: 4, mayMove: true)), .done),
            (.remap(process: 1, .init(oldPages: 0, newPages: 2, mayMove: true)), .done),
            (.status(process: 1), .status(attachments: 2, removed: false)),
            (.detach(process: 1), .done), (.detach(process: 1), .done), (.detach(process: 1), .failed(.EINVAL)),
        ]) == nil)
    }
}
