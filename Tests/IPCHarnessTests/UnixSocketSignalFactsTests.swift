import IPCHarness
import IPCModels
import Testing

/// What signals do to blocked Unix stream socket calls on this kernel, seen through worker processes (a signal
/// must reach the thread that is blocked, and a worker has one), and checked against the unix-socket model.
@Suite struct UnixSocketSignalFactsTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
    }

    /// Runs `program` in one worker holding both ends of a stream pair, with every blocked operation signalled
    /// (`kind`: with or without `SA_RESTART`); returns the trace's completions and the verdict.
    func run(
        _ program: [(f: String, value: JSONValue)], signals kind: FaultOptions.Kind
    ) throws -> (outcomes: [JSONValue?], report: CheckReport) {
        let workload = Workload(
            objects: [
                Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])
            ],
            processes: [
                Workload.Process(
                    id: 1, holds: ["s0": ["a", "b"]],
                    program: program.map { Call(process: 1, object: "s0", f: $0.f, value: $0.value) })
            ])
        let scenario = Scenario.real(
            name: "test-unix-socket-signals", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
            summary: "",
            makeWorkload: { _ in workload })
        let result = try ScenarioRunner.runOnce(
            scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30),
            faults: FaultOptions(kinds: [kind], rate: 1))
        #expect(result.trace.events.contains { $0.type == .fault && $0.fault == "signal" }, "no signal was sent")
        return (result.trace.events.filter { $0.type == .ok || $0.type == .fail }.map(\.value), result.report)
    }

    @Test(arguments: [FaultOptions.Kind.signal, .signalRestart])
    func aBlockingStreamSendWokenByASignalReturnsTheBuffersItQueuedEvenWithRestart(kind: FaultOptions.Kind) throws {
        // Nobody reads. The first send queues 150000 bytes; the second queues 36544-byte buffers until the send
        // buffer is full, then sleeps. The signal ends it with the count so far; SA_RESTART changes nothing, as
        // only a call that moved nothing is restarted. (Two sends: one op of 300 KB exceeds a control message.)
        let data = Payload.json([UInt8](repeating: UInt8(ascii: "x"), count: 150_000))
        let (outcomes, report) = try run(
            [("send", ["end": "a", "data": data]), ("send", ["end": "a", "data": data])], signals: kind)
        guard outcomes.count == 2, case .integer(let first)? = outcomes[0]?["sent"],
            case .integer(let second)? = outcomes[1]?["sent"]
        else {
            Issue.record("the sends did not both report a count: \(outcomes)")
            return
        }
        #expect(first == 150_000)
        #expect(
            second > 0 && second < 150_000 && Int(second) % UnixSocketMemory.streamBufferLimit == 0, "sent \(second)")
        #expect(report.result == .ok, "\(report.explanation)")
    }
}
