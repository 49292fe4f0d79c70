import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// A `signalfd` kept and given a new mask by passing it back (`signalfd(fd, mask, flags)`), and the flags it takes,
/// on this machine (a C probe first), as the signal model's `signalfd-read` with `"update"` and `"flags"` takes them:
/// - flags other than `SFD_NONBLOCK` and `SFD_CLOEXEC` fail `EINVAL` (1, 2, 4, `O_APPEND`, -1, `SFD_NONBLOCK | 1`);
/// - after the mask is set again, a read takes what a descriptor made for the new mask would (`SIGWINCH`, with
///   `SIGUSR2` pending but no longer in it), and the descriptor keeps its own `SFD_NONBLOCK` (`EAGAIN` after);
/// - (the C probe) passing back a pipe fails `EINVAL`, a closed descriptor or -2 `EBADF`, bad flags `EINVAL` there too.
/// In a process of its own: the signals are raised at its thread and read there.
@Suite struct SignalDescriptorUpdateFactsTests {
    @Test func theMaskSetAgainIsWhatTheReadTakes() async {
        await #expect(processExitsWith: .success) {
            func refusal(_ flags: Int32) -> Errno? {
                do throws(Errno) { _ = try Syscall.readSignalDescriptor([SIGUSR2], flags: flags, update: nil, max: 128); return nil } catch { return error }
            }
            do throws(Errno) {
                try Syscall.setSignalsBlocked([SIGUSR2, SIGWINCH], true)
                for flags: Int32 in [1, 2, 4, O_APPEND, -1, O_NONBLOCK | 1] { guard refusal(flags) == .invalidArgument else { exit(1) } }
                try Syscall.raiseSignal(SIGUSR2)
                try Syscall.raiseSignal(SIGWINCH)
                let taken = try Syscall.readSignalDescriptor([SIGUSR2], flags: O_NONBLOCK, update: [SIGWINCH], max: 256)
                guard taken.map(\.signal) == [SIGWINCH] else { exit(2) }
                guard refusal(O_NONBLOCK) == nil else { exit(3) }  // SIGUSR2 still pending: taken now
                do throws(Errno) {
                    _ = try Syscall.readSignalDescriptor([SIGUSR2], flags: O_NONBLOCK, update: [SIGWINCH], max: 128)
                    exit(4)
                } catch { guard error == .resourceTemporarilyUnavailable else { exit(5) } }
            } catch { exit(6) }
        }
    }
}
