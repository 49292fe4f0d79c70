import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `poll` on Unix sockets, measured on this kernel (`unix_poll` for streams, `unix_dgram_poll` for datagram and
/// seqpacket sockets); the `unix-socket` model's `readiness` encodes each fact, and `UnixSocketModelAgreementTests`
/// polls at random points of random sequences on both.
@Suite struct UnixSocketPollFactsTests {
    typealias Events = KernelUnixSocket.PollEvents
    static let asked: Events = [.input, .output, .readHangUp]

    typealias Pair = OwnedSocketPair

    func poll(_ socket: FileDescriptor) throws -> Events {
        try KernelUnixSocket.poll(socket, events: Self.asked, timeout: 0)
    }

    /// `POLLOUT` while `(SIOCOUTQ + 1) × 4 ≤ SO_SNDBUF` (`unix_writable`), walked one small send at a time until the
    /// send buffer is full.
    @Test(arguments: UnixSocketType.allCases)
    func pollOutWhileFourTimesTheChargePlusOneFitsTheSendBuffer(type: UnixSocketType) throws {
        let pair = try Pair(type)
        var seen: Set<Bool> = []
        while true {
            let charge = try Syscall.socketOutputQueue(pair.a)
            let writable = try poll(pair.a).contains(.output)
            #expect(writable == ((charge + 1) * 4 <= 212_992), "\(type) charged \(charge)")
            seen.insert(writable)
            guard try KernelUnixSocket.send(pair.a, [7], nonblocking: true) == .completed(1) else { break }
        }
        #expect(seen == [true, false])
    }

    /// The boundary itself: a charge of exactly a quarter of the send buffer (53248, reachable since true sizes
    /// are multiples of 256) is not writable, so the `+ 1` (the reference `sk_wmem_alloc` holds) is real.
    @Test func aChargeOfExactlyAQuarterOfTheSendBufferIsNotWritable() throws {
        let pair = try Pair(.dgram)
        let cost1280 = try #require((1...4000).first { UnixSocketMemory.datagramCost($0) == 1280 })
        for _ in 0..<66 { #expect(try KernelUnixSocket.send(pair.a, [7], nonblocking: true) == .completed(1)) }
        let one = [UInt8](repeating: 1, count: cost1280)
        #expect(try KernelUnixSocket.send(pair.a, one, nonblocking: true) == .completed(cost1280))
        #expect(try Syscall.socketOutputQueue(pair.a) == 53_248 - 1280)
        #expect(try poll(pair.a).contains(.output))
        #expect(try KernelUnixSocket.send(pair.a, one, nonblocking: true) == .completed(cost1280))
        #expect(try Syscall.socketOutputQueue(pair.a) == 53_248)
        #expect(try poll(pair.a) == [])
        _ = try KernelUnixSocket.receive(pair.b, maximum: 10, nonblocking: true)
        #expect(try poll(pair.a) == [.output])
    }

    @Test(arguments: UnixSocketType.allCases)
    func pollInWithAMessageQueuedAndAnEmptyRecordCountsToo(type: UnixSocketType) throws {
        let pair = try Pair(type)
        #expect(try poll(pair.b) == [.output])
        #expect(try KernelUnixSocket.send(pair.a, Array("x".utf8), nonblocking: true) == .completed(1))
        #expect(try poll(pair.b) == [.input, .output])
        _ = try KernelUnixSocket.receive(pair.b, maximum: 10, nonblocking: true)
        #expect(try poll(pair.b) == [.output])
        if type != .stream {  // a stream send of 0 bytes queues nothing
            #expect(try KernelUnixSocket.send(pair.a, [], nonblocking: true) == .completed(0))
            #expect(try poll(pair.b) == [.input, .output])
        }
    }

    /// A stream or seqpacket peer's close shuts both sides (`POLLHUP`, `POLLRDHUP`, `POLLIN`), with `POLLERR` while
    /// the reset it left (unread bytes) is pending; a datagram peer's close shows nothing.
    @Test(arguments: UnixSocketType.allCases)
    func aPeersCloseHangsUpAStreamOrSeqpacketAndErrsWhileTheResetIsPending(type: UnixSocketType) throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(try KernelUnixSocket.send(pair.b, Array("unread".utf8), nonblocking: true) == .completed(6))
            try pair.closeA()
            if type == .dgram {
                #expect(try poll(pair.b) == [.output])
                return
            }
            #expect(try poll(pair.b) == [.input, .output, .readHangUp, .hangUp, .error])
            #expect(throws: Errno.connectionReset) { try KernelUnixSocket.receive(pair.b, maximum: 10, nonblocking: true) }
            #expect(try poll(pair.b) == [.input, .output, .readHangUp, .hangUp])
            // Unasked, POLLHUP and POLLERR are still reported; POLLRDHUP is not.
            #expect(try KernelUnixSocket.poll(pair.b, events: [], timeout: 0) == [.hangUp])
        }
    }

    /// Its own `SHUT_RD` (or a stream or seqpacket peer's `SHUT_WR`) gives `POLLIN` and `POLLRDHUP`; its own
    /// `SHUT_WR` alone nothing; both, `POLLHUP`. A datagram socket's shutdown touches only itself.
    @Test(arguments: UnixSocketType.allCases)
    func shutdownsReadHangUpAndBothSidesHangUp(type: UnixSocketType) throws {
        let pair = try Pair(type)
        try Syscall.shutdown(pair.a, how: CInt(SHUT_WR))
        #expect(try poll(pair.a) == [.output])
        #expect(try poll(pair.b) == (type == .dgram ? [.output] : [.input, .output, .readHangUp]))
        try Syscall.shutdown(pair.a, how: CInt(SHUT_RD))
        #expect(try poll(pair.a) == [.input, .output, .readHangUp, .hangUp])
        #expect(try poll(pair.b) == (type == .dgram ? [.output] : [.input, .output, .readHangUp, .hangUp]))
    }

    /// A listener is never writable; a waiting connection makes it readable until accepted. A connected client
    /// is writable before the accept.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenerIsReadableWhileAConnectionWaitsAndNeverWritable(type: UnixSocketType) throws {
        let address = UnixAddress.abstract("ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-poll")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 2)
        defer { try? Syscall.close(listener) }
        #expect(try poll(listener) == [])
        guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
            Issue.record("connect would block")
            return
        }
        defer { try? Syscall.close(client) }
        #expect(try poll(listener) == [.input])
        #expect(try poll(client) == [.output])
        guard case .completed(let server) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("accept would block")
            return
        }
        defer { try? Syscall.close(server) }
        #expect(try poll(listener) == [])
        #expect(try poll(server) == [.output])
    }

    /// A blocking poll with something ready returns at once; a positive timeout with nothing ready returns nothing.
    @Test func aBlockingPollReturnsWhatIsReadyAndATimedOneNothingWhenNothingIs() throws {
        let pair = try Pair(.stream)
        #expect(try KernelUnixSocket.poll(pair.b, events: [.input], timeout: 1) == [])
        #expect(try KernelUnixSocket.send(pair.a, Array("x".utf8), nonblocking: true) == .completed(1))
        #expect(try KernelUnixSocket.poll(pair.b, events: [.input], timeout: -1) == [.input])
    }
}
