import IPCModels

extension UnixSocketScenarios {
    /// Out-of-band data on a stream pair, as `MSG_OOB` works on this kernel: senders mark their last byte, readers
    /// take it with `MSG_OOB` (or peek at it), read ordinary data that stops at the mark, and look at `SIOCATMARK`,
    /// `POLLPRI` and `SIOCINQ`, some with `SO_OOBINLINE` set.
    public static let outOfBand = Scenario.real(
        name: "unix-stream-out-of-band", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-3 processes share a stream socketpair with MSG_OOB sends: the mark stops reads, MSG_OOB, SIOCATMARK, POLLPRI, SO_OOBINLINE",
        makeWorkload: { generator in outOfBandWorkload(generator: &generator) })

    /// Process 1 sends on `a` (most sends with `MSG_OOB`, some of 0 bytes: `EOPNOTSUPP`); the others read `b`, all
    /// without sleeping: ordinary receives and peeks, `MSG_OOB` receives (peeking or not), `SIOCATMARK`, `SIOCINQ`,
    /// `poll` for `POLLIN|POLLPRI`, and `SO_OOBINLINE` set or cleared; the sender may close at the end.
    static func outOfBandWorkload(generator: inout SeededGenerator) -> Workload {
        let readers = generator.next(in: 1...2)
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 2...6) {
            let size = generator.pick(weighted: [(1, 0...0), (6, 1...6), (3, 7...300)])
            var value: JSONObject = [
                "end": "a", "nonblocking": true,
                "data": Payload.json(PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: size), generator: &generator)),
            ]
            if generator.chance(0.7) { value["oob"] = true }
            sender.append(Call(process: 1, object: "s0", f: "send", value: .object(value)))
        }
        if generator.chance(0.3) { sender.append(Call(process: 1, object: "s0", f: "close", value: ["end": "a"])) }
        let processes = [Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender)]
            + (2..<(2 + readers)).map { process in
                let program = (0..<generator.next(in: 3...8)).map { _ -> Call in
                    let call: (f: String, value: JSONObject) = generator.pick(weighted: [
                        (5, ("receive", ["max": .int(generator.next(in: 1...12)), "nonblocking": true])),
                        (2, ("receive", ["max": .int(generator.next(in: 0...12)), "nonblocking": true, "peek": true])),
                        (4, ("receive", ["max": 1, "oob": true])),
                        (1, ("receive", ["max": 1, "oob": true, "peek": true])),
                        (2, ("ioctl", ["request": "SIOCATMARK"])),
                        (1, ("ioctl", ["request": "SIOCINQ"])),
                        (2, ("poll", ["events": ["POLLIN", "POLLPRI"]])),
                        (1, ("setsockopt", ["option": "SO_OOBINLINE", "value": .int(generator.pick([0, 1]))])),
                    ])
                    var value = call.value
                    value["end"] = "b"
                    return Call(process: process, object: "s0", f: call.f, value: .object(value))
                }
                return Workload.Process(id: process, holds: ["s0": ["b"]], program: program)
            }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])],
            processes: processes)
    }
}
