import CIPCShims
import Glibc
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// The signals the handler of `SignalMaskFactsTests` saw, in the order it ran.
private let maskFactRecords = Mutex<[CInt]>([])

/// `sigprocmask`/`pthread_sigmask` with `SIG_SETMASK` and `SIG_BLOCK` given a set, a bad `how`, and no set, measured on
/// this kernel and glibc (issue 15: the signal model's `"how": "setmask"` and `"block"`): what `SIG_SETMASK` unblocks
/// and is pending is delivered before the call returns; `SIGKILL` and `SIGSTOP` are silently left out of any new mask;
/// the kernel reads the set before it checks `how` (an unreadable set fails `EFAULT` even with a bad `how`, a readable
/// one `EINVAL` leaving the mask as it was), and without a set it never looks at `how`: the old mask comes back, 0.
///
/// Each measurement runs on a thread of its own (a mask is per thread) and signals only that thread (`pthread_kill`).
@Suite(.serialized) struct SignalMaskFactsTests {
    /// SIGRTMIN+18 and +19: no other test of this process uses them.
    static let first: CInt = 52
    static let second: CInt = 53
    /// Named in a set with a bad `how`: never blocked by that call.
    static let untouched: CInt = 54

    struct Observation: Equatable {
        /// `SIG_BLOCK` of {SIGKILL, SIGSTOP, first}: its result, and which of the three the mask then blocks.
        var blockResult: CInt = -1
        var blockedAfterBlock: [CInt] = []
        /// `SIG_SETMASK` to the mask less {first, second} plus {SIGKILL, SIGSTOP}, with first and second pending: the
        /// handler's runs before the call returned, in order, the old mask's part, and what is blocked after.
        var setmaskResult: CInt = -1
        var ranBeforeReturn: [CInt] = []
        var oldBlocked: [CInt] = []
        var blockedAfterSetmask: [CInt] = []
        /// A bad `how` with a set naming `untouched`: the error, and whether `untouched` is blocked after.
        var badHowWithSet: CInt = -1
        var untouchedBlockedAfter = true
        /// A bad `how` with no set: the result, and whether the old mask it gave is the thread's mask.
        var badHowWithoutSet: CInt = -1
        var oldIsTheMask = false
        /// The raw `rt_sigprocmask` with an unreadable set: errno with a bad `how`, and with `SIG_BLOCK`.
        var unreadableBadHow: CInt = -1
        var unreadableBlock: CInt = -1
    }

    @Test func setmaskDeliversWhatItUnblocksKillAndStopAreNeverBlockedAndTheSetIsReadBeforeHow() throws {
        let observation = try observe()
        #expect(observation == Observation(
            blockResult: 0, blockedAfterBlock: [Self.first], setmaskResult: 0, ranBeforeReturn: [Self.first, Self.second],
            oldBlocked: [Self.first, Self.second], blockedAfterSetmask: [], badHowWithSet: EINVAL, untouchedBlockedAfter: false,
            badHowWithoutSet: 0, oldIsTheMask: true, unreadableBadHow: EFAULT, unreadableBlock: EFAULT))
    }

    func observe() throws -> Observation {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in maskFactRecords.withLock { $0.append(signal) } }
        sigfillset(&action.sa_mask)
        for signal in [Self.first, Self.second] {
            guard sigaction(signal, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        }
        defer { for signal in [Self.first, Self.second] { _ = Glibc.signal(signal, SIG_DFL) } }
        maskFactRecords.withLock { $0 = [] }
        let result = Mutex(Observation())
        let thread = OSThread { result.withLock { $0 = Self.measure() } }
        thread.join()
        return result.withLock { $0 }
    }

    /// Runs on the measuring thread.
    static func measure() -> Observation {
        var observation = Observation()
        func blocked(_ candidates: [CInt]) -> [CInt] {
            var mask = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &mask)
            return candidates.filter { sigismember(&mask, $0) == 1 }
        }
        // A new thread inherits its creator's mask: start from the three unblocked.
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [Self.first, Self.second, Self.untouched] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        sigemptyset(&set)
        for signal in [SIGKILL, SIGSTOP, Self.first] { sigaddset(&set, signal) }
        observation.blockResult = pthread_sigmask(SIG_BLOCK, &set, nil)
        observation.blockedAfterBlock = blocked([SIGKILL, SIGSTOP, Self.first])

        sigemptyset(&set)
        sigaddset(&set, Self.second)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        pthread_kill(pthread_self(), Self.second)
        pthread_kill(pthread_self(), Self.first)
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        sigdelset(&mask, Self.first)
        sigdelset(&mask, Self.second)
        sigaddset(&mask, SIGKILL)
        sigaddset(&mask, SIGSTOP)
        var old = sigset_t()
        observation.setmaskResult = pthread_sigmask(SIG_SETMASK, &mask, &old)
        observation.ranBeforeReturn = maskFactRecords.withLock { $0 }
        observation.oldBlocked = [Self.first, Self.second].filter { sigismember(&old, $0) == 1 }
        observation.blockedAfterSetmask = blocked([SIGKILL, SIGSTOP, Self.first, Self.second])

        sigemptyset(&set)
        sigaddset(&set, Self.untouched)
        observation.badHowWithSet = pthread_sigmask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 100, &set, nil)
        observation.untouchedBlockedAfter = !blocked([Self.untouched]).isEmpty

        var current = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &current)
        var reported = sigset_t()
        observation.badHowWithoutSet = pthread_sigmask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 100, nil, &reported)
        observation.oldIsTheMask = (1...64).allSatisfy { sigismember(&current, CInt($0)) == sigismember(&reported, CInt($0)) }

        if ipc_rt_sigprocmask_unreadable_set(2) == -1 { observation.unreadableBadHow = errno }
        if ipc_rt_sigprocmask_unreadable_set(0) == -1 { observation.unreadableBlock = errno }
        return observation
    }
}
