import IPCModels

extension UnixSocketScenarios {
    /// A datagram server driven by epoll: `p1`, bound, waits (with a timeout) for `EPOLLIN` and takes a datagram at a
    /// time; 2-3 clients, most of them `connect`ed to it, register their own socket for `EPOLLOUT` (level-triggered)
    /// and, in an event loop, wait and send nonblocking. The server is slower than its clients, so its queue fills
    /// (`datagramQueue` + 1): a connected client's wait then finds no `EPOLLOUT` (`unix_dgram_poll` withholds it while the
    /// peer is full) and its send fails `EAGAIN`; an unconnected one's stays writable (its own send buffer).
    public static let datagramServerEpoll = Scenario.real(
        name: "unix-dgram-server-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "robust twin of unix-fragile-dgram-sticky-writable: a bound datagram server epoll_waits for EPOLLIN and receives slowly; 2-3 clients (most connect()ed to it) epoll_wait for EPOLLOUT and send nonblocking: a full server queue withholds a connected client's EPOLLOUT and fails its send EAGAIN",
        makeWorkload: { generator in datagramServerWorkload(generator: &generator) })

    /// Fragile: the same clients with an event loop that keeps a socket writable from the `EPOLLOUT` it last saw until
    /// a send of its own fails `EAGAIN` — right for its own send buffer, which only its sends fill, wrong for a
    /// connected datagram socket, whose peer's queue the other clients fill: its waits report the `EPOLLOUT` the
    /// kernel withholds.
    public static let stickyWritable = Scenario.real(
        name: "unix-fragile-dgram-sticky-writable", kind: UnixSocketKind.self, implementation: "client.dgram-sticky-writable",
        summary: "BROKEN: datagram clients whose event loop keeps a socket writable from its last EPOLLOUT until its own send fails EAGAIN, so it reports EPOLLOUT while the server's queue, filled by the other clients, is full",
        isBroken: true,
        makeWorkload: { generator in datagramServerWorkload(generator: &generator) })

    static func datagramServerWorkload(generator: inout SeededGenerator) -> Workload {
        let clients = Array(2...generator.next(in: 3...4))
        var server: [Call] = []
        func serve(_ f: String, _ value: JSONObject) { server.append(Call(process: 1, object: "s0", f: f, value: .object(value))) }
        serve("epoll_ctl", ["op": "EPOLL_CTL_ADD", "end": "p1", "events": generator.chance(0.5) ? ["EPOLLIN"] : ["EPOLLIN", "EPOLLET"]])
        for _ in 0..<generator.next(in: 8...14) {
            serve("epoll_wait", ["maxevents": 16, "timeout": 30])
            serve("receive", ["end": "p1", "max": 64, "nonblocking": true])
        }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["bound"]], program: server)]
        for client in clients {
            let end = JSONValue.string("p\(client)")
            var program: [Call] = []
            func call(_ f: String, _ value: JSONObject) { program.append(Call(process: client, object: "s0", f: f, value: .object(value))) }
            // The last client sends by address some of the time (never withheld: its own buffer is all that counts).
            let connected = client != clients.last || generator.chance(0.5)
            if connected { call("connect", ["end": end, "to": "p1"]) }
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "end": end, "events": ["EPOLLOUT"]])
            for sequence in 0..<generator.next(in: 12...22) {
                call("epoll_wait", ["maxevents": 16, "timeout": .int(generator.pick([0, 0, 10]))])
                var value: JSONObject = ["end": end, "nonblocking": true]
                value["data"] = Payload.json(PayloadMaker.make(process: client, sequence: sequence, count: generator.next(in: 1...40), generator: &generator))
                if !connected { value["to"] = "p1" }
                call("send", value)
            }
            processes.append(Workload.Process(id: client, holds: ["s0": ["bound"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "dgram", "shape": "bound", "address": "path"])],
            processes: processes)
    }
}
