import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// Several threads of one process and its signals, measured on this kernel (issue 15: the signal model's threads,
/// `SignalModel+Threads.swift`; a C probe first; LTP `tgkill01`, `tgkill03`, `tkill01/02`, Open POSIX `pthread_kill`,
/// `pthread_sigmask`, `sigwait` as the checklist). Each test runs in a process of its own (masks and threads):
/// - a `tgkill` (and a `raise` in a thread) is pending for that thread alone: another thread's `sigtimedwait` finds
///   nothing, its `sigpending` does not report it; the thread's own `sigpending` reports it and the process's signals;
/// - a new thread inherits its creator's mask; a signal sent to one thread runs its handler only when that thread
///   unblocks it, never when another does; `SIG_IGN` set by one thread discards the signal pending for every thread;
/// - (the C probe, where every thread blocked the signals: a process-directed signal pending is reported by every
///   thread's `sigpending`, taken once by whichever thread waits for it, and handled by the one thread that leaves it
///   unblocked, a thread other than the main one too; an exit-test child has runtime threads that block nothing);
/// - `tgkill` ids: 0 or less `EINVAL` (before the signal number); a thread that has exited and is gone, or a thread
///   named with another group's id, `ESRCH` (looked up before the signal number); `tkill` alike.
@Suite struct ThreadSignalFactsTests {
    /// A thread that runs one step at a time, when told, and waits in between.
    final class StepThread: @unchecked Sendable {
        private(set) var id: pid_t = 0
        private let go = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        private let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        private var step: (() -> Void)?
        private var stopping = false
        private var thread: OSThread?

        init() {
            sem_init(go, 0, 0)
            sem_init(done, 0, 0)
            thread = OSThread { [self] in
                id = OSThread.currentID
                sem_post(done)
                while true {
                    Self.wait(go)
                    if stopping { return }
                    step?()
                    sem_post(done)
                }
            }
            Self.wait(done)
        }

        /// Runs `body` on the thread and waits for it.
        func run(_ body: @escaping () -> Void) {
            step = body
            sem_post(go)
            Self.wait(done)
        }

        /// Ends the thread and joins it.
        func finish() {
            stopping = true
            sem_post(go)
            thread?.join()
        }

        /// `sem_wait`, again when a handler interrupted it.
        static func wait(_ semaphore: UnsafeMutablePointer<sem_t>) {
            while sem_wait(semaphore) != 0 && errno == EINTR {}
        }
    }


