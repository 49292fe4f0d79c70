import IPCHarness
import IPCModels
import Testing

/// Timer calls performed by the receiving worker, its trace checked by the signal model (`SignalModel+Timers.swift`;
/// the facts in `TimerSignalFactsTests`): alarm's seconds left, a bad `which`, a POSIX timer's `SI_TIMER` signal with
/// its id and value, a one-shot timer reading 0 once expired, a deleted id `EINVAL`, and a clock without timers
/// `EOPNOTSUPP`. (A run waiting for a timer still to expire — alarm's `SIGALRM` — ended at once in the driver: not here.)
extension KernelSignalFactsTests {
    @Test func timerCallsOfTheReceiverAgreeWithTheModel() throws {
        let program: [(f: String, value: JSONValue)] = [
            ("alarm", ["seconds": 0]), ("alarm", ["seconds": 1000]), ("alarm", ["seconds": 0]),
            ("getitimer", ["which": "ITIMER_REAL"]), ("setitimer", ["which": 3, "value": ["sec": 1, "usec": 0]]),
            ("timer_create", ["clock": "CLOCK_MONOTONIC", "notify": "SIGEV_SIGNAL", "signal": "SIGRTMIN+1", "value": 77]),
            ("timer_settime", ["timer": 0, "value": ["sec": 0, "nsec": 1000]]),
            ("wait", ["signals": ["SIGRTMIN+1"], "timeout": 10000]),
            ("timer_gettime", ["timer": 0]), ("timer_getoverrun", ["timer": 0]),
            ("timer_delete", ["timer": 0]), ("timer_delete", ["timer": 0]),
            ("timer_create", ["clock": "CLOCK_MONOTONIC_RAW", "signal": "SIGRTMIN+1"]),
        ]
        let results = try outcomes(program, signals: ["SIGALRM", "SIGRTMIN+1"])
        #expect(results.count == program.count, "\(results)")
        guard results.count == program.count else { return }
        #expect(Array(results.prefix(3)) == [#"{"remaining":0}"#, #"{"remaining":0}"#, #"{"remaining":1000}"#])
        #expect(results[4] == "EINVAL")
        #expect(results[5] == #"{"timer":0}"#)
        #expect(results[7].contains(#""code":"SI_TIMER""#) && results[7].contains(#""value":77"#) && results[7].contains(#""timer":0"#))
        #expect(results[10] == "ok" && results[11] == "EINVAL")
        #expect(results[12] == "EOPNOTSUPP")
    }
}
