import IPCHarness
import IPCModels
import Testing

/// `epoll` on signalfds, measured through the receiver worker (whose process blocks the object's signals) and checked
/// against the signal model as it runs (`SignalModel+Epoll`; a C probe on this kernel gave the same answers).
extension KernelSignalFactsTests {
    static func epollControl(_ op: String, _ set: [String], _ events: [String] = []) -> (f: String, value: JSONValue) {
        ("epoll_ctl", ["op": .string(op), "signals": .array(set.map { .string($0) }), "events": .array(events.map { .string($0) })])
    }
    static let epollWait: (f: String, value: JSONValue) = ("epoll_wait", ["maxevents": 4, "timeout": 0])
    static let nothingReported = #"{"events":[]}"#
    static func reported(_ set: [String]) -> String {
        #"{"events":[{"signals":[\#(set.map { "\"\($0)\"" }.joined(separator: ","))],"events":["EPOLLIN"]}]}"#
    }
    static func drain(_ set: [String]) -> (f: String, value: JSONValue) {
        ("signalfd-read", ["signals": .array(set.map { .string($0) }), "max": 1280, "nonblocking": true])
    }

    /// Level-triggered: nothing while none of the set is pending; `EPOLLIN` alone (never the `EPOLLOUT` asked) while one
    /// is pending for the process (`kill`) or the thread (`tgkill`), at every wait, the waits taking nothing; nothing
    /// once a read took it. `ADD` of a registered set `EEXIST`, `MOD` and `DEL` of one not registered `ENOENT`, the
    /// instance itself `EINVAL`.
    @Test func aLevelTriggeredSignalfdReportsEPOLLINAloneWhileOneOfItsSetIsPending() throws {
        let set = ["SIGUSR2", "SIGRTMIN+1"]
        let program: [(f: String, value: JSONValue)] = [
            Self.epollControl("EPOLL_CTL_ADD", set, ["EPOLLIN", "EPOLLOUT"]), Self.epollWait, ("kill", ["signal": "SIGUSR2"]), Self.epollWait,
            Self.epollWait, Self.drain(set), Self.epollWait, ("tgkill", ["signal": "SIGRTMIN+1"]), Self.epollWait,
            ("kill", ["signal": "SIGWINCH"]), Self.drain(set), Self.epollWait,
            Self.epollControl("EPOLL_CTL_ADD", set, ["EPOLLIN"]), Self.epollControl("EPOLL_CTL_MOD", ["SIGWINCH"], ["EPOLLIN"]),
            ("epoll_ctl", ["op": "EPOLL_CTL_ADD", "target": "epoll", "events": ["EPOLLIN"]]),
            Self.epollControl("EPOLL_CTL_DEL", set), Self.epollControl("EPOLL_CTL_DEL", set), Self.drain(["SIGWINCH"]),
        ]
        let results = try outcomes(program, signals: signals)
        #expect(Array(results.prefix(10)) == [
            "ok", Self.nothingReported, "ok", Self.reported(set), Self.reported(set),
            #"{"deliveries":[{"signal":"SIGUSR2","code":"SI_USER","sender":1}]}"#, Self.nothingReported, "ok", Self.reported(set), "ok",
        ])
        #expect(Array(results.dropFirst(11)) == [Self.nothingReported, "EEXIST", "ENOENT", "EINVAL", "ok", "ENOENT", results.last!])
    }

    /// `EPOLLET`: news is `signalfd_notify`'s wake with no key on every signal made pending, so a `SIGWINCH` outside the
    /// set brings a second report of the `SIGUSR2` still pending; a coalesced `kill`, a read taking one of two queued,
    /// `sigprocmask`, a discarding `sigaction`, a handler's `sigaction` and `kill` of 0 bring none; a `tgkill` new to
    /// the thread's set and a `sigqueue` do.
    @Test func anEdgeTriggeredSignalfdHasNewsFromEverySignalMadePendingInOrOutOfItsSet() throws {
        let set = ["SIGUSR2", "SIGRTMIN+1"]
        let program: [(f: String, value: JSONValue)] = [
            Self.epollControl("EPOLL_CTL_ADD", set, ["EPOLLIN", "EPOLLET"]), Self.epollWait,  // 0 1
            ("kill", ["signal": "SIGUSR2"]), Self.epollWait, Self.epollWait,  // 2 3 4
            ("kill", ["signal": "SIGWINCH"]), Self.epollWait, Self.epollWait,  // 5 6 7
            ("kill", ["signal": "SIGUSR2"]), Self.epollWait,  // 8 9
            ("tgkill", ["signal": "SIGUSR2"]), Self.epollWait,  // 10 11
            ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 2]), Self.epollWait,  // 12 13 14
            ("signalfd-read", ["signals": ["SIGRTMIN+1"], "max": 128, "nonblocking": true]), Self.epollWait,  // 15 16
            ("sigprocmask", ["how": "block", "signals": ["SIGUSR2"]]), Self.epollWait,  // 17 18
            ("sigaction", ["signal": "SIGWINCH", "action": "ignore"]), Self.epollWait,  // 19 20
            ("sigaction", ["signal": "SIGUSR2", "action": "handler"]), Self.epollWait,  // 21 22
            ("kill", ["signal": 0]), Self.epollWait,  // 23 24
            Self.drain(signals), Self.epollWait, ("kill", ["signal": "SIGRTMIN+2"]), Self.epollWait,  // 25 26 27 28
            Self.epollControl("EPOLL_CTL_DEL", set), Self.drain(signals),
        ]
        let results = try outcomes(program, signals: signals)
        let waits = [1, 3, 4, 6, 7, 9, 11, 14, 16, 18, 20, 22, 24, 26, 28].map { results[$0] }
        let (none, some) = (Self.nothingReported, Self.reported(set))
        #expect(waits == [none, some, none, some, none, none, some, some, none, none, none, none, none, none, none])
    }

    /// `EPOLLONESHOT`: one report, then none while the signal stays pending and another comes, until `MOD` arms it.
    /// A wait asleep (timeout -1) ends with the report once another process sends a signal of the set.
    @Test func aOneShotSignalfdReportsOnceUntilModifiedAndAWaitAsleepEndsWithASend() throws {
        let set = ["SIGRTMIN+2"]
        let program: [(f: String, value: JSONValue)] = [
            Self.epollControl("EPOLL_CTL_ADD", set, ["EPOLLIN", "EPOLLONESHOT"]), ("kill", ["signal": "SIGRTMIN+2"]), Self.epollWait,
            ("kill", ["signal": "SIGRTMIN+2"]), Self.epollWait, Self.epollControl("EPOLL_CTL_MOD", set, ["EPOLLIN", "EPOLLONESHOT"]),
            Self.epollWait, Self.epollWait, Self.drain(set),
        ]
        let results = try outcomes(program, signals: signals)
        #expect([2, 4, 6, 7].map { results[$0] } == [Self.reported(set), Self.nothingReported, Self.reported(set), Self.nothingReported])

        let calls = [
            Self.epollControl("EPOLL_CTL_ADD", set, ["EPOLLIN", "EPOLLET"]), ("epoll_wait", ["maxevents": 1, "timeout": -1] as JSONValue),
        ].map { Call(process: 1, object: "sig1", f: $0.f, value: $0.value) }
        let workload = Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": ["SIGRTMIN+2"]])],
            processes: [
                Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: calls),
                Workload.Process(id: 2, holds: ["sig1": ["send"]], program: [Call(process: 2, object: "sig1", f: "kill", value: ["signal": "SIGRTMIN+2"])]),
            ])
        #expect(try outcomes(of: workload).sorted() == ["ok", "ok", Self.reported(set)].sorted())
    }
}
