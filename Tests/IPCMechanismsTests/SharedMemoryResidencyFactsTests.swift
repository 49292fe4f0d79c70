import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `mincore` on mappings of a POSIX shared memory object and on System V attachments (this kernel, 6.18, no swap;
/// C probes first; LTP `mincore01`–`04` as the checklist), as the models' `residency` takes it (``PageResidency``,
/// ``PosixSharedMemoryModel+Residency``). tmpfs keeps a page from its first fault — a store or a load, through any
/// mapping, by any process — until it is removed: `MADV_REMOVE`, or cut off by `ftruncate` (growing again brings no
/// page back); `MADV_WILLNEED`, `MADV_DONTNEED`, `MADV_COLD` and `MADV_PAGEOUT` (no swap) change nothing, `mlock`
/// faults the page in. A `PROT_NONE` mapping reports the object's pages; a private mapping's copied page is its own.
@Suite struct SharedMemoryResidencyFactsTests {
    typealias Pages = SharedMemoryPages

    @Test func aPageIsInMemoryFromItsFirstFaultUntilRemoved() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mincore", pages: 4)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 4 * 4096)
        let other = try PosixSharedMemory.map(descriptor, size: 4 * 4096, writable: false)
        let none = try Syscall.map(descriptor, size: 4 * 4096, protection: PROT_NONE, flags: MAP_SHARED)
        defer { munmap(shared.base, 4 * 4096); munmap(other.base, 4 * 4096); munmap(none, 4 * 4096) }
        func resident() -> String { Pages.text(Pages.resident(shared.base, 4), pages: 4) }
        #expect(resident() == "0000")
        shared.store(0, 1)
        _ = other.load(512)
        #expect(resident() == "1100" && Pages.text(Pages.resident(none, 4), pages: 4) == "1100")
        #expect(Pages.advise(shared.base + 2 * 4096, 1, MemoryAdvice.willNeed.number) == 0 && resident() == "1100")
        #expect(Pages.advise(shared.base, 4, MemoryAdvice.dontNeed.number) == 0 && resident() == "1100")
        #expect(Pages.advise(shared.base, 1, 20) == 0 && Pages.advise(shared.base, 1, 21) == 0 && resident() == "1100")  // MADV_COLD, MADV_PAGEOUT
        #expect(Pages.advise(shared.base, 1, MemoryAdvice.remove.number) == 0 && resident() == "0100")
        #expect(mlock(shared.base + 3 * 4096, 4096) == 0 && resident() == "0101" && munlock(shared.base + 3 * 4096, 4096) == 0)
        try Syscall.truncate(descriptor, size: 4096 + 8)
        try Syscall.truncate(descriptor, size: 4 * 4096)
        #expect(resident() == "0100")
        let copy = try PosixSharedMemory.map(descriptor, size: 4 * 4096, writable: true, isPrivate: true)
        defer { munmap(copy.base, 4 * 4096) }
        copy.store(2 * 512, 3)
        #expect(Pages.text(Pages.resident(copy.base, 4), pages: 4) == "0110" && resident() == "0110")
        #expect(Pages.advise(shared.base + 2 * 4096, 1, MemoryAdvice.remove.number) == 0)
        #expect(Pages.text(Pages.resident(copy.base, 4), pages: 4) == "0110" && resident() == "0100")
        var vector: UInt8 = 0
        #expect(mincore(shared.base + 8, 4096, &vector) == -1 && errno == EINVAL && mincore(shared.base, 0, &vector) == 0)

        // The model: a page an ftruncate added is known out until an access; MADV_REMOVE puts it out again.
        let setup = PosixSharedMemoryModel.Setup(words: 2 * 512, mapped: [], exists: false)
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        let both = PosixSharedMemoryMapping.Pages(count: 2)
        var create = PosixSharedMemoryModel.Opening(create: true)
        create.mode = 0o600
        let start: [(input: PosixSharedMemoryModel.Input, output: PosixSharedMemoryModel.Output)] = [
            (.open(process: 1, create), .done), (.truncate(process: 1, size: 2 * 4096), .done),
        ]
        #expect(history.firstRefusal(start + [(.residency(process: 1, both), .residency([.absent, .absent]))]) == nil)
        #expect(history.firstRefusal(start + [(.residency(process: 1, both), .residency([.resident, .absent]))]) != nil)
        #expect(history.firstRefusal(start + [
            (.access(process: 1, .store(index: 0, value: 1)), .accessed(.stored)), (.residency(process: 1, both), .residency([.resident, .absent])),
            (.advise(process: 1, .init(count: 1), .remove), .done), (.residency(process: 1, both), .residency([.absent, .absent])),
            (.residency(process: 1, .init(count: 1, unaligned: true)), .failed(.EINVAL)),
        ]) == nil)
    }

    /// A page not mapped in the range fails `ENOMEM` (in a forked child: nothing maps into the hole meanwhile).
    @Test func aHoleFailsENOMEM() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mincore-hole", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let facts = try Syscall.withoutConcurrentSpawns { () throws in
            SharedMemoryFactsTests.factsInChild {
                guard let base = mmap(nil, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else { return 0 }
                munmap(base + 4096, 4096)
                var held: UInt16 = 0
                if Pages.resident(base, 2) == -1, errno == ENOMEM { held |= 1 }
                if Pages.resident(base + 4096, 1) == -1, errno == ENOMEM { held |= 2 }
                return held
            }
        }
        #expect(facts == 3)
    }

    /// A System V segment's pages: none in memory when made, a store brings its page in, `MADV_REMOVE` takes it out.
    @Test func aSystemVSegmentsPages() throws {
        let segment = try SystemVSharedMemorySegments.create(key: IPC_PRIVATE, size: 4096 + 32)
        defer { try? SystemVSharedMemorySegments.remove(segment) }
        let attached = try SystemVSharedMemorySegments.attach(segment, size: 4096 + 32)
        defer { try? SystemVSharedMemorySegments.detach(attached) }
        #expect(Pages.resident(attached.base, 2) == 0)
        attached.store(0, 4)
        #expect(Pages.resident(attached.base, 2) == 1)
        #expect(Pages.advise(attached.base, 1, MemoryAdvice.remove.number) == 0 && Pages.resident(attached.base, 2) == 0)
    }
}
