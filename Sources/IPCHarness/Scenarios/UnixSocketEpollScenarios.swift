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
