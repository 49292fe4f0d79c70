import ExtrasBase64
import IPCModels
import IPCSyscalls

/// A violation a fuzzing process saved, as its record lists it.
public struct FuzzFinding: Sendable, Hashable {
    public var scenario: String
    /// The stable signature: the scenario and the checks the run failed — each violating object with the operation
    /// the checker could not get past (the pivot of the shrunk core), each broken invariant. Two runs with the
    /// same signature are the same kind of violation, in one process or across shards.
    public var signature: String
    /// The trace's file name, in the record's directory.
    public var file: String
    public var shrunk: Bool
    /// Why it was saved unshrunk.
    public var notShrunk: String?
    public var events: Int
    /// `replay: …` (or `rerun: …`) as the fuzzing process printed it.
    public var reproduction: String

    /// The signature of a violation of `scenario` that failed `checks` (``Shrinker/signatures(of:in:)``).
    public static func signature(scenario: String, checks: [String]) -> String {
        scenario + "|" + checks.sorted().joined(separator: ";")
    }
}

/// What one fuzzing process (one shard, or a whole session) leaves in its output directory for `fuzz merge`:
/// `fuzz-summary.json`, written atomically when the session ends, beside the saved traces. A directory without it
/// is a session that did not finish, and merging refuses it rather than count its absence as "no violation".
public struct FuzzRecord: Sendable {
    /// What every shard of one session shares; shards whose configurations differ are not one session.
    public struct Configuration: Sendable, Hashable {
        public var seed: UInt64
        public var shards: Int
        public var scenarios: [String]
        public var mode: String?
        public var guided: Bool
        /// The time limit; nil: none (a session bounded by its runs).
        public var seconds: Double?
        public var maxRuns: Int?
        public var harness: String
        /// Whether coverage hashes are comparable across processes (``DeterministicHashing``).
        public var deterministicHashing: Bool
    }

    /// One scenario's counts.
    public struct Row: Sendable, Hashable {
        public var scenario: String
        public var broken: Bool
        public var runs: Int
        public var violations: Int
        public var unknowns: Int
        public var derivedRuns: Int
        /// Derived runs drawn that did not execute (their edit refused by the run's own setup; not in `runs`).
        /// Written since the field was added; a record without it (an older harness's) reads as 0.
        public var droppedRuns = 0
    }

    public var configuration: Configuration
    /// K of `configuration.shards`.
    public var shard: Int
    public var elapsed: Double
    public var rows: [Row]
    public var findings: [FuzzFinding]
    public var coverage: Coverage
    /// Harness errors that ended the session early: such a shard did not do its part.
    public var errors: [String]

    public static let fileName = "fuzz-summary.json"
    static let format = "ipc-fuzz-summary"
    /// 2: coverage as one base64 string per set (``encodedHashes(_:)``), about 11 bytes a hash.
    /// 1 (still read): coverage as arrays of decimal numbers, about 21 bytes a hash. Coverage keeps growing through a
    /// night, every shard writes all of it and every merge reads all of it again (measured: a one-minute session's
    /// record went from 520 KB to 282 KB; 2 million hashes from 40.8 MB to 21.4 MB, merged in 0.39 s instead of 0.51).
    static let version = 2
    static let versionsRead = 1...2

    public init(summary: FuzzSummary, options: FuzzOptions) {
        configuration = Configuration(
            seed: options.seed, shards: options.shard.count, scenarios: options.scenarios.map(\.name),
            mode: options.mode?.rawValue, guided: options.guided, seconds: options.seconds, maxRuns: options.maxRuns,
            harness: HarnessVersion.current, deterministicHashing: DeterministicHashing.isOn)
        shard = options.shard.index
        elapsed = summary.progress.elapsed
        rows = summary.scenarios.map { row in
            Row(scenario: row.scenario.name, broken: row.scenario.isBroken, runs: row.runs, violations: row.violations,
                unknowns: row.unknowns, derivedRuns: row.derivedRuns, droppedRuns: row.droppedRuns)
        }
        findings = summary.scenarios.flatMap { row in
            row.traces.map { trace in
                FuzzFinding(
                    scenario: row.scenario.name, signature: trace.signature,
                    file: String(trace.path.split(separator: "/").last ?? Substring(trace.path)),
                    shrunk: trace.notShrunk == nil, notShrunk: trace.notShrunk, events: trace.events, reproduction: trace.reproduction)
            }
        }
        coverage = summary.coverage
        errors = summary.errors
    }

    public var runs: Int { rows.reduce(0) { $0 + $1.runs } }

    /// Writes `fuzz-summary.json` into `directory` atomically (creating the directory).
    public func write(into directory: String) throws(HarnessError) {
        do {
            try Syscall.createDirectories(directory)
        } catch {
            throw HarnessError("cannot create \(directory): \(error)")
        }
        var bytes = json.serialized()
        bytes.append(0x0A)
        try AtomicFile.write(bytes, to: directory + "/" + Self.fileName)
    }

