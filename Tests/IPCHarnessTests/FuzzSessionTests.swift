import Glibc
import IPCHarness
import Testing

/// A fuzzing session run as the command line runs it: the session writes its own record, and one bounded by runs
/// alone has no time limit (none is made up for it).
@Suite struct FuzzSessionTests {
    let directory = "/tmp/ipc-harness-fuzz-session-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    @Test func aSessionBoundedByRunsAloneWritesItsOwnRecord() throws {
        let scenarios = [try #require(Scenarios.named("spsc-ring")), try #require(Scenarios.named("spsc-ring-broken"))]
        let options = FuzzOptions(
            seconds: nil, scenarios: scenarios, outputDirectory: directory, seed: 3, shrinkSeconds: 0, mode: .sim, maxRuns: 8)
        let summary = try FuzzSession.run(options, worker: try WorkerLocator.workerCommand())
        #expect(summary.errors.isEmpty, "\(summary.errors)")
        #expect(summary.progress.runs == 8)
        #expect(summary.exitStatus == 0, "only the broken twin may fail")
        let record = try FuzzRecord.load(directory: directory)
        #expect(record.runs == 8)
        #expect(record.configuration.seconds == nil)
        #expect(record.configuration.maxRuns == 8)
        #expect(record.coverage == summary.coverage)
        #expect(record.findings.count == summary.scenarios.reduce(0) { $0 + $1.traces.count })
    }

    @Test(arguments: [(2.0, "2s"), (90, "1m30s"), (3600, "1h"), (5400, "1h30m"), (93_784, "1d2h3m4s"), (0.5, "0.5s"), (0, "0s")])
    func aTimeLimitIsPrintedAsADurationThatReadsBack(seconds: Double, text: String) {
        #expect(FuzzText.duration(seconds) == text)
        #expect(FuzzText.seconds(from: text) == seconds)
    }
}
