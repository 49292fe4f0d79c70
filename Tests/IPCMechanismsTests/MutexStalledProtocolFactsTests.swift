import Glibc
import IPCMechanisms
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// Facts about stalled (not robust) process-shared mutexes with a priority protocol on this glibc (2.36), as the
/// robust-mutex model encodes them (`"protocol"` on a stalled mutex, `getprioceiling`, `setprioceiling`): the Open
/// POSIX Test Suite's `pthread_mutexattr_setprotocol`, `pthread_mutex_getprioceiling` and `setprioceiling` calls.
/// Each body runs on a fresh thread (``TestThread/runAlone(_:)``): glibc's priority-protect bookkeeping is the
/// thread's, and a fresh one has raised nothing. A thread stands in for a process whose death leaves a stalled mutex
/// held (the kernel knows nothing of it; a PI futex with nobody waiting keeps the dead thread's id).
@Suite struct MutexStalledProtocolFactsTests {
    func withMutex(
        type: RobustMutex.MutexType = .errorCheck, protocol: RobustMutex.MutexProtocol, ceiling: Int32? = nil,
        _ body: (RobustMutex) throws -> Void
    ) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        try TestThread.runAlone {
            try body(try RobustMutex.initialize(at: memory, robust: false, type: type, protocol: `protocol`, ceiling: ceiling))
        }
    }

    /// Another thread's calls, joined: its error, nil for success.
    func elsewhere(_ call: @escaping () -> Errno?) -> Errno? {
        nonisolated(unsafe) var result: Errno?
        TestThread { result = call() }.join()
        return result
    }

    /// A stalled PI mutex checks its owner in every type: unlocking a free one or another's is `EPERM` (a normal one
    /// of no protocol frees it for anyone), the error-checking holder's `trylock` and invalid-deadline `timedlock` are
    /// `EDEADLK` (no protocol: `trylock` `EBUSY`), the normal holder's `trylock` `EBUSY`, the recursive holder counts;
    /// another's `trylock` is `EBUSY`, its `timedlock` with an invalid deadline `EINVAL` (the kernel's `FUTEX_LOCK_PI`
    /// checks it first), with a deadline past `ETIMEDOUT`.
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func aStalledPIMutexChecksItsOwner(type: RobustMutex.MutexType) throws {
        try withMutex(type: type, protocol: .inherit) { (mutex: RobustMutex) throws in
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            switch type {
            case .errorCheck:
                #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
                #expect(timedLockFailure(mutex, deadline: Syscall.invalidDeadline) == .deadlock)
            case .normal:
                #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            case .recursive:
                #expect(try mutex.lock(tryOnly: true) == .acquired)
                #expect(timedLockFailure(mutex, deadline: Syscall.invalidDeadline) == nil)
                try mutex.unlock()
                try mutex.unlock()
            }
            #expect(elsewhere { failure { () throws(Errno) in try mutex.unlock() } } == .notPermitted)
            #expect(elsewhere { lockFailure(mutex, tryOnly: true) } == .resourceBusy)
            #expect(elsewhere { timedLockFailure(mutex, deadline: Syscall.invalidDeadline) } == .invalidArgument)
            #expect(elsewhere { timedLockFailure(mutex, deadline: timespec(tv_sec: 0, tv_nsec: 0)) } == .timedOut)
            try mutex.unlock()
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            try mutex.destroy()
        }
    }

    /// Its holder's death with nobody asleep in `lock` leaves a stalled PI mutex held by the dead thread, as one of no
    /// protocol: `trylock` `EBUSY`, `unlock` `EPERM`, `destroy` `EBUSY`, `consistent` `EINVAL`, a timed lock `EINVAL`
    /// (invalid deadline) or `ETIMEDOUT` (glibc waits out the deadline where the kernel says the owner is gone).
    /// (With a process asleep in `lock` then, the kernel hands it the futex marked owner-died and glibc's assertion
    /// aborts it and every later locker: ``aStalledPIMutexsSleeperIsAbortedWhenItsHolderDies()``.)
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func aStalledPIMutexWhoseHolderDiedStaysHeld(type: RobustMutex.MutexType) throws {
        try withMutex(type: type, protocol: .inherit) { (mutex: RobustMutex) throws in
            #expect(elsewhere { lockFailure(mutex, tryOnly: false) } == nil)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
            #expect(timedLockFailure(mutex, deadline: Syscall.invalidDeadline) == .invalidArgument)
            #expect(timedLockFailure(mutex, deadline: timespec(tv_sec: 0, tv_nsec: 0)) == .timedOut)
        }
    }

    /// The ceiling: glibc's default attribute ceiling (0) is made 1, a set one kept; `getprioceiling` gives it,
    /// `setprioceiling` returns the old one and sets the new, `EINVAL` outside 1...99 (`SCHED_FIFO`'s bounds: 0, 100
    /// and -1 refused, the ceiling unchanged). On a mutex of another protocol, both fail `EINVAL`.
    @Test func theCeilingIsReadAndSetWithinTheRealTimeBounds() throws {
        try withMutex(protocol: .protect) { (mutex: RobustMutex) throws in
            #expect(try mutex.priorityCeiling() == 1)
        }
        try withMutex(protocol: .protect, ceiling: 7) { (mutex: RobustMutex) throws in
            #expect(try mutex.priorityCeiling() == 7)
            for refused: Int32 in [0, 100, -1] {
                #expect(failure { () throws(Errno) in _ = try mutex.setPriorityCeiling(refused) } == .invalidArgument)
            }
            #expect(try mutex.setPriorityCeiling(1) == 7)
            #expect(try mutex.setPriorityCeiling(99) == 1)
            #expect(try mutex.priorityCeiling() == 99)
        }
        for other in [RobustMutex.MutexProtocol.none, .inherit] {
            try withMutex(protocol: other) { (mutex: RobustMutex) throws in
                #expect(failure { () throws(Errno) in _ = try mutex.priorityCeiling() } == .invalidArgument)
                #expect(failure { () throws(Errno) in _ = try mutex.setPriorityCeiling(5) } == .invalidArgument)
            }
        }
    }

    /// A `SCHED_OTHER` thread's lock raises its priority to the ceiling: glibc records the ceiling, calls
    /// `sched_setscheduler(SCHED_OTHER, ceiling)`, which fails `EINVAL`, and returns that without undoing the record —
    /// so its first lock of a ceiling above what it raised before fails `EINVAL`, and the next one locks. Each type,
    /// `lock` and `trylock` alike; after `setprioceiling` higher, one `EINVAL` again; lower, none.
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func aSchedOtherThreadsFirstLockAboveWhatItRaisedFailsEINVAL(type: RobustMutex.MutexType) throws {
        try withMutex(type: type, protocol: .protect, ceiling: 5) { (mutex: RobustMutex) throws in
            #expect(lockFailure(mutex, tryOnly: false) == .invalidArgument)
            #expect(try mutex.priorityCeiling() == 5)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            try mutex.unlock()
            #expect(try mutex.setPriorityCeiling(50) == 5)
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()
            #expect(try mutex.setPriorityCeiling(3) == 50)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            try mutex.unlock()
            // Another thread has raised nothing.
            #expect(elsewhere { lockFailure(mutex, tryOnly: true) } == .invalidArgument)
        }
    }

    /// Its holder's own calls: an error-checking one's `lock`, `trylock` and `setprioceiling` fail `EDEADLK`; a
    /// recursive one's count, and its `setprioceiling` changes the ceiling it holds (the old one back) up to what it
    /// raised, `EINVAL` above; a normal one's `trylock` is `EBUSY`. Another's `unlock` is `EPERM` but a normal one's,
    /// which frees it; a normal one's unlock of a free mutex succeeds, glibc's user count going below 0 (`destroy`
    /// `EBUSY`).
    @Test(arguments: [RobustMutex.MutexType.errorCheck, .normal, .recursive])
    func theHoldersOwnCalls(type: RobustMutex.MutexType) throws {
        try withMutex(type: type, protocol: .protect, ceiling: 50) { (mutex: RobustMutex) throws in
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            #expect(try mutex.setPriorityCeiling(5) == 50)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            switch type {
            case .errorCheck:
                #expect(lockFailure(mutex, tryOnly: false) == .deadlock)
                #expect(lockFailure(mutex, tryOnly: true) == .deadlock)
                #expect(failure { () throws(Errno) in _ = try mutex.setPriorityCeiling(9) } == .deadlock)
                #expect(elsewhere { failure { () throws(Errno) in try mutex.unlock() } } == .notPermitted)
                try mutex.unlock()
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
                try mutex.destroy()
            case .recursive:
                #expect(try mutex.lock(tryOnly: true) == .acquired)
                #expect(try mutex.setPriorityCeiling(40) == 5)
                #expect(try mutex.priorityCeiling() == 40)
                #expect(elsewhere { failure { () throws(Errno) in try mutex.unlock() } } == .notPermitted)
                try mutex.unlock()
                try mutex.unlock()
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
                try mutex.destroy()
            case .normal:
                #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
                #expect(elsewhere { failure { () throws(Errno) in try mutex.unlock() } } == nil)
                #expect(try mutex.lock(tryOnly: true) == .acquired)
                try mutex.unlock()
                #expect(failure { () throws(Errno) in try mutex.unlock() } == nil)
                #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            }
        }
    }

    /// `setprioceiling` takes the lock word: on a mutex another thread holds it sleeps (the word shows a waiter),
    /// the ceiling unchanged, until the unlock; then it returns the old ceiling and leaves the mutex free.
    @Test func settingTheCeilingOfAHeldMutexWaitsForTheUnlock() throws {
        try withMutex(protocol: .protect, ceiling: 5) { (mutex: RobustMutex) throws in
            _ = lockFailure(mutex, tryOnly: false)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            nonisolated(unsafe) var old: Int32 = -1
            let setter = TestThread { old = (try? mutex.setPriorityCeiling(9)) ?? -2 }
            let word = UnsafeMutableRawPointer(mutex.pointer)
            // The low bits of glibc's lock word: 1 held, 2 held with a waiter.
            while word.load(as: UInt32.self) & 0x7ffff != 2 { sched_yield() }
            #expect(try mutex.priorityCeiling() == 5)
            try mutex.unlock()
            setter.join()
            #expect(old == 5)
            #expect(try mutex.priorityCeiling() == 9)
            #expect(word.load(as: UInt32.self) & 0x7ffff == 0)
        }
    }

    /// glibc 2.36's `setprioceiling` waits for the word with the ceiling it first read; when the recursive holder
    /// moves the ceiling meanwhile, the waiter wakes, leaves its loop without the lock (a `continue` inside
    /// `do … while (0)`), returns the new ceiling as the old one and writes its own ceiling into a free word — while
    /// the holder still holds the mutex (its owner field). The next locker would then take the word and die of glibc's
    /// `__owner == 0` assertion (seen in a run of robust-mutex-stalled-protocols; not made here).
    @Test func aSetterAsleepAcrossACeilingChangeWritesAFreeWordUnderTheHolder() throws {
        try withMutex(type: .recursive, protocol: .protect, ceiling: 20) { (mutex: RobustMutex) throws in
            _ = lockFailure(mutex, tryOnly: false)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            nonisolated(unsafe) var old: Int32 = -1
            let setter = TestThread { old = (try? mutex.setPriorityCeiling(9)) ?? -2 }
            let word = UnsafeMutableRawPointer(mutex.pointer)
            while word.load(as: UInt32.self) & 0x7ffff != 2 { sched_yield() }
            #expect(try mutex.setPriorityCeiling(4) == 20)
            setter.join()
            #expect(old == 4)
            #expect(try mutex.priorityCeiling() == 9)
            #expect(word.load(as: UInt32.self) & 0x7ffff == 0)
            // Its owner field still names this thread: the unlock succeeds as the holder's.
            #expect(failure { () throws(Errno) in try mutex.unlock() } == nil)
        }
    }

    /// Its holder's death leaves a stalled priority-protect mutex held for good: another's `trylock` `EBUSY` (once
    /// its priority is raised), `unlock` `EPERM`, `destroy` `EBUSY`, `consistent` `EINVAL`; the ceiling still reads.
    /// Destroyed (free), its kind -1 still has the protocol's bit: the ceiling reads and sets as before, locks `EINVAL`.
    @Test func aPriorityProtectMutexWhoseHolderDiedAndOneDestroyed() throws {
        try withMutex(protocol: .protect, ceiling: 4) { (mutex: RobustMutex) throws in
            #expect(elsewhere { lockFailure(mutex, tryOnly: false) == .invalidArgument ? lockFailure(mutex, tryOnly: false) : .badAddress } == nil)
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
            #expect(try mutex.priorityCeiling() == 4)
        }
        try withMutex(protocol: .protect, ceiling: 4) { (mutex: RobustMutex) throws in
            try mutex.destroy()
            #expect(try mutex.priorityCeiling() == 4)
            #expect(try mutex.setPriorityCeiling(6) == 4)
            #expect(try mutex.priorityCeiling() == 6)
            #expect(lockFailure(mutex, tryOnly: false) == .invalidArgument)
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
        }
    }

    /// Not root changes nothing for a `SCHED_OTHER` thread (`RLIMIT_RTPRIO` 0): its first lock still fails `EINVAL`
    /// (`sched_setscheduler` refuses a priority for `SCHED_OTHER` before it looks at privileges), the next locks. In
    /// an exit test: the child gives up root for good.
    @Test func notRootTheFirstLockAlsoFailsEINVAL() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
            guard let mutex = try? RobustMutex.initialize(at: memory, robust: false, protocol: .protect, ceiling: 10) else { exit(1) }
            if getuid() == 0 {
                guard setgid(65534) == 0, setuid(65534) == 0 else { exit(2) }
            }
            guard getuid() != 0 else { exit(3) }
            guard lockFailure(mutex, tryOnly: false) == .invalidArgument else { exit(4) }
            guard lockFailure(mutex, tryOnly: false) == nil else { exit(5) }
            guard failure({ () throws(Errno) in try mutex.unlock() }) == nil else { exit(6) }
            guard (try? mutex.setPriorityCeiling(20)) == 10 else { exit(7) }
            guard lockFailure(mutex, tryOnly: true) == .invalidArgument else { exit(8) }
            exit(0)
        }
    }
}

