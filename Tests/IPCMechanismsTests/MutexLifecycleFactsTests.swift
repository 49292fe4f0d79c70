import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// Facts about a process-shared, error-checking mutex's life on this glibc (2.36) that the robust-mutex model
/// encodes: `pthread_mutex_destroy`, `pthread_mutex_init` during a run, and `PTHREAD_MUTEX_STALLED` (not robust).
/// Each test runs for a robust and a stalled mutex where both behave alike. A thread stands in for a process where
/// the kernel treats their deaths alike (it walks a thread's robust list at its exit; a stalled mutex it knows
/// nothing of); the stalled owner's death is also measured with a process really killed.
@Suite struct MutexLifecycleFactsTests {
    /// `body` on a mutex in a fresh page, run on a thread of its own (``TestThread/runAlone(_:)``): some tests leave
    /// a robust mutex on the locking thread's robust list, and the page is unmapped afterwards.
    func withMutex(robust: Bool, _ body: (RobustMutex) throws -> Void) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        try TestThread.runAlone { try body(try RobustMutex.initialize(at: memory, robust: robust)) }
    }

    /// glibc's destroy sets the mutex's kind to -1: destroying again succeeds, and lock, trylock, timedlock, unlock
    /// and consistent all fail `EINVAL` (they look at the kind before the lock word); init makes it new.
    @Test(arguments: [true, false]) func destroyOfAFreeMutexSucceedsTwiceAndLeavesEveryCallButInitEINVAL(robust: Bool) throws {
        try withMutex(robust: robust) { mutex in
            try mutex.destroy()
            try mutex.destroy()
            #expect(lockFailure(mutex, tryOnly: false) == .invalidArgument)
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            #expect(timedLockFailure(mutex, milliseconds: 1) == .invalidArgument)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .invalidArgument)
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
            try mutex.initialize(robust: robust)
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()
        }
    }

    /// glibc checks `__nusers` only for a mutex that is not robust: a locked stalled mutex is `EBUSY` and stays
    /// locked; a locked robust one is destroyed (0), and then even its holder's unlock fails `EINVAL`.
    ///
    /// On the way, a glibc difference: the holder's trylock of a stalled error-checking mutex fails `EBUSY` (glibc's
    /// trylock looks only at the lock word for it), where a robust one's fails `EDEADLK`; lock is `EDEADLK` in both.
    @Test func destroyOfALockedMutexIsEBUSYOnlyWhenNotRobust() throws {
        try withMutex(robust: false) { mutex in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(lockFailure(mutex, tryOnly: false) == .deadlock)
            #expect(timedLockFailure(mutex, milliseconds: 1) == .deadlock)
            try mutex.unlock()
            try mutex.destroy()
        }
        try withMutex(robust: true) { mutex in
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            try mutex.destroy()
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .invalidArgument)
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            try mutex.destroy()
            // Still on this thread's robust list: made new (unlocked, off the list) only by init after an unlock
            // glibc did not do, so the test takes it off the way glibc would: init, lock and unlock.
            try mutex.initialize()
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()
        }
    }

    /// Destroy does not look at a robust mutex's owner-died or not-recoverable state: 0, then `EINVAL`; init after
    /// it (or instead of it) makes a new mutex, no longer inconsistent nor not recoverable.
    @Test func initStartsANotRecoverableOrOwnerDiedMutexOver() throws {
        try withMutex(robust: true) { mutex in
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
            try mutex.unlock()
            #expect(lockFailure(mutex, tryOnly: false) == Errno(rawValue: ENOTRECOVERABLE))
            try mutex.initialize()  // without destroy
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            try mutex.unlock()
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)

            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            try mutex.destroy()  // owner died, no one holds it
            #expect(lockFailure(mutex, tryOnly: true) == .invalidArgument)
            try mutex.initialize()
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()

            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            try mutex.initialize()  // owner died, no one holds it, without destroy
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()
        }
    }

    /// A mutex whose inconsistent holder died (glibc's owner field still "inconsistent"), then destroyed:
    /// `pthread_mutex_consistent` looks only at the robust bit of the kind (-1 has it) and at the owner field, so it
    /// succeeds once; every lock call fails `EINVAL`.
    @Test func consistentStillClearsTheMarkOfADestroyedInconsistentMutex() throws {
        try withMutex(robust: true) { mutex in
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()  // takes it with EOWNERDEAD and dies too
            try mutex.destroy()
            try mutex.consistent()
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
            #expect(lockFailure(mutex, tryOnly: false) == .invalidArgument)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .invalidArgument)
        }
    }

    /// `PTHREAD_MUTEX_STALLED` is the default; `pthread_mutexattr_setrobust` takes it or `PTHREAD_MUTEX_ROBUST` and
    /// fails `EINVAL` for any other value, leaving the attribute as it was.
    @Test func setrobustTakesOnlyStalledOrRobust() {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        defer { pthread_mutexattr_destroy(&attributes) }
        var robustness: CInt = -5
        pthread_mutexattr_getrobust(&attributes, &robustness)
        #expect(robustness == CInt(PTHREAD_MUTEX_STALLED))
        #expect(pthread_mutexattr_setrobust(&attributes, CInt(PTHREAD_MUTEX_ROBUST)) == 0)
        for value: CInt in [2, -1, 1 << 30] {
            #expect(pthread_mutexattr_setrobust(&attributes, value) == EINVAL)
        }
        pthread_mutexattr_getrobust(&attributes, &robustness)
        #expect(robustness == CInt(PTHREAD_MUTEX_ROBUST))
        #expect(pthread_mutexattr_setrobust(&attributes, CInt(PTHREAD_MUTEX_STALLED)) == 0)
    }

    /// A stalled mutex whose owner thread exits holding it: nothing marks it; others' trylock `EBUSY`, timedlock
    /// `ETIMEDOUT`, unlock `EPERM` (error-checking: the owner field names the dead thread), consistent `EINVAL`,
    /// destroy `EBUSY` (its user count stays 1).
    @Test func aStalledMutexWhoseOwnerThreadExitedStaysLocked() throws {
        try withMutex(robust: false) { mutex in
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(timedLockFailure(mutex, milliseconds: 10) == .timedOut)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(failure { () throws(Errno) in try mutex.consistent() } == .invalidArgument)
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            try mutex.initialize(robust: false)  // what a run cannot judge (it was locked); here only to free the page
        }
    }

    /// The types (`pthread_mutexattr_settype`) where they differ from error-checking. A stalled normal mutex does not
    /// look at its owner: unlocking a free one succeeds (twice), lowering glibc's user count below 0, so that after a
    /// lock destroy still fails `EBUSY`; its holder's trylock is `EBUSY`, its timed lock times out (an invalid
    /// deadline `EINVAL`), and another thread's unlock frees it.
    @Test func aStalledNormalMutexLetsAnyoneUnlockAndCountsUsersBelowZero() throws {
        try withMutex(robust: false) { mutex in
            try mutex.initialize(robust: false, type: .normal)
            try mutex.unlock()
            try mutex.unlock()
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            try mutex.initialize(robust: false, type: .normal)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(timedLockFailure(mutex, milliseconds: 2) == .timedOut)
            #expect(failure { () throws(Errno) in _ = try mutex.timedLock(deadline: Syscall.invalidDeadline) } == .invalidArgument)
            TestThread { #expect(failure { () throws(Errno) in try mutex.unlock() } == nil) }.join()
            try mutex.destroy()
        }
    }

    /// A recursive mutex's holder counts up with lock, trylock and timedlock (an invalid deadline too) and down with
    /// unlock; held, a stalled one is `EBUSY` to destroy and to others' trylock, `EPERM` to others' unlock. A robust
    /// one taken with `EOWNERDEAD` and locked again: each unlock above 1 fails `ENOTRECOVERABLE` and keeps it held
    /// (still inconsistent); the last one makes it not recoverable. Made consistent by another thread, its holder's
    /// unlock fails `EPERM`.
    @Test func aRecursiveMutexCountsAndAnInconsistentOneSaysNotRecoverableUntilTheLastUnlock() throws {
        try withMutex(robust: false) { mutex in
            try mutex.initialize(robust: false, type: .recursive)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(try mutex.timedLock(deadline: Syscall.invalidDeadline) == .acquired)
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            TestThread {
                #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            }.join()
            for _ in 0..<3 { try mutex.unlock() }
            #expect(failure { () throws(Errno) in try mutex.destroy() } == .resourceBusy)
            try mutex.unlock()
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            try mutex.destroy()
        }
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .recursive)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == Errno(rawValue: ENOTRECOVERABLE))
            #expect(lockFailure(mutex, tryOnly: true) == nil)  // still held: counts up again
            #expect(failure { () throws(Errno) in try mutex.unlock() } == Errno(rawValue: ENOTRECOVERABLE))
            try mutex.unlock()
            #expect(lockFailure(mutex, tryOnly: false) == Errno(rawValue: ENOTRECOVERABLE))
        }
        // Made consistent by another thread, which glibc writes into the owner field that a recursive robust
        // mutex's unlock checks: the holder's unlock fails EPERM. (On threads that end before the page goes: the
        // holder's robust list must not point into unmapped memory.)
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .recursive)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            TestThread {
                #expect((try? mutex.lock(tryOnly: false)) == .acquiredOwnerDied)
                TestThread { #expect(failure { () throws(Errno) in try mutex.consistent() } == nil) }.join()
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            }.join()
        }
        // Not recoverable: glibc's trylock fails ENOTRECOVERABLE but keeps the caller's thread id in the lock word.
        // An error-checking mutex's unlock then crashes its caller (it looks for the mutex on its robust list); a
        // recursive one's looks at the owner field first, which says "not recoverable", not the caller: EPERM, and
        // nothing changes (the next trylock is ENOTRECOVERABLE again). Found by `fuzz`: the model expected the
        // crash, and called `robust-mutex-lifecycle` (a correct scenario) broken.
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .recursive)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: false) == .acquiredOwnerDied)
            try mutex.unlock()
            TestThread {
                #expect(lockFailure(mutex, tryOnly: true) == Errno(rawValue: ENOTRECOVERABLE))
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            }.join()
            TestThread { #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted) }.join()
        }
    }

    /// A recursive robust mutex whose inconsistent holder died (taken with `EOWNERDEAD`, locked again: count 2), then
    /// made consistent by a live thread: glibc wrote that thread's id into the owner field, which is all a recursive
    /// robust unlock checks — so its unlocks count the dead holder's locks down (0, 0), and the last one unlocks: the
    /// word freed without a protocol (the next trylock takes it plainly), left owner-died with priority inheritance
    /// (the kernel refuses the PI futex unlock of a word that is not the caller's, and glibc ignores that: the next
    /// trylock is `EOWNERDEAD`). A third unlock is `EPERM`. Found by the CI run on 07231af
    /// (`robustMutexAgreesWithItsModel`: the model said `EPERM` where the kernel said 0). An error-checking one's
    /// unlock by that thread is `EPERM` (it checks the lock word).
    @Test(arguments: [RobustMutex.MutexProtocol.none, .inherit])
    func theThreadThatMadeADeadHoldersRecursiveMutexConsistentUnlocksItsCount(protocol priority: RobustMutex.MutexProtocol) throws {
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .recursive, protocol: priority)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            TestThread {
                #expect((try? mutex.lock(tryOnly: true)) == .acquiredOwnerDied)
                #expect((try? mutex.lock(tryOnly: true)) == .acquired)
            }.join()
            TestThread {
                #expect(failure { () throws(Errno) in try mutex.consistent() } == nil)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == nil)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == nil)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            }.join()
            TestThread {
                #expect((try? mutex.lock(tryOnly: true)) == (priority == .inherit ? .acquiredOwnerDied : .acquired))
                if priority == .inherit { try? mutex.consistent() }
                try? mutex.unlock()
            }.join()
        }
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .errorCheck, protocol: priority)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            TestThread { #expect((try? mutex.lock(tryOnly: true)) == .acquiredOwnerDied) }.join()
            TestThread {
                #expect(failure { () throws(Errno) in try mutex.consistent() } == nil)
                #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            }.join()
        }
    }

    /// A robust normal mutex: unlock is `EPERM` for anyone but the holder (free too); the holder's trylock `EBUSY`,
    /// its timed lock `ETIMEDOUT` (its lock would sleep on itself); after an owner's death, `EOWNERDEAD` then `EBUSY`.
    @Test func aRobustNormalMutexChecksItsOwnerOnlyToUnlock() throws {
        try withMutex(robust: true) { mutex in
            try mutex.initialize(robust: true, type: .normal)
            #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted)
            #expect(try mutex.lock(tryOnly: false) == .acquired)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            #expect(timedLockFailure(mutex, milliseconds: 2) == .timedOut)
            TestThread { #expect(failure { () throws(Errno) in try mutex.unlock() } == .notPermitted) }.join()
            try mutex.unlock()
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()
            #expect(try mutex.lock(tryOnly: true) == .acquiredOwnerDied)
            #expect(lockFailure(mutex, tryOnly: true) == .resourceBusy)
            try mutex.consistent()
            try mutex.unlock()
        }
    }

    /// In a child test process: a grandchild locks a stalled mutex and is killed with `SIGKILL`. The kernel does not
    /// touch the lock word (still 1: no owner-died bit, no robust list), trylock fails `EBUSY`, timedlock `ETIMEDOUT`,
    /// and a thread's lock sets the word to 2 (a waiter) and never returns — the child exits with it asleep. Exit
    /// status 0 when all held, else the number of the first check that failed.
    @Test func aStalledMutexWhoseOwnerWasKilledLeavesTheNextLockerAsleep() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
            guard let mutex = try? RobustMutex.initialize(at: memory, robust: false) else { exit(10) }
            let child = Self.forkHolder(of: mutex)
            kill(child, SIGKILL)
            var status: CInt = 0
            guard waitpid(child, &status, 0) == child else { exit(13) }
            // glibc's lock word is the mutex's first field (`__lock`); the child's memory is read atomically.
            let word = memory.assumingMemoryBound(to: Atomic<Int32>.self)
            guard word.pointee.load(ordering: .acquiring) == 1 else { exit(14) }
            guard lockFailure(mutex, tryOnly: true) == .resourceBusy else { exit(15) }
            guard timedLockFailure(mutex, milliseconds: 10) == .timedOut else { exit(16) }
            guard failure({ () throws(Errno) in try mutex.consistent() }) == .invalidArgument else { exit(17) }
            let returned = (memory + 2048).assumingMemoryBound(to: Atomic<Int32>.self)
            _ = TestThread {
                _ = try? mutex.lock(tryOnly: false)
                returned.pointee.store(1, ordering: .releasing)
            }
            while word.pointee.load(ordering: .acquiring) != 2 { sched_yield() }
            guard returned.pointee.load(ordering: .acquiring) == 0 else { exit(18) }
            exit(0)
        }
    }
}

