import IPCHarness
import IPCModels
import Testing

/// A FIFO's `"sharedEpoll"` is judged by the model (``FIFOModel+SharedEpoll``); the real workers each make their own epoll
/// instance after `posix_spawn`, so none can share one: the real driver refuses the parameter with the reason before
/// anything runs, rather than run each sharer on an instance of its own.
@Suite struct FIFOSharedEpollRealModeTests {
    @Test func theRealDriverRefusesASharedInstance() throws {
        let worker = try WorkerLocator.workerCommand()
        let workload = Workload(
            objects: [Workload.Object(name: "f0", kind: "fifo", parameters: ["sharedEpoll": [[1, 2]]])],
            processes: [1, 2].map { Workload.Process(id: $0, holds: ["f0": ["open"]], program: []) })
        let scenario = Scenario.real(
            name: "test-fifo-shared-epoll", kind: FIFOKind.self, implementation: "kernel.fifo", summary: "shared", makeWorkload: { _ in workload })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("\"sharedEpoll\" is judged by the model only") == true, "\(error?.message ?? "")")
    }
}
