import Dispatch
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `semget` and `shmget` of a key that never named an object, and what the object a create makes reports (LTP's
/// `semget01`, `semget02`, `semget05`, `shmget01`, `shmget02`, `shmctl01`): a lookup fails `ENOENT`; a count above
/// `semmsl` (or negative) fails `EINVAL` before the key is looked at, a create of 0 semaphores or of a segment below
/// `SHMMIN` (1 byte) or above `shmmax` `EINVAL`; a new set's semaphores are 0, `GETPID` 0, `sem_otime` 0, its mode the
/// flag's permission bits (no umask); a new segment's `shm_segsz` is the size asked for, not page-rounded, `shm_cpid` the
/// creator, `shm_lpid` and `shm_nattch` 0; two creators racing with `IPC_CREAT | IPC_EXCL`: exactly one wins.
@Suite struct SystemVCreationFactsTests {
    @Test func semgetOfAKeyThatNeverNamedASet() throws {
        let key = SystemVKeyFactsTests.key()
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.semget(key, count: 1, flags: 0) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.semget(key, count: 0, flags: 0) }
        // The count is checked first, before the key is looked up.
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 32001, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: -1, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 0, flags: IPC_CREAT | 0o600) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 32001, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        // Nothing was made.
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.semget(key, count: 1, flags: 0) }
    }

    @Test func aNewSetIsZeroedAndReportsWhatWasAsked() throws {
        let key = SystemVKeyFactsTests.key()
        // Permission bits as asked: the umask (022 here) does not apply.
        let previous = umask(0o022)
        defer { umask(previous) }
        let set = try Syscall.semget(key, count: 3, flags: IPC_CREAT | 0o666)
        defer { try? Syscall.semRemove(set) }
        let status = try Syscall.semStatus(set)
        #expect(status.count == 3)
        #expect(status.mode == 0o666)
        #expect(status.ownerUID == getuid() && status.groupGID == getgid())
        #expect(status.operationTime == 0)
        #expect(status.changeTime != 0)
        #expect(try Syscall.semValues(set, count: 3) == [0, 0, 0])
        for number in 0..<3 {
            #expect(try Syscall.semLastProcess(set, number: number) == 0)
            #expect(try Syscall.semWaiters(set, number: number, zero: false) == 0)
        }
        // Then the key names it: found, with IPC_CREAT too; EEXIST with IPC_EXCL; EINVAL for more semaphores.
        #expect(try Syscall.semget(key, count: 3, flags: IPC_CREAT | 0o600) == set)
        #expect(try Syscall.semget(key, count: 0, flags: 0) == set)
        #expect(throws: Errno.fileExists) { _ = try Syscall.semget(key, count: 1, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 4, flags: IPC_CREAT | 0o600) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 32001, flags: IPC_CREAT | IPC_EXCL | 0o600) }
    }

    @Test func shmgetOfAKeyThatNeverNamedASegment() throws {
        let key = SystemVKeyFactsTests.key()
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmget(key, size: 4096, flags: 0) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmget(key, size: 0, flags: 0) }
        // Creating: below SHMMIN (1) and above shmmax (2^64 - 2^24 - 1 here: SIZE_MAX passes it) EINVAL.
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 0, flags: IPC_CREAT | 0o600) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: -1, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmget(key, size: 1, flags: 0) }
    }

    @Test func aNewSegmentHasTheSizeAskedAndItsCreator() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let key = SystemVKeyFactsTests.key()
            let segment = try Syscall.shmget(key, size: 100, flags: IPC_CREAT | IPC_EXCL | 0o640)
            defer { try? Syscall.shmRemove(segment) }
            let status = try SystemVSharedMemorySegments.status(segment)
            #expect(status.size == 100)
            #expect(status.creatorPID == getpid())
            #expect(status.lastPID == 0)
            #expect(status.attachments == 0)
            #expect(status.attachTime == 0 && status.detachTime == 0 && status.changeTime != 0)
            #expect(status.mode & 0o777 == 0o640)
            #expect(status.ownerUID == getuid() && status.groupGID == getgid())
            // Found for up to the size asked (not the page it fills), EEXIST with IPC_EXCL.
            #expect(try Syscall.shmget(key, size: 100, flags: 0) == segment)
            #expect(try Syscall.shmget(key, size: 1, flags: IPC_CREAT | 0o600) == segment)
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 101, flags: 0) }
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 4096, flags: IPC_CREAT | 0o600) }
            #expect(throws: Errno.fileExists) { _ = try Syscall.shmget(key, size: 100, flags: IPC_CREAT | IPC_EXCL | 0o600) }
            // IPC_EXCL's EEXIST comes before the size's EINVAL.
            #expect(throws: Errno.fileExists) { _ = try Syscall.shmget(key, size: 8192, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        }
    }

    /// Two threads racing `IPC_CREAT | IPC_EXCL` on one fresh key, many times: exactly one gets the id, the other
    /// `EEXIST` (never both, never neither).
    @Test func racingExclusiveCreatorsOneWins() throws {
        for round in 0..<20 {
            let key = SystemVKeyFactsTests.key()
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                let result: Result<CInt, Errno>
                do throws(Errno) {
                    result = .success(
                        round % 2 == 0
                            ? try Syscall.semget(key, count: 2, flags: IPC_CREAT | IPC_EXCL | 0o600).id
                            : try Syscall.shmget(key, size: 64, flags: IPC_CREAT | IPC_EXCL | 0o600).id)
                } catch { result = .failure(error) }
                results.set(index, result)
            }
            let ids = results.all.compactMap { try? $0.get() }
            for id in ids {
                if round % 2 == 0 { try? Syscall.semRemove(SystemVSemaphoreSet(id: id)) } else { try? Syscall.shmRemove(SystemVSharedMemory(id: id)) }
            }
            #expect(ids.count == 1)
            #expect(results.all.filter { if case .failure(.fileExists) = $0 { true } else { false } }.count == 1)
        }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLockLike()
        private var values: [Int: Result<CInt, Errno>] = [:]
        func set(_ index: Int, _ result: Result<CInt, Errno>) { lock.with { values[index] = result } }
        var all: [Result<CInt, Errno>] { lock.with { values.keys.sorted().map { values[$0]! } } }
    }
}

/// A pthread mutex, for the racing tests' results.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func with<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
