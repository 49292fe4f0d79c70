import IPCHarness
import IPCModels
import Testing

/// `unix-stream-urgent-signals`, `unix-stream-robust-urgent-as-it-is` and the fragile twin run for real with fixed
/// seeds: the robust ones show no violation and reach a taken `SIGURG` (and, with `O_ASYNC`, a `POLL_IN` or plain
/// `SIGIO`), `sigtimedwait`'s `EAGAIN` and `MSG_OOB` receives both ways; the fragile receiver, which takes one `SIGURG`
/// for one urgent byte, is caught.
@Suite struct UnixSocketSignalScenarioTests {
    @Test func theOwnerShowsNoViolationAndTakesItsSignals() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        for name in ["unix-stream-urgent-signals", "unix-stream-robust-urgent-as-it-is"] {
            let seen = try ScenarioRuns.reached(name, seeds: 5000..<5010, worker: worker)
            let marks: Set<String> = ["ok:sigtimedwait", "EAGAIN:sigtimedwait", "ok:receive", "EINVAL:receive", "ok:fcntl"]
            #expect(marks.isSubset(of: seen), "\(name) never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        }
        var taken: Set<[Int]> = []
        for value in try ScenarioRuns.successValues("unix-stream-urgent-signals", f: "sigtimedwait", seeds: 5000..<5010, worker: worker) {
            if case .integer(let signal)? = value["signal"], case .integer(let code)? = value["code"] { taken.insert([Int(signal), Int(code)]) }
        }
        #expect(taken.contains([23, 0x80]), "signals taken: \(taken.sorted { $0.lexicographicallyPrecedes($1) })")
        #expect(taken.contains { $0 != [23, 0x80] }, "no O_ASYNC signal taken: \(taken.sorted { $0.lexicographicallyPrecedes($1) })")
    }

    @Test func aPacketPairsOwnerShowsNoViolationAndTakesItsSignals() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("unix-packet-async-signals", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:sigtimedwait", "EAGAIN:sigtimedwait", "ok:receive", "ok:fcntl"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var codes: Set<Int> = []
        for value in try ScenarioRuns.successValues("unix-packet-async-signals", f: "sigtimedwait", seeds: 5000..<5010, worker: worker) {
            if case .integer(let code)? = value["code"] { codes.insert(Int(code)) }
        }
        #expect(codes.isSuperset(of: [1, 0x80]), "si_codes taken: \(codes.sorted())")
    }

    @Test func theFragileReceiverIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("unix-stream-fragile-urgent-per-sigurg", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
