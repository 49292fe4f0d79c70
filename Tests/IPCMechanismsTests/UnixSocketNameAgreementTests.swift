import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// The unix-socket model's `getsockname` and `getpeername` against the kernel, on random sequences run by one process
/// on behalf of several (each socket is "its" process's), on the three shapes: a listener and its connections (stream
/// and seqpacket: clients unbound until a `bind`, accepted sockets sharing the listener's address), a pair of each type
/// (a name bound later, a peer that closed, a datagram send finding it gone), and bound datagram sockets (`connect`
/// fixing a peer, `AF_UNSPEC` dissolving it). Each kernel answer is named as the model names addresses: the socket
/// whose `bind` made it, or `unnamed`.
@Suite struct UnixSocketNameAgreementTests {
    enum Step: Sendable, CustomStringConvertible {
        /// A new unbound socket of process P connects to the listener (nonblocking): `client-P`.
        case connect(Int)
        /// The listener accepts (nonblocking) the oldest connection: `server-P`.
        case accept
        /// `bind` of `end` to a fresh abstract name.
        case bind(String)
        case close(String)
        case shutdown(String)
        /// A one-byte nonblocking send without an address.
        case send(String)
        /// A bound datagram socket's `connect` to another (or itself), and `AF_UNSPEC`.
        case connectPeer(String, to: String)
        case disconnect(String)
        /// `getsockname` (`peer` false) or `getpeername` of `end`, or (nil) of a new socket.
        case name(String?, peer: Bool)

        var description: String {
            switch self {
            case .connect(let process): "connect(\(process))"
            case .accept: "accept"
            case .bind(let end): "bind(\(end))"
            case .close(let end): "close(\(end))"
            case .shutdown(let end): "shutdown(\(end))"
            case .send(let end): "send(\(end))"
            case .connectPeer(let end, let to): "connect(\(end) to \(to))"
            case .disconnect(let end): "disconnect(\(end))"
            case .name(let end, let peer): "\(peer ? "getpeername" : "getsockname")(\(end ?? "new"))"
            }
        }

        /// The socket's process: `client-P`'s and `pP`'s P; the pair's `a` 1 and `b` 2; the listener's side 9.
        var process: Int {
            let end: String? = switch self {
            case .connect(let process): "client-\(process)"
            case .accept: nil
            case .bind(let end), .close(let end), .shutdown(let end), .send(let end), .connectPeer(let end, _),
                .disconnect(let end):
                end
            case .name(let end, _): end
            }
            guard let end else { return 9 }
            if end == "a" { return 1 }
            if end == "b" { return 2 }
            if end.hasPrefix("client-") || end.hasPrefix("p") { return Int(end.filter(\.isNumber)) ?? 9 }
            return 9
        }

        var input: UnixSocketModel.Input {
            switch self {
            case .connect(let process): .connect(process: process, nonblocking: true)
            case .accept: .accept(process: 9, end: "listen", nonblocking: true)
            case .bind(let end): .bind(process: process, end: end, type: nil, address: .freshAbstract)
            case .close(let end): .close(process: process, end: end)
            case .shutdown(let end): .shutdown(process: process, end: end, how: 2)
            case .send(let end): .send(process: process, end: end, data: [7], nonblocking: true, to: nil, files: [])
            case .connectPeer(let end, let to): .connectPeer(process: process, end: end, to: to)
            case .disconnect(let end): .disconnectPeer(process: process, end: end)
            case .name(let end, let peer): .socketName(process: process, end: end, peer: peer)
            }
        }
    }

    static let listenerEnds = Gen.int(in: 0...6).map { $0 == 0 ? "listen" : $0 <= 3 ? "client-\($0)" : "server-\($0 - 3)" }
    static let listenerSteps = Gen.oneOf(
        Gen.int(in: 1...3).map { Step.connect($0) }.eraseToAny(),
        Gen.int(in: 0...1).map { _ in Step.accept }.eraseToAny(),
        listenerEnds.map { Step.bind($0) }.eraseToAny(),
        Gen.int(in: 0...9).map { Step.close($0 == 0 ? "listen" : $0 <= 3 ? "client-\($0)" : "server-\(($0 - 1) % 3 + 1)") }.eraseToAny(),
        listenerEnds.map { Step.shutdown($0) }.eraseToAny(),
        zip(Gen.int(in: 0...7), Gen.int(in: 0...1)).map { end, peer in
            Step.name(end == 7 ? nil : end == 0 ? "listen" : end <= 3 ? "client-\(end)" : "server-\(end - 3)", peer: peer == 1)
        }.eraseToAny(),
        zip(Gen.int(in: 1...6), Gen.int(in: 0...1)).map { end, peer in
            Step.name(end <= 3 ? "client-\(end)" : "server-\(end - 3)", peer: peer == 1)
        }.eraseToAny()
    ).array(of: 1...30)

