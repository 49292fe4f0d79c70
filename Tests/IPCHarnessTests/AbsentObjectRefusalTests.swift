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
        let kinds: [String: any MechanismKind.Type] = [
            "posix-sem": PosixSemaphoreKind.self, "sysv-sem": SystemVSemaphoreKind.self, "sysv-shm": SystemVSharedMemoryKind.self,
            "posix-shm": PosixSharedMemoryKind.self, "posix-mq": PosixMessageQueueKind.self, "sysv-msg": SystemVMessageQueueKind.self,
        ]
        let kindType = try #require(kinds[kind])
        let scenario = Scenario.real(
            name: "test-absent-\(kind)", kind: kindType, implementation: "kernel.\(kind)", summary: "absent",
            makeWorkload: { _ in workload })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("\"exists\": false is judged by the model only") == true, "\(error?.message ?? "")")
    }
}
