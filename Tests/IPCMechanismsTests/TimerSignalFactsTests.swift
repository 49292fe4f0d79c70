import CIPCShims
import Glibc
import IPCSyscalls
import Synchronization
import Testing

/// Timers whose expiry signals the process, measured on this kernel and glibc (issue 15: the signal model's `alarm`,
/// `setitimer`, `getitimer`, `timer_*` calls and `timer_expire`; `SignalModel+Timers.swift`). Timers are process-wide,
/// so each measurement runs in an exit test's process of its own. An interval timer's signal is process-directed, and
/// the exit test's process has threads the test does not control (one of them, not blocking it, would take it): those
/// signals are ignored here and only what the calls report is measured (their `SI_KERNEL` siginfo was measured by a C
/// probe: `si_code` 128, `si_pid` and `si_uid` 0). A POSIX timer's signal is sent to the measuring thread
/// (`SIGEV_THREAD_ID`), which blocks it and takes it with `sigtimedwait`.
@Suite struct TimerSignalFactsTests {
    static let siTimer: CInt = -2

    /// Runs `body` on a thread of its own and exits the process with the code it returns (0: every check held).
    static func onThread(_ body: @escaping @Sendable () -> CInt) -> Never {
        let code = Mutex<CInt>(99)
        let thread = OSThread { code.withLock { $0 = body() } }
        thread.join()
        exit(code.withLock { $0 })
    }

    static func errnoOf(_ result: CInt) -> CInt { result == -1 ? errno : 0 }

    /// What an interval timer reports: {value sec, usec, interval sec, usec}.
    static func itimer(_ which: CInt) -> [Int]? {
        var out = [Int](repeating: -1, count: 4)
        return out.withUnsafeMutableBufferPointer { ipc_getitimer(which, $0.baseAddress) } == 0 ? out : nil
    }

