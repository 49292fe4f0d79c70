import IPCHarness
import IPCModels
import Testing

/// `pipe-robust-drains-when-signalled` and its fragile twin run for real with fixed seeds: the robust one shows no
/// violation and reaches a taken signal (each kind of `si_code`), `sigtimedwait`'s `EAGAIN` and reads of data; the
/// fragile reader, which takes one signal for one message, is caught.
@Suite struct PipeAsyncScenarioTests {
    @Test func theRobustOwnerShowsNoViolationAndTakesItsSignals() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("pipe-robust-drains-when-signalled", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:sigtimedwait", "EAGAIN:sigtimedwait", "ok:read", "EAGAIN:read", "ok:fcntl"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var codes: Set<Int> = []
        for value in try ScenarioRuns.successValues("pipe-robust-drains-when-signalled", f: "sigtimedwait", seeds: 5000..<5010, worker: worker) {
            if case .integer(let code)? = value["code"] { codes.insert(Int(code)) }
        }
        #expect(codes == [1, 0x80], "si_codes taken: \(codes.sorted())")
    }

    @Test func theFragileReaderIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("pipe-fragile-reads-when-signalled", seeds: 5000..<5010, worker: worker) >= 5)
    }
}
