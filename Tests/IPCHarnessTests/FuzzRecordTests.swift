import Glibc
@testable import IPCHarness
import IPCModels
import IPCSyscalls
import Testing

/// `fuzz-summary.json` as a merge reads it back: every coverage hash exactly (a merge unites shards' hashes, so none
/// may be lost or rounded), in the compact form; a version-1 record (hashes as arrays of numbers) still read; an
/// unknown version or a damaged hash string refused in one line that names the file.
@Suite struct FuzzRecordTests {
    let directory = "/tmp/ipc-harness-fuzz-record-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func record(coverage: Coverage) throws -> FuzzRecord {
        let options = FuzzOptions(seconds: nil, scenarios: [try #require(Scenarios.named("spsc-ring"))], seed: 9, maxRuns: 3)
        let progress = FuzzProgress(elapsed: 1, runs: 0, violations: 0, unknowns: 0, states: 0, transitions: 0)
        return FuzzRecord(summary: FuzzSummary(progress: progress, scenarios: [], errors: [], coverage: coverage), options: options)
    }

    /// The record's text with `edit` applied, written into `name` and loaded.
    func load(_ record: FuzzRecord, as name: String, edit: (String) -> String = { $0 }) throws -> FuzzRecord {
        let text = edit(String(decoding: record.json.serialized(), as: UTF8.self))
        try Syscall.createDirectories(directory + "/" + name)
        try AtomicFile.write(Array(text.utf8), to: directory + "/" + name + "/" + FuzzRecord.fileName)
        return try FuzzRecord.load(directory: directory + "/" + name)
    }

    static let extremes: Set<Int> = [0, 1, -1, .min, .max, .min + 1, .max - 1, 0x0123_4567_89AB_CDEF]

    @Test func everyHashSurvivesTheCompactFormInElevenBytesAndAThird() throws {
        var coverage = Coverage()
        coverage.states = Self.extremes
        var generator = SeededGenerator(seed: 4)
        coverage.transitions = Set((0..<3000).map { _ in Int(bitPattern: UInt(generator.next())) })
        let record = try record(coverage: coverage)
        try record.write(into: directory + "/v2")
        let read = try FuzzRecord.load(directory: directory + "/v2")
        #expect(read.coverage == coverage)
        #expect(read.configuration.seconds == nil, "no time limit is written as none, not as a long one")
        #expect(read.configuration.maxRuns == 3)
        let encoded = FuzzRecord.encodedHashes(coverage.transitions)
        #expect(encoded.utf8.count == (coverage.transitions.count * 8 + 2) / 3 * 4)
        #expect(FuzzRecord.encodedHashes(Set(coverage.transitions.shuffled())) == encoded, "one coverage, one text")
        #expect(FuzzRecord.encodedHashes([]) == "")
        #expect(try load(try self.record(coverage: Coverage()), as: "empty").coverage == Coverage())
    }

    @Test func aVersionOneRecordIsStillRead() throws {
        var coverage = Coverage()
        coverage.states = Self.extremes
        coverage.transitions = [42, -42]
        let record = try record(coverage: coverage)
        let old = try load(record, as: "v1") { text in
            let numbers = { (hashes: Set<Int>) in "[" + hashes.sorted().map(String.init).joined(separator: ",") + "]" }
            let coverage = try! Regex(#""coverage":\{[^}]*\}"#)
            return text.replacing("\"version\":2", with: "\"version\":1").replacing(
                coverage, with: "\"coverage\":{\"states\":\(numbers(Self.extremes)),\"transitions\":\(numbers([42, -42]))}")
        }
        #expect(old.coverage == coverage)
    }

    @Test(arguments: [
        ("\"version\":2", "\"version\":3", "version 3, which this harness (versions 1 to 2) does not read"),
        ("\"coverage\":{\"states\":\"", "\"coverage\":{\"states\":\"#", "coverage.states is not base64 of 8-byte hashes"),
        ("\"coverage\":{\"states\":\"", "\"coverage\":{\"states\":\"AAAA", "coverage.states is not base64 of 8-byte hashes"),
    ])
    func aRecordItCannotReadIsRefusedInOneLineNamingTheFile(original: String, replacement: String, message: String) throws {
        var coverage = Coverage()
        coverage.states = Self.extremes
        let record = try record(coverage: coverage)
        let name = "bad-\(abs(replacement.hashValue))"
        let error = #expect(throws: HarnessError.self) {
            _ = try load(record, as: name) { $0.replacing(original, with: replacement) }
        }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("\(directory)/\(name)/fuzz-summary.json: not a fuzz summary"), "\(text)")
        #expect(text.contains(message), "\(text)")
        #expect(!text.contains("\n"))
    }
}
