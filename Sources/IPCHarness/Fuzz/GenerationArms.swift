import Glibc
import IPCModels

/// What a fresh run of a scenario is generated under, apart from its workload: its mode, its strategy's family
/// (the random strategy, or PCT of whatever depth the run draws), for a random-schedule simulation its slow process
/// (``PreemptionWindows``, ``ScenarioRun/slowProcess``; nil: drawn from the seed as usual), and for a real-mode run
/// of a scenario that takes faults whether it runs with the scenario's own faults or a swarm subset of every kind.
struct GenerationArm: Hashable, Sendable, CustomStringConvertible {
    var mode: Scenario.Mode
    /// Whether the strategy is PCT (its depth drawn per run); else random.
    var pct: Bool
    var slowProcess: Int?
    /// Real mode, where the fuzzer may inject faults: a random subset of every kind (true) or the scenario's own
    /// faults (false); nil elsewhere.
    var swarmFaults: Bool?

    /// The arm a run was generated under: its mode, strategy family, the slow process its trace records and its
    /// faults' kind. `faultable`: whether the fuzzer may inject faults into the scenario's real-mode runs.
    init(run: FuzzRun, trace: Trace, faultable: Bool) {
        mode = run.mode
        pct = run.strategy != .random
        slowProcess = run.mode == .sim && !pct ? SimulationTrace.slowProcess(from: trace.header.extra["sim"]) : nil
        swarmFaults = run.mode == .real && faultable ? run.faults != nil : nil
    }

    init(mode: Scenario.Mode, pct: Bool, slowProcess: Int? = nil, swarmFaults: Bool? = nil) {
        self.mode = mode
        self.pct = pct
        self.slowProcess = slowProcess
        self.swarmFaults = swarmFaults
    }

    var description: String {
        "\(mode.rawValue) \(pct ? "pct" : "random")" + (slowProcess.map { " slow \($0)" } ?? "")
            + (swarmFaults.map { $0 ? " swarm faults" : " own faults" } ?? "")
    }
}

/// Learns, per scenario, which way of generating its fresh runs brings them nearest its bugs: a multi-armed bandit
/// (Thompson sampling, as adaptive swarm testing and AFL++'s MOpt learn their configurations and operators) over
/// ``GenerationArm``s — the scenario's modes, random or PCT, which process a random-schedule simulation holds back,
/// and the faults of a real-mode run. The workload stays the fresh seed's; only these choices are learned.
///
/// Why this and not only the corpus: the bugs fuzzing is for need a whole *kind* of run, not one lucky run to build
/// on. An 8-bit ABA needs a random schedule whose slow process is the one that swaps (a PCT run never lands it: the
/// seed's 2^b > r·Δt asks for one long window, not a few change points), one fresh run in ten here; a run that came
/// near is as rare as one that hits, so a corpus of near runs has nothing to build on before the first hit. But
/// nearly every run of that kind comes near, whatever its workload: the arm is what carries over.
///
/// A run *comes near* when it fails, or when one of the metrics its scenario's runs report
/// (``TraceInvariant/coverageMetrics``, ``ModelMetrics``) is above the median of that metric over the scenario's
/// earlier fresh runs (so above 0 for a sparse one, like a death holding a message; in the upper half for a graded
/// one, like an ABA's approach); a scenario whose runs report no metric above 0 counts a run that brought the corpus
/// a new feature instead. Each arm's chance of coming near is a Beta posterior (uniform prior); the next run takes
/// the arm whose draw from its posterior is highest: arms not yet tried and arms whose runs come near get the runs,
/// and one that only seemed worse gets tried again now and then.
struct GenerationArms: Sendable {
    struct Record: Sendable {
        var plays = 0
        /// Runs that came near (see the type's comment).
        var near = 0
    }

    private(set) var records: [GenerationArm: Record] = [:]
    /// Runs derived from the corpus (``FuzzMutator``): an arm of their own, against the fresh ones.
    private(set) var derived = Record()
    /// Per metric, every value a fresh run of the scenario reached (0 included), in order: the median's sample.
    private var values: [String: [Int]] = [:]
    /// Whether any run has reported a metric above 0: until then, novelty stands in for nearness.
    private var metricsSeen = false
    /// The processes the scenario's simulations ran (the candidates for slow process).
    private(set) var processes = Set<Int>()

