@testable import IPCHarness
import IPCModels
import Testing

/// Issue 17's arms (``GenerationArms``): which way of generating a scenario's fresh runs comes nearest its bugs,
/// learned from the runs, and the choices they steer (the slow process, `take-and-die`).
@Suite struct GenerationArmsTests {
    let slowVictim = GenerationArm(mode: .sim, pct: false, slowProcess: 1)
    let slowOther = GenerationArm(mode: .sim, pct: false, slowProcess: 2)
    let pct = GenerationArm(mode: .sim, pct: true)

    func arms(learning processes: [Int]) -> GenerationArms {
        var arms = GenerationArms()
        var trace = Trace(header: Trace.Header(model: "m", parameters: .null, mechanism: "m", seed: "1", strategy: "random", mode: "sim"))
        trace.events = processes.enumerated().map { Trace.Event(index: $0.offset, time: 0, process: $0.element, type: .invoke, f: "x", object: "o") }
        arms.learnProcesses(of: trace)
        return arms
    }

    @Test func theArmsAreTheModesStrategiesSlowProcessesAndFaults() {
        #expect(GenerationArms().candidates(modes: [.sim], faultable: false) == [pct, GenerationArm(mode: .sim, pct: false)])
        #expect(arms(learning: [2, 1]).candidates(modes: [.sim], faultable: false) == [pct, slowVictim, slowOther])
        #expect(GenerationArms().candidates(modes: [.real], faultable: true).count == 4, "random and PCT, each with own or swarm faults")
        #expect(GenerationArms().candidates(modes: [.real], faultable: false).count == 2)
    }

    @Test func theArmWhoseRunsComeNearGetsMostFreshRuns() {
        var arms = arms(learning: [1, 2])
        // An ABA's approach: wide windows when the victim is slow, narrow ones otherwise.
        for round in 0..<6 {
            arms.record(slowVictim, metrics: ["aba.approach": 150 + round], violation: false, novel: false)
            arms.record(slowOther, metrics: ["aba.approach": 3], violation: false, novel: false)
            arms.record(pct, metrics: ["aba.approach": round % 2], violation: false, novel: false)
        }
        var generator = SeededGenerator(seed: 3)
        let picks = (0..<200).map { _ in arms.choose(modes: [.sim], faultable: false, &generator) }
        #expect(picks.count { $0 == slowVictim } > 170, "\(picks.count { $0 == slowVictim }) of 200")
        // After one run each, the others are still tried now and then.
        var early = self.arms(learning: [1, 2])
        early.record(slowVictim, metrics: ["aba.approach": 150], violation: false, novel: false)
        early.record(slowOther, metrics: ["aba.approach": 3], violation: false, novel: false)
        early.record(pct, metrics: ["aba.approach": 0], violation: false, novel: false)
        let earlyPicks = (0..<200).map { _ in early.choose(modes: [.sim], faultable: false, &generator) }
        #expect(earlyPicks.count { $0 == slowVictim } > 100 && earlyPicks.contains { $0 != slowVictim })
    }

    @Test func aRunComesNearAboveTheMedianOfEarlierRunsOrByFailing() {
        var arms = GenerationArms()
        for value in [0, 0, 0, 5] { arms.record(pct, metrics: ["m": value], violation: false, novel: false) }
        // Above the median (0): only the 5.
        #expect(arms.records[pct]?.near == 1)
        arms.record(slowVictim, metrics: ["m": 0], violation: true, novel: false)
        #expect(arms.records[slowVictim]?.near == 1, "a violation comes near whatever its metrics")
        // Without any metric above 0, novelty stands in.
        var plain = GenerationArms()
        plain.record(pct, metrics: [:], violation: false, novel: true)
        plain.record(pct, metrics: [:], violation: false, novel: false)
        #expect(plain.records[pct]?.near == 1)
    }

    @Test func derivedRunsGetTheTurnsWhenTheyComeNearAndTheFloorWhenTheyDoNot() {
        var arms = arms(learning: [1, 2])
        // Fresh runs come near about half the time (a value above the median of the earlier ones).
        for round in 0..<10 {
            for arm in [slowVictim, slowOther, pct] { arms.record(arm, metrics: ["m": round % 2 == 0 ? 0 : 5 + round], violation: false, novel: false) }
        }
        var near = arms
        var climbing = arms
        var far = arms
        for _ in 0..<10 {
            near.recordDerived(climbed: false, violation: true)
            climbing.recordDerived(climbed: true, violation: false)
            far.recordDerived(climbed: false, violation: false)
        }
        var generator = SeededGenerator(seed: 5)
        let nearShare = (0..<200).count { _ in near.drawsDerived(&generator) }
        let climbingShare = (0..<200).count { _ in climbing.drawsDerived(&generator) }
        let farShare = (0..<200).count { _ in far.drawsDerived(&generator) }
        #expect(nearShare > 180, "\(nearShare) of 200")
        #expect(climbingShare > 180, "\(climbingShare) of 200: a derived run that raised a metric's highest came near")
        #expect(farShare >= 10 && farShare < 80, "\(farShare) of 200: the floor, and a chance now and then")
        #expect(far.derived.near == 0 && far.derived.plays == 10, "staying close without climbing is not coming near")
    }