/// The error a call failed with; nil when it succeeded. (Free functions: the exit test's body may capture nothing.)
func failure(_ call: () throws(Errno) -> Void) -> Errno? {
    do { try call(); return nil } catch { return error }
}

/// `EBUSY` for a trylock that found the mutex held, as the call returns it.
func lockFailure(_ mutex: RobustMutex, tryOnly: Bool) -> Errno? {
    failure { () throws(Errno) in if try mutex.lock(tryOnly: tryOnly) == .busy { throw .resourceBusy } }
}

private func timedLockFailure(_ mutex: RobustMutex, milliseconds: Int) -> Errno? {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let nanoseconds = now.tv_nsec + milliseconds * 1_000_000
    let deadline = timespec(tv_sec: now.tv_sec + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    return failure { () throws(Errno) in _ = try mutex.timedLock(deadline: deadline) }
}

extension MutexLifecycleFactsTests {
    /// In an exit test's child: forks a process that locks `mutex` and sleeps holding it, and returns it once it
    /// holds the lock. Exits 11 (no pipe) or 12 (the holder never said it held it) when it cannot. The holder makes
    /// only C calls (`ipc_child_hold_mutex`): forked from a threaded process, it must not enter the Swift runtime.
    static func forkHolder(of mutex: RobustMutex) -> pid_t {
        var ready: [CInt] = [0, 0]
        guard pipe(&ready) == 0 else { exit(11) }
        let (pointer, readyEnd) = (mutex.pointer, ready[1])
        let holder = fork()
        if holder == 0 { ipc_child_hold_mutex(pointer, readyEnd) }
        var byte: UInt8 = 0
        guard read(ready[0], &byte, 1) == 1 else { exit(12) }
        return holder
    }
}
