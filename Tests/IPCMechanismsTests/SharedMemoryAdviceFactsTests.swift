import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `madvise` on mappings of a POSIX shared memory object and on System V attachments (this kernel, 6.18; C probes
/// first; LTP `madvise01`–`11` as the checklist), as the posix-shm and sysv-shm models' `advise` take it
/// (``MemoryAdvice``, ``PosixSharedMemoryModel+Advice``, ``SystemVSharedMemoryModel+Advice``).
@Suite struct SharedMemoryAdviceFactsTests {
    typealias Pages = SharedMemoryPages

    /// `MADV_DONTNEED` keeps a shared mapping's words and drops a private mapping's copy; `MADV_REMOVE` zeroes the
    /// object's page for every mapping — through a `PROT_READ` shared mapping of an `O_RDWR` descriptor too (a
    /// surprise: the kernel asks `VM_MAYWRITE`) — and fails `EACCES` on a private mapping and a shared one of an
    /// `O_RDONLY` descriptor; `MADV_FREE` and `MADV_WIPEONFORK` fail `EINVAL` on both; the read-ahead advice,
    /// `MADV_WILLNEED` and `MADV_KEEPONFORK` succeed; numbers this kernel does not know, and an unaligned address,
    /// fail `EINVAL` (a length of 0 too), while a length of 0 otherwise succeeds; over an `mlock`ed page
    /// `MADV_DONTNEED` and `MADV_REMOVE` fail `EINVAL`, the others succeed.
    @Test func whatEachAdviceDoesToSharedMemory() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("madvise", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        let other = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        let copy = try PosixSharedMemory.map(descriptor, size: 2 * 4096, writable: true, isPrivate: true)
        let readOnly = try PosixSharedMemory.map(descriptor, size: 4096, writable: false)
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        let ofReader = try PosixSharedMemory.map(reader, size: 4096, writable: false)
        defer {
            for words in [shared, other, copy, readOnly, ofReader] { munmap(words.base, words.count * 8) }
            try? Syscall.close(reader)
        }
        let (dontNeed, remove) = (MemoryAdvice.dontNeed.number, MemoryAdvice.remove.number)
        shared.store(0, 1)
        shared.store(512, 2)
        #expect(Pages.advise(shared.base, 2, dontNeed) == 0 && shared.load(0) == 1)
        copy.store(0, 100)
        #expect(Pages.advise(copy.base, 2, dontNeed) == 0 && copy.load(0) == 1)
        #expect(Pages.advise(shared.base, 1, remove) == 0 && other.load(0) == 0 && other.load(512) == 2)
        shared.store(0, 5)
        #expect(Pages.advise(readOnly.base, 1, remove) == 0 && other.load(0) == 0)
        #expect(Pages.advise(copy.base, 1, remove) == EACCES && Pages.advise(ofReader.base, 1, remove) == EACCES)
        for advice in [MemoryAdvice.free, .wipeOnFork] {
            #expect(Pages.advise(shared.base, 1, advice.number) == EINVAL && Pages.advise(copy.base, 1, advice.number) == EINVAL)
        }
        for advice in [MemoryAdvice.pattern(.normal), .pattern(.random), .pattern(.sequential), .willNeed, .keepOnFork, .dontFork, .doFork] {
            #expect(Pages.advise(shared.base, 1, advice.number) == 0, "\(advice.name)")
        }
        for number in [5, 6, 7, 26, 27, 99, 104, 105, -1, 12345] {
            #expect(Pages.advise(shared.base, 1, number) == EINVAL && Pages.advise(shared.base, 0, number) == EINVAL, "advice \(number)")
            #expect(!MemoryAdvice.knownNumbers.contains(number))
        }
        #expect(Pages.advise(shared.base + 8, 1, 0) == EINVAL && Pages.advise(shared.base + 8, 0, 0) == EINVAL && Pages.advise(shared.base, 0, 0) == 0)
        #expect(mlock(shared.base, 4096) == 0)
        #expect(Pages.advise(shared.base, 1, dontNeed) == EINVAL && Pages.advise(shared.base, 1, remove) == EINVAL)
        #expect(Pages.advise(shared.base, 2, dontNeed) == EINVAL && Pages.advise(shared.base, 1, MemoryAdvice.willNeed.number) == 0)
        #expect(munlock(shared.base, 4096) == 0)

        let setup = PosixSharedMemoryModel.Setup(words: 2 * 512, mapped: [1, 2])
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        let page = PosixSharedMemoryMapping.Pages(count: 1)
        #expect(history.firstRefusal([
            (.access(process: 1, .store(index: 0, value: 1)), .accessed(.stored)), (.access(process: 1, .store(index: 512, value: 2)), .accessed(.stored)),
            (.advise(process: 1, .init(count: 2), .dontNeed), .done), (.access(process: 2, .load(index: 0)), .accessed(.value(1))),
            (.advise(process: 1, page, .remove), .done), (.access(process: 2, .load(index: 0)), .accessed(.value(0))),
            (.access(process: 2, .load(index: 512)), .accessed(.value(2))), (.advise(process: 1, page, .free), .failed(.EINVAL)),
            (.advise(process: 1, page, .invalid(12345)), .failed(.EINVAL)),
            (.lock(process: 1, .lock(page, flags: nil)), .done), (.advise(process: 1, page, .remove), .failed(.EINVAL)),
        ]) == nil)
    }

    /// Holes, in a forked child (single-threaded: nothing maps into the hole meanwhile): the kernel passes over a
    /// page not mapped and fails `ENOMEM` at the end, after doing the rest (`MADV_REMOVE` zeroed the page after the
    /// hole), unless a page after it refuses first (`MADV_FREE` `EINVAL`; `MADV_DONTNEED` on a locked page `EINVAL`);
    /// a range with no page mapped fails `ENOMEM`, `MADV_FREE` too. `MADV_DONTFORK`: a `fork`'s child has no such
    /// page (its load `SIGSEGV`) while the next page is its as before; after `MADV_DOFORK` the child has it again.
    @Test func holesAndFork() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("madvise-holes", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let (free, remove, dontNeed) = (MemoryAdvice.free.number, MemoryAdvice.remove.number, MemoryAdvice.dontNeed.number)
        let (dontFork, doFork) = (MemoryAdvice.dontFork.number, MemoryAdvice.doFork.number)
        let facts = try Syscall.withoutConcurrentSpawns { () throws in
            SharedMemoryFactsTests.factsInChild {
                var held: UInt16 = 0
                guard let base = mmap(nil, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else { return 0 }
                (base + 4096).storeBytes(of: 9, as: UInt64.self)
                munmap(base, 4096)
                if Pages.advise(base, 2, free) == EINVAL, Pages.advise(base, 1, free) == ENOMEM, Pages.advise(base, 1, 0) == ENOMEM { held |= 1 << 0 }
                if Pages.advise(base, 2, remove) == ENOMEM, (base + 4096).load(as: UInt64.self) == 0 { held |= 1 << 1 }
                if mlock(base + 4096, 4096) == 0, Pages.advise(base, 2, dontNeed) == EINVAL, munlock(base + 4096, 4096) == 0 { held |= 1 << 2 }
                // The child's view of a page advised MADV_DONTFORK, then MADV_DOFORK.
                guard let pages = mmap(nil, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), pages != MAP_FAILED else { return held }
                func childSees(_ address: UnsafeMutableRawPointer) -> CInt {
                    let child = fork()
                    if child == 0 { _exit(Pages.fault(address)) }
                    var status: CInt = 0
                    waitpid(child, &status, 0)
                    return (status >> 8) & 0xff
                }
                if Pages.advise(pages, 1, dontFork) == 0, childSees(pages) == SIGSEGV, childSees(pages + 4096) == 0 { held |= 1 << 3 }
                if Pages.advise(pages, 1, doFork) == 0, childSees(pages) == 0 { held |= 1 << 4 }
                return held
            }
        }
        let missing = (0..<5).filter { facts & (1 << $0) == 0 }
        #expect(missing.isEmpty, "facts that did not hold: \(missing)")

        let setup = PosixSharedMemoryModel.Setup(words: 2 * 512, mapped: [1])
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        #expect(history.firstRefusal([
            (.advise(process: 1, .init(count: 1), .dontFork), .done), (.fork(process: 1, child: 2), .done),
            (.access(process: 2, .load(index: 0)), .failed(.SIGSEGV)), (.access(process: 2, .load(index: 512)), .accessed(.value(0))),
            (.unmapPages(process: 1, .init(count: 1)), .done), (.advise(process: 1, .init(count: 2), .free), .failed(.EINVAL)),
            (.advise(process: 1, .init(count: 1), .free), .failed(.ENOMEM)),
        ]) == nil)
    }

    /// A System V attachment: `MADV_REMOVE` zeroes the segment's page for every attachment, under `SHM_LOCK` too;
    /// through an `SHM_RDONLY` attachment `EACCES`; `MADV_DONTNEED` keeps the words; `MADV_FREE` `EINVAL`.
    @Test func aSystemVAttachmentAdvised() throws {
        let segment = try SystemVSharedMemorySegments.create(key: IPC_PRIVATE, size: 4096 + 32)
        defer { try? SystemVSharedMemorySegments.remove(segment) }
        let attached = try SystemVSharedMemorySegments.attach(segment, size: 4096 + 32)
        let second = try SystemVSharedMemorySegments.attach(segment, size: 4096 + 32)
        let readOnly = try SystemVSharedMemorySegments.attach(segment, size: 4096 + 32, readOnly: true)
        defer { for words in [attached, second, readOnly] { try? SystemVSharedMemorySegments.detach(words) } }
        attached.store(0, 8)
        #expect(Pages.advise(attached.base, 1, MemoryAdvice.dontNeed.number) == 0 && second.load(0) == 8)
        #expect(Pages.advise(readOnly.base, 1, MemoryAdvice.remove.number) == EACCES && second.load(0) == 8)
        #expect(Pages.advise(attached.base, 1, MemoryAdvice.free.number) == EINVAL)
        #expect(shmctl(segment.id, SHM_LOCK, nil) == 0)
        #expect(Pages.advise(attached.base, 1, MemoryAdvice.remove.number) == 0 && second.load(0) == 0)
        #expect(shmctl(segment.id, SHM_UNLOCK, nil) == 0)

        let history = DirectedHistory(model: SystemVSharedMemoryModel(segments: [("g0", .init(words: 512 + 4, attached: [1, 2]))]), object: "g0")
        #expect(history.firstRefusal([
            (.access(process: 1, .store(index: 0, value: 8)), .accessed(.stored)), (.advise(process: 1, .init(count: 1), .dontNeed), .done),
            (.access(process: 2, .load(index: 0)), .accessed(.value(8))), (.lock(process: 1, locked: true), .done),
            (.advise(process: 1, .init(count: 1), .remove), .done), (.access(process: 2, .load(index: 0)), .accessed(.value(0))),
            (.advise(process: 1, .init(count: 1), .free), .failed(.EINVAL)),
        ]) == nil)
    }
}
