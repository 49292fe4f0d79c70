import IPCHarness
import IPCModels
import Testing

/// `pipe-epoll` run for real with fixed seeds: no violation, and its runs reach `epoll_ctl`'s errors, successful
/// waits that report events, and waits that report nothing.
@Suite struct PipeEpollScenarioTests {
    @Test func theEpollScenarioShowsNoViolationAndReachesItsOutcomes() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("pipe-epoll", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_ctl", "ok:epoll_wait", "EEXIST:epoll_ctl", "ENOENT:epoll_ctl", "EINVAL:epoll_ctl", "EINVAL:epoll_wait", "ok:write", "ok:read"]
        #expect(marks.isSubset(of: seen), "pipe-epoll never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        // Waits that report something, and ones that report nothing (in the workloads' traces).
        var reports: Set<Bool> = []
        for value in try ScenarioRuns.successValues("pipe-epoll", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            if case .array(let events)? = value["events"] { reports.insert(!events.isEmpty) }
        }
        #expect(reports == [true, false], "pipe-epoll's waits: \(reports)")
    }
}
