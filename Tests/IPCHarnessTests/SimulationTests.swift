import Glibc
import IPCHarness
import IPCModels
import Testing

/// Whole simulated runs of the reference implementations: correct constructions pass under both memory models,
/// broken twins are caught (the weak-memory twins only under weak memory), a seed fixes the run, and a trace replays
/// exactly.
@Suite struct SimulationTests {
    let directory = "/tmp/ipc-harness-sim-\(getpid())"

    init() throws {
        try KindRegistry.register(TestTokenKind.self)
    }

    func options(seed: UInt64, runs: Int, strategy: StrategySpec = .random, memory: MemoryModel? = nil) -> RunOptions {
        RunOptions(
            seed: seed, runs: runs, strategy: strategy, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60), mode: .sim,
            memory: memory)
    }

    static let quickCorrect = [
        "toctou-copy", "revocation-commit", "queues-per-consumer", "credits-ring", "spsc-ring", "hybrid", "seqlock",
    ]

    @Test(arguments: quickCorrect)
    func correctConstructionsShowNoViolation(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(!scenario.isBroken)
        for (strategy, memory) in [(StrategySpec.random, MemoryModel.standard), (.pct(depth: 3), .standard), (.random, .sequentiallyConsistent)] {
            let summary = try ScenarioRunner.run(scenario, options: options(seed: 300, runs: 60, strategy: strategy, memory: memory), worker: nil)
            #expect(summary.violations == 0, "\(strategy) \(memory): \(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
            #expect(summary.unknowns == 0)
        }
    }

    /// Each broken twin, and what its explanation must name.
    static let brokenTwins: [(String, String)] = [
        ("toctou-shm", "object r0: no linearization"), ("revocation-entry-broken", "revoke →"),
        ("hol-shared-ring", "starvation: process"), ("spsc-ring-broken", "object q0: no linearization"),
        ("hybrid-broken", "object h0: no linearization"), ("seqlock-broken", "object m0: no linearization"),
        ("spsc-ring-relaxed-broken", "WEAK MEMORY: the operations above made"), ("seqlock-no-fence-broken", "object m0: no linearization"),
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

    /// Caught at a run seed found by `ipc-harness run NAME --seed 1`; the same run seed with the wide twin is clean.
    @Test(arguments: [
        ("aba-tag8-broken", "aba-tagged64", UInt64(6_646_069_878_398_713_791), "aba: process 1's compare-and-swap"),
        ("aba-mailbox-seq8-broken", "aba-mailbox-seq64", UInt64(14_650_556_251_381_858_825), "changed 256 times in between"),
    ])
    func narrowTagsWrapInsideAPreemptionWindow(name: String, wideTwin: String, seed: UInt64, finding: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60))
        #expect(result.report.result == .violation)
        #expect(result.report.explanation.contains(finding), "\(result.report.explanation)")
        // The same word, 64 bits wide, with the very same workload and choices: no ABA.
        let wide = try ScenarioRunner.runOnce(
            try #require(Scenarios.named(wideTwin)), seed: seed, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60))
        #expect(wide.report.result == .ok, "\(wide.report.explanation)")
    }

    /// The twins that publish or re-check without the ordering the C11 model needs are correct under sequential
    /// consistency: there, no schedule breaks them (it takes a load seeing a store late).
    @Test(arguments: ["spsc-ring-relaxed-broken", "seqlock-no-fence-broken"])
    func weakMemoryTwinsAreCorrectUnderSequentialConsistency(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 500, runs: 300, memory: .sequentiallyConsistent), worker: nil)
        #expect(summary.violations == 0, "\(summary.firstViolation?.explanation ?? "")")
        let weak = try ScenarioRunner.run(scenario, options: options(seed: 500, runs: 300), worker: nil)
        #expect(weak.firstViolation != nil)
    }

    /// The relaxed publication's verdict names the load that missed the payload's store, and the store.
    @Test func aReorderingIsExplainedByTheStoreSeenLate() throws {
        let summary = try ScenarioRunner.run(
            try #require(Scenarios.named("spsc-ring-relaxed-broken")), options: options(seed: 1, runs: 200), worker: nil)
        let violation = try #require(summary.firstViolation)
        defer { unlink(violation.path) }
        let note = try #require(violation.explanation.split(separator: "\n").map(String.init).first { $0.hasPrefix("WEAK MEMORY:") })
        #expect(note.contains("process 2's relaxed load at offset"), "\(note)")
        #expect(note.contains("although process 1 had stored"), "\(note)")
        let trace = try Trace.load(path: violation.path)
        #expect(trace.events.contains { $0.type == .schedule && $0.value?["access"]?["stale"] == .int(1) })
        #expect(trace.header.extra["sim"]?["memory"] == "weak")
    }

    /// The simulation's own exhaustive search: every schedule of a small workload within the bound, one per run,
    /// which finds the publish-first ring's bug and, for the correct ring, ends having found none.
    @Test func exhaustiveExplorationFindsTheBugAndCompletesOnTheCorrectRing() throws {
        let broken = try ScenarioRunner.run(
            try #require(Scenarios.named("spsc-ring-broken")),
            options: options(seed: 3, runs: 5_000, strategy: .exhaustive(preemptions: 1), memory: .sequentiallyConsistent), worker: nil)
        #expect(broken.firstViolation != nil)
        let correct = try ScenarioRunner.run(
            TestTokenKind.scenario("test.futex-token", rounds: 2),
            options: options(seed: 3, runs: 5_000, strategy: .exhaustive(preemptions: 2)), worker: nil)
        #expect(correct.violations == 0 && correct.unknowns == 0, "\(correct.firstViolation?.explanation ?? correct.firstUnknown?.explanation ?? "")")
        #expect(correct.explorationComplete == true)
        #expect(correct.runs > 10)
    }

    /// Blocking through the protocol's futex: a taker asleep until a token comes; the twin that never wakes leaves
    /// it asleep for ever, which the simulation reports as a hang (no process is left to wake it).
    @Test func aWaitIsWokenAndALostWakeupIsAHang() throws {
        let correct = try ScenarioRunner.run(TestTokenKind.scenario("test.futex-token"), options: options(seed: 9, runs: 200), worker: nil)
        #expect(correct.violations == 0 && correct.unknowns == 0, "\(correct.firstUnknown?.explanation ?? "")")
        let lost = try ScenarioRunner.run(
            TestTokenKind.scenario("test.futex-token-lost-wakeup"), options: options(seed: 9, runs: 200), worker: nil)
        let hang = try #require(lost.firstUnknown)
        #expect(hang.explanation.hasPrefix("HANG: process 1 hung in 'receive' on t0"), "\(hang.explanation)")
        #expect(hang.explanation.contains("no process was left to wake it"), "\(hang.explanation)")
        let replay = try Replayer.replay(path: hang.path, worker: WorkerCommand(path: "/nonexistent"), checkBudget: .standard)
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .unknown)
    }

    /// A trap in the code under test (an index out of range) and an access outside the region end the virtual
    /// process that made them, as a crash the verdict names — and the harness goes on.
    @Test func aCrashInsideAVirtualProcessIsAViolationNotAHarnessCrash() throws {
        let trap = try ScenarioRunner.run(TestTokenKind.scenario("test.trusting-index", rounds: 40), options: options(seed: 1, runs: 20), worker: nil)
        let crash = try #require(trap.firstViolation)
        #expect(crash.explanation.hasPrefix("CRASH: process 1 crashed"), "\(crash.explanation)")
        #expect(crash.explanation.contains("a Swift runtime trap"), "\(crash.explanation)")
        let outside = try ScenarioRunner.run(TestTokenKind.scenario("test.outside-region"), options: options(seed: 1, runs: 1), worker: nil)
        let segfault = try #require(outside.firstViolation)
        #expect(segfault.explanation.contains("SIGSEGV, a load at offset 4096, outside the region of 256 bytes of t0"), "\(segfault.explanation)")
        // And replays to the same crash.
        let replay = try Replayer.replay(path: segfault.path, worker: WorkerCommand(path: "/nonexistent"), checkBudget: .standard)
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .violation)
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
        #expect(trace.header.extra["workload"] != nil)
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
