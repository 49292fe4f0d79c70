import IPCHarness
import IPCModels
import Testing

/// `fifo-robust-nested-epoll` and its fragile twin run for real with fixed seeds: the robust event loop shows no
/// violation and reaches the main instance reporting the nested one, the nested one reporting the read end, and reads
/// of data; the fragile dispatcher, which drains the nested instance behind its recorded calls, is caught.
@Suite struct FIFONestedEpollScenarioTests {
    @Test func theRobustLoopShowsNoViolationAndReachesItsReports() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("fifo-robust-nested-epoll", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:open", "ok:epoll_wait", "ok:epoll_ctl", "ok:epoll_create1", "ok:read", "EAGAIN:read", "ok:close"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var named: Set<String> = []
        for value in try ScenarioRuns.successValues("fifo-robust-nested-epoll", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            guard case .array(let events)? = value["events"] else { continue }
            for event in events { if case .string(let name)? = event["end"] { named.insert(name) } }
        }
        #expect(named == ["conn", "read"], "reports named \(named.sorted())")
    }

    @Test func theFragileDispatcherIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("fifo-fragile-nested-epoll-dispatch", seeds: 5000..<5010, worker: worker) >= 5)
    }
}
