import IPCModels

extension FIFOScenarios {
    /// A consumer opens its FIFO `O_RDONLY | O_NONBLOCK` — before any writer, as often as not — registers the read end
    /// on its epoll instance (level-triggered or `EPOLLET`), and waits and reads without blocking; 1-2 producers each
    /// open for writing, nonblocking (`ENXIO` while the consumer is not there: a blocking open after its close would
    /// sleep for good), write and close, some twice. So the
    /// consumer meets a FIFO no writer has opened yet (no `EPOLLHUP`), the hang-up after a producer's close, and a new
    /// producer's open taking it away — which it rides out, reading on until the end.
    public static let epollConsumer = Scenario.real(
        name: "fifo-robust-epoll-consumer", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "robust twin of fifo-fragile-epoll-hangup-is-final: a nonblocking FIFO reader on epoll (LT or EPOLLET) reads on past EPOLLHUP while producers come and go",
        makeWorkload: { generator in epollConsumerWorkload(generator: &generator) })

    /// Fragile: the same consumer, believing that `EPOLLHUP` ends the stream for good (as on a pipe whose writers are
    /// gone): once a wait reported it, its reads report end of file — wrong while bytes are left (`EPOLLIN | EPOLLHUP`)
    /// and when a new producer opens and writes.
    public static let epollHangUpIsFinal = Scenario.real(
        name: "fifo-fragile-epoll-hangup-is-final", kind: FIFOKind.self, implementation: "client.fifo-epoll-hangup-is-final",
        summary: "BROKEN: a FIFO reader on epoll that takes the first EPOLLHUP for the end of the stream, reporting end of file though bytes are left or a new writer opens and writes",
        isBroken: true,
        makeWorkload: { generator in epollConsumerWorkload(generator: &generator) })

    /// A consumer that registers a `dup` of its read end (as a library handed a descriptor it does not own would), waits
    /// and reads, then closes that copy and goes on waiting and reading through the open's own descriptor: the
    /// registration outlives the closed copy (the description is still open), so its waits keep reporting the FIFO —
    /// level-triggered `EPOLLIN` for bytes left, `EPOLLHUP` once the producers are gone — and it reads on to the end.
    public static let epollDuplicateConsumer = Scenario.real(
        name: "fifo-robust-epoll-dup-outlives-close", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "robust twin of fifo-fragile-epoll-close-unregisters: a FIFO reader registers a dup on epoll, closes the dup and reads on what the registration, still there, reports",
        makeWorkload: { generator in epollDuplicateConsumerWorkload(generator: &generator) })

    /// Fragile: the same consumer, believing that closing the registered copy removed its registration: it drops what
    /// its waits report for the read end afterwards as stale — wrong: the kernel keeps reporting (epoll(7) Q6).
    public static let epollCloseUnregisters = Scenario.real(
        name: "fifo-fragile-epoll-close-unregisters", kind: FIFOKind.self, implementation: "client.fifo-epoll-close-unregisters",
        summary: "BROKEN: a FIFO reader on epoll that closes its registered dup and takes the registration for gone, dropping the EPOLLIN and EPOLLHUP the kernel still reports",
        isBroken: true,
        makeWorkload: { generator in epollDuplicateConsumerWorkload(generator: &generator) })

    /// The consumer (process 1): open the read end nonblocking, `dup` it, ADD the copy (level-triggered), 2-4 rounds of
    /// waits and reads, close the copy, 4-8 rounds of waits (timeout 20 ms) and small reads, close. Producers as in
    /// ``epollConsumerWorkload(generator:)``.
    static func epollDuplicateConsumerWorkload(generator: inout SeededGenerator) -> Workload {
        var workload = epollConsumerWorkload(generator: &generator)
        var consumer: [Call] = []
        func call(_ f: String, _ value: JSONValue?) { consumer.append(Call(process: 1, object: "f0", f: f, value: value)) }
        call("open", ["end": "read", "nonblocking": true])
        call("dup", ["end": "read"])
        call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "end": "read", "events": ["EPOLLIN"]])
        for _ in 0..<generator.next(in: 2...4) {
            call("epoll_wait", ["maxevents": 16, "timeout": .int(generator.pick([0, 20, 20]))])
            call("read", ["max": .int(generator.next(in: 1...64)), "nonblocking": true])
        }
        call("close", ["end": "read"])
        for _ in 0..<generator.next(in: 4...8) {
            call("epoll_wait", ["maxevents": 16, "timeout": 20])
            if generator.chance(0.5) { call("read", ["max": .int(generator.next(in: 1...64)), "nonblocking": true]) }
        }
        call("close", ["end": "read"])
        workload.processes[0].program = consumer
        return workload
    }

    static func epollConsumerWorkload(generator: inout SeededGenerator) -> Workload {
        var consumer: [Call] = []
        func call(_ f: String, _ value: JSONValue?) { consumer.append(Call(process: 1, object: "f0", f: f, value: value)) }
        call("open", ["end": "read", "nonblocking": true])
        call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "end": "read", "events": generator.chance(0.5) ? ["EPOLLIN"] : ["EPOLLIN", "EPOLLET"]])
        for _ in 0..<generator.next(in: 6...14) {
            call("epoll_wait", ["maxevents": 16, "timeout": .int(generator.pick([0, 20, 20]))])
            for _ in 0..<generator.next(in: 1...2) {
                call("read", ["max": .int(generator.next(in: generator.pick([1...16, 17...4096]))), "nonblocking": true])
            }
        }
        call("close", ["end": "read"])
        var processes = [Workload.Process(id: 1, holds: ["f0": ["open"]], program: consumer)]
        for producer in 2..<(2 + generator.next(in: 1...2)) {
            var program: [Call] = []
            for round in 0..<generator.next(in: 1...2) {
                program.append(Call(process: producer, object: "f0", f: "open", value: ["end": "write", "nonblocking": true]))
                for sequence in 0..<generator.next(in: 1...2) {
                    let data = PayloadMaker.make(process: producer, sequence: round * 10 + sequence, count: generator.next(in: 1...300), generator: &generator)
                    program.append(Call(process: producer, object: "f0", f: "write", value: ["data": Payload.json(data)]))
                }
                program.append(Call(process: producer, object: "f0", f: "close", value: ["end": "write"]))
            }
            processes.append(Workload.Process(id: producer, holds: ["f0": ["open"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "f0", kind: "fifo")], processes: processes)
    }
}
