import IPCModels

extension UnixSocketScenarios {
    /// A server that makes its listener nonblocking with `F_SETFL` (as an event loop does) and accepts without its
    /// own nonblocking request: `EAGAIN` while nobody waits, never a sleep; it then receives from what it accepted
    /// without `MSG_DONTWAIT` — an accepted socket starts blocking on Linux, so the receive waits for the client's
    /// bytes or its close — and sometimes clears the flag at the end (`FIONBIO` 0).
    public static let nonblockingListener = Scenario.real(
        name: "unix-nonblocking-listener", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "robust twin of unix-fragile-accept-inherits-nonblocking: a server sets O_NONBLOCK on its listener with F_SETFL, accepts (EAGAIN while nobody waits) and receives blocking from the accepted sockets, which do not inherit the flag",
        makeWorkload: { generator in nonblockingListenerWorkload(generator: &generator) })

    /// Fragile: the same server, believing BSD's rule — a socket accepted from a nonblocking listener is nonblocking
    /// too — so its receives on it go with `MSG_DONTWAIT` and report `EAGAIN` where Linux's blocking receive waits.
    public static let acceptInheritsNonblocking = Scenario.real(
        name: "unix-fragile-accept-inherits-nonblocking", kind: UnixSocketKind.self, implementation: "client.accept-inherits-nonblocking",
        summary: "BROKEN: a server with a listener made nonblocking by F_SETFL that takes the sockets it accepts for nonblocking too (BSD's rule; Linux's start blocking) and reports EAGAIN for their blocking receives",
        isBroken: true,
        makeWorkload: { generator in nonblockingListenerWorkload(generator: &generator) })

    static func nonblockingListenerWorkload(generator: inout SeededGenerator) -> Workload {
        let type: UnixSocketModel.SocketType = generator.chance(0.5) ? .stream : .seqpacket
        let clients = Array(2..<(2 + generator.next(in: 1...3)))
        var server: [Call] = []
        func call(_ f: String, _ value: JSONValue?) { server.append(Call(process: 1, object: "s0", f: f, value: value)) }
        if generator.chance(0.5) {
            call("fcntl", ["end": "listen", "cmd": "F_SETFL", "nonblocking": true])
        } else {
            call("ioctl", ["end": "listen", "request": "FIONBIO", "on": true])
        }
        call("fcntl", ["end": "listen", "cmd": "F_GETFL"])
        // The event loop: accept until EAGAIN, in a poll's rhythm; each accepted socket's first message read at once.
        for _ in 0..<(clients.count + generator.next(in: 1...3)) {
            if generator.chance(0.5) { call("poll", ["end": "listen", "events": ["POLLIN"], "timeout": 20]) }
            call("accept", ["end": "listen"])
            let client = generator.pick(clients)
            if generator.chance(0.3) { call("fcntl", ["end": .string("server-\(client)"), "cmd": "F_GETFL"]) }
            call("receive", ["end": .string("server-\(client)"), "max": 64])
        }
        // Blocking again (no accept follows: one would wait for a client that may never come).
        if generator.chance(0.3) {
            call("ioctl", ["end": "listen", "request": "FIONBIO", "on": false])
            call("fcntl", ["end": "listen", "cmd": "F_GETFL"])
        }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["listen"]], program: server)]
        for client in clients {
            var program = [Call(process: client, object: "s0", f: "connect", value: ["nonblocking": true])]
            // A client that thinks before it speaks (a timed poll for a greeting that never comes): the server's
            // receive often finds the accepted socket still empty.
            if generator.chance(0.7) {
                program.append(Call(
                    process: client, object: "s0", f: "poll", value: ["end": .string("client-\(client)"), "events": ["POLLIN"], "timeout": 30]))
            }
            for sequence in 0..<generator.next(in: 1...2) {
                let data = PayloadMaker.make(process: client, sequence: sequence, count: generator.next(in: 4...40), generator: &generator)
                program.append(Call(process: client, object: "s0", f: "send", value: ["end": .string("client-\(client)"), "data": Payload.json(data)]))
            }
            program.append(Call(process: client, object: "s0", f: "close", value: ["end": .string("client-\(client)")]))
            processes.append(Workload.Process(id: client, holds: ["s0": ["connect"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(
                name: "s0", kind: "unix-socket",
                parameters: ["type": .string(type.rawValue), "shape": "listener", "address": "path", "backlog": .int(clients.count)])],
            processes: processes)
    }
}
