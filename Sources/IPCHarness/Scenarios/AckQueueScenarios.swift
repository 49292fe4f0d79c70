import IPCModels

/// A work queue whose consumers are killed between taking a message and acknowledging it: the fragile consumer
/// that keeps its message only in its own memory loses it; the queue that records messages in flight in shared
/// memory gives it back. Kills are on by default (`--faults` overrides).
public enum AckQueueScenarios {
    public static let all: [Scenario] = [forgetsUnacknowledged, redelivers]

    public static let forgetsUnacknowledged = consumers(
        "ack-queue-fragile-forgets-unacked", "client.consumer-forgets-unacked",
        "BROKEN under kills: a consumer that takes a message out of the queue and keeps it only in its own memory until its ack",
        isBroken: true)

    public static let redelivers = consumers(
        "ack-queue-robust-redelivers", "reference.ack-queue",
        "robust twin of ack-queue-fragile-forgets-unacked: a message in flight is recorded in shared memory and given back when its consumer dies")

    /// One producer sending 3-6 numbered messages, then draining the queue; 2-3 consumers each taking and
    /// acknowledging 2-3 messages; under kills, often.
    static func consumers(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false) -> Scenario {
        Scenario.real(
            name: name, kind: AckQueueKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            defaultFaults: FaultScenarios.kills,
            makeWorkload: { generator in
                let messages = generator.next(in: 3...6)
                let consume = { (process: Int, count: Int) in
                    (0..<count).flatMap { _ in
                        ["receive", "ack"].map { Call(process: process, object: "q0", f: $0) }
                    }
                }
                let producer = (1...messages).map { Call(process: 1, object: "q0", f: "send", value: ["message": .int($0)]) }
                    + consume(1, messages + 1)
                var processes = [Workload.Process(id: 1, holds: ["q0": ["use"]], program: producer)]
                for consumer in 2...generator.next(in: 3...4) {
                    processes.append(Workload.Process(id: consumer, holds: ["q0": ["use"]], program: consume(consumer, generator.next(in: 2...3))))
                }
                let capacity = generator.next(in: 3...8)
                return Workload(
                    objects: [Workload.Object(name: "q0", kind: "ack-queue", parameters: ["capacity": .int(capacity)])],
                    processes: processes)
            })
    }
}
