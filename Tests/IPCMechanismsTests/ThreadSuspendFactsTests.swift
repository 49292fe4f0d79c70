import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// Waits in a thread other than the main one, and a lasting unblock there, with a process-directed signal, measured on
/// this kernel (issue 15: `SignalModel+Threads.swift`; a C probe first; Open POSIX `pthread_sigmask/4-1`, `8-1`,
/// `pthread_kill/1-1`, `3-1`, LTP `rt_tgsigqueueinfo01` as the checklist). A process-directed signal needs a process
/// whose every thread blocks it but the one measured (an exit-test child has runtime threads that block nothing), so
/// each fact runs in a forked child, single-threaded but for the thread it makes, with plain C calls, and reports a
/// distinct exit code per failed check. `SIGUSR2` has a handler that records the thread it ran in.
/// - `sigsuspend` in the other thread with an empty mask: a `kill` of the process runs the handler there and it fails
///   `EINTR`; one pending before it is taken at once, the same; a `tgkill` to the main thread meanwhile stays pending
///   for the main thread (no handler runs, the wait goes on until the process-directed one);
/// - `pause` in the other thread after its lasting `pthread_sigmask` unblock: a `kill` runs the handler there, `EINTR`;
/// - `sigwaitinfo` in the other thread: takes a `kill`'s signal (`SI_USER`), no handler;
/// - `pthread_kill` of a joined thread: 0 and nothing sent (glibc 2.36 sees it exited), for 65 and -1 too; 32 and 33
///   `EINVAL` (glibc's own) — not Open POSIX `pthread_kill/6-1`'s `ESRCH`;
/// - a lasting unblock in the other thread runs the handler for what is pending for the process before it returns,
///   in that thread; a later `kill` runs it there too (every other thread blocks it), and nothing stays pending.
@Suite struct ThreadSuspendFactsTests {
    /// What the child's threads and handler share.
    enum Shared {
        nonisolated(unsafe) static var handled: UnsafeMutablePointer<sem_t> = .allocate(capacity: 1)
        nonisolated(unsafe) static var handledIn: pid_t = 0
        nonisolated(unsafe) static var handledCount: Int32 = 0
        nonisolated(unsafe) static var threadID: pid_t = 0
        nonisolated(unsafe) static var result: Int32 = 0
        nonisolated(unsafe) static var error: Int32 = 0
        nonisolated(unsafe) static var ready: UnsafeMutablePointer<sem_t> = .allocate(capacity: 1)
        nonisolated(unsafe) static var finish: UnsafeMutablePointer<sem_t> = .allocate(capacity: 1)
    }

    /// Runs `body` in a forked child (after `setUp`: the handler for `SIGUSR2`, it and `SIGRTMIN+25` blocked) and
    /// returns its exit status's code (0: every check held; 100+: the set-up failed).
    static func inChild(_ body: @escaping () -> Int32) throws -> Int32 {
        (try statusOfChild(body) >> 8) & 0xff
    }

    /// ``inChild(_:)``'s child's whole wait status (a child a signal ended too: `ThreadFatalSignalFactsTests`).
    static func statusOfChild(_ body: @escaping () -> Int32) throws -> CInt {
        var pid: pid_t = 0
        Syscall.withoutConcurrentSpawns {
            pid = fork()
            if pid == 0 {
                sem_init(Shared.handled, 0, 0)
                sem_init(Shared.ready, 0, 0)
                sem_init(Shared.finish, 0, 0)
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { _ in
                    Shared.handledIn = OSThread.currentID
                    Shared.handledCount += 1
                    sem_post(Shared.handled)
                }
                sigfillset(&action.sa_mask)
                var blocked = sigset_t()
                sigemptyset(&blocked)
                sigaddset(&blocked, SIGUSR2)
                guard sigaction(SIGUSR2, &action, nil) == 0, pthread_sigmask(SIG_BLOCK, &blocked, nil) == 0 else { _exit(100) }
                _exit(body())
            }
        }
        try #require(pid > 0)
        var status: CInt = 0
        try #require(waitpid(pid, &status, 0) == pid)
        return status
    }

    /// Starts a thread running `body` (which may sleep) with `argument`, returning it to join.
    static func start(
        _ body: @escaping @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?, argument: UnsafeMutableRawPointer? = nil
    ) -> pthread_t? {
        var thread = pthread_t()
        return pthread_create(&thread, nil, body, argument) == 0 ? thread : nil
    }

