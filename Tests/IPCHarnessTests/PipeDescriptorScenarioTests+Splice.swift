import IPCHarness
import IPCModels
import Testing

/// `pipe-splice` run for real with fixed seeds (random and PCT schedules): no violation, and its `splice`, `tee` and
/// `vmsplice` calls succeed, sleep, and meet the errors they are about. The writer that takes a `vmsplice` to lend all
/// its bytes is caught; its twin, which reports the kernel's counts, short ones among them, is not.
/// (They share `PipeDescriptorScenarioTests`' worker.)
extension PipeDescriptorScenarioTests {
    @Test func theRobustVmspliceWriterPassesAndMeetsShortCounts() throws {
        let scenario = try #require(Scenarios.named("pipe-robust-vmsplice-counts"))
        var short = 0
        for seed in UInt64(5000)..<5008 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            #expect(result.report.result == .ok, "seed \(seed): \(result.report.explanation)")
            var asked: [Int: Int] = [:]
            for event in result.trace.events where event.f == "vmsplice" {
                let value: JSONValue? = event.value
                if event.type == .invoke, let pieces = try? value.required("iov").elements("iov") {
                    var total = 0
                    for piece in pieces { total += (try? piece.payload("iov"))?.count ?? 0 }
                    asked[event.process] = total
                }
                if event.type == .ok, let count = try? value.required("count").integer("count"),
                    let total = asked[event.process], count < total
                {
                    short += 1
                }
            }
        }
        #expect(short > 0, "no vmsplice of 8 runs lent fewer bytes than it was given")
    }

    @Test func theFragileWriterThatTakesAVmspliceWholeIsCaught() throws {
        let caught = try ScenarioRuns.caught("pipe-fragile-vmsplice-assumes-whole", seeds: 5000..<5008, worker: worker)
        #expect(caught > 0, "no run of 8 caught the writer that takes a vmsplice whole")
    }

    @Test func spliceCallsShowNoViolationAndReachTheirOutcomes() throws {
        let seen = try ScenarioRuns.reached("pipe-splice", seeds: 5000..<5012, worker: worker)
        let marks: Set<String> = ["ok:splice", "ok:tee", "ok:vmsplice", "EAGAIN", "EINVAL", "EPIPE", "asleep"]
        #expect(
            marks.isSubset(of: seen),
            "pipe-splice never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }
}
