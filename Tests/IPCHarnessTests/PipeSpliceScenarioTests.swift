import IPCHarness
import Testing

/// `pipe-splice` run for real with fixed seeds (random and PCT schedules): no violation, and its `splice`, `tee` and
/// `vmsplice` calls succeed, sleep, and meet the errors they are about.
@Suite struct PipeSpliceScenarioTests {
    @Test func spliceCallsShowNoViolationAndReachTheirOutcomes() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("pipe-splice", seeds: 5000..<5012, worker: worker)
        let marks: Set<String> = ["ok:splice", "ok:tee", "ok:vmsplice", "EAGAIN", "EINVAL", "EPIPE", "asleep"]
        #expect(marks.isSubset(of: seen), "pipe-splice never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }
}
