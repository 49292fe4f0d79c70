import IPCHarness
import IPCModels
import Testing

/// `sigprocmask` and `sigsuspend` on the receiver's blocked signals, with the worker's recording handler (which blocks
/// every signal while it runs), measured in a worker (each trace must check against the model too).
extension KernelSignalFactsTests {
    static let handlers: [(f: String, value: JSONValue)] = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"].map {
        ("sigaction", ["signal": .string($0), "action": "handler"])
    }
    static let everySignal: JSONValue = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"]
    static let mixedSends: [(f: String, value: JSONValue)] = [
        ("kill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]),
        ("sigqueue", ["signal": "SIGRTMIN+1", "value": 2]), ("tgkill", ["signal": "SIGRTMIN+2"]),
    ]

    /// Unblocking delivers every pending signal it unblocks before the call returns, one handler after another, in
    /// `sigtimedwait`'s order (the thread's `SIGRTMIN+2` first, then the lowest; both queued `SIGRTMIN+1`); the
    /// handler sees `SI_TKILL` for the `tgkill` (no glibc folding in a handler). Signals it leaves blocked stay.
    @Test func unblockingDeliversEveryPendingSignalItUnblocksInTheKernelsOrder() throws {
        let program = Self.handlers + Self.mixedSends + [
            ("sigprocmask", ["how": "unblock", "signals": ["SIGUSR2", "SIGRTMIN+1", "SIGRTMIN+2"]]), ("pending", .null),
            ("sigprocmask", ["how": "unblock", "signals": Self.everySignal]), ("pending", .null),
        ]
        let results = try outcomes(program, signals: signals)
        let user = { (signal: String) in #"{"signal":"\#(signal)","code":"SI_USER","sender":1}"# }
        let queued = { (value: Int) in #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":\#(value)}"# }
        #expect(Array(results.suffix(4)) == [
            #"{"deliveries":[{"signal":"SIGRTMIN+2","code":"SI_TKILL","sender":1},\#(user("SIGUSR2")),\#(queued(1)),\#(queued(2))]}"#,
            #"{"signals":["SIGWINCH"]}"#, #"{"deliveries":[\#(user("SIGWINCH"))]}"#, #"{"signals":[]}"#,
        ])
    }

    /// A pending signal whose action is to ignore it — `SIG_IGN`, or `SIG_DFL` for `SIGWINCH` — is discarded on
    /// unblocking, and no handler runs; `SIG_BLOCK` of blocked signals changes nothing; a bad `how` fails `EINVAL`.
    @Test func unblockingDiscardsIgnoredSignalsAndABadHowFailsEINVAL() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("sigaction", ["signal": "SIGUSR2", "action": "ignore"]), ("kill", ["signal": "SIGUSR2"]), ("kill", ["signal": "SIGWINCH"]),
            ("sigprocmask", ["how": "invalid", "signals": Self.everySignal]), ("sigprocmask", ["how": "block", "signals": Self.everySignal]),
            ("pending", .null), ("sigprocmask", ["how": "unblock", "signals": ["SIGUSR2", "SIGWINCH"]]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(5)) == [
            "EINVAL", #"{"deliveries":[]}"#, #"{"signals":["SIGUSR2","SIGWINCH"]}"#, #"{"deliveries":[]}"#, #"{"signals":[]}"#,
        ])
    }

    /// `sigsuspend` unblocking the set returns after exactly one handler has run, the first in the kernel's order
    /// (the handler blocks every signal while it runs, and then the old mask is back); ignored ones before it are
    /// discarded, the rest stay pending.
    @Test func sigsuspendRunsOneHandlerTheFirstInTheKernelsOrder() throws {
        let program = Self.handlers + Self.mixedSends + [
            ("sigsuspend", ["signals": Self.everySignal]), ("sigsuspend", ["signals": Self.everySignal]), ("pending", .null),
            ("sigaction", ["signal": "SIGWINCH", "action": "ignore"]), ("kill", ["signal": "SIGWINCH"]),
            ("sigsuspend", ["signals": Self.everySignal]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(7)) == [
            #"{"signal":"SIGRTMIN+2","code":"SI_TKILL","sender":1}"#, #"{"signal":"SIGUSR2","code":"SI_USER","sender":1}"#,
            #"{"signals":["SIGWINCH","SIGRTMIN+1"]}"#, #"{"old":"handler"}"#, "ok",
            #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":1}"#, #"{"signals":["SIGRTMIN+1"]}"#,
        ])
    }

    /// With nothing of its set pending, `sigsuspend` sleeps until another process sends one (the trace checks: the
    /// model lets it end only once one is pending).
    @Test func sigsuspendSleepsUntilASignalOfItsSetArrives() throws {
        let receiver = [
            Call(process: 1, object: "sig1", f: "sigaction", value: ["signal": "SIGRTMIN+2", "action": "handler"]),
            Call(process: 1, object: "sig1", f: "sigsuspend", value: ["signals": ["SIGRTMIN+2"]]),
        ]
        let workload = Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": ["SIGRTMIN+2"]])],
            processes: [
                Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver),
                Workload.Process(id: 2, holds: ["sig1": ["send"]], program: [Call(process: 2, object: "sig1", f: "sigqueue", value: ["signal": "SIGRTMIN+2", "value": 5])]),
            ])
        #expect(try outcomes(of: workload).contains(#"{"signal":"SIGRTMIN+2","code":"SI_QUEUE","sender":2,"value":5}"#))
    }

    /// `pthread_sigmask` acts on the receiver's (one) thread as `sigprocmask` does, and reports the old mask: every
    /// signal of the call's set was blocked before it (the object's signals are blocked outside these calls), after an
    /// unblock too (it blocks them again); a bad `how` fails `EINVAL` (glibc returns it rather than setting `errno`).
    @Test func pthreadSigmaskActsAsSigprocmaskAndReportsTheOldMask() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("sigaction", ["signal": "SIGUSR2", "action": "handler"]), ("sigaction", ["signal": "SIGRTMIN+1", "action": "handler"]),
            ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 7]),
            ("pthread_sigmask", ["how": "block", "signals": ["SIGUSR2", "SIGWINCH"]]),
            ("pthread_sigmask", ["how": "unblock", "signals": ["SIGUSR2", "SIGRTMIN+1"]]),
            ("pthread_sigmask", ["how": "unblock", "signals": ["SIGRTMIN+1"]]),
            ("pthread_sigmask", ["how": "invalid", "signals": ["SIGUSR2"]]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(5)) == [
            #"{"deliveries":[],"old":["SIGUSR2","SIGWINCH"]}"#,
            #"{"deliveries":[{"signal":"SIGUSR2","code":"SI_USER","sender":1},{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":7}],"old":["SIGUSR2","SIGRTMIN+1"]}"#,
            #"{"deliveries":[],"old":["SIGRTMIN+1"]}"#, "EINVAL", #"{"signals":[]}"#,
        ])
    }

    /// `SIG_SETMASK` to a mask blocking some of the object's signals delivers every pending one it unblocks before the
    /// call returns, in the unblock's order (the thread's `SIGRTMIN+2`, then `SIGUSR2`), and the old mask blocked the
    /// set's; the ones it keeps blocked stay pending, and an empty set delivers them (`SIGWINCH`, then both queued
    /// `SIGRTMIN+1`). With no set, a `how` that is none of the three succeeds and gives the old mask: the object's
    /// signals, all blocked (the kernel looks at `how` only with a set: `SignalMaskFactsTests`).
    @Test func setmaskDeliversWhatItUnblocksAndWithoutASetAnyHowGivesTheOldMask() throws {
        let program = Self.handlers + Self.mixedSends + [
            ("sigprocmask", ["how": "setmask", "signals": ["SIGWINCH", "SIGRTMIN+1"]]), ("pending", .null),
            ("pthread_sigmask", ["how": "setmask", "signals": []]), ("pending", .null),
            ("sigprocmask", ["how": "invalid"]), ("pthread_sigmask", ["how": "setmask"]),
        ]
        let user = { (signal: String) in #"{"signal":"\#(signal)","code":"SI_USER","sender":1}"# }
        let queued = { (value: Int) in #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":\#(value)}"# }
        let every = #"["SIGUSR2","SIGWINCH","SIGRTMIN+1","SIGRTMIN+2"]"#
        #expect(Array(try outcomes(program, signals: signals).suffix(6)) == [
            #"{"deliveries":[{"signal":"SIGRTMIN+2","code":"SI_TKILL","sender":1},\#(user("SIGUSR2"))],"old":["SIGWINCH","SIGRTMIN+1"]}"#,
            #"{"signals":["SIGWINCH","SIGRTMIN+1"]}"#,
            #"{"deliveries":[\#(user("SIGWINCH")),\#(queued(1)),\#(queued(2))],"old":[]}"#, #"{"signals":[]}"#,
            #"{"deliveries":[],"old":\#(every)}"#, #"{"deliveries":[],"old":\#(every)}"#,
        ])
    }
}
