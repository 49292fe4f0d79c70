import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// `pidfd_open` and `rt_tgsigqueueinfo` naming a thread other than the main one, or an id that is not the caller's,
/// measured on this kernel (issue 15: `SignalModel+ThreadTargets.swift`; a C probe first; LTP `pidfd_open02`,
/// `rt_tgsigqueueinfo01`). Nothing here is process-wide: the signals are sent to a thread of the test's own, which
/// blocks them in its own mask.
/// - `pidfd_open`: bad flags `EINVAL` first (a reaped pid too), then a pid of 0 or less `EINVAL`, then a reaped pid
///   `ESRCH`; a thread that is not the group leader: `ENOENT` without `PIDFD_THREAD`, a pidfd with it; `ESRCH` once
///   the thread is gone;
/// - `rt_tgsigqueueinfo`: an id of 0 or less `EINVAL` first (a forged code and a bad number too); a forged code
///   (`SI_USER`, `SI_TKILL`) `EPERM` unless the caller is the thread named — this thread to the other, or to a thread
///   of no process — before the lookup; then `ESRCH` (a bad number too); `SI_QUEUE` to the other thread is pending for
///   it alone, with its code, value and sender.
@Suite struct ThreadTargetFactsTests {
    static let pidfdThread: UInt32 = 0o200, pidfdNonblock: UInt32 = 0o4000

    static func pidfdRefusal(_ pid: pid_t, _ flags: UInt32) -> Errno? {
        do throws(Errno) {
            let descriptor = try Syscall.openPidfd(pid, flags: flags)
            close(descriptor)
            return nil
        } catch { return error }
    }

    static func queueRefusal(_ tgid: pid_t, _ tid: pid_t, _ signal: Int32, code: Int32, value: Int32 = 0) -> Errno? {
        do throws(Errno) {
            try Syscall.queueSignal(toThread: tid, of: tgid, signal: signal, code: code, value: value)
            return nil
        } catch { return error }
    }

    /// A child forked and reaped: a pid of no process (the kernel does not reuse it at once).
    static func reapedPid() throws -> pid_t {
        var pid: pid_t = 0
        Syscall.withoutConcurrentSpawns {
            pid = fork()
            if pid == 0 { _exit(0) }
        }
        try #require(pid > 0)
        var status: CInt = 0
        try #require(waitpid(pid, &status, 0) == pid)
        return pid
    }

    /// Waits (bounded) until `/proc/self/task/TID` has vanished, as LTP's `tgkill03` does.
    static func waitGone(_ tid: pid_t) -> Bool {
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        while access("/proc/\(getpid())/task/\(tid)", F_OK) == 0 {
            clock_gettime(CLOCK_MONOTONIC, &now)
            guard now.tv_sec - start.tv_sec < 10 else { return false }
            sched_yield()
        }
        return true
    }

    @Test func pidfdOpenRefusesBadFlagsAndPidsFirstThenMissingProcessesAndTakesAThreadOnlyWithPidfdThread() throws {
        let reaped = try Self.reapedPid()
        let outcomes: [Errno?] = [
            Self.pidfdRefusal(0, 0), Self.pidfdRefusal(-1, 0), Self.pidfdRefusal(-5, 1), Self.pidfdRefusal(reaped, 1),
            Self.pidfdRefusal(reaped, 0), Self.pidfdRefusal(getpid(), 1), Self.pidfdRefusal(getpid(), Self.pidfdThread),
        ]
        #expect(outcomes == [.invalidArgument, .invalidArgument, .invalidArgument, .invalidArgument, .noSuchProcess, .invalidArgument, nil])
        let other = ThreadSignalFactsTests.StepThread()
        let tid = other.id
        let ofThread: [Errno?] = [
            Self.pidfdRefusal(tid, 0), Self.pidfdRefusal(tid, Self.pidfdThread), Self.pidfdRefusal(tid, Self.pidfdThread | Self.pidfdNonblock),
            Self.pidfdRefusal(tid, Self.pidfdNonblock), Self.pidfdRefusal(tid, 1 | Self.pidfdThread),
        ]
        #expect(ofThread == [.noSuchFileOrDirectory, nil, nil, .noSuchFileOrDirectory, .invalidArgument])
        other.finish()
        try #require(Self.waitGone(tid))
        #expect([Self.pidfdRefusal(tid, 0), Self.pidfdRefusal(tid, Self.pidfdThread), Self.pidfdRefusal(tid, 1)]
            == [.noSuchProcess, .noSuchProcess, .invalidArgument])
    }

    @Test func rtTgsigqueueinfoRefusesBadIdsThenForgedCodesThenMissingThreadsAndQueuesForTheThreadNamed() throws {
        let me = getpid(), here = OSThread.currentID
        let queue = SignalInfo.queueCode, user = SignalInfo.userCode, tkill = SignalInfo.threadKillCode
        // SIGRTMIN+24 (58): no other test sends it.
        let signal: Int32 = 58
        let other = ThreadSignalFactsTests.StepThread()
        defer { other.finish() }
        var blocked = false
        other.run { blocked = (try? Syscall.setSignalsBlocked([signal], true)) != nil }
        try #require(blocked)
        let reaped = try Self.reapedPid()
        let outcomes: [Errno?] = [
            Self.queueRefusal(0, other.id, signal, code: queue), Self.queueRefusal(me, 0, signal, code: queue),
            Self.queueRefusal(-1, -1, signal, code: user), Self.queueRefusal(me, -1, 99, code: queue),
            Self.queueRefusal(me, other.id, 99, code: queue),
            Self.queueRefusal(reaped, other.id, signal, code: queue), Self.queueRefusal(me, reaped, signal, code: queue),
            Self.queueRefusal(me, reaped, 99, code: queue), Self.queueRefusal(reaped, reaped, signal, code: user),
            Self.queueRefusal(me, other.id, signal, code: user), Self.queueRefusal(me, other.id, signal, code: tkill),
            Self.queueRefusal(reaped, here, signal, code: user),
        ]
        #expect(outcomes == [
            .invalidArgument, .invalidArgument, .invalidArgument, .invalidArgument, .invalidArgument,
            .noSuchProcess, .noSuchProcess, .noSuchProcess, .notPermitted,
            .notPermitted, .notPermitted,
            .noSuchProcess,
        ])
        // Queued to the other thread: pending for it alone, with the code, value and sender.
        #expect(Self.queueRefusal(me, other.id, signal, code: queue, value: 7) == nil)
        var mine: [Int32] = [], seen: SignalInfo?
        mine = (try? Syscall.pendingSignals()) ?? [-1]
        other.run { seen = try? Syscall.waitForSignal([signal], timeoutNanoseconds: 0, retryOnInterrupt: false) }
        #expect(!mine.contains(signal))
        #expect(seen?.signal == signal && seen?.code == queue && seen?.value == 7 && seen?.senderPID == me)
    }
}
