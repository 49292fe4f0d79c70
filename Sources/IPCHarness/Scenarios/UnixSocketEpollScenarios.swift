import IPCModels

/// `epoll_ctl` and `epoll_wait` on a socket pair's ends, of each type (the unix-socket model's one epoll instance per
/// process per object; only a pair's epoll is modelled).
extension UnixSocketScenarios {
    /// 2-3 processes share a stream pair's ends in random roles, register the ends they hold — level-triggered,
    /// `EPOLLET`, `EPOLLONESHOT`, with `EPOLLRDHUP` — modify and delete them (some `EEXIST`, `ENOENT`, `EINVAL`), and
    /// wait with a zero timeout (some `maxevents` 1 or 0), between nonblocking sends and receives, shutdowns and a
    /// close.
    public static let streamEpoll = Scenario.real(
        name: "unix-stream-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-3 processes share a stream socketpair and epoll_ctl its ends (level-triggered, EPOLLET, EPOLLONESHOT, EPOLLRDHUP; some EEXIST/ENOENT/EINVAL) and epoll_wait between nonblocking sends, receives, shutdowns and a close",
        makeWorkload: { generator in epollWorkload(.stream, generator: &generator) })

    /// The same on a datagram pair, where `unix_dgram_poll` and the datagram path wake differently: empty datagrams
    /// are news, a peer's shutdown and close are not, a send failing after its buffer is (`EPIPE` after the peer's
    /// `SHUT_RD`, `ECONNREFUSED` and `ENOTCONN` after its close).
    public static let datagramEpoll = Scenario.real(
        name: "unix-dgram-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-3 processes share a datagram socketpair and epoll_ctl its ends (EPOLLET news per datagram, none from the peer's shutdown or close, one from a send failing after its buffer) and epoll_wait between nonblocking sends, receives, shutdowns and a close",
        makeWorkload: { generator in epollWorkload(.dgram, generator: &generator) })

    /// The same on a seqpacket pair: records (empty ones too) are news one by one, a peer's shutdown and close as a
    /// stream's.
    public static let seqpacketEpoll = Scenario.real(
        name: "unix-seqpacket-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-3 processes share a seqpacket socketpair and epoll_ctl its ends (EPOLLET news per record, empty ones too; the peer's shutdown and close) and epoll_wait between nonblocking sends, receives, shutdowns and a close",
        makeWorkload: { generator in epollWorkload(.seqpacket, generator: &generator) })

    /// A stream listener (backlog 1) held by process 1, which registers it and the sockets it accepts; 1-2 clients
    /// connect once and register theirs: connections queued are the listener's news, accepts and `listen` again are
    /// not, a shut listener refuses (`ECONNREFUSED`), a full backlog `EAGAIN`.
    public static let listenerEpoll = Scenario.real(
        name: "unix-stream-listener-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a stream listener (backlog 1) and 1-2 clients: epoll_ctl of the listener, accepted sockets and clients (EPOLLET news per connection queued, none per accept) and epoll_wait between nonblocking connects, accepts, sends, receives and shutdowns",
        makeWorkload: { generator in listenerEpollWorkload(.stream, generator: &generator) })

    /// The same on a seqpacket listener, measured alike (`unix_dgram_poll`).
    public static let seqpacketListenerEpoll = Scenario.real(
        name: "unix-seqpacket-listener-epoll", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "unix-stream-listener-epoll on a seqpacket listener: epoll_ctl of the listener, accepted sockets and clients, epoll_wait between nonblocking connects, accepts, sends of records, receives and shutdowns",
        makeWorkload: { generator in listenerEpollWorkload(.seqpacket, generator: &generator) })

