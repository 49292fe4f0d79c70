import IPCHarness
import IPCModels
import Testing

/// `eventfd-robust-nested-epoll` and its fragile twin run for real with fixed seeds: the robust event loop shows no
/// violation and reaches the main instance reporting the nested one, the nested one reporting the eventfd, and reads
/// of the counter; the fragile dispatcher, which drains the nested instance behind its recorded calls, is caught.
@Suite struct EventCounterNestedEpollScenarioTests {
    @Test func theRobustLoopShowsNoViolationAndReachesItsReports() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("eventfd-robust-nested-epoll", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_wait", "ok:epoll_ctl", "ok:epoll_create1", "ok:read", "EAGAIN:read", "ok:close", "ok:write"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var named: Set<String> = []
        for value in try ScenarioRuns.successValues("eventfd-robust-nested-epoll", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            guard case .array(let events)? = value["events"] else { continue }
            for event in events {
                if case .string(let name)? = event["target"] { named.insert(name) } else { named.insert("eventfd") }
            }
        }
        #expect(named == ["source", "eventfd"], "reports named \(named.sorted())")
    }

    @Test func theFragileDispatcherIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("eventfd-fragile-nested-epoll-dispatch", seeds: 5000..<5010, worker: worker) >= 5)
    }
}
