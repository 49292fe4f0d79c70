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
        let options = FuzzOptions(seconds: 2, scenarios: scenarios, jobs: 2, outputDirectory: directory, seed: 11, shrinkSeconds: 20)
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: 1) { _ in }
        #expect(summary.errors.isEmpty, "\(summary.errors)")
        let broken = try #require(summary.scenarios.first { $0.scenario.name == "pipe-broken-reorders" })
        #expect(broken.violations >= 1)
        #expect(broken.traces.count == 1, "one kind of failure, saved once: \(broken.traces)")
        #expect(summary.unexpectedViolations == 0)
        let saved = try Trace.load(path: try #require(broken.traces.first))
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
        let saved = try Trace.load(path: try #require(broken.traces.first))
        #expect(saved.header.mode == "sim")
        #expect(saved.expectation == .violation)
        let replay = try Replayer.replay(saved, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .violation)
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
}
