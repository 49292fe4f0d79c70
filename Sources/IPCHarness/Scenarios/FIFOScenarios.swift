import IPCModels

/// Scenarios on the kernel FIFO: processes open it by path (blocking or not) and use it as a pipe.
public enum FIFOScenarios {
    public static let all: [Scenario] = [
        basic, rendezvous, endOfFileAfterUnlink, readsAfterUnlink, readWriteKeepAlive, readWriteExpectsEndOfFile, asyncReader, readsWhenSignalled,
        epollConsumer, epollHangUpIsFinal, epollDuplicateConsumer, epollCloseUnregisters, nestedEventLoop, nestedDispatch,
    ]

    /// A reader that unlinks the FIFO mid-way and then believes it gone: its reads report end of file.
    public static let endOfFileAfterUnlink = Scenario.real(
        name: "fifo-fragile-eof-after-unlink", kind: FIFOKind.self, implementation: "client.fifo-eof-after-unlink",
        summary: "BROKEN: a reader that unlinks the FIFO mid-way and takes it for gone, reporting end of file while bytes and a writer remain",
        isBroken: true,
        makeWorkload: { generator in unlinkingReaderWorkload(generator: &generator) })

    /// Its robust twin: the reader's descriptor keeps the FIFO after the unlink, to the writer's last byte.
    public static let readsAfterUnlink = Scenario.real(
        name: "fifo-robust-reads-after-unlink", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "robust twin of fifo-fragile-eof-after-unlink: the reader unlinks the FIFO mid-way and reads on to the end; later opens fail ENOENT",
        makeWorkload: { generator in unlinkingReaderWorkload(generator: &generator) })

    /// Process 1 writes 4-10 messages and closes; process 2 reads, unlinks the name after a few reads, and reads on;
    /// a third, if any, opens late (ENOENT once the name is gone).
    static func unlinkingReaderWorkload(generator: inout SeededGenerator) -> Workload {
        var writer = [Call(process: 1, object: "f0", f: "open", value: ["end": "write"])]
        let messages = generator.next(in: 4...10)
        for sequence in 0..<messages {
            let size = generator.next(in: 1...3000)
            writer.append(Call(process: 1, object: "f0", f: "write", value: [
                "data": Payload.json(PayloadMaker.make(process: 1, sequence: sequence, count: size, generator: &generator)),
            ]))
        }
        writer.append(Call(process: 1, object: "f0", f: "close", value: ["end": "write"]))
        var reader = [Call(process: 2, object: "f0", f: "open", value: ["end": "read"])]
        let unlinkAt = generator.next(in: 1...3)
        for index in 0..<(messages + 2) {
            if index == unlinkAt { reader.append(Call(process: 2, object: "f0", f: "unlink", value: nil)) }
            reader.append(Call(process: 2, object: "f0", f: "read", value: ["max": .int(generator.next(in: 1...4096))]))
        }
        var processes = [
            Workload.Process(id: 1, holds: ["f0": ["open"]], program: writer),
            Workload.Process(id: 2, holds: ["f0": ["open"]], program: reader),
        ]
        if generator.chance(0.5) {
            processes.append(Workload.Process(id: 3, holds: ["f0": ["open"]], program: [
                Call(process: 3, object: "f0", f: "open", value: ["end": "read", "nonblocking": true]),
                Call(process: 3, object: "f0", f: "close", value: ["end": "read"]),
            ]))
        }
        return Workload(objects: [Workload.Object(name: "f0", kind: "fifo")], processes: processes)
    }

    /// Readers and writers open, transfer, close and reopen.
    public static let basic = Scenario.real(
        name: "fifo-basic", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "2-4 processes open a FIFO by path (blocking or not), poll it, ask FIONREAD and F_GETFL, read and write 1 B to 20 KB, close and reopen",
        makeWorkload: { generator in workload(generator: &generator, rounds: 2...6, reopen: 0.15, polls: 0.2, names: 0.3) })

