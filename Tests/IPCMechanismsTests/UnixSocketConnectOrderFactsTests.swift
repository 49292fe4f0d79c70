import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The order of a `connect`'s and an addressed send's checks, measured on this kernel (6.18) for the model's
/// `connectTo` and `send` with `"to"`: the address is looked up first (`ENOENT`, `ECONNREFUSED`, `EPROTOTYPE`),
/// then the listener's state (not listening `ECONNREFUSED`, a full backlog `EAGAIN`), and only then the connecting
/// socket's own (a listener `EINVAL`, a connected socket `EISCONN`). A datagram `sendto` looks its address up as a
/// `connect` does; a stream send with an address never looks it up.
@Suite struct UnixSocketConnectOrderFactsTests {
    static let missingPath = UnixAddress.path("/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-none")
    static let missingDirectory = UnixAddress.path("/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-dir/x")
    static let existingFile = UnixAddress.path("/proc/self/status")

    /// A listener connecting: to nobody `ECONNREFUSED`, to a missing path `ENOENT`, to a full listener `EAGAIN`
    /// (nonblocking), to a listener with room `EINVAL`. A pair's end: `EAGAIN` at the full listener, `EISCONN` once
    /// there is room — the listener's checks before the socket's own.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenerOrAPairEndConnectingMeetsTheTargetFirst(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let mine = uniqueAbstractAddress("mine")
            let target = uniqueAbstractAddress("target")
            let listener = try KernelUnixSocket.listener(type, at: mine, backlog: 4)
            let full = try KernelUnixSocket.listener(type, at: target, backlog: 0)
            let (a, b) = try KernelUnixSocket.pair(type)
            var open = [listener, full, a, b]
            defer { for socket in open { try? Syscall.close(socket) } }
            try Syscall.setNonblocking(listener, true)
            try Syscall.setNonblocking(a, true)
            #expect(errorName { try Syscall.connect(listener, to: uniqueAbstractAddress("nobody"), retryOnInterrupt: false) } == "ECONNREFUSED")
            #expect(errorName { try Syscall.connect(listener, to: Self.missingPath, retryOnInterrupt: false) } == "ENOENT")
            #expect(errorName { try Syscall.connect(listener, to: Self.existingFile, retryOnInterrupt: false) } == "ECONNREFUSED")
            #expect(errorName { try Syscall.connect(listener, to: target, retryOnInterrupt: false) } == "EINVAL")
            guard case .completed(let waiting) = try KernelUnixSocket.connect(type, to: target, nonblocking: true) else {
                Issue.record("no connection")
                return
            }
            open.append(waiting)
            #expect(errorName { try Syscall.connect(listener, to: target, retryOnInterrupt: false) } == "EAGAIN")
            #expect(errorName { try Syscall.connect(a, to: target, retryOnInterrupt: false) } == "EAGAIN")
            guard case .completed(let accepted) = try KernelUnixSocket.accept(full, nonblocking: true) else {
                Issue.record("nothing to accept")
                return
            }
            open.append(accepted)
            #expect(errorName { try Syscall.connect(listener, to: target, retryOnInterrupt: false) } == "EINVAL")
            #expect(errorName { try Syscall.connect(a, to: target, retryOnInterrupt: false) } == "EISCONN")
            #expect(errorName { try Syscall.connect(a, to: Self.missingDirectory, retryOnInterrupt: false) } == "ENOENT")
        }
    }

    /// A datagram `sendto` (from a pair's end, or an unbound socket) to a path that does not exist or is in a
    /// missing directory `ENOENT`, to a file that is no socket or a free abstract name `ECONNREFUSED`; to a stream
    /// listener's path `EPROTOTYPE`, its abstract name `ECONNREFUSED`. A datagram `connect` the same.
    @Test func aDatagramSendToAnAddressLooksItUp() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = UnixAddress.path("/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-stream")
            let name = uniqueAbstractAddress("stream")
            defer { if case .path(let file) = path { _ = Glibc.unlink(file) } }
            let onPath = try KernelUnixSocket.listener(.stream, at: path, backlog: 4)
            let onName = try KernelUnixSocket.listener(.stream, at: name, backlog: 4)
            let (a, b) = try KernelUnixSocket.pair(.dgram)
            let lone = try Syscall.unixSocket(.dgram)
            defer { for socket in [onPath, onName, a, b, lone] { try? Syscall.close(socket) } }
            for sender in [a, lone] {
                func sendTo(_ address: UnixAddress) -> String {
                    errorName { _ = try KernelUnixSocket.send(sender, [1], to: address, nonblocking: true, retryOnInterrupt: false) }
                }
                #expect(sendTo(Self.missingPath) == "ENOENT")
                #expect(sendTo(Self.missingDirectory) == "ENOENT")
                #expect(sendTo(Self.existingFile) == "ECONNREFUSED")
                #expect(sendTo(uniqueAbstractAddress("nobody")) == "ECONNREFUSED")
                #expect(sendTo(path) == "EPROTOTYPE")
                #expect(sendTo(name) == "ECONNREFUSED")
            }
            #expect(errorName { try Syscall.connect(a, to: Self.missingPath, retryOnInterrupt: false) } == "ENOENT")
            #expect(errorName { try Syscall.connect(a, to: uniqueAbstractAddress("nobody"), retryOnInterrupt: false) } == "ECONNREFUSED")
            #expect(errorName { try Syscall.connect(a, to: path, retryOnInterrupt: false) } == "EPROTOTYPE")
            #expect(errorName { try Syscall.connect(a, to: name, retryOnInterrupt: false) } == "ECONNREFUSED")
        }
    }

    /// A stream send with an address is refused without a lookup: `EISCONN` on a connected socket (a pair's end,
    /// even after its peer closed, or shut for sending; the address a missing path or a listener's), `EOPNOTSUPP`
    /// on a listener or an unconnected socket (which without an address fail `ENOTCONN`).
    @Test func aStreamSendWithAnAddressIsRefused() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let name = uniqueAbstractAddress("listener")
            let listener = try KernelUnixSocket.listener(.stream, at: name, backlog: 4)
            let (a, b) = try KernelUnixSocket.pair(.stream)
            let (c, d) = try KernelUnixSocket.pair(.stream)
            let lone = try Syscall.unixSocket(.stream)
            var open = [listener, a, b, c, d, lone]
            defer { for socket in open { try? Syscall.close(socket) } }
            func sendTo(_ socket: FileDescriptor, _ address: UnixAddress?) -> String {
                errorName { _ = try KernelUnixSocket.send(socket, [1], to: address, nonblocking: true, retryOnInterrupt: false) }
            }
            #expect(sendTo(a, Self.missingPath) == "EISCONN")
            #expect(sendTo(a, name) == "EISCONN")
            #expect(sendTo(listener, name) == "EOPNOTSUPP")
            #expect(sendTo(listener, nil) == "ENOTCONN")
            #expect(sendTo(lone, name) == "EOPNOTSUPP")
            #expect(sendTo(lone, nil) == "ENOTCONN")
            try Syscall.shutdown(c, how: CInt(SHUT_WR))
            #expect(sendTo(c, name) == "EISCONN")
            open.removeAll { $0 == b }
            try Syscall.close(b)
            #expect(sendTo(a, name) == "EISCONN")
        }
    }
}