/// In a child test process: a grandchild holds a stalled PI mutex, another sleeps in `lock` on it (the word shows
/// `FUTEX_WAITERS`), and the holder is killed. The kernel hands the sleeper the futex marked owner-died and glibc's
/// assertion (`robust || (oldval & FUTEX_OWNER_DIED) == 0`) aborts it; a later `trylock` aborts too (`assert (robust)`).
/// Why the model judges no completion there and the checker names such deaths hazards. Exit status 0 when all held,
/// else the number of the first check that failed.
extension MutexStalledProtocolFactsTests {
    @Test func aStalledPIMutexsSleeperIsAbortedWhenItsHolderDies() async {
        await #expect(processExitsWith: .exitCode(0)) {
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            guard setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore) == 0 else { exit(9) }
            let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
            guard let mutex = try? RobustMutex.initialize(at: memory, robust: false, protocol: .inherit) else { exit(10) }
            let holder = MutexLifecycleFactsTests.forkHolder(of: mutex)
            // The children make only C calls (forked from a threaded process, they must not enter the Swift runtime).
            let pointer = mutex.pointer
            let sleeper = fork()
            if sleeper == 0 {
                _ = pthread_mutex_lock(pointer)
                _exit(2)
            }
            // glibc's lock word is the mutex's first field; the kernel sets FUTEX_WAITERS once the sleeper is queued.
            let word = memory.assumingMemoryBound(to: Atomic<UInt32>.self)
            while word.pointee.load(ordering: .acquiring) & 0x8000_0000 == 0 { sched_yield() }
            kill(holder, SIGKILL)
            var status: CInt = 0
            guard waitpid(holder, &status, 0) == holder else { exit(13) }
            guard waitpid(sleeper, &status, 0) == sleeper, status & 0x7f == SIGABRT else { exit(14) }
            let later = fork()
            if later == 0 {
                _ = pthread_mutex_trylock(pointer)
                _exit(3)
            }
            guard waitpid(later, &status, 0) == later, status & 0x7f == SIGABRT else { exit(15) }
            exit(0)
        }
    }
}

/// A timed lock's failure with an absolute `CLOCK_REALTIME` deadline; nil when it locked.
private func timedLockFailure(_ mutex: RobustMutex, deadline: timespec) -> Errno? {
    failure { () throws(Errno) in _ = try mutex.timedLock(deadline: deadline) }
}