    /// Blocking opens meet: a reader asleep in open counts as a reader, and a writer that opens and closes at once
    /// still releases it (it then reads end of file).
    public static let rendezvous = Scenario.real(
        name: "fifo-open-rendezvous", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "blocking and nonblocking opens meet: sleepers count as partners; ENXIO; end of file after open-and-close",
        makeWorkload: { generator in workload(generator: &generator, rounds: 0...2, reopen: 0.4) })


    static func workload(generator: inout SeededGenerator, rounds: ClosedRange<Int>, reopen: Double, polls: Double = 0, names: Double = 0) -> Workload {
        let count = generator.next(in: 2...4)
        var processes: [Workload.Process] = []
        for process in 1...count {
            // Process 1 writes and the last reads, so both sides exist; the others pick.
            let end: PipeModel.End = process == 1 ? .write : process == count ? .read : generator.pick([.read, .write])
            var program: [Call] = []
            func open() {
                var value: JSONObject = ["end": .string(end.rawValue)]
                if generator.chance(0.3) { value["nonblocking"] = true }
                program.append(Call(process: process, object: "f0", f: "open", value: .object(value)))
            }
            open()
            for sequence in 0..<generator.next(in: rounds) {
                if generator.chance(reopen) {
                    program.append(Call(process: process, object: "f0", f: "close", value: ["end": .string(end.rawValue)]))
                    open()
                    continue
                }
                var value: JSONObject
                if end == .write {
                    let size = generator.next(in: generator.pick(weighted: [(60, 1...200), (30, 201...4096), (10, 4097...20_000)]))
                    value = ["data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator))]
                } else {
                    value = ["max": .int(generator.next(in: generator.pick([1...16, 17...4096, 4097...30_000])))]
                }
                if generator.chance(0.3) { value["nonblocking"] = true }
                if polls > 0 && generator.chance(polls) {
                    // Polls first, as an event loop would (never without a timeout: the partner may have gone for
                    // good, or never have come).
                    let events: JSONValue = end == .write ? ["POLLOUT"] : ["POLLIN"]
                    program.append(Call(process: process, object: "f0", f: "poll", value: [
                        "end": .string(end.rawValue), "events": events, "timeout": generator.pick([0, 20]),
                    ]))
                    // And asks what it may: the bytes waiting (a reader), or its description's flags and size.
                    if generator.chance(0.5) {
                        program.append(end == .read && generator.chance(0.5)
                            ? Call(process: process, object: "f0", f: "available", value: nil)
                            : Call(process: process, object: "f0", f: "fcntl", value: [
                                "end": .string(end.rawValue), "cmd": .string(generator.pick(["F_GETFL", "F_GETPIPE_SZ"])),
                            ]))
                    }
                }
                program.append(Call(process: process, object: "f0", f: end == .write ? "write" : "read", value: .object(value)))
            }
            if generator.chance(0.5) {
                program.append(Call(process: process, object: "f0", f: "close", value: ["end": .string(end.rawValue)]))
            }
            // The last process alone may end with the name's calls: a mkfifo while the name is there (EEXIST), or in
            // a missing directory (ENOENT), then the unlink — so no mkfifo ever makes a FIFO other processes could
            // open, and their later opens fail ENOENT while their descriptors keep working.
            if names > 0 && process == count && generator.chance(names) {
                var value: JSONObject = ["mode": .int(generator.pick([0o600, 0o644, 0o666])), "umask": .int(generator.pick([0, 0o022, 0o077]))]
                if generator.chance(0.3) { value["missingDirectory"] = true }
                program.append(Call(process: process, object: "f0", f: "mkfifo", value: .object(value)))
                program.append(Call(process: process, object: "f0", f: "unlink", value: nil))
            }
            processes.append(Workload.Process(id: process, holds: ["f0": ["open"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "f0", kind: "fifo")], processes: processes)
    }
}
