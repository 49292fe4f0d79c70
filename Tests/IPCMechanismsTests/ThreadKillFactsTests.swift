import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// `tkill(tid, sig)` (LTP's `tkill01`, `tkill02`), as the signal model's `tkill` encodes it: the signal is pending for
/// that thread alone, with `si_code` `SI_TKILL` (-6; glibc's `sigtimedwait` folds it into `SI_USER`) and the
/// sender's pid, as `tgkill`'s; a tid of 0 or less fails
/// `EINVAL`, as does a signal outside 0…64 (signal 0 only checks); a tid no thread has `ESRCH`. Measured on this test's
/// own thread, with the signal blocked there.
@Suite struct ThreadKillFactsTests {
    @Test func aThreadsOwnSignalWithItsCode() throws {
        try TestThread.runAlone {
            try Syscall.setSignalsBlocked([SIGUSR2], true)
            let tid = pid_t(ipc_gettid())
            try Syscall.sendToThread(tid, signal: SIGUSR2)
            try Syscall.sendToThread(tid, signal: 0)
            let pending = try Syscall.pendingSignals()
            #expect(pending.contains(SIGUSR2))
            let info = try Syscall.waitForSignal([SIGUSR2], timeoutNanoseconds: 0)
            #expect(info.signal == SIGUSR2)
            #expect(info.code == 0)  // SI_TKILL (-6), which glibc's sigtimedwait reports as SI_USER, as for tgkill
            #expect(info.senderPID == getpid())
            #expect(throws: Errno.invalidArgument) { try Syscall.sendToThread(0, signal: SIGUSR2) }
            #expect(throws: Errno.invalidArgument) { try Syscall.sendToThread(-1, signal: SIGUSR2) }
            #expect(throws: Errno.invalidArgument) { try Syscall.sendToThread(tid, signal: 65) }
            #expect(throws: Errno.noSuchProcess) { try Syscall.sendToThread(4_194_304 + 7, signal: SIGUSR2) }
            try Syscall.setSignalsBlocked([SIGUSR2], false)
        }
    }

    /// `raise` and `pthread_kill(pthread_self(), sig)`: the signal is pending for the calling thread, from its own
    /// process (glibc's `tgkill` of itself: `SI_TKILL`, reported `SI_USER`); a bad signal `EINVAL`; `pthread_kill`
    /// also refuses glibc's internal signals 32 and 33 (`EINVAL`), which `kill` would send.
    @Test func raiseAndPthreadKillSignalTheCallingThread() throws {
        try TestThread.runAlone {
            try Syscall.setSignalsBlocked([SIGUSR2, SIGWINCH], true)
            try Syscall.raiseSignal(SIGUSR2)
            try Syscall.killOwnThread(SIGWINCH)
            try Syscall.killOwnThread(0)
            for signal in [SIGWINCH, SIGUSR2] {
                let info = try Syscall.waitForSignal([signal], timeoutNanoseconds: 0)
                #expect(info.signal == signal)
                #expect(info.code == 0)  // SI_TKILL, folded by glibc's sigtimedwait
                #expect(info.senderPID == getpid())
            }
            #expect(throws: Errno.invalidArgument) { try Syscall.raiseSignal(65) }
            #expect(throws: Errno.invalidArgument) { try Syscall.killOwnThread(65) }
            #expect(throws: Errno.invalidArgument) { try Syscall.killOwnThread(32) }
            #expect(throws: Errno.invalidArgument) { try Syscall.killOwnThread(33) }
            try Syscall.setSignalsBlocked([SIGUSR2, SIGWINCH], false)
        }
    }
}
