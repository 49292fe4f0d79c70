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
        let caught = try ScenarioRuns.caught("pipe-fragile-eof-on-eagain", seeds: 5000..<5010, worker: worker)
        #expect(caught > 0, "no run of 10 caught the reader that takes EAGAIN for end of file")
    }
}
