import IPCModels

/// An event loop with a nested epoll instance on a FIFO (``FIFOModel+NestedEpoll``): a main instance holding a
/// per-connection one, which holds the FIFO's read end edge-triggered — opened before any writer, as often as not.
extension FIFOScenarios {
    /// Robust: the loop waits on the main instance, then on the connection's own instance, and reads until `EAGAIN`
    /// — every call recorded as it is made.
    public static let nestedEventLoop = Scenario.real(
        name: "fifo-robust-nested-epoll", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "an event loop keeps a main epoll instance holding a per-connection one (the FIFO's read end, EPOLLET): it waits on the main one, then on the connection's, and reads until EAGAIN",
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Fragile twin: the same loop whose dispatcher, when the main instance reports the connection's, waits on the
    /// connection's instance at once behind the caller's back — believing the main instance's report was the
    /// connection's events — so the edge is gone before the recorded wait on the connection's instance, which then
    /// reports nothing though a write came and nothing read it.
    public static let nestedDispatch = Scenario.real(
        name: "fifo-fragile-nested-epoll-dispatch", kind: FIFOKind.self, implementation: "client.fifo-nested-dispatch",
        summary: "BROKEN: a FIFO event loop that, when its main epoll instance reports a nested one, drains the nested instance's EPOLLET events unrecorded, so the connection's own wait misses the edge",
        isBroken: true,
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Process 1 opens the read end nonblocking, keeps `main` and `conn`, adds `conn` to `main` (`EPOLLIN`) and the
    /// read end to `conn` (`EPOLLIN | EPOLLET`), then loops: a wait on `main` (zero timeout or 20 ms), a zero-timeout one
    /// on `conn`, and nonblocking reads until one would block (as many as the loop may need); then closes `conn` and
    /// the read end. Process 2 opens the write end (blocking: it waits for the reader) and writes 8-20 short messages,
    /// nonblocking, keeping the FIFO open to its exit — enough to outlast much of the loop: once the writer is gone the
    /// FIFO is hung up, and the model allows an edge either way (``PipeModel/lateNews(_:in:)``).
    static func nestedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        func call(_ f: String, _ value: JSONValue) -> Call { Call(process: 1, object: "f0", f: f, value: value) }
        var loop: [Call] = [
            call("open", ["end": "read", "nonblocking": true]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "main"]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "conn"]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "main", "end": "conn", "events": ["EPOLLIN"]]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "conn", "end": "read", "events": ["EPOLLIN", "EPOLLET"]]),
        ]
        for _ in 0..<generator.next(in: 4...10) {
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": .int(generator.pick([0, 20])), "instance": "main"]))
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "conn"]))
            for _ in 0..<generator.next(in: 1...3) { loop.append(call("read", ["max": 256, "nonblocking": true])) }
        }
        loop.append(call("close", ["instance": "conn"]))
        loop.append(call("close", ["end": "read"]))
        var writer: [Call] = [Call(process: 2, object: "f0", f: "open", value: ["end": "write"])]
        for sequence in 0..<generator.next(in: 8...20) {
            let data = PayloadMaker.make(process: 2, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
            writer.append(Call(process: 2, object: "f0", f: "write", value: ["data": Payload.json(data), "nonblocking": true]))
        }
        return Workload(
            objects: [Workload.Object(name: "f0", kind: "fifo")],
            processes: [
                Workload.Process(id: 1, holds: ["f0": ["open"]], program: loop),
                Workload.Process(id: 2, holds: ["f0": ["open"]], program: writer),
            ])
    }
}
