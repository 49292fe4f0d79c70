import Foundation
import IPCHarness
import IPCModels
import Testing

/// A workload object's parameter its kind does not read (``ObjectKind/parameterNames``) is refused before anything
/// runs — by the real driver, the simulator and a replayed trace's reader alike — instead of the run being made with
/// the default it would silently fall back to; and every built-in scenario asks only for what its kinds read.
@Suite struct WorkloadParameterRefusalTests {
    /// Each built-in scenario's workloads, over 25 seeds, name only parameters their kinds read; a simulation-only
    /// scenario (whose workload is made inside its run) runs once without the simulator refusing it.
    @Test func everyBuiltInScenarioAsksOnlyForWhatItsKindsRead() throws {
        for scenario in Scenarios.all {
            if let setup = scenario.realSetup {
                for seed in UInt64(0)..<25 {
                    var generator = SeededGenerator(seed: seed)
                    let workload = setup.makeWorkload(&generator)
                    #expect(throws: Never.self, "\(scenario.name), seed \(seed)") { try workload.refuseUnknownParameters() }
                }
            } else if scenario.mode == .sim {
                #expect(throws: Never.self, "\(scenario.name)") {
                    try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 30))
                }
            }
        }
    }

    @Test func theRealDriverRefusesAMisspeltParameter() throws {
        let worker = try WorkerLocator.workerCommand()
        let workload = Workload(
            objects: [Workload.Object(name: "p0", kind: PipeKind.self, parameters: ["capacty": 4096])],
            processes: [Workload.Process(id: 1, holds: ["p0": ["read", "write"]], program: [])])
        let scenario = Scenario.real(
            name: "test-misspelt-pipe", kind: PipeKind.self, implementation: "kernel.pipe", summary: "misspelt",
            makeWorkload: { _ in workload })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        let message = error?.message ?? ""
        #expect(message.contains("object p0 (pipe) has the parameter 'capacty'"), "\(message)")
        #expect(message.contains("it reads: capacity, ioSignals, nonblocking, packet, shared"), "\(message)")
    }

    @Test func theSimulatorRefusesAParameterMeantForAnotherKind() throws {
        // `credits` is the credit ring's; the plain ring would run with its own capacity and ignore it.
        let scenario = Scenario.simulated(
            name: "test-misplaced-ring", kind: SharedRingKind.self, summary: "misplaced",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(
                        name: "r0", kind: SharedRingKind.self, parameters: ["capacity": 4, "maximumMessage": 16, "credits": 2])],
                    processes: [
                        Workload.Process(id: 1, holds: ["r0": ["send"]], program: []),
                        Workload.Process(id: 2, holds: ["r0": ["receive"]], program: []),
                    ])
            })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("has the parameter 'credits', which the kind spsc-ring does not read") == true, "\(error?.message ?? "")")
    }

    /// A saved trace's workload is what a replay or a shrink sets up again: a misspelt parameter there is refused on
    /// line 1, as the driver would refuse it; the same trace with the parameter spelt right is accepted.
    @Test func aTracesWorkloadIsRefusedOnItsFirstLine() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("traces/pipe-drops-tail-after-short-write.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        let empty = #""kind":"pipe","params":{}"#
        #expect(text.contains(empty))
        let right = text.replacingOccurrences(of: empty, with: #""kind":"pipe","params":{"capacity":65536}"#)
        let wrong = text.replacingOccurrences(of: empty, with: #""kind":"pipe","params":{"capasity":65536}"#)
        try TraceInput.validate(try Trace.parse(Array(right.utf8), name: "right.jsonl"), name: "right.jsonl")
        let error = #expect(throws: TraceError.self) {
            try TraceInput.validate(try Trace.parse(Array(wrong.utf8), name: "wrong.jsonl"), name: "wrong.jsonl")
        }
        #expect(error?.line == 1)
        #expect(error?.description.contains("'capasity'") == true, "\(error.map { "\($0)" } ?? "")")
    }
}
