import IPCModels

extension PipeDescriptorScenarios {
    /// Fragile: a reader that takes each I/O signal for one message waiting. Its owner gets a plain `SIGIO` (or
    /// `F_SETSIG`'s `SIGIO`, or a real-time signal) for every write; after one read it believes the pipe empty until
    /// it takes another signal — but a standard signal pending is not queued again, so two writes before the reader
    /// takes the first signal leave one signal for two messages (and a write before `O_ASYNC` was set leaves none).
    public static let readsWhenSignalled = Scenario.real(
        name: "pipe-fragile-reads-when-signalled", kind: PipeKind.self, implementation: "client.pipe-reads-when-signalled",
        summary: "BROKEN: an O_ASYNC reader that takes each SIGIO for one message waiting and believes the pipe empty after reading it, though a pending SIGIO is not queued again",
        isBroken: true,
        makeWorkload: { generator in asyncWorkload(generator: &generator) })

    /// Robust twin: the same reader's calls made as they are, each nonblocking read reporting what the pipe holds.
    public static let drainsWhenSignalled = Scenario.real(
        name: "pipe-robust-drains-when-signalled", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "robust twin of pipe-fragile-reads-when-signalled: the owner of the read end takes its SIGIO (or F_SETSIG's signal) and reads until EAGAIN",
        makeWorkload: { generator in asyncWorkload(generator: &generator) })

    /// Process 1 writes 3-8 short messages, nonblocking (a blocking write's signal count is not judged); process 2
    /// makes itself the read end's owner, perhaps sets `F_SETSIG`, then `O_ASYNC`, and takes its signal and reads,
    /// again and again, with zero-timeout `sigtimedwait`s and nonblocking reads.
    static func asyncWorkload(generator: inout SeededGenerator) -> Workload {
        let signal = generator.pick([0, 0, 29, 34])
        let taken = signal == 0 ? 29 : signal
        // The signal first, then O_ASYNC: the other way round, a write in between would send a plain SIGIO.
        var reader: [Call] = [fcntl(2, "read", ["cmd": "F_SETOWN", "owner": "process", "process": 2])]
        if signal != 0 { reader.append(fcntl(2, "read", ["cmd": "F_SETSIG", "signal": .int(signal)])) }
        reader.append(fcntl(2, "read", ["cmd": "F_SETFL", "nonblocking": true, "async": true]))
        for _ in 0..<generator.next(in: 4...10) {
            if generator.chance(0.7) {
                reader.append(Call(process: 2, object: "p0", f: "sigtimedwait", value: ["signals": [.int(taken)]]))
            }
            reader.append(Call(process: 2, object: "p0", f: "read", value: ["max": 64, "nonblocking": true]))
        }
        var writer: [Call] = []
        for sequence in 0..<generator.next(in: 3...8) {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
            writer.append(Call(process: 1, object: "p0", f: "write", value: ["data": Payload.json(data), "nonblocking": true]))
        }
        return Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: ["ioSignals": .array(Array(Set([29, taken])).sorted().map { .int($0) })])],
            processes: [
                Workload.Process(id: 1, holds: ["p0": ["write"]], program: writer),
                Workload.Process(id: 2, holds: ["p0": ["read"]], program: reader),
            ])
    }
}
