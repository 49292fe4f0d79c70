import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// A signal whose default action ends the process, taken by a thread other than the main one, measured on this kernel
/// (issue 15: `SignalModel+FatalSignals.swift`; a C probe first). Each fact runs in a forked child as
/// ``ThreadSuspendFactsTests``'s do, `SIGUSR1` set to `SIG_DFL` and blocked in the main thread; its wait status says
/// how it ended:
/// - the signal taken in the other thread — a `kill` of the process after that thread's lasting unblock, a `tgkill` or
///   `rt_tgsigqueueinfo` to it then, its lasting unblock of one pending, its `sigsuspend` or masked `ppoll` unblocking
///   it — ends the whole process, the signal its status (the main thread, which blocks it, never goes on);
/// - blocked in the other thread, a `tgkill` to it stays pending for it alone and nothing ends; its `sigwaitinfo` takes
///   a `kill`'s signal (`SI_USER`) and nothing ends;
/// - the process so ended and not reaped, a `kill` of it and a `tgkill` to its main thread still succeed, a `tgkill`
///   to its other thread fails `ESRCH`; reaped, a `kill` fails `ESRCH`.
@Suite struct ThreadFatalSignalFactsTests {
    typealias Child = ThreadSuspendFactsTests
    typealias Shared = ThreadSuspendFactsTests.Shared

    /// How the other thread comes to take the fatal signal.
    enum Taking: CaseIterable, Sendable {
        case killAfterLastingUnblock, tgkillAfterLastingUnblock, queuedToThreadAfterLastingUnblock, lastingUnblockOfPending
        case sigsuspend, maskedPoll
    }

    /// In the child: `SIGUSR1` to `SIG_DFL` and blocked in the main thread (so in the threads it makes).
    static func fatalBlocked() -> Bool {
        guard (try? Syscall.setSignalAction(SIGUSR1, to: .standard)) != nil else { return false }
        return (try? Syscall.setSignalsBlocked([SIGUSR1], true)) != nil
    }

    /// The signal that ended a child with wait status `status` (0: it exited).
    static func endingSignal(_ status: CInt) -> CInt { status & 0x7f }

    /// The other thread: `argument` (a `Taking`'s index) says how it unblocks `SIGUSR1`; it posts `ready` once it is
    /// about to take it, and `finish` if it ever returns from its taking call.
    nonisolated(unsafe) static let taking: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { argument in
        Shared.threadID = OSThread.currentID
        let way = Taking.allCases[Int(bitPattern: argument)]
        switch way {
        case .killAfterLastingUnblock, .tgkillAfterLastingUnblock, .queuedToThreadAfterLastingUnblock:
            guard (try? Syscall.setSignalsBlocked([SIGUSR1], false)) != nil else { return nil }
            sem_post(Shared.ready)
            while sem_wait(Shared.finish) != 0 {}
        case .lastingUnblockOfPending:
            _ = try? Syscall.setSignalsBlocked([SIGUSR1], false)
            sem_post(Shared.finish)
        case .sigsuspend:
            sem_post(Shared.ready)
            var empty = sigset_t()
            sigemptyset(&empty)
            sigsuspend(&empty)
            sem_post(Shared.finish)
        case .maskedPoll:
            sem_post(Shared.ready)
            _ = Syscall.pollSignalDescriptorMasked([SIGWINCH], keeping: [SIGWINCH], releasing: [SIGUSR1], select: false, events: CInt(POLLIN),
                timeoutMilliseconds: -1)
            sem_post(Shared.finish)
        }
        return nil
    }

    @Test(arguments: Taking.allCases)
    func aDefaultActionTakenInAnotherThreadEndsTheWholeProcess(_ way: Taking) throws {
        let argument = UnsafeMutableRawPointer(bitPattern: Taking.allCases.firstIndex(of: way)!)
        let status = try Child.statusOfChild {
            guard Self.fatalBlocked() else { return 100 }
            if way == .lastingUnblockOfPending {
                // Pending for the process while every thread blocks it; the new thread's unblock takes it.
                guard kill(getpid(), SIGUSR1) == 0, Child.start(Self.taking, argument: argument) != nil else { return 101 }
                return Child.await(Shared.finish) ? 1 : 2
            }
            guard Child.start(Self.taking, argument: argument) != nil, Child.await(Shared.ready) else { return 101 }
            switch way {
            case .tgkillAfterLastingUnblock:
                guard (try? Syscall.sendToThread(Shared.threadID, inGroup: getpid(), signal: SIGUSR1)) != nil else { return 3 }
            case .queuedToThreadAfterLastingUnblock:
                guard (try? Syscall.queueSignal(toThread: Shared.threadID, of: getpid(), signal: SIGUSR1, code: SignalInfo.queueCode, value: 7)) != nil
                else { return 4 }
            default:
                // Sent while it sleeps (or before it begins: pending, taken as its call unblocks it).
                guard kill(getpid(), SIGUSR1) == 0 else { return 5 }
            }
            // Never: the process has ended (bounded, 10 s).
            return Child.await(Shared.finish) ? 6 : 7
        }
        #expect(Self.endingSignal(status) == SIGUSR1, "wait status \(status)")
    }

