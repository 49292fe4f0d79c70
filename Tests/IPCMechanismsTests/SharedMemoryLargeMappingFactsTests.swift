import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `mmap` lengths far past a POSIX shared memory object, as this kernel answers them (a C probe first): what the
/// posix-shm model does not express yet. Its mappings keep their pages one by one, so a trace's `open` `"length"`
/// stays within the setup's `words`' pages — a longer one is refused (exit 2), never judged.
///
/// The kernel's answers: a shared mapping may reach 2^46 bytes past a 4 KiB object (its pages cost nothing until
/// touched), from an offset of 2^46 too; a length that no free range of the 47-bit user address space can hold fails
/// `ENOMEM` (2^47 less a page already: other mappings take some of it), as does any larger one; a writable private
/// mapping of 2^46 bytes fails `ENOMEM` at once under the heuristic overcommit (`vm.overcommit_memory` 0), which counts
/// it against memory and swap.
@Suite struct SharedMemoryLargeMappingFactsTests {
    /// `mmap`'s outcome: 0 (the mapping made and unmapped again), else errno.
    static func mapped(_ descriptor: CInt, length: Int, flags: CInt, offset: off_t = 0, protection: CInt = PROT_READ | PROT_WRITE) -> CInt {
        let address = mmap(nil, length, protection, flags, descriptor, offset)
        guard let address, address != MAP_FAILED else { return errno }
        munmap(address, length)
        return 0
    }

    /// `vm.overcommit_memory`, or -1 where it cannot be read.
    static func overcommitMode() -> Int {
        let file = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return -1 }
        defer { close(file) }
        var digit: UInt8 = 0
        return read(file, &digit, 1) == 1 ? Int(digit) - 48 : -1
    }

    @Test func aSharedMappingReachesFarPastTheObjectUntilNoRangeHoldsIt() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("huge-map", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        #expect(Self.mapped(fd, length: 1 << 40 + 1, flags: MAP_SHARED) == 0)
        #expect(Self.mapped(fd, length: 1 << 46, flags: MAP_SHARED) == 0)
        #expect(Self.mapped(fd, length: 1 << 46, flags: MAP_SHARED, offset: 1 << 46, protection: PROT_READ) == 0)
        for length in [1 << 47 - 4096, 1 << 47, 1 << 50, Int.max] {
            #expect(Self.mapped(fd, length: length, flags: MAP_SHARED) == ENOMEM, "length \(length)")
        }
        if Self.overcommitMode() == 0 {
            #expect(Self.mapped(fd, length: 1 << 46, flags: MAP_PRIVATE) == ENOMEM)
        }
    }
}
