import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about `pthread_mutexattr_setprotocol` on a process-shared mutex (glibc 2.36 on this kernel), as the
/// robust-mutex model encodes them (its `"protocol"`): glibc's robust-mutex tests run again with
/// `PTHREAD_PRIO_INHERIT` (tst-robustpi*) and expect the same outcomes, and on this glibc they are the same but for
/// one: a not-recoverable mutex's `trylock` gives the lock word back (the kernel's PI unlock), where without a
/// protocol it keeps it. A stalled (not robust) PI mutex differs more, and is measured here to say why the model
/// refuses it.
@Suite struct MutexProtocolFactsTests {
    func withMutex(robust: Bool = true, type: RobustMutex.MutexType = .errorCheck, protocol: RobustMutex.MutexProtocol, _ body: (RobustMutex) throws -> Void) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        try TestThread.runAlone { try body(try RobustMutex.initialize(at: memory, robust: robust, type: type, protocol: `protocol`)) }
    }

    /// Owner died, unlocked without `consistent`: not recoverable. With priority inheritance each `trylock` then
    /// fails `ENOTRECOVERABLE` and leaves the word free — again for the same thread (not `EDEADLK`), for another
    /// (not `EBUSY`), and `lock` too; nobody holds it, so `unlock` is `EPERM`. Without a protocol, glibc's `trylock`
    /// keeps the word: the same thread's next one is `EDEADLK` (error-checking).
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func aNotRecoverablePITrylockGivesTheWordBack(type: RobustMutex.MutexType) throws {
        try withMutex(type: type, protocol: .inherit) { mutex in
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: true) == .acquiredOwnerDied)
            try mutex.unlock()
            #expect(lockFailure(mutex, tryOnly: true) == Errno(rawValue: ENOTRECOVERABLE))
            #expect(lockFailure(mutex, tryOnly: true) == Errno(rawValue: ENOTRECOVERABLE))
            var other: (try: Errno?, lock: Errno?) = (nil, nil)
            TestThread { other = (lockFailure(mutex, tryOnly: true), lockFailure(mutex, tryOnly: false)) }.join()
            #expect(other.try == Errno(rawValue: ENOTRECOVERABLE))
            #expect(other.lock == Errno(rawValue: ENOTRECOVERABLE))
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            try mutex.destroy()
        }
        try withMutex(protocol: .none) { mutex in
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: true) == .acquiredOwnerDied)
            try mutex.unlock()
            #expect(lockFailure(mutex, tryOnly: true) == Errno(rawValue: ENOTRECOVERABLE))
            #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
        }
    }

    /// Everything else a robust mutex does, the PI one does alike (the same calls as the model's robust facts):
    /// the holder's relock `EDEADLK` (error-checking: `trylock` too), a normal one's `trylock` `EBUSY`, a recursive
    /// one counting; unlock of a free mutex `EPERM`; `EOWNERDEAD` holding it after the owner's death, `consistent`
    /// making it ordinary again; `consistent` of a consistent mutex `EINVAL`.
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func aRobustPIMutexOtherwiseBehavesAsARobustOne(type: RobustMutex.MutexType) throws {
        for `protocol` in [RobustMutex.MutexProtocol.none, .inherit] {
            try withMutex(type: type, protocol: `protocol`) { mutex in
                #expect(try mutex.lock(tryOnly: false) == .acquired)
                switch type {
                case .errorCheck:
                    #expect(lockFailure(mutex, tryOnly: false) == .deadlock)
                    #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
                case .normal:
                    #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
                case .recursive:
                    #expect(try mutex.lock(tryOnly: true) == .acquired)
                    try mutex.unlock()
                }
                try mutex.unlock()
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted, "\(`protocol`)")
                #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
                TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
                #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
                try mutex.consistent()
                try mutex.unlock()
                #expect(try mutex.lock(tryOnly: true) == .acquired)
                try mutex.unlock()
            }
        }
    }

    /// The owner died: a PI mutex's word is then not 0, so glibc's timed lock goes to the kernel, which refuses an
    /// invalid deadline (`EINVAL`) before taking the word — still owner-died for the next `lock`. Without a protocol
    /// glibc takes the word itself (`EOWNERDEAD`) and never looks at the deadline. (Found by the model-against-kernel
    /// sequences.)
    @Test func aPITimedLockChecksItsDeadlineOnAnOwnerDiedMutex() throws {
        for `protocol` in [RobustMutex.MutexProtocol.none, .inherit] {
            try withMutex(protocol: `protocol`) { mutex in
                TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
                var acquisition: RobustMutex.Acquisition?
                let invalid = failure { () throws(Errno) in
                    acquisition = try mutex.timedLock(deadline: Syscall.invalidDeadline, clock: CLOCK_MONOTONIC)
                }
                if `protocol` == .inherit {
                    #expect(invalid == .invalidArgument)
                    #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
                } else {
                    #expect(invalid == nil)
                    #expect(acquisition == .acquiredOwnerDied)
                }
                try mutex.consistent()
                try mutex.unlock()
            }
        }
    }

    /// glibc 2.36 makes no robust priority-protect mutex: `pthread_mutex_init` fails `EOPNOTSUPP` (`ENOTSUP`, the
    /// same number) before it touches the mutex — one held stays held by its holder. A stalled one it makes.
    @Test func aRobustPriorityProtectMutexIsRefused() throws {
        try withMutex(protocol: .none) { mutex in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(failure { () throws(Errno) in try mutex.initialize(robust: true, protocol: .protect) } == Errno(rawValue: EOPNOTSUPP))
            #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
            try mutex.unlock()
            #expect(failure { () throws(Errno) in try mutex.initialize(robust: false, protocol: .protect) } == nil)
        }
    }

    /// Why the model refuses a stalled PI mutex: it checks its owner where a stalled mutex of no protocol does not
    /// (the holder's `trylock` of an error-checking one is `EDEADLK`, not `EBUSY`; a normal one's `unlock` by anyone
    /// but the holder is `EPERM`, where without a protocol it frees the mutex), and — measured with a C probe —
    /// when its holder dies with another process asleep in `lock`, the kernel hands the PI futex to the sleeper
    /// marked owner-died and glibc's assertion (`robust || (oldval & FUTEX_OWNER_DIED) == 0`) aborts it (`SIGABRT`),
    /// and every later `lock` or `trylock` too: deaths the checker cannot tell from a crash of the code under test.
    @Test func aStalledPIMutexChecksItsOwner() throws {
        try withMutex(robust: false, protocol: .inherit) { mutex in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
            try mutex.unlock()
        }
        try withMutex(robust: false, protocol: .none) { mutex in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            try mutex.unlock()
        }
        try withMutex(robust: false, type: .normal, protocol: .inherit) { mutex in
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            var unlock: Errno?
            TestThread { unlock = failure { () throws(Errno) in try mutex.unlock() } }.join()
            #expect(unlock == .notPermitted)
            try mutex.unlock()
        }
        try withMutex(robust: false, type: .normal, protocol: .none) { (mutex: RobustMutex) throws in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            var unlock: Errno?
            TestThread { unlock = failure { () throws(Errno) in try mutex.unlock() } }.join()
            #expect(unlock == nil)
        }
    }
}