    /// Every arm is played once before any is drawn from its posterior: the scenario's first run, near by novelty,
    /// must not keep its arm ahead of arms no run has tried.
    @Test func everyArmIsTriedOnceBeforeTheyAreDrawn() {
        var arms = arms(learning: [1, 2])
        arms.record(pct, metrics: [:], violation: false, novel: true)
        var generator = SeededGenerator(seed: 11)
        var tried: Set<GenerationArm> = [pct]
        for _ in 0..<2 {
            let arm = arms.choose(modes: [.sim], faultable: false, &generator)
            #expect(!tried.contains(arm), "\(arm) again before every arm ran once")
            tried.insert(arm)
            arms.record(arm, metrics: [:], violation: false, novel: false)
        }
        #expect(tried == [pct, slowVictim, slowOther])
    }

    @Test func betaDrawsHaveTheirMean() {
        var generator = SeededGenerator(seed: 9)
        for (a, b) in [(1, 1), (9, 3), (150, 100)] {
            let mean = (0..<4000).reduce(0.0) { sum, _ in sum + GenerationArms.beta(a, b, &generator) } / 4000
            #expect(abs(mean - Double(a) / Double(a + b)) < 0.02, "Beta(\(a), \(b)): \(mean)")
        }
    }

    /// The arm's slow process is the simulation's: the header says which process was slow, and a chosen one is it.
    @Test func aChosenSlowProcessIsTheRunsSlowProcess() throws {
        let scenario = try #require(Scenarios.named("aba-tag8-broken"))
        for process in [1, 2] {
            let trace = try ScenarioRunner.runOnce(
                scenario, seed: 7, strategy: .random, worker: nil, checkBudget: .standard, mode: .sim, slowProcess: process).trace
            #expect(SimulationTrace.slowProcess(from: trace.header.extra["sim"]) == process)
        }
        let drawn = try ScenarioRunner.runOnce(scenario, seed: 7, strategy: .random, worker: nil, checkBudget: .standard, mode: .sim).trace
        #expect(SimulationTrace.slowProcess(from: drawn.header.extra["sim"]) != nil, "a drawn one is recorded too")
    }

    /// `take-and-die` on the regression trace `ack-queue-loses-unacked-on-kill`: a process dies right after one of
    /// its receives that got a message, and another process receives right after it.
    @Test func takeAndDieKillsATakerRightAfterItsTakeAndAnotherTakesAfterIt() throws {
        let path = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        let trace = try Trace.load(path: "/" + path + "/traces/ack-queue-loses-unacked-on-kill.jsonl")
        let scenario = try #require(Scenarios.named("ack-queue-fragile-forgets-unacked"))
        let takes = FuzzMutator.takes(in: trace)
        #expect(!takes.isEmpty)
        for index in takes { #expect(trace.events[index].f == "receive", "only receives that got a message are takes here") }
        var made = 0
        for seed in 0..<UInt64(20) {
            var spec = try RealRunSpec(trace: trace, setup: scenario.realSetup)
            var generator = SeededGenerator(seed: seed)
            guard FuzzMutator.edit(&spec, killsAllowed: true, partner: nil, takes: takes, generator: &generator) == "take-and-die" else { continue }
            made += 1
            let dying = try #require(spec.directives.first { $0.value.dieAfter }?.key)
            #expect(takes.contains(dying))
            let position = try #require(spec.moves.firstIndex { if case .invoke(_, _, _, dying) = $0 { true } else { false } })
            guard case .invoke(let survivor, let call, _, _) = spec.moves[position + 1] else {
                Issue.record("no invoke after the dying take")
                continue
            }
            #expect(call.f == "receive" && survivor != spec.moves[position].process)
            // The survivor is a process that receives in the run: an edit giving a producer a receive would test a
            // program nobody wrote, and the fuzzer would drop it.
            #expect(FuzzMutator.isFaithful(spec, to: try RealRunSpec(trace: trace, setup: scenario.realSetup)))
        }
        #expect(made >= 10, "take-and-die is most edits of a run with kills and takes: \(made) of 20")
        #expect(FuzzMutator.takes(in: trace).count == takes.count)
    }

    /// A real-mode parent whose faults (a swarm subset) drew no kills still gets kill edits when its scenario takes
    /// kills, and a derived run that dies says so in its header's faults.
    @Test func aParentWithoutKillsInAScenarioThatTakesThemGetsKillEdits() throws {
        let path = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        var trace = try Trace.load(path: "/" + path + "/traces/ack-queue-loses-unacked-on-kill.jsonl")
        let scenario = try #require(Scenarios.named("ack-queue-fragile-forgets-unacked"))
        #expect(Fuzzer.fuzzedFaults(scenario).contains(.kill))
        trace.header.faults = ["kinds": ["eintr"], "rate": 0.25]
        let entry = CorpusEntry(
            seed: 1, strategy: .random, mode: .real, faults: FaultOptions(kinds: [.eintr]), trace: trace, gain: 1)
        var takeAndDie = 0
        for seed in 0..<UInt64(30) {
            var generator = SeededGenerator(seed: seed)
            let run = FuzzMutator.derive(from: entry, partners: [], scenario: scenario, generator: &generator)
            guard case .real(let spec)? = run.edit, spec.hasKills else { continue }
            if run.mutation == "take-and-die" { takeAndDie += 1 }
            guard case .array(let kinds)? = spec.header.faults?["kinds"] else {
                Issue.record("no kinds in \(String(describing: spec.header.faults))")
                continue
            }
            #expect(kinds.contains("kill") && kinds.contains("eintr"), "\(kinds)")
        }
        #expect(takeAndDie >= 8, "\(takeAndDie) of 30 derived runs are take-and-die")
    }
}
