import IPCHarness
import IPCModels
import Testing

/// `fifo-robust-epoll-consumer` and its fragile twin run for real with fixed seeds: the robust consumer shows no
/// violation and meets the FIFO's epoll facts — a wait with nothing to report, `EPOLLHUP` after a producer's close,
/// a producer's `ENXIO` before the consumer opened — and reads data; the fragile one, which takes the first
/// `EPOLLHUP` for the end of the stream, is caught.
@Suite struct FIFOEpollScenarioTests {
    @Test func theRobustConsumerShowsNoViolationAndMeetsTheHangUp() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("fifo-robust-epoll-consumer", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:epoll_ctl", "ok:epoll_wait", "ok:read", "ok:open"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var reported: Set<String> = []
        for value in try ScenarioRuns.successValues("fifo-robust-epoll-consumer", f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            guard case .array(let events)? = value["events"] else { continue }
            if events.isEmpty { reported.insert("nothing") }
            for event in events {
                if case .array(let bits)? = event["events"] { for case .string(let bit) in bits { reported.insert(bit) } }
            }
        }
        #expect(reported.isSuperset(of: ["nothing", "EPOLLIN", "EPOLLHUP"]), "epoll_wait reported \(reported.sorted())")
    }

    @Test func theFragileConsumerIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("fifo-fragile-epoll-hangup-is-final", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
