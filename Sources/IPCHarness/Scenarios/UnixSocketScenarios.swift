import IPCModels

/// Scenarios on Unix-domain sockets: socket pairs of each type, listeners on a path or an abstract name, and bound
/// datagram sockets.
public enum UnixSocketScenarios {
    public static let all: [Scenario] = [
        streamPair, seqpacketPair, datagramTruncation, streamListener, seqpacketListener, boundPath, boundAbstract,
        unlinksTakenPath, leavesTakenPath, connectAddresses, streamEpoll, datagramEpoll, seqpacketEpoll, listenerEpoll, seqpacketListenerEpoll, outOfBand, waitAllStopsAtMark, readerPastMark,
        urgentSignals, urgentByteWhenSignalled, urgentByteAsItIs, packetSignals, nonblockingListener, acceptInheritsNonblocking,
        datagramServerEpoll, stickyWritable, nestedEventLoop, nestedDispatch, receiveTimeout, timeoutAsEndOfFile,
        batchReceiverCounts, batchReceiverAssumesFull,
    ]

    public static let streamPair = Scenario.real(
        name: "unix-stream-pair", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-4 processes share a stream socketpair: sends of 1 B to 120 KB that split and merge, capacity, closes",
        makeWorkload: { generator in
            pairWorkload(.stream, sizes: [(50, 1...300), (30, 301...8000), (20, 8001...120_000)], reads: [1...64, 65...70_000], generator: &generator)
        })

    public static let seqpacketPair = Scenario.real(
        name: "unix-seqpacket-pair", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-4 processes share a seqpacket socketpair: records kept whole, truncation, EPIPE and ECONNRESET on close",
        makeWorkload: { generator in
            pairWorkload(.seqpacket, sizes: [(70, 0...200), (30, 201...20_000)], reads: [1...32, 33...30_000], generator: &generator)
        })

    /// The fact in motion: a datagram read into a smaller buffer is truncated and the rest is gone.
    public static let datagramTruncation = Scenario.real(
        name: "unix-dgram-truncation", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-4 processes share a datagram socketpair; reads of 1-20 bytes truncate longer datagrams, some with MSG_TRUNC in the flags",
        makeWorkload: { generator in
            pairWorkload(.dgram, sizes: [(80, 0...40), (20, 41...3000)], reads: [1...20, 21...4000], generator: &generator)
        })

    public static let streamListener = Scenario.real(
        name: "unix-stream-listener-path", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a server listens on a 0600 path, clients connect (backlog 0-2), data flows before and after accept",
        makeWorkload: { generator in listenerWorkload(.stream, address: "path", generator: &generator) })

    public static let seqpacketListener = Scenario.real(
        name: "unix-seqpacket-listener-abstract", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a server listens on an abstract name; seqpacket connections, accept order, resets when the listener goes",
        makeWorkload: { generator in listenerWorkload(.seqpacket, address: "abstract", generator: &generator) })

    public static let boundPath = Scenario.real(
        name: "unix-dgram-bound-path", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-4 datagram sockets bound to 0600 paths send to each other: senders named, 11-message queues",
        makeWorkload: { generator in boundWorkload(address: "path", generator: &generator) })

    public static let boundAbstract = Scenario.real(
        name: "unix-dgram-bound-abstract", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "2-4 datagram sockets bound to abstract names send to each other, sometimes connected; a closed one refuses",
        makeWorkload: { generator in boundWorkload(address: "abstract", generator: &generator) })

    /// The stale-socket idiom: a process that binds to the listener's path and, finding it taken, unlinks what is
    /// there and binds again — its bind reports success where the kernel's says `EADDRINUSE`, and the live
    /// listener has lost its path (later clients are refused).
    public static let unlinksTakenPath = takeover(
        "unix-stream-fragile-unlinks-taken-path", "client.bind-unlinks-taken-path",
        "BROKEN: a bind that finds the listener's path taken unlinks it and binds again, stealing a live listener's address",
        isBroken: true)

    public static let leavesTakenPath = takeover(
        "unix-stream-robust-leaves-taken-path", "client.bind-leaves-taken-path",
        "robust twin of unix-stream-fragile-unlinks-taken-path: a bind to a taken path reports EADDRINUSE and leaves it")

