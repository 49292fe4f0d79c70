import Glibc
import IPCModels
import Testing

/// Details dropped because *another* process of the receiver's user holds the slots of `RLIMIT_SIGPENDING`, measured on
/// this kernel (a C probe first; the signal model's `SignalModel+LostDetails.swift`). On this machine root's count is
/// already above zero (`SigQ` in `/proc/self/status`), so a receiver that alone has queued nothing may meet a full count.
///
/// In an exit test's child under a user id of its own, limit 2, and in a child it forks (one thread, all blocking the
/// signals; the exit test's other threads would take them): a `sleep` spawned with `SIGRTMIN` blocked takes both
/// slots (`sigqueue`, a third `EAGAIN`). Then the child's sends to itself, all blocked: `kill` of `SIGRTMIN+2` and
/// `SIGRTMIN+1` and `sigqueue` of `SIGUSR1` are made pending without details; `kill` of `SIGUSR2` keeps them (a
/// standard signal's `SI_USER` overrides the limit). Once the `sleep` is reaped, a second `kill` of `SIGRTMIN+1` is
/// queued with them. Taken: `SIGUSR1` with none (`SI_USER`, pid 0, value 0: its `SI_QUEUE` and value lost),
/// `SIGUSR2` with them, `SIGRTMIN+1` once with them (the dropped one is gone: that collection cleared the bit),
/// `SIGRTMIN+2` once without, then nothing.
///
/// The model, told the limit but not the `sleep`, must allow that history (before, it expected `SIGRTMIN+2`'s details),
/// and still refuse what no other process could cause: a `kill`'d standard signal without its details, or one send
/// taken twice.
@Suite struct SignalLostDetailsFactsTests {
    typealias Model = SignalModel

    /// What each `sigtimedwait` gave: the signal, `si_code`, `si_pid`, `si_value`; signal 0 for `EAGAIN`.
    struct Taken: Equatable {
        var signal: CInt, code: CInt, pid: pid_t, value: CInt
    }

    @Test func detailsAreDroppedWhileAnotherProcessOfTheUserHoldsTheSlots() async {
        await #expect(processExitsWith: .success) {
            let rtmin: CInt = 34  // glibc's SIGRTMIN (a function-like macro Swift does not import)
            let rt1 = rtmin + 1, rt2 = rtmin + 2
            guard setuid(54_322) == 0 else { exit(1) }
            var limit = rlimit(rlim_cur: 2, rlim_max: 2)
            guard setrlimit(__rlimit_resource_t(__RLIMIT_SIGPENDING.rawValue), &limit) == 0 else { exit(2) }
            // A forked child does the sends and takes: the exit test's own threads leave these signals unblocked,
            // and a process-directed one could land on any of them. Only C calls in the child; what it took comes
            // back through a pipe, four numbers per take.
            var channel: [CInt] = [0, 0]
            guard pipe(&channel) == 0 else { exit(3) }
            let child = fork()
            if child == 0 {
                var mask = sigset_t()
                sigemptyset(&mask)
                for signal in [rtmin, rt1, rt2, SIGUSR1, SIGUSR2] { sigaddset(&mask, signal) }
                if sigprocmask(SIG_BLOCK, &mask, nil) != 0 { _exit(3) }
                // The holder's death must not queue a SIGCHLD (a slot): default action, unblocked, it is dropped.
                var childSignal = sigset_t()
                sigemptyset(&childSignal)
                sigaddset(&childSignal, SIGCHLD)
                _ = signal(SIGCHLD, SIG_DFL)
                if sigprocmask(SIG_UNBLOCK, &childSignal, nil) != 0 { _exit(3) }
                // The holder inherits the mask (posix_spawn keeps it).
                var holder: pid_t = 0
                let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("sleep"), strdup("60"), nil]
                if posix_spawn(&holder, "/bin/sleep", nil, nil, arguments, nil) != 0 { _exit(4) }
                for _ in 0..<2 {
                    if sigqueue(holder, rtmin, sigval(sival_int: 1)) != 0 { _exit(5) }
                }
                if sigqueue(holder, rtmin, sigval(sival_int: 1)) != -1 || errno != EAGAIN { _exit(6) }
                let me = getpid()
                if kill(me, rt2) != 0 || kill(me, rt1) != 0 || sigqueue(me, SIGUSR1, sigval(sival_int: 7)) != 0
                    || kill(me, SIGUSR2) != 0 { _exit(7) }
                kill(holder, SIGKILL)
                if waitpid(holder, nil, 0) != holder { _exit(8) }
                if kill(me, rt1) != 0 { _exit(9) }
                var none = timespec(tv_sec: 0, tv_nsec: 0)
                var info = siginfo_t()
                var record: [CInt] = [0, 0, 0, 0]
                for _ in 0..<6 {
                    let signal = sigtimedwait(&mask, &info, &none)
                    if signal <= 0 && errno != EAGAIN { _exit(10) }
                    record[0] = max(signal, 0)
                    record[1] = signal > 0 ? info.si_code : 0
                    record[2] = signal > 0 ? info._sifields._rt.si_pid : 0
                    record[3] = signal > 0 ? info._sifields._rt.si_sigval.sival_int : 0
                    if write(channel[1], &record, 16) != 16 { _exit(11) }
                    if signal <= 0 { break }
                }
                _exit(0)
            }
            close(channel[1])
            var status: CInt = 0
            guard child > 0, waitpid(child, &status, 0) == child else { exit(4) }
            guard status == 0 else { exit(20 + (status >> 8) & 0xff) }
            let me = child
            var taken: [Taken] = []
            var record: [CInt] = [0, 0, 0, 0]
            while read(channel[0], &record, 16) == 16 {
                taken.append(Taken(signal: record[0], code: record[1], pid: record[2], value: record[3]))
            }
            let expected: [Taken] = [
                Taken(signal: SIGUSR1, code: CInt(SI_USER), pid: 0, value: 0),
                Taken(signal: SIGUSR2, code: CInt(SI_USER), pid: me, value: 0),
                Taken(signal: rt1, code: CInt(SI_USER), pid: me, value: 0),
                Taken(signal: rt2, code: CInt(SI_USER), pid: 0, value: 0),
                Taken(signal: 0, code: 0, pid: 0, value: 0),
            ]
            guard taken.count == expected.count else { exit(60 + Int32(taken.count)) }
            for (index, (seen, wanted)) in zip(taken, expected).enumerated() where seen != wanted {
                let field: Int32 = seen.signal != wanted.signal ? 0 : seen.code != wanted.code ? 1 : seen.pid != wanted.pid ? 2 : 3
                exit(40 + Int32(index) * 4 + field)
            }