    @Test func alarmReportsTheSecondsLeftRoundedReplacesAndCancels() async {
        await #expect(processExitsWith: .success) {
            // Expiries are discarded: ignored and not blocked here (see the suite's note).
            for signal in [SIGALRM, SIGVTALRM, SIGPROF] { _ = Glibc.signal(signal, SIG_IGN) }
            guard alarm(0) == 0, alarm(1000) == 0 else { exit(1) }
            // A second alarm replaces the first and returns what was left of it (1000 s just set: 1000).
            guard alarm(3) == 1000 else { exit(2) }
            guard alarm(0) == 3 else { exit(3) }
            guard Self.itimer(0) == [0, 0, 0, 0] else { exit(4) }
            // Rounded to the nearest second, and never 0 while armed (less than a second left reads 1).
            func left(_ seconds: Int, _ microseconds: Int) -> UInt32 {
                _ = ipc_setitimer(0, seconds, microseconds, 0, 0, nil)
                return alarm(0)
            }
            guard left(1000, 700_000) == 1001, left(1000, 200_000) == 1000, left(0, 999_999) == 1 else { exit(5) }
            // setitimer's old value: more than 0 and at most what was set; the interval exact.
            _ = ipc_setitimer(0, 5, 0, 1, 500_000, nil)
            var old = [Int](repeating: -1, count: 4)
            guard old.withUnsafeMutableBufferPointer({ ipc_setitimer(0, 0, 0, 0, 0, $0.baseAddress) }) == 0 else { exit(6) }
            let oldMicroseconds = old[0] * 1_000_000 + old[1]
            guard oldMicroseconds > 0, oldMicroseconds <= 5_000_000, old[2] == 1, old[3] == 500_000 else { exit(7) }
            // EINVAL: a bad which, a tv_usec outside 0..<10^6 or a negative tv_sec, of the value or the interval.
            for (which, seconds, microseconds, intervalMicroseconds) in [(3, 1, 0, 0), (-1, 1, 0, 0), (0, 0, 1_000_000, 0), (0, 1, 0, -1), (0, -1, 0, 0)] {
                guard Self.errnoOf(ipc_setitimer(CInt(which), seconds, microseconds, 0, intervalMicroseconds, nil)) == EINVAL else { exit(8) }
            }
            guard Self.itimer(0) == [0, 0, 0, 0] else { exit(9) }
            var out = [Int](repeating: 0, count: 4)
            guard Self.errnoOf(out.withUnsafeMutableBufferPointer { ipc_getitimer(3, $0.baseAddress) }) == EINVAL else { exit(10) }
            // A CPU-time timer: the kernel adds a tick to the value set (1 µs reads more, within 10 ms).
            _ = ipc_setitimer(1, 0, 1, 0, 0, nil)
            guard let virtual = Self.itimer(1), virtual[0] == 0, virtual[1] > 1, virtual[1] <= 10_001 else { exit(11) }
            _ = ipc_setitimer(1, 0, 0, 0, 0, nil)
            exit(0)
        }
    }

    @Test func timerCreateRefusesClocksWithoutTimersAndBadSigevents() async {
        await #expect(processExitsWith: .success) {
            Self.onThread {
                var blocked = sigset_t()
                sigfillset(&blocked)
                pthread_sigmask(SIG_BLOCK, &blocked, nil)
                func create(_ clock: CInt, _ notify: CInt = 4, _ signal: CInt = SIGUSR2) -> CInt {
                    var id: CInt = -1
                    guard ipc_timer_create(clock, notify, signal, 0, &id) == 0 else { return errno }
                    if id >= 0 { _ = ipc_timer_delete(id) }
                    return 0
                }
                // The clocks: made; without timers (EOPNOTSUPP); unknown (EINVAL); the alarm clocks (here EOPNOTSUPP,
                // no wake-up RTC; EPERM elsewhere without CAP_WAKE_ALARM, made with both).
                for clock: CInt in [0, 1, 2, 3, 7, 11, -6, -2] where create(clock) != 0 { return 1 }
                for clock: CInt in [4, 5, 6] where create(clock) != EOPNOTSUPP { return 2 }
                for clock: CInt in [10, 12, 100, -1] where create(clock) != EINVAL { return 3 }
                for clock: CInt in [8, 9] where ![0, EOPNOTSUPP, EPERM].contains(create(clock)) { return 4 }
                // sigev_notify: SIGEV_SIGNAL 0, SIGEV_NONE 1, SIGEV_THREAD 2 (glibc's), SIGEV_THREAD_ID 4.
                for notify: CInt in [0, 1, 2, 4] where create(1, notify) != 0 { return 5 }
                for notify: CInt in [3, 5, 99, -1] where create(1, notify) != EINVAL { return 6 }
                // The signal: 1…64, SIGKILL and glibc's own 32 and 33 too; SIGEV_NONE ignores it.
                for signal: CInt in [1, 9, 19, 32, 33, 64] where create(1, 4, signal) != 0 { return 7 }
                for signal: CInt in [0, 65, -1] where create(1, 4, signal) != EINVAL { return 8 }
                guard create(1, 1, 0) == 0, create(1, 1, 99) == 0 else { return 9 }
                // The clock is looked at before the sigevent.
                guard create(4, 3) == EOPNOTSUPP, create(10, 4, 0) == EINVAL else { return 10 }
                return 0
            }
        }
    }

    @Test func aPosixTimersSignalCarriesItsIdOverrunsAndValueAndIsQueuedOnce() async {
        await #expect(processExitsWith: .success) {
            Self.onThread {
                let realtime = Syscall.realtimeSignalMinimum + 1
                var blocked = sigset_t()
                sigfillset(&blocked)
                pthread_sigmask(SIG_BLOCK, &blocked, nil)
                struct Taken: Equatable { var signal: CInt, code: CInt, timer: CInt, overrun: CInt, value: CInt }
                func take(_ signals: [CInt], timeout: Int) -> Taken? {
                    var code: CInt = 0, pid: CInt = 0, uid: CInt = 0, timer: CInt = 0, overrun: CInt = 0, value: CInt = 0
                    let signal = ipc_sigtimedwait_info(signals, CInt(signals.count), timeout, &code, &pid, &uid, &timer, &overrun, &value)
                    return signal < 0 ? nil : Taken(signal: signal, code: code, timer: timer, overrun: overrun, value: value)
                }
                func spec(_ id: CInt) -> [Int] {
                    var out = [Int](repeating: -1, count: 4)
                    _ = out.withUnsafeMutableBufferPointer { ipc_timer_gettime(id, $0.baseAddress) }
                    return out
                }
                func pending(_ signal: CInt) -> Bool {
                    var set = sigset_t()
                    sigpending(&set)
                    return sigismember(&set, signal) == 1
                }
                /// Waits (at most 10 s) until `done` holds: the timer's effect, not a time.
                func awaitEffect(_ done: () -> Bool) -> Bool {
                    var start = timespec(), now = timespec()
                    clock_gettime(CLOCK_MONOTONIC, &start)
                    while !done() {
                        clock_gettime(CLOCK_MONOTONIC, &now)
                        if now.tv_sec - start.tv_sec > 10 { return false }
                        sched_yield()
                    }
                    return true
                }
                var id: CInt = -1
                guard ipc_timer_create(CLOCK_MONOTONIC, 4, realtime, 77, &id) == 0 else { return 1 }
                // A one-shot timer: SI_TIMER, its id, overrun 0, the value; then it reads 0 and counts no overrun.
                guard ipc_timer_settime(id, 0, 0, 1000, 0, 0, nil) == 0 else { return 2 }
                guard take([realtime], timeout: 10_000) == Taken(signal: realtime, code: Self.siTimer, timer: id, overrun: 0, value: 77) else { return 3 }
                guard spec(id) == [0, 0, 0, 0], ipc_timer_getoverrun(id) == 0 else { return 4 }
                // A periodic one (1 ms) left 20 ms: one entry, its expiries counted as overruns, not queued.
                var start = timespec(), now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &start)
                guard ipc_timer_settime(id, 0, 0, 1_000_000, 0, 1_000_000, nil) == 0 else { return 5 }
                guard awaitEffect({
                    clock_gettime(CLOCK_MONOTONIC, &now)
                    return (now.tv_sec - start.tv_sec) * 1_000_000_000 + (now.tv_nsec - start.tv_nsec) > 20_000_000
                }) else { return 6 }
                guard let periodic = take([realtime], timeout: 0), periodic.overrun >= 1 else { return 7 }
                guard ipc_timer_getoverrun(id) == periodic.overrun else { return 8 }
                let running = spec(id)
                guard running[0] == 0, running[1] > 0, running[1] <= 1_000_000, running[2] == 0, running[3] == 1_000_000 else { return 9 }
                // Disarmed while its signal is pending: still shown pending, but no wait takes it (dropped at dequeue).
                guard ipc_timer_settime(id, 0, 0, 0, 0, 0, nil) == 0, ipc_timer_getoverrun(id) == 0 else { return 10 }
                _ = take([realtime], timeout: 0)
                guard ipc_timer_settime(id, 0, 0, 1000, 0, 0, nil) == 0, awaitEffect({ pending(realtime) }) else { return 11 }
                guard ipc_timer_settime(id, 0, 0, 0, 0, 0, nil) == 0, pending(realtime) else { return 12 }
                guard take([realtime], timeout: 0) == nil, errno == EAGAIN, !pending(realtime) else { return 13 }
                // Deleted while pending: likewise.
                guard ipc_timer_settime(id, 0, 0, 1000, 0, 0, nil) == 0, awaitEffect({ pending(realtime) }) else { return 14 }
                guard ipc_timer_delete(id) == 0, pending(realtime), take([realtime], timeout: 0) == nil else { return 15 }
                // A deleted timer: EINVAL for every call naming it.
                var out = [Int](repeating: 0, count: 4)
                guard Self.errnoOf(ipc_timer_delete(id)) == EINVAL, Self.errnoOf(ipc_timer_getoverrun(id)) == EINVAL,
                    Self.errnoOf(out.withUnsafeMutableBufferPointer { ipc_timer_gettime(id, $0.baseAddress) }) == EINVAL,
                    Self.errnoOf(ipc_timer_settime(id, 0, 1, 0, 0, 0, nil)) == EINVAL
                else { return 16 }
                // A standard signal pending from a kill does not absorb the timer's: two deliveries.
                guard ipc_timer_create(CLOCK_MONOTONIC, 4, SIGUSR2, 5, &id) == 0 else { return 17 }
                pthread_kill(pthread_self(), SIGUSR2)
                guard ipc_timer_settime(id, 0, 0, 1000, 0, 0, nil) == 0, awaitEffect({ spec(id) == [0, 0, 0, 0] }) else { return 18 }
                // The kill's first (SI_TKILL, which glibc's sigtimedwait folds into SI_USER).
                guard let killed = take([SIGUSR2], timeout: 0), [SignalInfo.threadKillCode, SignalInfo.userCode].contains(killed.code) else { return 19 }
                guard take([SIGUSR2], timeout: 0) == Taken(signal: SIGUSR2, code: Self.siTimer, timer: id, overrun: 0, value: 5) else { return 20 }
                // EINVAL for a bad tv_nsec or a negative tv_sec, of the value or the interval (even with a zero
                // value); other flag bits are ignored; an absolute time long past expires at once.
                for (seconds, nanoseconds, intervalNanoseconds) in [(0, 1_000_000_000, 0), (-1, 0, 0), (0, 0, 1_000_000_000), (1, 0, -1)] {
                    guard Self.errnoOf(ipc_timer_settime(id, 0, seconds, nanoseconds, 0, intervalNanoseconds, nil)) == EINVAL else { return 21 }
                }
                guard ipc_timer_settime(id, 6, 100, 0, 0, 0, nil) == 0, spec(id)[0] > 0 else { return 22 }
                guard ipc_timer_settime(id, 1, 0, 1, 0, 0, nil) == 0, take([SIGUSR2], timeout: 10_000)?.code == Self.siTimer else { return 23 }
                _ = ipc_timer_delete(id)
                return 0
            }
        }
    }
}
