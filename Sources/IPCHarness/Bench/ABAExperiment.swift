import IPCModels

/// `ipc-harness bench aba`: the seed's condition 2^b > r·Δt, measured on the sequence-numbered mailbox.
///
/// 1. Exact windows: a taker copies the message at sequence s and is preempted; in its window the others make
///    exactly n updates of the sequence (takes and posts, alternating); then its compare-and-swap runs. For each
///    b and n: did the swap succeed across the change (ABA), and is the history still linearizable?
/// 2. Random windows: the `aba-mailbox` workload (one process slow: preempted for up to 4096 steps at a time, the
///    others running under the random scheduler) with b-bit sequences: the largest number of updates seen inside
///    one window, and whether ABA was found, over many runs.
public enum ABAExperiment {
    public struct ExactRow: Sendable {
        public var bits: Int
        public var updates: Int
        public var abaFound: Bool
        public var linearizable: Bool
    }

    public struct RandomRow: Sendable {
        public var bits: Int
        public var runs: Int
        public var largestWindow: Int
        public var runsWithABA: Int
        public var runsNotLinearizable: Int
    }

    static func header(bits: Int, seed: UInt64) -> Trace.Header {
        Trace.Header(
            model: QueueModel.name, parameters: QueueModel(objects: [("b0", .init(capacity: 1))]).parameters,
            mechanism: "reference.sequence-mailbox", seed: String(seed), strategy: "random", mode: "sim")
    }

    /// One exact window of `updates` updates against a `bits`-bit sequence.
    public static func exact(bits: Int, updates: Int) throws(HarnessError) -> ExactRow {
        let takes = (updates + 1) / 2
        let posts = 1 + updates / 2
        func call(_ process: Int, _ f: String, _ value: JSONValue? = nil) -> Call { Call(process: process, object: "b0", f: f, value: value) }
        let workload = Workload(
            objects: [Workload.Object(name: "b0", kind: SequenceMailboxKind.self, parameters: ["sequenceBits": .int(bits), "buffers": 4])],
            processes: [
                Workload.Process(id: 1, holds: ["b0": ["memory"]], program: (0..<posts).map { call(1, "send", ["data": .string("m\($0)")]) }),
                Workload.Process(id: 2, holds: ["b0": ["memory"]], program: [call(2, "receive")]),
                Workload.Process(id: 3, holds: ["b0": ["memory"]], program: (0..<takes).map { _ in call(3, "receive") }),
            ])
        // Post m0; the victim loads the sequence and copies m0; the window; the victim's swap.
        var moves: [SimMove] = Array(repeating: .step(1), count: 3) + [.step(2), .step(2)]
        for update in 0..<updates { moves += Array(repeating: .step(update % 2 == 0 ? 3 : 1), count: 3) }
        moves.append(.step(2))
        var plan = ReplaySimPlan(moves: moves.enumerated().map { ReplaySimPlan.RecordedMove(move: $0.element, stale: nil, eventIndex: $0.offset) })
        let parameters = SequenceMailboxKind.model(for: workload).parameters
        var options = SimulationOptions()
        options.memory = .sequentiallyConsistent
        let simulator = try Simulator(workload: workload, implementation: "reference.sequence-mailbox", modelParameters: parameters, options: options)
        var header = header(bits: bits, seed: 0)
        header.extra["invariants"] = ["aba": ["words": [0]]]
        let trace = Trace(header: header, events: SimulationTrace.events(try simulator.run(&plan).events, regionNames: ["b0"]))
        let report = try ScenarioRunner.check(trace, seed: 0, budget: .standard).report
        return ExactRow(
            bits: bits, updates: updates, abaFound: report.invariants.contains { $0.finding != nil },
            linearizable: report.objects.allSatisfy { $0.result == .ok })
    }

    /// `runs` runs of the mailbox workload with a `bits`-bit sequence under the random scheduler.
    public static func random(bits: Int, runs: Int) throws(HarnessError) -> RandomRow {
        var row = RandomRow(bits: bits, runs: runs, largestWindow: 0, runsWithABA: 0, runsNotLinearizable: 0)
        for run in 0..<runs {
            let seed = SeededGenerator.runSeed(base: 5, run: run)
            var generator = SeededGenerator(seed: seed)
            var workloadGenerator = generator.split()
            let workload = ReferenceScenarios.mailboxWorkload(sequenceBits: bits, &workloadGenerator)
            let trace = try SimulationRunner.run(
                workload, implementation: "reference.sequence-mailbox", model: QueueModel.name,
                parameters: SequenceMailboxKind.model(for: workload).parameters,
                run: ScenarioRun(seed: seed, strategy: .random, worker: nil, mode: .sim), generator: &generator, scenario: nil,
                invariants: ["aba": ["words": [0]]], kills: (0, 0))
            row.largestWindow = max(row.largestWindow, largestWindow(trace, victim: 2), largestWindow(trace, victim: 3))
            let report = try ScenarioRunner.check(trace, seed: seed, budget: .standard).report
            if report.invariants.contains(where: { $0.finding != nil }) { row.runsWithABA += 1 }
            if report.objects.contains(where: { $0.result != .ok }) { row.runsNotLinearizable += 1 }
        }
        return row
    }

    /// The most successful updates of the sequence word by others between one of `victim`'s loads of it and its
    /// next compare-and-swap of it.
    static func largestWindow(_ trace: Trace, victim: Int) -> Int {
        var largest = 0
        var inWindow: Int?
        for event in trace.events where event.type == .schedule {
            guard let access = event.value?["access"], access["at"] == .int(0), case .string(let op)? = access["op"] else { continue }
            if event.process == victim {
                if op == "load" { inWindow = 0 }
                if op == "cas", let count = inWindow {
                    largest = max(largest, count)
                    inWindow = nil
                }
            } else if op == "cas", access["exchanged"] == .bool(true), let count = inWindow {
                inWindow = count + 1
            }
        }
        return largest
    }

    /// 2^bits as text (2^64 does not fit in an Int).
    static func power(_ bits: Int) -> String { bits < 63 ? String(1 << bits) : "2^\(bits)" }

    public static func table(exact: [ExactRow], random: [RandomRow]) -> String {
        var lines = ["exact windows (the others make n updates while the taker is preempted):", "   b   2^b      n   ABA found   history linearizable"]
        for row in exact {
            lines.append(
                String(row.bits).alignedRight(4) + power(row.bits).alignedRight(6) + String(row.updates).alignedRight(7)
                    + (row.abaFound ? "yes" : "no").alignedRight(12) + (row.linearizable ? "yes" : "no").alignedRight(23))
        }
        lines += ["", "random windows (aba-mailbox workload, random scheduler):", "   b   2^b   runs   largest window (updates)   runs with ABA   runs not linearizable"]
        for row in random {
            lines.append(
                String(row.bits).alignedRight(4) + power(row.bits).alignedRight(6) + String(row.runs).alignedRight(7)
                    + String(row.largestWindow).alignedRight(27) + String(row.runsWithABA).alignedRight(16)
                    + String(row.runsNotLinearizable).alignedRight(24))
        }
        return lines.joined(separator: "\n")
    }
}
