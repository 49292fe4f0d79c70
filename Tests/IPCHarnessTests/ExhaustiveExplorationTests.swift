import Glibc
import IPCHarness
import IPCModels
import Testing

/// Bounded exhaustive exploration on the real kernel: two processes with two nonblocking writes each have six
/// interleavings; two without a preemption (one process runs out, then the other), four with at most one.
@Suite struct ExhaustiveExplorationTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-exhaustive-\(getpid())"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    static let scenario = Scenario.real(
        name: "test-two-by-two", kind: PipeKind.self, implementation: "kernel.pipe", summary: "",
        makeWorkload: { _ in
            let program = { (process: Int) in
                (0..<2).map { (_: Int) -> Call in
                    Call(process: process, object: "p0", f: "write", value: ["data": .string("\(process)"), "nonblocking": true])
                }
            }
            return Workload(
                objects: [Workload.Object(name: "p0", kind: "pipe")],
                processes: [
                    Workload.Process(id: 1, holds: ["p0": ["write"]], program: program(1)),
                    Workload.Process(id: 2, holds: ["p0": ["write", "read"]], program: program(2)),
                ])
        })

    @Test(arguments: [(0, 2), (1, 4), (2, 6), (5, 6)])
    func everyScheduleWithinTheBoundRunsOnce(bound: Int, schedules: Int) throws {
        var orders: Set<[Int]> = []
        let options = RunOptions(
            seed: 1, runs: 50, strategy: .exhaustive(preemptions: bound), outputDirectory: directory)
        let summary = try ScenarioRunner.run(Self.scenario, options: options, worker: worker) { _, result in
            orders.insert(result.trace.events.filter { $0.type == .invoke }.map(\.process))
        }
        #expect(summary.violations == 0)
        #expect(summary.explorationComplete == true)
        #expect(summary.runs == schedules)
        #expect(orders.count == schedules)
    }

    @Test func aRunsLimitBelowTheTreeLeavesTheExplorationIncomplete() throws {
        let options = RunOptions(seed: 1, runs: 3, strategy: .exhaustive(preemptions: 2), outputDirectory: directory)
        let summary = try ScenarioRunner.run(Self.scenario, options: options, worker: worker)
        #expect(summary.runs == 3)
        #expect(summary.explorationComplete == false)
    }

    @Test func theStrategyIsWrittenAndParsed() {
        #expect(StrategySpec("exhaustive") == .exhaustive(preemptions: 2))
        #expect(StrategySpec("exhaustive:0") == .exhaustive(preemptions: 0))
        #expect(StrategySpec("exhaustive:-1") == nil)
        #expect(StrategySpec.exhaustive(preemptions: 3).description == "exhaustive:3")
    }
}
