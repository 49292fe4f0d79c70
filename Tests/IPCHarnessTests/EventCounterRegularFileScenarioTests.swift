import IPCHarness
import IPCModels
import Testing

/// `eventfd-robust-epoll-regular-file` and its fragile twin run for real with fixed seeds: the event loop that tries to
/// register a regular file beside its eventfd shows no violation and reaches the kernel's `EPERM` (the file has no
/// `poll`) and `EINVAL` (a wait through the eventfd, which is no instance) beside its reports and reads; the loop that
/// takes its unchecked ADD of the file for done is caught.
@Suite struct EventCounterRegularFileScenarioTests {
    @Test func theLoopHandedARegularFileShowsNoViolationAndReachesItsOutcomes() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("eventfd-robust-epoll-regular-file", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_ctl", "EPERM:epoll_ctl", "ok:epoll_wait", "EINVAL:epoll_wait", "ok:read", "ok:write"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theLoopTrustingItsRegularFileADDIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("eventfd-fragile-epoll-regular-file", seeds: 5000..<5010, worker: worker) == 10)
    }
}