    /// The arms a fresh run may take: for each mode, random and PCT; a random-schedule simulation once per process
    /// its runs have shown (before any has run: with its slow process drawn); a real-mode run, where the fuzzer may
    /// inject faults (`faultable`), with the scenario's own faults or a swarm subset.
    func candidates(modes: [Scenario.Mode], faultable: Bool) -> [GenerationArm] {
        modes.flatMap { mode -> [GenerationArm] in
            var arms = [GenerationArm(mode: mode, pct: true)]
            if mode == .sim, !processes.isEmpty {
                arms += processes.sorted().map { GenerationArm(mode: mode, pct: false, slowProcess: $0) }
            } else {
                arms.append(GenerationArm(mode: mode, pct: false))
            }
            guard mode == .real, faultable else { return arms }
            return arms.flatMap { arm in [false, true].map { GenerationArm(mode: arm.mode, pct: arm.pct, swarmFaults: $0) } }
        }
    }

    /// The arm for the next fresh run: one not yet played, while there are any (each once, in random order, as UCB
    /// starts); then the one whose draw from its posterior chance of coming near is highest. Why each once first: one
    /// run that came near by novelty alone (a scenario's first, before any metric shows) otherwise outdraws an
    /// untried arm two times in three, and on `aba-tag8-broken` seed 13 a second PCT run, which never lands an ABA,
    /// came before the first run whose victim was the slow process (the arm that finds it in a third of its runs).
    func choose(modes: [Scenario.Mode], faultable: Bool, _ generator: inout SeededGenerator) -> GenerationArm {
        let arms = candidates(modes: modes, faultable: faultable)
        let unplayed = arms.filter { records[$0] == nil }
        if !unplayed.isEmpty { return generator.pick(unplayed) }
        let draws = arms.map { arm in
            let record = records[arm] ?? Record()
            return Self.beta(record.near + 1, record.plays - record.near + 1, &generator)
        }
        return arms[draws.indices.max { draws[$0] < draws[$1] }!]
    }

    /// Whether the next run is derived from the corpus rather than fresh: a two-armed bandit of its own, derived
    /// runs against fresh ones (all arms together), each drawn from its posterior chance of coming near; and at
    /// least ``derivedFloor`` of the time (the corpus keeps being tried: what its runs reach changes as it grows).
    /// Derived runs that come near — an edit that makes a process die just after taking its work, a retiming of a
    /// run that came close — get more of the runs; where edits only break what made a run close, fresh runs get
    /// them back.
    func drawsDerived(_ generator: inout SeededGenerator) -> Bool {
        let plays = records.values.reduce(0) { $0 + $1.plays }
        let near = records.values.reduce(0) { $0 + $1.near }
        let fresh = Self.beta(near + 1, plays - near + 1, &generator)
        let corpus = Self.beta(derived.near + 1, derived.plays - derived.near + 1, &generator)
        return corpus > fresh || generator.chance(Self.derivedFloor)
    }

    /// The least share of runs derived from the corpus, once it has entries.
    static let derivedFloor = 0.1

    /// Whether any fresh run has been counted: before one, there is nothing to choose by.
    var hasPlayed: Bool { !records.isEmpty }

    /// Counts a fresh run generated under `arm`: the metrics it reached, whether it failed, whether it was new.
    mutating func record(_ arm: GenerationArm, metrics: [String: Int], violation: Bool, novel: Bool) {
        var record = records[arm] ?? Record()
        count(&record, metrics: metrics, violation: violation, novel: novel)
        records[arm] = record
    }

