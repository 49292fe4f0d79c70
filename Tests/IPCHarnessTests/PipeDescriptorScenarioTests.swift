import IPCHarness
import Testing

/// The scenarios of the pipe's descriptor calls, run for real with fixed seeds: `pipe-descriptors` shows no violation
/// and reaches the errors it is about; the fragile reader that takes `EAGAIN` for end of file is caught, its robust
/// twin is not.
@Suite struct PipeDescriptorScenarioTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    @Test func descriptorCallsShowNoViolationAndReachTheirErrors() throws {
        let seen = try ScenarioRuns.reached("pipe-descriptors", seeds: 5000..<5015, worker: worker)
        let marks: Set<String> = [
            "ESPIPE", "EAGAIN", "EPERM", "EINVAL", "ok:fcntl", "ok:read", "ok:write", "empty", "asleep", "ok:poll", "ok:select", "ok:writev", "ok:readv", "ok:dup", "ok:fstat",
        ]
        #expect(marks.isSubset(of: seen), "pipe-descriptors never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theRobustPollingReaderPasses() throws {
        _ = try ScenarioRuns.reached("pipe-robust-polling-reader", seeds: 5000..<5010, worker: worker)
    }

    @Test func theFragileReaderThatTakesEAGAINForEndOfFileIsCaught() throws {
        let scenario = try #require(Scenarios.named("pipe-fragile-eof-on-eagain"))
        #expect(scenario.isBroken)
        var caught = 0
        for seed in UInt64(5000)..<5010 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            if result.report.result == .violation { caught += 1 }
        }
        #expect(caught > 0, "no run of 10 caught the reader that takes EAGAIN for end of file")
    }
}
