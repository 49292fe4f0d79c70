import IPCHarness
import IPCModels
import Testing

/// `pipe-robust-dup3` run for real with fixed seeds (random and PCT schedules): no violation, and its `dup2`, `dup3`,
/// `F_GETFD` and `F_SETFD` calls succeed and meet the errors they are about (`dup3` onto itself `EINVAL`, `EBADF` once
/// the end is gone, `EPIPE` once no read end is left). The process whose `dup3` is `dup2` and `F_SETFD`
/// is caught. (They share `PipeDescriptorScenarioTests`' worker.)
extension PipeDescriptorScenarioTests {
    @Test func theRobustDup3ScenarioPassesAndReachesItsOutcomes() throws {
        let seen = try ScenarioRuns.reached("pipe-robust-dup3", seeds: 5000..<5008, worker: worker)
        let marks: Set<String> = ["ok:dup2", "ok:dup3", "EINVAL:dup3", "EBADF:dup2", "ok:fcntl", "EPIPE:write"]
        #expect(marks.isSubset(of: seen), "pipe-robust-dup3 never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }

    @Test func theFragileDup3EmulationIsCaught() throws {
        let caught = try ScenarioRuns.caught("pipe-fragile-dup3-emulated", seeds: 5000..<5008, worker: worker)
        #expect(caught > 0, "no run of 8 caught the dup3 made of dup2 and F_SETFD")
    }
}
