import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// The obsolete signal calls on this machine (glibc 2.36; a C probe first; LTP `signal01`-`05`, `sighold02`,
/// `sigpause01`, Open POSIX `signal`, `sigignore`, `sighold`, `sigpause`, `siginterrupt` as the checklist), as the
/// signal model's `signal`, `sigignore`, `sighold`, `siginterrupt` and `sigpause` take them:
/// - `signal` is BSD's: a handler gets `SA_RESTART` and an `sa_mask` holding the signal alone; it returns the old
///   action; `SIG_IGN` discards a pending instance, as `sigaction`'s does.
/// - `EINVAL` for 0, 65, glibc's 32 and 33 from all five; for `SIGKILL` and `SIGSTOP` from `signal`, `sigignore` and
///   `siginterrupt` (each sets an action), not from `sighold` (the kernel drops them from the mask).
/// - `sigignore` sets `SIG_IGN`, discarding what is pending; `sighold` of a blocked signal changes nothing;
///   `siginterrupt` sets the action again with `SA_RESTART` cleared or set — so on an ignored signal it discards a
///   pending instance as a new `SIG_IGN` would.
/// - `sigpause(sig)` suspends with the mask less that signal: a pending one runs its handler, the call returns
///   `-1 EINTR`, and the signal is blocked again.
/// - `sigrelse` unblocks the signal for good: the pending one runs its handler before it returns, one raised later
///   runs it at once (nothing pending after). `sigset` of an action sets it (an empty `sa_mask`, no flag) and
///   unblocks: each pending instance runs the new handler inside the call (two queued real-time ones: two runs), an
///   ignoring action discards them, and a raise afterwards is dropped; it returns `SIG_HOLD` when the signal was
///   blocked, else the old action. `sigset(SIG_HOLD)` blocks, returning the old action (`SIG_DFL` for `SIGKILL` and
///   `SIGSTOP`, which it cannot block), or `SIG_HOLD` when blocked already. `EINVAL` for 0, 32, 33, 65 from both;
///   for `SIGKILL`/`SIGSTOP` from `sigset` of an action only.
/// - BSD `sigpause(mask)` (`__sigpause(mask, 0)`) suspends with the whole mask replaced by the old-style one (signals
///   1…31 as bits): every real-time signal is unblocked for it.
/// Signals 57, 58 and 59, which no other test uses (actions are the process's), raised at this thread alone (the
/// test runner's other threads do not block them).
@Suite(.serialized) struct ObsoleteSignalCallsFactsTests {
    static let handled: CInt = 57
    static let ignored: CInt = 58
    static let spare: CInt = 59
    static var all: [CInt] { [handled, ignored, spare] }

    func refusal(_ body: () throws(Errno) -> Void) -> Errno? {
        do throws(Errno) { try body(); return nil } catch { return error }
    }

    func withBlocked(_ body: () throws -> Void) throws {
        try Syscall.setSignalsBlocked(Self.all, true)
        defer {
            for signal in Self.all { _ = try? Syscall.setSignalAction(signal, to: .ignore); _ = try? Syscall.setSignalAction(signal, to: .standard) }
            try? Syscall.setSignalsBlocked(Self.all, false)
        }
        try body()
    }

    func pending(_ signal: CInt) throws -> Bool { try Syscall.pendingSignals().contains(signal) }

