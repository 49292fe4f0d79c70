import Glibc
import IPCHarness
import IPCModels
import Testing

/// Faults and kills together (issue 20): a fault the driver decided is in the trace whether or not its worker lived
/// to report it, so the checker judges a killed, cut call as the cut call; correct scenarios pass every fault kind
/// with and without kills; and `bench real` names any correct scenario that did not pass.
@Suite struct FaultsMeetKillsTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-faults-kills-\(getpid())"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    /// The issue's three reproductions: each reported a VIOLATION of a correct pipe scenario.
    @Test(arguments: [
        ("pipe-basic", UInt64(5), 50, "eintr,short,eagain,kill"),
        ("pipe-write-all", UInt64(3), 100, "all"),
        ("pipe-write-all", UInt64(1), 100, "all"),
    ])
    func theReportedRunsPass(name: String, seed: UInt64, runs: Int, faults: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let options = RunOptions(
            seed: seed, runs: runs, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60),
            faults: try FaultOptions(parsing: faults, killRate: 0.2))
        let summary = try ScenarioRunner.run(scenario, options: options, worker: worker)
        #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
        #expect(summary.unknowns == 0)
    }

    /// As in the first reproduction, process 2's write is cut short and the process killed in it (seed 190 since
    /// injected EINTRs were limited to calls that would sleep, which changed which runs meet a cut and a kill). The cut is a `fault` event before the kill; the probe's count is judged against the cut call and
    /// accepted; and a replay injects the same cut and reads the same count.
    @Test func aCutCallWhoseWorkerIsKilledIsInTheTraceAndReplays() throws {
        let scenario = try #require(Scenarios.named("pipe-basic"))
        let faults = try FaultOptions(parsing: "eintr,short,eagain,kill", killRate: 0.2)
        let result = try ScenarioRunner.runOnce(
            scenario, seed: 190, strategy: .random, worker: worker,
            checkBudget: CheckBudget(seconds: 60), faults: faults)
        #expect(result.report.result == .ok, "\(result.report.explanation)")
        let events = result.trace.events
        let kill = try #require(events.first { $0.type == .kill && $0.process == 2 })
        let write = try #require(events.last { $0.type == .invoke && $0.process == 2 && $0.index < kill.index })
        let cut = events.first { $0.type == .fault && $0.process == 2 && $0.index > write.index && $0.index < kill.index }
        #expect(cut?.fault == "short", "the fault the killed worker fired is missing from the trace")
        let probe = try #require(events.first { $0.type == .invoke && $0.extra["resolves"] == .integer(2) })
        let observed = try #require(events.first { $0.type == .ok && $0.process == probe.process && $0.index > probe.index })

        mkdir(directory, 0o700)
        let path = "\(directory)/cut-and-killed.jsonl"
        try result.trace.write(to: path)
        defer { unlink(path) }
        let replay = try Replayer.replay(path: path, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.result.report.result == .ok, "\(replay.result.report.explanation)")
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        let replayed = replay.result.trace.events
        let replayedProbe = try #require(replayed.first { $0.type == .invoke && $0.extra["resolves"] == .integer(2) })
        let replayedCount = replayed.first { $0.type == .ok && $0.process == replayedProbe.process && $0.index > replayedProbe.index }
        #expect(replayedCount?.value == observed.value)
    }

    /// The bounded soak: every correct real-mode scenario under every fault kind on its own, without kills and
    /// with kill rate 0.2, and under all of them at once with kills: no violation, nothing undecided.
    @Test func everyCorrectRealModeScenarioPassesEveryFaultKindWithAndWithoutKills() throws {
        let scenarios = Scenarios.all.filter { !$0.isBroken && $0.modes.contains(.real) }
        #expect(scenarios.count >= 30)
        let kinds = FaultOptions.Kind.allCases.filter { $0 != .kill }
        var cells: Set<String> = []
        for (index, scenario) in scenarios.enumerated() {
            let single = kinds[index % kinds.count]
            let other = kinds[(index + 3) % kinds.count]
            let settings = [
                FaultOptions(kinds: [single]),
                FaultOptions(kinds: [other, .kill], killRate: 0.2),
                FaultOptions(kinds: Set(FaultOptions.Kind.allCases), killRate: 0.2),
            ]
            for (offset, faults) in settings.enumerated() {
                let seed = UInt64(20_000 + 10 * index + offset)
                let result = try ScenarioRunner.runOnce(
                    scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60),
                    faults: faults, mode: .real)
                #expect(
                    result.report.result == .ok,
                    "\(RealBenchmark.command(scenario: scenario.name, seed: seed, faults: faults)): \(result.report.explanation)")
                cells.insert("\(faults.kinds.subtracting([.kill]).count == 1 ? faults.kinds.subtracting([.kill]).first!.rawValue : "all") \(faults.killRate > 0)")
            }
        }
        // Every kind met, both with and without kills.
        for kind in kinds {
            #expect(cells.contains("\(kind.rawValue) false") && cells.contains("\(kind.rawValue) true"), "\(kind): \(cells)")
        }
    }

    /// `bench real`'s soak names a run that did not pass with its scenario, seed, trace and the command that
    /// repeats it; and that command's run fails again.
    @Test func theBenchNamesAFailedRunWithTheCommandThatRepeatsIt() throws {
        let broken = try #require(Scenarios.named("pipe-broken-reorders"))
        var soak = RealBenchmark.Soak(
            seconds: 600, runs: 6, jobs: 1, faults: try FaultOptions(parsing: "delay", killRate: nil),
            outputDirectory: directory)
        soak.scenarios = [broken]
        let result = try RealBenchmark.soakRuns(soak, worker: worker)
        #expect(result.runs == 6)
        let failure = try #require(result.failures.first)
        defer { for failure in result.failures { unlink(failure.trace) } }
        #expect(failure.scenario == "pipe-broken-reorders" && failure.verdict == "violation")
        #expect(failure.command == "ipc-harness run pipe-broken-reorders --mode real --seed \(failure.seed) --runs 1 --faults delay")
        #expect(try Trace.load(path: failure.trace).verdict?.result == .violation)
        let again = try ScenarioRunner.runOnce(
            broken, seed: failure.seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60),
            faults: soak.faults, mode: .real)
        #expect(again.report.result == .violation)
        let text = RealBenchmark.failureLines(result.failures).joined(separator: "\n")
        #expect(text.contains("NOT OK: pipe-broken-reorders seed \(failure.seed)"))
        #expect(text.contains("rerun: \(failure.command)"))
    }
}
