import IPCHarness
import IPCModels
import Testing

/// `killpg` and `sigaction` on the receiver, measured in a worker (each trace must check against the model too):
/// the receiver leads a process group of its own, and its object's signals stay blocked throughout, so no handler
/// and no default action ever runs.
extension KernelSignalFactsTests {
    /// `killpg` to the receiver's group (its only member) is a process-directed `kill`: a standard signal coalesces,
    /// a real-time one queues, each `SI_USER` with the sender; a bad number fails `EINVAL`, signal 0 only checks.
    @Test func killpgToTheReceiversOwnGroupActsAsAProcessDirectedKill() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("killpg", ["signal": "SIGUSR2"]), ("killpg", ["signal": "SIGUSR2"]), ("killpg", ["signal": "SIGRTMIN+2"]),
            ("killpg", ["signal": "SIGRTMIN+2"]), ("killpg", ["signal": 65]), ("killpg", ["signal": 0]),
            ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll),
        ]
        let user = { (signal: String) in #"{"signal":"\#(signal)","code":"SI_USER","sender":1}"# }
        #expect(try outcomes(program, signals: signals) == [
            "ok", "ok", "ok", "ok", "EINVAL", "ok", user("SIGUSR2"), user("SIGRTMIN+2"), user("SIGRTMIN+2"), "EAGAIN",
        ])
    }

    /// Once the receiver is gone its group has no member: `killpg` fails `ESRCH`, even with a bad number (the
    /// kernel's group walk finds no one to check the number for).
    @Test func killpgToTheGroupOfAGoneReceiverFailsESRCHEvenForABadNumber() throws {
        let sends: [(f: String, value: JSONValue)] = [("killpg", ["signal": "SIGUSR2"]), ("killpg", ["signal": 65])]
        let workload = Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": ["SIGUSR2"]])],
            processes: [
                Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: []),
                Workload.Process(id: 2, holds: ["sig1": ["send"]], program: sends.map { Call(process: 2, object: "sig1", f: $0.f, value: $0.value) }),
            ])
        #expect(try outcomes(of: workload) == ["ESRCH", "ESRCH"])
    }

    /// `SIG_IGN` discards the signal's pending instances from both sets (a `kill`, a `tgkill`, two queued real-time
    /// ones), and reports the old `SIG_DFL`; but a signal sent while ignored *and blocked* stays pending, and a wait
    /// takes it with its details (the kernel's `sig_ignored` never ignores a blocked signal).
    @Test func ignoringDiscardsWhatIsPendingButSignalsSentWhileIgnoredAndBlockedStayPending() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("kill", ["signal": "SIGUSR2"]), ("tgkill", ["signal": "SIGUSR2"]),
            ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 2]),
            ("sigaction", ["signal": "SIGUSR2", "action": "ignore"]), ("sigaction", ["signal": "SIGRTMIN+1", "action": "ignore"]),
            ("pending", .null),
            ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 3]), ("pending", .null),
            ("wait", Self.poll), ("wait", Self.poll), ("wait", Self.poll),
        ]
        let results = try outcomes(program, signals: signals)
        #expect(Array(results[4...]) == [
            #"{"old":"default"}"#, #"{"old":"default"}"#, #"{"signals":[]}"#, "ok", "ok", #"{"signals":["SIGUSR2","SIGRTMIN+1"]}"#,
            #"{"signal":"SIGUSR2","code":"SI_USER","sender":1}"#, #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":3}"#, "EAGAIN",
        ])
    }

    /// `SIG_DFL` discards a pending `SIGWINCH` (whose default is to ignore it) but not a pending `SIGUSR2`; a handler
    /// keeps what is pending; each call reports the action before it, the handler as "handler".
    @Test func theDefaultActionDiscardsOnlySignalsIgnoredByDefaultAndAHandlerKeepsThem() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("kill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGUSR2"]),
            ("sigaction", ["signal": "SIGUSR2", "action": "handler"]), ("sigaction", ["signal": "SIGWINCH", "action": "handler"]),
            ("pending", .null),
            ("sigaction", ["signal": "SIGUSR2", "action": "default"]), ("sigaction", ["signal": "SIGWINCH", "action": "default"]),
            ("pending", .null), ("sigaction", ["signal": "SIGWINCH"]),
        ]
        #expect(Array(try outcomes(program, signals: signals)[2...]) == [
            #"{"old":"default"}"#, #"{"old":"default"}"#, #"{"signals":["SIGUSR2","SIGWINCH"]}"#,
            #"{"old":"handler"}"#, #"{"old":"handler"}"#, #"{"signals":["SIGUSR2"]}"#, #"{"old":"default"}"#,
        ])
    }

    /// `sigaction` refuses 0, 32 and 33 (glibc's own, refused before the kernel), 65, and any new action for
    /// `SIGKILL` or `SIGSTOP` with `EINVAL`; asking for `SIGKILL`'s action reports `SIG_DFL`.
    @Test func sigactionRefusesBadNumbersGlibcsOwnSignalsAndActionsForSIGKILLAndSIGSTOP() throws {
        let program: [(f: String, value: JSONValue)] = [0, 32, 33, 65].map { ("sigaction", ["signal": .int($0), "action": "ignore"]) } + [
            ("sigaction", ["signal": "SIGKILL", "action": "ignore"]), ("sigaction", ["signal": "SIGSTOP", "action": "default"]),
            ("sigaction", ["signal": "SIGKILL"]), ("sigaction", ["signal": 32]),
        ]
        #expect(try outcomes(program, signals: signals) == [
            "EINVAL", "EINVAL", "EINVAL", "EINVAL", "EINVAL", "EINVAL", #"{"old":"default"}"#, "EINVAL",
        ])
    }
}