    /// Process 1 holds the listener and accepts; processes 2-3 connect once each, then use their client.
    static func listenerEpollWorkload(_ type: UnixSocketModel.SocketType, generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...3)
        func events(_ generator: inout SeededGenerator) -> JSONValue { generator.pick(Self.epollEventChoices) }
        var server: [Call] = []
        func serve(_ f: String, _ value: JSONObject) { server.append(Call(process: 1, object: "s0", f: f, value: .object(value))) }
        for _ in 0..<generator.next(in: 6...14) {
            let accepted = JSONValue.string("server-\(generator.next(in: 2...count))")
            switch generator.next(in: 0...15) {
            case 0...2:
                let operations: [JSONValue] = ["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL"]
                serve("epoll_ctl", ["op": generator.chance(0.1) ? .int(7) : generator.pick(operations), "end": generator.chance(0.1) ? "epoll" : "listen", "events": events(&generator)])
            case 3...4: serve("epoll_ctl", ["op": generator.pick(["EPOLL_CTL_ADD", "EPOLL_CTL_MOD"]), "end": accepted, "events": events(&generator)])
            case 5...8: serve("epoll_wait", ["maxevents": .int(generator.pick([16, 16, 16, 1, 0])), "timeout": 0])
            case 9...10: serve("accept", ["end": "listen", "nonblocking": true])
            case 11: serve("receive", ["end": accepted, "max": .int(generator.next(in: 1...100)), "nonblocking": true])
            case 12: serve("send", ["end": accepted, "data": "ok", "nonblocking": true])
            case 13: serve("listen", ["end": "listen", "backlog": .int(generator.next(in: 0...2))])
            case 14: serve("shutdown", ["end": "listen", "how": .string(generator.pick(["SHUT_RD", "SHUT_WR"]))])
            default: serve("shutdown", ["end": accepted, "how": .string(generator.pick(["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]))])
            }
        }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["listen"]], program: server)]
        for client in 2...count {
            let end = JSONValue.string("client-\(client)")
            var program = [Call(process: client, object: "s0", f: "connect", value: ["nonblocking": true])]
            func call(_ f: String, _ value: JSONObject) { program.append(Call(process: client, object: "s0", f: f, value: .object(value))) }
            for sequence in 0..<generator.next(in: 3...8) {
                switch generator.next(in: 0...9) {
                case 0...2: call("epoll_ctl", ["op": generator.pick(["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD"]), "end": end, "events": events(&generator)])
                case 3...5: call("epoll_wait", ["maxevents": 16, "timeout": 0])
                case 6...7:
                    let size = generator.next(in: generator.pick([0...100, 101...4000]))
                    call("send", ["end": end, "nonblocking": true,
                                  "data": Payload.json(PayloadMaker.make(process: client, sequence: sequence, count: size, generator: &generator))])
                case 8: call("receive", ["end": end, "max": .int(generator.next(in: 1...100)), "nonblocking": true])
                default: call("shutdown", ["end": end, "how": .string(generator.pick(["SHUT_RD", "SHUT_WR"]))])
                }
            }
            processes.append(Workload.Process(id: client, holds: ["s0": ["connect"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": .string(type.rawValue), "shape": "listener", "address": "path", "backlog": 1])],
            processes: processes)
    }

    static let epollEventChoices: [JSONValue] = [
        ["EPOLLIN"], ["EPOLLIN", "EPOLLET"], ["EPOLLIN", "EPOLLRDHUP", "EPOLLET"], ["EPOLLIN", "EPOLLONESHOT"], ["EPOLLOUT", "EPOLLET"],
        ["EPOLLIN", "EPOLLOUT", "EPOLLRDHUP"], [],
    ]

    static func epollWorkload(_ type: UnixSocketModel.SocketType, generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...3)
        let roles = pairRoles(count: count, generator: &generator)
        let processes = (1...count).map { process in
            var open = roles[process]!
            var program: [Call] = []
            func call(_ f: String, _ value: JSONObject) { program.append(Call(process: process, object: "s0", f: f, value: .object(value))) }
            for sequence in 0..<generator.next(in: 6...16) {
                guard let end = open.isEmpty ? nil : generator.pick(open) else { break }
                switch generator.next(in: 0...19) {
                case 0...5:
                    let operations: [JSONValue] = ["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL"]
                    let target: JSONValue = generator.chance(0.05) ? "epoll" : .string(end)
                    call("epoll_ctl", ["op": generator.chance(0.05) ? .int(7) : generator.pick(operations), "end": target, "events": generator.pick(Self.epollEventChoices)])
                case 6...10:
                    call("epoll_wait", ["maxevents": .int(generator.pick([16, 16, 16, 1, 0])), "timeout": 0])
                case 11...13:
                    let size = generator.next(in: generator.pick([0...100, 101...4000, 4001...150_000]))
                    call("send", ["end": .string(end), "nonblocking": true,
                                  "data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator))])
                case 14...16:
                    call("receive", ["end": .string(end), "nonblocking": true, "max": .int(generator.next(in: generator.pick([1...64, 65...200_000])))])
                case 17...18:
                    call("shutdown", ["end": .string(end), "how": .string(generator.pick(["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]))])
                default:
                    call("close", ["end": .string(end)])
                    open.removeAll { $0 == end }
                    call("epoll_wait", ["maxevents": 16, "timeout": 0])
                }
            }
            return Workload.Process(id: process, holds: ["s0": roles[process]!], program: program)
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": .string(type.rawValue), "shape": "pair"])],
            processes: processes)
    }
}
