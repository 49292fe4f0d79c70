import IPCHarness
import IPCModels
import Testing

/// The epoll scenarios (`pipe-epoll`, `eventfd-epoll`, `unix-stream-epoll`, `unix-dgram-epoll`, `unix-seqpacket-epoll`,
/// `unix-stream-listener-epoll`, `unix-seqpacket-listener-epoll`, `posix-mq-epoll`) run for real with fixed seeds: no
/// violation, and their runs reach `epoll_ctl`'s errors, the object's own calls, successful waits that report events,
/// and waits that report nothing.
@Suite struct PipeEpollScenarioTests {
    static let scenarios: [(name: String, calls: [String])] = [
        ("pipe-epoll", ["ok:write", "ok:read"]), ("eventfd-epoll", ["ok:write", "ok:read", "ok:close"]),
        ("unix-stream-epoll", ["ok:send", "ok:receive", "ok:shutdown", "ok:close"]),
        ("unix-dgram-epoll", ["ok:send", "ok:receive", "ok:shutdown", "ok:close", "EPIPE:send"]),
        ("unix-seqpacket-epoll", ["ok:send", "ok:receive", "ok:shutdown", "ok:close", "EPIPE:send"]),
        ("unix-stream-listener-epoll", ["ok:connect", "ok:accept", "EAGAIN:accept", "ok:send", "ok:receive", "ok:listen"]),
        ("unix-seqpacket-listener-epoll", ["ok:connect", "ok:accept", "EAGAIN:accept", "ok:send", "ok:receive", "ok:listen"]),
        ("posix-mq-epoll", ["ok:send", "ok:receive", "EMSGSIZE:send", "EMSGSIZE:receive", "ok:setattr", "ok:close", "EBADF:epoll_ctl"]),
    ]

    @Test(arguments: scenarios.map(\.name))
    func theEpollScenarioShowsNoViolationAndReachesItsOutcomes(scenario: String) throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached(scenario, seeds: 5000..<5010, worker: worker)
        let calls = Self.scenarios.first { $0.name == scenario }!.calls
        let marks = Set(["ok:epoll_ctl", "ok:epoll_wait", "EEXIST:epoll_ctl", "ENOENT:epoll_ctl", "EINVAL:epoll_ctl", "EINVAL:epoll_wait"] + calls)
        #expect(marks.isSubset(of: seen), "\(scenario) never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        // Waits that report something, and ones that report nothing (in the workloads' traces).
        var reports: Set<Bool> = []
        for value in try ScenarioRuns.successValues(scenario, f: "epoll_wait", seeds: 5000..<5010, worker: worker) {
            if case .array(let events)? = value["events"] { reports.insert(!events.isEmpty) }
        }
        #expect(reports == [true, false], "\(scenario)'s waits: \(reports)")
    }
}
