import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The words past a System V segment's size in its last page, on this kernel (LTP's `shmat01` writes a segment
/// through its attachment; `shm_segsz` keeps the size asked for): `shmat` maps whole pages and the segment's
/// shmem file has whole pages, so a 64-byte segment's attachment reaches word 511 — shared by every attachment
/// (another address of the same segment sees a store), kept across detaches while the segment lives, refused
/// through a `SHM_RDONLY` attachment like any store — and `shm_segsz` stays 64. Word 512 is not the segment's:
/// what lies there depends on the process's other mappings (a C probe read another mapping's bytes), so the
/// model's trace form refuses it.
@Suite struct SystemVSharedMemoryTailFactsTests {
    @Test func theLastPagePastTheSizeIsTheSegments() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            let segment = try Syscall.shmget(IPC_PRIVATE, size: 64, flags: IPC_CREAT | 0o600)
            defer { try? Syscall.shmRemove(segment) }
            let first = try SystemVSharedMemorySegments.attach(segment, size: 64)
            #expect(first.count == 512 && SystemVSharedMemorySegments.attachedWords(64) == 512)
            let second = try SystemVSharedMemorySegments.attach(segment, size: 64)
            #expect(first.base != second.base)
            try first.guardedStore(500, 42)
            try first.guardedStore(511, 7)
            #expect(try second.guardedLoad(500) == 42 && second.add(511, 1) == 7 && first.load(511) == 8)
            let readOnly = try SystemVSharedMemorySegments.attach(segment, size: 64, readOnly: true)
            #expect(try readOnly.guardedLoad(500) == 42)
            #expect(throws: Errno.memoryAccess(SIGSEGV)) { try readOnly.guardedStore(500, 1) }
            for words in [first, second, readOnly] { try SystemVSharedMemorySegments.detach(words) }
            #expect(try SystemVSharedMemorySegments.status(segment).attachments == 0)
            let again = try SystemVSharedMemorySegments.attach(segment, size: 64)
            #expect(try again.guardedLoad(500) == 42 && again.load(511) == 8)
            #expect(try SystemVSharedMemorySegments.status(segment).size == 64)
            try SystemVSharedMemorySegments.detach(again)
        }
    }

    /// A segment one word past a page spans two: its second page's last word (1023) is its own, kept the same way.
    @Test func aSegmentJustPastAPageSpansTwo() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            let segment = try Syscall.shmget(IPC_PRIVATE, size: 4104, flags: IPC_CREAT | 0o600)
            defer { try? Syscall.shmRemove(segment) }
            let first = try SystemVSharedMemorySegments.attach(segment, size: 4104)
            #expect(first.count == 1024)
            try first.guardedStore(1023, 5)
            try SystemVSharedMemorySegments.detach(first)
            let again = try SystemVSharedMemorySegments.attach(segment, size: 4104)
            #expect(try again.guardedLoad(1023) == 5)
            try SystemVSharedMemorySegments.detach(again)
        }
    }
}
