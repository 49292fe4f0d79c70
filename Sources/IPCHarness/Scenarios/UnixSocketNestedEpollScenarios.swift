import IPCModels

/// An event loop with a nested epoll instance on a stream socket pair (``UnixSocketModel+NestedEpoll``): a main
/// instance holding a per-connection one, which holds end `b` edge-triggered — the shape of the selftest
/// `epoll_wakeup_test.c`'s nested cases.
extension UnixSocketScenarios {
    /// Robust: the loop waits on the main instance, then on the connection's own instance, and receives until
    /// `EAGAIN` — every call recorded as it is made.
    public static let nestedEventLoop = Scenario.real(
        name: "unix-robust-nested-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "robust twin of unix-fragile-nested-epoll-dispatch: an event loop keeps a main epoll instance holding a per-connection one (socket b, EPOLLET): it waits on the main one, then on the connection's, and receives until EAGAIN",
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Fragile twin: the same loop whose dispatcher, when the main instance reports the connection's, waits on the
    /// connection's instance at once behind the caller's back, so the edge is gone before the recorded wait on the
    /// connection's instance, which then reports nothing though the peer sent and nothing received it.
    public static let nestedDispatch = Scenario.real(
        name: "unix-fragile-nested-epoll-dispatch", kind: UnixSocketKind.self, implementation: "client.unix-nested-dispatch",
        summary: "BROKEN: an event loop that, when its main epoll instance reports a nested one, drains the nested instance's EPOLLET events unrecorded, so the connection's own wait misses the edge",
        isBroken: true,
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Process 1 sends 3-8 short messages on `a`, nonblocking; process 2 keeps `main` and `conn`, adds `conn` to `main`
    /// (`EPOLLIN`) and `b` to `conn` (`EPOLLIN | EPOLLET`), then loops: a zero-timeout wait on `main`, one on `conn`,
    /// and nonblocking receives on `b` until one would block (as many as the loop may need).
    static func nestedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        func call(_ f: String, _ value: JSONValue) -> Call { Call(process: 2, object: "s0", f: f, value: value) }
        var loop: [Call] = [
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "main"]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "conn"]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "main", "end": "conn", "events": ["EPOLLIN"]]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "conn", "end": "b", "events": ["EPOLLIN", "EPOLLET"]]),
        ]
        for _ in 0..<generator.next(in: 4...10) {
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "main"]))
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "conn"]))
            for _ in 0..<generator.next(in: 1...3) { loop.append(call("receive", ["end": "b", "max": 256, "nonblocking": true])) }
        }
        loop.append(call("close", ["instance": "conn"]))
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 3...8) {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
            sender.append(Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": Payload.json(data), "nonblocking": true]))
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: loop),
            ])
    }
}
