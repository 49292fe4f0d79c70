import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// `sigaltstack` on this machine (a C probe first; LTP `sigaltstack01`/`02` as the checklist), as the signal model's
/// `sigaltstack` takes it. Each test runs in a process of its own: the alternate stack is its thread's.
/// - A thread starts with none: `SS_DISABLE`, size 0.
/// - The mode (`ss_flags` less `SS_AUTODISARM`) must be 0, `SS_ONSTACK` or `SS_DISABLE`: else `EINVAL`, checked
///   before the size; below 2048 bytes (the kernel's `MINSIGSTKSZ`, not glibc's 13504 nor `AT_MINSIGSTKSZ`) `ENOMEM`;
///   `SS_DISABLE` takes any size.
/// - What it reports: flags 0 (a stack set with `SS_ONSTACK` too) or `SS_DISABLE` with size 0, `SS_AUTODISARM` kept
///   in both.
/// - An `SA_ONSTACK` handler runs on it, sees `SS_ONSTACK`, and setting a stack there fails `EPERM`; with
///   `SS_AUTODISARM` the handler sees `SS_DISABLE` and may set one; a handler without `SA_ONSTACK` runs elsewhere.
/// - The recording handler's own `sigaltstack` call (the model's `"sigaltstack"` handler call): a plain handler nested
///   above an `SA_ONSTACK` one runs on the stack and sees `SS_ONSTACK` too; `EPERM` comes before `EINVAL`; a change a
///   handler makes is undone as it returns (`sigreturn` restores the stack its frame saved); with `SS_AUTODISARM` the
///   frame of *any* handler — a plain one too — disables the stack (`SS_DISABLE`, size 0, the flag gone), so an
///   `SA_ONSTACK` handler nested above a plain one runs on the thread's stack; it is back once they returned.
/// - A frame that does not fit: an `SA_ONSTACK` delivery on a stack too small for the machine's signal frame kills the
///   receiver with `SIGSEGV` (2048 bytes do); `AT_MINSIGSTKSZ` (3376 here) always holds it, and the smallest stack that
///   does lies below it (2952 bytes here for a page-aligned stack; 2912 to 2952 as the top's alignment moves).
@Suite struct AltStackFactsTests {
    @Test func setQueryAndRefusals() async {
        await #expect(processExitsWith: .success) {
            typealias Stack = Syscall.AltStack
            func refusal(_ stack: Stack) -> Errno? {
                do throws(Errno) { _ = try Syscall.alternateStack(setting: stack); return nil } catch { return error }
            }
            let disarm = Syscall.altStackAutoDisarm
            do throws(Errno) {
                guard try Syscall.alternateStack(setting: nil) == Stack(flags: Int32(SS_DISABLE), size: 0) else { exit(1) }
                _ = try Syscall.alternateStack(setting: Stack(flags: 0, size: 2048))
                guard try Syscall.alternateStack(setting: nil) == Stack(flags: 0, size: 2048) else { exit(2) }
                for size in [2047, 1, 0] { guard refusal(Stack(flags: 0, size: size)) == .noMemory else { exit(3) } }
                for flags: Int32 in [3, 4, 8, -1] { guard refusal(Stack(flags: flags, size: 4096)) == .invalidArgument else { exit(4) } }
                guard refusal(Stack(flags: 8, size: 100)) == .invalidArgument else { exit(5) }  // EINVAL before ENOMEM
                _ = try Syscall.alternateStack(setting: Stack(flags: Int32(SS_ONSTACK), size: 4096))
                guard try Syscall.alternateStack(setting: Stack(flags: disarm, size: 8192)) == Stack(flags: 0, size: 4096) else { exit(6) }
                guard try Syscall.alternateStack(setting: Stack(flags: Int32(SS_DISABLE) | disarm, size: 1)) == Stack(flags: disarm, size: 8192) else { exit(7) }
                guard try Syscall.alternateStack(setting: Stack(flags: Int32(SS_DISABLE), size: 0)) == Stack(flags: Int32(SS_DISABLE) | disarm, size: 0) else { exit(8) }
                guard try Syscall.alternateStack(setting: nil) == Stack(flags: Int32(SS_DISABLE), size: 0) else { exit(9) }
            } catch { exit(10) }
        }
    }

    @Test func anOnStackHandlerRunsOnItAndCannotChangeIt() async {
        await #expect(processExitsWith: .success) {
            do throws(Errno) {
                try Syscall.setSignalsBlocked([SIGUSR2], false)
                _ = try Syscall.alternateStack(setting: Syscall.AltStack(flags: 0, size: 1 << 16))
                let on = try Syscall.probeAltStackHandler(SIGUSR2, onStack: true)
                guard on.ranOnStack, on.flagsInside == Int32(SS_ONSTACK), on.errorInside == .notPermitted else { exit(1) }
                let off = try Syscall.probeAltStackHandler(SIGUSR2, onStack: false)
                guard !off.ranOnStack, off.flagsInside == 0, off.errorInside == nil else { exit(2) }
                _ = try Syscall.alternateStack(setting: Syscall.AltStack(flags: Syscall.altStackAutoDisarm, size: 1 << 16))
                let disarmed = try Syscall.probeAltStackHandler(SIGUSR2, onStack: true)
                guard disarmed.ranOnStack, disarmed.flagsInside == Int32(SS_DISABLE), disarmed.errorInside == nil else { exit(3) }
            } catch { exit(4) }
        }
    }

    /// The recording handler calling `sigaltstack` (asking, then setting a stack when told), delivered by an unblock of
    /// its signals: what each record says, in the order the handlers ran.
    @Test func aHandlersOwnSigaltstackCallSeesWhereItRunsAndItsChangeIsUndone() async {
        await #expect(processExitsWith: .success) {
            typealias Stack = Syscall.AltStack
            let disable = Int32(SS_DISABLE), onStack = Int32(SS_ONSTACK), disarm = Syscall.altStackAutoDisarm
            func deliver(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
                for signal in signals { try Syscall.raiseSignal(signal) }
                return try Syscall.unblockBriefly(signals)
            }
            func handler(_ signal: Int32, _ flags: Syscall.HandlerFlags, _ call: Stack??) throws(Errno) {
                _ = try Syscall.setSignalAction(signal, to: .handler, flags: flags)
                try Syscall.setHandlerAltStackCall(signal, call)
            }
            let asking: Stack?? = .some(nil)
            do throws(Errno) {
                try Syscall.setSignalsBlocked([SIGUSR2, SIGWINCH], true)
                _ = try Syscall.alternateStack(setting: Stack(flags: 0, size: 65536))
                // On the stack: SS_ONSTACK, and a change fails EPERM, a bad mode too (EPERM first).
                try handler(SIGUSR2, [.onStack], Stack(flags: 0, size: 8192))
                guard let on = try deliver([SIGUSR2]).first, on.onAlternateStack == true,
                    on.altStackCall == .init(reported: Stack(flags: onStack, size: 65536), setting: true, setError: .notPermitted)
                else { exit(1) }
                try handler(SIGUSR2, [.onStack], Stack(flags: 8, size: 8192))
                guard try deliver([SIGUSR2]).first?.altStackCall?.setError == .notPermitted else { exit(2) }
                // Off it: the change is taken, and undone as the handler returns.
                try handler(SIGUSR2, [], Stack(flags: 0, size: 8192))
                guard let off = try deliver([SIGUSR2]).first, off.onAlternateStack == false,
                    off.altStackCall == .init(reported: Stack(flags: 0, size: 65536), setting: true, setError: nil),
                    try Syscall.alternateStack(setting: nil) == Stack(flags: 0, size: 65536)
                else { exit(3) }
                try handler(SIGUSR2, [], Stack(flags: disable, size: 0))
                guard try deliver([SIGUSR2]).first?.altStackCall?.setError == nil, try Syscall.alternateStack(setting: nil) == Stack(flags: 0, size: 65536) else { exit(4) }
                // A plain handler nested above an SA_ONSTACK one (empty masks): on the stack, SS_ONSTACK, EPERM.
                try handler(SIGUSR2, [.onStack, .emptyMask], asking)
                try handler(SIGWINCH, [.emptyMask], Stack(flags: 0, size: 8192))
                let nested = try deliver([SIGUSR2, SIGWINCH])
                guard nested.map(\.signal) == [SIGWINCH, SIGUSR2], nested.allSatisfy({ $0.onAlternateStack == true }),
                    nested[0].altStackCall == .init(reported: Stack(flags: onStack, size: 65536), setting: true, setError: .notPermitted),
                    nested[1].altStackCall == .init(reported: Stack(flags: onStack, size: 65536), setting: false, setError: nil)
                else { exit(5) }
                // SS_AUTODISARM: disabled while the handler runs (a change taken), back once it returned.
                _ = try Syscall.alternateStack(setting: Stack(flags: disarm, size: 65536))
                try handler(SIGUSR2, [.onStack], Stack(flags: 0, size: 8192))
                guard let disarmed = try deliver([SIGUSR2]).first, disarmed.onAlternateStack == true,
                    disarmed.altStackCall == .init(reported: Stack(flags: disable, size: 0), setting: true, setError: nil),
                    try Syscall.alternateStack(setting: nil) == Stack(flags: disarm, size: 65536)
                else { exit(6) }
                // ... for a plain handler's frame too: an SA_ONSTACK handler nested above it runs on the thread's stack.
                try handler(SIGUSR2, [.emptyMask], asking)
                try handler(SIGWINCH, [.onStack, .emptyMask], asking)
                let plainBelow = try deliver([SIGUSR2, SIGWINCH])
                guard plainBelow.map(\.signal) == [SIGWINCH, SIGUSR2], plainBelow.allSatisfy({ $0.onAlternateStack == false }),
                    plainBelow.allSatisfy({ $0.altStackCall == .init(reported: Stack(flags: disable, size: 0), setting: false, setError: nil) }),
                    try Syscall.alternateStack(setting: nil) == Stack(flags: disarm, size: 65536)
                else { exit(7) }
                // SS_DISABLE with SS_AUTODISARM: the handler sees SS_DISABLE alone; the flag is back after.
                _ = try Syscall.alternateStack(setting: Stack(flags: disable | disarm, size: 0))
                guard try deliver([SIGUSR2]).first?.altStackCall?.reported == Stack(flags: disable, size: 0),
                    try Syscall.alternateStack(setting: nil) == Stack(flags: disable | disarm, size: 0)
                else { exit(8) }
            } catch { exit(9) }
        }
    }

    /// An `SA_ONSTACK` delivery on stacks of several sizes, each in a forked child (`Syscall.probeAltStackDelivery`):
    /// 2048 bytes (the kernel's `MINSIGSTKSZ`, the least `sigaltstack` takes) kill with `SIGSEGV`, `AT_MINSIGSTKSZ`
    /// and more never do, and in between one size splits them: every size below it sampled kills, every one above
    /// survives.
    @Test func aFrameThatDoesNotFitKillsTheReceiver() async {
        await #expect(processExitsWith: .success) {
            guard let frame = Syscall.minimumSignalStackSize, frame > 2048 else { exit(1) }
            func survives(_ size: Int) -> Bool {
                do throws(Errno) {
                    switch try Syscall.probeAltStackDelivery(size: size) {
                    case nil: return true
                    case SIGSEGV?: return false
                    default: exit(2)
                    }
                } catch { exit(3) }
            }
            guard !survives(2048), survives(frame), survives(frame + 1), survives(16384) else { exit(4) }
            // The smallest stack that holds the frame, between the two.
            var (killed, held) = (2048, frame)
            while held - killed > 1 {
                let middle = (killed + held) / 2
                if survives(middle) { held = middle } else { killed = middle }
            }
            for size in stride(from: 2048, to: held, by: 97) where survives(size) { exit(5) }
            for size in stride(from: held, to: 16384, by: 997) where !survives(size) { exit(6) }
            // Below AT_MINSIGSTKSZ, which is no tight bound: 2952 bytes here.
            guard held <= frame, held > 2048 else { exit(7) }
        }
    }
}
