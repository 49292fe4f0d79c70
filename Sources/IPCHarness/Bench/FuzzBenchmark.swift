import IPCModels
import IPCSyscalls
import Synchronization

/// Does coverage guidance pay? For each scenario broken on purpose, fuzzing sessions of that scenario alone, one per
/// seed, guided and unguided, each stopped at its first violation: how many runs and how many seconds it took. The
/// same seeds for both, so a seed's first fresh run is the same run either way; medians over the seeds.
public enum FuzzBenchmark {
    /// One session: runs and seconds to its first violation; `runs` nil when none came within the limits.
    public struct Attempt: Sendable {
        public var seed: UInt64
        public var runs: Int?
        public var seconds: Double
        /// Runs made when it ended (all of them when nothing was found).
        public var runsMade: Int
        /// The harness error that ended the session early. Such an attempt says nothing about the scenario — not "no
        /// violation within the limits" — so the medians leave it out, and the command exits 2 naming it.
        public var error: String?

        public init(seed: UInt64, runs: Int?, seconds: Double, runsMade: Int, error: String? = nil) {
            self.seed = seed
            self.runs = runs
            self.seconds = seconds
            self.runsMade = runsMade
            self.error = error
        }
    }

    public struct Row: Sendable {
        public var scenario: String
        public var guided: [Attempt]
        public var unguided: [Attempt]

        /// Attempts a harness error ended: (guided or not, the attempt).
        public var erred: [(guided: Bool, attempt: Attempt)] {
            guided.filter { $0.error != nil }.map { (true, $0) } + unguided.filter { $0.error != nil }.map { (false, $0) }
        }
    }

    public struct Limits: Sendable {
        public var seeds: Int
        public var maxRuns: Int
        public var maxSeconds: Double
        /// The first seed: the sessions use seeds `firstSeed…firstSeed+seeds-1` (a second set of seeds checks that
        /// what was tuned on the first holds).
        public var firstSeed: UInt64
        public init(seeds: Int, maxRuns: Int, maxSeconds: Double, firstSeed: UInt64 = 1) {
            self.seeds = seeds
            self.maxRuns = maxRuns
            self.maxSeconds = maxSeconds
            self.firstSeed = firstSeed
        }

        /// The seeds, as the table names them: `1-20`.
        var seedRange: String { "\(firstSeed)-\(firstSeed + UInt64(seeds) - 1)" }
    }

    /// What `bench fuzz` measures unless told otherwise: every scenario broken on purpose that can run on this machine.
    public static func defaultScenarios() -> [Scenario] {
        Scenarios.all.filter { $0.isBroken && ScenarioAvailability.reason($0, mode: nil) == nil }
    }

    /// The scenarios whose acceptance figure matters most: broken twins a few runs rarely catch.
    public static let rareScenarios = ["aba-tag8-broken", "aba-mailbox-seq8-broken", "ack-queue-fragile-forgets-unacked", "hol-shared-ring"]

    /// Runs every (scenario, seed, guided or not) session, `jobs` at once; `progress` hears each one finish.
    public static func run(
        scenarios: [Scenario], limits: Limits, jobs: Int, worker: WorkerCommand, budget: CheckBudget,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) -> [Row] {
        struct Task: Sendable {
            var scenario: Int
            var seed: UInt64
            var guided: Bool
        }
        let tasks = scenarios.indices.flatMap { scenario in
            (0..<UInt64(limits.seeds)).flatMap { offset in
                [false, true].map { Task(scenario: scenario, seed: limits.firstSeed + offset, guided: $0) }
            }
        }
        let rows = Mutex(scenarios.map { Row(scenario: $0.name, guided: [], unguided: []) })
        let next = Mutex(0)
        let threads = (0..<Swift.max(1, jobs)).map { _ in
            OSThread {
                while true {
                    let index = next.withLock { (value) -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < tasks.count else { return }
                    let task = tasks[index]
                    let options = FuzzOptions(
                        seconds: limits.maxSeconds, scenarios: [scenarios[task.scenario]], jobs: 1, outputDirectory: "/nonexistent",
                        seed: task.seed, checkBudget: budget, shrinkSeconds: 0, guided: task.guided, maxRuns: limits.maxRuns,
                        stopAtFirstViolation: true, savesTraces: false)
                    let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 3600) { _ in }
                    let row = summary.scenarios[0]
                    let attempt = Attempt(
                        seed: task.seed, runs: row.firstViolation?.runs, seconds: row.firstViolation?.seconds ?? summary.progress.elapsed,
                        runsMade: row.runs, error: summary.errors.first)
                    rows.withLock { rows in
                        if task.guided { rows[task.scenario].guided.append(attempt) } else { rows[task.scenario].unguided.append(attempt) }
                    }
                    let found = attempt.error.map { "harness error: \($0)" }
                        ?? attempt.runs.map { "violation after \($0) runs, \(BenchFigures.format(attempt.seconds, 1)) s" }
                        ?? "no violation in \(attempt.runsMade) runs"
                    progress("\(scenarios[task.scenario].name) seed \(task.seed) \(task.guided ? "guided" : "unguided"): \(found)")
                }
            }
        }
        for thread in threads { thread.join() }
        return rows.withLock { $0 }
    }