    // The exit-test child runs this body on a thread of Swift's pool, beside threads of the runtime that block
    // nothing: a process-directed signal would go to one of them (the C probe measured those facts, in a process
    // whose every thread blocked the signals). These facts send to threads only.
    @Test func aThreadDirectedSignalWaitsForItsThreadAlone() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let me = getpid(), here = OSThread.currentID
            guard (try? Syscall.setSignalsBlocked([SIGUSR1, SIGUSR2, SIGWINCH], true)) != nil else { exit(1) }
            let other = StepThread()
            guard (try? Syscall.sendToThread(other.id, inGroup: me, signal: SIGUSR2)) != nil else { exit(2) }
            guard (try? Syscall.sendToThread(here, inGroup: me, signal: SIGUSR1)) != nil else { exit(3) }
            // This thread: its own SIGUSR1 only.
            guard Probe.pending() == [SIGUSR1], Probe.take([SIGUSR2]) == nil else { exit(4) }
            var seen: (Set<Int32>, Int32?, Int32?) = ([], nil, nil)
            other.run { seen = (Probe.pending(), Probe.take([SIGUSR1, SIGUSR2]), Probe.take([SIGUSR1, SIGUSR2])) }
            guard seen == ([SIGUSR2], SIGUSR2, nil) else { exit(5) }
            // raise in the other thread: to it alone.
            other.run { _ = try? Syscall.raiseSignal(SIGWINCH) }
            guard Probe.pending() == [SIGUSR1], Probe.take([SIGWINCH]) == nil else { exit(6) }
            other.run { seen = (Probe.pending(), Probe.take([SIGWINCH]), Probe.take([SIGUSR1])) }
            guard seen == ([SIGWINCH], SIGWINCH, nil) else { exit(7) }
            guard Probe.take([SIGUSR1]) == SIGUSR1, Probe.pending() == [] else { exit(8) }
            other.finish()
            exit(0)
        }
    }

    @Test func aNewThreadInheritsItsCreatorsMaskItsUnblockRunsOnlyItsOwnSignalsHandlerAndIgnoringDiscardsItsSignals() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let me = getpid()
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in Probe.handledIn = OSThread.currentID }
            sigfillset(&action.sa_mask)
            guard sigaction(SIGUSR2, &action, nil) == 0 else { exit(1) }
            guard (try? Syscall.setSignalsBlocked([SIGUSR1, SIGUSR2], true)) != nil else { exit(2) }
            let other = StepThread()
            // It inherited its creator's mask.
            var inherited = (false, false)
            other.run {
                var old = sigset_t()
                pthread_sigmask(SIG_BLOCK, nil, &old)
                inherited = (sigismember(&old, SIGUSR1) == 1, sigismember(&old, SIGUSR2) == 1)
            }
            guard inherited == (true, true) else { exit(3) }
            // A signal sent to the other thread: this thread's unblock runs no handler; the other's does, in it.
            guard (try? Syscall.sendToThread(other.id, inGroup: me, signal: SIGUSR2)) != nil else { exit(4) }
            guard (try? Syscall.setSignalsBlocked([SIGUSR2], false)) != nil, Probe.handledIn == 0 else { exit(5) }
            guard (try? Syscall.setSignalsBlocked([SIGUSR2], true)) != nil else { exit(6) }
            var ranIn: pid_t = 0
            other.run {
                _ = try? Syscall.setSignalsBlocked([SIGUSR2], false)
                ranIn = Probe.handledIn
            }
            guard ranIn == other.id else { exit(7) }
            // An action set to ignore by this thread discards what is pending for the other thread too.
            guard (try? Syscall.sendToThread(other.id, inGroup: me, signal: SIGUSR1)) != nil,
                (try? Syscall.sendToThread(other.id, inGroup: me, signal: SIGUSR2)) != nil else { exit(8) }
            var ignoring = sigaction()
            ignoring.__sigaction_handler.sa_handler = SIG_IGN
            guard sigaction(SIGUSR2, &ignoring, nil) == 0 else { exit(9) }
            var left: Set<Int32> = []
            other.run { left = Probe.pending() }
            guard left == [SIGUSR1] else { exit(10) }
            other.finish()
            exit(0)
        }
    }

    @Test func tgkillAndTkillRefuseBadIdsFirstAndThenMissingThreads() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let me = getpid()
            guard (try? Syscall.setSignalsBlocked([SIGUSR1], true)) != nil else { exit(1) }
            let other = StepThread()
            let gone = other.id
            other.finish()
            // pthread_join returns once the kernel cleared the thread's tid, before it is released: wait (bounded)
            // for its task entry to vanish, as LTP's tgkill03 does.
            var start = timespec(), now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            while access("/proc/\(me)/task/\(gone)", F_OK) == 0 {
                clock_gettime(CLOCK_MONOTONIC, &now)
                guard now.tv_sec - start.tv_sec < 10 else { exit(2) }
                sched_yield()
            }
            func refusal(_ tgid: pid_t, _ tid: pid_t, _ signal: Int32) -> Errno? {
                do throws(Errno) { try Syscall.sendToThread(tid, inGroup: tgid, signal: signal); return nil } catch { return error }
            }
            func tkillRefusal(_ tid: pid_t, _ signal: Int32) -> Errno? {
                do throws(Errno) { try Syscall.sendToThread(tid, signal: signal); return nil } catch { return error }
            }
            let outcomes: [Errno?] = [
                refusal(-1, me, SIGUSR1), refusal(me, -1, SIGUSR1), refusal(0, me, SIGUSR1), refusal(me, 0, 65),
                refusal(me, gone, SIGUSR1), refusal(me, gone, 65), refusal(getppid(), me, SIGUSR1), refusal(getppid(), me, 65),
                tkillRefusal(0, SIGUSR1), tkillRefusal(-1, 65), tkillRefusal(gone, 0),
                refusal(me, me, 65), refusal(me, OSThread.currentID, SIGUSR1),
            ]
            let expected: [Errno?] = [
                .invalidArgument, .invalidArgument, .invalidArgument, .invalidArgument,
                .noSuchProcess, .noSuchProcess, .noSuchProcess, .noSuchProcess,
                .invalidArgument, .invalidArgument, .noSuchProcess,
                .invalidArgument, nil,
            ]
            for (index, (outcome, wanted)) in zip(outcomes, expected).enumerated() where outcome != wanted { exit(Int32(10 + index)) }
            guard Probe.take([SIGUSR1]) == SIGUSR1, Probe.take([SIGUSR1]) == nil else { exit(3) }
            exit(0)
        }
    }
}

/// What the exit-test children of ``ThreadSignalFactsTests`` share with their threads and handlers.
private enum Probe {
    nonisolated(unsafe) static var handledIn: pid_t = 0

    /// `sigpending` of the calling thread.
    static func pending() -> Set<Int32> { Set((try? Syscall.pendingSignals()) ?? [-1]) }

    /// `sigtimedwait` with timeout 0: what it took, nil when nothing.
    static func take(_ signals: [Int32]) -> Int32? {
        (try? Syscall.waitForSignal(signals, timeoutNanoseconds: 0, retryOnInterrupt: false))?.signal
    }
}
