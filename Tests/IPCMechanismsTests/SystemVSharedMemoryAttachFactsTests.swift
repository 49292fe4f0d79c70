import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `shmat`'s address and its flags beyond `SHM_RDONLY` on this kernel (`do_shmat`; LTP's `shmat01`, `shmat02`,
/// `shmt05`), as the sysv-shm model's `attach` with an `"address"` encodes them. Measured as root; as uid 65534 a C
/// probe under `setpriv` showed the order against the permission check: an unaligned address without `SHM_RND`,
/// and `SHM_REMAP` with `NULL`, fail `EINVAL` before `EACCES`; an address inside an attachment fails `EACCES` first
/// on a segment the caller may not use; `SHM_EXEC` needs the execute bit (`EACCES` on a 0666 segment).
@Suite struct SystemVSharedMemoryAttachFactsTests {
    func withSegment(_ body: (SystemVSharedMemory) throws -> Void) throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.shmRemove(segment) }
        try body(segment)
    }

    func attach(_ segment: SystemVSharedMemory, _ placement: SystemVSharedMemorySegments.Placement, _ flags: CInt) -> Result<SharedWords, Errno> {
        do throws(Errno) { return .success(try SystemVSharedMemorySegments.attach(segment, size: 4096, at: placement, flags: flags)) } catch {
            return .failure(error)
        }
    }

    func attachments(_ segment: SystemVSharedMemory) throws -> Int { Int(try Syscall.shmStatus(segment).attachments) }

    @Test func theAddressIsCheckedBeforeTheSegment() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            try withSegment { (segment: SystemVSharedMemory) throws in
                #expect(throws: Errno.invalidArgument) { try attach(segment, .unaligned, 0).get() }
                #expect(throws: Errno.invalidArgument) { try attach(segment, .kernel, SHM_REMAP).get() }
                #expect(throws: Errno.invalidArgument) { try attach(segment, .unaligned, SHM_RDONLY).get() }
                #expect(try attachments(segment) == 0)
            }
            // A segment destroyed: EINVAL all the same (its id is gone).
            let gone = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o600)
            try Syscall.shmRemove(gone)
            #expect(throws: Errno.invalidArgument) { try attach(gone, .unaligned, 0).get() }
            #expect(throws: Errno.invalidArgument) { try attach(gone, .free, 0).get() }
        }
    }

    /// `SHM_RND` rounds an unaligned address down to `SHMLBA` (a page here) and attaches there; a free aligned
    /// address attaches there; `SHM_EXEC` attaches for root.
    @Test func roundedAndFreeAddressesAttach() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            try withSegment { (segment: SystemVSharedMemory) throws in
                let rounded = try attach(segment, .unaligned, SHM_RND).get()
                #expect(Int(bitPattern: rounded.base) % 4096 == 0)
                let free = try attach(segment, .free, 0).get()
                let exec = try attach(segment, .kernel, SHM_EXEC).get()
                #expect(try attachments(segment) == 3)
                for words in [rounded, free, exec] { try SystemVSharedMemorySegments.detach(words) }
                #expect(try attachments(segment) == 0)
            }
        }
    }

    /// At an attachment's address: `EINVAL` without `SHM_REMAP` (LTP `shmt05`); with it the new attachment replaces
    /// the old — the count stays 1 and one detach ends it. `SHM_RND | SHM_REMAP` of an address that rounds to 0
    /// fails `EINVAL`.
    @Test func anAttachmentsAddressNeedsRemap() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            try withSegment { (segment: SystemVSharedMemory) throws in
                let first = try attach(segment, .kernel, 0).get()
                #expect(throws: Errno.invalidArgument) { try attach(segment, .at(first), 0).get() }
                #expect(try attachments(segment) == 1)
                let second = try attach(segment, .at(first), SHM_REMAP | SHM_RDONLY).get()
                #expect(second.base == first.base)
                #expect(try attachments(segment) == 1)
                try SystemVSharedMemorySegments.detach(second)
                #expect(try attachments(segment) == 0)
                let low = SharedWords(base: UnsafeMutableRawPointer(bitPattern: 100)!, count: 0)
                #expect(throws: Errno.invalidArgument) { try attach(segment, .at(low), SHM_RND | SHM_REMAP).get() }
            }
        }
    }
}