    /// The median of the attempts' runs to the first violation, with one not found counted as more than any found;
    /// nil when the median is such a one (then it is only known to exceed the limit). Attempts a harness error ended
    /// are left out.
    public static func medianRuns(_ attempts: [Attempt]) -> Double? {
        median(attempts.filter { $0.error == nil }.map { $0.runs.map(Double.init) })
    }

    /// The median seconds to the first violation, as ``medianRuns(_:)``.
    public static func medianSeconds(_ attempts: [Attempt]) -> Double? {
        median(attempts.filter { $0.error == nil }.map { $0.runs == nil ? nil : $0.seconds })
    }

    /// The first attempt a harness error ended, as the one line the command exits 2 with; nil when none did.
    public static func harnessError(in rows: [Row]) -> HarnessError? {
        let erred = rows.flatMap { row in row.erred.map { (row.scenario, $0.guided, $0.attempt) } }
        guard let (scenario, guided, attempt) = erred.first else { return nil }
        let others = erred.count > 1 ? " (and \(erred.count - 1) more session\(erred.count == 2 ? "" : "s"))" : ""
        return HarnessError("\(scenario) seed \(attempt.seed) \(guided ? "guided" : "unguided"): \(attempt.error ?? "")\(others)")
    }

    static func median(_ values: [Double?]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted { ($0 ?? .infinity) < ($1 ?? .infinity) }
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[middle] }
        guard let low = sorted[middle - 1], let high = sorted[middle] else { return nil }
        return (low + high) / 2
    }

    public static func table(_ rows: [Row], limits: Limits) -> String {
        let width = Swift.max(8, rows.map(\.scenario.count).max() ?? 0)
        func figure(_ value: Double?, _ decimals: Int) -> String {
            value.map { BenchFigures.format($0, decimals) } ?? ">limit"
        }
        func found(_ attempts: [Attempt]) -> String {
            let measured = attempts.filter { $0.error == nil }
            return "\(measured.filter { $0.runs != nil }.count)/\(measured.count)"
        }
        var lines = [
            "Runs and seconds to the first violation, median over seeds \(limits.seedRange), each session stopped at \(limits.maxRuns) runs or \(BenchFigures.format(limits.maxSeconds, 0)) s",
            "scenario".alignedLeft(width) + "  guided: runs  seconds  found   unguided: runs  seconds  found   runs guided/unguided",
        ]
        for row in rows {
            let guided = medianRuns(row.guided)
            let unguided = medianRuns(row.unguided)
            var ratio = "-"
            if let guided, let unguided, unguided > 0 { ratio = BenchFigures.format(guided / unguided, 2) }
            if guided != nil && unguided == nil { ratio = "< " + BenchFigures.format(guided! / Double(limits.maxRuns), 2) }
            let rare = rareScenarios.contains(row.scenario) ? "  (rare)" : ""
            lines.append(
                row.scenario.alignedLeft(width) + figure(guided, 1).alignedRight(14) + figure(medianSeconds(row.guided), 2).alignedRight(9)
                    + found(row.guided).alignedRight(7) + figure(unguided, 1).alignedRight(17) + figure(medianSeconds(row.unguided), 2).alignedRight(9)
                    + found(row.unguided).alignedRight(7) + ratio.alignedRight(23) + rare)
        }
        for row in rows {
            for (guided, attempt) in row.erred {
                lines.append("\(row.scenario) seed \(attempt.seed) \(guided ? "guided" : "unguided"): harness error, left out of the medians: \(attempt.error ?? "")")
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ rows: [Row], limits: Limits) -> String {
        func attempts(_ list: [Attempt]) -> JSONValue {
            .array(list.sorted { $0.seed < $1.seed }.map { attempt in
                .object([
                    "seed": .int(Int(attempt.seed)), "runs": attempt.runs.map { .int($0) } ?? .null,
                    "seconds": .number(attempt.seconds), "runsMade": .int(attempt.runsMade),
                    "error": attempt.error.map { .string($0) } ?? .null,
                ])
            })
        }
        let value: JSONValue = .object([
            "seeds": .int(limits.seeds), "firstSeed": .int(Int(limits.firstSeed)), "maxRuns": .int(limits.maxRuns), "maxSeconds": .number(limits.maxSeconds),
            "scenarios": .array(rows.map { row in
                .object([
                    "scenario": .string(row.scenario),
                    "guided": .object(["medianRuns": medianRuns(row.guided).map { .number($0) } ?? .null, "medianSeconds": medianSeconds(row.guided).map { .number($0) } ?? .null, "attempts": attempts(row.guided)]),
                    "unguided": .object(["medianRuns": medianRuns(row.unguided).map { .number($0) } ?? .null, "medianSeconds": medianSeconds(row.unguided).map { .number($0) } ?? .null, "attempts": attempts(row.unguided)]),
                ])
            }),
        ])
        return String(decoding: value.serialized(), as: UTF8.self)
    }
}
