import IPCHarness
import Testing

/// `unix-dgram-server-epoll` and its fragile twin run for real with fixed seeds: the bound datagram server and its
/// clients driven by epoll show no violation and reach a send's `EAGAIN` (the server's queue full), sends, waits and
/// receives; the clients whose event loop keeps a socket writable from its last `EPOLLOUT` until its own `EAGAIN` are
/// caught reporting `EPOLLOUT` while the server's queue, filled by the others, is full.
@Suite struct UnixSocketDatagramServerScenarioTests {
    @Test func theServerAndClientsShowNoViolationAndReachTheFullQueue() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("unix-dgram-server-epoll", seeds: 5000..<5006, worker: worker)
        let marks: Set<String> = ["EAGAIN:send", "ok:send", "ok:epoll_wait", "ok:receive", "ok:connect"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theClientsBelievingWritabilitySticksAreCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("unix-fragile-dgram-sticky-writable", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
