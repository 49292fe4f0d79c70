import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `getsockname` and `getpeername` on Unix sockets, and `ENOTSOCK` for socket calls on a file that is no socket —
/// what the `unix-socket` model's `getsockname`/`getpeername` and `"regular-file"` end need (LTP's `getsockname01`,
/// `getpeername01` and the `ENOTSOCK` cases of the socket calls' tests). Measured on this kernel, as root.
@Suite struct UnixSocketNameFactsTests {
    /// `getsockname`'s address, nil when unnamed (`sizeof(sa_family_t)`), or the error's name.
    static func name(_ socket: FileDescriptor) -> String {
        do { return try Syscall.socketAddress(socket).map { "\($0)" } ?? "unnamed" } catch { return error.name }
    }

    /// `getpeername`'s address, as ``name(_:)``.
    static func peer(_ socket: FileDescriptor) -> String {
        do { return try Syscall.peerAddress(socket).map { "\($0)" } ?? "unnamed" } catch { return error.name }
    }

    /// A listener reports its address and no peer (`ENOTCONN`); a client no address of its own and its listener's as
    /// its peer's; the accepted socket its listener's address (shared) and its client's as its peer's — read at the
    /// call, so a name the client binds after connecting shows. `shutdown`, the listener's close and the peer's close
    /// change none of them: the kernel keeps the peer, closed or not.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenersConnections(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("names")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        var open = [listener]
        defer { for socket in open { try? Syscall.close(socket) } }
        #expect(Self.name(listener) == "\(address)")
        #expect(Self.peer(listener) == "ENOTCONN")
        guard let (client, accepted) = try acceptedConnection(type, to: address, on: listener) else { return }
        open += [client, accepted]
        #expect(Self.name(client) == "unnamed")
        #expect(Self.peer(client) == "\(address)")
        #expect(Self.name(accepted) == "\(address)")
        #expect(Self.peer(accepted) == "unnamed")
        let own = uniqueAbstractAddress("client")
        try Syscall.bind(client, to: own)
        #expect(Self.name(client) == "\(own)")
        #expect(Self.peer(accepted) == "\(own)")
        try Syscall.shutdown(client, how: CInt(SHUT_RDWR))
        #expect(Self.peer(client) == "\(address)")
        try Syscall.close(open.removeFirst())
        #expect(Self.name(accepted) == "\(address)")
        #expect(Self.peer(client) == "\(address)")
        try Syscall.close(open.removeLast())
        #expect(Self.peer(client) == "\(address)")
    }

    /// A pair's ends are unnamed, each the other's peer; a name one binds later shows as the other's peer; once it
    /// closed it is still reported — on a datagram pair until a send finds the peer gone (`ECONNREFUSED`), then
    /// `ENOTCONN`. (Its close must be the last for the send to find it gone.)
    @Test(arguments: UnixSocketType.allCases)
    func aPairsEnds(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns {
            let (a, b) = try Syscall.socketPair(type)
            var open = [a, b]
            defer { for socket in open { try? Syscall.close(socket) } }
            #expect(Self.name(a) == "unnamed")
            #expect(Self.peer(a) == "unnamed")
            #expect(Self.peer(b) == "unnamed")
            let bound = uniqueAbstractAddress("pair")
            try Syscall.bind(b, to: bound)
            #expect(Self.name(b) == "\(bound)")
            #expect(Self.peer(a) == "\(bound)")
            try Syscall.close(open.removeLast())
            #expect(Self.peer(a) == "\(bound)")
            #expect(Self.name(a) == "unnamed")
            guard type == .dgram else { return }
            #expect(errorName { _ = try KernelUnixSocket.send(a, [1], nonblocking: true) } == "ECONNREFUSED")
            #expect(Self.peer(a) == "ENOTCONN")
        }
    }

    /// A new socket of any type: unnamed, no peer (`ENOTCONN`); bound datagram sockets: their own address, no peer
    /// until a `connect`, none again after `AF_UNSPEC`.
    @Test(arguments: UnixSocketType.allCases)
    func newAndBoundSockets(type: UnixSocketType) throws {
        let socket = try Syscall.unixSocket(type)
        defer { try? Syscall.close(socket) }
        #expect(Self.name(socket) == "unnamed")
        #expect(Self.peer(socket) == "ENOTCONN")
        guard type == .dgram else { return }
        let (first, second) = (uniqueAbstractAddress("p1"), uniqueAbstractAddress("p2"))
        let p1 = try KernelUnixSocket.bound(.dgram, to: first)
        defer { try? Syscall.close(p1) }
        let p2 = try KernelUnixSocket.bound(.dgram, to: second)
        defer { try? Syscall.close(p2) }
        #expect(Self.name(p1) == "\(first)")
        #expect(Self.peer(p1) == "ENOTCONN")
        try Syscall.connect(p1, to: second)
        #expect(Self.peer(p1) == "\(second)")
        try Syscall.disconnect(p1)
        #expect(Self.peer(p1) == "ENOTCONN")
    }

    /// Every socket call on a file that is no socket — a memory file and `/dev/null` — fails `ENOTSOCK` before its
    /// other arguments are looked at (a negative backlog, a `how` out of range, `AF_UNSPEC`, `MSG_OOB`), but
    /// `accept4` with an invalid flag fails `EINVAL` first; a closed descriptor `EBADF` before both. The model's
    /// `"regular-file"` end gives the same for each call.
    @Test func socketCallsOnAFileThatIsNoSocket() throws {
        let memory = try Syscall.memfdCreate("ipch-test-notsock")
        defer { try? Syscall.close(memory) }
        let null = try Syscall.open("/dev/null", flags: O_RDWR | O_CLOEXEC)
        defer { try? Syscall.close(null) }
        let model = UnixSocketModel(objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [2])))])
        let state = model.initialState(of: "s0")
        let file = UnixSocketModel.regularFile
        var one: [UInt8] = [1]
        let calls: [(UnixSocketModel.Input, (FileDescriptor) throws -> Void)] = [
            (.send(process: 1, end: file, data: [1], nonblocking: false, to: nil, files: []),
             { fd in _ = try one.withUnsafeBytes { try Syscall.send(fd, $0) } }),
            (.sendOutOfBand(process: 1, end: file, data: [1], nonblocking: false),
             { fd in _ = try one.withUnsafeBytes { try Syscall.send(fd, $0, flags: Syscall.MessageFlags.outOfBand) } }),
            (.receive(process: 1, end: file, max: 1, nonblocking: true, maxFiles: 0),
             { fd in _ = try one.withUnsafeMutableBytes { try Syscall.receive(fd, into: $0, flags: Syscall.MessageFlags.dontWait) } }),
            (.receiveOutOfBand(process: 1, end: file, max: 1, peek: false),
             { fd in _ = try one.withUnsafeMutableBytes { try Syscall.receive(fd, into: $0, flags: Syscall.MessageFlags.outOfBand) } }),
            (.peek(process: 1, end: file, max: 1, nonblocking: true, maxFiles: 0),
             { fd in _ = try one.withUnsafeMutableBytes { try Syscall.receive(fd, into: $0, flags: Syscall.MessageFlags.peek | Syscall.MessageFlags.dontWait) } }),
            (.connectTo(process: 1, end: file, type: nil, address: .freshAbstract, nonblocking: false),
             { fd in try Syscall.connect(fd, to: uniqueAbstractAddress("nobody")) }),
            (.disconnectPeer(process: 1, end: file), { fd in try Syscall.disconnect(fd) }),
            (.bind(process: 1, end: file, type: nil, address: .freshAbstract),
             { fd in try Syscall.bind(fd, to: uniqueAbstractAddress("file")) }),
            (.listen(process: 1, end: file, backlog: -1), { fd in try Syscall.listen(fd, backlog: -1) }),
            (.accept(process: 1, end: file, nonblocking: false, flags: 0x800), { fd in _ = try Syscall.accept(fd, flags: 0x800) }),
            (.accept(process: 1, end: file, nonblocking: false, flags: 1), { fd in _ = try Syscall.accept(fd, flags: 1) }),
            (.shutdown(process: 1, end: file, how: 5), { fd in try Syscall.shutdown(fd, how: 5) }),
            (.getOption(process: 1, end: file, option: .type), { fd in _ = try Syscall.socketOption(fd, SO_TYPE) }),
            (.setSendBuffer(process: 1, end: file, value: 4096), { fd in try Syscall.setSocketOption(fd, SO_SNDBUF, 4096) }),
            (.socketName(process: 1, end: file, peer: false), { fd in _ = try Syscall.socketAddress(fd) }),
            (.socketName(process: 1, end: file, peer: true), { fd in _ = try Syscall.peerAddress(fd) }),
        ]
        for (input, call) in calls {
            let expected = model.outcomes(of: input, in: state).map(\.output)
            for descriptor in [memory, null] {
                let kernel = errorName { try call(descriptor) }
                #expect(expected == [.failed(ErrorCode(kernel))], "\(input) on \(descriptor): the kernel says \(kernel)")
            }
        }
        // A number no test holds (far above any table's use here): EBADF before the flags and the type.
        let closed = FileDescriptor(rawValue: 1_000_000)
        #expect(errorName { _ = try Syscall.accept(closed, flags: 1) } == "EBADF")
        #expect(errorName { _ = try Syscall.socketAddress(closed) } == "EBADF")
        #expect(errorName { try Syscall.shutdown(closed, how: 5) } == "EBADF")
    }

    /// `getsockopt` and `setsockopt` that no option answers, on every type (LTP's `getsockopt01`, `setsockopt01`): a
    /// level other than `SOL_SOCKET` `EOPNOTSUPP`, whatever the option (Unix sockets have no protocol options); an
    /// option `SOL_SOCKET` does not know `ENOPROTOOPT`, and so does setting one it only reports (`SO_TYPE`,
    /// `SO_ERROR`, `SO_PEERCRED`). The model's `refusedOption` gives each.
    @Test(arguments: UnixSocketType.allCases)
    func optionsNothingAnswers(type: UnixSocketType) throws {
        let (a, b) = try Syscall.socketPair(type)
        defer { try? Syscall.close(a); try? Syscall.close(b) }
        let model = UnixSocketModel(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [2])))])
        let state = model.initialState(of: "s0")
        let cases: [(set: Bool, level: Int, option: Int)] = [
            (false, 500, 10), (false, 17, 10), (false, 0, -1), (false, 6, -1), (false, 1, -1), (false, 1, 9999),
            (true, 500, 10), (true, 0, 1), (true, 1, -1), (true, 1, 9999), (true, 1, 3), (true, 1, 4), (true, 1, 17),
        ]
        for (set, level, option) in cases {
            let kernel = errorName {
                if set {
                    try Syscall.setSocketOption(a, level: CInt(level), CInt(option), 1)
                } else {
                    _ = try Syscall.socketOption(a, level: CInt(level), CInt(option))
                }
            }
            let input = UnixSocketModel.Input.refusedOption(process: 1, end: "a", set: set, level: level, option: option)
            #expect(model.outcomes(of: input, in: state).map(\.output) == [.failed(ErrorCode(kernel))], "\(input): the kernel says \(kernel)")
        }
        // The ones it knows succeed (SO_RCVBUF, SO_KEEPALIVE: options the model does not judge).
        #expect(errorName { _ = try Syscall.socketOption(a, level: 1, 8) } == "ok")
        #expect(errorName { try Syscall.setSocketOption(a, level: 1, 9, 1) } == "ok")
    }
}
