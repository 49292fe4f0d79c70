import Glibc
import IPCHarness
import IPCModels
import Testing

/// Whole RCU runs on OS threads: the Swift RCU and liburcu's flavours under injected delays, checked against the
/// RCU model; the broken twins must be caught. Seeds are fixed; the OS still schedules the threads.
@Suite struct RCUScenarioTests {
    let directory = "/tmp/ipc-harness-rcu-\(getpid())"

    func options(seed: UInt64, runs: Int, strategy: StrategySpec = .random) -> RunOptions {
        RunOptions(seed: seed, runs: runs, strategy: strategy, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60))
    }

    @Test(arguments: ["rcu-swift", "rcu-urcu-memb", "rcu-urcu-qsbr"])
    func correctImplementationsShowNoViolation(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(!scenario.isBroken)
        #expect(scenario.mode == .threads)
        for strategy in [StrategySpec.random, .pct(depth: 3)] {
            let summary = try ScenarioRunner.run(scenario, options: options(seed: 600, runs: 60, strategy: strategy), worker: nil)
            #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
            #expect(summary.unknowns == 0)
            #expect(summary.runs == 60)
        }
    }

    /// Threads mode: whether a run catches the broken twin depends on how the threads were scheduled, and a loaded
    /// machine once let rcu-broken-early-return through 100 runs (alone it is caught in the first few). Runs stop at
    /// the first violation, so allowing 1000 costs nothing when it is caught early.
    @Test(arguments: ["rcu-broken-no-grace", "rcu-broken-early-return"])
    func brokenTwinsAreCaught(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(scenario.isBroken)
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 700, runs: 1000), worker: nil)
        let violation = try #require(summary.firstViolation, "\(name) ran \(summary.runs) times without being caught")
        defer { unlink(violation.path) }
        #expect(violation.explanation.contains("object r0"))
        // The trace on disk checks to the same verdict.
        #expect(try TraceChecker.check(path: violation.path).result == .violation)
    }

    @Test func aRunRecordsEveryThreadAndEveryOperationOfItsProgram() throws {
        let scenario = try #require(Scenarios.named("rcu-urcu-memb"))
        let result = try ScenarioRunner.runOnce(scenario, seed: 31, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60))
        let trace = result.trace
        #expect(trace.header.mode == "threads")
        #expect(trace.header.model == "rcu")
        #expect(trace.header.mechanism == "liburcu.memb")
        #expect(trace.verdict?.result == .ok)
        let events = trace.events
        let processes = Set(events.map(\.process))
        #expect(events.filter { $0.type == .spawn }.count == processes.count)
        #expect(events.filter { $0.type == .exit }.count == processes.count)
        #expect(events.filter { $0.type == .invoke }.count == events.filter { $0.type == .ok }.count)
        #expect(events.map(\.index) == Array(0..<events.count))
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
        // Every version but the last published one is reclaimed, by the updater or by the callback thread.
        let published = events.filter { $0.type == .invoke && $0.f == "publish" }.count
        #expect(events.filter { $0.type == .invoke && $0.f == "reclaim" }.count == published)
        #expect(events.contains { $0.type == .fault && $0.fault == "delay" })
    }

    @Test func theSameSeedGivesTheSameProgramsAndDelays() throws {
        let scenario = try #require(Scenarios.named("rcu-swift"))
        func programs(_ seed: UInt64) throws -> [Int: [String]] {
            let trace = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .pct(depth: 3), worker: nil, checkBudget: CheckBudget(seconds: 60)).trace
            var byProcess: [Int: [String]] = [:]
            for event in trace.events where event.type == .invoke || event.type == .fault {
                byProcess[event.process, default: []].append("\(event.f ?? event.fault ?? "") \(event.value.map { "\($0)" } ?? "")")
            }
            return byProcess
        }
        #expect(try programs(12) == programs(12))
        #expect(try programs(12) != programs(13))
    }

    @Test func onlyQSBRReadersPassQuiescentStates() throws {
        for (name, expected) in [("rcu-urcu-qsbr", true), ("rcu-swift", false)] {
            let scenario = try #require(Scenarios.named(name))
            var seen = false
            for seed in UInt64(1)...10 {
                let trace = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 60)).trace
                seen = seen || trace.events.contains { $0.f == "quiescent" }
            }
            #expect(seen == expected, "\(name)")
        }
    }
}