    @Test func blockedInAnotherThreadAFatalSignalSentToItStaysPendingThereAndItsWaitTakesAKillsOne() throws {
        let code = try Child.inChild {
            guard Self.fatalBlocked() else { return 100 }
            let waiting: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                Shared.threadID = OSThread.currentID
                sem_post(Shared.ready)
                while sem_wait(Shared.finish) != 0 {}
                // The tgkill'd one is this thread's: its sigpending reports it, its wait takes it.
                guard let pending = try? Syscall.pendingSignals(), pending.contains(SIGUSR1) else { return nil }
                guard ThreadSuspendFactsTests.take(SIGUSR1) != nil else { return nil }
                sem_post(Shared.ready)
                // Then sigwaitinfo takes a kill's (only unblocked inside the wait: nothing ends).
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGUSR1)
                var info = siginfo_t()
                Shared.result = sigwaitinfo(&set, &info)
                Shared.error = info.si_code
                return nil
            }
            guard let thread = Child.start(waiting), Child.await(Shared.ready) else { return 101 }
            guard (try? Syscall.sendToThread(Shared.threadID, inGroup: getpid(), signal: SIGUSR1)) != nil else { return 1 }
            // Not the main thread's.
            guard let pending = try? Syscall.pendingSignals(), !pending.contains(SIGUSR1) else { return 2 }
            sem_post(Shared.finish)
            guard Child.await(Shared.ready), kill(getpid(), SIGUSR1) == 0, pthread_join(thread, nil) == 0 else { return 3 }
            guard Shared.result == SIGUSR1, Shared.error == SignalInfo.userCode else { return 4 }
            return 0
        }
        #expect(code == 0)
    }

    /// The write end of the pipe the child's other thread tells its id on.
    enum Told {
        nonisolated(unsafe) static var writeEnd: CInt = -1
    }

    @Test func aProcessEndedSoTakesAKillUntilReapedButATgkillToItsOtherThreadFails() throws {
        var ends: [CInt] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        var pid: pid_t = 0
        Syscall.withoutConcurrentSpawns {
            pid = fork()
            if pid == 0 {
                Told.writeEnd = ends[1]
                guard Self.fatalBlocked() else { _exit(100) }
                let unblocking: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                    guard (try? Syscall.setSignalsBlocked([SIGUSR1], false)) != nil else { _exit(101) }
                    var id = OSThread.currentID
                    _ = write(Told.writeEnd, &id, MemoryLayout<pid_t>.size)
                    while true { pause() }
                }
                var thread = pthread_t()
                guard pthread_create(&thread, nil, unblocking, nil) == 0 else { _exit(102) }
                while true { pause() }
            }
        }
        close(ends[1])
        try #require(pid > 0)
        var thread: pid_t = 0
        let told = read(ends[0], &thread, MemoryLayout<pid_t>.size)
        #expect(told == MemoryLayout<pid_t>.size)
        #expect(kill(pid, SIGUSR1) == 0)
        // Waitable, not reaped.
        var info = siginfo_t()
        try #require(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0)
        #expect(Int(info.si_code) == Int(CLD_KILLED) && info._sifields._sigchld.si_status == SIGUSR1)
        #expect(throws: Errno.noSuchProcess) { try Syscall.sendToThread(thread, inGroup: pid, signal: SIGUSR2) }
        #expect((try? Syscall.sendToThread(pid, inGroup: pid, signal: SIGUSR2)) != nil)
        #expect(kill(pid, SIGUSR2) == 0)
        var status: CInt = 0
        try #require(waitpid(pid, &status, 0) == pid)
        #expect(kill(pid, SIGUSR2) == -1 && errno == ESRCH)
    }
}
