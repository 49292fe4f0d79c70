import Glibc
@testable import IPCHarness
import IPCModels
import Testing

/// `bench fuzz` on a session the harness could not run: its attempt is an error, named, and left out of the medians —
/// never counted as "no violation within the limits".
@Suite struct FuzzBenchmarkTests {
    /// Broken on purpose, so `bench fuzz` would measure it, but its objects cannot be set up: no kind has that name.
    static let unprovisionable = Scenario.real(
        name: "test-fuzz-bench-unprovisionable", kind: PipeKind.self, summary: "", isBroken: true,
        makeWorkload: { _ in
            Workload(
                objects: [Workload.Object(name: "p0", kind: "no-such-kind")],
                processes: [Workload.Process(id: 1, holds: ["p0": ["read", "write"]], program: [
                    Call(process: 1, object: "p0", f: "write", value: ["data": "x", "nonblocking": true])
                ])])
        })

    @Test func aSessionWhoseSetupFailsIsAnErrorNamedAndLeftOutOfTheMedians() throws {
        ProcessSetup.ignoreBrokenPipes()
        let limits = FuzzBenchmark.Limits(seeds: 2, maxRuns: 5, maxSeconds: 60)
        let rows = FuzzBenchmark.run(
            scenarios: [Self.unprovisionable], limits: limits, jobs: 1, worker: try WorkerLocator.workerCommand(),
            budget: CheckBudget(seconds: 30))
        let row = try #require(rows.first)
        #expect(row.guided.count == 2 && row.unguided.count == 2)
        #expect(row.erred.count == 4, "\(row.guided.map(\.error)) \(row.unguided.map(\.error))")
        #expect(FuzzBenchmark.medianRuns(row.guided) == nil)
        let error = try #require(FuzzBenchmark.harnessError(in: rows))
        #expect(error.description.hasPrefix("test-fuzz-bench-unprovisionable seed 1 "), "\(error)")
        #expect(error.description.contains("no-such-kind") && error.description.hasSuffix("(and 3 more sessions)"), "\(error)")
        #expect(!error.description.contains("\n"))
        let table = FuzzBenchmark.table(rows, limits: limits)
        #expect(table.contains("test-fuzz-bench-unprovisionable seed 2 unguided: harness error, left out of the medians: "), "\(table)")
        #expect(FuzzBenchmark.json(rows, limits: limits).contains("no-such-kind"))
    }

    @Test func erredAttemptsDoNotCountAsNotFound() {
        let found = [3, 5].map { FuzzBenchmark.Attempt(seed: UInt64($0), runs: $0, seconds: 1, runsMade: $0) }
        let erred = (10...12).map { FuzzBenchmark.Attempt(seed: UInt64($0), runs: nil, seconds: 0, runsMade: 0, error: "setup failed") }
        // Counted as not found, the three would make the median ">limit"; left out, it is the found ones'.
        #expect(FuzzBenchmark.medianRuns(found + erred) == 4)
        #expect(FuzzBenchmark.medianSeconds(found + erred) == 1)
        let row = FuzzBenchmark.Row(scenario: "s", guided: found + erred, unguided: found)
        #expect(FuzzBenchmark.harnessError(in: [row])?.description == "s seed 10 guided: setup failed (and 2 more sessions)")
        #expect(FuzzBenchmark.harnessError(in: [FuzzBenchmark.Row(scenario: "s", guided: found, unguided: found)]) == nil)
    }
}
