import IPCHarness
import IPCModels
import Testing

/// `fifo-async-reader` and its fragile twin run for real with fixed seeds: the robust reader shows no violation and
/// reaches taken signals (plain `SIGIO` and `POLL_IN`), `sigtimedwait`'s `EAGAIN` and reads of data; the fragile
/// reader, which takes one signal for one message, is caught.
@Suite struct FIFOAsyncScenarioTests {
    @Test func theRobustReaderShowsNoViolationAndTakesItsSignals() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("fifo-async-reader", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:sigtimedwait", "EAGAIN:sigtimedwait", "ok:read", "ok:fcntl", "ok:open"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var codes: Set<Int> = []
        for value in try ScenarioRuns.successValues("fifo-async-reader", f: "sigtimedwait", seeds: 5000..<5010, worker: worker) {
            if case .integer(let code)? = value["code"] { codes.insert(Int(code)) }
        }
        #expect(codes == [1, 0x80], "si_codes taken: \(codes.sorted())")
    }

    @Test func theFragileReaderIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("fifo-fragile-reads-when-signalled", seeds: 5000..<5010, worker: worker) >= 5)
    }
}
