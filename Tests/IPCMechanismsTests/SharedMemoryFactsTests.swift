import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about POSIX and System V shared memory that the posix-shm and sysv-shm models encode.
@Suite struct SharedMemoryFactsTests {
    @Test func aPosixObjectIsZeroedExclusiveMode0600CloseOnExecAndOutlivesItsName() throws {
        let name = "/ipch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try PosixSharedMemory.create(name, size: 64)
        defer { try? Syscall.shmUnlink(name) }
        #expect(try Syscall.fileStatus(descriptor).mode == 0o600)
        #expect(fcntl(descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        #expect(throws: Errno.fileExists) { _ = try PosixSharedMemory.create(name, size: 64) }
        let first = try PosixSharedMemory.map(descriptor, size: 64)
        try Syscall.close(descriptor)
        let second = try PosixSharedMemory.mapNamed(name, size: 64)
        #expect(first.load(3) == 0)
        first.store(3, 42)
        #expect(second.add(3, 1) == 42)
        try PosixSharedMemory.unlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try PosixSharedMemory.open(name) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try PosixSharedMemory.unlink(name) }
        #expect(first.load(3) == 43)
        try PosixSharedMemory.unmap(first)
        try PosixSharedMemory.unmap(second)
    }

    @Test func removingASystemVSegmentOnlyMarksItUntilTheLastDetach() throws {
        let key = key_t(bitPattern: 0x4900_0000 | UInt32(getpid() & 0xFFFF) << 4)
        let segment = try SystemVSharedMemorySegments.create(key: key, size: 64)
        defer { try? Syscall.shmRemove(segment) }
        #expect(throws: Errno.fileExists) { _ = try SystemVSharedMemorySegments.create(key: key, size: 64) }
        #expect(try SystemVSharedMemorySegments.status(segment).mode == 0o600)
        let first = try SystemVSharedMemorySegments.attach(segment, size: 64)
        first.store(0, 7)
        try SystemVSharedMemorySegments.remove(segment)
        try SystemVSharedMemorySegments.remove(segment)  // a second IPC_RMID of a marked segment succeeds
        var status = try SystemVSharedMemorySegments.status(segment)
        #expect(status.markedForRemoval && status.attachments == 1 && status.key == IPC_PRIVATE)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmget(key, size: 0, flags: 0) }
        let second = try SystemVSharedMemorySegments.attach(segment, size: 64)  // Linux: still attachable by id
        #expect(second.load(0) == 7)
        status = try SystemVSharedMemorySegments.status(segment)
        #expect(status.attachments == 2)
        try SystemVSharedMemorySegments.detach(first)
        #expect(throws: Errno.invalidArgument) { try SystemVSharedMemorySegments.detach(first) }
        try SystemVSharedMemorySegments.detach(second)
        #expect(throws: Errno.invalidArgument) { _ = try SystemVSharedMemorySegments.status(segment) }
        #expect(throws: Errno.invalidArgument) { _ = try SystemVSharedMemorySegments.attach(segment, size: 64) }
        #expect(throws: Errno.invalidArgument) { try SystemVSharedMemorySegments.remove(segment) }
    }

    /// `IPC_STAT`'s `shm_segsz` is the size asked for (100, not a page), and `shm_lpid` 0 until a process attaches
    /// or detaches, then that process (a child's attach and its exit's detach were measured with a C probe: each
    /// sets it). `SHM_RDONLY` gives an attachment whose loads work and whose stores the kernel refuses with
    /// `SIGSEGV`, changing nothing.
    @Test func segsizeLpidAndAReadOnlyAttachmentRefusingStoresWithSIGSEGV() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 100, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.shmRemove(segment) }
        var status = try SystemVSharedMemorySegments.status(segment)
        #expect(status.size == 100 && status.lastPID == 0 && status.creatorPID == getpid())
        let writable = try SystemVSharedMemorySegments.attach(segment, size: 64)
        try writable.guardedStore(0, 5)
        let readOnly = try SystemVSharedMemorySegments.attach(segment, size: 64, readOnly: true)
        #expect(try readOnly.guardedLoad(0) == 5)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try readOnly.guardedStore(0, 6) }
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { _ = try readOnly.guardedAdd(0, 1) }
        #expect(Errno.memoryAccess(SIGSEGV).name == "SIGSEGV" && Errno(name: "SIGBUS") == .memoryAccess(SIGBUS))
        #expect(try writable.guardedLoad(0) == 5)
        status = try SystemVSharedMemorySegments.status(segment)
        #expect(status.lastPID == getpid() && status.attachments == 2)
        try SystemVSharedMemorySegments.detach(readOnly)
        try SystemVSharedMemorySegments.detach(writable)
    }
}
