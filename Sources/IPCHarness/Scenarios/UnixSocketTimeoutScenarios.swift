import IPCModels

/// A stream reader with a receive timeout (`SO_RCVTIMEO`): a blocking receive that runs out fails `EAGAIN` — it is
/// not the end of the stream, which only the peer's close or `SHUT_WR` makes (`UnixSocketModel+Timeouts.swift`).
extension UnixSocketScenarios {
    public static let receiveTimeout = Scenario.real(
        name: "unix-robust-receive-timeout", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "robust twin of unix-fragile-timeout-as-end-of-file: a reader with SO_RCVTIMEO of a few ms receives blocking from a writer that sends now and then and closes; a receive that runs out fails EAGAIN and the reader goes on",
        makeWorkload: { generator in receiveTimeoutWorkload(generator: &generator) })

    /// Fragile: the same reader taking a receive that ran out for the end of the stream (it reports 0 bytes).
    public static let timeoutAsEndOfFile = Scenario.real(
        name: "unix-fragile-timeout-as-end-of-file", kind: UnixSocketKind.self, implementation: "client.unix-timeout-as-end-of-file",
        summary: "BROKEN: a reader with SO_RCVTIMEO that takes a blocking receive's EAGAIN (the timeout ran out) for the writer's close, reporting end of file while the writer is still there",
        isBroken: true,
        makeWorkload: { generator in receiveTimeoutWorkload(generator: &generator) })

    /// Process 1 holds `a`: it sets `SO_RCVTIMEO` (1 to 5 ms; sometimes asks it back) and receives, blocking, more
    /// times than process 2 (holding `b`) sends; process 2 sets its own `SO_RCVTIMEO` of 20 ms, sends small messages,
    /// sometimes waiting first for a reply that never comes (a receive that runs out) or polling, and closes `b` at
    /// the end (after which the reader sees the true end of file).
    static func receiveTimeoutWorkload(generator: inout SeededGenerator) -> Workload {
        var reader: [Call] = []
        func read(_ f: String, _ value: JSONObject) { reader.append(Call(process: 1, object: "s0", f: f, value: .object(value))) }
        read("setsockopt", ["end": "a", "option": "SO_RCVTIMEO", "value": ["sec": 0, "usec": .int(generator.pick([1000, 2000, 5000]))]])
        if generator.chance(0.5) { read("getsockopt", ["end": "a", "option": "SO_RCVTIMEO"]) }
        let sends = generator.next(in: 2...6)
        for _ in 0..<(sends + generator.next(in: 2...5)) { read("receive", ["end": "a", "max": .int(generator.pick([8, 64, 256]))]) }
        var writer: [Call] = []
        func write(_ f: String, _ value: JSONObject) { writer.append(Call(process: 2, object: "s0", f: f, value: .object(value))) }
        // The writer waits now and then for a reply that never comes (its own timeout, longer than the reader's):
        // while it waits the reader's receives find nothing and run out.
        write("setsockopt", ["end": "b", "option": "SO_RCVTIMEO", "value": ["sec": 0, "usec": 20000]])
        for sequence in 0..<sends {
            if generator.chance(0.5) { write("receive", ["end": "b", "max": 16]) }
            if generator.chance(0.3) { write("poll", ["end": "b", "events": ["POLLOUT"], "timeout": 0]) }
            write("send", ["end": "b", "data": Payload.json(PayloadMaker.make(process: 2, sequence: sequence, count: generator.next(in: 1...40), generator: &generator))])
        }
        write("close", ["end": "b"])
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: reader),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: writer),
            ])
    }
}
