import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `sem_clockwait`, `pthread_mutex_timedlock` and `pthread_mutex_clocklock` on this kernel and glibc 2.36: which
/// clocks they take, when they look at the deadline, and what a robust mutex gives them. Deadlines already past stand
/// for a timeout, so nothing waits on a clock.
@Suite struct ClockedWaitFactsTests {
    static let past = timespec(tv_sec: 0, tv_nsec: 0)

    func withSharedPage(_ body: (UnsafeMutableRawPointer) throws -> Void) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        try body(memory)
    }

    @Test func semClockwaitTakesTheMonotonicAndRealtimeClocksOnlyAndChecksFirst() throws {
        try withSharedPage { page in
            let semaphore = try PosixSemaphore.initialize(at: page, value: 1)
            // Refused before the value is looked at: another clock, or an invalid deadline, even at value 1.
            #expect(throws: Errno.invalidArgument) { _ = try semaphore.wait(nonblocking: false, deadline: Self.past, clock: CLOCK_BOOTTIME) }
            #expect(throws: Errno.invalidArgument) {
                _ = try semaphore.wait(nonblocking: false, deadline: Self.past, clock: CLOCK_PROCESS_CPUTIME_ID)
            }
            #expect(throws: Errno.invalidArgument) {
                _ = try semaphore.wait(nonblocking: false, deadline: Syscall.invalidDeadline, clock: CLOCK_MONOTONIC)
            }
            #expect(try semaphore.value() == 1)
            // A deadline already past still takes an available unit; at 0 it times out, on either clock.
            #expect(try semaphore.wait(nonblocking: false, deadline: Self.past, clock: CLOCK_MONOTONIC))
            #expect(throws: Errno.timedOut) { _ = try semaphore.wait(nonblocking: false, deadline: Self.past, clock: CLOCK_MONOTONIC) }
            #expect(throws: Errno.timedOut) { _ = try semaphore.wait(nonblocking: false, deadline: Self.past, clock: CLOCK_REALTIME) }
            #expect(try semaphore.value() == 0)
        }
    }

    /// Runs `body` while another thread holds `mutex`; the holder then unlocks and exits.
    func whileAnotherThreadHolds(_ mutex: RobustMutex, page: UnsafeMutableRawPointer, _ body: () throws -> Void) throws {
        let held = try PosixSemaphore.initialize(at: page + 1024, value: 0)
        let release = try PosixSemaphore.initialize(at: page + 2048, value: 0)
        let holder = TestThread {
            _ = try? mutex.lock(tryOnly: false)
            try? held.post()
            _ = try? release.wait(nonblocking: false)
            try? mutex.unlock()
        }
        _ = try held.wait(nonblocking: false)
        defer { try? release.post(); holder.join() }
        try body()
    }

    @Test func timedlockLooksAtItsDeadlineOnlyWhenItMustWait() throws {
        try withSharedPage { page in
            let mutex = try RobustMutex.initialize(at: page)
            // Free: an invalid deadline locks all the same; held by this thread: EDEADLK, not EINVAL.
            #expect(try mutex.timedLock(deadline: Syscall.invalidDeadline) == .acquired)
            #expect(throws: Errno.deadlock) { _ = try mutex.timedLock(deadline: Syscall.invalidDeadline) }
            #expect(throws: Errno.deadlock) { _ = try mutex.timedLock(deadline: Self.past, clock: CLOCK_MONOTONIC) }
            try mutex.unlock()
            #expect(try mutex.timedLock(deadline: Syscall.invalidDeadline, clock: CLOCK_MONOTONIC) == .acquired)
            try mutex.unlock()
            // Another clock is refused first, even on a free mutex.
            #expect(throws: Errno.invalidArgument) { _ = try mutex.timedLock(deadline: Self.past, clock: CLOCK_BOOTTIME) }
            // Held by another thread: it would wait, so the deadline counts.
            try whileAnotherThreadHolds(mutex, page: page) {
                #expect(throws: Errno.timedOut) { _ = try mutex.timedLock(deadline: Self.past) }
                #expect(throws: Errno.timedOut) { _ = try mutex.timedLock(deadline: Self.past, clock: CLOCK_MONOTONIC) }
                #expect(throws: Errno.invalidArgument) { _ = try mutex.timedLock(deadline: Syscall.invalidDeadline) }
                #expect(throws: Errno.invalidArgument) { _ = try mutex.timedLock(deadline: Self.past, clock: CLOCK_BOOTTIME) }
            }
            #expect(try mutex.lock(tryOnly: true) == .acquired)
            try mutex.unlock()
        }
    }

    @Test func timedlockGetsEOWNERDEADAndGivesANotRecoverableMutexBack() throws {
        try withSharedPage { page in
            let mutex = try RobustMutex.initialize(at: page)
            TestThread { _ = try? mutex.lock(tryOnly: false) }.join()  // exits holding it
            #expect(try mutex.timedLock(deadline: Syscall.invalidDeadline) == .acquiredOwnerDied)
            try mutex.unlock()  // without consistent: not recoverable
            #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.timedLock(deadline: Self.past) }
            // Unlike glibc's trylock, timedlock kept nothing: a second one is ENOTRECOVERABLE again, not EDEADLK.
            #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.timedLock(deadline: Syscall.invalidDeadline) }
            TestThread {
                #expect(throws: Errno(rawValue: ENOTRECOVERABLE)) { _ = try mutex.lock(tryOnly: false) }
            }.join()
        }
    }
}
