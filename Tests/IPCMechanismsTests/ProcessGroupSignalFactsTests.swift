import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Sends to a process group reach the receiver only when it leads its group, measured on this kernel (issue 15: the
/// signal model's params `processGroup`, `SignalModel+ProcessGroup.swift`; a C probe first):
/// `pidfd_send_signal` with `PIDFD_SIGNAL_PROCESS_GROUP` is the kernel's `kill_pgrp_info` of the pidfd's `struct pid`
/// taken as a group id, and `killpg(receiver, …)` names the group whose id is the receiver's pid. A process in a group it
/// does not lead gets `ESRCH` from both — through its pidfd and through the self sentinels `PIDFD_SELF_THREAD` and
/// `PIDFD_SELF_THREAD_GROUP` alike, for signal 0 and for 65 too (no member, so no number is checked) — and nothing is
/// pending after; a forged `SI_USER` is still `EPERM` first (checked before the group is looked up). Once it has called
/// `setpgid(0, 0)` the same send is pending for it.
///
/// The group changes are process-wide, so the measurement runs in an exit test's child, which is not a session leader
/// (it may leave a group it leads for its parent's).
/// The write end of the pipe the exit test's `SIGUSR2` handler writes to.
nonisolated(unsafe) private var processGroupFactPipe: CInt = -1

@Suite struct ProcessGroupSignalFactsTests {
    @Test func aSendToTheProcessGroupReachesTheReceiverOnlyWhenItLeadsItsGroup() async {
        await #expect(processExitsWith: .success) {
            let processGroup: UInt32 = 4  // PIDFD_SIGNAL_PROCESS_GROUP
            let selfThread: CInt = -10000, selfProcess: CInt = -10001  // PIDFD_SELF_THREAD, PIDFD_SELF_THREAD_GROUP
            func refusal(_ body: () throws(Errno) -> Void) -> Errno? {
                do throws(Errno) { try body(); return nil } catch { return error }
            }
            // The child has other threads, which a process-directed signal may reach: its handler writes a byte to a
            // pipe, which the measuring thread polls (10 s at most) rather than looking at its own pending set.
            var ends: [CInt] = [-1, -1]
            guard pipe(&ends) == 0 else { exit(9) }
            processGroupFactPipe = ends[1]
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                var byte: UInt8 = 1
                _ = write(processGroupFactPipe, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = CInt(SA_RESTART)
            guard sigaction(SIGUSR2, &action, nil) == 0 else { exit(10) }
            func delivered() -> Int {
                var poll = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&poll, 1, 10_000) == 1 else { return 0 }
                var bytes = [UInt8](repeating: 0, count: 16)
                return read(ends[0], &bytes, 16)
            }
            do throws(Errno) {
                if getpgrp() == getpid() { guard setpgid(0, getpgid(getppid())) == 0 else { exit(1) } }
                guard getpgrp() != getpid() else { exit(2) }
                let pidfd = try Syscall.openPidfd(getpid(), flags: 0)
                defer { close(pidfd) }
                for descriptor in [pidfd, selfThread, selfProcess] {
                    for signal: Int32 in [SIGUSR2, 0, 65] {
                        let error = refusal { () throws(Errno) in
                            try Syscall.sendSignal(throughPidfd: descriptor, signal: signal, info: nil, flags: processGroup)
                        }
                        guard error == .noSuchProcess else { exit(3) }
                    }
                }
                guard refusal({ () throws(Errno) in try Syscall.killProcessGroup(getpid(), signal: SIGUSR2) }) == .noSuchProcess else { exit(4) }
                // A forged SI_USER to a group is refused before the group is looked up.
                let forged = refusal { () throws(Errno) in
                    try Syscall.sendSignal(throughPidfd: pidfd, signal: SIGUSR2, info: (SIGUSR2, 0, 0), flags: processGroup)
                }
                guard forged == .notPermitted else { exit(6) }
                // Leading a group of its own, the same sends reach it: one handler run, for the one SIGUSR2 sent.
                try Syscall.becomeProcessGroupLeader()
                try Syscall.sendSignal(throughPidfd: selfProcess, signal: 0, info: nil, flags: processGroup)
                try Syscall.killProcessGroup(getpid(), signal: 0)
                try Syscall.sendSignal(throughPidfd: pidfd, signal: SIGUSR2, info: nil, flags: processGroup)
                guard delivered() == 1 else { exit(7) }
            } catch { exit(8) }
        }
    }

    /// The model on the measured sends (process 2's pidfd, the receiver's sentinels, then `killpg`): `processGroup`
    /// `other` gives exactly the measured `ESRCH` and nothing pending, `own` the measured delivery after `setpgid`,
    /// and a set-up that does not say allows both — never a send reaching a receiver that does not lead its group.
    @Test func theModelAllowsWhatTheKernelDidForEachSetUp() {
        let group = SignalModel.PidfdSend.signalProcessGroup
        let sends: [SignalModel.Input] = [
            .pidfdSend(process: 2, signal: 12, send: .init(descriptor: .process, flags: group)),
            .pidfdSend(process: 2, signal: 65, send: .init(descriptor: .process, flags: group)),
            .pidfdSend(process: 1, signal: 0, send: .init(descriptor: .selfThread, flags: group)),
            .pidfdSend(process: 1, signal: 12, send: .init(descriptor: .selfProcess, flags: group)),
            .send(process: 2, signal: 12, method: .killpg, value: 0),
        ]
        func model(_ group: SignalModel.ProcessGroup?) -> SignalModel {
            SignalModel(receivers: [("sig", .init(receiver: 1, processGroup: group))])
        }
        for (setUp, allowsRefusal, allowsDelivery) in [(SignalModel.ProcessGroup.other, true, false), (.own, false, true), (nil, true, true)] {
            let model = model(setUp)
            let start = model.initialState(of: "sig")
            for send in sends {
                #expect(!model.step(start, send, .failed(.ESRCH)).isEmpty == allowsRefusal, "\(String(describing: setUp)): \(send)")
                let signal: Int = switch send { case .pidfdSend(_, let number, _), .send(_, let number, _, _): number; default: 0 }
                let succeeds: SignalModel.Output = signal == 65 ? .failed(.EINVAL) : .sent
                #expect(!model.step(start, send, succeeds).isEmpty == allowsDelivery, "\(String(describing: setUp)): \(send)")
            }
            // The forged SI_USER to a group: EPERM whatever the set-up.
            let forged = SignalModel.Input.pidfdSend(process: 2, signal: 12, send: .init(flags: group, info: .init(signal: 12, code: .user, value: 0)))
            #expect(model.step(start, forged, .failed(.EPERM)) == [.completed(start)])
            // Refused, nothing is pending for a later wait.
            for case .completed(let after) in model.step(start, sends[0], .failed(.ESRCH)) {
                #expect(model.outcome(of: .wait(process: 1, signals: [12], timeout: .milliseconds(0)), in: after)?.output == .failed(.EAGAIN))
            }
        }
    }
}
