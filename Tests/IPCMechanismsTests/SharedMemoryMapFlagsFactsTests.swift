import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `mmap`'s flags beyond the type and the address, on a POSIX shared memory object (this kernel, 6.18; a C probe of
/// every bit first): what `MAP_SHARED_VALIDATE` refuses, where each refusal stands among `mmap`'s others, and what
/// `MAP_LOCKED` does. The model's rules: `PosixSharedMemoryModel+MapFlags`.
@Suite struct SharedMemoryMapFlagsFactsTests {
    static let readWrite = PROT_READ | PROT_WRITE

    /// `mmap` of `length` bytes at `offset`; a success is unmapped again unless `keep`.
    func map(
        _ descriptor: FileDescriptor, flags: CInt, length: Int = 8192, offset: Int = 0, protection: CInt = readWrite,
        at address: UnsafeMutableRawPointer? = nil
    ) -> Errno? {
        let result = mmap(address, length, protection, flags, descriptor.rawValue, off_t(offset))
        if result == MAP_FAILED { return Errno(rawValue: errno) }
        munmap(result, length)
        return nil
    }

    /// Bits `MAP_SHARED_VALIDATE` refuses (`EOPNOTSUPP`), one at a time, and bits it takes; plain `MAP_SHARED` and
    /// `MAP_PRIVATE` take every one of the refused (they drop what they do not know). Bit 31 is refused because
    /// glibc's `int` flags reach the kernel sign-extended.
    @Test func mapSharedValidateRefusesFlagsOutsideTheLegacySet() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("validate", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let refused: [UInt32] = [0x200, 0x400, 0x80000, 0x200000, 0x400000, 0x800000, 0x1000000, 0x2000000, 0x8000_0000]
        let taken: [UInt32] = [0x40, 0x80, 0x800, 0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x20000, 0x4000000, 0x8000000, 0x4000_0000]
        for bit in refused {
            let flags = CInt(bitPattern: bit)
            #expect(map(descriptor, flags: MAP_SHARED_VALIDATE | flags) == .notSupported, "bit \(bit)")
            #expect(map(descriptor, flags: MAP_SHARED | flags) == nil, "bit \(bit)")
            #expect(map(descriptor, flags: MAP_PRIVATE | flags) == nil, "bit \(bit)")
        }
        for bit in taken { #expect(map(descriptor, flags: MAP_SHARED_VALIDATE | CInt(bitPattern: bit)) == nil, "bit \(bit)") }
    }

    /// A `MAP_SHARED_VALIDATE` mapping is the object's memory, as a `MAP_SHARED` one is.
    @Test func aValidatedMappingSharesTheObject() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("validate-shared", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let shared = try PosixSharedMemory.map(descriptor, size: 4096)
        defer { try? PosixSharedMemory.unmap(shared) }
        let validated = try #require(mmap(nil, 4096, Self.readWrite, MAP_SHARED_VALIDATE, descriptor.rawValue, 0))
        #expect(validated != MAP_FAILED)
        defer { munmap(validated, 4096) }
        validated.storeBytes(of: 42, toByteOffset: 8, as: UInt64.self)
        #expect(shared.load(1) == 42)
    }

    /// The order of the refusals: the offset's and length's `EINVAL` and `MAP_HUGETLB`'s before everything else;
    /// then `MAP_FIXED_NOREPLACE`'s `EEXIST`, `EOVERFLOW`, `MAP_SHARED_VALIDATE`'s `EOPNOTSUPP`, the descriptor's
    /// `EACCES`, and `MAP_GROWSDOWN`'s `EINVAL` last.
    @Test func theFlagsRefusalsStandInThisOrder() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (name, descriptor) = try SharedMemoryFactsTests.object("map-order", pages: 2)
            defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
            let reader = try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)
            defer { try? Syscall.close(reader) }
            let taken = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
            defer { try? PosixSharedMemory.unmap(taken) }
            let overflowing = Int.max & ~4095
            let unsupported = MAP_SHARED_VALIDATE | CInt(bitPattern: 0x80000)  // MAP_SYNC
            // MAP_HUGETLB: EINVAL before EOVERFLOW, EEXIST and EACCES.
            #expect(map(descriptor, flags: MAP_SHARED | MAP_HUGETLB) == .invalidArgument)
            #expect(map(descriptor, flags: MAP_PRIVATE | MAP_HUGETLB) == .invalidArgument)
            #expect(map(descriptor, flags: MAP_SHARED | MAP_HUGETLB, offset: overflowing) == .invalidArgument)
            #expect(map(reader, flags: MAP_SHARED | MAP_HUGETLB) == .invalidArgument)
            #expect(map(descriptor, flags: MAP_SHARED | MAP_HUGETLB | MAP_FIXED_NOREPLACE, at: taken.base) == .invalidArgument)
            // EOPNOTSUPP after the alignment's EINVAL, EEXIST and EOVERFLOW, before EACCES and MAP_GROWSDOWN's EINVAL.
            #expect(map(descriptor, flags: unsupported, offset: 8) == .invalidArgument)
            #expect(map(descriptor, flags: unsupported, length: 0) == .invalidArgument)
            #expect(map(descriptor, flags: unsupported | MAP_FIXED_NOREPLACE, at: taken.base) == .fileExists)
            #expect(map(descriptor, flags: unsupported, offset: overflowing) == Errno(rawValue: EOVERFLOW))
            #expect(map(reader, flags: unsupported) == .notSupported)
            #expect(map(descriptor, flags: unsupported | MAP_GROWSDOWN) == .notSupported)
            #expect(map(reader, flags: MAP_SHARED_VALIDATE) == .permissionDenied)
            #expect(map(reader, flags: MAP_SHARED_VALIDATE, protection: PROT_READ) == nil)
            // A refused MAP_FIXED leaves the mapping in its way.
            taken.store(0, 7)
            #expect(map(descriptor, flags: unsupported | MAP_FIXED, at: taken.base) == .notSupported)
            #expect(map(descriptor, flags: MAP_SHARED | MAP_GROWSDOWN | MAP_FIXED, at: taken.base) == .invalidArgument)
            #expect(taken.load(0) == 7)
            // MAP_GROWSDOWN of a file: EINVAL last, after EOVERFLOW, EEXIST and EACCES; shared, private or validated.
            for type in [MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE] {
                #expect(map(descriptor, flags: type | MAP_GROWSDOWN) == .invalidArgument)
                #expect(map(descriptor, flags: type | MAP_GROWSDOWN, offset: overflowing) == Errno(rawValue: EOVERFLOW))
                #expect(map(descriptor, flags: type | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, at: taken.base) == .fileExists)
            }
            #expect(map(reader, flags: MAP_SHARED | MAP_GROWSDOWN) == .permissionDenied)
            #expect(map(reader, flags: MAP_PRIVATE | MAP_GROWSDOWN) == .invalidArgument)
            // A type that is none of the three: EINVAL, whatever else it carries.
            #expect(map(descriptor, flags: 0x08 | CInt(bitPattern: 0x80000)) == .invalidArgument)
        }
    }

    /// `MAP_LOCKED` locks every page of the mapping — past the object's end, and a private mapping's too — as
    /// `msync`'s `MS_INVALIDATE` then reports (`EBUSY`); `MAP_POPULATE` past the end maps. (The test process runs as
    /// root in CI: `CAP_IPC_LOCK`, no `RLIMIT_MEMLOCK`.)
    @Test(.enabled(if: Syscall.locksMemoryWithoutLimit)) func mapLockedLocksEveryPageOfTheMapping() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("map-locked", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        func invalidate(_ address: UnsafeMutableRawPointer) -> Errno? {
            msync(address, 4096, MS_INVALIDATE) == 0 ? nil : Errno(rawValue: errno)
        }
        for type in [MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE] {
            let locked = try #require(mmap(nil, 8192, Self.readWrite, type | MAP_LOCKED, descriptor.rawValue, 0))
            #expect(locked != MAP_FAILED)
            #expect(invalidate(locked) == .resourceBusy)
            #expect(invalidate(locked + 4096) == .resourceBusy)  // wholly past the 1-page object's end
            munmap(locked, 8192)
            let plain = try #require(mmap(nil, 8192, Self.readWrite, type, descriptor.rawValue, 0))
            #expect(invalidate(plain) == nil)
            munmap(plain, 8192)
        }
        #expect(map(descriptor, flags: MAP_SHARED | MAP_POPULATE, length: 8192, offset: 4096) == nil)
    }
}