    /// `sem_timedwait` for 10 s: false when it timed out.
    static func await(_ semaphore: UnsafeMutablePointer<sem_t>) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += 10
        while sem_timedwait(semaphore, &deadline) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }

    /// `sigtimedwait` with timeout 0 of the calling thread: the signal and its code, nil when nothing.
    static func take(_ signal: Int32) -> (Int32, Int32)? {
        (try? Syscall.waitForSignal([signal], timeoutNanoseconds: 0, retryOnInterrupt: false)).map { ($0.signal, $0.code) }
    }

    @Test func sigsuspendInAnotherThreadTakesAProcessDirectedSignalThereAndNotOneSentToTheMainThread() throws {
        let code = try Self.inChild {
            // Sent while it sleeps (or before it begins: pending, taken at once).
            let suspending: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                Shared.threadID = OSThread.currentID
                sem_post(Shared.ready)
                var empty = sigset_t()
                sigemptyset(&empty)
                Shared.result = sigsuspend(&empty)
                Shared.error = errno
                return nil
            }
            guard let first = Self.start(suspending) else { return 101 }
            guard Self.await(Shared.ready), kill(getpid(), SIGUSR2) == 0, pthread_join(first, nil) == 0 else { return 1 }
            guard Shared.result == -1, Shared.error == EINTR, Shared.handledIn == Shared.threadID, Shared.handledCount == 1 else { return 2 }
            // Pending for the process before it begins.
            guard kill(getpid(), SIGUSR2) == 0, let second = Self.start(suspending), Self.await(Shared.ready), pthread_join(second, nil) == 0 else { return 3 }
            guard Shared.result == -1, Shared.error == EINTR, Shared.handledIn == Shared.threadID, Shared.handledCount == 2 else { return 4 }
            // A tgkill to the main thread stays pending for it; only the process-directed one ends the wait.
            guard let third = Self.start(suspending), Self.await(Shared.ready) else { return 5 }
            guard (try? Syscall.sendToThread(OSThread.currentID, inGroup: getpid(), signal: SIGUSR2)) != nil, kill(getpid(), SIGUSR2) == 0,
                pthread_join(third, nil) == 0
            else { return 6 }
            guard Shared.result == -1, Shared.handledIn == Shared.threadID, Shared.handledCount == 3 else { return 7 }
            guard let taken = Self.take(SIGUSR2), taken == (SIGUSR2, SignalInfo.threadKillCode) || taken == (SIGUSR2, SignalInfo.userCode),
                Self.take(SIGUSR2) == nil
            else { return 8 }
            return 0
        }
        #expect(code == 0)
    }

    @Test func pauseAfterALastingUnblockInAnotherThreadEndsWithTheHandlerThere() throws {
        let code = try Self.inChild {
            let pausing: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                Shared.threadID = OSThread.currentID
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGUSR2)
                guard pthread_sigmask(SIG_UNBLOCK, &set, nil) == 0 else { return nil }
                sem_post(Shared.ready)
                Shared.result = pause()
                Shared.error = errno
                sem_post(Shared.finish)
                return nil
            }
            guard let thread = Self.start(pausing), Self.await(Shared.ready) else { return 101 }
            // A signal may come before `pause` begins (its handler runs, and pause sleeps on): send until it ends, each
            // after the last one's handler ran (bounded).
            var joined = false
            for _ in 0..<1000 where !joined {
                guard kill(getpid(), SIGUSR2) == 0, Self.await(Shared.handled) else { return 1 }
                guard Shared.handledIn == Shared.threadID else { return 2 }
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_nsec += 10_000_000
                if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
                joined = sem_timedwait(Shared.finish, &deadline) == 0
            }
            guard joined, pthread_join(thread, nil) == 0 else { return 3 }
            guard Shared.result == -1, Shared.error == EINTR else { return 4 }
            return 0
        }
        #expect(code == 0)
    }

    @Test func sigwaitinfoInAnotherThreadTakesAProcessDirectedSignalWithNoHandler() throws {
        let code = try Self.inChild {
            let waiting: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGUSR2)
                var info = siginfo_t()
                sem_post(Shared.ready)
                Shared.result = sigwaitinfo(&set, &info)
                Shared.error = info.si_code
                return nil
            }
            guard let thread = Self.start(waiting), Self.await(Shared.ready) else { return 101 }
            guard kill(getpid(), SIGUSR2) == 0, pthread_join(thread, nil) == 0 else { return 1 }
            guard Shared.result == SIGUSR2, Shared.error == SignalInfo.userCode, Shared.handledCount == 0 else { return 2 }
            return 0
        }
        #expect(code == 0)
    }

    /// In a child: a `pthread_t` of a joined thread is not reused by another test's thread creation there.
    @Test func pthreadKillOfAJoinedThreadReturnsZeroAndSendsNothingButRefusesGlibcsOwnSignals() throws {
        let code = try Self.inChild {
            let returning: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in nil }
            guard let thread = Self.start(returning), pthread_join(thread, nil) == 0 else { return 101 }
            let results = [SIGUSR2, 0, 65, -1, 32, 33].map { pthread_kill(thread, $0) }
            guard results == [0, 0, 0, 0, EINVAL, EINVAL] else { return 1 }
            guard let pending = try? Syscall.pendingSignals(), !pending.contains(SIGUSR2), Shared.handledCount == 0 else { return 2 }
            return 0
        }
        #expect(code == 0)
    }

    @Test func aLastingUnblockInAnotherThreadRunsTheProcessesSignalsHandlerThereThenAndLater() throws {
        let code = try Self.inChild {
            let unblocking: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                Shared.threadID = OSThread.currentID
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGUSR2)
                Shared.result = pthread_sigmask(SIG_UNBLOCK, &set, nil)
                // Ran before the unblock returned.
                Shared.error = Shared.handledCount
                sem_post(Shared.ready)
                // Asleep until the main thread is done (a handler interrupts sem_wait, which goes on).
                while sem_wait(Shared.finish) != 0 {}
                return nil
            }
            guard kill(getpid(), SIGUSR2) == 0, let thread = Self.start(unblocking), Self.await(Shared.ready) else { return 101 }
            guard Shared.result == 0, Shared.error == 1, Shared.handledIn == Shared.threadID else { return 1 }
            // The first handler's post: taken here, so the thread sleeps on.
            guard Self.await(Shared.handled) else { return 2 }
            guard kill(getpid(), SIGUSR2) == 0, Self.await(Shared.handled) else { return 3 }
            guard Shared.handledIn == Shared.threadID, Shared.handledCount == 2 else { return 4 }
            guard let pending = try? Syscall.pendingSignals(), !pending.contains(SIGUSR2) else { return 5 }
            sem_post(Shared.finish)
            guard pthread_join(thread, nil) == 0 else { return 6 }
            return 0
        }
        #expect(code == 0)
    }
}
