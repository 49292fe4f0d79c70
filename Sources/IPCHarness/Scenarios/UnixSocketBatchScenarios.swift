import IPCModels

extension UnixSocketScenarios {
    /// A batching receiver that trusts `recvmmsg`'s count: no violation.
    public static let batchReceiverCounts = batchReceiver(
        "unix-dgram-robust-recvmmsg-count", "kernel.unix-socket",
        "a datagram pair batched both ways: sendmmsg of 1-4 datagrams, recvmmsg of 4 entries nonblocking, the receiver reading as many entries as the call returned")

    /// A batching receiver that takes the whole vector as filled, caught as soon as a batch comes back short.
    public static let batchReceiverAssumesFull = batchReceiver(
        "unix-dgram-fragile-recvmmsg-full-vector", "client.recvmmsg-full-vector",
        "BROKEN: a recvmmsg receiver that reads every entry of its vector as a datagram, whatever count the call returned",
        isBroken: true)

    static func batchReceiver(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false) -> Scenario {
        Scenario.real(
            name: name, kind: UnixSocketKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            makeWorkload: { generator in batchWorkload(generator: &generator) })
    }

    /// Process 1 sends 2-5 batches of 1-4 datagrams (`sendmmsg`, nonblocking) on `a` of a datagram pair; process 2
    /// receives on `b` with 3-6 nonblocking `recvmmsg` calls of 4 entries of 64 bytes (some with `MSG_WAITFORONE`).
    static func batchWorkload(generator: inout SeededGenerator) -> Workload {
        var sender: [Call] = []
        var sequence = 0
        for _ in 0..<generator.next(in: 2...5) {
            var messages: [JSONValue] = []
            for _ in 0..<generator.next(in: 1...4) {
                messages.append(Payload.json(PayloadMaker.make(
                    process: 1, sequence: sequence, count: generator.next(in: 1...40), generator: &generator)))
                sequence += 1
            }
            sender.append(Call(process: 1, object: "s0", f: "sendmmsg", value: ["end": "a", "messages": .array(messages), "nonblocking": true]))
        }
        var receiver: [Call] = []
        for _ in 0..<generator.next(in: 3...6) {
            var value: JSONObject = ["end": "b", "max": 64, "vlen": 4, "nonblocking": true]
            if generator.chance(0.3) { value["waitforone"] = true }
            receiver.append(Call(process: 2, object: "s0", f: "recvmmsg", value: .object(value)))
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "dgram", "shape": "pair"])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: receiver),
            ])
    }
}