    /// Counts a run derived from the corpus: it comes near when it fails or raises one of its scenario's metrics
    /// above every earlier run's (``CorpusGain/raised``) — when it climbs. Not when it is merely above the fresh runs'
    /// median: retimings of a run that came close mostly stay about as close, and counted near for that they took 27
    /// of the first 38 runs of `aba-tag8-broken` seed 15, all retimings of runs whose slow process can never make the
    /// window wrap (the antagonist's: the victim's few updates bound its windows at about 26), while the arm of the
    /// other slow process, which finds the ABA in a third of its runs, waited until run 30. Novelty does not count
    /// either: an edit reaches new buckets of states cheaply, and derived runs rewarded for that took the turns of
    /// fresh runs that found `rcu-broken-early-return` (a threads scenario, whose derived runs are only deeper PCT
    /// schedules of the same seed) in 3 runs, where guided then needed 8.
    mutating func recordDerived(climbed: Bool, violation: Bool) {
        derived.plays += 1
        if climbed || violation { derived.near += 1 }
    }

    private mutating func count(_ record: inout Record, metrics: [String: Int], violation: Bool, novel: Bool) {
        record.plays += 1
        var near = violation
        if metrics.values.contains(where: { $0 > 0 }) { metricsSeen = true }
        for (metric, value) in metrics.sorted(by: { $0.key < $1.key }) {
            var earlier = values[metric] ?? []
            if value > Self.median(earlier) { near = true }
            earlier.insert(value, at: earlier.firstIndex { $0 > value } ?? earlier.count)
            values[metric] = earlier
        }
        if !metricsSeen && novel { near = true }
        if near { record.near += 1 }
    }

    /// Learns the processes a simulation ran from its trace (those that invoked an operation).
    mutating func learnProcesses(of trace: Trace) {
        guard trace.header.mode == Scenario.Mode.sim.rawValue else { return }
        for event in trace.events where event.type == .invoke { processes.insert(event.process) }
        if let slow = SimulationTrace.slowProcess(from: trace.header.extra["sim"]) { processes.insert(slow) }
    }

    /// The median of sorted `values` (the lower of the middle two); 0 for none.
    static func median(_ values: [Int]) -> Int {
        values.isEmpty ? 0 : values[(values.count - 1) / 2]
    }

    /// A draw from Beta(a, b) for whole a, b ≥ 1: the a-th smallest of a + b − 1 uniforms, as two sums of
    /// exponentials (Gamma(a) / (Gamma(a) + Gamma(b))); past a few hundred runs, the normal of the same mean and
    /// variance, which is as good there and costs nothing.
    static func beta(_ a: Int, _ b: Int, _ generator: inout SeededGenerator) -> Double {
        func uniform() -> Double { (Double(generator.next() >> 11) + 0.5) * 0x1.0p-53 }
        if a + b > 200 {
            let (x, y) = (Double(a), Double(b))
            let mean = x / (x + y)
            let deviation = (x * y / ((x + y) * (x + y) * (x + y + 1))).squareRoot()
            // Box–Muller.
            let normal = (-2 * Glibc.log(uniform())).squareRoot() * Glibc.cos(2 * Double.pi * uniform())
            return Swift.min(1, Swift.max(0, mean + deviation * normal))
        }
        func gamma(_ shape: Int) -> Double { (0..<shape).reduce(0) { sum, _ in sum - Glibc.log(uniform()) } }
        let x = gamma(a)
        return x / (x + gamma(b))
    }
}

extension FuzzRun {
    /// The run with `arm`'s mode, strategy family, slow process and kind of faults, its workload still its seed's. A
    /// strategy of the arm's family stays as drawn; PCT's depth is otherwise drawn from `generator` among
    /// `strategies`. A swarm subset of faults stays as drawn, else `swarmFaults` draws one; outside real mode, or
    /// with the scenario's own faults, the run has none of its own.
    func under(
        _ arm: GenerationArm, strategies: [StrategySpec], swarmFaults: () -> FaultOptions?, _ generator: inout SeededGenerator
    ) -> FuzzRun {
        var run = self
        run.mode = arm.mode
        if arm.swarmFaults != true {
            run.faults = nil
        } else if run.faults == nil {
            run.faults = swarmFaults()
        }
        if arm.pct != (run.strategy != .random) {
            run.strategy = arm.pct ? generator.pick(strategies.filter { $0 != .random }) : .random
        }
        run.slowProcess = arm.slowProcess
        return run
    }
}
