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
}
