import IPCHarness
import IPCModels
import Testing

/// `posix-mq-robust-reopens-after-ebadf` and its fragile twin run for real with fixed seeds: the robust producer's
/// send through its old number fails `EBADF`, it opens the queue again and resends, and no violation shows; the
/// fragile one, whose error check looks only for `EAGAIN`, counts that send as sent and is caught every run.
@Suite struct MessageQueueStaleDescriptorScenarioTests {
    @Test func theRobustProducerShowsNoViolationAndMeetsEBADF() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("posix-mq-robust-reopens-after-ebadf", seeds: 5000..<5005, worker: worker)
        let marks: Set<String> = ["EBADF:send", "ok:send", "ok:close", "ok:open", "ok:receive", "EAGAIN:receive", "ok:getattr"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theProducerCheckingOnlyEAGAINIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("posix-mq-fragile-errno-eagain-only", seeds: 5000..<5005, worker: worker) == 5)
    }
}
