import IPCHarness
import IPCModels
import Testing

/// A workload object of `"exists": false` (no queue, semaphore or segment until a call of the trace makes it) is a form the
/// models judge (``PosixSemaphoreModel+Creation`` and its System V siblings); the real driver provisions every object
/// before the run, so it refuses such an object with the reason before anything runs, rather than create it anyway.
@Suite struct AbsentObjectRefusalTests {
    @Test(arguments: ["posix-sem", "sysv-sem", "sysv-shm", "posix-shm", "posix-mq", "sysv-msg"]) func theRealDriverRefusesAnObjectThatDoesNotExistYet(_ kind: String) throws {
        let worker = try WorkerLocator.workerCommand()
        let parameters: JSONObject =
            switch kind {
            case "posix-sem": ["named": true, "exists": false]
            case "sysv-shm", "posix-shm": ["words": 8, "exists": false]
            default: ["exists": false]
            }
        let role = ["sysv-shm": "attach", "posix-shm": "map", "posix-mq": "open", "sysv-msg": "use"][kind] ?? "use"
        let workload = Workload(
            objects: [Workload.Object(name: "s0", kind: kind, parameters: parameters)],
            processes: [Workload.Process(id: 1, holds: ["s0": [role]], program: [])])
        let scenario: Scenario =
            switch kind {
            case "posix-sem":
                .real(name: "test-absent-posix-sem", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem", summary: "absent",
                      makeWorkload: { _ in workload })
            case "sysv-sem":
                .real(name: "test-absent-sysv-sem", kind: SystemVSemaphoreKind.self, implementation: "kernel.sysv-sem", summary: "absent",
                      makeWorkload: { _ in workload })
            case "sysv-shm":
                .real(name: "test-absent-sysv-shm", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm", summary: "absent",
                      makeWorkload: { _ in workload })
            case "posix-shm":
                .real(name: "test-absent-posix-shm", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm", summary: "absent",
                      makeWorkload: { _ in workload })
            case "posix-mq":
                .real(name: "test-absent-posix-mq", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq", summary: "absent",
                      makeWorkload: { _ in workload })
            default:
                .real(name: "test-absent-sysv-msg", kind: SystemVMessageQueueKind.self, implementation: "kernel.sysv-msg", summary: "absent",
                      makeWorkload: { _ in workload })
            }
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("\"exists\": false is judged by the model only") == true, "\(error?.message ?? "")")
    }
}
