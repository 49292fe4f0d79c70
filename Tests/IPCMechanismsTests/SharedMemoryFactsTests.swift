import CIPCShims
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
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
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
            // A second detach of that address fails EINVAL: asked in a forked child (single-threaded), since here another
            // test's thread may have attached something there meanwhile, which the detach would take away from it.
            // (A plain shmdt: a forked child of this multithreaded process takes no lock of the harness's or the runtime's.)
            let secondDetachFailed = Self.factsInChild { shmdt(first.base) == -1 && errno == EINVAL ? 1 : 0 }
            #expect(secondDetachFailed == 1)
            try SystemVSharedMemorySegments.detach(second)
            #expect(throws: Errno.invalidArgument) { _ = try SystemVSharedMemorySegments.status(segment) }
            #expect(throws: Errno.invalidArgument) { _ = try SystemVSharedMemorySegments.attach(segment, size: 64) }
            #expect(throws: Errno.invalidArgument) { try SystemVSharedMemorySegments.remove(segment) }
        }
    }

    /// `IPC_STAT`'s `shm_segsz` is the size asked for (100, not a page), and `shm_lpid` 0 until a process attaches
    /// or detaches, then that process (a child's attach and its exit's detach were measured with a C probe: each
    /// sets it). `SHM_RDONLY` gives an attachment whose loads work and whose stores the kernel refuses with
    /// `SIGSEGV`, changing nothing.
    @Test func segsizeLpidAndAReadOnlyAttachmentRefusingStoresWithSIGSEGV() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
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

    // MARK: Mappings: MAP_PRIVATE, offsets, mprotect, partial munmap (measured first with a C probe, then here)

    /// A fresh object of `pages` pages under a unique name, its read-write descriptor, and a cleanup.
    static func object(_ label: String, pages: Int) throws -> (name: String, descriptor: FileDescriptor) {
        let name = "/ipch-test-\(getpid())-\(label)-\(UInt32.random(in: 0...UInt32.max))"
        return (name, try PosixSharedMemory.create(name, size: pages * 4096))
    }

    /// A mapping keeps its object after its descriptor is closed and the name unlinked (Open POSIX mmap 12-1,
    /// shm_unlink 3-1): stores and loads through it work, another mapping of the object still sees them, and the
    /// name is gone (`ENOENT`).
    @Test func aMappingOutlivesItsDescriptorAndTheName() throws {
        let (name, descriptor) = try Self.object("close", pages: 1)
        let other = try Syscall.shmOpen(name, flags: O_RDWR | O_CLOEXEC)
        defer { try? Syscall.close(other); try? Syscall.shmUnlink(name) }
        let mapping = try PosixSharedMemory.map(descriptor, size: 4096)
        let second = try PosixSharedMemory.map(other, size: 4096)
        defer { try? PosixSharedMemory.unmap(mapping); try? PosixSharedMemory.unmap(second) }
        try Syscall.close(descriptor)
        try Syscall.shmUnlink(name)
        try mapping.guardedStore(3, 42)
        #expect(try mapping.guardedLoad(3) == 42)
        #expect(try second.guardedLoad(3) == 42)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmOpen(name, flags: O_RDWR | O_CLOEXEC) }
        #expect(try Syscall.fileStatus(other).size == 4096)
    }

    /// `MAP_PRIVATE`: a page this process has only read (or never touched) follows the object — another mapping's
    /// store shows — while its first store copies that page: from then the store and the page's other words are its
    /// own (the object and a shared mapping never see them, and the object's later stores no longer show there). The
    /// pages it has not stored to keep following. A `PROT_WRITE` private mapping of an `O_RDONLY` descriptor is
    /// allowed (its stores are private), where a shared one fails `EACCES`.
    @Test func aPrivateMappingFollowsTheObjectUntilItStoresToAPage() throws {
        let (name, descriptor) = try Self.object("private", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        let copy = try PosixSharedMemory.map(descriptor, size: 3 * 4096, writable: true, isPrivate: true)
        defer { try? PosixSharedMemory.unmap(shared); try? PosixSharedMemory.unmap(copy) }
        #expect(try copy.guardedLoad(0) == 0)
        shared.store(0, 5)
        #expect(try copy.guardedLoad(0) == 5)  // read, not yet written: follows
        try copy.guardedStore(1, 9)  // copies page 0
        #expect(shared.load(1) == 0)
        shared.store(0, 6)
        #expect(try copy.guardedLoad(0) == 5)  // page 0 is its own now
        #expect(try copy.guardedLoad(512) == 0)
        shared.store(512, 7)
        #expect(try copy.guardedLoad(512) == 7)  // page 1 only read: still follows
        shared.store(1024, 3)
        #expect(try copy.guardedLoad(1024) == 3)  // page 2 never touched: follows
        #expect(try copy.guardedAdd(1024, 1) == 3 && shared.load(1024) == 3 && (try copy.guardedLoad(1024)) == 4)

        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        #expect(throws: Errno.permissionDenied) { _ = try PosixSharedMemory.map(reader, size: 4096, writable: true, isPrivate: false) }
        let privateOfReader = try PosixSharedMemory.map(reader, size: 4096, writable: true, isPrivate: true)
        defer { try? PosixSharedMemory.unmap(privateOfReader) }
        try privateOfReader.guardedStore(0, 4)
        #expect(try privateOfReader.guardedLoad(0) == 4 && shared.load(0) == 6)
    }

    /// `ftruncate` and a private mapping: a shrink makes every page wholly beyond the end `SIGBUS`, copied ones too —
    /// the copy is dropped: once the object grows again the page reads the object (zeros) and follows it. The last,
    /// partly kept page keeps its copy whole (the object's zeroed tail does not show in it), and a copied page
    /// inside the end keeps its words. `shm_open`'s `O_TRUNC` drops copies as a shrink to 0 does.
    @Test func truncationDropsPrivateCopiesOfPagesWhollyBeyondTheEnd() throws {
        let (name, descriptor) = try Self.object("private-truncate", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        let copy = try PosixSharedMemory.map(descriptor, size: 3 * 4096, writable: true, isPrivate: true)
        defer { try? PosixSharedMemory.unmap(shared); try? PosixSharedMemory.unmap(copy) }
        try copy.guardedStore(1, 9)
        try copy.guardedStore(510, 22)
        try copy.guardedStore(513, 44)
        shared.store(510, 33)
        try Syscall.truncate(descriptor, size: 4000)
        #expect(try [1, 510].map { try copy.guardedLoad($0) } == [9, 22])  // the copy of the last page, whole
        #expect(shared.load(510) == 0)  // the object's tail is zeroed
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try copy.guardedLoad(513) }
        try Syscall.truncate(descriptor, size: 3 * 4096)
        #expect(try copy.guardedLoad(513) == 0)  // the copy of page 1 is gone
        shared.store(513, 8)
        #expect(try copy.guardedLoad(513) == 8)  // and the page follows the object again
        try Syscall.truncate(descriptor, size: 0)
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try copy.guardedLoad(1) }
        try Syscall.truncate(descriptor, size: 4096)
        #expect(try copy.guardedLoad(1) == 0)
        // shm_open's O_TRUNC is the same truncation: the copy goes.
        try copy.guardedStore(1, 5)
        try Syscall.close(try Syscall.shmOpen(name, flags: O_RDWR | O_TRUNC | O_CLOEXEC))
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try copy.guardedLoad(1) }
        try Syscall.truncate(descriptor, size: 4096)
        #expect(try copy.guardedLoad(1) == 0)
    }

    /// `mmap`'s offset: a multiple of the page size (else `EINVAL`), word i of the mapping being word offset/8 + i
    /// of the object, and `SIGBUS` where the object's end falls, counted from the offset; an offset past the end
    /// maps (every access `SIGBUS`). `mmap`'s refusals, in the order the kernel checks them: an unaligned offset
    /// `EINVAL`, then a bad descriptor `EBADF`, then length 0 or flags with neither `MAP_SHARED` nor `MAP_PRIVATE`
    /// `EINVAL`, then `EACCES` (a shared `PROT_WRITE` mapping of an `O_RDONLY` descriptor).
    @Test func mmapOffsetsAndTheOrderOfItsRefusals() throws {
        let (name, descriptor) = try Self.object("offset", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { try? PosixSharedMemory.unmap(shared) }
        for offset in [100, 2048, 8] {
            #expect(throws: Errno.invalidArgument) { _ = try PosixSharedMemory.map(descriptor, size: 4096, writable: false, isPrivate: false, offset: offset) }
        }
        let shifted = try PosixSharedMemory.map(descriptor, size: 3 * 4096, writable: true, isPrivate: false, offset: 4096)
        defer { try? PosixSharedMemory.unmap(shifted) }
        shared.store(512, 77)
        try shifted.guardedStore(1, 78)
        #expect(try shifted.guardedLoad(0) == 77 && shared.load(513) == 78 && (try shifted.guardedLoad(1023)) == 0)
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try shifted.guardedLoad(1024) }
        try Syscall.truncate(descriptor, size: 4096 + 16)
        #expect(try shifted.guardedLoad(0) == 77)
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try shifted.guardedLoad(512) }
        try Syscall.truncate(descriptor, size: 4096)
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try shifted.guardedLoad(0) }
        let beyond = try PosixSharedMemory.map(descriptor, size: 4096, writable: false, isPrivate: false, offset: 1 << 20)
        defer { try? PosixSharedMemory.unmap(beyond) }
        #expect(throws: Errno.memoryAccess(SIGBUS)) { _ = try beyond.guardedLoad(0) }

        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let closed = FileDescriptor(rawValue: 999)
        let write = PROT_READ | PROT_WRITE
        func refusal(_ descriptor: FileDescriptor, _ size: Int, _ flags: CInt, _ offset: Int = 0) -> Errno? {
            do {
                let address = try Syscall.map(descriptor, size: size, protection: write, flags: flags, offset: offset)
                try? Syscall.unmap(address, size: size)
                return nil
            } catch { return error }
        }
        #expect(refusal(closed, 4096, MAP_SHARED, 100) == .invalidArgument)
        #expect(refusal(closed, 0, MAP_SHARED) == .badFileDescriptor)
        #expect(refusal(closed, 4096, 0) == .badFileDescriptor)
        #expect(refusal(descriptor, 0, MAP_SHARED) == .invalidArgument)
        #expect(refusal(descriptor, 4096, 0) == .invalidArgument)
        #expect(refusal(reader, 0, MAP_SHARED) == .invalidArgument)
        #expect(refusal(reader, 4096, 0) == .invalidArgument)
        #expect(refusal(reader, 4096, MAP_SHARED, 100) == .invalidArgument)
        #expect(refusal(reader, 4096, MAP_SHARED) == .permissionDenied)
        #expect(refusal(reader, 4096, MAP_PRIVATE) == nil)
    }

    /// `mprotect` of a mapping: `PROT_NONE` refuses loads as well as stores with `SIGSEGV`, `PROT_READ` stores, and
    /// `PROT_READ | PROT_WRITE` gives both back; only the pages asked for change. `PROT_WRITE` on a shared mapping
    /// of an `O_RDONLY` descriptor fails `EACCES` (on a private one it is allowed); an unaligned address fails
    /// `EINVAL` (length 0 too), while length 0 at a page boundary succeeds.
    @Test func mprotectChangesWhatTheMappingAllows() throws {
        let (name, descriptor) = try Self.object("mprotect", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let words = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        defer { try? PosixSharedMemory.unmap(words) }
        try words.guardedStore(0, 3)
        try Syscall.protect(words.base, size: 4096, protection: PROT_NONE)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { _ = try words.guardedLoad(0) }
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try words.guardedStore(0, 1) }
        #expect(try words.guardedAdd(512, 2) == 0)  // the second page is untouched
        try Syscall.protect(words.base, size: 2 * 4096, protection: PROT_READ)
        #expect(try words.guardedLoad(0) == 3)
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { _ = try words.guardedAdd(512, 1) }
        try Syscall.protect(words.base, size: 2 * 4096, protection: PROT_READ | PROT_WRITE)
        try words.guardedStore(0, 4)
        #expect(throws: Errno.invalidArgument) { try Syscall.protect(words.base + 8, size: 4096, protection: PROT_READ) }
        #expect(throws: Errno.invalidArgument) { try Syscall.protect(words.base + 8, size: 0, protection: PROT_READ) }
        try Syscall.protect(words.base, size: 0, protection: PROT_NONE)
        #expect(try words.guardedLoad(0) == 4)

        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let readOnly = try PosixSharedMemory.map(reader, size: 4096, writable: false)
        let privateOfReader = try PosixSharedMemory.map(reader, size: 4096, writable: false, isPrivate: true)
        defer { try? PosixSharedMemory.unmap(readOnly); try? PosixSharedMemory.unmap(privateOfReader) }
        #expect(throws: Errno.permissionDenied) { try Syscall.protect(readOnly.base, size: 4096, protection: PROT_READ | PROT_WRITE) }
        #expect(throws: Errno.memoryAccess(SIGSEGV)) { try readOnly.guardedStore(0, 1) }
        try Syscall.protect(privateOfReader.base, size: 4096, protection: PROT_READ | PROT_WRITE)
        try privateOfReader.guardedStore(0, 5)
        #expect(try privateOfReader.guardedLoad(0) == 5 && words.load(0) == 4)
    }

    /// Partial `munmap` of a three-page mapping, in a forked child (one thread: nothing else can be mapped into the
    /// hole while it is probed): the unmapped page refuses loads with `SIGSEGV` while the others keep their words;
    /// unmapping it again succeeds; length 0 and an unaligned address fail `EINVAL`; `mprotect` over the hole fails
    /// `ENOMEM` after changing the pages before it (the first page then refuses a store); a length short of a page
    /// unmaps the whole page; unmapping the whole range with its holes succeeds.
    @Test func aPartialMunmapLeavesAHoleThatRefusesAccessesWithSIGSEGV() throws {
        // The forked child holds a copy of every descriptor of this process while it lives: held off from the
        // agreement tests, whose closes must be the last.
        try Syscall.withoutConcurrentSpawns { () throws in try partialMunmapMeasured() }
    }

    /// Runs `body` in a forked child (single-threaded: nothing else maps memory meanwhile) and returns the facts
    /// it found, bit by bit (0 if it reported none). The caller holds off concurrent spawns.
    static func factsInChild(_ body: () -> UInt16) -> UInt16 {
        var report: [CInt] = [0, 0]
        #expect(pipe(&report) == 0)
        defer { close(report[0]) }
        let writeEnd = report[1]
        let child = fork()
        if child == 0 {
            var facts = body()
            _ = Glibc.write(writeEnd, &facts, 2)
            _exit(0)
        }
        close(report[1])
        var facts: UInt16 = 0
        #expect(read(report[0], &facts, 2) == 2)
        var status: CInt = 0
        #expect(waitpid(child, &status, 0) == child)
        return facts
    }

    func partialMunmapMeasured() throws {
        let (name, descriptor) = try Self.object("munmap", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let words = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        words.store(0, 1)
        words.store(1024, 2)
        let base = words.base
        let facts = Self.factsInChild {
            // Bit by bit, each fact that held; the parent names the ones that did not. Only C calls and integers
            // here: a child forked from a threaded process must not enter the Swift runtime, whose locks another
            // thread may have held at the fork.
            let word = base.assumingMemoryBound(to: UInt64.self)
            var facts: UInt16 = 0
            var value: UInt64 = 0
            if munmap(base + 4096, 4096) == 0 { facts |= 1 << 0 }
            if ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word, 0, &value) == 0, value == 1,
                ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 1024, 0, &value) == 0, value == 2,
                ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 511, 0, &value) == 0 { facts |= 1 << 1 }
            if ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 512, 0, &value) == SIGSEGV,
                ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 1023, 0, &value) == SIGSEGV { facts |= 1 << 2 }
            if munmap(base + 4096, 4096) == 0 { facts |= 1 << 3 }
            if munmap(base + 4096, 0) == -1, errno == EINVAL { facts |= 1 << 4 }
            if munmap(base + 8, 4096) == -1, errno == EINVAL { facts |= 1 << 5 }
            if mprotect(base, 3 * 4096, PROT_READ) == -1, errno == ENOMEM { facts |= 1 << 6 }
            if ipc_guarded_word(CInt(IPC_WORD_STORE.rawValue), word, 3, &value) == SIGSEGV { facts |= 1 << 7 }
            if mprotect(base + 4096, 4096, PROT_READ) == -1, errno == ENOMEM { facts |= 1 << 8 }
            if munmap(base, 100) == 0, ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word, 0, &value) == SIGSEGV,
                ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 1024, 0, &value) == 0 { facts |= 1 << 9 }
            if munmap(base, 3 * 4096) == 0, ipc_guarded_word(CInt(IPC_WORD_LOAD.rawValue), word + 1024, 0, &value) == SIGSEGV { facts |= 1 << 10 }
            if munmap(base, 3 * 4096) == 0 { facts |= 1 << 11 }
            return facts
        }
        let missing = (0..<12).filter { facts & (1 << $0) == 0 }
        #expect(missing.isEmpty, "facts that did not hold: \(missing)")
        try PosixSharedMemory.unmap(words)
    }
}
