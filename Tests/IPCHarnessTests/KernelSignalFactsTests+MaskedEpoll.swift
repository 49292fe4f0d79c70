import IPCHarness
import IPCModels
import Testing

/// `epoll_pwait` and `epoll_pwait2` on the receiver's instance of signalfds with a signal mask (`"sigmask"`: the
/// object's signals it keeps blocked, the others unblocked for the call), measured in a worker with the recording
/// handler, each trace checked against the model too (`SignalModel+MaskedEpoll`; a C probe gave the same answers).
/// Where it differs from `ppoll` (`KernelSignalFactsTests+MaskedPoll`): with nothing ready and a timeout of 0 it
/// returns nothing and delivers nothing, and a discarded ignored signal still fails it `EINTR`.
extension KernelSignalFactsTests {
    static let epollReadyOnRTMIN1: (f: String, value: JSONValue) = Self.epollControl("EPOLL_CTL_ADD", ["SIGRTMIN+1"], ["EPOLLIN"])
    static func maskedEpollWait(_ timeout: Int, maxEvents: Int = 4, sigmask: JSONValue = keptButSIGUSR2) -> (f: String, value: JSONValue) {
        ("epoll_pwait", ["maxevents": .int(maxEvents), "timeout": .int(timeout), "sigmask": sigmask])
    }
    static func maskedEpollWait2(_ seconds: Int, _ nanoseconds: Int, sigmask: JSONValue = keptButSIGUSR2) -> (f: String, value: JSONValue) {
        ("epoll_pwait2", ["maxevents": 4, "timeout": ["sec": .int(seconds), "nsec": .int(nanoseconds)], "sigmask": sigmask])
    }
    static let pendingUSR2 = #"{"signals":["SIGUSR2"]}"#
    static let deliveredUSR2 = #"{"deliveries":[{"signal":"SIGUSR2","code":"SI_USER","sender":1}]}"#

    /// Ready (`SIGRTMIN+1` pending for the registered signalfd): it reports at once, timeout 0 or -1, and the pending
    /// `SIGUSR2` its mask unblocks is not delivered. Nothing ready: timeout 0 and a zero timespec return nothing,
    /// `SIGUSR2` still pending (where `ppoll` fails `EINTR`); 10 ms (and a 10 ms timespec) fail `EINTR` at once after
    /// `SIGUSR2`'s handler ran; `maxevents` 0 fails `EINVAL` before the mask is swapped in, delivering nothing.
    @Test func aMaskedEpollWaitDeliversOnlyWhenNothingIsReadyAndItMayWait() throws {
        let program = Self.handlers + [
            Self.epollReadyOnRTMIN1, ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]),
            Self.maskedEpollWait(0), Self.maskedEpollWait(-1), ("pending", .null),  // 7 8 9
            Self.drain(["SIGRTMIN+1"]),  // 10
            Self.maskedEpollWait(0), Self.maskedEpollWait2(0, 0), ("pending", .null),  // 11 12 13
            Self.maskedEpollWait(0, maxEvents: 0), ("pending", .null),  // 14 15
            Self.maskedEpollWait(10), ("pending", .null),  // 16 17
            ("kill", ["signal": "SIGUSR2"]), Self.maskedEpollWait2(0, 10_000_000), ("pending", .null),  // 18 19 20
        ]
        let results = try outcomes(program, signals: signals)
        #expect(Array(results.suffix(14)) == [
            Self.reported(["SIGRTMIN+1"]), Self.reported(["SIGRTMIN+1"]), #"{"signals":["SIGUSR2","SIGRTMIN+1"]}"#,
            #"{"deliveries":[{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":1}]}"#,
            Self.nothingReported, Self.nothingReported, Self.pendingUSR2,
            "EINVAL", Self.pendingUSR2,
            Self.deliveredUSR2, #"{"signals":[]}"#,
            "ok", Self.deliveredUSR2, #"{"signals":[]}"#,
        ])
    }

    /// An ignored signal its mask unblocks (`SIGWINCH` at `SIG_DFL`), pending at the call: discarded, and the call
    /// fails `EINTR` with no handler run (`ep_poll` returns `-EINTR`, never restarted; `ppoll` restarts); with a timeout
    /// of 0 it returns nothing and `SIGWINCH` stays pending.
    @Test func aMaskedEpollWaitFailsEINTRForAnIgnoredSignalItDiscards() throws {
        let unblockingWinch: JSONValue = ["SIGUSR2", "SIGRTMIN+1", "SIGRTMIN+2"]
        let program: [(f: String, value: JSONValue)] = [
            Self.epollReadyOnRTMIN1, ("kill", ["signal": "SIGWINCH"]),
            Self.maskedEpollWait(0, sigmask: unblockingWinch), ("pending", .null),
            Self.maskedEpollWait(10, sigmask: unblockingWinch), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(4)) == [
            Self.nothingReported, #"{"signals":["SIGWINCH"]}"#, "EINTR", #"{"signals":[]}"#,
        ])
    }

    /// Asleep with nothing ready and nothing pending, a signal its mask unblocks sent by another process ends it
    /// `EINTR` after that signal's handler ran.
    @Test func aMaskedEpollWaitAsleepIsInterruptedByASignalItsMaskUnblocks() throws {
        let receiver = [
            Call(process: 1, object: "sig1", f: "sigaction", value: ["signal": "SIGRTMIN+2", "action": "handler"]),
            Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "signals": ["SIGWINCH"], "events": ["EPOLLIN"]]),
            Call(process: 1, object: "sig1", f: "epoll_pwait", value: ["maxevents": 4, "timeout": -1, "sigmask": ["SIGWINCH"]]),
        ]
        #expect(try outcomes(of: Self.withSenderOfRTMIN2(receiver)).contains(Self.deliveredRTMIN2))
    }
}