    var json: JSONValue {
        let configuration: JSONObject = [
            "seed": .string(String(self.configuration.seed)), "shards": .int(self.configuration.shards),
            "scenarios": .array(self.configuration.scenarios.map { .string($0) }),
            "mode": self.configuration.mode.map { .string($0) } ?? .null, "guided": .bool(self.configuration.guided),
            "seconds": self.configuration.seconds.map { .number($0) } ?? .null, "maxRuns": self.configuration.maxRuns.map { .int($0) } ?? .null,
            "harness": .string(self.configuration.harness), "deterministicHashing": .bool(self.configuration.deterministicHashing),
        ]
        let rows: [JSONValue] = rows.map { row in
            .object([
                "scenario": .string(row.scenario), "broken": .bool(row.broken), "runs": .int(row.runs),
                "violations": .int(row.violations), "unknowns": .int(row.unknowns), "derivedRuns": .int(row.derivedRuns),
                "droppedRuns": .int(row.droppedRuns),
            ])
        }
        let findings: [JSONValue] = findings.map { finding in
            .object([
                "scenario": .string(finding.scenario), "signature": .string(finding.signature), "file": .string(finding.file),
                "shrunk": .bool(finding.shrunk), "notShrunk": finding.notShrunk.map { .string($0) } ?? .null,
                "events": .int(finding.events), "reproduction": .string(finding.reproduction),
            ])
        }
        return .object([
            "format": .string(Self.format), "version": .int(Self.version), "configuration": .object(configuration),
            "shard": .int(shard), "elapsed": .number(elapsed), "scenarios": .array(rows), "findings": .array(findings),
            "coverage": .object([
                "states": .string(Self.encodedHashes(coverage.states)),
                "transitions": .string(Self.encodedHashes(coverage.transitions)),
            ]),
            "errors": .array(errors.map { .string($0) }),
        ])
    }

    /// Reads `directory/fuzz-summary.json`; a missing, unreadable or malformed record is one line naming it.
    public static func load(directory: String) throws(HarnessError) -> FuzzRecord {
        let path = directory + "/" + fileName
        guard Syscall.isDirectory(directory) else { throw HarnessError("\(directory): no such directory (a shard that did not run?)") }
        let bytes: [UInt8]
        do {
            bytes = try ImportedFile.bytes(path)
        } catch {
            throw HarnessError("\(path): missing or unreadable, so the shard's result is unknown (\(error.message))")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw HarnessError("\(path): not a fuzz summary (\(error))")
        }
        do throws(FieldError) {
            return try FuzzRecord(json: value)
        } catch {
            throw HarnessError("\(path): not a fuzz summary (\(error.message))")
        }
    }

    /// A missing or mistyped field of a record.
    struct FieldError: Error {
        var message: String
    }

