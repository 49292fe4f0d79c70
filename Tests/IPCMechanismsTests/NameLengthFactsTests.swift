import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Where a POSIX object's name turns from too long for glibc to too long for the kernel: glibc's `shm_open` puts
/// `/dev/shm/` and the name in a buffer of its own and refuses, `EINVAL`, only what does not fit, so names of 256 to
/// 259 characters after the slash reach the kernel, which fails `ENAMETOOLONG` (Open POSIX `shm_open/39-1`'s
/// `NAME_MAX` + 1). `sem_open` refuses 256 itself (`SemaphoreCreationFactsTests`); `mq_open` hands every name to the
/// kernel. The models' `"over-name-max"` name is 256 characters (`RefusedName.overNameMax`).
@Suite struct NameLengthFactsTests {
    let stem = "ipch-test-\(getpid())-len-"

    func name(_ length: Int) -> String { "/" + stem + String(repeating: "o", count: length - stem.count) }

    @Test func shmOpenNamesOf256To259CharactersFailENAMETOOLONGFromTheKernel() throws {
        for length in [256, 259] {
            #expect(throws: Errno.fileNameTooLong) { try Syscall.close(try Syscall.shmOpen(name(length), flags: O_RDWR | O_CREAT, mode: 0o600)) }
            #expect(throws: Errno.fileNameTooLong) { try Syscall.shmUnlink(name(length)) }
        }
        for length in [260, 300] {
            #expect(throws: Errno.invalidArgument) { try Syscall.close(try Syscall.shmOpen(name(length), flags: O_RDWR | O_CREAT, mode: 0o600)) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.shmUnlink(name(length)) }
        }
        let longest = name(255)
        try Syscall.close(try Syscall.shmOpen(longest, flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600))
        try Syscall.shmUnlink(longest)
    }

    @Test func mqOpenNamesOver255CharactersFailENAMETOOLONG() throws {
        for length in [256, 259, 260] {
            #expect(throws: Errno.fileNameTooLong) { try Syscall.close(try Syscall.mqOpen(name(length), flags: O_RDWR)) }
            #expect(throws: Errno.fileNameTooLong) { try Syscall.mqUnlink(name(length)) }
        }
    }
}
