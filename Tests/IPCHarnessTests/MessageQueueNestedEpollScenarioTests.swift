import IPCHarness
import IPCModels
import Testing

/// `posix-mq-robust-nested-epoll` and its fragile twin run for real with fixed seeds: the robust event loop shows no
/// violation and reaches the main instance reporting the nested one, the nested one reporting the queue, and receives
/// of messages; the fragile dispatcher, which drains the nested instance behind its recorded calls, is caught.
@Suite struct MessageQueueNestedEpollScenarioTests {
    @Test func theRobustLoopShowsNoViolationAndReachesItsReports() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("posix-mq-robust-nested-epoll", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_wait", "ok:epoll_ctl", "ok:epoll_create1", "ok:receive", "EAGAIN:receive", "ok:close"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var named: Set<String> = []
        for value in try ScenarioRuns.successValues("posix-mq-robust-nested-epoll", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            guard case .array(let events)? = value["events"] else { continue }
            for event in events {
                if case .string(let name)? = event["target"] { named.insert(name) } else { named.insert("queue") }  // absent: the queue
            }
        }
        #expect(named == ["conn", "queue"], "reports named \(named.sorted())")
    }

    @Test func theFragileDispatcherIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("posix-mq-fragile-nested-epoll-dispatch", seeds: 5000..<5010, worker: worker) >= 5)
    }
}
