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
        let scenario = try #require(Scenarios.named("pipe-epoll"))
        var reports: Set<Bool> = []
        for seed: UInt64 in 5000..<5010 {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            for event in result.trace.events where event.type == .ok && event.f == "epoll_wait" {
                if case .array(let events)? = event.value?["events"] { reports.insert(!events.isEmpty) }
            }
        }
        #expect(reports == [true, false], "pipe-epoll's waits: \(reports)")
    }
}