    /// A ``takeoverWorkload(generator:)`` scenario through the bind client `implementation`.
    static func takeover(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false) -> Scenario {
        Scenario.real(
            name: name, kind: UnixSocketKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            makeWorkload: { generator in takeoverWorkload(generator: &generator) })
    }

    // MARK: Workloads

    /// A listener on a path (process 1 accepts without blocking, receives, closes it at some point) and 1-3 clients
    /// that connect and send; one of them first binds a new socket to the listener's path (a restarting server's
    /// bind), before or after its connect.
    static func takeoverWorkload(generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...4)
        let binder = generator.next(in: 2...count)
        var processes: [Workload.Process] = []
        for client in 2...count {
            var program = [
                Call(process: client, object: "s0", f: "connect", value: ["nonblocking": true]),
                Call(process: client, object: "s0", f: "send", value: ["end": .string("client-\(client)"), "data": "hello", "nonblocking": true]),
            ]
            if client == binder {
                program.insert(Call(process: client, object: "s0", f: "bind", value: ["address": "listen"]), at: generator.next(in: 0...1))
            }
            processes.append(Workload.Process(id: client, holds: ["s0": ["connect"]], program: program))
        }
        var server: [Call] = []
        for peer in 2...count {
            server.append(Call(process: 1, object: "s0", f: "accept", value: ["end": "listen", "nonblocking": true]))
            server.append(Call(process: 1, object: "s0", f: "receive", value: ["end": .string("server-\(peer)"), "max": 16, "nonblocking": true]))
        }
        if generator.chance(0.3) { server.append(Call(process: 1, object: "s0", f: "close", value: ["end": "listen"])) }
        processes.insert(Workload.Process(id: 1, holds: ["s0": ["listen"]], program: server), at: 0)
        return Workload(
            objects: [Workload.Object(
                name: "s0", kind: "unix-socket",
                parameters: ["type": "stream", "shape": "listener", "address": "path", "backlog": .int(count)])],
            processes: processes)
    }

    /// A `bind` of `end` (nil: a new socket of the object's type, closed at once) to an address that is not one of
    /// the object's: fresh (it binds, unless the socket is bound already: `EINVAL`), in a missing directory
    /// (`ENOENT`) or an existing file (`EADDRINUSE`).
    static func bindCall(process: Int, end: String?, generator: inout SeededGenerator) -> Call {
        var value: JSONObject = [
            "address": .string(generator.pick(["fresh-path", "fresh-abstract", "fresh-abstract", "missing-directory", "existing-file"]))
        ]
        if let end { value["end"] = .string(end) }
        return Call(process: process, object: "s0", f: "bind", value: .object(value))
    }

    /// Which of a pair's ends each of `count` processes holds: `a`, `b` or both, each end held by someone.
    static func pairRoles(count: Int, generator: inout SeededGenerator) -> [Int: [String]] {
        var roles: [Int: [String]] = [:]
        for process in 1...count { roles[process] = generator.pick(weighted: [(4, ["a"]), (4, ["b"]), (2, ["a", "b"])]) }
        if !roles.values.contains(where: { $0.contains("a") }) { roles[1] = ["a"] }
        if !roles.values.contains(where: { $0.contains("b") }) { roles[count] = ["b"] }
        return roles
    }

    /// Processes share the two ends of a pair in random roles and send, receive and sometimes close.
    static func pairWorkload(
        _ type: UnixSocketModel.SocketType, sizes: [(weight: Int, value: ClosedRange<Int>)], reads: [ClosedRange<Int>],
        generator: inout SeededGenerator
    ) -> Workload {
        let count = generator.next(in: 2...4)
        let roles = pairRoles(count: count, generator: &generator)
        let processes = (1...count).map { process in
            var open = roles[process]!
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 2...8) {
                guard !open.isEmpty else { break }
                let end = generator.pick(open)
                if generator.chance(0.08) {
                    program.append(Call(process: process, object: "s0", f: "close", value: ["end": .string(end)]))
                    open.removeAll { $0 == end }
                    continue
                }
                if generator.chance(0.05) {
                    let how = generator.pick(["SHUT_RD", "SHUT_WR", "SHUT_RDWR"])
                    program.append(Call(process: process, object: "s0", f: "shutdown", value: ["end": .string(end), "how": .string(how)]))
                    continue
                }
                if generator.chance(0.06) {
                    // Socket options and queue sizes; a send buffer made smaller or larger mid-run; the pair's
                    // credentials (the harness's, which made it); a peek offset set (later peeks start there and
                    // move it on, receives move it back) or disabled, and read.
                    let call: (f: String, value: JSONObject) = generator.pick([
                        ("getsockopt", ["option": "SO_ERROR"]), ("getsockopt", ["option": "SO_SNDBUF"]),
                        ("getsockopt", ["option": "SO_PEERCRED"]),
                        ("setsockopt", ["option": "SO_PEEK_OFF", "value": 0]),
                        ("setsockopt", ["option": "SO_PEEK_OFF", "value": -1]),
                        ("getsockopt", ["option": "SO_PEEK_OFF"]),
                        ("getsockopt", ["option": "SO_TYPE"]), ("ioctl", ["request": "SIOCINQ"]),
                        ("ioctl", ["request": "SIOCOUTQ"]), ("setsockopt", ["option": "SO_SNDBUF", "value": 4000]),
                        ("setsockopt", ["option": "SO_SNDBUF", "value": 60_000]),
                    ])
                    var value = call.value
                    value["end"] = .string(end)
                    program.append(Call(process: process, object: "s0", f: call.f, value: .object(value)))
                    if call.value["option"] == "SO_PEEK_OFF", call.value["value"] == 0 {
                        // Two peeks at once (drawing nothing): the second starts where the first stopped.
                        for _ in 0..<2 {
                            program.append(Call(
                                process: process, object: "s0", f: "receive",
                                value: ["end": .string(end), "max": 16, "peek": true, "nonblocking": true]))
                        }
                    }
                    continue
                }
                if generator.chance(0.08) {
                    // socket or socketpair, closed at once: each type with its flags, or arguments the kernel refuses
                    // (AF_UNSPEC, AF_INET's TCP, UDP and raw sockets, which have no pairs — a raw one of protocol 0
                    // is not even made — a family out of range, a bad protocol, one past IPPROTO_MAX).
                    let f = generator.pick(["socket", "socketpair", "socketpair"])
                    var value: JSONObject = [
                        "domain": f == "socket" ? generator.pick(["AF_UNIX", "AF_INET", 100]) : generator.pick(["AF_UNIX", "AF_UNIX", "AF_UNSPEC", "AF_INET", 100]),
                        "type": generator.pick(["SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET", "SOCK_RAW", 4]),
                    ]
                    if value["domain"] == "AF_INET" && ![JSONValue.string("SOCK_STREAM"), "SOCK_RAW"].contains(value["type"]) { value["type"] = "SOCK_DGRAM" }
                    let flags: [JSONValue] = generator.pick([[], ["SOCK_NONBLOCK"], ["SOCK_CLOEXEC"], ["SOCK_NONBLOCK", "SOCK_CLOEXEC"]])
                    if !flags.isEmpty { value["flags"] = .array(flags) }
                    // AF_INET's protocol 1 on a datagram socket (a ping socket) depends on ping_group_range: the model
                    // does not judge it; on a stream or a raw socket it does.
                    if generator.chance(0.2) {
                        let internet = value["domain"] == "AF_INET"
                        value["protocol"] = .int(generator.pick(internet ? (value["type"] == "SOCK_DGRAM" ? [6, 17, 263] : [1, 6, 17, 263]) : [1, 6, 17]))
                        // A raw AF_INET socket of a protocol is made with CAP_NET_RAW: socket's answer would be a raw
                        // socket, which the model has no type for (its pair is judged: EOPNOTSUPP or EPERM).
                        if f == "socket", internet, value["type"] == "SOCK_RAW", value["protocol"] != 263 { value["protocol"] = 0 }
                    }
                    program.append(Call(process: process, object: "s0", f: f, value: .object(value)))
                    continue
                }
                if generator.chance(0.04) {
                    // bind of the end (unbound: the first one binds, later ones EINVAL) or of a new socket.
                    program.append(bindCall(process: process, end: generator.chance(0.5) ? end : nil, generator: &generator))
                    continue
                }
                if generator.chance(0.08) {
                    // Readiness at once, or after a wait (a blocking poll only for all three, which a send makes
                    // true, or a timed one); a third of them as select (blocking only for both sets).
                    if generator.chance(0.33) {
                        let sets = generator.pick([(true, true), (true, false), (false, true)])
                        var value: JSONObject = ["end": .string(end)]
                        if sets.0 { value["read"] = true }
                        if sets.1 { value["write"] = true }
                        let timeout = generator.pick(sets == (true, true) ? [0, 0, -1, 20] : [0, 0, 20])
                        if timeout != 0 { value["timeout"] = .int(timeout) }
                        program.append(Call(process: process, object: "s0", f: "select", value: .object(value)))
                        continue
                    }
                    let events: [JSONValue] = generator.chance(0.7) ? ["POLLIN", "POLLOUT", "POLLRDHUP"] : ["POLLIN"]
                    var value: JSONObject = ["end": .string(end), "events": .array(events)]
                    let timeout = generator.pick(events.count == 3 ? [0, 0, -1, 20] : [0, 0, 20])
                    if timeout != 0 { value["timeout"] = .int(timeout) }
                    program.append(Call(process: process, object: "s0", f: "poll", value: .object(value)))
                    continue
                }
                var value: JSONObject = ["end": .string(end)]
                if generator.chance(0.35) { value["nonblocking"] = true }
                if generator.chance(0.5) {
                    let size = generator.next(in: generator.pick(weighted: sizes))
                    value["data"] = Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator))
                    program.append(Call(process: process, object: "s0", f: "send", value: .object(value)))
                } else {
                    let max = generator.next(in: generator.pick(reads))
                    value["max"] = .int(max)
                    if generator.chance(0.15) { value["peek"] = true }  // MSG_PEEK
                    // MSG_TRUNC for a fifth of the receives, told by the size drawn (a draw of its own would change
                    // every later one of the seeds tests rely on): a record longer than the buffer reports its whole
                    // length; a stream ignores the flag, and only there may a fault cut the receive's buffer.
                    if max % 5 == 0 { value["trunc"] = true }
                    program.append(Call(process: process, object: "s0", f: "receive", value: .object(value)))
                }
            }
            return Workload.Process(id: process, holds: ["s0": roles[process]!], program: program)
        }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": .string(type.rawValue), "shape": "pair"])],
            processes: processes)
    }

    /// Framed messages on a stream pair: process 1 sends 2-6 messages of `sizes` bytes with blocking sends (each
    /// its own bytes, so a misframed read shows) and closes its end; process 2 receives each with
    /// `receive-exactly` of its size, then once more, which finds end of file.
    public static func framingWorkload(sizes: ClosedRange<Int>, generator: inout SeededGenerator) -> Workload {
        let messages = (0..<generator.next(in: 2...6)).map { sequence in
            PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: sizes), generator: &generator)
        }
        let sends = messages.map {
            Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": Payload.json($0)])
        }
        return framingPair(sends: sends, sizes: messages.map(\.count), last: sizes.lowerBound)
    }

    /// A stream pair on which process 1 makes `sends` and closes its end, and process 2 receives with
    /// `receive-exactly` each message of `sizes` bytes, then `last` bytes more, which finds end of file.
    static func framingPair(sends: [Call], sizes: [Int], last: Int) -> Workload {
        let writer = sends + [Call(process: 1, object: "s0", f: "close", value: ["end": "a"])]
        let reader = (sizes + [last]).map { size in
            Call(process: 2, object: "s0", f: "receive-exactly", value: ["end": "b", "size": .int(size)])
        }
        return Workload(
            objects: [
                Workload.Object(name: "s0", kind: "unix-socket", parameters: ["type": "stream", "shape": "pair"])
            ],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: writer),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: reader),
            ])
    }

    /// Process 1 listens and accepts; the others connect, and both sides exchange a few messages.
    static func listenerWorkload(_ type: UnixSocketModel.SocketType, address: String, generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...4)
        let backlog = generator.next(in: 0...2)
        var server: [Call] = []
        var processes: [Workload.Process] = []
        for client in 2...count {
            var program = [Call(process: client, object: "s0", f: "connect", value: generator.chance(0.3) ? ["nonblocking": true] : nil)]
            for sequence in 0..<generator.next(in: 1...4) {
                if generator.chance(0.6) {
                    let data = PayloadMaker.make(process: client, sequence: sequence, count: generator.next(in: 1...3000), generator: &generator)
                    program.append(Call(process: client, object: "s0", f: "send", value: ["end": .string("client-\(client)"), "data": Payload.json(data)]))
                } else {
                    var value: JSONObject = ["end": .string("client-\(client)"), "max": .int(generator.next(in: 1...4000))]
                    if generator.chance(0.5) { value["nonblocking"] = true }
                    program.append(Call(process: client, object: "s0", f: "receive", value: .object(value)))
                }
            }
            // Connect again while connected (nonblocking: a full backlog EAGAIN, a closed listener ECONNREFUSED,
            // else EISCONN); never after its close, which would make a second connection.
            if generator.chance(0.25) { program.append(Call(process: client, object: "s0", f: "connect", value: ["nonblocking": true])) }
            // SO_PEERCRED (even clients, drawing nothing so the seeds' other calls stay as they were): the listener's
            // credentials when it connected — the harness's, or process 1's once it listened again — never its own.
            if client % 2 == 0 {
                program.append(Call(
                    process: client, object: "s0", f: "getsockopt",
                    value: ["end": .string("client-\(client)"), "option": "SO_PEERCRED"]))
            }
            // bind: the client (unbound: it binds once, then EINVAL; to the listener's abstract name once the
            // listener closed, which it then holds), or a new socket to the listener's address (EADDRINUSE; an
            // abstract name free once the listener closed) or elsewhere.
            if generator.chance(0.3) {
                let end: String? = generator.chance(0.5) ? "client-\(client)" : nil
                program.append(
                    generator.chance(0.4)
                        ? Call(process: client, object: "s0", f: "bind", value: end.map { ["address": "listen", "end": .string($0)] } ?? ["address": "listen"])
                        : bindCall(process: client, end: end, generator: &generator))
            }
            if generator.chance(0.4) { program.append(Call(process: client, object: "s0", f: "close", value: ["end": .string("client-\(client)")])) }
            processes.append(Workload.Process(id: client, holds: ["s0": ["connect"]], program: program))
        }
        for sequence in 0..<generator.next(in: count...(2 * count + 2)) {
            let peer = generator.next(in: 2...count)
            switch generator.next(in: 0...9) {
            case 0..<3:
                if generator.chance(0.15) {  // a new backlog mid-run
                    let backlog = generator.next(in: 0...2)
                    server.append(Call(process: 1, object: "s0", f: "listen", value: ["end": "listen", "backlog": .int(backlog)]))
                    // SO_PEERCRED: the listener's credentials are now process 1's (drawing nothing).
                    server.append(Call(
                        process: 1, object: "s0", f: "getsockopt", value: ["end": "listen", "option": "SO_PEERCRED"]))
                }
                server.append(Call(process: 1, object: "s0", f: "accept", value: generator.chance(0.3) ? ["end": "listen", "nonblocking": true] : ["end": "listen"]))
            case 3..<6:
                if sequence % 3 == 0 {
                    // SO_PEERCRED of an accepted socket: its client's process (drawing nothing).
                    server.append(Call(
                        process: 1, object: "s0", f: "getsockopt",
                        value: ["end": .string("server-\(peer)"), "option": "SO_PEERCRED"]))
                }
                var value: JSONObject = ["end": .string("server-\(peer)"), "max": .int(generator.next(in: 1...4000))]
                if generator.chance(0.5) { value["nonblocking"] = true }
                server.append(Call(process: 1, object: "s0", f: "receive", value: .object(value)))
            case 6..<9:
                let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 1...3000), generator: &generator)
                server.append(Call(process: 1, object: "s0", f: "send", value: ["end": .string("server-\(peer)"), "data": Payload.json(data), "nonblocking": true]))
            case 9 where generator.chance(0.3):
                // The listener and accepted sockets are bound already: EINVAL (after a path's lookup).
                let end: String = generator.chance(0.5) ? "listen" : "server-\(peer)"
                server.append(generator.chance(0.5)
                    ? Call(process: 1, object: "s0", f: "bind", value: ["address": "listen", "end": .string(end)])
                    : bindCall(process: 1, end: end, generator: &generator))
            default:
                server.append(Call(process: 1, object: "s0", f: "close", value: ["end": generator.chance(0.3) ? "listen" : .string("server-\(peer)")]))
            }
        }
        processes.insert(Workload.Process(id: 1, holds: ["s0": ["listen"]], program: server), at: 0)
        return Workload(
            objects: [Workload.Object(
                name: "s0", kind: "unix-socket",
                parameters: ["type": .string(type.rawValue), "shape": "listener", "address": .string(address), "backlog": .int(backlog)])],
            processes: processes)
    }

    /// Every process has its own bound datagram socket and sends to the others' (and its own) addresses; now and
    /// then one connects to a socket (fixing its peer: others' datagrams to it then fail `EPERM`) and afterwards
    /// sends without an address half the time, and may dissolve the peer again (`AF_UNSPEC`).
    static func boundWorkload(address: String, generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...4)
        let processes = (1...count).map { process in
            var program: [Call] = []
            var connected = false
            for sequence in 0..<generator.next(in: 2...9) {
                var value: JSONObject = ["end": .string("p\(process)")]
                if generator.chance(0.4) { value["nonblocking"] = true }
                switch generator.next(in: 0...19) {
                case 10..<12 where connected && generator.chance(0.3):
                    // AF_UNSPEC: no peer any more (its queue discarded, an old peer connected back reset).
                    connected = false
                    program.append(Call(process: process, object: "s0", f: "connect", value: ["end": .string("p\(process)"), "family": "AF_UNSPEC"]))
                case 10..<12:
                    connected = true
                    program.append(Call(
                        process: process, object: "s0", f: "connect",
                        value: ["end": .string("p\(process)"), "to": .string("p\(generator.next(in: 1...count))")]))
                    if process % 2 == 1 {
                        // SO_PEERCRED: none, connected or not — a datagram connect sets no credentials (drawing
                        // nothing).
                        program.append(Call(
                            process: process, object: "s0", f: "getsockopt",
                            value: ["end": .string("p\(process)"), "option": "SO_PEERCRED"]))
                    }
                case 0..<12:
                    if !connected || generator.chance(0.5) { value["to"] = .string("p\(generator.next(in: 1...count))") }
                    let size = generator.next(in: generator.pick([0...50, 51...2000]))
                    value["data"] = Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator))
                    program.append(Call(process: process, object: "s0", f: "send", value: .object(value)))
                case 12..<19:
                    value["max"] = .int(generator.next(in: generator.pick([1...30, 31...3000])))
                    program.append(Call(process: process, object: "s0", f: "receive", value: .object(value)))
                case 19 where generator.chance(0.6):
                    // bind: the bound socket again (EINVAL, or for a path ENOENT/EADDRINUSE first), a new socket
                    // elsewhere, or a new socket to another's address — on a path EADDRINUSE even once it closed; on
                    // an abstract name a datagram socket (taken while its socket is open; once it closed, the new
                    // socket holds the name until the bind returns, and sends and connects to it may reach it there)
                    // or another type (which binds it).
                    let target = "p\(generator.next(in: 1...count))"
                    switch generator.next(in: 0...3) {
                    case 0, 1: program.append(bindCall(process: process, end: "p\(process)", generator: &generator))
                    case 2: program.append(bindCall(process: process, end: nil, generator: &generator))
                    default:
                        var value: JSONObject = ["address": .string(target)]
                        if address != "path" { value["type"] = .string(generator.pick(["dgram", "stream", "seqpacket"])) }
                        program.append(Call(process: process, object: "s0", f: "bind", value: .object(value)))
                    }
                default:
                    program.append(Call(process: process, object: "s0", f: "close", value: ["end": .string("p\(process)")]))
                }
            }
            return Workload.Process(id: process, holds: ["s0": ["bound"]], program: program)
        }
        return Workload(
            objects: [Workload.Object(
                name: "s0", kind: "unix-socket", parameters: ["type": "dgram", "shape": "bound", "address": .string(address)])],
            processes: processes)
    }
}
