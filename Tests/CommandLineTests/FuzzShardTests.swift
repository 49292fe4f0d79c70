import Foundation
import IPCHarness
import TestSupport
import Testing

/// Issue 17: a fuzzing session split into shards, one process each, then merged — a small, deterministic version of
/// "four shards merged find what one session finds": simulation scenarios only (a seed fixes the whole run), and
/// sessions bounded by runs, not time.
@Suite struct FuzzShardTests {
    let cli = CommandLineTests()
    static let scenarios = "hol-shared-ring,spsc-ring-broken,seqlock,spsc-ring"

    /// Starts one `ipc-harness fuzz` process per argument list, all at once, and waits for all of them.
    func fuzzAtOnce(_ sessions: [[String]]) throws -> [Int32] {
        let processes = try sessions.map { arguments in
            let process = Process()
            process.executableURL = CommandLineTests.executable
            process.arguments = ["fuzz"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.runHoldingOffAgreementTests()
            return process
        }
        for process in processes { process.waitUntilExit() }
        return processes.map(\.terminationStatus)
    }

    func session(_ out: String, runs: Int, shard: String? = nil, guided: Bool) -> [String] {
        ["--runs", String(runs), "--seed", "7", "--mode", "sim", "--scenarios", Self.scenarios, "--shrink-time", "0", "--out", out]
            + (shard.map { ["--shard", $0] } ?? []) + (guided ? [] : ["--unguided"])
    }

    /// Unguided, the four shards make exactly the whole session's runs: the same counts per scenario, the same kinds
    /// of violation (each once), the same coverage.
    @Test func fourUnguidedShardsMergedAreTheWholeSession() throws {
        let shards = (0..<4).map { "\(cli.directory)/unguided/shard-\($0)" }
        let whole = "\(cli.directory)/unguided/whole"
        let statuses = try fuzzAtOnce(shards.indices.map { session(shards[$0], runs: 12, shard: "\($0)/4", guided: false) } + [session(whole, runs: 48, guided: false)])
        #expect(statuses == [0, 0, 0, 0, 0])
        let merged = try FuzzMerge.merge(directories: shards)
        let alone = try FuzzMerge.merge(directories: [whole])
        #expect(merged.rows == alone.rows)
        #expect(merged.runs == 48)
        #expect(Set(merged.kept.map(\.finding.signature)) == Set(alone.kept.map(\.finding.signature)))
        #expect(merged.kept.count == Set(merged.kept.map(\.finding.signature)).count, "each kind once")
        #expect(!merged.kept.isEmpty && merged.rows.contains { $0.scenario == "hol-shared-ring" && $0.violations > 0 })
        #expect(merged.coverage == alone.coverage)
        #expect(merged.coverage.states.count < merged.records.reduce(0) { $0 + $1.coverage.states.count }, "shards overlap: hashes are comparable across processes")

        let text = try cli.runArguments(["fuzz", "merge"] + shards + ["--into", "\(cli.directory)/unguided/merged"])
        #expect(text.status == 0, "\(text.output)\(text.error)")
        #expect(text.output.contains("48 runs in 4 shards"))
        #expect(text.output.contains("\(merged.coverage.states.count) model states and \(merged.coverage.transitions.count) transitions covered (union)"))
        for kept in merged.kept {
            #expect(FileManager.default.fileExists(atPath: "\(cli.directory)/unguided/merged/\(kept.finding.file)"))
        }

        // Never a verdict about shards it has not read.
        try refusals(shards: shards, whole: whole)
    }

    /// Guided, each shard builds on its own corpus; merged, each kind of violation is kept once (the shortest
    /// trace), the runs add up and the coverage is the union of the shards'.
    @Test func guidedShardsMergeWithoutDuplicatesAndUniteCoverage() throws {
        let shards = (0..<4).map { "\(cli.directory)/guided/shard-\($0)" }
        #expect(try fuzzAtOnce(shards.indices.map { session(shards[$0], runs: 15, shard: "\($0)/4", guided: true) }) == [0, 0, 0, 0])
        let merged = try FuzzMerge.merge(directories: shards)
        #expect(merged.runs == 60)
        #expect(merged.rows.reduce(0) { $0 + $1.derivedRuns } > 0, "guided shards derive runs from their corpus")
        #expect(merged.kept.count == Set(merged.kept.map(\.finding.signature)).count)
        let findings = merged.records.flatMap(\.findings)
        #expect(merged.kept.count + merged.duplicates == findings.count)
        for kept in merged.kept {
            let shortest = findings.filter { $0.signature == kept.finding.signature }.map(\.events).min()
            #expect(kept.finding.events == shortest)
        }
        var union = Coverage()
        for record in merged.records { union.formUnion(record.coverage) }
        #expect(merged.coverage == union)
    }

    func refusals(shards: [String], whole: String) throws {
        func refused(_ directories: [String], _ message: String) throws {
            let result = try cli.runArguments(["fuzz", "merge"] + directories)
            #expect(result.status == 2, "\(directories): \(result.output)")
            #expect(result.error.split(separator: "\n").count == 1 && result.error.contains(message), "\(result.error)")
            #expect(result.output.isEmpty, "no table for a refused merge: \(result.output)")
        }
        try refused(Array(shards.prefix(3)), "shard 3/4 is missing")
        try refused(shards + [shards[1]], "shard 1/4 given twice")
        try refused(Array(shards.prefix(3)) + [whole], "is a shard of another session")
        try refused(shards + ["\(cli.directory)/nowhere"], "no such directory")

        let manager = FileManager.default
        let broken = "\(cli.directory)/unguided/broken"
        try manager.copyItem(atPath: shards[2], toPath: broken)
        try Data("{\"format\":\"ipc-fuzz-summary\",".utf8).write(to: URL(fileURLWithPath: broken + "/fuzz-summary.json"))
        try refused([shards[0], shards[1], broken, shards[3]], "not a fuzz summary")
        try manager.removeItem(atPath: broken + "/fuzz-summary.json")
        try refused([shards[0], shards[1], broken, shards[3]], "missing or unreadable")

        let lost = "\(cli.directory)/unguided/lost"
        let record = try FuzzMerge.merge(directories: shards).kept[0]
        let index = try #require(shards.firstIndex(of: record.directory))
        try manager.copyItem(atPath: shards[index], toPath: lost)
        try manager.removeItem(atPath: lost + "/" + record.finding.file)
        var directories = shards
        directories[index] = lost
        try refused(directories, "the trace \(record.finding.file) its summary names is missing")
    }

    @Test func aShardMustBeOneOfItsSessions() throws {
        for shard in ["4/4", "1", "a/b", "0/0"] {
            let result = try cli.runArguments(["fuzz", "--runs", "1", "--shard", shard])
            #expect(result.status == 2)
            #expect(result.error.hasPrefix("error: --shard must be K/N"), "\(result.error)")
        }
        let neither = try cli.runArguments(["fuzz"])
        #expect(neither.status == 2 && neither.error.hasPrefix("error: give --time"))
    }
}
