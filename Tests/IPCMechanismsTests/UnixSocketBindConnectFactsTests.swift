import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `bind` and `connect` errors of Unix sockets, measured on this kernel (as root: `EACCES` for a directory without
/// search permission is not reachable here, root passes every permission check, so it is not measured). The
/// kernel's order: `bind` to an abstract name checks the socket is unbound (`EINVAL`) before the name, `bind` to a
/// path looks the path up and creates it first (`ENOENT`, `EADDRINUSE`), then `EINVAL`; `connect` looks the address up
/// first (`ENOENT`, `ECONNREFUSED`, `EPROTOTYPE`) and only then finds itself connected (`EISCONN`).
@Suite struct UnixSocketBindConnectFactsTests {
    static func stem() -> String { "ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))" }
    static func abstract(_ name: String) -> UnixAddress { .abstract(stem() + "-" + name) }
    static func path(_ name: String) -> UnixAddress { .path("/tmp/" + stem() + "-" + name) }

    func unlinkPath(_ address: UnixAddress) {
        if case .path(let path) = address { _ = Glibc.unlink(path) }
    }

    /// `EADDRINUSE` for a path that exists (a socket's, or any file's) and an abstract name taken; `ENOENT` for a path
    /// whose directory is missing; `EINVAL` for a socket already bound (even a pair's end binds once, then `EINVAL`),
    /// except that a path is looked up first (`ENOENT`, `EADDRINUSE` win over `EINVAL`).
    @Test(arguments: UnixSocketType.allCases)
    func bindErrors(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = Self.path("bind")
            let name = Self.abstract("bind")
            defer { unlinkPath(path) }
            let first = try KernelUnixSocket.bound(type, to: path)
            let second = try Syscall.unixSocket(type)
            let third = try Syscall.unixSocket(type)
            let (a, b) = try KernelUnixSocket.pair(type)
            // Closed once each (tests run in parallel: a second close could close another test's descriptor).
            var open = [first, second, third, a, b]
            defer { for socket in open { try? Syscall.close(socket) } }
            func close(_ socket: FileDescriptor) throws {
                open.removeAll { $0 == socket }
                try Syscall.close(socket)
            }
            #expect(errorName { try Syscall.bind(second, to: path) } == "EADDRINUSE")
            #expect(errorName { try Syscall.bind(second, to: .path("/tmp/\(Self.stem())-missing/socket")) } == "ENOENT")
            #expect(errorName { try Syscall.bind(second, to: .path("/proc/self/status")) } == "EADDRINUSE")
            #expect(errorName { try Syscall.bind(second, to: name) } == "ok")
            #expect(errorName { try Syscall.bind(third, to: name) } == "EADDRINUSE")
            // Bound already: EINVAL for an abstract name (even one taken) and a new path; but a path is looked up and
            // created first, so a missing directory is still ENOENT and an existing file EADDRINUSE (measured: the
            // kernel checks "already bound" only after making the path's entry).
            #expect(errorName { try Syscall.bind(second, to: Self.abstract("again")) } == "EINVAL")
            #expect(errorName { try Syscall.bind(first, to: name) } == "EINVAL")
            let secondPath = Self.path("second")
            defer { unlinkPath(secondPath) }
            #expect(errorName { try Syscall.bind(second, to: secondPath) } == "EINVAL")
            #expect(errorName { try Syscall.bind(first, to: .path("/tmp/\(Self.stem())-missing/socket")) } == "ENOENT")
            #expect(errorName { try Syscall.bind(first, to: .path("/proc/self/status")) } == "EADDRINUSE")
            #expect(errorName { try Syscall.bind(first, to: path) } == "EADDRINUSE")
            // The failed bind left no file behind.
            #expect(Glibc.access(secondPath.description, F_OK) != 0)
            #expect(errorName { try Syscall.bind(a, to: Self.abstract("pair")) } == "ok")
            #expect(errorName { try Syscall.bind(a, to: Self.abstract("pair-again")) } == "EINVAL")
            // The name frees with its last socket; a path stays until unlinked.
            try close(second)
            let fourth = try Syscall.unixSocket(type)
            open.append(fourth)
            #expect(errorName { try Syscall.bind(fourth, to: name) } == "ok")
            try close(first)
            #expect(errorName { try Syscall.bind(third, to: path) } == "EADDRINUSE")
        }
    }

    /// `connect` to an address nobody listens at. Stream and seqpacket: `ECONNREFUSED` for a bound socket that does
    /// not listen (path or abstract), for an abstract name nobody holds, and for a path that is not a socket;
    /// `ENOENT` for a path that does not exist. A datagram socket connects to any bound datagram socket.
    @Test(arguments: UnixSocketType.allCases)
    func connectWithNobodyListening(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = Self.path("connect")
            let name = Self.abstract("connect")
            defer { unlinkPath(path) }
            let boundPath = try KernelUnixSocket.bound(type, to: path)
            let boundName = try KernelUnixSocket.bound(type, to: name)
            let client = try Syscall.unixSocket(type)
            defer { for socket in [boundPath, boundName, client] { try? Syscall.close(socket) } }
            let refused = type == .dgram ? "ok" : "ECONNREFUSED"
            #expect(errorName { try Syscall.connect(client, to: path, retryOnInterrupt: false) } == refused)
            #expect(errorName { try Syscall.connect(client, to: name, retryOnInterrupt: false) } == refused)
            #expect(errorName { try Syscall.connect(client, to: Self.abstract("nobody"), retryOnInterrupt: false) } == "ECONNREFUSED")
            #expect(errorName { try Syscall.connect(client, to: Self.path("none"), retryOnInterrupt: false) } == "ENOENT")
            #expect(errorName { try Syscall.connect(client, to: .path("/tmp/\(Self.stem())-missing/x"), retryOnInterrupt: false) } == "ENOENT")
            #expect(errorName { try Syscall.connect(client, to: .path("/proc/self/status"), retryOnInterrupt: false) } == "ECONNREFUSED")
        }
    }

    /// Connecting to a file that is no socket asks for write permission on it first: as uid 65534, `/proc/self/status`
    /// (mode 0444, its own) fails `EACCES`, `/dev/null` (0666) `ECONNREFUSED`, as both do for root. The workers'
    /// `existing-file` is `/dev/null`, so the model's `ECONNREFUSED` holds for every user. Exit test: it gives up root.
    @Test func aFileThatIsNoSocketIsRefusedOnlyWhenWritable() async {
        await #expect(processExitsWith: .exitCode(0)) {
            if geteuid() == 0 { guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { exit(3) } }
            func connectError(_ path: String) -> String {
                guard let socket = try? Syscall.unixSocket(.stream) else { return "no socket" }
                defer { try? Syscall.close(socket) }
                do throws(Errno) {
                    try Syscall.connect(socket, to: .path(path), retryOnInterrupt: false)
                    return "ok"
                } catch { return error.name }
            }
            guard connectError("/dev/null") == "ECONNREFUSED" else { exit(4) }
            guard connectError("/proc/self/status") == "EACCES" else { exit(5) }
            exit(0)
        }
    }

    /// A type mismatch: `EPROTOTYPE` through a path, but `ECONNREFUSED` through an abstract name (the abstract
    /// lookup matches the type, so a socket of another type is not found at all) — measured, for every pair of types.
    @Test(arguments: UnixSocketType.allCases)
    func connectToAnotherType(listenerType: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            for clientType in UnixSocketType.allCases where clientType != listenerType {
                let path = Self.path("mismatch")
                let name = Self.abstract("mismatch")
                defer { unlinkPath(path) }
                let onPath =
                    listenerType == .dgram
                    ? try KernelUnixSocket.bound(.dgram, to: path) : try KernelUnixSocket.listener(listenerType, at: path, backlog: 4)
                let onName =
                    listenerType == .dgram
                    ? try KernelUnixSocket.bound(.dgram, to: name) : try KernelUnixSocket.listener(listenerType, at: name, backlog: 4)
                let client = try Syscall.unixSocket(clientType)
                defer { for socket in [onPath, onName, client] { try? Syscall.close(socket) } }
                #expect(errorName { try Syscall.connect(client, to: path, retryOnInterrupt: false) } == "EPROTOTYPE")
                #expect(errorName { try Syscall.connect(client, to: name, retryOnInterrupt: false) } == "ECONNREFUSED")
            }
        }
    }

    /// `EISCONN` for a connected stream or seqpacket socket (a client, an accepted socket, a pair's end) connecting to
    /// a listener, the same one or another — but the lookup comes first, so to an address nobody listens at it is
    /// `ECONNREFUSED`. A listener connecting is `EINVAL`.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func connectWhenConnected(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let address = Self.abstract("listener")
            let other = Self.abstract("other")
            let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
            let otherListener = try KernelUnixSocket.listener(type, at: other, backlog: 4)
            let (a, b) = try KernelUnixSocket.pair(type)
            var sockets = [listener, otherListener, a, b]
            defer { for socket in sockets { try? Syscall.close(socket) } }
            guard let (client, accepted) = try acceptedConnection(type, to: address, on: listener) else { return }
            sockets += [client, accepted]
            for connected in [client, accepted, a] {
                #expect(errorName { try Syscall.connect(connected, to: address, retryOnInterrupt: false) } == "EISCONN")
                #expect(errorName { try Syscall.connect(connected, to: other, retryOnInterrupt: false) } == "EISCONN")
                #expect(errorName { try Syscall.connect(connected, to: Self.abstract("nobody"), retryOnInterrupt: false) } == "ECONNREFUSED")
            }
            #expect(errorName { try Syscall.connect(listener, to: other, retryOnInterrupt: false) } == "EINVAL")
        }
    }

    /// A connected client connecting again to its listener: the listener's state is checked first — a full backlog
    /// is `EAGAIN` (nonblocking), a closed listener `ECONNREFUSED` — and only then `EISCONN` (the `unix-socket`
    /// model's `connect` order).
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func connectAgainChecksTheListenerFirst(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let address = Self.abstract("again")
            let listener = try KernelUnixSocket.listener(type, at: address, backlog: 0)
            var open = [listener]
            defer { for socket in open { try? Syscall.close(socket) } }
            guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                Issue.record("no connection")
                return
            }
            open.append(client)
            try Syscall.setNonblocking(client, true)
            #expect(errorName { try Syscall.connect(client, to: address, retryOnInterrupt: false) } == "EAGAIN")  // 1 waits: full
            guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
                Issue.record("nothing to accept")
                return
            }
            open.append(accepted)
            #expect(errorName { try Syscall.connect(client, to: address, retryOnInterrupt: false) } == "EISCONN")
            open.removeAll { $0 == listener }
            try Syscall.close(listener)
            #expect(errorName { try Syscall.connect(client, to: address, retryOnInterrupt: false) } == "ECONNREFUSED")
        }
    }
}
