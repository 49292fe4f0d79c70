import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `shmget` sizes beyond what a trace's integers hold (`size_t` above 2^63 − 1), measured with a C probe first:
/// `shmmax` here is 2^64 − 2^24 − 1, yet every create above 2^63 − 1 bytes fails `EINVAL` — tmpfs refuses a file above
/// `MAX_LFS_FILESIZE` (2^63 − 1) before the segment is made — shmmax itself too; 2^63 − 1 does not (`ENOMEM` here, the
/// memory it would need). A lookup of an existing segment for such a size fails `EINVAL` (larger than the segment),
/// after `IPC_EXCL`'s `EEXIST`; of a key that names nothing, `ENOENT` without `IPC_CREAT`. The sysv-shm model reads
/// such a size, written as a larger number or a negative one, as ``SystemVSharedMemoryModel/oversized``.
@Suite struct SystemVSharedMemorySizeFactsTests {
    /// `Syscall.shmget` passes its `Int` size as a `size_t`: a negative one is 2^64 plus it.
    static let beyondTheFileSizeLimit: [(size: Int, what: String)] = [
        (Int.min, "2^63"), (-(1 << 24), "shmmax + 1"), (-(1 << 24) - 1, "shmmax"), (-1, "SIZE_MAX"),
    ]

    @Test func everyCreateAbove2To63Minus1FailsEINVAL() throws {
        for (size, what) in Self.beyondTheFileSizeLimit {
            #expect(throws: Errno.invalidArgument, "\(what)") { _ = try Syscall.shmget(IPC_PRIVATE, size: size, flags: IPC_CREAT | 0o600) }
            let key = SystemVKeyFactsTests.key()
            #expect(throws: Errno.invalidArgument, "\(what)") { _ = try Syscall.shmget(key, size: size, flags: IPC_CREAT | IPC_EXCL | 0o600) }
            #expect(throws: Errno.noSuchFileOrDirectory, "\(what)") { _ = try Syscall.shmget(key, size: size, flags: 0) }
        }
    }

    /// 2^63 − 1 is within the file size limit: not `EINVAL` (it fails for want of memory here; a machine that
    /// overcommits without limit might make it, which is removed at once).
    @Test func aCreateOf2To63Minus1IsNotRefusedForItsSize() throws {
        do {
            let segment = try Syscall.shmget(IPC_PRIVATE, size: Int.max, flags: IPC_CREAT | 0o600)
            try? Syscall.shmRemove(segment)
        } catch {
            #expect(error != .invalidArgument)
        }
    }

    @Test func aLookupOfAnExistingSegmentForSuchASize() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let key = SystemVKeyFactsTests.key()
            let segment = try Syscall.shmget(key, size: 100, flags: IPC_CREAT | IPC_EXCL | 0o600)
            defer { try? Syscall.shmRemove(segment) }
            for (size, what) in Self.beyondTheFileSizeLimit {
                #expect(throws: Errno.invalidArgument, "\(what)") { _ = try Syscall.shmget(key, size: size, flags: 0) }
                #expect(throws: Errno.invalidArgument, "\(what)") { _ = try Syscall.shmget(key, size: size, flags: IPC_CREAT | 0o600) }
                #expect(throws: Errno.fileExists, "\(what)") { _ = try Syscall.shmget(key, size: size, flags: IPC_CREAT | IPC_EXCL | 0o600) }
            }
        }
    }
}
