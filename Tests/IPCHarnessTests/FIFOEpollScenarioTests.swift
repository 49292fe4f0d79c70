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

    /// `fifo-robust-epoll-dup-outlives-close`: the registered dup closed, the consumer's waits still report the
    /// read end (the registration lives while the description does) and the model judges them — no violation; its
    /// fragile twin, which drops those reports as stale, is caught.
    @Test func theRegistrationOutlivingItsDescriptorIsReportedAndJudged() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("fifo-robust-epoll-dup-outlives-close", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:dup", "ok:epoll_ctl", "ok:epoll_wait", "ok:close", "ok:read"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        #expect(try ScenarioRuns.caught("fifo-fragile-epoll-close-unregisters", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
