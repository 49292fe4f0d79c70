import IPCModels

extension FIFOScenarios {
    /// A FIFO reader driven by `O_ASYNC`: it opens the read end (nonblocking: never asleep in `open`), makes itself the
    /// owner, perhaps sets `F_SETSIG`, turns `O_ASYNC` on, then takes its signal and reads until `EAGAIN`, again and
    /// again; 1-2 writers open (blocking: released by the reader's open), write short messages without blocking and
    /// close — the last writer's close signals the reader too (`pipe_release`), and an open signals nobody.
    public static let asyncReader = Scenario.real(
        name: "fifo-async-reader", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "robust twin of fifo-fragile-reads-when-signalled: a FIFO reader owning its open with O_ASYNC takes its SIGIO (or F_SETSIG's signal) and reads until EAGAIN; writers open, write and close",
        makeWorkload: { generator in asyncWorkload(generator: &generator) })

    /// Fragile: the same reader, taking each I/O signal for one message waiting — after a read it believes the FIFO
    /// empty (`EAGAIN`, without reading) until it takes another signal; wrong when a standard signal, pending, was not
    /// queued again for a second write.
    public static let readsWhenSignalled = Scenario.real(
        name: "fifo-fragile-reads-when-signalled", kind: FIFOKind.self, implementation: "client.fifo-reads-when-signalled",
        summary: "BROKEN: an O_ASYNC FIFO reader that takes each SIGIO for one message waiting and believes the FIFO empty after reading it, though a pending SIGIO is not queued again",
        isBroken: true,
        makeWorkload: { generator in asyncWorkload(generator: &generator) })

    static func asyncWorkload(generator: inout SeededGenerator) -> Workload {
        let signal = generator.pick([0, 0, 29, 34])
        let taken = signal == 0 ? 29 : signal
        var reader: [Call] = []
        func call(_ f: String, _ value: JSONValue?) { reader.append(Call(process: 1, object: "f0", f: f, value: value)) }
        call("open", ["end": "read", "nonblocking": true])
        // The signal first, then O_ASYNC: the other way round, a write in between would send a plain SIGIO.
        call("fcntl", ["end": "read", "cmd": "F_SETOWN", "owner": "process", "process": 1])
        if signal != 0 { call("fcntl", ["end": "read", "cmd": "F_SETSIG", "signal": .int(signal)]) }
        call("fcntl", ["end": "read", "cmd": "F_SETFL", "nonblocking": true, "async": true])
        for _ in 0..<generator.next(in: 4...12) {
            if generator.chance(0.7) { call("sigtimedwait", ["signals": [.int(taken)]]) }
            call("read", ["max": 64, "nonblocking": true])
        }
        call("close", ["end": "read"])
        var processes = [Workload.Process(id: 1, holds: ["f0": ["open"]], program: reader)]
        for writer in 2..<(2 + generator.next(in: 1...2)) {
            var program = [Call(process: writer, object: "f0", f: "open", value: ["end": "write"])]
            for sequence in 0..<generator.next(in: 2...6) {
                let data = PayloadMaker.make(process: writer, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
                program.append(Call(process: writer, object: "f0", f: "write", value: ["data": Payload.json(data), "nonblocking": true]))
            }
            program.append(Call(process: writer, object: "f0", f: "close", value: ["end": "write"]))
            processes.append(Workload.Process(id: writer, holds: ["f0": ["open"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "f0", kind: "fifo", parameters: ["ioSignals": .array(Array(Set([29, taken])).sorted().map { .int($0) })])],
            processes: processes)
    }
}
