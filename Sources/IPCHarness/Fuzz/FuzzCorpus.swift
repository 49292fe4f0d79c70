import IPCModels

/// A run worth building on: one that reached model states, transitions or invariant outcomes no earlier run of its
/// scenario had. It keeps what the run was made of — its seed, strategy, mode and faults, and the recorded trace,
/// which holds the programs the processes ran, the order the driver invoked them in, the kill points and the
/// injected faults — so that ``FuzzMutator`` can derive new runs from it.
struct CorpusEntry: Sendable {
    var seed: UInt64
    var strategy: StrategySpec
    var mode: Scenario.Mode
    var faults: FaultOptions?
    var trace: Trace
    /// How much new coverage it brought when it was admitted: its energy (AFL's "favoured" inputs get more turns).
    var gain: Int
    /// How many runs were derived from it so far: each turn lowers its weight, so newer finds get their turn.
    var turns = 0
}

/// One scenario's corpus and the coverage its runs have reached: the guide of coverage-guided fuzzing.
///
/// Coverage is what the checker counts while it searches for a linearization (``Coverage``: hashes of the sets of
/// model states it stepped through, and of its transitions) plus, for each invariant the scenario checks, whether
/// it held or failed and how close the run came to breaking it (``TraceInvariant/coverageFeatures``, bucketed): the
/// features a run can be new in.
struct ScenarioCorpus: Sendable {
    private(set) var coverage = Coverage()
    private(set) var invariantOutcomes = Set<String>()
    private(set) var entries: [CorpusEntry] = []
    /// Runs admitted in all (entries beyond the capacity are dropped, the least promising first).
    private(set) var admitted = 0

    /// Entries kept at most; past it the entry with the least energy per turn goes.
    static let capacity = 64

    /// Adds `result`'s coverage to the scenario's; returns how many features were new (0: nothing new).
    mutating func record(_ report: CheckReport) -> Int {
        let before = coverage.states.count + coverage.transitions.count + invariantOutcomes.count
        coverage.formUnion(report.coverage)
        for invariant in report.invariants {
            invariantOutcomes.insert(invariant.name + (invariant.finding == nil ? ":held" : ":failed"))
            for feature in invariant.coverageFeatures { invariantOutcomes.insert(invariant.name + ":" + feature) }
        }
        return coverage.states.count + coverage.transitions.count + invariantOutcomes.count - before
    }

    /// Keeps `entry` (whose run brought `entry.gain` new features) as a parent of later runs.
    mutating func admit(_ entry: CorpusEntry) {
        admitted += 1
        entries.append(entry)
        if entries.count > Self.capacity, let weakest = entries.indices.min(by: { weight(entries[$0]) < weight(entries[$1]) }) {
            entries.remove(at: weakest)
        }
    }

    /// An entry to derive the next run from, by energy: the more a run brought and the fewer turns it had, the
    /// likelier it is picked. Nil when the corpus is empty.
    mutating func pick(_ generator: inout SeededGenerator) -> CorpusEntry? {
        guard !entries.isEmpty else { return nil }
        let weights = entries.map(weight)
        let total = weights.reduce(0, +)
        var target = Double(generator.next() >> 11) * 0x1.0p-53 * total
        var chosen = entries.count - 1
        for (index, weight) in weights.enumerated() {
            if target < weight {
                chosen = index
                break
            }
            target -= weight
        }
        entries[chosen].turns += 1
        return entries[chosen]
    }

    /// Entries of the same seed and mode as `entry` other than itself: the partners a splice may take moves from
    /// (they share its workload, so their moves mean the same objects and programs).
    func partners(of entry: CorpusEntry) -> [CorpusEntry] {
        entries.filter { $0.seed == entry.seed && $0.mode == entry.mode && $0.trace.events.count != entry.trace.events.count }
    }

    private func weight(_ entry: CorpusEntry) -> Double {
        (1 + Double(entry.gain).squareRoot()) / Double(1 + entry.turns)
    }
}
