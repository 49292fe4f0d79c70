import IPCHarness
import Testing

/// `unix-nonblocking-listener` and its fragile twin run for real with fixed seeds: the server that sets `O_NONBLOCK`
/// on its listener with `F_SETFL` (or `FIONBIO`) shows no violation and reaches an accept's `EAGAIN`, an accept, a
/// blocking receive on what it accepted and `F_GETFL`; the server that takes an accepted socket for nonblocking too
/// (BSD's rule) is caught reporting `EAGAIN` for a blocking receive.
@Suite struct UnixSocketNonblockScenarioTests {
    @Test func theServerShowsNoViolationAndReachesItsCalls() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("unix-nonblocking-listener", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["EAGAIN:accept", "ok:accept", "ok:receive", "ok:fcntl"]
        #expect(marks.isSubset(of: seen), "never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theServerBelievingAcceptedSocketsInheritTheFlagIsCaught() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        #expect(try ScenarioRuns.caught("unix-fragile-accept-inherits-nonblocking", seeds: 5000..<5010, worker: worker) >= 3)
    }
}
