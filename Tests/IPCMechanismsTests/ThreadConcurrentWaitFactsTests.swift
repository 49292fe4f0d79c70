import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Two threads' calls at once, and plain `epoll_wait` in a thread other than the main one, measured on this kernel
/// (issue 15: the per-thread outstanding invoke of traces/README.md, `SignalModel+Threads.swift`,
/// `SignalModel+ThreadEpoll.swift`; C probes first; LTP's `sigwaitinfo`/`rt_sigtimedwait` tests with a sending thread,
/// Open POSIX `pthread_kill` and `sigwait` 6-x as the checklist). In a forked child as ``ThreadSuspendFactsTests``'s
/// (`SIGUSR2` handled and blocked, inherited by the thread it makes):
/// - the other thread asleep in `sigwaitinfo` (or about to be: the outcome is the same) takes a `tgkill` to it
///   (`SI_TKILL`, folded into `SI_USER` by glibc), no handler; a `tgkill` the main thread sends to itself meanwhile stays the main thread's: the
///   other thread's `sigtimedwait` fails `EAGAIN` and the main thread's takes it (a `kill` of the process is taken by
///   the sleeper: ``ThreadSuspendFactsTests``);
/// - on an instance holding a level-triggered signalfd for `SIGWINCH`, the other thread's `epoll_wait` reports it
///   for a `SIGWINCH` sent to that thread or to the process, never for one sent to the main thread alone — and
///   (the surprise) polling it so, the other thread takes the registration off the instance's ready list: the main
///   thread's next `epoll_wait` reports nothing though its `SIGWINCH` is pending, until any signal sent to the process
///   (here a `SIGUSR2` to the main thread, outside the set) wakes the signalfds' queue again.
@Suite struct ThreadConcurrentWaitFactsTests {
    typealias Child = ThreadSuspendFactsTests
    typealias Shared = ThreadSuspendFactsTests.Shared

    /// The other thread: `sigwaitinfo` (`argument` nil) or `sigtimedwait` for 100 ms on `SIGUSR2`, its result in
    /// `result`, its `si_code` (or errno) in `error`.
    nonisolated(unsafe) static let waiting: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { argument in
        Shared.threadID = OSThread.currentID
        sem_post(Shared.ready)
        do throws(Errno) {
            let info = try Syscall.waitForSignal([SIGUSR2], timeoutNanoseconds: argument == nil ? nil : 100_000_000, retryOnInterrupt: false)
            Shared.result = info.signal
            Shared.error = info.code
        } catch {
            Shared.result = -1
            Shared.error = error.rawValue
        }
        return nil
    }

    @Test func aSleepingWaitInAnotherThreadTakesATgkillToItAndNotOneToTheMainThread() throws {
        let code = try Child.inChild {
            guard let first = Child.start(Self.waiting), Child.await(Shared.ready) else { return 101 }
            guard (try? Syscall.sendToThread(Shared.threadID, inGroup: getpid(), signal: SIGUSR2)) != nil, pthread_join(first, nil) == 0
            else { return 1 }
            // `SI_TKILL`, which glibc's `sigtimedwait` folds into `SI_USER`.
            guard Shared.result == SIGUSR2, [SignalInfo.threadKillCode, SignalInfo.userCode].contains(Shared.error), Shared.handledCount == 0
            else { return 2 }
            guard let second = Child.start(Self.waiting, argument: UnsafeMutableRawPointer(bitPattern: 1)), Child.await(Shared.ready)
            else { return 102 }
            guard (try? Syscall.sendToThread(OSThread.currentID, inGroup: getpid(), signal: SIGUSR2)) != nil, pthread_join(second, nil) == 0
            else { return 3 }
            guard Shared.result == -1, Shared.error == EAGAIN else { return 4 }
            guard let taken = Child.take(SIGUSR2), taken.0 == SIGUSR2, Child.take(SIGUSR2) == nil else { return 5 }
            return 0
        }
        #expect(code == 0)
    }

    typealias Registered = ThreadMaskedWaitFactsTests.Registered

    /// The other thread: one `epoll_wait` with timeout 0, its count of reports in `result` (-1: it failed).
    nonisolated(unsafe) static let epollLooking: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
        Shared.threadID = OSThread.currentID
        Shared.result = looks()
        return nil
    }

    /// The other thread's `epoll_wait`'s count of reports, in a thread made to look once; nil when that failed.
    static func otherThreadLooks() -> CInt? {
        guard let thread = Child.start(Self.epollLooking), pthread_join(thread, nil) == 0 else { return nil }
        return Shared.result
    }

    /// The calling thread's `epoll_wait` (timeout 0): its count of reports (-1: it failed).
    static func looks() -> CInt {
        (try? KernelEpoll.wait(Registered.instance, maxEvents: 4, timeoutMilliseconds: 0)).map { CInt($0.count) } ?? -1
    }

    /// The main thread's look (``looks()``).
    static func mainThreadLooks() -> CInt { looks() }

    @Test func anEpollWaitInAnotherThreadSeesItsOwnAndTheProcesssSignalsAndUnlistsTheMainThreads() throws {
        let code = try Child.inChild {
            guard Registered.signalDescriptorForSIGWINCH() else { return 100 }
            // Sent to the process: both threads see it.
            guard kill(getpid(), SIGWINCH) == 0, Self.otherThreadLooks() == 1, Self.mainThreadLooks() == 1 else { return 1 }
            guard Child.take(SIGWINCH) != nil, Self.mainThreadLooks() == 0 else { return 2 }
            // Sent to the other thread (made before, waiting for it): it sees it, the main thread does not.
            let looking: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
                Shared.threadID = OSThread.currentID
                sem_post(Shared.ready)
                while sem_wait(Shared.finish) != 0 {}
                Shared.result = ThreadConcurrentWaitFactsTests.looks()
                return nil
            }
            guard let thread = Child.start(looking), Child.await(Shared.ready) else { return 101 }
            guard (try? Syscall.sendToThread(Shared.threadID, inGroup: getpid(), signal: SIGWINCH)) != nil else { return 3 }
            sem_post(Shared.finish)
            guard pthread_join(thread, nil) == 0, Shared.result == 1 else { return 4 }
            guard Self.mainThreadLooks() == 0 else { return 5 }
            // Sent to the main thread alone: the other thread sees nothing, and takes it off the ready list.
            guard (try? Syscall.sendToThread(OSThread.currentID, inGroup: getpid(), signal: SIGWINCH)) != nil,
                Self.otherThreadLooks() == 0
            else { return 6 }
            guard Self.mainThreadLooks() == 0, Self.mainThreadLooks() == 0 else { return 7 }
            guard let pending = try? Syscall.pendingSignals(), pending.contains(SIGWINCH) else { return 8 }
            // Any signal sent to the process wakes the signalfds' queue: listed again.
            guard (try? Syscall.sendToThread(OSThread.currentID, inGroup: getpid(), signal: SIGUSR2)) != nil, Self.mainThreadLooks() == 1
            else { return 9 }
            return 0
        }
        #expect(code == 0)
    }
}
