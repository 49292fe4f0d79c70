import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_RCVTIMEO` and `SO_SNDTIMEO` on a socket pair, measured on this kernel and checked by the unix-socket model
/// (`UnixSocketModel+Timeouts.swift`): what `getsockopt` reports (rounded up to the tick), `EDOM`, a negative time
/// (none), and blocking calls that run out — `EAGAIN` with nothing moved, or the count moved. The timeouts are of one
/// microsecond (one tick in fact), so every call here ends by itself; no outcome depends on how long it took.
@Suite struct UnixSocketTimeoutFactsTests {
    typealias Model = UnixSocketModel

    /// The model's state after `input` ended as the kernel's `kernel` (pieces followed; any of the model's ways),
    /// or nil with an issue recorded.
    static func judge(_ model: Model, _ state: Model.State, _ input: Model.Input, _ kernel: Model.Output) -> Model.State? {
        var frontier = [state]
        for _ in 0..<200 {
            var next: [Model.State] = []
            for current in frontier {
                for outcome in model.outcomes(of: input, in: current) {
                    switch outcome.step {
                    case .completed(let after):
                        if let output = outcome.output, agrees(kernel, output) { return after }
                    case .partial(let after):
                        if !next.contains(after) && after != current { next.append(after) }
                    }
                }
            }
            if next.isEmpty { break }
            frontier = next
        }
        Issue.record("the model does not end \(input) with the kernel's \(kernel)\nstate: \(model.describe(state))")
        return nil
    }

    static func agrees(_ kernel: Model.Output, _ model: Model.Output) -> Bool {
        if case .received(let got) = kernel, case .received(let expected) = model { return got.data == expected.data }
        return kernel == model
    }

    static func received(_ result: TransferResult<ReceivedMessage>) -> Model.Output {
        switch result {
        case .completed(let message): .received(.init(data: message.data))
        case .wouldBlock: .failed(.EAGAIN)
        }
    }

    func timeout(_ socket: FileDescriptor, _ option: CInt) throws -> Model.SocketTimeout {
        let (seconds, microseconds) = try Syscall.socketTimeout(socket, option)
        return .init(seconds: seconds, microseconds: microseconds)
    }

    /// `getsockopt` reports the timeout rounded up to a whole tick: one microsecond is one tick (4000 µs with
    /// `CONFIG_HZ=250`), 1.999999 s is 2 s; 0/0 and a negative second count leave none (reported 0/0); microseconds
    /// outside 0..<1000000 fail `EDOM` and change nothing. The model takes each report (its rounding for some tick).
    @Test(arguments: [SO_RCVTIMEO, SO_SNDTIMEO])
    func theTimeoutIsReportedRoundedUpToATickAndEDOMOutOfRange(option: CInt) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(a); try? Syscall.close(b) }
            let model = Model(objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [2])))])
            var state = model.initialState(of: "s0")
            let send = option == SO_SNDTIMEO
            let cases: [(Int, Int)] = [(0, 0), (0, 1), (1, 999_999), (0, 1_000_000), (0, -1), (-1, 5), (3, 250_000)]
            var tick: Int?
            for (seconds, microseconds) in cases {
                let set = Model.SocketTimeout(seconds: seconds, microseconds: microseconds)
                var answer = Model.Output.closed
                do { try Syscall.setSocketTimeout(a, option, seconds: seconds, microseconds: microseconds) } catch let error as Errno { answer = .failed(ErrorCode(error.name)) }
                #expect((answer == .failed(ErrorCode("EDOM"))) == !(0..<1_000_000).contains(microseconds), "\(set): \(answer)")
                guard let after = Self.judge(model, state, .setTimeout(process: 1, end: "a", send: send, timeout: set), answer) else { return }
                state = after
                let reported = try timeout(a, option)
                if seconds == 0 && microseconds == 1 { tick = reported.microseconds }
                guard let after = Self.judge(model, state, .getOption(process: 1, end: "a", option: send ? .sendTimeout : .receiveTimeout), .timeout(reported)) else { return }
                state = after
            }
            // One tick is a whole number of microseconds of some HZ: 10000, 4000, 3333 or 1000.
            #expect([10_000, 4_000, 3_333, 1_000].contains(tick ?? 0), "one microsecond reported as \(tick.map(String.init) ?? "?") µs")
            // The model rejects the belief that the value comes back as set.
            let exact = Model.Output.timeout(.init(seconds: 0, microseconds: 1))
            var probe = model.initialState(of: "s0")
            probe = Self.judge(model, probe, .setTimeout(process: 1, end: "a", send: send, timeout: .init(seconds: 0, microseconds: 1)), .closed) ?? probe
            #expect(!model.outcomes(of: .getOption(process: 1, end: "a", option: send ? .sendTimeout : .receiveTimeout), in: probe).contains { $0.output == exact })
        }
    }

    /// A blocking `recv` that runs out with nothing fails `EAGAIN`, one with `MSG_WAITALL` that got part returns the
    /// part; a blocking stream send that runs out returns what it queued, then `EAGAIN` with none queued. Without a
    /// timeout the model has each asleep; with one it takes the kernel's answer.
    @Test func blockingCallsThatRunOutEndAsTheirNonblockingTwins() throws {
        Syscall.ignoreBrokenPipeSignal()
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(a); try? Syscall.close(b) }
            let model = Model(objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [2])))])
            var state = model.initialState(of: "s0")
            let tiny = Model.SocketTimeout(seconds: 0, microseconds: 1)
            let receive = Model.Input.receive(process: 1, end: "a", max: 10, nonblocking: false, maxFiles: 0)
            // Without a timeout, the model's receive sleeps on an empty socket.
            #expect(model.outcomes(of: receive, in: state).allSatisfy { $0.output == nil })
            try Syscall.setSocketTimeout(a, SO_RCVTIMEO, seconds: 0, microseconds: 1)
            state = try #require(Self.judge(model, state, .setTimeout(process: 1, end: "a", send: false, timeout: tiny), .closed))
            let empty: Model.Output
            do { empty = .received(.init(data: try Syscall.receiveMessage(a, maximum: 10).data)) } catch let error as Errno { empty = .failed(ErrorCode(error.name)) }
            #expect(empty == .failed(.EAGAIN))
            state = try #require(Self.judge(model, state, receive, empty))
            #expect(try Syscall.sendMessage(b, [1, 2, 3]) == 3)
            state = try #require(Self.judge(model, state, .send(process: 2, end: "b", data: [1, 2, 3], nonblocking: false, to: nil, files: []), .sent(3)))
            let part = try Syscall.receiveMessage(a, maximum: 10, flags: Syscall.MessageFlags.waitAll).data
            #expect(part == [1, 2, 3])
            state = try #require(Self.judge(model, state, .receiveWaitingAll(process: 1, end: "a", max: 10, nonblocking: false), .received(.init(data: part))))
            // A send too large for the buffer queues part, runs out and returns the part; the next queues nothing.
            try Syscall.setSocketTimeout(b, SO_SNDTIMEO, seconds: 0, microseconds: 1)
            state = try #require(Self.judge(model, state, .setTimeout(process: 2, end: "b", send: true, timeout: tiny), .closed))
            let big = [UInt8](repeating: 7, count: 1 << 20)
            let first = try Syscall.sendMessage(b, big)
            #expect(first > 0 && first < big.count)
            state = try #require(Self.judge(model, state, .send(process: 2, end: "b", data: big, nonblocking: false, to: nil, files: []), .sent(first)))
            #expect(throws: Errno.wouldBlock) { try Syscall.sendMessage(b, big) }
            _ = Self.judge(model, state, .send(process: 2, end: "b", data: big, nonblocking: false, to: nil, files: []), .failed(.EAGAIN))
        }
    }

    /// `accept` under `SO_RCVTIMEO` with nobody waiting, and `connect` under `SO_SNDTIMEO` to a full backlog (backlog
    /// 0: one connection waits, the next finds it full) — a client connecting again, an accepted socket connecting to
    /// the listener's address, a new socket — end `EAGAIN` (never `EINPROGRESS`), the socket left as it was: once an
    /// accept made room, the connected ones reach `EISCONN` and the new one connects. Without the timeout the model
    /// has each asleep; with it, it takes the kernel's `EAGAIN`.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func acceptAndConnectThatRunOutFailEAGAIN(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let address = uniqueAbstractAddress("timeout-listener")
            let listener = try KernelUnixSocket.listener(type, at: address, backlog: 0)
            var open = [listener]
            defer { for socket in open { try? Syscall.close(socket) } }
            func made(_ socket: FileDescriptor) -> FileDescriptor { open.append(socket); return socket }
            func answer(_ body: () throws -> Void) -> Model.Output {
                do { try body(); return .closed } catch let error as Errno { return .failed(ErrorCode(error.name)) } catch { return .failed(ErrorCode("?")) }
            }
            let model = Model(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .listener(holders: [9], backlog: 0)))])
            var state = model.initialState(of: "s0")
            let tiny = Model.SocketTimeout(seconds: 0, microseconds: 1)
            let accept = Model.Input.accept(process: 9, end: "listen", nonblocking: false)
            func eagain(_ input: Model.Input) -> Bool { model.outcomes(of: input, in: state).contains { $0.output == .failed(.EAGAIN) } }

            // accept: asleep without the timeout; EAGAIN with it.
            #expect(!eagain(accept))
            try Syscall.setSocketTimeout(listener, SO_RCVTIMEO, seconds: 0, microseconds: 1)
            state = try #require(Self.judge(model, state, .setTimeout(process: 9, end: "listen", send: false, timeout: tiny), .closed))
            let empty = answer { _ = try Syscall.accept(listener, retryOnInterrupt: false) }
            #expect(empty == .failed(.EAGAIN))
            state = try #require(Self.judge(model, state, accept, empty))

            // Client 1 connected and accepted, client 2 waiting: the backlog is full.
            let client1 = made(try Syscall.unixSocket(type))
            try Syscall.connect(client1, to: address, retryOnInterrupt: false)
            state = try #require(Self.judge(model, state, .connect(process: 1, nonblocking: false), .connected("client-1")))
            let server1 = made(try Syscall.accept(listener, retryOnInterrupt: false))
            state = try #require(Self.judge(model, state, accept, .connected("server-1")))
            let client2 = made(try Syscall.unixSocket(type))
            try Syscall.connect(client2, to: address, retryOnInterrupt: false)
            state = try #require(Self.judge(model, state, .connect(process: 2, nonblocking: false), .connected("client-2")))

            // Client 1 connecting again: asleep without the timeout (the backlog before EISCONN); EAGAIN with it.
            let again = Model.Input.connect(process: 1, nonblocking: false)
            #expect(!eagain(again))
            try Syscall.setSocketTimeout(client1, SO_SNDTIMEO, seconds: 0, microseconds: 1)
            state = try #require(Self.judge(model, state, .setTimeout(process: 1, end: "client-1", send: true, timeout: tiny), .closed))
            let full = answer { try Syscall.connect(client1, to: address, retryOnInterrupt: false) }
            #expect(full == .failed(.EAGAIN))
            state = try #require(Self.judge(model, state, again, full))
            // The accepted socket connecting to the listener's address ("to"), under its own SO_SNDTIMEO.
            let connectTo = Model.Input.connectTo(process: 9, end: "server-1", type: nil, address: .of("listen"), nonblocking: false)
            #expect(!eagain(connectTo))
            try Syscall.setSocketTimeout(server1, SO_SNDTIMEO, seconds: 0, microseconds: 1)
            state = try #require(Self.judge(model, state, .setTimeout(process: 9, end: "server-1", send: true, timeout: tiny), .closed))
            let fullTo = answer { try Syscall.connect(server1, to: address, retryOnInterrupt: false) }
            #expect(fullTo == .failed(.EAGAIN))
            state = try #require(Self.judge(model, state, connectTo, fullTo))
            // A new socket (no trace can name it before it connects): EAGAIN too, and it stays unconnected.
            let fresh = made(try Syscall.unixSocket(type))
            try Syscall.setSocketTimeout(fresh, SO_SNDTIMEO, seconds: 0, microseconds: 1)
            #expect(answer { try Syscall.connect(fresh, to: address, retryOnInterrupt: false) } == .failed(.EAGAIN))

            // Room again: the connected ones reach EISCONN, the new one connects.
            _ = made(try Syscall.accept(listener, retryOnInterrupt: false))
            state = try #require(Self.judge(model, state, accept, .connected("server-2")))
            let connected = answer { try Syscall.connect(client1, to: address, retryOnInterrupt: false) }
            #expect(connected == .failed(ErrorCode("EISCONN")))
            state = try #require(Self.judge(model, state, again, connected))
            let connectedTo = answer { try Syscall.connect(server1, to: address, retryOnInterrupt: false) }
            #expect(connectedTo == .failed(ErrorCode("EISCONN")))
            state = try #require(Self.judge(model, state, connectTo, connectedTo))
            #expect(answer { try Syscall.connect(fresh, to: address, retryOnInterrupt: false) } == .closed)
        }
    }
}
