import IPCHarness
import IPCModels
import Testing

/// `ppoll` and `pselect` on a signalfd with a signal mask (`"sigmask"`: the object's signals it keeps blocked, the
/// others unblocked for the call), measured in a worker with the recording handler (each trace must check against the
/// model too).
extension KernelSignalFactsTests {
    static let keptButSIGUSR2: JSONValue = ["SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"]

    /// With its descriptor ready (`SIGRTMIN+1` pending for the signalfd), `ppoll` and `pselect` return it at once and
    /// the pending `SIGUSR2` that only their mask unblocks is *not* delivered: it is still pending after. With nothing
    /// ready, the same mask makes it fail `EINTR` at once (timeout 0) after `SIGUSR2`'s handler ran; `pselect` so for
    /// `SIGRTMIN+1`; with every signal kept blocked, timeout 0 finds nothing.
    @Test func aMaskedPollReadyDeliversNothingAndOneNotReadyIsInterruptedByWhatItsMaskUnblocks() throws {
        let program = Self.handlers + [
            ("kill", ["signal": "SIGUSR2"]), ("sigqueue", ["signal": "SIGRTMIN+1", "value": 1]),
            ("signalfd-poll", ["signals": ["SIGRTMIN+1"], "sigmask": Self.keptButSIGUSR2, "timeout": 0]), ("pending", .null),
            ("signalfd-select", ["signals": ["SIGRTMIN+1"], "read": true, "write": true, "sigmask": Self.keptButSIGUSR2, "timeout": 0]),
            ("pending", .null),
            ("signalfd-poll", ["signals": ["SIGWINCH"], "sigmask": Self.keptButSIGUSR2, "timeout": 0]), ("pending", .null),
            ("signalfd-select", ["signals": ["SIGWINCH"], "read": true, "sigmask": ["SIGUSR2", "SIGWINCH"], "timeout": 0]),
            ("signalfd-poll", ["signals": ["SIGWINCH"], "sigmask": Self.everySignal, "timeout": 0]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(9)) == [
            #"{"revents":["POLLIN"]}"#, #"{"signals":["SIGUSR2","SIGRTMIN+1"]}"#,
            #"{"readable":true,"writable":false}"#, #"{"signals":["SIGUSR2","SIGRTMIN+1"]}"#,
            #"{"deliveries":[{"signal":"SIGUSR2","code":"SI_USER","sender":1}]}"#, #"{"signals":["SIGRTMIN+1"]}"#,
            #"{"deliveries":[{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":1,"value":1}]}"#,
            #"{"revents":[]}"#, #"{"signals":[]}"#,
        ])
    }

    /// With nothing ready and nothing pending, a masked `ppoll` without timeout sleeps until another process sends a
    /// signal its mask unblocks, then fails `EINTR` after that signal's handler ran.
    @Test func aMaskedPollAsleepIsInterruptedByASignalItsMaskUnblocks() throws {
        let receiver = [
            Call(process: 1, object: "sig1", f: "sigaction", value: ["signal": "SIGRTMIN+2", "action": "handler"]),
            Call(process: 1, object: "sig1", f: "signalfd-poll", value: ["signals": ["SIGWINCH"], "sigmask": ["SIGWINCH"], "timeout": -1]),
        ]
        #expect(try outcomes(of: Self.withSenderOfRTMIN2(receiver)).contains(Self.deliveredRTMIN2))
    }

    /// Object sig1 (`SIGWINCH`, `SIGRTMIN+2`) received by process 1 running `receiver`, and process 2 queuing it one
    /// `SIGRTMIN+2` of value 5 (``deliveredRTMIN2``), whenever the run schedules it.
    static func withSenderOfRTMIN2(_ receiver: [Call]) -> Workload {
        Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": ["SIGWINCH", "SIGRTMIN+2"]])],
            processes: [
                Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver),
                Workload.Process(id: 2, holds: ["sig1": ["send"]], program: [Call(process: 2, object: "sig1", f: "sigqueue", value: ["signal": "SIGRTMIN+2", "value": 5])]),
            ])
    }
    static let deliveredRTMIN2 = #"{"deliveries":[{"signal":"SIGRTMIN+2","code":"SI_QUEUE","sender":2,"value":5}]}"#

    /// An ignored signal its mask unblocks (`SIGWINCH` at `SIG_DFL`) does not interrupt it: the kernel discards it and
    /// restarts the call, which with nothing ready returns nothing (timeout 0), `SIGWINCH` gone after.
    @Test func aMaskedPollDiscardsAnIgnoredSignalItsMaskUnblocksAndGoesOn() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("kill", ["signal": "SIGWINCH"]), ("pending", .null),
            ("signalfd-poll", ["signals": ["SIGRTMIN+1"], "sigmask": ["SIGUSR2", "SIGRTMIN+1", "SIGRTMIN+2"], "timeout": 0]), ("pending", .null),
        ]
        #expect(Array(try outcomes(program, signals: signals).suffix(3)) == [#"{"signals":["SIGWINCH"]}"#, #"{"revents":[]}"#, #"{"signals":[]}"#])
    }
}
