import Glibc
import IPCHarness
import IPCModels
import Testing

@Suite struct FuzzerTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    @Test(arguments: [("90", 90.0), ("30s", 30), ("5m", 300), ("2h", 7200), ("1h30m", 5400), ("0.5s", 0.5)])
    func durationsParse(text: String, seconds: Double) {
        #expect(FuzzText.seconds(from: text) == seconds)
    }

    @Test(arguments: ["", "5x", "m", "1h30", "-3"])
    func badDurationsDoNot(text: String) {
        #expect(FuzzText.seconds(from: text) == nil)
    }

    @Test func brokenScenariosAreFoundShrunkAndSavedOnceButAreNotFindings() throws {
        let scenarios = [try #require(Scenarios.named("pipe-broken-reorders")), try #require(Scenarios.named("pipe-basic"))]
        // Unguided: a guided session's derived runs (a moved fault, a kill after a call) can fail the broken client
        // at another operation, a second kind, rightly saved apart; this test is about one kind saved once.
        let options = FuzzOptions(
            seconds: 2, scenarios: scenarios, jobs: 2, outputDirectory: directory, seed: 11, shrinkSeconds: 20, guided: false)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        #expect(summary.errors.isEmpty, "\(summary.errors)")
        let broken = try #require(summary.scenarios.first { $0.scenario.name == "pipe-broken-reorders" })
        #expect(broken.violations >= 1)
        #expect(broken.traces.count == 1, "one kind of failure, saved once: \(broken.traces.map(\.path))")
        #expect(summary.unexpectedViolations == 0)
        let saved = try Trace.load(path: try #require(broken.traces.first).path)
        #expect(saved.expectation == .violation)
        #expect(saved.verdict?.result == .violation)
        #expect(saved.verdict?.explanation.contains("longest linearizable prefix") == true)
        #expect(summary.progress.states > 0 && summary.progress.transitions > 0)
    }

    @Test func simulatedViolationsAreShrunkInTheSimulatorAndTheSavedTraceReplaysExactly() throws {
        let scenarios = [try #require(Scenarios.named("spsc-ring-broken")), try #require(Scenarios.named("spsc-ring"))]
        let options = FuzzOptions(seconds: 1, scenarios: scenarios, jobs: 1, outputDirectory: directory, seed: 5, shrinkSeconds: 20, mode: .sim)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        #expect(summary.errors.isEmpty, "\(summary.errors)")
        let broken = try #require(summary.scenarios.first { $0.scenario.name == "spsc-ring-broken" })
        #expect(broken.violations >= 1)
        #expect(summary.unexpectedViolations == 0)
        let saved = try Trace.load(path: try #require(broken.traces.first).path)
        #expect(saved.header.mode == "sim")
        #expect(try #require(broken.traces.first).reproduction.hasPrefix("replay: ipc-harness replay "))
        #expect(saved.expectation == .violation)
        let replay = try Replayer.replay(saved, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .violation)
    }

    /// Issue 14, item 19: fuzz saved unshrunk traces (one of 953 KB) beside shrunk ones without saying which.
    @Test func aTraceSavedUnshrunkSaysSoInItsNameHeaderAndTheSummary() throws {
        let scenarios = [try #require(Scenarios.named("spsc-ring-broken"))]
        let options = FuzzOptions(seconds: 1, scenarios: scenarios, jobs: 1, outputDirectory: directory, seed: 5, shrinkSeconds: 0, mode: .sim)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        let saved = try #require(summary.scenarios.first?.traces.first)
        #expect(saved.path.hasSuffix(".unshrunk.jsonl"))
        #expect(saved.notShrunk?.contains("no time left to shrink") == true)
        let trace = try Trace.load(path: saved.path)
        #expect(trace.header.extra["shrunk"] == false)
        #expect(FuzzText.summary(summary).contains("\(saved.path) (not shrunk: no time left to shrink it"))

        let shrinking = FuzzOptions(seconds: 1, scenarios: scenarios, jobs: 1, outputDirectory: directory, seed: 5, shrinkSeconds: 20, mode: .sim)
        let shrunk = try #require(Fuzzer(options: shrinking, worker: worker).run(progressInterval: 1) { _ in }.scenarios.first?.traces.first)
        #expect(!shrunk.path.hasSuffix(".unshrunk.jsonl") && shrunk.notShrunk == nil)
        #expect(try Trace.load(path: shrunk.path).header.extra["shrunk"] == true)
    }

    @Test func aViolationInAScenarioNotMarkedBrokenIsAFinding() throws {
        // The reordering client under a scenario that claims to be correct.
        let broken = try #require(Scenarios.named("pipe-broken-reorders"))
        var impostor = broken
        impostor.name = "test-looks-correct"
        impostor.isBroken = false
        let options = FuzzOptions(seconds: 1, scenarios: [impostor], jobs: 1, outputDirectory: directory, seed: 3, shrinkSeconds: 0)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        #expect(summary.unexpectedViolations >= 1)
        #expect(FuzzText.summary(summary).contains("FOUND A BUG"))
    }

    @Test func aThreadsModeViolationIsSavedWithTheCommandThatRerunsIt() throws {
        // The OS schedules threads mode's threads: its traces cannot be replayed, only rerun from their seed.
        let scenario = try #require(Scenarios.named("rcu-broken-early-return"))
        // Bounded by runs, not by a second of a machine that may be busy (caught in about 5 runs); the time limit
        // only keeps a broken build from running on.
        let options = FuzzOptions(
            seconds: 300, scenarios: [scenario], jobs: 1, outputDirectory: directory, seed: 5, shrinkSeconds: 0,
            maxRuns: 500, stopAtFirstViolation: true)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        let saved = try #require(summary.scenarios.first?.traces.first, "rcu-broken-early-return was not caught in \(summary.progress.runs) runs")
        #expect(saved.reproduction.hasPrefix("rerun: ipc-harness run rcu-broken-early-return --seed "))
        #expect(FuzzText.summary(summary).contains(saved.reproduction))
        #expect(try TraceChecker.check(path: saved.path).result == .violation)
    }
}
