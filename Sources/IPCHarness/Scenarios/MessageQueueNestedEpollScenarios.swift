import IPCModels

/// An event loop with a nested epoll instance on a POSIX message queue (``PosixMessageQueueModel+NestedEpoll``): a main
/// instance holding a per-connection one, which holds the queue descriptor edge-triggered.
extension MessageQueueScenarios {
    /// Robust: the loop waits on the main instance, then on the connection's own instance, and receives until `EAGAIN`
    /// — every call recorded as it is made.
    public static let nestedEventLoop = Scenario.real(
        name: "posix-mq-robust-nested-epoll", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "robust twin of posix-mq-fragile-nested-epoll-dispatch: an event loop keeps a main epoll instance holding a per-connection one (the queue, EPOLLET): it waits on the main one, then on the connection's, and receives until EAGAIN",
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Fragile twin: the same loop whose dispatcher, when the main instance reports the connection's, waits on the
    /// connection's instance at once behind the caller's back — believing the main instance's report was the
    /// connection's events — so the edge is gone before the recorded wait on the connection's instance, which then
    /// reports nothing though a message came and nothing received it.
    public static let nestedDispatch = Scenario.real(
        name: "posix-mq-fragile-nested-epoll-dispatch", kind: PosixMessageQueueKind.self, implementation: "client.mq-nested-dispatch",
        summary: "BROKEN: an event loop that, when its main epoll instance reports a nested one, drains the nested instance's EPOLLET events unrecorded, so the connection's own wait misses the edge",
        isBroken: true,
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Process 1 sends 3-8 short messages, nonblocking; process 2 keeps `main` and `conn`, adds `conn` to `main`
    /// (`EPOLLIN`) and the queue to `conn` (`EPOLLIN | EPOLLET`), then loops: a zero-timeout wait on `main`, one on
    /// `conn`, and nonblocking receives until one would block (as many as the loop may need).
    static func nestedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        func call(_ f: String, _ value: JSONValue) -> Call { Call(process: 2, object: "q0", f: f, value: value) }
        var loop: [Call] = [
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "main"]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "conn"]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "main", "target": "conn", "events": ["EPOLLIN"]]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "conn", "target": "queue", "events": ["EPOLLIN", "EPOLLET"]]),
        ]
        for _ in 0..<generator.next(in: 4...10) {
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "main"]))
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "conn"]))
            for _ in 0..<generator.next(in: 1...3) { loop.append(call("receive", ["max": 64, "nonblocking": true])) }
        }
        loop.append(call("close", ["instance": "conn"]))
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 3...8) {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 8...48), generator: &generator)
            sender.append(Call(process: 1, object: "q0", f: "send", value: ["data": Payload.json(data), "priority": 0, "nonblocking": true]))
        }
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 10, "messageSize": 64])],
            processes: [
                Workload.Process(id: 1, holds: ["q0": ["open"]], program: sender),
                Workload.Process(id: 2, holds: ["q0": ["open"]], program: loop),
            ])
    }
}
