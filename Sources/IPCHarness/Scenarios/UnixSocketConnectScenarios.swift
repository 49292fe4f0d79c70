import IPCModels

extension UnixSocketScenarios {
    /// Connects to addresses around a listener: the lookup's errors (`ENOENT`, `ECONNREFUSED`, `EPROTOTYPE` through
    /// a path), the target's backlog, and the connecting socket's own state (`EINVAL`, `EISCONN`) in the kernel's
    /// order, while clients connect and the server accepts and may close the listener.
    public static let connectAddresses = Scenario.real(
        name: "unix-connect-addresses", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a listener on a 0600 path (stream or seqpacket) accepting with accept4 flags; connects to missing paths, free names, files, the listener by sockets of every type and state",
        makeWorkload: { generator in connectAddressesWorkload(generator: &generator) })

    /// Process 1 listens and accepts with `accept4` (`SOCK_NONBLOCK`, sometimes a bad flag) and receives without
    /// `MSG_DONTWAIT` from what it accepted (nonblocking by the flag: `EAGAIN`, never a sleep); the others connect,
    /// may send, and, around that, connect to addresses: a new socket to
    /// a path or name that is no socket's, a new socket of another type to the listener, their own client (or the
    /// listener itself) to the listener, always nonblocking so that a full backlog answers `EAGAIN` rather than
    /// sleeping past the server's last accept.
    static func connectAddressesWorkload(generator: inout SeededGenerator) -> Workload {
        let type: UnixSocketModel.SocketType = generator.chance(0.5) ? .stream : .seqpacket
        // A path: a run with abstract names needs a network namespace of its own (root); the lookup of another
        // type's abstract name is checked by the agreement properties instead.
        let address = "path"
        let count = generator.next(in: 2...4)
        func addressed(_ process: Int, end: String?) -> Call {
            var value: JSONObject = ["nonblocking": true]
            if let end { value["end"] = .string(end) }
            switch generator.next(in: 0...5) {
            case 0..<4:
                value["to"] = .string(generator.pick(["fresh-path", "fresh-abstract", "missing-directory", "existing-file"]))
            default:
                value["to"] = "listen"
                if end == nil {
                    let others = UnixSocketModel.SocketType.allCases.filter { $0 != type }
                    value["type"] = .string(generator.pick(others).rawValue)
                }
            }
            return Call(process: process, object: "s0", f: "connect", value: .object(value))
        }
        var processes: [Workload.Process] = []
        for client in 2...count {
            var program: [Call] = []
            for _ in 0..<generator.next(in: 0...2) { program.append(addressed(client, end: nil)) }
            program.append(Call(process: client, object: "s0", f: "connect", value: ["nonblocking": true]))
            for _ in 0..<generator.next(in: 1...3) {
                program.append(addressed(client, end: generator.chance(0.6) ? "client-\(client)" : nil))
            }
            if generator.chance(0.3) {
                program.append(Call(process: client, object: "s0", f: "send", value: ["end": .string("client-\(client)"), "data": "hi", "nonblocking": true]))
            }
            if generator.chance(0.3) { program.append(Call(process: client, object: "s0", f: "close", value: ["end": .string("client-\(client)")])) }
            processes.append(Workload.Process(id: client, holds: ["s0": ["connect"]], program: program))
        }
        var server: [Call] = []
        for _ in 0..<generator.next(in: 1...(count + 2)) {
            switch generator.next(in: 0...4) {
            case 0, 1:
                // accept4: every socket accepted is nonblocking (SOCK_NONBLOCK), so the server's receives without
                // MSG_DONTWAIT never sleep; now and then a bit no accept4 knows (EINVAL).
                let flags: JSONValue = generator.pick([["SOCK_NONBLOCK"], ["SOCK_NONBLOCK", "SOCK_CLOEXEC"], .int(generator.pick([1, 0x40]))])
                server.append(Call(process: 1, object: "s0", f: "accept", value: ["end": "listen", "nonblocking": true, "flags": flags]))
                // At once, while its client is likely still at work: an empty queue answers EAGAIN.
                for _ in 0..<generator.next(in: 0...2) {
                    server.append(Call(
                        process: 1, object: "s0", f: "receive", value: ["end": .string("server-\(generator.next(in: 2...count))"), "max": 10]))
                }
            case 4:
                server.append(Call(
                    process: 1, object: "s0", f: "receive", value: ["end": .string("server-\(generator.next(in: 2...count))"), "max": 10]))
            case 2: server.append(addressed(1, end: "listen"))
            default: server.append(addressed(1, end: nil))
            }
        }
        if generator.chance(0.3) { server.append(Call(process: 1, object: "s0", f: "close", value: ["end": "listen"])) }
        processes.insert(Workload.Process(id: 1, holds: ["s0": ["listen"]], program: server), at: 0)
        return Workload(
            objects: [Workload.Object(
                name: "s0", kind: "unix-socket",
                parameters: ["type": .string(type.rawValue), "shape": "listener", "address": .string(address), "backlog": .int(generator.next(in: 0...1))])],
            processes: processes)
    }
}
