import Foundation
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

    /// `ftruncate` of a POSIX object: a mapping longer than the object is allowed; a word in a page wholly beyond
    /// the end raises `SIGBUS`, while the rest of the last page can be read and written. Growing zeroes nothing (what
    /// was stored past the old end in its page shows again); shrinking, or truncating to the same size, zeroes every
    /// byte past the end. A negative size fails `EINVAL`, and so does a read-only descriptor; `fstat` gives the size.
    @Test func ftruncateMovesWhereSIGBUSStartsAndZeroesWhatItCuts() throws {
        let name = "/ipch-test-\(getpid())-truncate-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try PosixSharedMemory.create(name, size: 0)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let words = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { try? PosixSharedMemory.unmap(words) }
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try words.guardedLoad(0) }
        try Syscall.truncate(descriptor, size: 16)
        #expect(try Syscall.fileStatus(descriptor).size == 16)
        try words.guardedStore(0, 7)
        try words.guardedStore(5, 9)  // past the end, in its page
        #expect(throws: Errno.memoryAccess(SIGBUS)) { try words.guardedStore(512, 1) }
        try Syscall.truncate(descriptor, size: 8192)
        #expect(try [0, 5, 512].map { try words.guardedLoad($0) } == [7, 9, 0])
        try words.guardedStore(1, 0x1122_3344_5566_7788)
        try words.guardedStore(600, 12)
        try Syscall.truncate(descriptor, size: 12)
        #expect(try words.guardedLoad(1) == 0x5566_7788)  // bytes 12… cut, 8…11 (the low ones) kept
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try words.guardedLoad(600) }
        try words.guardedStore(3, 4)
        try Syscall.truncate(descriptor, size: 12)  // the same size zeroes the tail again
        #expect(try words.guardedLoad(3) == 0)
        try Syscall.truncate(descriptor, size: 8192)
        #expect(try words.guardedLoad(600) == 0)
        #expect(throws: Errno.invalidArgument) { try Syscall.truncate(descriptor, size: -1) }
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        #expect(throws: Errno.invalidArgument) { try Syscall.truncate(reader, size: 100) }
        try Syscall.shmUnlink(name)
        try Syscall.truncate(descriptor, size: 64)
        #expect(try Syscall.fileStatus(descriptor).size == 64)
    }

    /// `shm_open` and `shm_unlink` (glibc 2.36): a name with a slash after the first, an empty one, `/` alone and
    /// one longer than `NAME_MAX` fail `EINVAL` (not `ENAMETOOLONG`) — and `ENOENT` from `shm_unlink`. A new object
    /// has size 0; `O_CREAT | O_EXCL` of an existing name fails `EEXIST`; `O_TRUNC` sets the size to 0, with
    /// `O_RDONLY` too. A read-only descriptor's `PROT_WRITE` mapping fails `EACCES`, and its `PROT_READ` one refuses
    /// stores with `SIGSEGV`.
    @Test func shmOpenNamesFlagsAndReadOnlyDescriptors() throws {
        let name = "/ipch-test-\(getpid())-open-\(UInt32.random(in: 0...UInt32.max))"
        for invalid in [name + "/x", "", "/", "/" + String(repeating: "a", count: 300)] {
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmOpen(invalid, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600) }
        }
        #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.shmUnlink(name + "/x") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.shmUnlink("/" + String(repeating: "a", count: 300)) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmOpen(name, flags: O_RDWR | O_CLOEXEC) }
        let descriptor = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        #expect(try Syscall.fileStatus(descriptor).size == 0)
        #expect(throws: Errno.fileExists) { _ = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600) }
        try Syscall.truncate(descriptor, size: 4096)
        let again = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600)
        try Syscall.close(again)
        #expect(try Syscall.fileStatus(descriptor).size == 4096)
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_TRUNC | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        #expect(try Syscall.fileStatus(descriptor).size == 0)
        try Syscall.truncate(descriptor, size: 4096)
        #expect(throws: Errno.permissionDenied) { _ = try PosixSharedMemory.map(reader, size: 4096) }
        let readOnly = try PosixSharedMemory.map(reader, size: 4096, writable: false)
        defer { try? PosixSharedMemory.unmap(readOnly) }
        #expect(try readOnly.guardedLoad(0) == 0)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try readOnly.guardedStore(0, 1) }
    }

    /// A new object's `st_mode` is the mode `shm_open` asked for less the creator's umask (this process's, read from
    /// `/proc/self/status` rather than changed: the umask is the whole process's).
    @Test func aNewObjectsModeIsTheModeAskedForLessTheUmask() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let umask = try #require(Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8))
        let name = "/ipch-test-\(getpid())-mode-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o666)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        #expect(Int(try Syscall.fileStatus(descriptor).mode & 0o777) == 0o666 & ~umask)
    }
}
