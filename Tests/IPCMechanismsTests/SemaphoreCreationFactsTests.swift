import Dispatch
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `sem_open` with `O_CREAT` (glibc 2.36; the same as root and, in a C probe under `setpriv --reuid=65534`, as
/// another user): with `O_EXCL` a value above `SEM_VALUE_MAX` fails `EINVAL` before the name is looked at, then an
/// existing name `EEXIST`; without it an existing semaphore is opened whatever the value, and glibc maps it once per
/// process (the same address); once unlinked a create makes a new semaphore. `sem_init` refuses a value above
/// `SEM_VALUE_MAX` too.
@Suite struct SemaphoreCreationFactsTests {
    @Test func oCreatChecksTheValueOnlyWhenItCreatesOrWithOExcl() throws {
        let name = "/ipch-test-\(getpid())-screate-\(UInt32.random(in: 0...UInt32.max))"
        let semaphore = try PosixSemaphore.create(name, value: 1)
        defer { try? Syscall.semUnlink(name) }
        let tooLarge = UInt32(Int32.max) + 1
        #expect(throws: Errno.fileExists) { _ = try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: 1) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: tooLarge) }
        #expect(try Syscall.semCreate(name, flags: 0, mode: 0o600, value: tooLarge) == semaphore.pointer)
        #expect(try semaphore.value() == 1)
        try Syscall.semUnlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try PosixSemaphore.open(name) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semCreate(name, flags: 0, mode: 0o600, value: tooLarge) }
        let fresh = try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: UInt32(Int32.max))
        #expect(fresh != semaphore.pointer)
        #expect(try PosixSemaphore(pointer: fresh).value() == Int(Int32.max))
        try Syscall.semClose(fresh)

        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        #expect(throws: Errno.invalidArgument) {
            try Syscall.semInit(memory.assumingMemoryBound(to: sem_t.self), shared: true, value: tooLarge)
        }
    }

    /// Names glibc's `sem_open` refuses — another slash, empty, longer than `NAME_MAX` — fail `EINVAL`, and
    /// `sem_unlink` of them `ENOENT`.
    @Test func refusedNamesFailEINVALAndUnlinkENOENT() throws {
        let name = "/ipch-test-\(getpid())-names-\(UInt32.random(in: 0...UInt32.max))"
        for path in [name + "/x", "", "/" + String(repeating: "a", count: 300)] {
            #expect(throws: Errno.invalidArgument) { try (try PosixSemaphore.create(path, value: 1)).close() }
            #expect(throws: Errno.noSuchFileOrDirectory) { try PosixSemaphore.unlink(path) }
        }
    }

    /// A name of 252 to 255 characters after the slash — `NAME_MAX` itself too (Open POSIX `sem_unlink/5-1`) — passes
    /// glibc's own check (up to 255), but the file it opens under `/dev/shm` is `sem.` and the name: longer than
    /// `NAME_MAX`, so the kernel refuses it, `sem_open` and `sem_unlink` alike, with `ENAMETOOLONG`; 251 is a name like
    /// any other; from 256 on glibc refuses it itself (`EINVAL`, `ENOENT`: the test above).
    @Test func aNameOfNameMaxCharactersFailsENAMETOOLONGOpenAndUnlinkAlike() throws {
        let stem = "ipch-test-\(getpid())-long-"
        func name(_ length: Int) -> String { "/" + stem + String(repeating: "n", count: length - stem.count) }
        for length in [252, 255] {
            #expect(throws: Errno.fileNameTooLong) { try (try PosixSemaphore.create(name(length), value: 1)).close() }
            #expect(throws: Errno.fileNameTooLong) { try PosixSemaphore.unlink(name(length)) }
        }
        for length in [256, 257] {
            #expect(throws: Errno.invalidArgument) { try (try PosixSemaphore.create(name(length), value: 1)).close() }
            #expect(throws: Errno.noSuchFileOrDirectory) { try PosixSemaphore.unlink(name(length)) }
        }
        let longest = name(251)
        let semaphore = try PosixSemaphore.create(longest, value: 1)
        try semaphore.close()
        try PosixSemaphore.unlink(longest)
    }

    /// A name that never existed (Open POSIX `sem_open/1-1`, `2-1`, `4-1`, `6-1`): `sem_open` without `O_CREAT` and
    /// `sem_unlink` fail `ENOENT`; `O_CREAT` makes it with the value asked (0 and `SEM_VALUE_MAX` too), its file's mode
    /// the mode asked less the umask, owned by the creator; a later `O_CREAT` without `O_EXCL` opens it (the same
    /// address, its value, whatever value it asks), with `O_EXCL` `EEXIST`.
    @Test func aNameThatNeverExistedIsMadeByTheFirstCreate() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        for value in [0, 3, Int(Int32.max)] {
            let name = "/ipch-test-\(getpid())-fresh-\(UInt32.random(in: 0...UInt32.max))"
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.semOpen(name) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.semUnlink(name) }
            let created = try Syscall.semCreate(name, flags: value == 3 ? 0 : O_EXCL, mode: 0o666, value: UInt32(value))
            defer { try? Syscall.semUnlink(name) }
            #expect(try PosixSemaphore(pointer: created).value() == value)
            var info = stat()
            #expect(stat("/dev/shm/sem." + name.dropFirst(), &info) == 0)
            #expect(info.st_mode & 0o777 == 0o644 && info.st_uid == getuid() && info.st_gid == getgid())
            let again = try Syscall.semCreate(name, flags: 0, mode: 0o600, value: 7)
            #expect(again == created)
            #expect(try PosixSemaphore(pointer: again).value() == value)
            #expect(throws: Errno.fileExists) { _ = try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: 1) }
            try Syscall.semClose(again)
            try Syscall.semClose(created)
        }
    }

    /// Two threads racing `O_CREAT | O_EXCL` on one fresh name (glibc links a prepared file into place: atomic), many
    /// times: exactly one gets the semaphore, the other `EEXIST`.
    @Test func racingExclusiveCreatorsOneWins() throws {
        for _ in 0..<20 {
            let name = "/ipch-test-\(getpid())-race-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? Syscall.semUnlink(name) }
            let results = SystemVCreationFactsTests.Results()
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                do throws(Errno) {
                    let semaphore = try Syscall.semCreate(name, flags: O_EXCL, mode: 0o600, value: UInt32(index + 1))
                    results.set(index, .success(CInt(try PosixSemaphore(pointer: semaphore).value())))
                    try? Syscall.semClose(semaphore)
                } catch { results.set(index, .failure(error)) }
            }
            let winners = results.all.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            #expect(results.all.filter { if case .failure(.fileExists) = $0 { true } else { false } }.count == 1)
        }
    }
}
