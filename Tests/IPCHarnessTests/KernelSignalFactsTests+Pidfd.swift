import IPCHarness
import IPCModels
import Testing

/// `pidfd_send_signal` and `pidfd_open` of the receiver, run by the workers and checked by the model
/// (`SignalModel+Pidfd.swift`). The checks' order was measured with a C probe first: flags, then the descriptor, then
/// the `siginfo` (its number, then a forged code), then the receiver, then the signal number.
extension KernelSignalFactsTests {
    /// `sends` by process 2 at the receiver, whose own program is `receiver`.
    func pidfdOutcomes(_ sends: [(f: String, value: JSONValue)], receiver: [Call] = []) throws -> [String] {
        let workload = Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": .array(signals.map { .string($0) })])],
            processes: [
                Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver),
                Workload.Process(id: 2, holds: ["sig1": ["send"]], program: sends.map { Call(process: 2, object: "sig1", f: $0.f, value: $0.value == .null ? nil : $0.value) }),
            ])
        return try outcomes(of: workload)
    }

    /// Without `siginfo` a send is `kill`'s (`SI_USER`, the sender); `PIDFD_SIGNAL_THREAD`, or no flag on a
    /// `PIDFD_THREAD` pidfd, is `tgkill`'s (pending for the thread, taken first; glibc reports its `SI_TKILL` as
    /// `SI_USER`); with `siginfo`, its code and value — `SI_QUEUE` queues as `sigqueue`, and a process may forge
    /// `SI_USER` for itself. `PIDFD_SIGNAL_PROCESS_GROUP` reaches the receiver, which leads its own group.
    @Test func aPidfdSendIsKillTgkillOrSigqueueAsItsFlagsAndInfoSay() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("pidfd_send_signal", ["signal": "SIGUSR2"]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+1", "info": ["code": "SI_QUEUE", "value": 7]]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+1", "info": ["code": "SI_USER", "value": 8]]),
            ("pidfd_send_signal", ["signal": "SIGWINCH", "flags": ["PIDFD_SIGNAL_THREAD"]]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+2", "pidfd": "thread"]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+2", "flags": ["PIDFD_SIGNAL_PROCESS_GROUP"]]),
            ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll),
            ("wait", Self.poll), ("wait", Self.poll),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(7)) == [
            #"{"signal":"SIGWINCH","code":"SI_USER","sender":1}"#, #"{"signal":"SIGRTMIN+2","code":"SI_USER","sender":1}"#,
            #"{"signal":"SIGUSR2","code":"SI_USER","sender":1}"#, #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":7}"#,
            #"{"signal":"SIGRTMIN+1","code":"SI_USER","sender":1}"#, #"{"signal":"SIGRTMIN+2","code":"SI_USER","sender":1}"#, "EAGAIN",
        ])
    }

    /// The errors, in the kernel's order: flags (two scopes, an unknown bit) `EINVAL` before a descriptor that is
    /// not a pidfd (`EBADF`); a `siginfo` for another signal `EINVAL`; a forged `SI_USER` or `SI_TKILL` for another
    /// process `EPERM`; a bad signal number `EINVAL`; signal 0 checks only. `pidfd_open` with an unknown flag `EINVAL`.
    @Test func pidfdSendErrorsComeInTheKernelsOrder() throws {
        let sends: [(f: String, value: JSONValue)] = [
            ("pidfd_send_signal", ["signal": "SIGUSR2", "flags": ["PIDFD_SIGNAL_THREAD", "PIDFD_SIGNAL_THREAD_GROUP"]]),
            ("pidfd_send_signal", ["signal": 65, "pidfd": "not-pidfd", "flags": 8]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "pidfd": "not-pidfd"]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "info": ["signal": "SIGWINCH"]]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "info": ["code": "SI_USER"]]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "info": ["code": "SI_TKILL"]]),
            ("pidfd_send_signal", ["signal": 65]),
            ("pidfd_send_signal", ["signal": 0]),
            ("pidfd_open", ["flags": 1]),
            ("pidfd_open", ["flags": ["PIDFD_NONBLOCK", "PIDFD_THREAD"]]),
        ]
        // The receiver waits for the last send, so it lives through the others.
        let receiver = [Call(process: 1, object: "sig1", f: "wait", value: ["signals": ["SIGRTMIN+2"]])]
        let results = try pidfdOutcomes(sends + [("pidfd_send_signal", ["signal": "SIGRTMIN+2"])], receiver: receiver)
        #expect(results.filter { !$0.hasPrefix("{") } == ["EINVAL", "EINVAL", "EBADF", "EINVAL", "EPERM", "EPERM", "EINVAL", "ok", "EINVAL", "ok", "ok"])
    }

    /// Once the receiver is gone a pidfd kept from before names no one: `ESRCH`, even for a bad number — but a
    /// `siginfo` for another signal is still `EINVAL` and a forged one `EPERM` (they are checked first), and bad flags
    /// `EINVAL`. `pidfd_open` fails `ESRCH` too.
    @Test func onceTheReceiverIsGoneAPidfdSendFailsESRCHAfterItsOwnChecks() throws {
        let sends: [(f: String, value: JSONValue)] = [
            ("pidfd_send_signal", ["signal": "SIGUSR2"]), ("pidfd_send_signal", ["signal": 65]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "info": ["signal": "SIGWINCH"]]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "info": ["code": "SI_USER"]]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "flags": 8]),
            ("pidfd_open", .null),
        ]
        #expect(try pidfdOutcomes(sends) == ["ESRCH", "ESRCH", "EINVAL", "EPERM", "EINVAL", "ESRCH"])
    }

    /// `PIDFD_SELF_THREAD` and `PIDFD_SELF_THREAD_GROUP` (Linux 6.15; no descriptor): the receiver signals itself —
    /// its thread (`tgkill`'s: taken first, `SI_TKILL` reported `SI_USER`) or its process, a flag overriding the
    /// sentinel's scope as it does a pidfd's; a forged `SI_USER` allowed to itself, `EPERM` to its process group; a
    /// `siginfo` for another signal, a bad number and two scopes `EINVAL`. Measured with a C probe first (raw
    /// `rt_sigtimedwait`: `SI_TKILL` for the thread sentinel and for `PIDFD_SIGNAL_THREAD` on the process one).
    @Test func theSelfSentinelsSignalTheCallerItself() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("pidfd_send_signal", ["signal": "SIGUSR2", "pidfd": "self-process"]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+1", "pidfd": "self-process", "info": ["code": "SI_USER", "value": 8]]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+1", "pidfd": "self-process", "flags": ["PIDFD_SIGNAL_PROCESS_GROUP"], "info": ["code": "SI_USER"]]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "pidfd": "self-thread", "info": ["signal": "SIGWINCH"]]),
            ("pidfd_send_signal", ["signal": 65, "pidfd": "self-thread"]),
            ("pidfd_send_signal", ["signal": "SIGUSR2", "pidfd": "self-thread", "flags": ["PIDFD_SIGNAL_THREAD", "PIDFD_SIGNAL_THREAD_GROUP"]]),
            ("pidfd_send_signal", ["signal": "SIGRTMIN+2", "pidfd": "self-thread", "flags": ["PIDFD_SIGNAL_THREAD_GROUP"]]),
            ("pidfd_send_signal", ["signal": "SIGWINCH", "pidfd": "self-thread"]),
            ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll),
        ]
        #expect(try outcomes(program, signals: signals) == [
            "ok", "ok", "EPERM", "EINVAL", "EINVAL", "EINVAL", "ok", "ok",
            #"{"signal":"SIGWINCH","code":"SI_USER","sender":1}"#, #"{"signal":"SIGUSR2","code":"SI_USER","sender":1}"#,
            #"{"signal":"SIGRTMIN+1","code":"SI_USER","sender":1}"#, #"{"signal":"SIGRTMIN+2","code":"SI_USER","sender":1}"#, "EAGAIN",
        ])
    }

    /// `rt_tgsigqueueinfo` of the receiver's main thread (`ThreadQueueSignalFactsTests` measures it in one process): its
    /// own sends queue for its thread with their code and value (a forged `SI_USER` too), taken before the process-wide
    /// `kill`; 65 `EINVAL`, 0 checks only. Another process's forged `SI_USER` or `SI_TKILL` is `EPERM`, its `SI_QUEUE` sent.
    @Test func rtTgsigqueueinfoQueuesForTheReceiversThreadAsAThreadPidfdWithInfo() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("kill", ["signal": "SIGUSR2"]),
            ("rt_tgsigqueueinfo", ["signal": "SIGRTMIN+1", "code": "SI_USER", "value": 8]),
            ("rt_tgsigqueueinfo", ["signal": "SIGWINCH", "value": 3]),
            ("rt_tgsigqueueinfo", ["signal": 65]),
            ("rt_tgsigqueueinfo", ["signal": 0]),
            ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll),
        ]
        #expect(try outcomes(program, signals: signals) == [
            "ok", "ok", "ok", "EINVAL", "ok",
            #"{"signal":"SIGWINCH","code":"SI_QUEUE","sender":1,"value":3}"#, #"{"signal":"SIGRTMIN+1","code":"SI_USER","sender":1}"#,
            #"{"signal":"SIGUSR2","code":"SI_USER","sender":1}"#, "EAGAIN",
        ])
        let sends: [(f: String, value: JSONValue)] = [
            ("rt_tgsigqueueinfo", ["signal": "SIGUSR2", "code": "SI_USER"]),
            ("rt_tgsigqueueinfo", ["signal": "SIGUSR2", "code": "SI_TKILL"]),
            ("rt_tgsigqueueinfo", ["signal": "SIGRTMIN+2", "value": 4]),
        ]
        let receiver = [Call(process: 1, object: "sig1", f: "wait", value: ["signals": ["SIGRTMIN+2"]])]
        let results = try pidfdOutcomes(sends, receiver: receiver)
        #expect(results.filter { !$0.hasPrefix("{") } == ["EPERM", "EPERM", "ok"])
        #expect(results.filter { $0.hasPrefix("{") } == [#"{"signal":"SIGRTMIN+2","code":"SI_QUEUE","sender":2,"value":4}"#])
    }

    /// Only the receiver may use the sentinels: another process would signal itself, which the model does not follow,
    /// so a trace with one is refused in one line rather than judged.
    @Test func anotherProcessUsingASelfSentinelIsRefused() throws {
        let model = SignalModel(receivers: [("sig1", SignalModel.Setup(receiver: 1))])
        let call = Call(process: 2, object: "sig1", f: "pidfd_send_signal", value: ["signal": "SIGUSR2", "pidfd": "self-thread"])
        #expect(throws: ModelError.self) { _ = try model.input(from: call) }
    }
}
