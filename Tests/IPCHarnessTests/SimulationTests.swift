import Glibc
import IPCHarness
import IPCModels
import Testing

/// Whole simulated runs of the reference implementations: correct constructions pass, broken twins are caught,
/// a seed fixes the run, and a trace replays exactly.
@Suite struct SimulationTests {
    let directory = "/tmp/ipc-harness-sim-\(getpid())"

    func options(seed: UInt64, runs: Int, strategy: StrategySpec = .random) -> RunOptions {
        RunOptions(seed: seed, runs: runs, strategy: strategy, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60), mode: .sim)
    }

    static let quickCorrect = [
        "toctou-copy", "revocation-commit", "queues-per-consumer", "credits-ring", "spsc-ring", "hybrid", "seqlock",
    ]

    @Test(arguments: quickCorrect)
    func correctConstructionsShowNoViolation(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(!scenario.isBroken)
        for strategy in [StrategySpec.random, .pct(depth: 3)] {
            let summary = try ScenarioRunner.run(scenario, options: options(seed: 300, runs: 60, strategy: strategy), worker: nil)
            #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
            #expect(summary.unknowns == 0)
        }
    }

    /// Each broken twin, and what its explanation must name.
    static let brokenTwins: [(String, String)] = [
        ("toctou-shm", "object r0: no linearization"), ("revocation-entry-broken", "revoke →"),
        ("hol-shared-ring", "starvation: process"), ("spsc-ring-broken", "object q0: no linearization"),
        ("hybrid-broken", "object h0: no linearization"), ("seqlock-broken", "object m0: no linearization"),
    ]

    @Test(arguments: brokenTwins)
    func brokenTwinsAreCaughtAndReplayExactly(name: String, finding: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(scenario.isBroken)
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 400, runs: 200), worker: nil)
        let violation = try #require(summary.firstViolation, "\(name) ran \(summary.runs) times without being caught")
        defer { unlink(violation.path) }
        #expect(violation.explanation.contains(finding), "\(violation.explanation)")
        let replay = try Replayer.replay(path: violation.path, worker: WorkerCommand(path: "/nonexistent"), checkBudget: CheckBudget(seconds: 60))
        #expect(replay.recordedVerdict == .violation)
        #expect(replay.result.report.result == .violation)
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.trace.events == (try Trace.load(path: violation.path)).events)
    }

    /// The ABA scenarios are long (thousands of steps per run): the correct ones for a few runs, the broken ones
    /// at a run seed where they are caught.
    @Test func sixtyFourBitVersionsNeverShowABA() throws {
        for name in ["aba-tagged64", "aba-mailbox-seq64"] {
            let summary = try ScenarioRunner.run(try #require(Scenarios.named(name)), options: options(seed: 1, runs: 3), worker: nil)
            #expect(summary.violations == 0, "\(name): \(summary.firstViolation?.explanation ?? "")")
        }
    }

    @Test(arguments: [("aba-tag8-broken", UInt64(16_500_762_784_130_658_251), "aba: process 1's compare-and-swap")])
    func narrowTagsWrapInsideAPreemptionWindow(name: String, seed: UInt64, finding: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60))
        #expect(result.report.result == .violation)
        #expect(result.report.explanation.contains(finding), "\(result.report.explanation)")
        // The same word, with a 48-bit tag, under the very same schedule: no ABA.
        let wide = try ScenarioRunner.runOnce(
            try #require(Scenarios.named("aba-tagged64")), seed: seed, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60))
        #expect(wide.report.result == .ok, "\(wide.report.explanation)")
    }

    @Test func aSeedFixesTheWholeRun() throws {
        let scenario = try #require(Scenarios.named("credits-ring"))
        func trace(_ seed: UInt64, _ strategy: StrategySpec) throws -> Trace {
            try ScenarioRunner.runOnce(scenario, seed: seed, strategy: strategy, worker: nil, checkBudget: .standard).trace
        }
        #expect(try trace(9, .random) == trace(9, .random))
        #expect(try trace(9, .pct(depth: 2)) == trace(9, .pct(depth: 2)))
        #expect(try trace(9, .random).events != trace(10, .random).events)
        #expect(try trace(9, .random).events != trace(9, .pct(depth: 2)).events)
    }

    @Test func everyAccessIsAScheduleEventAndTheHeaderSaysSim() throws {
        let result = try ScenarioRunner.runOnce(try #require(Scenarios.named("spsc-ring")), seed: 3, strategy: .random, worker: nil, checkBudget: .standard)
        let trace = result.trace
        #expect(trace.header.mode == "sim")
        #expect(trace.header.extra["sim"] != nil)
        let steps = trace.events.filter { $0.type == .schedule }
        #expect(!steps.isEmpty)
        #expect(steps.allSatisfy { $0.value?["access"]?["op"] != nil })
        // Times are step numbers: every schedule event has its own.
        #expect(Set(steps.map(\.time)).count == steps.count)
        let invokes = trace.events.filter { $0.type == .invoke }.count
        let completions = trace.events.filter { [.ok, .fail, .info].contains($0.type) }.count
        #expect(invokes == completions)
    }

    @Test func aVirtualKillEndsTheProcessAndItsOperationBecomesIndeterminate() throws {
        let scenario = try #require(Scenarios.named("spsc-ring"))
        var found = false
        for run in 0..<200 where !found {
            let seed = SeededGenerator.runSeed(base: 21, run: run)
            let trace = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: nil, checkBudget: .standard).trace
            guard let kill = trace.events.first(where: { $0.type == .kill }) else { continue }
            found = true
            let after = trace.events.filter { $0.process == kill.process && $0.index > kill.index }
            if kill.point == "during" { #expect(after.first?.type == .info) }
            #expect(after.last?.type == .exit)
            #expect(after.last?.value == ["signal": "SIGKILL"])
            #expect(!after.contains { $0.type == .invoke || $0.type == .schedule })
            #expect(try TraceChecker.check(trace).result == .ok)
            // And it replays: the kill where it was.
            let path = "\(directory)/kill-\(seed).jsonl"
            try trace.write(to: path)
            defer { unlink(path) }
            let replay = try Replayer.replay(path: path, worker: WorkerCommand(path: "/nonexistent"), checkBudget: .standard)
            #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        }
        #expect(found, "no run of 200 had a virtual kill")
    }
}
