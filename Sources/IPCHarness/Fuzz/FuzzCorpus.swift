import IPCModels

/// A run worth building on: one that reached a feature no earlier run of its scenario had, or the highest value yet
/// of one of its invariants' metrics. It keeps what the run was made of — its seed, strategy, mode, faults and
/// timing, and the recorded trace, which holds the programs the processes ran, the order the driver invoked them
/// in, the kill points and the injected faults — so that ``FuzzMutator`` can derive new runs from it.
struct CorpusEntry: Sendable {
    /// Assigned at admission, unique within its corpus: what tells two entries of the same seed apart.
    var id = 0
    var seed: UInt64
    var strategy: StrategySpec
    var mode: Scenario.Mode
    var faults: FaultOptions?
    /// The simulation's timing, when it was not the seed's (``ScenarioRun/timingSeed``).
    var timingSeed: UInt64?
    var slowProcessSeed: UInt64?
    /// The slow process its arm chose (``GenerationArms``), nil: drawn.
    var slowProcess: Int?
    /// Whether its run was an edited recording (``FuzzRun/edit``) rather than one its seed (and timing) makes.
    var edited = false
    var trace: Trace
    /// How many new features it brought when it was admitted: its energy (AFL's "favoured" inputs get more turns).
    var gain: Int
    /// How many runs were derived from it so far: each turn lowers its weight, so newer finds get their turn.
    var turns = 0
    /// Its invariants' metrics (``TraceInvariant/coverageMetrics``), named `invariant.metric`.
    var metrics: [String: Int] = [:]
    /// Runs derived from it without editing it (retimed, rescheduled, varied) that came back, and how many of them
    /// reached at least half its value of a metric it has: whether what made it close is its workload's and
    /// strategy's, which other timing keeps, or a fluke of one timing (``heritability``).
    var offspring = 0
    var nearOffspring = 0

    /// `(near + 1) / (offspring + 1)`: 1 until its derived runs say otherwise, falling as they fall short of it.
    var heritability: Double { Double(nearOffspring + 1) / Double(offspring + 1) }
}

/// What one run brought its scenario's corpus.
struct CorpusGain: Sendable {
    /// Features no earlier run had.
    var features = 0
    /// Metrics it raised above every earlier run's (their new highest values).
    var raised: [String: Int] = [:]
    /// Every metric the run reached.
    var metrics: [String: Int] = [:]

    /// Whether the run is worth keeping.
    var isNew: Bool { features > 0 || !raised.isEmpty }
}

/// One scenario's corpus and the coverage its runs have reached: the guide of coverage-guided fuzzing.
///
/// What makes a run new is a small set of *features*, rare enough that novelty means something (a corpus that
/// admits every run is only a list of random runs, and derived runs are then mutated random runs): for each
/// invariant the scenario checks, whether it held or failed and how close the run came
/// (``TraceInvariant/coverageFeatures``, bucketed); how many model states and transitions the run's check stepped
/// through, in powers of two (AFL's hit-count buckets: hundreds of new state hashes are what nearly every random
/// run brings, so the hashes themselves are only counted, in ``coverage``); and whatever the caller adds from the
/// trace (``Fuzzer``: which operation a killed process was in or had just finished). Besides, each invariant metric
/// (``TraceInvariant/coverageMetrics``) is a direction: the entry holding each one's highest value *leads*, and
/// ``pick(_:)`` gives the leaders most turns, so the session climbs a metric instead of waiting for a lucky run.
struct ScenarioCorpus: Sendable {
    private(set) var coverage = Coverage()
    private(set) var features = Set<String>()
    private(set) var entries: [CorpusEntry] = []
    /// Runs admitted in all (entries beyond the capacity are dropped, the least promising first).
    private(set) var admitted = 0
    /// The highest values of each metric so far (at most ``leadersPerMetric``, highest first), and the entries that
    /// hold them (nil when the run was not admitted: unguided sessions only count).
    private(set) var best: [String: [(value: Int, entry: Int?)]] = [:]

    /// How many runs lead each metric: the highest few, not only the highest, since one run's metric may have
    /// risen in a way its derived runs cannot follow (a PCT schedule that starved a process once), and a
    /// runner-up's may not.
    static let leadersPerMetric = 3

    /// Per strategy (its description): runs of this scenario made with it, and how many of them were new (a
    /// feature or a leading metric value).
    private(set) var strategyRecord: [String: (runs: Int, finds: Int, raises: Int)] = [:]

