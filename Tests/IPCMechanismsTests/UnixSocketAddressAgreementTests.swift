import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// The unix-socket model's listeners and bound datagram sockets against the kernel, on random sequences run by one
/// process on behalf of several (each socket is "its" process's): connect, accept in connection order, the backlog,
/// data before accept, a closing listener resetting waiting connections; sendto between bound sockets, the sender's
/// address on receipt, the queue-length limit, a closed receiver refusing, and `connect` fixing a bound socket's peer
/// (sends without an address to it, others refused `EPERM`, a reconnect's discarded queue, a closed peer); `bind` of
/// new sockets and of the object's own to the object's addresses and to fresh, missing and existing ones.
@Suite struct UnixSocketAddressAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case connect(Int)
        case accept
        case send(end: String, size: Int, to: String?)
        case receive(end: String, max: Int)
        case close(String)
        /// `listen` again: on the listener a new backlog, on any other socket an error.
        case listen(end: String, backlog: Int)
        /// A bound datagram socket's `connect` to another bound socket (or itself).
        case connectPeer(end: String, to: String)
        /// `connect(end, AF_UNSPEC)`: a bound datagram socket left with no peer.
        case disconnect(String)
        /// `bind` of the object's socket `end`, or of a new socket of `type` (nil: the object's).
        case bind(end: String?, type: UnixSocketType?, address: UnixSocketModel.BindAddress)
        /// A new socket's `bind` left in progress (process 8's): bound, not yet closed — the moment between the
        /// model's two steps of such a bind, made to last until `bindReturns` closes the socket.
        case bindHeld(type: UnixSocketType?, address: UnixSocketModel.BindAddress)
        case bindReturns
        /// `connect` (nonblocking) of the object's socket `end`, or of a new socket of `type` closed at once, to an
        /// address: a path or name that is no socket's, or a socket's (the model's `connectTo`).
        case connectTo(end: String?, type: UnixSocketType?, address: UnixSocketModel.BindAddress)
        /// `accept4` (nonblocking) with these flags.
        case accept4(flags: Int)
        /// A receive without `MSG_DONTWAIT`, run only on a socket whose description is nonblocking (else it would
        /// sleep the test): `accept4`'s `SOCK_NONBLOCK` must make it answer `EAGAIN` on an empty queue.
        case receiveBlocking(end: String, max: Int)

        var description: String {
            switch self {
            case .connect(let process): "connect(\(process))"
            case .accept: "accept"
            case .send(let end, let size, let to): "send(\(end), \(size)\(to.map { " to \($0)" } ?? ""))"
            case .receive(let end, let max): "receive(\(end), \(max))"
            case .close(let end): "close(\(end))"
            case .listen(let end, let backlog): "listen(\(end), \(backlog))"
            case .connectPeer(let end, let to): "connect(\(end) to \(to))"
            case .disconnect(let end): "connect(\(end) to AF_UNSPEC)"
            case .bind(let end, let type, let address):
                "bind(\(end ?? "new \(type?.rawValue ?? "socket")") to \(address.name))"
            case .bindHeld(let type, let address): "bind(new \(type?.rawValue ?? "socket") to \(address.name), in progress)"
            case .bindReturns: "bind returns"
            case .connectTo(let end, let type, let address):
                "connect(\(end ?? "new \(type?.rawValue ?? "socket")") to \(address.name))"
            case .accept4(let flags): "accept4(0x\(String(flags, radix: 16)))"
            case .receiveBlocking(let end, let max): "receive(\(end), \(max), blocking)"
            }
        }

        /// The model's process for this operation: the one whose socket it uses (process 9 listens and accepts).
        var process: Int {
            switch self {
            case .connect(let process): process
            case .accept, .accept4, .bind(nil, _, _), .connectTo(nil, _, _): 9
            case .bindHeld, .bindReturns: 8
            case .bind(let end?, _, _): end.hasPrefix("p") ? Int(end.filter(\.isNumber)) ?? 9 : 9
            case .send(let end, _, _), .receive(let end, _), .close(let end), .listen(let end, _), .connectPeer(let end, _),
                .disconnect(let end), .connectTo(let end?, _, _), .receiveBlocking(let end, _):
                end.hasPrefix("client-") || end.hasPrefix("p") ? Int(end.filter(\.isNumber)) ?? 9 : 9
            }
        }
    }

    static func name(_ stem: String) -> String { "ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-\(stem)" }

    static let connectionEnds = Gen.int(in: 0...5).map { $0 < 3 ? "client-\($0 + 1)" : "server-\($0 - 2)" }

    static let listenerOperations = Gen.oneOf(
        Gen.int(in: 1...3).map { Operation.connect($0) }.eraseToAny(),
        Gen.int(in: 0...1).map { _ in Operation.accept }.eraseToAny(),
        zip(connectionEnds, Gen.int(in: 0...3000)).map { Operation.send(end: $0, size: $1, to: nil) }.eraseToAny(),
        zip(connectionEnds, Gen.int(in: 0...4000)).map { Operation.receive(end: $0, max: $1) }.eraseToAny(),
        Gen.int(in: 0...8).map { $0 == 0 ? Operation.close("listen") : .close($0 % 2 == 0 ? "client-\($0 / 2 % 3 + 1)" : "server-\($0 / 2 % 3 + 1)") }.eraseToAny(),
        zip(Gen.int(in: 0...5), Gen.int(in: -2...3)).map { pick, backlog in
            Operation.listen(end: pick < 4 ? "listen" : pick == 4 ? "client-1" : "server-1", backlog: backlog)
        }.eraseToAny(),
        zip(Gen.int(in: 0...4), Gen.int(in: 0...5)).map { address, socket in
            Operation.bind(ends: [nil, nil, nil, "listen", "server-1", "server-2"], socket, address: [.of("listen")] + Operation.otherAddresses, address)
        }.eraseToAny(),
        Gen.int(in: 0...4).map { pick in Operation.accept4(flags: [0x800, 0x80800, 0x80000, 1, 0x40][pick]) }.eraseToAny(),
        zip(Gen.int(in: 1...3), Gen.int(in: 1...4000)).map { Operation.receiveBlocking(end: "server-\($0)", max: $1) }.eraseToAny(),
        zip(Gen.int(in: 0...5), Gen.int(in: 0...5)).map { address, socket in
            Operation.connectTo(
                ends: [nil, "listen", "client-1", "server-1", "client-2", "server-2"], socket,
                address: [.of("listen"), .of("listen")] + Operation.otherAddresses, address)
        }.eraseToAny()
    ).array(of: 1...40)

    /// Sequences that meet every kind the listener property must see, run before the random ones so that whether a
    /// kind was met never depends on the draw (a random draw once missed ECONNRESET in CI).
    static let directedListenerSequences: [(backlog: Int, operations: [Operation])] = [
        (1, [.listen(end: "listen", backlog: 2), .connect(1), .connect(1), .send(end: "client-1", size: 5, to: nil), .accept,
             .receive(end: "server-1", max: 10), .accept]),
        (0, [.connect(1), .connect(2), .connect(1)]),
        (1, [.connect(1), .close("listen"), .receive(end: "client-1", max: 10), .connect(2)]),
        // bind: the listener's name taken (for its type only) until the listener closes, an accepted socket and the
        // listener bound already, a missing directory, an existing file, a fresh path.
        (1, [.connect(1), .accept, .bind(end: nil, type: nil, address: .of("listen")),
             .bind(end: nil, type: .dgram, address: .of("listen")), .bind(end: "server-1", type: nil, address: .freshAbstract),
             .bind(end: "listen", type: nil, address: .of("listen")), .close("listen"),
             .bind(end: nil, type: nil, address: .of("listen")), .bind(end: nil, type: nil, address: .missingDirectory),
             .bind(end: nil, type: nil, address: .existingFile), .bind(end: nil, type: nil, address: .freshPath),
             .bind(end: "server-1", type: nil, address: .missingDirectory)]),
        // connect to an address: the lookup first (a free name ECONNREFUSED, a missing path ENOENT, a file that is no
        // socket ECONNREFUSED, another type's name ECONNREFUSED), then the listener (a full backlog EAGAIN, a bound
        // socket that does not listen ECONNREFUSED), then the connecting socket (a listener EINVAL, a connected
        // socket EISCONN); a closed listener refuses. (A socket bound to an address of its own is checked on pairs,
        // `UnixSocketConnectAgreementTests`: this property's clients are bound from the start, to be told apart.)
        (0, [.connectTo(end: "listen", type: nil, address: .freshAbstract), .connectTo(end: "listen", type: nil, address: .freshPath),
             .connectTo(end: "listen", type: nil, address: .existingFile), .connectTo(end: "listen", type: nil, address: .of("listen")),
             .connect(1), .connectTo(end: "listen", type: nil, address: .of("listen")),
             .connectTo(end: "client-1", type: nil, address: .of("listen")), .accept,
             .connectTo(end: "client-1", type: nil, address: .of("listen")), .connectTo(end: "server-1", type: nil, address: .of("listen")),
             .connectTo(end: nil, type: .dgram, address: .of("listen")), .connectTo(end: "client-1", type: nil, address: .missingDirectory),
             .close("listen"), .connectTo(end: "client-1", type: nil, address: .of("listen")),
             .connectTo(end: "listen", type: nil, address: .of("listen"))]),
        // accept4: a bit other than SOCK_NONBLOCK and SOCK_CLOEXEC EINVAL (before EAGAIN, and with a connection
        // waiting, which stays); SOCK_NONBLOCK makes the accepted socket's receives nonblocking (EAGAIN, then data).
        (1, [.accept4(flags: 1), .connect(1), .accept4(flags: 0x40), .accept4(flags: 0x80800), .receiveBlocking(end: "server-1", max: 10),
             .send(end: "client-1", size: 3, to: nil), .receiveBlocking(end: "server-1", max: 10), .connect(2), .accept4(flags: 0x80000),
             .accept4(flags: 0x800)]),
    ]

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func listenersAgree(type: UnixSocketType) async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for (backlog, operations) in Self.directedListenerSequences {
            try Self.checkListener(type: type, backlog: backlog, operations: operations, seen: seen)
        }
        await checkProperty(count: 120, input: zip(Gen.int(in: 0...2), Self.listenerOperations)) { backlog, operations throws in
            try Self.checkListener(type: type, backlog: backlog, operations: operations, seen: seen)
        }
        let missing = Set([
            "listen", "connected", "accepted", "EAGAIN", "ECONNRESET", "ECONNREFUSED", "EISCONN", "data before accept",
            "bind", "bind EADDRINUSE", "bind EINVAL", "bind ENOENT",
            "connect to ENOENT", "connect to ECONNREFUSED", "connect to EAGAIN", "connect to EINVAL", "connect to EISCONN",
            "connect to EBADF", "accept4 EINVAL", "nonblocking by accept4",
        ])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// Runs one sequence on a fresh listener and the model side by side; records an issue at the first disagreement.
    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``): the
    /// test library's own spawns (exit tests) cannot be held off, and one holding a copy of the listener for a moment
    /// makes its close not the last (a listener case failed once so in CI, and passed when run again).
    static func checkListener(type: UnixSocketType, backlog: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkListenerOnce(type: type, backlog: backlog, operations: operations, seen: seen) }
    }

    static func checkListenerOnce(type: UnixSocketType, backlog: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        // No spawn may hold a copy of these descriptors: their closes must be the last.
        try Syscall.withoutConcurrentSpawns {
            let address = UnixAddress.abstract(Self.name("listen"))
            var sockets: [String: FileDescriptor] = ["listen": try KernelUnixSocket.listener(type, at: address, backlog: backlog)]
            var closed: Set<String> = []
            var clientNames: [UnixAddress: Int] = [:]
            // The fresh abstract names binds gave the object's sockets (a connect may name them).
            var ownNames: [String: UnixAddress] = ["listen": address]
            defer { for socket in sockets.values { try? Syscall.close(socket) } }
            let model = UnixSocketModel(objects: [
                ("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .listener(holders: [9], backlog: backlog), address: .abstract))
            ])
            var state = model.initialState(of: "s0")
            for (index, operation) in operations.enumerated() {
                // A second connection by one process after its first closed is outside the model (names collide).
                if case .connect(let process) = operation, closed.contains("client-\(process)") { continue }
                // A socket with no address of its own cannot be named (the model has no outcome for it).
                if case .connectTo(_, _, .of(let target)) = operation, ownNames[target] == nil { continue }
                // A blocking receive only where the kernel will not sleep: a nonblocking description.
                if case .receiveBlocking(let end, _) = operation {
                    guard let socket = sockets[end], let flags = try? Syscall.statusFlags(socket), flags & O_NONBLOCK != 0 else { continue }
                }
                let kernel: UnixSocketModel.Output
                do {
                    kernel = try Self.run(operation, type: type, address: address, &sockets, &clientNames, &ownNames)
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                }
                if case .close(let end) = operation, kernel == .closed { closed.insert(end) }
                seen.withLock { _ = $0.insert(Self.kind(operation, kernel)) }
                guard let next = Self.expect(model, &state, Self.input(operation, address: nil), kernel, index, operations) else { return }
                state = next
            }
        }
    }

    static let boundEnds = Gen.int(in: 1...3).map { "p\($0)" }

    static let boundOperations = Gen.oneOf(
        zip(boundEnds, boundEnds, Gen.int(in: 0...3000)).map { Operation.send(end: $0, size: $2, to: $1) }.eraseToAny(),
        zip(boundEnds, Gen.int(in: 1...40)).map { end, _ in Operation.send(end: end, size: 1, to: "p1") }.eraseToAny(),
        zip(boundEnds, Gen.int(in: 0...10)).map { end, size in Operation.send(end: end, size: size, to: nil) }.eraseToAny(),
        zip(boundEnds, Gen.int(in: 0...4000)).map { Operation.receive(end: $0, max: $1) }.eraseToAny(),
        Gen.int(in: 0...12).map { $0 < 3 ? Operation.close("p\($0 + 1)") : .receive(end: "p1", max: 100) }.eraseToAny(),
        zip(boundEnds, boundEnds).map { Operation.connectPeer(end: $0, to: $1) }.eraseToAny(),
        boundEnds.map { Operation.disconnect($0) }.eraseToAny(),
        zip(Gen.int(in: 0...5), Gen.int(in: 0...4)).map { address, socket in
            Operation.bind(ends: [nil, nil, nil, "p1", "p2"], socket, address: [.of("p1"), .of("p2")] + Operation.otherAddresses, address)
        }.eraseToAny(),
        Gen.int(in: 0...5).map { pick in
            pick < 2 ? Operation.bindReturns : .bindHeld(type: pick == 2 ? .seqpacket : nil, address: pick == 3 ? .of("p1") : .of("p2"))
        }.eraseToAny(),
        zip(Gen.int(in: 0...5), Gen.int(in: 0...3)).map { address, socket in
            socket == 3
                ? Operation.connectTo(end: nil, type: .stream, address: address % 2 == 0 ? .of("p1") : .of("p2"))
                : .connectTo(ends: [nil, "p1", "p2"], socket, address: [.of("p1"), .of("p2")] + Operation.otherAddresses, address)
        }.eraseToAny(),
        zip(boundEnds, Gen.int(in: 0...3)).map { end, address in
            Operation.send(end: end, size: 1, to: Operation.otherAddresses[address].name)
        }.eraseToAny()
    ).array(of: 1...60)

    /// Sequences that meet every kind the bound-socket property must see, run before the random ones.
    static let directedBoundSequences: [[Operation]] = [
        [.send(end: "p2", size: 5, to: "p1"), .receive(end: "p1", max: 100), .receive(end: "p1", max: 100),
         .send(end: "p2", size: 3, to: nil), .close("p3"), .send(end: "p1", size: 1, to: "p3")],
        // connect: sends without an address go to the peer, others are refused (EPERM), a reconnect discards the
        // queue and resets an old peer connected back (ECONNRESET), a closed peer refuses once, then ENOTCONN.
        [.connectPeer(end: "p1", to: "p2"), .send(end: "p1", size: 3, to: nil), .receive(end: "p2", max: 100),
         .send(end: "p3", size: 1, to: "p1"), .send(end: "p1", size: 2, to: "p3"), .receive(end: "p3", max: 100),
         .connectPeer(end: "p2", to: "p1"), .send(end: "p2", size: 2, to: nil), .connectPeer(end: "p1", to: "p3"),
         .receive(end: "p1", max: 100), .receive(end: "p2", max: 100), .send(end: "p2", size: 1, to: nil),
         .connectPeer(end: "p3", to: "p2"), .close("p3"), .send(end: "p2", size: 1, to: "p1"),
         .send(end: "p1", size: 1, to: nil), .send(end: "p1", size: 1, to: nil), .send(end: "p2", size: 1, to: "p1")],
        // A connected sender meets the queue-length limit of a peer not connected back.
        [.connectPeer(end: "p1", to: "p2")] + Array(repeating: .send(end: "p1", size: 1, to: nil), count: 12),
        // bind: a bound socket's name taken while it is open (its own type only), then free (abstract) or still taken
        // (a path); a bound socket binding again.
        [.bind(end: nil, type: nil, address: .of("p2")), .bind(end: nil, type: .seqpacket, address: .of("p2")),
         .bind(end: "p1", type: nil, address: .freshAbstract), .bind(end: "p1", type: nil, address: .of("p1")),
         .bind(end: "p1", type: nil, address: .missingDirectory), .close("p2"), .bind(end: nil, type: nil, address: .of("p2")),
         .bind(end: nil, type: nil, address: .freshPath), .send(end: "p1", size: 1, to: "p2")],
        // A new socket's bind in progress holds a closed socket's name: a bind of its type EADDRINUSE, a send and a
        // connect to the name reach it (the connected socket then refuses others, EPERM); once it closed, the name
        // refuses and the connected socket's peer is gone (ECONNREFUSED, ENOTCONN). A new socket of another type is
        // not found.
        [.close("p2"), .bindHeld(type: nil, address: .of("p2")), .bind(end: nil, type: nil, address: .of("p2")),
         .send(end: "p1", size: 3, to: "p2"), .connectPeer(end: "p3", to: "p2"), .send(end: "p3", size: 1, to: nil),
         .send(end: "p1", size: 1, to: "p3"), .bindReturns, .send(end: "p1", size: 1, to: "p2"),
         .send(end: "p3", size: 1, to: nil), .send(end: "p3", size: 1, to: nil), .bindHeld(type: .seqpacket, address: .of("p2")),
         .send(end: "p1", size: 1, to: "p2"), .connectPeer(end: "p1", to: "p2"), .bindReturns],
        // Never connected, its send buffer full: a send without an address fails EAGAIN before ENOTCONN.
        [.send(end: "p1", size: 150_000, to: "p2"), .send(end: "p1", size: 60_000, to: "p2"), .send(end: "p1", size: 2000, to: "p2"),
         .send(end: "p1", size: 1, to: nil), .receive(end: "p2", max: 10), .send(end: "p1", size: 1, to: nil)],
        // AF_UNSPEC: the peer dissolved (its queue discarded, an old peer connected back reset), others taken again.
        [.connectPeer(end: "p1", to: "p2"), .connectPeer(end: "p2", to: "p1"), .send(end: "p2", size: 2, to: nil),
         .send(end: "p3", size: 1, to: "p1"), .disconnect("p1"), .receive(end: "p1", max: 10), .send(end: "p1", size: 1, to: nil),
         .send(end: "p3", size: 1, to: "p1"), .receive(end: "p1", max: 10), .send(end: "p2", size: 1, to: nil),
         .disconnect("p1"), .receive(end: "p1", max: 10)],
        // connect and sendto to an address: a missing path ENOENT, a file that is no socket or a free name
        // ECONNREFUSED; a new datagram socket connects to a bound one unless it has another peer (EPERM), a new
        // stream socket is refused (a path EPROTOTYPE, an abstract name ECONNREFUSED); a closed one refuses.
        [.connectTo(end: nil, type: .dgram, address: .freshPath), .connectTo(end: nil, type: .dgram, address: .missingDirectory),
         .connectTo(end: nil, type: .dgram, address: .existingFile), .connectTo(end: nil, type: .dgram, address: .freshAbstract),
         .connectTo(end: "p1", type: nil, address: .freshPath), .connectTo(end: nil, type: .dgram, address: .of("p2")),
         .connectPeer(end: "p2", to: "p1"), .connectTo(end: nil, type: .dgram, address: .of("p2")),
         .connectTo(end: nil, type: .stream, address: .of("p3")), .connectTo(end: "p3", type: nil, address: .of("p2")),
         .send(end: "p1", size: 1, to: "fresh-path"), .send(end: "p1", size: 1, to: "missing-directory"),
         .send(end: "p1", size: 1, to: "existing-file"), .send(end: "p1", size: 1, to: "fresh-abstract"),
         .connectTo(end: "p1", type: nil, address: .of("p3")), .send(end: "p1", size: 2, to: nil), .receive(end: "p3", max: 10),
         .close("p3"), .connectTo(end: nil, type: .dgram, address: .of("p3")), .connectTo(end: "p2", type: nil, address: .of("p3"))],
    ]

    @Test(arguments: [false, true])
    func boundDatagramSocketsAgree(abstract: Bool) async throws {
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedBoundSequences {
            try Self.checkBound(abstract: abstract, operations: operations, seen: seen)
        }
        await checkProperty(count: 120, input: Self.boundOperations) { operations throws in
            try Self.checkBound(abstract: abstract, operations: operations, seen: seen)
        }
        let missing = Set([
            "from", "EAGAIN", "ECONNREFUSED", "ENOTCONN", "connected peer", "sent to peer", "EPERM", "ECONNRESET", "disconnected", "bind",
            "bind EADDRINUSE", "bind EINVAL", "bind ENOENT", "ENOENT", "connect to ENOENT", "connect to ECONNREFUSED",
            "connect to EPERM", "connected to address",
        ] + (abstract ? [] : ["connect to EPROTOTYPE"]))
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// Runs one sequence on three fresh bound datagram sockets and the model side by side; a disagreement counts only
    /// when a second run repeats it, as for ``checkListener(type:backlog:operations:seen:)``.
    static func checkBound(abstract: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkBoundOnce(abstract: abstract, operations: operations, seen: seen) }
    }

    /// ``checkBound(abstract:operations:seen:)`` once.
    static func checkBoundOnce(abstract: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        // No spawn may hold a copy of these descriptors: their closes must be the last.
        try Syscall.withoutConcurrentSpawns {
            var sockets: [String: FileDescriptor] = [:]
            var addresses: [String: UnixAddress] = [:]
            defer {
                for socket in sockets.values { try? Syscall.close(socket) }
                for case .path(let path) in addresses.values { unlink(path) }
            }
            for process in 1...3 {
                let name = Self.name("p\(process)")
                let address: UnixAddress = abstract ? .abstract(name) : .path("/tmp/" + name)
                addresses["p\(process)"] = address
                do {
                    sockets["p\(process)"] = try KernelUnixSocket.bound(.dgram, to: address)
                } catch {
                    Issue.record("cannot bind \(address): \(error)")
                    return
                }
            }
            let model = UnixSocketModel(objects: [
                ("s0", .init(type: .dgram, shape: .bound(processes: [1, 2, 3]), address: abstract ? .abstract : .path))
            ])
            var state = model.initialState(of: "s0")
            for (index, operation) in operations.enumerated() {
                // One bind in progress at a time, and only one can return.
                if case .bindHeld = operation, sockets["bind-8"] != nil { continue }
                if case .bindReturns = operation, sockets["bind-8"] == nil { continue }
                let kernel: UnixSocketModel.Output
                do {
                    kernel = try Self.runBound(operation, sockets: &sockets, addresses: addresses)
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                }
                seen.withLock { _ = $0.insert(Self.kind(operation, kernel)) }
                if case .bindHeld = operation, kernel == .closed {
                    // The model's bind must be able to stop after its first piece, the name held.
                    let input = Self.input(operation, address: nil)
                    guard let piece = model.outcomes(of: input, in: state).first(where: { $0.output == nil }) else {
                        PipeAgreement.disagreement("operation \(index) \(operation) of \(operations): the kernel bound, the model's bind has no piece\nstate: \(model.describe(state))")
                        return
                    }
                    state = piece.step.state
                    continue
                }
                guard let next = Self.expect(model, &state, Self.input(operation, address: nil), kernel, index, operations) else { return }
                state = next
            }
        }
    }

    // MARK: Running

    static func run(
        _ operation: Operation, type: UnixSocketType, address: UnixAddress, _ sockets: inout [String: FileDescriptor],
        _ clientNames: inout [UnixAddress: Int], _ ownNames: inout [String: UnixAddress]
    ) throws(Errno) -> UnixSocketModel.Output {
        switch operation {
        case .connect(let process):
            if let existing = sockets["client-\(process)"] {
                try Syscall.setNonblocking(existing, true)
                try Syscall.connect(existing, to: address)
                return .connected("client-\(process)")
            }
            let socket = try Syscall.unixSocket(type)
            let name = UnixAddress.abstract(Self.name("c\(process)"))
            try Syscall.bind(socket, to: name)
            clientNames[name] = process
            do throws(Errno) {
                try Syscall.setNonblocking(socket, true)
                try Syscall.connect(socket, to: address)
            } catch {
                try? Syscall.close(socket)
                if error == .wouldBlock { return .failed(.EAGAIN) }
                throw error
            }
            sockets["client-\(process)"] = socket
            return .connected("client-\(process)")
        case .accept:
            return try accept(flags: 0, &sockets, clientNames)
        case .send(let end, let size, _):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            switch try KernelUnixSocket.send(socket, UnixSocketModelAgreementTests.payload(size), nonblocking: true) {
            case .completed(let count): return .sent(count)
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .receive(let end, let max):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            switch try KernelUnixSocket.receive(socket, maximum: max, nonblocking: true) {
            case .completed(let message): return .received(.init(data: message.data, truncated: message.truncated))
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .close(let end):
            guard let socket = sockets.removeValue(forKey: end) else { return .failed(.EBADF) }
            try Syscall.close(socket)
            return .closed
        case .listen(let end, let backlog):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            try Syscall.listen(socket, backlog: backlog)
            return .closed
        case .connectPeer:
            return .failed(.EINVAL)
        case .bindHeld, .bindReturns:
            preconditionFailure("a bind left in progress is drawn for bound datagram sockets only")
        case .disconnect(let end):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            try Syscall.disconnect(socket)
            return .closed
        case .bind(let end, let newType, let to):
            let target = Self.target(of: to, addresses: ownNames)
            let output = try bind(end.map { sockets[$0] }, type: newType ?? type, to: target)
            if let end, case .freshAbstract = to { ownNames[end] = target }
            return output
        case .connectTo(let end, let newType, let to):
            return try connect(end.map { sockets[$0] }, type: newType ?? type, to: Self.target(of: to, addresses: ownNames))
        case .accept4(let flags):
            return try accept(flags: CInt(flags), &sockets, clientNames)
        case .receiveBlocking(let end, let max):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            switch try KernelUnixSocket.receive(socket, maximum: max, nonblocking: false, retryOnInterrupt: false) {
            case .completed(let message): return .received(.init(data: message.data, truncated: message.truncated))
            case .wouldBlock: return .failed(.EAGAIN)
            }
        }
    }

    /// A nonblocking `accept4` on the listener with `flags`; the accepted socket named by its client's process (the
    /// process whose bound name is its peer's address).
    static func accept(
        flags: CInt, _ sockets: inout [String: FileDescriptor], _ clientNames: [UnixAddress: Int]
    ) throws(Errno) -> UnixSocketModel.Output {
        guard let listener = sockets["listen"] else { return .failed(.EBADF) }
        switch try KernelUnixSocket.accept(listener, nonblocking: true, flags: flags) {
        case .wouldBlock:
            return .failed(.EAGAIN)
        case .completed(let socket):
            let process = try Syscall.peerAddress(socket).flatMap { clientNames[$0] } ?? 0
            sockets["server-\(process)"] = socket
            return .connected("server-\(process)")
        }
    }

    static func runBound(
        _ operation: Operation, sockets: inout [String: FileDescriptor], addresses: [String: UnixAddress]
    ) throws(Errno) -> UnixSocketModel.Output {
        switch operation {
        case .send(let end, let size, let to):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            switch try KernelUnixSocket.send(
                socket, UnixSocketModelAgreementTests.payload(size),
                to: to.map { Self.target(of: UnixSocketModel.BindAddress(name: $0), addresses: addresses) }, nonblocking: true)
            {
            case .completed(let count): return .sent(count)
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .receive(let end, let max):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            switch try KernelUnixSocket.receive(socket, maximum: max, wantSender: true, nonblocking: true) {
            case .completed(let message):
                let from = message.sender.flatMap { sender in addresses.first { $0.value == sender }?.key }
                return .received(.init(data: message.data, truncated: message.truncated, from: from))
            case .wouldBlock:
                return .failed(.EAGAIN)
            }
        case .close(let end):
            guard let socket = sockets.removeValue(forKey: end) else { return .failed(.EBADF) }
            try Syscall.close(socket)
            return .closed
        case .listen(let end, let backlog):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            try Syscall.listen(socket, backlog: backlog)
            return .closed
        case .connectPeer(let end, let to):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            try Syscall.connect(socket, to: addresses[to]!)
            return .closed
        case .disconnect(let end):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            try Syscall.disconnect(socket)
            return .closed
        case .bind(let end, let type, let to):
            return try bind(end.map { sockets[$0] }, type: type ?? .dgram, to: Self.target(of: to, addresses: addresses))
        case .connectTo(let end, let type, let to):
            return try connect(end.map { sockets[$0] }, type: type ?? .dgram, to: Self.target(of: to, addresses: addresses))
        case .bindHeld(let type, let to):
            let socket = try Syscall.unixSocket(type ?? .dgram)
            do throws(Errno) { try Syscall.bind(socket, to: addresses[to.name]!) } catch {
                try? Syscall.close(socket)
                throw error
            }
            sockets["bind-8"] = socket
            return .closed
        case .bindReturns:
            guard let socket = sockets.removeValue(forKey: "bind-8") else { return .failed(.EBADF) }
            try Syscall.close(socket)
            return .closed
        case .connect, .accept, .accept4, .receiveBlocking:
            return .failed(.EINVAL)
        }
    }

    static func input(_ operation: Operation, address: String?) -> UnixSocketModel.Input {
        let process = operation.process
        switch operation {
        case .connect: return .connect(process: process, nonblocking: true)
        case .accept: return .accept(process: 9, end: "listen", nonblocking: true)
        case .send(let end, let size, let to):
            return .send(process: process, end: end, data: UnixSocketModelAgreementTests.payload(size), nonblocking: true, to: to, files: [])
        case .receive(let end, let max): return .receive(process: process, end: end, max: max, nonblocking: true, maxFiles: 0)
        case .close(let end): return .close(process: process, end: end)
        case .listen(let end, let backlog): return .listen(process: process, end: end, backlog: backlog)
        case .connectPeer(let end, let to): return .connectPeer(process: process, end: end, to: to)
        case .disconnect(let end): return .disconnectPeer(process: process, end: end)
        case .bind(let end, let type, let address):
            return .bind(process: process, end: end, type: type.map { .init(rawValue: $0.rawValue)! }, address: address)
        case .bindHeld(let type, let address):
            return .bind(process: process, end: nil, type: type.map { .init(rawValue: $0.rawValue)! }, address: address)
        case .bindReturns:
            // The bind in progress completes; its address no longer matters.
            return .bind(process: process, end: nil, type: nil, address: .freshAbstract)
        case .accept4(let flags): return .accept(process: 9, end: "listen", nonblocking: true, flags: flags)
        case .receiveBlocking(let end, let max): return .receive(process: process, end: end, max: max, nonblocking: false, maxFiles: 0)
        case .connectTo(let end, let type, let address):
            return .connectTo(
                process: process, end: end, type: type.map { .init(rawValue: $0.rawValue)! }, address: address, nonblocking: true)
        }
    }

    /// Steps the model through `input` (piece by piece for a stream); records an issue unless it completes exactly
    /// as the kernel did (`agrees`: the kernel's output and the model's are the same answer). Shared with
    /// `UnixSocketNonblockAgreementTests`.
    static func expect<Step: CustomStringConvertible>(
        _ model: UnixSocketModel, _ state: inout UnixSocketModel.State, _ input: UnixSocketModel.Input,
        _ kernel: UnixSocketModel.Output, _ index: Int, _ operations: [Step],
        agrees: (UnixSocketModel.Output, UnixSocketModel.Output) -> Bool = { $0 == $1 }
    ) -> UnixSocketModel.State? {
        var current = state
        for _ in 0..<100 {
            // The test process's descriptor table is never full: the EMFILE the model allows an accept or a socket
            // for a table it cannot see is not an answer the kernel can give here.
            let outcomes = model.outcomes(of: input, in: current).filter { $0.output != .failed(ErrorCode("EMFILE")) || kernel == .failed(ErrorCode("EMFILE")) }
            let completions = outcomes.filter { if case .completed = $0.step { true } else { false } }
            if completions.count == 1 {
                if let output = completions[0].output, agrees(kernel, output) { return completions[0].step.state }
                PipeAgreement.disagreement("operation \(index) \(operations[index]) of \(operations): kernel \(kernel), model \(completions[0].output.map { "\($0)" } ?? "?")\nstate: \(model.describe(current))")
                return nil
            }
            guard completions.isEmpty, outcomes.count == 1 else { break }
            current = outcomes[0].step.state
        }
        PipeAgreement.disagreement("operation \(index) \(operations[index]) of \(operations): kernel \(kernel), model has no single completion\nstate: \(model.describe(current))")
        return nil
    }

    static func kind(_ operation: Operation, _ output: UnixSocketModel.Output) -> String {
        switch (operation, output) {
        case (.listen, .closed): "listen"
        case (.bind, .closed): "bind"
        case (.bind, .failed(let code)): "bind \(code.rawValue)"
        case (.connect, .connected): "connected"
        case (.connectPeer, .closed): "connected peer"
        case (.disconnect, .closed): "disconnected"
        case (.connectTo, .closed): "connected to address"
        case (.accept4, .failed(.EINVAL)): "accept4 EINVAL"
        case (.receiveBlocking, .failed(.EAGAIN)): "nonblocking by accept4"
        case (.connectTo, .failed(let code)): "connect to \(code.rawValue)"
        case (.send(let end, _, nil), .sent) where end.hasPrefix("p"): "sent to peer"
        case (.accept, .connected): "accepted"
        case (.receive(let end, _), .received(let received)) where end.hasPrefix("server") && !received.data.isEmpty: "data before accept"
        case (_, .received(let received)) where received.from != nil: "from"
        case (_, .failed(let code)): code.rawValue
        default: ""
        }
    }
}
