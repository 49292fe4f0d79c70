import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about POSIX and System V semaphores and the robust mutex that their models encode. A thread stands in
/// for a process where the kernel treats their deaths alike (the robust list) or differently (SEM_UNDO).
@Suite struct SemaphoreFactsTests {
    /// A page of anonymous shared memory, unmapped when done.
    func withSharedPage(_ body: (UnsafeMutableRawPointer) throws -> Void) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        try body(memory)
    }

    @Test func aNamedSemaphoreIsMode0600LeavesNoDescriptorAndOutlivesItsName() throws {
        let name = "/ipch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let semaphore = try PosixSemaphore.create(name, value: 1)
        defer { try? PosixSemaphore.unlink(name) }
        // No descriptor of this process names the semaphore's file. (Not a count of all descriptors: tests running
        // alongside open and close their own.)
        let file = "/dev/shm/sem.\(name.dropFirst())"
        let targets = try Syscall.directoryEntries("/proc/self/fd").map { entry in
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/\(entry)", &buffer, buffer.count - 1)
            return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        }
        #expect(!targets.contains { $0.hasPrefix(file) })
        var info = stat()
        #expect(stat("/dev/shm/sem.\(name.dropFirst())", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(throws: Errno.fileExists) { _ = try PosixSemaphore.create(name, value: 1) }
        try PosixSemaphore.unlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try PosixSemaphore.open(name) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try PosixSemaphore.unlink(name) }
        #expect(try semaphore.wait(nonblocking: true))
        #expect(try !semaphore.wait(nonblocking: true))
        try semaphore.post()
        #expect(try semaphore.value() == 1)
        try semaphore.close()
    }

    @Test func postFailsEOVERFLOWAtSEM_VALUE_MAX() throws {
        try withSharedPage { page in
            let semaphore = try PosixSemaphore.initialize(at: page, value: Int(Int32.max))
            #expect(throws: Errno(rawValue: EOVERFLOW)) { try semaphore.post() }
            #expect(try semaphore.value() == Int(Int32.max))
        }
    }

    /// `GETVAL` of a number outside the set fails `EINVAL`; `SETALL` with one value above 32767 fails `ERANGE` and
    /// sets none. (That `SETALL` also clears every process's `SEM_UNDO` adjustment was measured with a C probe: a
    /// child takes +1 with `SEM_UNDO`, sets all to 5 and exits, and the values stay 5 — it needs a process exit,
    /// which a test process must not fork for; the sysv-sem model encodes it.)
    @Test func getvalAndSetallCheckTheirArguments() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semValue(set, number: 5) }
        #expect(throws: Errno(rawValue: ERANGE)) { try Syscall.semSetValues(set, [1, 40000]) }
        #expect(try SystemVSemaphores.values(set, count: 2) == [0, 0])
        try Syscall.semSetValues(set, [3, 7])
        #expect(try Syscall.semValue(set, number: 1) == 7)
    }

    @Test func semopAppliesItsOperationsInOrderAllOrNone() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        try Syscall.semSetValues(set, [10, 0])
        let take10Give4 = [SemaphoreOperation(number: 0, change: -10), SemaphoreOperation(number: 0, change: 4)]
        #expect(try SystemVSemaphores.perform(set, take10Give4, nonblocking: true))
        let give4Take10 = [SemaphoreOperation(number: 0, change: 4), SemaphoreOperation(number: 0, change: -10)]
        #expect(try !SystemVSemaphores.perform(set, give4Take10, nonblocking: true))
        #expect(try SystemVSemaphores.values(set, count: 2) == [4, 0])
        let overflow = [SemaphoreOperation(number: 0, change: -1), SemaphoreOperation(number: 1, change: 32767), SemaphoreOperation(number: 1, change: 1)]
        #expect(throws: Errno(rawValue: ERANGE)) { _ = try SystemVSemaphores.perform(set, overflow, nonblocking: true) }
        #expect(throws: Errno.fileTooLarge) { _ = try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 2, change: 1)], nonblocking: true) }
        #expect(throws: Errno.invalidArgument) { _ = try SystemVSemaphores.perform(set, [], nonblocking: true) }
        #expect(try !SystemVSemaphores.perform(set, [SemaphoreOperation(number: 0, change: 0)], nonblocking: true))
        #expect(try SystemVSemaphores.values(set, count: 2) == [4, 0])
    }

    /// `semctl(GETPID)` is the last process whose `semop` succeeded on that semaphore — every semaphore its
    /// operations name, a wait for zero included — or that set it (`SETVAL`, `SETALL`); 0 for one no process has
    /// touched. A `semop` that fails (`EAGAIN`, `ERANGE`) sets nothing, and a number outside the set fails `EINVAL`.
    /// (That the undo applied at a process's exit sets it to the dying process is the kernel's `exit_sem`; the
    /// real-mode runs of `sysv-sem-undo`, checked against the model, hold it.)
    @Test func getpidIsTheLastProcessToOperateOnOrSetTheSemaphore() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 5, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        let me = getpid()
        #expect(try (0..<5).map { try Syscall.semLastProcess(set, number: $0) } == [0, 0, 0, 0, 0])
        #expect(try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 0, change: 2)], nonblocking: true))
        #expect(try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 1, change: 0)], nonblocking: true))
        #expect(try !SystemVSemaphores.perform(set, [SemaphoreOperation(number: 2, change: -1)], nonblocking: true))
        #expect(throws: Errno(rawValue: ERANGE)) {
            _ = try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 4, change: 1), SemaphoreOperation(number: 4, change: 32767)], nonblocking: true)
        }
        try Syscall.semSetValue(set, number: 3, value: 1)
        #expect(try (0..<5).map { try Syscall.semLastProcess(set, number: $0) } == [me, me, 0, me, 0])
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semLastProcess(set, number: 5) }
        try Syscall.semSetValues(set, [0, 0, 0, 0, 0])
        #expect(try (0..<5).map { try Syscall.semLastProcess(set, number: $0) } == [me, me, me, me, me])
        try Syscall.semRemove(set)
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semLastProcess(set, number: 0) }
    }

    @Test func semUndoIsNotAppliedWhenAThreadExits() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 1, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        try Syscall.semSetValues(set, [3])
        let thread = TestThread {
            _ = try? SystemVSemaphores.perform(set, [SemaphoreOperation(number: 0, change: -1, undo: true)], nonblocking: true)
        }
        thread.join()
        #expect(try SystemVSemaphores.values(set, count: 1) == [2])
    }

    @Test func aRobustMutexWhoseOwnerDiesGivesEOWNERDEADThenConsistentOrNotRecoverable() throws {
        try withSharedPage { page in
            let mutex = try RobustMutex.initialize(at: page)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(throws: Errno.deadlock) { _ = try mutex.lock(tryOnly: true) }
            try mutex.unlock()
            #expect(throws: Errno.notPermitted) { try mutex.unlock() }
            #expect(throws: Errno.invalidArgument) { try mutex.consistent() }
            // A thread that exits holding it: the kernel walks its robust list, as at a process's death.
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(throws: Errno.invalidArgument) { try mutex.consistent() }  // owner died, but no one holds it yet
            #expect(try mutex.lock(tryOnly: true) == .acquiredOwnerDied)
            try mutex.consistent()
            try mutex.unlock()
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
            try mutex.unlock()
            #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.lock(tryOnly: false) }
            #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.lock(tryOnly: false) }
        }
    }

    @Test func glibcLetsAnyThreadMakeAnInconsistentMutexConsistent() throws {
        try withSharedPage { page in
            let mutex = try RobustMutex.initialize(at: page)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()  // takes it with EOWNERDEAD and dies too
            try mutex.consistent()  // this thread never held it
            #expect(try mutex.lock(tryOnly: true) == .acquiredOwnerDied)  // the lock word still says owner died
            try mutex.unlock()  // without consistent: not recoverable
        }
    }

    @Test func glibcTrylockOnANotRecoverableMutexLeavesItHeld() throws {
        try withSharedPage { page in
            let mutex = try RobustMutex.initialize(at: page)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
            try mutex.unlock()
            // Another thread's trylock "fails" ENOTRECOVERABLE but keeps the lock word; it exits, not on its
            // robust list, so the word holds a dead thread's id for good.
            TestThread {
                #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.lock(tryOnly: true) }
            }.join()
            #expect(try mutex.lock(tryOnly: true) == .busy)
            #expect(throws: Errno.notPermitted) { try mutex.unlock() }
        }
    }
}
