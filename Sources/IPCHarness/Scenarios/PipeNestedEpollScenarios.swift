import IPCModels

/// An event loop with a nested epoll instance (``PipeModel+NestedEpoll``): a main instance holding a per-connection
/// one, which holds the pipe's read end edge-triggered.
extension PipeDescriptorScenarios {
    /// Robust: the loop waits on the main instance, then on the connection's own instance, and reads until `EAGAIN`
    /// — every call recorded as it is made.
    public static let nestedEventLoop = Scenario.real(
        name: "pipe-robust-nested-epoll", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "an event loop keeps a main epoll instance holding a per-connection one (the read end, EPOLLET): it waits on the main one, then on the connection's, and reads until EAGAIN",
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Fragile twin: the same loop whose dispatcher, when the main instance reports the connection's, waits on the
    /// connection's instance at once behind the caller's back — believing the main instance's report was the
    /// connection's events — so the edge is gone before the recorded wait on the connection's instance, which then
    /// reports nothing though a write came and nothing read it.
    public static let nestedDispatch = Scenario.real(
        name: "pipe-fragile-nested-epoll-dispatch", kind: PipeKind.self, implementation: "client.pipe-nested-dispatch",
        summary: "BROKEN: an event loop that, when its main epoll instance reports a nested one, drains the nested instance's EPOLLET events unrecorded, so the connection's own wait misses the edge",
        isBroken: true,
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Process 1 writes 3-8 short messages, nonblocking; process 2 keeps `main` and `conn`, adds `conn` to `main`
    /// (`EPOLLIN`) and the read end to `conn` (`EPOLLIN | EPOLLET`), then loops: a zero-timeout wait on `main`, one on
    /// `conn`, and nonblocking reads until one would block (as many as the loop may need).
    static func nestedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        func call(_ f: String, _ value: JSONValue) -> Call { Call(process: 2, object: "p0", f: f, value: value) }
        var loop: [Call] = [
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "main"]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "conn"]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "main", "end": "conn", "events": ["EPOLLIN"]]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "conn", "end": "read", "events": ["EPOLLIN", "EPOLLET"]]),
        ]
        for _ in 0..<generator.next(in: 4...10) {
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "main"]))
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "conn"]))
            for _ in 0..<generator.next(in: 1...3) { loop.append(call("read", ["max": 256, "nonblocking": true])) }
        }
        loop.append(call("close", ["instance": "conn"]))
        var writer: [Call] = []
        for sequence in 0..<generator.next(in: 3...8) {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
            writer.append(Call(process: 1, object: "p0", f: "write", value: ["data": Payload.json(data), "nonblocking": true]))
        }
        return Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe")],
            processes: [
                Workload.Process(id: 1, holds: ["p0": ["write"]], program: writer),
                Workload.Process(id: 2, holds: ["p0": ["read"]], program: loop),
            ])
    }
}
