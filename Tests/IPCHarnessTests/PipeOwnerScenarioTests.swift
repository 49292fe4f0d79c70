import IPCHarness
import IPCModels
import Testing

/// `pipe-owner` run for real with fixed seeds: no violation, and its runs reach `F_SETOWN`'s `ESRCH`, `F_SETSIG`'s
/// `EINVAL`, `F_GETOWN` reporting each kind of owner, and `F_GETOWN_EX` each type.
@Suite struct PipeOwnerScenarioTests {
    @Test func theOwnerScenarioShowsNoViolationAndReachesItsOutcomes() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let seen = try ScenarioRuns.reached("pipe-owner", seeds: 5000..<5010, worker: worker)
        let marks: Set<String> = ["ok:fcntl", "ESRCH:fcntl", "EINVAL:fcntl", "ok:write", "ok:read"]
        #expect(marks.isSubset(of: seen), "pipe-owner never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
        var owners: Set<String> = []
        var types: Set<String> = []
        for value in try ScenarioRuns.successValues("pipe-owner", f: "fcntl", seeds: 5000..<5010, worker: worker) {
            if case .string(let owner)? = value["owner"] { owners.insert(owner) }
            if case .string(let type)? = value["type"] { types.insert(type) }
        }
        #expect(owners == ["none", "process", "group", "other"], "pipe-owner's F_GETOWN reports: \(owners.sorted())")
        #expect(types == ["tid", "pid", "pgrp"], "pipe-owner's F_GETOWN_EX reports: \(types.sorted())")
    }
}