    static let pairEnds = Gen.int(in: 0...1).map { $0 == 0 ? "a" : "b" }
    static let pairSteps = Gen.oneOf(
        pairEnds.map { Step.bind($0) }.eraseToAny(),
        pairEnds.map { Step.close($0) }.eraseToAny(),
        pairEnds.map { Step.shutdown($0) }.eraseToAny(),
        pairEnds.map { Step.send($0) }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: 0...1)).map { end, peer in Step.name(end == 2 ? nil : end == 0 ? "a" : "b", peer: peer == 1) }
            .eraseToAny()
    ).array(of: 1...16)

    static let boundEnds = Gen.int(in: 1...3).map { "p\($0)" }
    static let boundSteps = Gen.oneOf(
        zip(boundEnds, boundEnds).map { Step.connectPeer($0, to: $1) }.eraseToAny(),
        boundEnds.map { Step.disconnect($0) }.eraseToAny(),
        boundEnds.map { Step.close($0) }.eraseToAny(),
        boundEnds.map { Step.send($0) }.eraseToAny(),
        zip(boundEnds, Gen.int(in: 0...2)).map { end, peer in Step.name(end, peer: peer > 0) }.eraseToAny()
    ).array(of: 1...24)

    /// Sequences that meet every kind each property must see, run before the random ones.
    static let directedListener: [[Step]] = [
        [.name("listen", peer: false), .name("listen", peer: true), .connect(1), .name("client-1", peer: false),
         .name("client-1", peer: true), .accept, .name("server-1", peer: false), .name("server-1", peer: true),
         .bind("client-1"), .name("server-1", peer: true), .name("client-1", peer: false), .shutdown("client-1"),
         .name("client-1", peer: true), .close("server-1"), .name("client-1", peer: true), .close("listen"),
         .name(nil, peer: false), .name(nil, peer: true), .name("server-1", peer: false)],
        // A connection closed by the listener before accept: the client's peer is still the listener's address.
        [.connect(2), .close("listen"), .name("client-2", peer: true), .bind("server-2"), .name("client-2", peer: false)],
    ]
    static let directedPair: [[Step]] = [
        [.name("a", peer: false), .name("a", peer: true), .bind("b"), .name("a", peer: true), .name("b", peer: false),
         .close("b"), .name("a", peer: true), .send("a"), .name("a", peer: true), .name("b", peer: true)],
    ]
    static let directedBound: [[Step]] = [
        [.name("p1", peer: false), .name("p1", peer: true), .connectPeer("p1", to: "p2"), .name("p1", peer: true),
         .close("p2"), .name("p1", peer: true), .send("p1"), .name("p1", peer: true), .connectPeer("p3", to: "p3"),
         .name("p3", peer: true), .disconnect("p3"), .name("p3", peer: true)],
    ]

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func listenersConnectionsAgree(type: UnixSocketType) async throws {
        let seen = Mutex<Set<String>>([])
        for steps in Self.directedListener { try Self.check(.listener, type: type, steps, seen: seen) }
        await checkProperty(count: 100, input: Self.listenerSteps) { steps throws in
            try Self.check(.listener, type: type, steps, seen: seen)
        }
        let missing = Set([
            "getsockname listen", "getsockname unnamed", "getsockname own", "getpeername listen", "getpeername unnamed",
            "getpeername own", "getpeername ENOTCONN", "getpeername closed peer", "getsockname EBADF",
        ]).subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    @Test(arguments: UnixSocketType.allCases)
    func pairsAgree(type: UnixSocketType) async throws {
        let seen = Mutex<Set<String>>([])
        for steps in Self.directedPair { try Self.check(.pair, type: type, steps, seen: seen) }
        await checkProperty(count: 100, input: Self.pairSteps) { steps throws in try Self.check(.pair, type: type, steps, seen: seen) }
        let missing = Set(["getsockname unnamed", "getsockname own", "getpeername unnamed", "getpeername own", "getpeername closed peer"]
            + (type == .dgram ? ["getpeername ENOTCONN"] : []))
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    @Test func boundDatagramSocketsAgree() async throws {
        let seen = Mutex<Set<String>>([])
        for steps in Self.directedBound { try Self.check(.bound, type: .dgram, steps, seen: seen) }
        await checkProperty(count: 100, input: Self.boundSteps) { steps throws in try Self.check(.bound, type: .dgram, steps, seen: seen) }
        let missing = Set(["getsockname own", "getpeername own", "getpeername ENOTCONN", "getpeername closed peer"])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    enum Shape { case listener, pair, bound }

    /// Runs one sequence on fresh sockets and the model side by side; a disagreement counts only when a second run
    /// repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(_ shape: Shape, type: UnixSocketType, _ steps: [Step], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(shape, type: type, steps, seen: seen) }
    }

    static func checkOnce(_ shape: Shape, type: UnixSocketType, _ steps: [Step], seen: borrowing Mutex<Set<String>>) throws {
        // No spawn may hold a copy of these descriptors: a datagram send must find a closed peer gone.
        try Syscall.withoutConcurrentSpawns {
            var sockets: [String: FileDescriptor] = [:]
            var names: [UnixAddress: String] = [:]
            var listenerAddress: UnixAddress?
            defer { for socket in sockets.values { try? Syscall.close(socket) } }
            let modelShape: UnixSocketModel.Shape
            switch shape {
            case .listener:
                let address = uniqueAbstractAddress("names-listen")
                sockets["listen"] = try KernelUnixSocket.listener(type, at: address, backlog: 4)
                names[address] = "listen"
                listenerAddress = address
                modelShape = .listener(holders: [9], backlog: 4)
            case .pair:
                (sockets["a"], sockets["b"]) = try Syscall.socketPair(type)
                modelShape = .pair(a: [1], b: [2])
            case .bound:
                for process in 1...3 {
                    let address = uniqueAbstractAddress("names-p\(process)")
                    sockets["p\(process)"] = try KernelUnixSocket.bound(.dgram, to: address)
                    names[address] = "p\(process)"
                }
                modelShape = .bound(processes: [1, 2, 3])
            }
            let model = UnixSocketModel(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: modelShape, address: .abstract))])
            var state = model.initialState(of: "s0")
            var pending: [Int] = []
            var made: Set<String> = []
            for (index, step) in steps.enumerated() {
                // A second connection by one process is outside the model (names collide).
                if case .connect(let process) = step, made.contains("client-\(process)") { continue }
                let kernel: UnixSocketModel.Output
                do {
                    kernel = try run(step, type: type, &sockets, &names, &pending, listenerAddress)
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                }
                if case .connected(let end) = kernel { made.insert(end) }
                if case .name(_, let peer) = step { seen.withLock { _ = $0.insert(kind(step, peer: peer, kernel, state: state)) } }
                guard let next = UnixSocketAddressAgreementTests.expect(model, &state, step.input, kernel, index, steps) else { return }
                state = next
            }
        }
    }

    /// What a name step met, for the coverage checks: the address's kind, or the error (a closed peer apart).
    static func kind(_ step: Step, peer: Bool, _ output: UnixSocketModel.Output, state: UnixSocketModel.State) -> String {
        let call = peer ? "getpeername" : "getsockname"
        if peer, case .name(let end?, _) = step, case .address = output,
            let socket = state.sockets.first(where: { $0.name == end }), let other = socket.peer,
            state.sockets.first(where: { $0.name == other })?.released == true
        {
            return "getpeername closed peer"
        }
        switch output {
        case .address("listen"): return "\(call) listen"
        case .address(UnixSocketModel.unnamed): return "\(call) unnamed"
        case .address: return "\(call) own"
        case .failed(let code): return "\(call) \(code.rawValue)"
        default: return "\(call) \(output)"
        }
    }

    static func run(
        _ step: Step, type: UnixSocketType, _ sockets: inout [String: FileDescriptor], _ names: inout [UnixAddress: String],
        _ pending: inout [Int], _ listenerAddress: UnixAddress?
    ) throws(Errno) -> UnixSocketModel.Output {
        func held(_ end: String) throws(Errno) -> FileDescriptor {
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return socket
        }
        switch step {
        case .connect(let process):
            guard let listenerAddress else { preconditionFailure("connect is drawn for a listener only") }
            switch try KernelUnixSocket.connect(type, to: listenerAddress, nonblocking: true) {
            case .wouldBlock: return .failed(.EAGAIN)
            case .completed(let socket):
                sockets["client-\(process)"] = socket
                pending.append(process)
                return .connected("client-\(process)")
            }
        case .accept:
            switch try KernelUnixSocket.accept(try held("listen"), nonblocking: true) {
            case .wouldBlock: return .failed(.EAGAIN)
            case .completed(let socket):
                let process = pending.removeFirst()
                sockets["server-\(process)"] = socket
                return .connected("server-\(process)")
            }
        case .bind(let end):
            let address = uniqueAbstractAddress("names-\(end)")
            try Syscall.bind(try held(end), to: address)
            names[address] = end
            return .closed
        case .close(let end):
            guard let socket = sockets.removeValue(forKey: end) else { throw .badFileDescriptor }
            if end == "listen" { pending = [] }
            try Syscall.close(socket)
            return .closed
        case .shutdown(let end):
            try Syscall.shutdown(try held(end), how: 2)
            return .closed
        case .send(let end):
            switch try KernelUnixSocket.send(try held(end), [7], nonblocking: true) {
            case .completed(let count): return .sent(count)
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .connectPeer(let end, let to):
            guard let address = names.first(where: { $0.value == to })?.key else { preconditionFailure("no address for \(to)") }
            try Syscall.connect(try held(end), to: address)
            return .closed
        case .disconnect(let end):
            try Syscall.disconnect(try held(end))
            return .closed
        case .name(let end, let peer):
            let socket = if let end { try held(end) } else { try Syscall.unixSocket(type) }
            defer { if end == nil { try? Syscall.close(socket) } }
            guard let address = try peer ? Syscall.peerAddress(socket) : Syscall.socketAddress(socket) else {
                return .address(UnixSocketModel.unnamed)
            }
            return .address(names[address] ?? "\(address)")
        }
    }
}
