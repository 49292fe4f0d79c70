import IPCSyscalls

/// Several fuzzing processes' results as one: the shards of one session (`fuzz --shard K/N`, on a CI matrix, a
/// Kubernetes Indexed Job or one machine) combined into one summary and one exit status.
///
/// It never speaks for a shard it has not read: a directory without a finished record, a record that does not parse,
/// a shard with harness errors, a trace a record names but the directory lacks, shards of different sessions, a
/// shard missing or given twice — each refuses the merge with one line (exit status 2) rather than report "no
/// violation" about runs that did not happen.
public struct FuzzMerge: Sendable {
    /// A kind of violation kept: the shortest trace of its signature (shrunk ones first), where it is, and how many
    /// shards found it.
    public struct Kept: Sendable {
        public var finding: FuzzFinding
        public var directory: String
        public var shards: [Int]
        public var path: String { directory + "/" + finding.file }
    }

    public var configuration: FuzzRecord.Configuration
    /// The records, by shard.
    public var records: [FuzzRecord]
    /// Each scenario's counts, summed over the shards, in the session's scenario order.
    public var rows: [FuzzRecord.Row]
    public var kept: [Kept]
    /// Findings of a kind another shard had found too, not kept.
    public var duplicates: Int
    /// The union of the shards' coverage.
    public var coverage: Coverage

    public var runs: Int { rows.reduce(0) { $0 + $1.runs } }

    /// Violations of scenarios not broken on purpose: real findings, which make the merged status 1.
    public var unexpectedViolations: Int { rows.filter { !$0.broken }.reduce(0) { $0 + $1.violations } }

    /// Reads and merges the records in `directories` (one per shard).
    public static func merge(directories: [String]) throws(HarnessError) -> FuzzMerge {
        guard let first = directories.first else { throw HarnessError("name the shards' output directories") }
        var records: [(record: FuzzRecord, directory: String)] = []
        for directory in directories {
            let record = try FuzzRecord.load(directory: directory)
            if let error = record.errors.first {
                throw HarnessError("\(directory): shard \(record.shard)/\(record.configuration.shards) ended early with an error, so its part is unknown: \(error)")
            }
            for finding in record.findings where !Syscall.exists(directory + "/" + finding.file) {
                throw HarnessError("\(directory): the trace \(finding.file) its summary names is missing")
            }
            records.append((record, directory))
        }
        let configuration = records[0].record.configuration
        for (record, directory) in records.dropFirst() where record.configuration != configuration {
            throw HarnessError("\(directory) is a shard of another session than \(first) (\(difference(record.configuration, configuration)))")
        }
        var byShard: [Int: String] = [:]
        for (record, directory) in records {
            if let other = byShard[record.shard] {
                throw HarnessError("shard \(record.shard)/\(configuration.shards) given twice: \(other) and \(directory)")
            }
            byShard[record.shard] = directory
        }
        if let missing = (0..<configuration.shards).first(where: { byShard[$0] == nil }) {
            throw HarnessError("shard \(missing)/\(configuration.shards) is missing (given \(records.count) of \(configuration.shards)): without it the session's result is unknown")
        }
        records.sort { $0.record.shard < $1.record.shard }

        var rows: [FuzzRecord.Row] = []
        var coverage = Coverage()
        var kept: [String: Kept] = [:]
        var order: [String] = []
        var duplicates = 0
        for (record, directory) in records {
            coverage.formUnion(record.coverage)
            for row in record.rows {
                if let index = rows.firstIndex(where: { $0.scenario == row.scenario }) {
                    rows[index].runs += row.runs
                    rows[index].violations += row.violations
                    rows[index].unknowns += row.unknowns
                    rows[index].derivedRuns += row.derivedRuns
                    rows[index].droppedRuns += row.droppedRuns
                } else {
                    rows.append(row)
                }
            }
            for finding in record.findings {
                guard var existing = kept[finding.signature] else {
                    kept[finding.signature] = Kept(finding: finding, directory: directory, shards: [record.shard])
                    order.append(finding.signature)
                    continue
                }
                duplicates += 1
                existing.shards.append(record.shard)
                if (finding.shrunk ? 1 : 0, -finding.events) > (existing.finding.shrunk ? 1 : 0, -existing.finding.events) {
                    existing.finding = finding
                    existing.directory = directory
                }
                kept[finding.signature] = existing
            }
        }
        return FuzzMerge(
            configuration: configuration, records: records.map(\.record), rows: rows, kept: order.map { kept[$0]! },
            duplicates: duplicates, coverage: coverage)
    }

    /// What differs between two sessions' configurations, for the refusal.
    static func difference(_ a: FuzzRecord.Configuration, _ b: FuzzRecord.Configuration) -> String {
        var fields: [String] = []
        if a.seed != b.seed { fields.append("seed \(a.seed) vs \(b.seed)") }
        if a.shards != b.shards { fields.append("\(a.shards) shards vs \(b.shards)") }
        if a.scenarios != b.scenarios { fields.append("other scenarios") }
        if a.mode != b.mode { fields.append("mode \(a.mode ?? "any") vs \(b.mode ?? "any")") }
        if a.guided != b.guided { fields.append(a.guided ? "guided vs unguided" : "unguided vs guided") }
        if a.seconds != b.seconds || a.maxRuns != b.maxRuns { fields.append("another time or run budget") }
        if a.harness != b.harness { fields.append("harness \(a.harness) vs \(b.harness)") }
        if a.deterministicHashing != b.deterministicHashing { fields.append("coverage hashed differently") }
        return fields.joined(separator: ", ")
    }

    /// Copies the kept traces into `directory` and writes the merged record there (as shard 0 of 1 of a session
    /// that ran every shard's runs), so a merge's output can itself be archived and read.
    public func write(into directory: String) throws(HarnessError) {
        do {
            try Syscall.createDirectories(directory)
        } catch {
            throw HarnessError("cannot create \(directory): \(error)")
        }
        for entry in kept {
            let bytes: [UInt8]
            do {
                bytes = try ImportedFile.bytes(entry.path)
            } catch {
                throw HarnessError(error.description)
            }
            try AtomicFile.write(bytes, to: directory + "/" + entry.finding.file)
        }
        var merged = records[0]
        merged.configuration.shards = 1
        merged.shard = 0
        merged.elapsed = records.map(\.elapsed).max() ?? 0
        merged.rows = rows
        merged.findings = kept.map(\.finding)
        merged.coverage = coverage
        merged.errors = []
        try merged.write(into: directory)
    }
}