    init(json value: JSONValue) throws(FieldError) {
        guard value["format"] == .string(Self.format) else { throw FieldError(message: "its format is not \(Self.format)") }
        let version = try Self.int(value["version"], "version")
        guard Self.versionsRead.contains(version) else {
            throw FieldError(message: "version \(version), which this harness (versions \(Self.versionsRead.lowerBound) to \(Self.versionsRead.upperBound)) does not read")
        }
        let settings = value["configuration"]
        guard let seed = UInt64(try Self.string(settings?["seed"], "configuration.seed")) else {
            throw FieldError(message: "configuration.seed is not a seed")
        }
        var maxRuns: Int?
        if let limit = settings?["maxRuns"], limit != .null { maxRuns = try Self.int(limit, "configuration.maxRuns") }
        var mode: String?
        var seconds: Double?
        if let limit = settings?["seconds"], limit != .null { seconds = try Self.double(limit, "configuration.seconds") }
        if let chosen = settings?["mode"], chosen != .null { mode = try Self.string(chosen, "configuration.mode") }
        configuration = Configuration(
            seed: seed, shards: try Self.int(settings?["shards"], "configuration.shards"),
            scenarios: try Self.array(settings?["scenarios"], "configuration.scenarios").map { (item) throws(FieldError) in try Self.string(item, "configuration.scenarios") },
            mode: mode, guided: try Self.bool(settings?["guided"], "configuration.guided"),
            seconds: seconds, maxRuns: maxRuns,
            harness: try Self.string(settings?["harness"], "configuration.harness"),
            deterministicHashing: try Self.bool(settings?["deterministicHashing"], "configuration.deterministicHashing"))
        shard = try Self.int(value["shard"], "shard")
        guard configuration.shards >= 1, (0..<configuration.shards).contains(shard) else {
            throw FieldError(message: "shard \(shard) of \(configuration.shards) is not one of its session's")
        }
        elapsed = try Self.double(value["elapsed"], "elapsed")
        rows = try Self.array(value["scenarios"], "scenarios").map { (row) throws(FieldError) in
            // `droppedRuns` is optional (added within version 2): older records of the same version lack it.
            var dropped = 0
            if let field = row["droppedRuns"] { dropped = try Self.int(field, "scenarios.droppedRuns") }
            return Row(
                scenario: try Self.string(row["scenario"], "scenarios.scenario"), broken: try Self.bool(row["broken"], "scenarios.broken"),
                runs: try Self.int(row["runs"], "scenarios.runs"), violations: try Self.int(row["violations"], "scenarios.violations"),
                unknowns: try Self.int(row["unknowns"], "scenarios.unknowns"), derivedRuns: try Self.int(row["derivedRuns"], "scenarios.derivedRuns"),
                droppedRuns: dropped)
        }
        findings = try Self.array(value["findings"], "findings").map { (item) throws(FieldError) in
            var notShrunk: String?
            if let why = item["notShrunk"], why != .null { notShrunk = try Self.string(why, "findings.notShrunk") }
            let file = try Self.string(item["file"], "findings.file")
            guard !file.isEmpty, !file.contains("/"), file != "..", file != "." else { throw FieldError(message: "findings.file '\(file)' is not a file name") }
            return FuzzFinding(
                scenario: try Self.string(item["scenario"], "findings.scenario"), signature: try Self.string(item["signature"], "findings.signature"),
                file: file, shrunk: try Self.bool(item["shrunk"], "findings.shrunk"), notShrunk: notShrunk,
                events: try Self.int(item["events"], "findings.events"), reproduction: try Self.string(item["reproduction"], "findings.reproduction"))
        }
        var coverage = Coverage()
        coverage.states = try Self.hashes(value["coverage"]?["states"], "coverage.states", version: version)
        coverage.transitions = try Self.hashes(value["coverage"]?["transitions"], "coverage.transitions", version: version)
        self.coverage = coverage
        errors = try Self.array(value["errors"], "errors").map { (item) throws(FieldError) in try Self.string(item, "errors") }
    }

    /// Coverage hashes as the record keeps them: the hashes as unsigned 64-bit numbers, sorted (one coverage, one
    /// text), 8 big-endian bytes each, in one base64 string — about 11 bytes a hash. Every hash is kept exactly: a
    /// merge's union of shards' coverage needs each one, so they are not sampled or summarised.
    static func encodedHashes(_ hashes: Set<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * 8)
        for hash in hashes.map({ UInt64(bitPattern: Int64($0)) }).sorted() {
            withUnsafeBytes(of: hash.bigEndian) { bytes.append(contentsOf: $0) }
        }
        return Base64.encodeToString(bytes: bytes)
    }

    /// The hashes of a record of `version`: a base64 string (``encodedHashes(_:)``), or in version 1 an array of
    /// numbers.
    private static func hashes(_ value: JSONValue?, _ field: String, version: Int) throws(FieldError) -> Set<Int> {
        if version == 1 {
            return Set(try array(value, field).map { (item) throws(FieldError) in try int(item, field) })
        }
        let text = try string(value, field)
        guard let bytes = try? Base64.decode(string: text), bytes.count % 8 == 0 else {
            throw FieldError(message: "\(field) is not base64 of 8-byte hashes")
        }
        var hashes = Set<Int>(minimumCapacity: bytes.count / 8)
        for start in stride(from: 0, to: bytes.count, by: 8) {
            let hash = bytes[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            hashes.insert(Int(Int64(bitPattern: hash)))
        }
        return hashes
    }

    private static func string(_ value: JSONValue?, _ field: String) throws(FieldError) -> String {
        guard case .string(let text)? = value else { throw FieldError(message: "\(field) is missing or not a string") }
        return text
    }

    private static func int(_ value: JSONValue?, _ field: String) throws(FieldError) -> Int {
        guard case .integer(let number)? = value, let exact = Int(exactly: number) else { throw FieldError(message: "\(field) is missing or not an integer") }
        return exact
    }

    private static func double(_ value: JSONValue?, _ field: String) throws(FieldError) -> Double {
        switch value {
        case .number(let number)?: return number
        case .integer(let number)?: return Double(number)
        default: throw FieldError(message: "\(field) is missing or not a number")
        }
    }

    private static func bool(_ value: JSONValue?, _ field: String) throws(FieldError) -> Bool {
        guard case .bool(let flag)? = value else { throw FieldError(message: "\(field) is missing or not true or false") }
        return flag
    }

    private static func array(_ value: JSONValue?, _ field: String) throws(FieldError) -> [JSONValue] {
        guard case .array(let items)? = value else { throw FieldError(message: "\(field) is missing or not an array") }
        return items
    }
}
