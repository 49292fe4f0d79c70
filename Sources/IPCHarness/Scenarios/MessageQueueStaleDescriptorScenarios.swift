import IPCModels

/// A producer that reconnects (closes its queue descriptor and opens the queue again) and, on one path, sends through
/// its old number, which by then is another file's (``PosixMessageQueueModel/ForeignDescriptor/otherFile``): the
/// kernel answers `EBADF`.
extension MessageQueueScenarios {
    /// Robust: the producer takes the `EBADF` as a failure, opens the queue again and sends the message again.
    public static let reopensAfterEBADF = Scenario.real(
        name: "posix-mq-robust-reopens-after-ebadf", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "robust twin of posix-mq-fragile-errno-eagain-only: a producer that reconnects sends once through its old mqd_t (now another file's: EBADF), opens the queue again and resends",
        makeWorkload: { generator in staleDescriptorWorkload(generator: &generator) })

    /// Fragile twin: the same producer whose error check looks only for `EAGAIN` (`if (errno == EAGAIN) retry; else
    /// sent++`), so the `EBADF` of the send through its old number counts as sent: a message the queue never had.
    public static let errnoEAGAINOnly = Scenario.real(
        name: "posix-mq-fragile-errno-eagain-only", kind: PosixMessageQueueKind.self, implementation: "client.mq-errno-eagain-only",
        summary: "BROKEN: a producer whose mq_send error check looks only for EAGAIN counts the EBADF of a send through its stale mqd_t (another file's number since it reconnected) as sent",
        isBroken: true,
        makeWorkload: { generator in staleDescriptorWorkload(generator: &generator) })

    /// Process 1 sends 2-4 messages, closes its descriptor, sends one through its old number (`"descriptor":
    /// "other-file"`), opens the queue again and sends that message again, then 0-2 more; process 2 receives,
    /// nonblocking, as many times as there are messages and two more, and ends with `mq_getattr`.
    static func staleDescriptorWorkload(generator: inout SeededGenerator) -> Workload {
        func send(_ sequence: Int, stale: Bool = false, generator: inout SeededGenerator) -> Call {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 4...32), generator: &generator)
            var value: JSONObject = ["data": Payload.json(data), "priority": .int(generator.next(in: 0...3)), "nonblocking": true]
            if stale { value["descriptor"] = "other-file" }
            return Call(process: 1, object: "q0", f: "send", value: .object(value))
        }
        var producer: [Call] = []
        var sequence = 0
        for _ in 0..<generator.next(in: 2...4) {
            producer.append(send(sequence, generator: &generator))
            sequence += 1
        }
        producer.append(Call(process: 1, object: "q0", f: "close"))
        let stale = send(sequence, stale: true, generator: &generator)
        producer.append(stale)
        producer.append(Call(process: 1, object: "q0", f: "open"))
        if case .object(var value)? = stale.value {
            value["descriptor"] = nil
            producer.append(Call(process: 1, object: "q0", f: "send", value: .object(value)))
        }
        sequence += 1
        for _ in 0..<generator.next(in: 0...2) {
            producer.append(send(sequence, generator: &generator))
            sequence += 1
        }
        var consumer = (0..<(sequence + 2)).map { _ in
            Call(process: 2, object: "q0", f: "receive", value: ["max": 64, "nonblocking": true])
        }
        consumer.append(Call(process: 2, object: "q0", f: "getattr"))
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 10, "messageSize": 64])],
            processes: [
                Workload.Process(id: 1, holds: ["q0": ["open"]], program: producer),
                Workload.Process(id: 2, holds: ["q0": ["open"]], program: consumer),
            ])
    }
}
