import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `rt_tgsigqueueinfo` to one thread, measured on this kernel (issue 15: the signal model's `rt_tgsigqueueinfo`, LTP
/// `rt_tgsigqueueinfo01`; a C probe first): the measuring thread queues to itself, with its signals blocked in its own
/// mask only (a thread-directed signal waits for that thread), and takes them with `sigtimedwait`.
/// - `SI_QUEUE` with a value: pending for the thread, taken with its code, value and the caller's pid;
/// - the kernel sets the `siginfo`'s number to the call's: a `siginfo` naming another signal is no error;
/// - a forged `SI_USER` is taken from the caller itself, and refused `EPERM` to another process (its parent here),
///   before that process is looked up — so nothing is sent;
/// - a standard signal queued twice coalesces (one taken, the first's value); signal 0 checks only; 65 `EINVAL`;
/// - a thread id that is not in the process: `ESRCH`; a process id of 0: `EINVAL`.
@Suite struct ThreadQueueSignalFactsTests {
    /// SIGRTMIN+23 and SIGUSR2's place: no other test of this process queues to its own thread with them.
    static let realtime: CInt = 57

    struct Taken: Equatable {
        var signal: CInt
        var code: CInt
        var sender: CInt
        var value: CInt
    }

    @Test func aQueuedSignalIsForTheThreadWithItsCodeAndValueAndAForgedOneOnlyFromItself() throws {
        let me = getpid(), thread = OSThread.currentID
        func refusal(_ body: () throws(Errno) -> Void) -> Errno? {
            do throws(Errno) { try body(); return nil } catch { return error }
        }
        func queue(_ signal: CInt, code: CInt, value: CInt, to target: pid_t? = nil, in process: pid_t? = nil) -> Errno? {
            refusal { () throws(Errno) in
                try Syscall.queueSignal(toThread: target ?? thread, of: process ?? me, signal: signal, code: code, value: value)
            }
        }
        var blocked = sigset_t(), old = sigset_t()
        sigemptyset(&blocked)
        for signal in [Self.realtime, SIGUSR2] { sigaddset(&blocked, signal) }
        guard pthread_sigmask(SIG_BLOCK, &blocked, &old) == 0 else { Issue.record("pthread_sigmask"); return }
        defer { _ = pthread_sigmask(SIG_SETMASK, &old, nil) }
        var errors: [Errno?] = []
        errors.append(queue(Self.realtime, code: SignalInfo.queueCode, value: 7))
        errors.append(queue(Self.realtime, code: SignalInfo.userCode, value: 8))
        errors.append(queue(SIGUSR2, code: SignalInfo.queueCode, value: 9))
        errors.append(queue(SIGUSR2, code: SignalInfo.queueCode, value: 10))
        errors.append(queue(0, code: SignalInfo.queueCode, value: 0))
        errors.append(queue(65, code: SignalInfo.queueCode, value: 0))
        errors.append(queue(SIGUSR2, code: SignalInfo.userCode, value: 0, to: getppid(), in: getppid()))
        errors.append(queue(SIGUSR2, code: SignalInfo.threadKillCode, value: 0, to: getppid(), in: getppid()))
        errors.append(queue(SIGUSR2, code: SignalInfo.queueCode, value: 0, to: thread, in: 0))
        #expect(errors == [nil, nil, nil, nil, nil, .invalidArgument, .notPermitted, .notPermitted, .invalidArgument])
        // A thread id of no thread of this process.
        #expect(queue(SIGUSR2, code: SignalInfo.queueCode, value: 0, to: 1) == .noSuchProcess)
        var taken: [Taken] = []
        while let info = try? Syscall.waitForSignal([Self.realtime, SIGUSR2], timeoutNanoseconds: 0) {
            taken.append(Taken(signal: info.signal, code: info.code, sender: info.senderPID, value: info.value))
        }
        #expect(taken == [
            Taken(signal: SIGUSR2, code: SignalInfo.queueCode, sender: me, value: 9),
            Taken(signal: Self.realtime, code: SignalInfo.queueCode, sender: me, value: 7),
            Taken(signal: Self.realtime, code: SignalInfo.userCode, sender: me, value: 8),
        ])
    }
}
