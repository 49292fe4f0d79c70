import IPCModels

/// An event loop with a nested epoll instance on an eventfd (``EventCounterModel+NestedEpoll``): a main instance
/// holding a per-source one, which holds the eventfd edge-triggered — the pipe pair's loop (`pipe-robust-nested-epoll`)
/// with a notification counter as its source.
extension EventCounterScenarios {
    /// Robust: the loop waits on the main instance, then on the source's own instance, and reads the counter until
    /// `EAGAIN` — every call recorded as it is made.
    public static let nestedEventLoop = Scenario.real(
        name: "eventfd-robust-nested-epoll", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "an event loop keeps a main epoll instance holding a per-source one (a nonblocking eventfd, EPOLLET): it waits on the main one, then on the source's, and reads the counter until EAGAIN",
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Fragile twin: the same loop whose dispatcher, when the main instance reports the source's, waits on the
    /// source's instance at once behind the caller's back — believing the main instance's report was the source's
    /// events — so the edge is gone before the recorded wait on the source's instance, which then reports nothing
    /// though a write came and nothing read it.
    public static let nestedDispatch = Scenario.real(
        name: "eventfd-fragile-nested-epoll-dispatch", kind: EventCounterKind.self, implementation: "client.eventfd-nested-dispatch",
        summary: "BROKEN: an event loop that, when its main epoll instance reports a nested one, drains the nested instance's EPOLLET events unrecorded, so the eventfd's own wait misses the edge",
        isBroken: true,
        makeWorkload: { generator in nestedEpollWorkload(generator: &generator) })

    /// Process 1 writes 1-3 to a nonblocking eventfd 3-8 times; process 2 keeps `main` and `source`, adds `source` to
    /// `main` (`EPOLLIN`) and the eventfd to `source` (`EPOLLIN | EPOLLET`), then loops: a zero-timeout wait on `main`,
    /// one on `source`, and reads until one would block (as many as the loop may need).
    static func nestedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        func call(_ f: String, _ value: JSONValue? = nil) -> Call { Call(process: 2, object: "e0", f: f, value: value) }
        var loop: [Call] = [
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "main"]),
            call("epoll_create1", ["flags": ["EPOLL_CLOEXEC"], "keep": "source"]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "main", "target": "source", "events": ["EPOLLIN"]]),
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "instance": "source", "target": "eventfd", "events": ["EPOLLIN", "EPOLLET"]]),
        ]
        for _ in 0..<generator.next(in: 4...10) {
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "main"]))
            loop.append(call("epoll_wait", ["maxevents": 16, "timeout": 0, "instance": "source"]))
            for _ in 0..<generator.next(in: 1...2) { loop.append(call("read")) }
        }
        loop.append(call("close", ["instance": "source"]))
        var writer: [Call] = []
        for _ in 0..<generator.next(in: 3...8) {
            writer.append(Call(process: 1, object: "e0", f: "write", value: ["value": .int(generator.next(in: 1...3))]))
        }
        return Workload(
            objects: [Workload.Object(name: "e0", kind: "eventfd", parameters: ["semaphore": false, "nonblocking": true])],
            processes: [
                Workload.Process(id: 1, holds: ["e0": ["hold"]], program: writer),
                Workload.Process(id: 2, holds: ["e0": ["hold"]], program: loop),
            ])
    }
}
