import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Which sockets count as bound, and how long a name stays taken — what the `unix-socket` model's `bind` needs beyond
/// the errors `UnixSocketBindConnectFactsTests` measures. Measured on this kernel, as root.
@Suite struct UnixSocketBindFactsTests {
    static func path(_ name: String) -> UnixAddress {
        .path("/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-\(name)")
    }

    /// An accepted socket shares its listener's address, so it is bound (`EINVAL`); a connected client is not (its
    /// first bind succeeds, the second `EINVAL`). A socket's own address: an abstract name `EINVAL` (bound already),
    /// a path `EADDRINUSE` (the path is looked up first).
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func connectionsAndOwnAddresses(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("listener")
        let path = Self.path("own")
        defer { if case .path(let name) = path { _ = Glibc.unlink(name) } }
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        let onPath = try KernelUnixSocket.listener(type, at: path, backlog: 4)
        var open = [listener, onPath]
        defer { for socket in open { try? Syscall.close(socket) } }
        guard let (client, accepted) = try acceptedConnection(type, to: address, on: listener) else { return }
        open += [client, accepted]
        #expect(errorName { try Syscall.bind(accepted, to: uniqueAbstractAddress("accepted")) } == "EINVAL")
        #expect(errorName { try Syscall.bind(client, to: uniqueAbstractAddress("client")) } == "ok")
        #expect(errorName { try Syscall.bind(client, to: uniqueAbstractAddress("client-again")) } == "EINVAL")
        #expect(errorName { try Syscall.bind(listener, to: address) } == "EINVAL")
        #expect(errorName { try Syscall.bind(onPath, to: path) } == "EADDRINUSE")
    }

    /// An abstract name is taken only by the socket bound to it, and only for its own type: a socket of another type
    /// binds the same name (the kernel's abstract hash includes the type); once the listener closes, the name is
    /// free though its accepted connection is still open (the connection shares the address but is not in the
    /// name's table). A path stays taken after its socket closes, for every type.
    @Test(arguments: UnixSocketType.allCases)
    func whoHoldsAName(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("holder")
        let path = Self.path("holder")
        defer { if case .path(let name) = path { _ = Glibc.unlink(name) } }
        var open: [FileDescriptor] = []
        defer { for socket in open { try? Syscall.close(socket) } }
        func fresh(_ type: UnixSocketType) throws -> FileDescriptor {
            let socket = try Syscall.unixSocket(type)
            open.append(socket)
            return socket
        }
        func close(_ socket: FileDescriptor) throws {
            open.removeAll { $0 == socket }
            try Syscall.close(socket)
        }
        let holder = type == .dgram
            ? try KernelUnixSocket.bound(type, to: address) : try KernelUnixSocket.listener(type, at: address, backlog: 4)
        open.append(holder)
        let onPath = try KernelUnixSocket.bound(type, to: path)
        open.append(onPath)
        #expect(errorName { try Syscall.bind(try fresh(type), to: address) } == "EADDRINUSE")
        for other in UnixSocketType.allCases where other != type {
            #expect(errorName { try Syscall.bind(try fresh(other), to: address) } == "ok")
            #expect(errorName { try Syscall.bind(try fresh(other), to: path) } == "EADDRINUSE")
        }
        if type != .dgram, let (client, accepted) = try acceptedConnection(type, to: address, on: holder) {
            open += [client, accepted]
            try close(holder)
            #expect(errorName { try Syscall.bind(try fresh(type), to: address) } == "ok")
        } else {
            try close(holder)
            #expect(errorName { try Syscall.bind(try fresh(type), to: address) } == "ok")
        }
        try close(onPath)
        #expect(errorName { try Syscall.bind(try fresh(type), to: path) } == "EADDRINUSE")
    }
}
