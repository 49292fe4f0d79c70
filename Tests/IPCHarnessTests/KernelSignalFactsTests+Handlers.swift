import IPCHarness
import IPCModels
import Testing

/// The recording handler's `sigaction` flags and mask — an empty `sa_mask`, `SA_NODEFER`, `SA_RESETHAND` — and how the
/// kernel runs the handlers when `sigprocmask` or `sigsuspend` unblocks what is pending, measured in a worker (each
/// trace must check against the model too). A C probe gave the same orders, and showed that two queued `SIGRTMIN+1`
/// with an `SA_RESETHAND` handler kill the receiver at the second (the worker refuses that unblock).
extension KernelSignalFactsTests {
    /// Handlers for the four signals with `flags` and `mask`.
    static func handlers(flags: [String], mask: String) -> [(f: String, value: JSONValue)] {
        ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"].map {
            ("sigaction", ["signal": .string($0), "action": "handler", "flags": .array(flags.map { .string($0) }), "mask": .string(mask)])
        }
    }

    static func user(_ signal: String) -> String { #"{"signal":"\#(signal)","code":"SI_USER","sender":1}"# }
    static func queued(_ value: Int) -> String { #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":\#(value)}"# }
    static let threadKill = #"{"signal":"SIGRTMIN+2","code":"SI_TKILL","sender":1}"#

    /// With an empty `sa_mask` the kernel pushes a frame for every deliverable signal before any handler runs, so they
    /// run in reverse of the dequeue order (36 12 28 35 35 dequeued); a signal is blocked in its own handler, so the
    /// second `SIGRTMIN+1` waits for the first's return and runs right after it: 35(1) 35(2) 28 12 36.
    @Test func handlersWithAnEmptyMaskNestAndRecordInReverse() throws {
        let program = Self.handlers(flags: [], mask: "none") + Self.mixedSends + [
            ("sigprocmask", ["how": "unblock", "signals": Self.everySignal]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(2)) == [
            #"{"deliveries":[\#(Self.queued(1)),\#(Self.queued(2)),\#(Self.user("SIGWINCH")),\#(Self.user("SIGUSR2")),\#(Self.threadKill)]}"#,
            #"{"signals":[]}"#,
        ])
    }

    /// `SA_NODEFER` leaves the signal unblocked in its own handler: the second `SIGRTMIN+1` nests into the first, and
    /// they swap (2 before 1). With the full mask it changes nothing (every signal is blocked anyway).
    @Test func noDeferLetsASignalNestIntoItsOwnHandler() throws {
        let program = Self.handlers(flags: ["SA_NODEFER"], mask: "none") + Self.mixedSends + [
            ("sigprocmask", ["how": "unblock", "signals": Self.everySignal]),
        ] + Self.handlers(flags: ["SA_NODEFER", "SA_SIGINFO"], mask: "all") + Self.mixedSends + [
            ("sigprocmask", ["how": "unblock", "signals": Self.everySignal]),
        ]
        let results = try outcomes(program, signals: signals)
        #expect(results[results.count - 11] == #"{"deliveries":[\#(Self.queued(2)),\#(Self.queued(1)),\#(Self.user("SIGWINCH")),\#(Self.user("SIGUSR2")),\#(Self.threadKill)]}"#)
        #expect(results.last == #"{"deliveries":[\#(Self.threadKill),\#(Self.user("SIGUSR2")),\#(Self.user("SIGWINCH")),\#(Self.queued(1)),\#(Self.queued(2))]}"#)
    }

    /// `sigsuspend` with handlers of an empty mask runs every pending one, nested, before it returns (the first frame
    /// restores the old mask only when the bottom handler returns), and reports all of them in the order they ran.
    @Test func sigsuspendRunsEveryNestedHandler() throws {
        let program = Self.handlers(flags: [], mask: "none") + Self.mixedSends + [
            ("sigsuspend", ["signals": Self.everySignal]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(2)) == [
            #"{"deliveries":[\#(Self.queued(1)),\#(Self.queued(2)),\#(Self.user("SIGWINCH")),\#(Self.user("SIGUSR2")),\#(Self.threadKill)]}"#,
            #"{"signals":[]}"#,
        ])
    }

    /// `SA_RESETHAND`: once the handler has run, asking reports `SIG_DFL`; a `SIGWINCH` pending for the thread and the
    /// process runs the handler once (the second meets `SIG_DFL`, which discards it); a `sigsuspend` with a
    /// `SIGRTMIN+1` handler runs it once and leaves the second queued one pending, its action `SIG_DFL`.
    @Test func resetHandSetsTheActionBackToDefaultAsTheHandlerRuns() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("sigaction", ["signal": "SIGWINCH", "action": "handler", "flags": ["SA_RESETHAND"]]),
            ("sigaction", ["signal": "SIGUSR2", "action": "handler", "flags": ["SA_RESETHAND"]]),
            ("sigaction", ["signal": "SIGRTMIN+1", "action": "handler", "flags": ["SA_RESETHAND"]]),
            ("tgkill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGUSR2"]),
            ("sigprocmask", ["how": "unblock", "signals": ["SIGWINCH", "SIGUSR2"]]),
            ("sigaction", ["signal": "SIGWINCH"]), ("sigaction", ["signal": "SIGUSR2"]), ("pending", .null),
            ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 2]),
            ("sigsuspend", ["signals": ["SIGRTMIN+1"]]), ("sigaction", ["signal": "SIGRTMIN+1"]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(12)) == [
            "ok", "ok", "ok",
            #"{"deliveries":[{"signal":"SIGWINCH","code":"SI_TKILL","sender":1},\#(Self.user("SIGUSR2"))]}"#,
            #"{"old":"default"}"#, #"{"old":"default"}"#, #"{"signals":[]}"#,
            "ok", "ok", Self.queued(1), #"{"old":"default"}"#, #"{"signals":["SIGRTMIN+1"]}"#,
        ])
    }

    /// A partial `sa_mask`: `SIGUSR2`'s handler blocks `SIGWINCH` and nothing else, the others block every signal.
    /// With `SIGWINCH`, `SIGUSR2` and `SIGRTMIN+1` pending, unblocking them all pushes `SIGUSR2`'s frame first (the
    /// lowest); `SIGRTMIN+1`, outside its mask, nests on top and runs first; `SIGWINCH`, in it, waits for `SIGUSR2`'s
    /// handler to return: 35 12 28 (all blocking: 12 28 35; none: 28 35 12). `sigsuspend` so: 35 12, and `SIGWINCH`
    /// stays pending (the bottom frame restores the old mask).
    @Test func aPartialMaskBlocksItsSignalsInTheHandlerAndLetsOthersNest() throws {
        let handlers: [(f: String, value: JSONValue)] = [
            ("sigaction", ["signal": "SIGUSR2", "action": "handler", "mask": ["SIGWINCH"]]),
            ("sigaction", ["signal": "SIGWINCH", "action": "handler"]), ("sigaction", ["signal": "SIGRTMIN+1", "action": "handler"]),
        ]
        let sends: [(f: String, value: JSONValue)] = [
            ("kill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]),
        ]
        let three: JSONValue = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1"]
        let program = handlers + sends + [("sigprocmask", ["how": "unblock", "signals": three])]
            + sends + [("sigsuspend", ["signals": three]), ("pending", .null)]
        #expect(Array(try outcomes(program, signals: signals).suffix(6)) == [
            #"{"deliveries":[\#(Self.queued(1)),\#(Self.user("SIGUSR2")),\#(Self.user("SIGWINCH"))]}"#,
            "ok", "ok", "ok",
            #"{"deliveries":[\#(Self.queued(1)),\#(Self.user("SIGUSR2"))]}"#, #"{"signals":["SIGWINCH"]}"#,
        ])
    }

    /// `SA_ONSTACK` (measured in a worker, whose recording handler looks at where its own frame lies; a C probe
    /// gave the same): with a 64 KiB alternate stack set, `SIGUSR2`'s `SA_ONSTACK` handler runs on it and `SIGWINCH`'s
    /// plain one on the thread's stack; with empty masks `SIGWINCH`'s frame is pushed while `SIGUSR2`'s is on the
    /// alternate stack, so it runs there too (the kernel pushes on the current stack) — and records first; with
    /// `SS_AUTODISARM` the handler still runs on it; once the stack is disabled, on the thread's. Each outcome is also
    /// the model's (``disagreement(_:model:)``), and a model that ignores the nesting is shown wrong by the second.
    @Test func anOnStackHandlerRunsOnTheAlternateStackAndAFrameNestedAboveItToo() throws {
        func stack(_ flags: [JSONValue], _ size: Int) -> (f: String, value: JSONValue) { ("sigaltstack", ["flags": .array(flags), "size": .int(size)]) }
        func handler(_ signal: String, onStack: Bool, mask: String) -> (f: String, value: JSONValue) {
            ("sigaction", ["signal": .string(signal), "action": "handler", "flags": onStack ? ["SA_ONSTACK"] : [], "mask": .string(mask)])
        }
        let both: JSONValue = ["SIGUSR2", "SIGWINCH"]
        let sends: [(f: String, value: JSONValue)] = [("kill", ["signal": "SIGWINCH"]), ("kill", ["signal": "SIGUSR2"])]
        let unblock: (f: String, value: JSONValue) = ("sigprocmask", ["how": "unblock", "signals": both])
        let program: [(f: String, value: JSONValue)] =
            [stack([], 65536), handler("SIGUSR2", onStack: true, mask: "all"), handler("SIGWINCH", onStack: false, mask: "all")]
            + sends + [unblock]
            + [handler("SIGUSR2", onStack: true, mask: "none"), handler("SIGWINCH", onStack: false, mask: "none")] + sends + [unblock]
            + [stack(["SS_AUTODISARM"], 65536), ("kill", ["signal": "SIGUSR2"]), unblock]
            + [stack(["SS_DISABLE"], 0), ("kill", ["signal": "SIGUSR2"]), unblock]
        let results = try outcomes(program, signals: signals)
        let onStack = #"{"signal":"SIGUSR2","code":"SI_USER","sender":1,"onStack":true}"#
        #expect(results[5] == #"{"deliveries":[\#(onStack),\#(Self.user("SIGWINCH"))]}"#)
        #expect(results[10] == #"{"deliveries":[{"signal":"SIGWINCH","code":"SI_USER","sender":1,"onStack":true},\#(onStack)]}"#)
        #expect(results[13] == #"{"deliveries":[\#(onStack)]}"#)
        #expect(results[16] == #"{"deliveries":[\#(Self.user("SIGUSR2"))]}"#)
        if let problem = try disagreement(program, model: Self.defaultActionsModel) { Issue.record("\(problem)") }
    }
}