    /// Entries kept at most; past it the non-leading entry with the least energy per turn goes.
    static let capacity = 64
    /// The share of picks that go to a leader, once there is one, before it has had any turns; it falls as the
    /// leader's turns pass without a run raising its metric (`leaderShare · patience / (patience + turns)`), so a
    /// leader that leads nowhere (a metric that rose by chance, on a strategy that cannot go further) gives its
    /// turns back to the rest of the corpus and to fresh runs — AFL's and Entropic's waning energy for inputs whose
    /// mutations stop finding anything.
    static let leaderShare = 0.85
    static let leaderPatience = 8.0

    /// Adds `report`'s coverage (and `extraFeatures` and `extraMetrics`, features and metrics the caller found in
    /// the trace: where a killed process was, ``ModelMetrics``) to the scenario's; returns what was new. An `edited` run's metrics compete with other edited runs' only (named
    /// `invariant.metric~edited`): an edit can stretch a metric in a way its seed's own runs cannot follow (a
    /// preemption window held by force reaches 400 changes yet lands its swap nowhere near the A→B→A), and such a
    /// run must not take the lead from the best run the seed makes, the one retiming (``FuzzMutator``) builds on.
    mutating func record(
        _ report: CheckReport, extraFeatures: [String] = [], extraMetrics: [String: Int] = [:], edited: Bool = false,
        strategy: StrategySpec? = nil
    ) -> CorpusGain {
        coverage.formUnion(report.coverage)
        var gain = CorpusGain()
        var found = extraFeatures
        found.append("states:\(powerOfTwoBucket(report.coverage.states.count))")
        found.append("transitions:\(powerOfTwoBucket(report.coverage.transitions.count))")
        var metrics = extraMetrics
        for invariant in report.invariants {
            found.append(invariant.name + (invariant.finding == nil ? ":held" : ":failed"))
            for feature in invariant.coverageFeatures { found.append(invariant.name + ":" + feature) }
            for (metric, value) in invariant.coverageMetrics { metrics[invariant.name + "." + metric] = value }
        }
        for (metric, value) in metrics.sorted(by: { $0.key < $1.key }) {
            let name = metric + (edited ? Self.editedSuffix : "")
            gain.metrics[name] = value
            var top = best[name] ?? []
            if value > 0, top.count < Self.leadersPerMetric || value > top.last!.value, !top.contains(where: { $0.value == value }) {
                gain.raised[name] = value
                top.append((value, nil))
                top.sort { $0.value > $1.value }
                best[name] = Array(top.prefix(Self.leadersPerMetric))
            }
        }
        for feature in found where features.insert(feature).inserted { gain.features += 1 }
        if let strategy, !edited {
            strategyRecord[strategy.description, default: (0, 0, 0)].runs += 1
            if gain.isNew { strategyRecord[strategy.description, default: (0, 0, 0)].finds += 1 }
            if !gain.raised.isEmpty { strategyRecord[strategy.description, default: (0, 0, 0)].raises += 1 }
        }
        return gain
    }

    /// Keeps `entry` (whose run brought `gain`) as a parent of later runs; it leads the metrics it raised.
    mutating func admit(_ entry: CorpusEntry, gain: CorpusGain) {
        admitted += 1
        var entry = entry
        entry.id = admitted
        entry.metrics = gain.metrics
        entry.gain = gain.features + gain.raised.count
        for (metric, value) in gain.raised {
            if let place = best[metric]?.firstIndex(where: { $0.value == value && $0.entry == nil }) { best[metric]![place].entry = entry.id }
        }
        entries.append(entry)
        if entries.count > Self.capacity {
            let leaders = leaderIDs
            if let weakest = entries.indices.filter({ !leaders.contains(entries[$0].id) }).min(by: { weight(entries[$0]) < weight(entries[$1]) }) {
                entries.remove(at: weakest)
            }
        }
    }

    /// The entries holding one of a metric's highest values (above 0) among the runs their seeds make (edited runs' metrics
    /// are kept apart, see ``record(_:extraFeatures:edited:)``, and lead nothing: they get turns by energy).
    var leaderIDs: Set<Int> {
        Set(best.filter { !$0.key.hasSuffix(Self.editedSuffix) }.values.flatMap { $0.compactMap(\.entry) })
    }

    static let editedSuffix = "~edited"

    /// Each leader's standing: its value as a share of its metric's highest (1 for the best), the best over the
    /// metrics it leads.
    var leaderStanding: [Int: Double] {
        var standing: [Int: Double] = [:]
        for (metric, top) in best where !metric.hasSuffix(Self.editedSuffix) {
            guard let highest = top.first?.value, highest > 0 else { continue }
            for place in top {
                guard let entry = place.entry else { continue }
                standing[entry] = Swift.max(standing[entry, default: 0], Double(place.value) / Double(highest))
            }
        }
        return standing
    }

