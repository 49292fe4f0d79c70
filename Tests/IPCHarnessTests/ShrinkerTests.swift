import Glibc
import IPCHarness
import IPCModels
import Testing

/// Shrinking keeps the failure and loses the rest.
@Suite struct ShrinkerTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    @Test(arguments: ["pipe-broken-reorders", "pipe-broken-drops-tail"])
    func aBrokenScenariosTraceShrinksAndStillFailsTheSameWay(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        var found: RunResult?
        for run in 0..<20 where found == nil {
            let result = try ScenarioRunner.runOnce(scenario, seed: UInt64(300 + run), strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            if result.report.result == .violation { found = result }
        }
        let original = try #require(found)
        let shrunk = try Shrinker.shrink(original.trace, worker: worker, timeLimitSeconds: 60)
        #expect(shrunk.result.report.result == .violation)
        #expect(shrunk.eventsAfter < shrunk.eventsBefore)
        #expect(Shrinker.signatures(of: shrunk.result.report, in: shrunk.result.trace).contains { Shrinker.signatures(of: original.report, in: original.trace).contains($0) })
        // The shrunk trace replays to the same verdict.
        let replay = try Replayer.replay(shrunk.result.trace, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.result.report.result == .violation)
    }

    /// Simulated broken twins, one caught by an invariant (head-of-line blocking) rather than the model.
    @Test(arguments: ["spsc-ring-broken", "revocation-entry-broken", "hol-shared-ring"])
    func aSimulationTraceShrinksInTheSimulatorAndReplaysExactly(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        var found: RunResult?
        for run in 0..<200 where found == nil {
            let result = try ScenarioRunner.runOnce(scenario, seed: UInt64(500 + run), strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60), mode: .sim)
            if result.report.result == .violation { found = result }
        }
        let original = try #require(found)
        let shrunk = try Shrinker.shrink(original.trace, worker: worker, timeLimitSeconds: 60)
        #expect(shrunk.result.report.result == .violation)
        #expect(shrunk.eventsAfter < shrunk.eventsBefore)
        #expect(shrunk.result.trace.header.mode == "sim")
        let before = Set(Shrinker.signatures(of: original.report, in: original.trace))
        #expect(Shrinker.signatures(of: shrunk.result.report, in: shrunk.result.trace).contains(where: before.contains))
        let replay = try Replayer.replay(try Trace.parse(shrunk.result.trace.serialized()), worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .violation)
        #expect(replay.result.trace.events == shrunk.result.trace.events)
    }

    /// A passing trace is not bad input: there is nothing to shrink, its verdict stands (exit status 0, as `check`).
    @Test func aPassingTraceIsLeftAsItIs() throws {
        let scenario = try #require(Scenarios.named("pipe-basic"))
        let passing = try ScenarioRunner.runOnce(scenario, seed: 5, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(passing.report.result == .ok)
        let shrunk = try Shrinker.shrink(passing.trace, worker: worker)
        #expect(shrunk.unshrunk?.hasPrefix("nothing to shrink") == true)
        #expect(shrunk.candidates == 0)
        #expect(shrunk.result.report.result == .ok)
    }
}
