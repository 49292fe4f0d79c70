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
}
