import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// What a forked child inherits of a process's mappings of a POSIX shared memory object, and anonymous shared
/// memory (measured first with a C probe; Open POSIX mmap 7-x: "the mapping type is retained across fork"): the
/// posix-shm model's `fork` (``PosixSharedMemoryModel+Fork``).
@Suite struct SharedMemoryForkFactsTests {
    /// The child's shared mapping reaches the object (the parent sees its store); its private mapping starts with
    /// the parent's copied page as it stood (5) and its own store there stays its own, while a page neither stored
    /// to follows the object for the parent after the fork; anonymous shared memory is shared; an inherited
    /// `MAP_LOCKED` page is not locked in the child (`msync(MS_INVALIDATE)` succeeds there, `EBUSY` in the
    /// parent); the inherited descriptor keeps `FD_CLOEXEC`.
    @Test func aForkedChildInheritsTheMappingsUnlocked() throws {
        let name = "/ipch-test-\(getpid())-fork-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try PosixSharedMemory.create(name, size: 3 * 4096)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        func map(_ length: Int, _ flags: CInt, _ file: CInt) throws -> UnsafeMutablePointer<UInt64> {
            let address = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, flags, file, 0))
            try #require(address != MAP_FAILED)
            return address.assumingMemoryBound(to: UInt64.self)
        }
        let shared = try map(3 * 4096, MAP_SHARED, descriptor.rawValue)
        let copy = try map(3 * 4096, MAP_PRIVATE, descriptor.rawValue)
        let locked = try map(4096, MAP_SHARED | MAP_LOCKED, descriptor.rawValue)
        let anonymous = try map(4096, MAP_SHARED | MAP_ANONYMOUS, -1)
        defer {
            munmap(shared, 3 * 4096); munmap(copy, 3 * 4096); munmap(locked, 4096); munmap(anonymous, 4096)
        }
        copy[0] = 5  // copies page 0
        #expect(copy[512] == 0)  // page 1 read only: follows the object
        anonymous[0] = 1
        #expect(msync(locked, 4096, MS_INVALIDATE) == -1 && errno == EBUSY)
        try Syscall.withoutConcurrentSpawns { () throws in
            let child = fork()
            if child == 0 {
                // Only plain memory and C calls here (a child forked from a threaded process must not enter the
                // Swift runtime); the results go to words 10... of the anonymous page.
                anonymous[10] = copy[0]
                copy[0] = 6
                shared[1] = 77
                anonymous[0] = 2
                anonymous[11] = msync(locked, 4096, MS_INVALIDATE) == 0 ? 0 : UInt64(errno)
                anonymous[12] = UInt64(fcntl(descriptor.rawValue, F_GETFD))
                _exit(0)
            }
            var status: CInt = 0
            #expect(waitpid(child, &status, 0) == child && status == 0)
        }
        #expect(anonymous[10] == 5)  // the child's copy started as the parent's
        #expect(copy[0] == 5)  // the child's store to its copy is its own
        #expect(shared[1] == 77 && anonymous[0] == 2)  // shared and anonymous shared memory: one memory
        #expect(anonymous[11] == 0)  // not locked in the child
        #expect(anonymous[12] == UInt64(FD_CLOEXEC))
        shared[512] = 9
        #expect(copy[512] == 9)  // the page never stored to still follows the object
    }
}
