import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `MAP_FIXED_NOREPLACE` and `MAP_FIXED` at a free address, on a POSIX shared memory object (this kernel, 6.18;
/// a C probe first). `do_mmap` checks the offset, the length and the address's alignment (`EINVAL`), then
/// `MAP_FIXED_NOREPLACE`'s overlap (`EEXIST` when any page of the range is mapped, however little), and only then
/// `EOVERFLOW`, the flags' `EINVAL` and the descriptor's `EACCES`; the mapping in the way is left as it was. At a
/// free place it maps exactly there, as `MAP_FIXED` does, with the later checks as without an address; in a hole
/// unmapped from a mapping it maps into the hole.
@Suite struct SharedMemoryNoReplaceFactsTests {
    func map(
        _ address: UnsafeMutableRawPointer?, _ length: Int = 4096, _ offset: Int = 0, flags: CInt = MAP_SHARED | MAP_FIXED_NOREPLACE,
        of descriptor: FileDescriptor
    ) -> Result<UnsafeMutableRawPointer, Errno> {
        let result = mmap(address, length, PROT_READ | PROT_WRITE, flags, descriptor.rawValue, off_t(offset))
        if result == MAP_FAILED { return .failure(Errno(rawValue: errno)) }
        return .success(result!)
    }

    func error(_ result: Result<UnsafeMutableRawPointer, Errno>) -> Errno? {
        if case .failure(let error) = result { return error }
        return nil
    }

    @Test func noReplaceRefusesATakenPageAfterTheAlignmentChecks() throws {
        try Syscall.withoutConcurrentSpawns { () throws in try measure() }
    }

    private func measure() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("noreplace", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(reader) }
        let taken = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        defer { try? PosixSharedMemory.unmap(taken) }
        taken.store(0, 5)
        let top = Int.max & ~4095
        // EINVAL first: an unaligned offset or address, length 0.
        #expect(error(map(taken.base, 4096, 8, of: descriptor)) == .invalidArgument)
        #expect(error(map(taken.base + 8, of: descriptor)) == .invalidArgument)
        #expect(error(map(taken.base, 0, of: descriptor)) == .invalidArgument)
        // EEXIST before EOVERFLOW, neither MAP_SHARED nor MAP_PRIVATE, and EACCES; over its second page alone too.
        #expect(error(map(taken.base, of: descriptor)) == .fileExists)
        #expect(error(map(taken.base + 4096, of: descriptor)) == .fileExists)
        #expect(error(map(taken.base, 8192, top - 4096, of: descriptor)) == .fileExists)
        #expect(error(map(taken.base, flags: MAP_FIXED_NOREPLACE, of: descriptor)) == .fileExists)
        #expect(error(map(taken.base, of: reader)) == .fileExists)
        #expect(taken.load(0) == 5)  // left as it was

        // A free place: it maps there; EOVERFLOW, the flags' EINVAL and EACCES as without an address.
        for flags in [MAP_SHARED | MAP_FIXED_NOREPLACE, MAP_SHARED | MAP_FIXED] {
            let free = try FreeAddress.reserve(2 * 4096)
            #expect(error(map(free, 8192, top - 4096, flags: flags, of: descriptor)) == Errno(rawValue: EOVERFLOW))
            #expect(error(map(free, flags: flags & ~MAP_SHARED, of: descriptor)) == .invalidArgument)
            #expect(error(map(free, flags: flags, of: reader)) == .permissionDenied)
            let placed = try map(free, 8192, flags: flags, of: descriptor).get()
            #expect(placed == free && SharedWords(base: placed, count: 1024).load(0) == 5)
            munmap(placed, 8192)
        }

        // A hole unmapped from a mapping: the range over the hole alone maps into it; over the hole and a page
        // still mapped, EEXIST.
        let holed = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        defer { munmap(holed.base, 2 * 4096) }
        munmap(holed.base, 4096)
        #expect(error(map(holed.base, 8192, of: descriptor)) == .fileExists)
        let filled = try map(holed.base, of: descriptor).get()
        #expect(filled == holed.base && holed.load(0) == 5)
    }
}
