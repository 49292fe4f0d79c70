import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `ppoll` and `pselect` with a signal mask in a thread other than the main one, measured on this kernel (issue 15:
/// `SignalModel+MaskedPoll.swift`; a C probe first). In a forked child as ``ThreadSuspendFactsTests``'s (`SIGUSR2`
/// handled, recording the thread it ran in, and blocked), the other thread polls a signalfd for `SIGWINCH` (never
/// ready) with a mask that unblocks `SIGUSR2`:
/// - a `SIGUSR2` queued to the main thread meanwhile stays pending for the main thread (its wait takes it, `SI_QUEUE`)
///   and runs no handler;
/// - a `kill` of the process runs the handler in the polling thread, and the call fails `EINTR`;
/// - the mask is swapped in for the polling thread alone: the main thread still blocks `SIGUSR2` while it polls, and
///   the polling thread blocks it again after.
/// `epoll_pwait` with a mask in the other thread (`SignalModel+MaskedEpoll.swift`), on an instance where the main
/// thread registered a signalfd for `SIGWINCH`:
/// - a `SIGWINCH` `tgkill`'d to the main thread makes the main thread's `epoll_wait` report the signalfd, not the other
///   thread's `epoll_pwait` (the kernel's `signalfd_poll` looks at the calling thread's set and the process's);
/// - a `kill` its mask unblocks runs the handler in that thread, and it fails `EINTR`.
@Suite struct ThreadMaskedWaitFactsTests {
    typealias Child = ThreadSuspendFactsTests
    typealias Shared = ThreadSuspendFactsTests.Shared

    /// The other thread: polls (`argument` non-nil: selects) with `SIGUSR2` unblocked for the call, then records its
    /// error in `error` and whether it blocks `SIGUSR2` again in `result`.
    nonisolated(unsafe) static let polling: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { argument in
        Shared.threadID = OSThread.currentID
        sem_post(Shared.ready)
        let select = argument != nil
        let poll = Syscall.pollSignalDescriptorMasked([SIGWINCH], keeping: [SIGWINCH], releasing: [SIGUSR2], select: select,
            events: select ? 1 : CInt(POLLIN), timeoutMilliseconds: -1)
        Shared.error = poll.error?.rawValue ?? 0
        Shared.result = (try? Syscall.signalMaskWithoutSet(how: SIG_BLOCK, perThread: true))?.contains(SIGUSR2) == true ? 1 : 0
        return nil
    }

    @Test(arguments: [false, true])
    func aMaskedPollInAnotherThreadTakesAProcessDirectedSignalThereAndLeavesTheMainThreadsOwn(select: Bool) throws {
        let code = try Child.inChild {
            guard let thread = Child.start(Self.polling, argument: select ? UnsafeMutableRawPointer(bitPattern: 1) : nil), Child.await(Shared.ready)
            else { return 101 }
            guard (try? Syscall.queueSignal(toThread: OSThread.currentID, of: getpid(), signal: SIGUSR2, code: SignalInfo.queueCode, value: 7)) != nil
            else { return 1 }
            // The main thread's mask is its own: it still blocks SIGUSR2.
            guard let mask = try? Syscall.signalMaskWithoutSet(how: SIG_BLOCK, perThread: true), mask.contains(SIGUSR2) else { return 2 }
            guard kill(getpid(), SIGUSR2) == 0, pthread_join(thread, nil) == 0 else { return 3 }
            guard Shared.error == EINTR, Shared.handledIn == Shared.threadID, Shared.handledCount == 1, Shared.result == 1 else { return 4 }
            // What was queued to the main thread is still its own.
            guard let taken = Child.take(SIGUSR2), taken == (SIGUSR2, SignalInfo.queueCode), Child.take(SIGUSR2) == nil else { return 5 }
            return 0
        }
        #expect(code == 0)
    }

    /// The epoll instance the child's main thread registered its signalfd on.
    enum Registered {
        nonisolated(unsafe) static var instance: CInt = -1

        /// In the child's main thread: blocks `SIGWINCH`, registers a signalfd for it (level-triggered `EPOLLIN`) on a
        /// new instance and keeps the instance in ``instance``; false when a call failed.
        static func signalDescriptorForSIGWINCH() -> Bool {
            guard (try? Syscall.setSignalsBlocked([SIGWINCH], true)) != nil, let made = try? KernelEpoll.create(),
                let descriptor = try? Syscall.openSignalDescriptor([SIGWINCH]),
                (try? KernelEpoll.control(made.rawValue, KernelEpoll.add, descriptor.rawValue, events: .input)) != nil
            else { return false }
            instance = made.rawValue
            return true
        }
    }

    /// The other thread: a first look (timeout 0) recorded in `result` (1: nothing reported), then a wait with `SIGUSR2`
    /// unblocked for it, its error in `error`.
    nonisolated(unsafe) static let epollWaiting: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
        Shared.threadID = OSThread.currentID
        let look = Syscall.epollWaitMasked(Registered.instance, maxEvents: 4, timeoutMilliseconds: 0, pwait2: false, timespec: nil,
            keeping: [SIGWINCH], releasing: [SIGUSR2])
        Shared.result = look.error == nil && look.events.isEmpty ? 1 : 0
        sem_post(Shared.ready)
        let wait = Syscall.epollWaitMasked(Registered.instance, maxEvents: 4, timeoutMilliseconds: -1, pwait2: false, timespec: nil,
            keeping: [SIGWINCH], releasing: [SIGUSR2])
        Shared.error = wait.error?.rawValue ?? 0
        return nil
    }

    @Test func aMaskedEpollWaitInAnotherThreadSeesThatThreadsSignalsAndTakesAProcessDirectedOne() throws {
        let code = try Child.inChild {
            guard Registered.signalDescriptorForSIGWINCH() else { return 100 }
            guard (try? Syscall.sendToThread(OSThread.currentID, inGroup: getpid(), signal: SIGWINCH)) != nil,
                let mine = try? KernelEpoll.wait(Registered.instance, timeoutMilliseconds: 0), mine.count == 1
            else { return 1 }
            guard let thread = Child.start(Self.epollWaiting), Child.await(Shared.ready) else { return 101 }
            guard Shared.result == 1 else { return 2 }
            guard kill(getpid(), SIGUSR2) == 0, pthread_join(thread, nil) == 0 else { return 3 }
            guard Shared.error == EINTR, Shared.handledIn == Shared.threadID, Shared.handledCount == 1 else { return 4 }
            return 0
        }
        #expect(code == 0)
    }
}
