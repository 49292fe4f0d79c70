import IPCModels

extension UnixSocketScenarios {
    /// Out-of-band data on a stream pair, as `MSG_OOB` works on this kernel: senders mark their last byte, readers
    /// take it with `MSG_OOB` (or peek at it), read ordinary data that stops at the mark, and look at `SIOCATMARK`,
    /// `POLLPRI` and `SIOCINQ`, some with `SO_OOBINLINE` set.
    public static let outOfBand = Scenario.real(
        name: "unix-stream-out-of-band", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary:
            "2-3 processes share a stream socketpair with MSG_OOB sends: the mark stops reads, MSG_OOB, SIOCATMARK, POLLPRI, SO_OOBINLINE",
        makeWorkload: { generator in outOfBandWorkload(generator: &generator) })

    /// Process 1 sends on `a` (most sends with `MSG_OOB`, some of 0 bytes: `EOPNOTSUPP`); the others read `b`:
    /// ordinary receives (most nonblocking; blocking ones, some with `MSG_WAITALL`, stop at the mark or sleep past
    /// a dropped byte) and peeks, `MSG_OOB` receives (peeking or not), `SIOCATMARK`, `SIOCINQ`, `poll` for
    /// `POLLIN|POLLPRI`, `select` with the exceptional set, and `SO_OOBINLINE` set or cleared; the sender usually
    /// closes at the end.
    static func outOfBandWorkload(generator: inout SeededGenerator) -> Workload {
        let readers = generator.next(in: 1...2)
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 2...6) {
            let size = generator.pick(weighted: [(1, 0...0), (6, 1...6), (3, 7...300)])
            var value: JSONObject = [
                "end": "a", "nonblocking": true,
                "data": Payload.json(
                    PayloadMaker.make(
                        process: 1, sequence: sequence, count: generator.next(in: size), generator: &generator)),
            ]
            if generator.chance(0.7) { value["oob"] = true }
            sender.append(Call(process: 1, object: "s0", f: "send", value: .object(value)))
        }
        // The sender's close ends blocking receives that found nothing (end of file); without it a run that
        // sleeps for good is ended by the driver.
        if generator.chance(0.7) { sender.append(Call(process: 1, object: "s0", f: "close", value: ["end": "a"])) }
        let processes =
            [Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender)]
            + (2..<(2 + readers)).map { process in
                let program = (0..<generator.next(in: 3...8)).map { _ -> Call in
                    let call: (f: String, value: JSONObject) = generator.pick(weighted: [
                        (5, ("receive", ["max": .int(generator.next(in: 1...12)), "nonblocking": true])),
                        // Blocking: one that passes the byte with nothing after it sleeps, the byte dropped.
                        (2, ("receive", ["max": .int(generator.next(in: 1...12))])),
                        (1, ("receive", ["max": .int(generator.next(in: 2...12)), "waitall": true])),
                        (2, ("receive", ["max": .int(generator.next(in: 0...12)), "nonblocking": true, "peek": true])),
                        (4, ("receive", ["max": 1, "oob": true])),
                        (1, ("receive", ["max": 1, "oob": true, "peek": true])),
                        (2, ("ioctl", ["request": "SIOCATMARK"])),
                        (1, ("ioctl", ["request": "SIOCINQ"])),
                        (2, ("poll", ["events": ["POLLIN", "POLLPRI"]])),
                        (1, ("select", ["read": true, "except": true])),
                        (1, ("setsockopt", ["option": "SO_OOBINLINE", "value": .int(generator.pick([0, 1]))])),
                    ])
                    var value = call.value
                    value["end"] = "b"
                    return Call(process: process, object: "s0", f: call.f, value: .object(value))
                }
                return Workload.Process(id: process, holds: ["s0": ["b"]], program: program)
            }
        return Workload(
            objects: [
                Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])
            ],
            processes: processes)
    }

    /// A framing reader that trusts `MSG_WAITALL` to fill its buffer, caught by a mark inside a message.
    public static let waitAllStopsAtMark = markedFraming(
        "unix-stream-fragile-waitall-at-mark", "client.stream-framing-waitall",
        "BROKEN: a framing reader that takes one MSG_WAITALL receive for a whole message; it stops short at an out-of-band mark",
        isBroken: true)

    public static let readerPastMark = markedFraming(
        "unix-stream-robust-reader-past-mark", "client.stream-framing-reader",
        "robust twin of unix-stream-fragile-waitall-at-mark: receives until the message's size has come, past the mark")

    static func markedFraming(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false)
        -> Scenario
    {
        Scenario.real(
            name: name, kind: UnixSocketKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            makeWorkload: { generator in markedFramingWorkload(generator: &generator) })
    }

    /// Process 1 sends 2-5 messages, each as a head sent with `MSG_OOB` (its last byte an out-of-band "attention"
    /// byte, which ordinary reads pass over) and a body, with blocking sends, and closes its end; process 2 receives
    /// each message's data (head less that byte, and body) with `receive-exactly`, then once more, which finds end of
    /// file. The mark lies inside each message.
    static func markedFramingWorkload(generator: inout SeededGenerator) -> Workload {
        var writer: [Call] = []
        var sizes: [Int] = []
        for sequence in 0..<generator.next(in: 2...5) {
            let head = PayloadMaker.make(
                process: 1, sequence: 2 * sequence, count: generator.next(in: 2...40), generator: &generator)
            let body = PayloadMaker.make(
                process: 1, sequence: 2 * sequence + 1, count: generator.next(in: 1...4000), generator: &generator)
            writer.append(
                Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": Payload.json(head), "oob": true]))
            writer.append(Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": Payload.json(body)]))
            sizes.append(head.count - 1 + body.count)
        }
        return framingPair(sends: writer, sizes: sizes, last: 1)
    }
}