    @Test func signalIsBSDsAndRefusesWhatSigactionRefuses() throws {
        try withBlocked {
            #expect(try Syscall.bsdSignal(Self.handled, to: .handler) == .standard)
            let shape = try Syscall.actionShape(Self.handled)
            #expect(shape.restarts && shape.masksItself && shape.masked == 1)
            #expect(try Syscall.bsdSignal(Self.handled, to: .ignore) == .handler)
            #expect(try Syscall.bsdSignal(Self.handled, to: .standard) == .ignore)
            for signal: CInt in [0, 65, 32, 33, SIGKILL, SIGSTOP] {
                for action: Syscall.SignalAction in [.standard, .ignore, .handler] {
                    #expect(refusal { () throws(Errno) in _ = try Syscall.bsdSignal(signal, to: action) } == .invalidArgument)
                }
            }
            try Syscall.raiseSignal(Self.handled)
            #expect(try pending(Self.handled))
            #expect(try Syscall.bsdSignal(Self.handled, to: .ignore) == .standard)
            #expect(try !pending(Self.handled))  // discarded, as by sigaction's SIG_IGN
        }
    }

    @Test func sigignoreSigholdAndSiginterrupt() throws {
        try withBlocked {
            for signal: CInt in [0, 65, 32, 33, SIGKILL, SIGSTOP] {
                #expect(refusal { () throws(Errno) in try Syscall.ignoreSignal(signal) } == .invalidArgument)
                #expect(refusal { () throws(Errno) in try Syscall.setInterrupting(signal, true) } == .invalidArgument)
            }
            for signal: CInt in [0, 65, 32, 33] { #expect(refusal { () throws(Errno) in try Syscall.holdSignal(signal) } == .invalidArgument) }
            try Syscall.holdSignal(SIGKILL)
            try Syscall.holdSignal(SIGSTOP)
            try Syscall.raiseSignal(Self.spare)
            try Syscall.holdSignal(Self.spare)  // blocked already: nothing changes
            #expect(try pending(Self.spare))
            try Syscall.ignoreSignal(Self.spare)
            #expect(try !pending(Self.spare) && Syscall.setSignalAction(Self.spare, to: nil) == .ignore)

            // siginterrupt sets the action again: on SIG_IGN it discards what is pending; a handler is kept.
            _ = try Syscall.setSignalAction(Self.ignored, to: .ignore)
            try Syscall.raiseSignal(Self.ignored)  // blocked: pending though ignored
            #expect(try pending(Self.ignored))
            try Syscall.setInterrupting(Self.ignored, true)
            #expect(try !pending(Self.ignored))
            _ = try Syscall.bsdSignal(Self.handled, to: .handler)
            try Syscall.raiseSignal(Self.handled)
            try Syscall.setInterrupting(Self.handled, true)
            #expect(try pending(Self.handled) && Syscall.setSignalAction(Self.handled, to: nil) == .handler)
            #expect(try !Syscall.actionShape(Self.handled).restarts)
            try Syscall.setInterrupting(Self.handled, false)
            #expect(try Syscall.actionShape(Self.handled).restarts)
        }
    }

    @Test func sigpauseRunsThePendingHandlerAndBlocksItAgain() throws {
        try withBlocked {
            for signal: CInt in [0, 65, 32, 33] {
                #expect(refusal { () throws(Errno) in _ = try Syscall.pauseForSignal(signal) } == .invalidArgument)
            }
            _ = try Syscall.bsdSignal(Self.handled, to: .handler)
            try Syscall.raiseSignal(Self.handled)
            let seen = try Syscall.pauseForSignal(Self.handled)
            #expect(seen.map(\.signal) == [Self.handled])
            #expect(seen.first?.code == Int32(SI_TKILL) && seen.first?.senderPID == getpid())
            try Syscall.raiseSignal(Self.handled)
            #expect(try pending(Self.handled))  // blocked again after it
        }
    }

    @Test func sigrelseAndSigsetUnblock() throws {
        try withBlocked {
            for signal: CInt in [0, 65, 32, 33] {
                #expect(refusal { () throws(Errno) in _ = try Syscall.releaseSignal(signal) } == .invalidArgument)
                for disposition: Syscall.Disposition in [.standard, .ignore, .handler, .hold] {
                    #expect(refusal { () throws(Errno) in _ = try Syscall.setDisposition(signal, to: disposition) } == .invalidArgument)
                }
            }
            for signal in [SIGKILL, SIGSTOP] {
                #expect(try Syscall.releaseSignal(signal).isEmpty)
                #expect(try Syscall.setDisposition(signal, to: .hold).old == .standard)  // not blockable: its action
                for disposition: Syscall.Disposition in [.standard, .ignore, .handler] {
                    #expect(refusal { () throws(Errno) in _ = try Syscall.setDisposition(signal, to: disposition) } == .invalidArgument)
                }
            }
            _ = try Syscall.bsdSignal(Self.handled, to: .handler)
            try Syscall.raiseSignal(Self.handled)
            let seen = try Syscall.releaseSignal(Self.handled)
            #expect(seen.map(\.signal) == [Self.handled] && seen.first?.code == Int32(SI_TKILL))
            try Syscall.raiseSignal(Self.handled)
            #expect(try !pending(Self.handled))  // unblocked: its handler ran at once
            #expect(try Syscall.setDisposition(Self.handled, to: .hold).old == .handler)
            #expect(try Syscall.setDisposition(Self.handled, to: .hold).old == .hold)
            try Syscall.raiseSignal(Self.handled)
            try Syscall.raiseSignal(Self.handled)
            let set = try Syscall.setDisposition(Self.handled, to: .handler)
            #expect(set.old == .hold && set.delivered == [Self.handled, Self.handled])  // both queued instances
            #expect(try !pending(Self.handled))
            let shape = try Syscall.actionShape(Self.handled)
            #expect(!shape.restarts && !shape.masksItself && shape.masked == 0)  // glibc's sigset: no flag, empty mask
            #expect(try Syscall.setDisposition(Self.handled, to: .standard).old == .handler)
            #expect(try Syscall.setDisposition(Self.handled, to: .hold).old == .standard)

            #expect(try Syscall.setDisposition(Self.ignored, to: .ignore).old == .hold)
            try Syscall.raiseSignal(Self.ignored)
            #expect(try !pending(Self.ignored))  // ignored and unblocked: dropped as it is sent
            #expect(try Syscall.setDisposition(Self.ignored, to: .hold).old == .ignore)
            try Syscall.raiseSignal(Self.ignored)
            #expect(try pending(Self.ignored))  // blocked: kept though ignored
            let again = try Syscall.setDisposition(Self.ignored, to: .ignore)
            #expect(again.old == .hold && again.delivered.isEmpty)
            #expect(try !pending(Self.ignored))
            _ = try Syscall.setDisposition(Self.ignored, to: .hold)
        }
    }

    /// Alone in a process of its own: the call unblocks every real-time signal, which no test runner thread may see.
    @Test func bsdSigpauseReplacesTheMaskWithTheOldStyleOne() async {
        await #expect(processExitsWith: .success) {
            let realtime = Syscall.realtimeSignalMinimum + 20
            do throws(Errno) {
                try Syscall.setSignalsBlocked([SIGUSR2, SIGWINCH, realtime], true)
                for signal in [SIGUSR2, SIGWINCH, realtime] {
                    _ = try Syscall.setSignalAction(signal, to: .handler)
                    try Syscall.raiseSignal(signal)
                }
                guard try Syscall.pauseWithOldMask([SIGUSR2, SIGWINCH]).map(\.signal) == [realtime] else { exit(1) }
                let left = try Syscall.pendingSignals()
                guard left.contains(SIGUSR2), left.contains(SIGWINCH), !left.contains(realtime) else { exit(2) }
                guard try Syscall.pauseWithOldMask([SIGUSR2]).map(\.signal) == [SIGWINCH] else { exit(3) }
                guard try Syscall.pauseWithOldMask([]).map(\.signal) == [SIGUSR2] else { exit(4) }
                try Syscall.raiseSignal(realtime)
                guard try Syscall.pendingSignals().contains(realtime) else { exit(5) }  // the old mask is back
            } catch { exit(6) }
        }
    }
}
