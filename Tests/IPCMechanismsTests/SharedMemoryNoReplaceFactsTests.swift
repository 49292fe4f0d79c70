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

        // A free place, and a hole unmapped from a mapping: in a forked child (single-threaded: nothing else maps
        // memory meanwhile, where in this process another test's thread could take the place first).
        let facts = SharedMemoryFactsTests.factsInChild {
            // Plain C calls only: a child forked from this multithreaded process must take no lock another thread
            // held at the fork (the Swift runtime's witness tables included: a loop over an array hung here once).
            let file = descriptor.rawValue, readOnly = reader.rawValue, rw = PROT_READ | PROT_WRITE
            func refused(_ address: UnsafeMutableRawPointer?, _ length: Int, _ offset: Int, _ flags: CInt, _ fd: CInt, _ code: CInt) -> Bool {
                mmap(address, length, rw, flags, fd, off_t(offset)) == MAP_FAILED && errno == code
            }
            var held: UInt16 = 0
            var bit: UInt16 = 0
            while bit < 8 {
                let flags = bit == 0 ? MAP_SHARED | MAP_FIXED_NOREPLACE : MAP_SHARED | MAP_FIXED
                let free = mmap(nil, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                if free == MAP_FAILED { return held }
                munmap(free, 8192)
                // EOVERFLOW, the flags' EINVAL and EACCES as without an address; then it maps exactly there.
                if refused(free, 8192, top - 4096, flags, file, EOVERFLOW) { held |= 1 << bit }
                if refused(free, 4096, 0, flags & ~MAP_SHARED, file, EINVAL) { held |= 2 << bit }
                if refused(free, 4096, 0, flags, readOnly, EACCES) { held |= 4 << bit }
                if let placed = mmap(free, 8192, rw, flags, file, 0), placed == free,
                    placed.assumingMemoryBound(to: UInt64.self).pointee == 5 { held |= 8 << bit }
                munmap(free, 8192)
                bit += 4
            }
            // Over the hole and a page still mapped, EEXIST; over the hole alone it maps into it.
            guard let holed = mmap(nil, 8192, rw, MAP_SHARED, file, 0), holed != MAP_FAILED else { return held }
            munmap(holed, 4096)
            if refused(holed, 8192, 0, MAP_SHARED | MAP_FIXED_NOREPLACE, file, EEXIST) { held |= 256 }
            if mmap(holed, 4096, rw, MAP_SHARED | MAP_FIXED_NOREPLACE, file, 0) == holed,
                holed.assumingMemoryBound(to: UInt64.self).pointee == 5 { held |= 512 }
            return held
        }
        #expect(facts == 0x3ff, "facts held: \(String(facts, radix: 2)) (bits 0-3 MAP_FIXED_NOREPLACE at a free place: EOVERFLOW, EINVAL, EACCES, maps; 4-7 MAP_FIXED; 8 EEXIST over a hole and a page; 9 maps into the hole)")
    }
}