    /// Counts a run derived from the entry `parent` without an edit, which reached `metrics`: near if one of the
    /// parent's positive metrics came to at least half the parent's value.
    mutating func recordOffspring(of parent: Int, metrics: [String: Int]) {
        guard let index = entries.firstIndex(where: { $0.id == parent }) else { return }
        entries[index].offspring += 1
        if entries[index].metrics.contains(where: { $0.value > 0 && (metrics[$0.key] ?? 0) * 2 >= $0.value }) {
            entries[index].nearOffspring += 1
        }
    }

    /// How keen the corpus is on its leaders: the share of derived runs to give them (0 with none). A leader's
    /// keenness wanes with its turns and with its ``CorpusEntry/heritability``: a run whose metric its retimings do
    /// not come near again is a fluke, not a direction (on `aba-tag8-broken`, seed 14, a PCT leader's window of 24
    /// changes came back in 1 of its next 7 retimings and took them all from random-schedule leaders of 95-164).
    var leaderKeenness: Double {
        let leaders = leaderIDs
        let keenness = entries.filter { leaders.contains($0.id) }.map {
            $0.heritability * Self.leaderPatience / (Self.leaderPatience + Double($0.turns))
        }
        return keenness.isEmpty ? 0 : Self.leaderShare * keenness.max()!
    }

    /// An entry to derive the next run from: a leader ``leaderKeenness`` of the time (each leader equally), else
    /// by energy — the more a run brought and the fewer turns it had, the likelier it is picked. Nil when the
    /// corpus is empty.
    mutating func pick(_ generator: inout SeededGenerator) -> CorpusEntry? {
        guard !entries.isEmpty else { return nil }
        let leaders = leaderIDs
        let leading = entries.indices.filter { leaders.contains(entries[$0].id) }
        var chosen = entries.count - 1
        if !leading.isEmpty, generator.chance(leaderKeenness) {
            // The fresher a leader (the fewer its turns), the likelier; and the nearer its value to its metric's
            // highest, the likelier: a run far ahead of the rest (a window of 240 changes where others reach 20)
            // is the one to build on, not a runner-up of the common kind.
            let standing = leaderStanding
            let weights = leading.map {
                standing[entries[$0].id, default: 0] * entries[$0].heritability / (Self.leaderPatience + Double(entries[$0].turns))
            }
            var target = Double(generator.next() >> 11) * 0x1.0p-53 * weights.reduce(0, +)
            chosen = leading.last!
            for (place, weight) in zip(leading, weights) {
                if target < weight {
                    chosen = place
                    break
                }
                target -= weight
            }
        } else {
            let weights = entries.map(weight)
            let total = weights.reduce(0, +)
            var target = Double(generator.next() >> 11) * 0x1.0p-53 * total
            for (index, weight) in weights.enumerated() {
                if target < weight {
                    chosen = index
                    break
                }
                target -= weight
            }
        }
        entries[chosen].turns += 1
        return entries[chosen]
    }

    /// A strategy for a rescheduled run, by how often each one's runs of this scenario found something new, a run
    /// that raised a metric counting three times (a bandit's estimate, `(finds + 2·raises + 1) / (runs + 2)`): the
    /// strategy that reaches new places here gets more runs, and the one that climbs its metrics most of all (every
    /// strategy's first runs bring new buckets of states; only some bring a process nearer its bug).
    func pickStrategy(from strategies: [StrategySpec], _ generator: inout SeededGenerator) -> StrategySpec {
        let weights = strategies.map { strategy in
            let record = strategyRecord[strategy.description] ?? (0, 0, 0)
            return Double(record.finds + 2 * record.raises + 1) / Double(record.runs + 2)
        }
        var target = Double(generator.next() >> 11) * 0x1.0p-53 * weights.reduce(0, +)
        for (strategy, weight) in zip(strategies, weights) {
            if target < weight { return strategy }
            target -= weight
        }
        return strategies[strategies.count - 1]
    }

    /// Entries of the same seed and mode as `entry` other than itself: the partners a splice may take moves from
    /// (they share its workload, so their moves mean the same objects and programs).
    func partners(of entry: CorpusEntry) -> [CorpusEntry] {
        entries.filter { $0.seed == entry.seed && $0.mode == entry.mode && $0.id != entry.id }
    }

    private func weight(_ entry: CorpusEntry) -> Double {
        (1 + Double(entry.gain).squareRoot()) / Double(1 + entry.turns)
    }
}
