import IPCModels

extension FIFOScenarios {
    /// The classic keep-alive idiom: a server opens its FIFO `O_RDWR`, so that it never sleeps in `open` and never
    /// reads end of file between clients; clients open for writing (blocking: the server is a reader already, or
    /// nonblocking: `ENXIO` while it has not opened), write and close, some more than once. The server polls with
    /// a timeout and reads without blocking — it is a writer itself, so a blocking read of an empty FIFO would sleep
    /// for good — asks its description's flags through the other end, and closes through either end.
    public static let readWriteKeepAlive = Scenario.real(
        name: "fifo-readwrite-keepalive", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "a server holds its FIFO open O_RDWR (no EOF between clients) and polls and reads; 1-3 clients open, write and close, some twice",
        makeWorkload: { generator in readWriteWorkload(generator: &generator) })

    /// Fragile: the same server, believing that with every client gone a read through its `O_RDWR` descriptor ends
    /// the stream, as a reader's would — it reports `EAGAIN` there as end of file. `fifo-readwrite-keepalive` is its
    /// robust twin.
    public static let readWriteExpectsEndOfFile = Scenario.real(
        name: "fifo-fragile-readwrite-expects-eof", kind: FIFOKind.self, implementation: "client.fifo-readwrite-expects-eof",
        summary: "BROKEN: a keep-alive server that takes EAGAIN through its O_RDWR descriptor for end of file, as if it were no writer",
        isBroken: true,
        makeWorkload: { generator in readWriteWorkload(generator: &generator) })

    static func readWriteWorkload(generator: inout SeededGenerator) -> Workload {
        var server: [Call] = []
        func call(_ f: String, _ value: JSONValue?) { server.append(Call(process: 1, object: "f0", f: f, value: value)) }
        call("open", generator.chance(0.5) ? ["end": "readwrite", "nonblocking": true] : ["end": "readwrite"])
        for _ in 0..<generator.next(in: 3...8) {
            if generator.chance(0.5) { call("poll", ["end": "read", "events": ["POLLIN"], "timeout": .int(generator.pick([0, 20]))]) }
            if generator.chance(0.15) {
                // Its description's flags, or its descriptor's FD_CLOEXEC: one descriptor, whichever end names it; or a
                // copy of it — dup, F_DUPFD_CLOEXEC or dup3(O_CLOEXEC) onto a free number (a copy of both ends, whose
                // FD_CLOEXEC is the call's; the end stays open until both close).
                let (end, command) = generator.pick([
                    ("read", "F_GETFL"), ("write", "F_GETFL"), ("read", "F_GETFD"), ("write", "F_SETFD"), ("write", "dup"),
                    ("read", "F_DUPFD_CLOEXEC"), ("write", "dup3"),
                ])
                if command == "dup" {
                    call("dup", ["end": .string(end)])
                } else if command == "dup3" {
                    call("dup3", ["end": .string(end), "onto": "free", "flags": ["O_CLOEXEC"]])
                } else if command == "F_DUPFD_CLOEXEC" {
                    call("fcntl", ["end": .string(end), "cmd": "F_DUPFD_CLOEXEC", "min": 10])
                } else {
                    call("fcntl", command == "F_SETFD" ? ["end": .string(end), "cmd": "F_SETFD", "closeOnExec": false] : ["end": .string(end), "cmd": .string(command)])
                }
            }
            call("read", ["max": .int(generator.next(in: generator.pick([1...16, 17...4096]))), "nonblocking": true])
        }
        call("close", ["end": .string(generator.pick(["read", "write"]))])
        var processes = [Workload.Process(id: 1, holds: ["f0": ["open"]], program: server)]
        for client in 2..<(2 + generator.next(in: 1...3)) {
            var program: [Call] = []
            for round in 0..<generator.next(in: 1...2) {
                program.append(Call(
                    process: client, object: "f0", f: "open",
                    value: generator.chance(0.3) ? ["end": "write", "nonblocking": true] : ["end": "write"]))
                for sequence in 0..<generator.next(in: 1...3) {
                    let size = generator.next(in: 1...600)
                    let data = PayloadMaker.make(process: client, sequence: round * 10 + sequence, count: size, generator: &generator)
                    program.append(Call(process: client, object: "f0", f: "write", value: ["data": Payload.json(data)]))
                }
                program.append(Call(process: client, object: "f0", f: "close", value: ["end": "write"]))
            }
            processes.append(Workload.Process(id: client, holds: ["f0": ["open"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "f0", kind: "fifo")], processes: processes)
    }
}
