import ExampleIPC
import Foundation
import IPCHarness
import Testing

/// The user's own scenarios fuzzed as a fleet would: shards of one session through the example's command line
/// (`example-harness fuzz --shard K/N`), merged by it (`fuzz merge`) and read back with the library's `FuzzMerge`.
@Suite struct ExampleFuzzShardTests {
    let directory = "/tmp/ipc-harness-example-fuzz-\(getpid())"
    static let scenarios = "example-stack-untagged,example-handoff-relaxed,example-stack,example-handoff"

    func shard(_ index: Int, of count: Int, runs: Int, guided: Bool) throws -> Int32 {
        let out = "\(directory)/\(guided ? "guided" : "unguided")/\(count == 1 ? "whole" : "shard-\(index)")"
        var arguments = ["fuzz", "--runs", String(runs), "--seed", "3", "--mode", "sim", "--scenarios", Self.scenarios,
                         "--shrink-time", "0", "--out", out, "--shard", "\(index)/\(count)"]
        if !guided { arguments.append("--unguided") }
        return try exampleHarness(arguments).status
    }

    @Test func theExamplesScenariosFuzzInShardsThatMergeToTheWholeSession() throws {
        for index in 0..<2 { #expect(try shard(index, of: 2, runs: 10, guided: false) == 0) }
        #expect(try shard(0, of: 1, runs: 20, guided: false) == 0)
        let merged = try FuzzMerge.merge(directories: (0..<2).map { "\(directory)/unguided/shard-\($0)" })
        let whole = try FuzzMerge.merge(directories: ["\(directory)/unguided/whole"])
        #expect(merged.rows == whole.rows)
        #expect(merged.coverage == whole.coverage)
        #expect(Set(merged.kept.map(\.finding.signature)) == Set(whole.kept.map(\.finding.signature)))
        #expect(merged.unexpectedViolations == 0)

        for index in 0..<2 { #expect(try shard(index, of: 2, runs: 10, guided: true) == 0) }
        let text = try exampleHarness("fuzz", "merge", "\(directory)/guided/shard-0", "\(directory)/guided/shard-1")
        #expect(text.status == 0)
        #expect(text.output.contains("20 runs in 2 shards"), "\(text.output)")
        let missing = try exampleHarness("fuzz", "merge", "\(directory)/guided/shard-0").status
        #expect(missing == 2, "a merge without shard 1 is refused")
    }
}