            // The same history judged by the model, the receiver (and sender) process 1.
            let model = Model(receivers: [("sig", Model.Setup(receiver: 1, queueLimit: 2))])
            let signals: [Int] = [Int(SIGUSR1), Int(SIGUSR2), Int(rtmin), Int(rt1), Int(rt2)]
            func send(_ signal: CInt, _ method: Model.Method, _ value: Int32 = 0) -> (input: Model.Input, output: Model.Output) {
                (.send(process: 1, signal: Int(signal), method: method, value: value), .sent)
            }
            func take(_ signal: CInt, sender: Int?) -> (input: Model.Input, output: Model.Output) {
                let details = Model.Details(code: .user, sender: sender, value: 0)
                return (.wait(process: 1, signals: signals, timeout: .milliseconds(0)), .received(signal: Int(signal), details: details))
            }
            let nothing: (input: Model.Input, output: Model.Output) = (.wait(process: 1, signals: signals, timeout: .milliseconds(0)), .failed(.EAGAIN))
            var history: [(input: Model.Input, output: Model.Output)] = []
            history.append(send(rt2, .kill))
            history.append(send(rt1, .kill))
            history.append(send(SIGUSR1, .sigqueue, 7))
            history.append(send(SIGUSR2, .kill))
            history.append(send(rt1, .kill))
            history.append(take(SIGUSR1, sender: nil))
            history.append(take(SIGUSR2, sender: 1))
            history.append(take(rt1, sender: 1))
            history.append(take(rt2, sender: nil))
            history.append(nothing)
            let judge = DirectedHistory(model: model, object: "sig")
            guard judge.firstRefusal(history) == nil else { exit(12) }
            // Wrong: the kill'd standard signal without its details; SIGRTMIN+2's one send taken twice.
            var standardLost = history
            standardLost[6] = take(SIGUSR2, sender: nil)
            guard judge.firstRefusal(standardLost)?.hasPrefix("call 6") == true else { exit(13) }
            var twice = history
            twice[9] = take(rt2, sender: 1)
            guard judge.firstRefusal(twice)?.hasPrefix("call 9") == true else { exit(14) }
        }
    }
}
