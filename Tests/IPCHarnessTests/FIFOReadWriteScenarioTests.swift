import IPCHarness
import IPCModels
import Testing

/// `fifo-readwrite-keepalive` on the real kernel: the server's `O_RDWR` open succeeds, its nonblocking reads find the
/// clients' bytes and, between clients, `EAGAIN` (it is a writer itself) and never end of file; every run is `ok`.
@Suite struct FIFOReadWriteScenarioTests {
    @Test func theKeepAliveServerReadsClientsBytesAndNeverEndOfFile() throws {
        let worker = try WorkerLocator.workerCommand()
        let scenario = try #require(Scenarios.named("fifo-readwrite-keepalive"))
        var seen: Set<String> = []
        for seed in UInt64(1)...6 {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: .standard)
            #expect(result.report.result == .ok, "seed \(seed): \(result.report.explanation)")
            let invokes = Dictionary(grouping: result.trace.events.filter { $0.type == .invoke }, by: \.process)
            for event in result.trace.events where event.process == 1 && event.f != nil {
                switch (event.type, event.f) {
                case (.ok, "open"?) where invokes[1]?.first?.value?["end"] == "readwrite": seen.insert("opened O_RDWR")
                case (.ok, "read"?):
                    if case .object(let value)? = event.value, value["data"] == "" { seen.insert("end of file") } else { seen.insert("data") }
                case (.fail, "read"?): seen.insert(event.error ?? "")
                default: break
                }
            }
        }
        #expect(seen.isSuperset(of: ["opened O_RDWR", "data", "EAGAIN"]), "\(seen.sorted())")
        #expect(!seen.contains("end of file"))
    }

    /// Its fragile twin, a server that takes `EAGAIN` through its `O_RDWR` descriptor for end of file, is caught.
    @Test func theServerThatExpectsEndOfFileIsCaught() throws {
        let caught = try ScenarioRuns.caught("fifo-fragile-readwrite-expects-eof", seeds: 1..<7, worker: try WorkerLocator.workerCommand())
        #expect(caught > 0, "the fragile server escaped 6 runs")
    }
}
