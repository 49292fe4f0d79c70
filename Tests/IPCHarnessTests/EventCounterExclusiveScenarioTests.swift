import IPCHarness
import IPCModels
import Testing

/// `eventfd-robust-epoll-exclusive-pool` and its fragile twin run for real with fixed seeds: the pool of `EPOLLEXCLUSIVE`
/// consumers shows no violation — its waits sometimes sleep, when a write's wake may stop at another consumer's entry —
/// and reaches MOD's `EINVAL`, reports and empty waits, and reads that find the count taken; the consumer that takes
/// its unchecked MOD for done is caught.
@Suite struct EventCounterExclusiveScenarioTests {
    @Test func theExclusivePoolShowsNoViolationAndReachesItsOutcomes() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("eventfd-robust-epoll-exclusive-pool", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_ctl", "EINVAL:epoll_ctl", "ok:epoll_wait", "ok:read", "EAGAIN:read", "ok:write"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var reports: Set<Bool> = []
        for value in try ScenarioRuns.successValues("eventfd-robust-epoll-exclusive-pool", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            if case .array(let events)? = value["events"] { reports.insert(!events.isEmpty) }
        }
        #expect(reports == [true, false], "the pool's waits: \(reports)")
    }

    @Test func theConsumerTrustingItsExclusiveMODIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("eventfd-fragile-epoll-exclusive-mod", seeds: 5000..<5010, worker: worker) >= 8)
    }
}
