import IPCHarness
import IPCModels
import Testing

/// `unix-robust-receive-timeout` and its fragile twin run for real with fixed seeds: the robust reader shows no
/// violation and reaches receives that ran out (`EAGAIN`), data, the end of file and the timeout asked back; the
/// reader that takes a receive that ran out for the end of the stream is caught.
@Suite struct UnixSocketTimeoutScenarioTests {
    @Test func theRobustReaderShowsNoViolationAndReachesTimeouts() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("unix-robust-receive-timeout", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:setsockopt", "ok:getsockopt", "ok:receive", "EAGAIN:receive", "ok:send", "ok:close"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theReaderTakingATimeoutForTheEndIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("unix-fragile-timeout-as-end-of-file", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
