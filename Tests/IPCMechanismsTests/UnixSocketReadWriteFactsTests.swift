import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `read`, `readv`, `write` and `writev` on Unix sockets, measured on this kernel (6.18; a C probe first) against
/// `recv`/`send` with no flags, on every type — what `UnixSocketModel+ReadWrite` models:
/// - nothing asked, nothing done: a 0-byte `read`/`readv` returns 0 and takes nothing (a datagram or record stays,
///   where `recv` of 0 bytes takes it), on a listener, an unconnected socket or one shut for reading too; a 0-byte
///   `writev` returns 0 and sends nothing, even with no peer or a closed one, where a 0-byte `write` is a send of 0
///   bytes (an empty datagram or record; a stream's `EPIPE`, `ENOTCONN`);
/// - more than `IOV_MAX` (1024) buffers `EINVAL`, on a listener too;
/// - a `writev` is one datagram or record, a `readv` fills its buffers in order from one; a longer one is cut silently;
/// - a listener's or an unconnected socket's `read` fails as its `recv` (stream `EINVAL`, seqpacket `ENOTCONN`), its
///   `write` `ENOTCONN`;
/// - `SIGPIPE` comes with a stream's `EPIPE` only: a seqpacket write to a closed peer fails `EPIPE` without it (a
///   surprise: `unix_dgram_sendmsg`, which seqpacket sends go through, never raises it);
/// - a read takes a message's descriptors and closes them (it has no control buffer);
/// - `FIONREAD` is `SIOCINQ` (the same request number).
@Suite struct UnixSocketReadWriteFactsTests {
    /// What a call answered: its bytes (as text), its count, or its error's name.
    enum Answer: Equatable, CustomStringConvertible {
        case bytes(String), count(Int), error(String)

        var description: String {
            switch self {
            case .bytes(let text): "\"\(text)\""
            case .count(let count): "\(count)"
            case .error(let name): name
            }
        }
    }

    static func answer<T>(_ body: () throws(Errno) -> T, _ map: (T) -> Answer) -> Answer {
        do throws(Errno) { return map(try body()) } catch { return .error(error.name) }
    }

    /// `read` of up to `max` bytes (`readv` when `sizes` are given).
    static func read(_ socket: FileDescriptor, _ max: Int, sizes: [Int]? = nil) -> Answer {
        if let sizes {
            return answer({ () throws(Errno) in try Syscall.read(socket, sizes: sizes, retryOnInterrupt: false) }) {
                .bytes(String(decoding: $0, as: UTF8.self))
            }
        }
        var buffer = [UInt8](repeating: 0, count: max)
        return answer({ () throws(Errno) in
            try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                try Syscall.read(socket, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: false)
            }
        }) { .bytes(String(decoding: buffer[..<$0], as: UTF8.self)) }
    }

    /// `write` of `text` (`writev` of `pieces` when given).
    static func write(_ socket: FileDescriptor, _ text: String, pieces: [String]? = nil) -> Answer {
        if let pieces {
            return answer({ () throws(Errno) in try Syscall.write(socket, pieces: pieces.map { Array($0.utf8) }, retryOnInterrupt: false) }) {
                .count($0)
            }
        }
        var bytes = Array(text.utf8)
        return answer({ () throws(Errno) in
            try bytes.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                try Syscall.write(socket, UnsafeRawBufferPointer(raw), retryOnInterrupt: false)
            }
        }) { .count($0) }
    }

    /// A nonblocking receive of up to 64 bytes with no flags but `MSG_DONTWAIT`.
    static func receive(_ socket: FileDescriptor, _ max: Int = 64) -> Answer {
        answer({ () throws(Errno) in try Syscall.receiveMessage(socket, maximum: max, flags: Syscall.MessageFlags.dontWait, retryOnInterrupt: false) }) {
            .bytes(String(decoding: $0.data, as: UTF8.self))
        }
    }

    @Test(arguments: UnixSocketType.allCases)
    func aZeroByteReadTakesNothingWhereAZeroByteReceiveTakesAMessage(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        #expect(Self.write(pair.a, "hello") == .count(5))
        #expect(Self.read(pair.b, 0) == .bytes(""))
        #expect(Self.read(pair.b, 0, sizes: [0, 0]) == .bytes(""))
        #expect(Self.read(pair.b, 0, sizes: []) == .bytes(""))
        #expect(try Syscall.socketInputQueue(pair.b) == 5)
        #expect(Self.receive(pair.b, 0) == .bytes(""))
        // recv of 0 bytes takes a datagram or record whole; a stream's takes nothing.
        #expect(Self.receive(pair.b) == (type == .stream ? .bytes("hello") : .error("EAGAIN")))
    }

    @Test(arguments: UnixSocketType.allCases)
    func aZeroByteWritevSendsNothingWhereAZeroByteWriteSends(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        #expect(Self.write(pair.a, "") == .count(0))
        #expect(Self.receive(pair.b) == (type == .stream ? .error("EAGAIN") : .bytes("")))  // an empty datagram or record
        #expect(Self.write(pair.a, "", pieces: [""]) == .count(0))
        #expect(Self.write(pair.a, "", pieces: []) == .count(0))
        #expect(Self.receive(pair.b) == .error("EAGAIN"))
        try pair.closeA()
        // The peer gone: a 0-byte writev still reaches no socket; a 0-byte write is a send.
        #expect(Self.write(pair.b, "", pieces: [""]) == .count(0))
        #expect(Self.write(pair.b, "") == .error(type == .dgram ? "ECONNREFUSED" : "EPIPE"))
        let unconnected = try Syscall.unixSocket(type)
        defer { try? Syscall.close(unconnected) }
        #expect(Self.write(unconnected, "", pieces: [""]) == .count(0))
        #expect(Self.write(unconnected, "") == .error("ENOTCONN"))
        #expect(Self.write(unconnected, "x") == .error("ENOTCONN"))
    }

    @Test(arguments: UnixSocketType.allCases)
    func aWritevIsOneMessageAndAReadvFillsItsBuffersFromOne(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        #expect(Self.write(pair.a, "", pieces: ["ab", "cd", "ef"]) == .count(6))
        #expect(Self.write(pair.a, "gh") == .count(2))
        #expect(Self.read(pair.b, 64) == .bytes(type == .stream ? "abcdefgh" : "abcdef"))
        if type != .stream { #expect(Self.read(pair.b, 64) == .bytes("gh")) }
        #expect(Self.write(pair.a, "hello") == .count(5))
        #expect(Self.read(pair.b, 0, sizes: [2, 2]) == .bytes("hell"))
        // A longer datagram or record is cut silently: its tail is gone.
        #expect(Self.receive(pair.b) == (type == .stream ? .bytes("o") : .error("EAGAIN")))
        #expect(Self.write(pair.a, "hello") == .count(5))
        #expect(Self.read(pair.b, 2) == .bytes("he"))
        #expect(Self.receive(pair.b) == (type == .stream ? .bytes("llo") : .error("EAGAIN")))
    }

    @Test(arguments: UnixSocketType.allCases)
    func moreThanIOVMaxBuffersFailEINVAL(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        let many = [String](repeating: "x", count: 1025)
        #expect(Self.write(pair.a, "", pieces: many) == .error("EINVAL"))
        #expect(Self.read(pair.b, 0, sizes: [Int](repeating: 1, count: 1025)) == .error("EINVAL"))
        #expect(Self.write(pair.a, "", pieces: Array(many.dropLast())) == .count(1024))
        #expect(Self.read(pair.b, 0, sizes: [Int](repeating: 1, count: 1024)) == .bytes(String(repeating: "x", count: 1024)))
        guard type != .dgram else { return }
        let listener = try KernelUnixSocket.listener(type, at: uniqueAbstractAddress("iovmax"), backlog: 1)
        defer { try? Syscall.close(listener) }
        #expect(Self.read(listener, 0, sizes: [Int](repeating: 1, count: 1025)) == .error("EINVAL"))
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenerReadsAsItReceivesAndWritesENOTCONN(type: UnixSocketType) throws {
        let listener = try KernelUnixSocket.listener(type, at: uniqueAbstractAddress("read-listener"), backlog: 1)
        defer { try? Syscall.close(listener) }
        try Syscall.setNonblocking(listener, true)
        let expected = type == .stream ? "EINVAL" : "ENOTCONN"
        #expect(Self.read(listener, 64) == .error(expected))
        #expect(Self.receive(listener) == .error(expected))
        #expect(Self.read(listener, 0) == .bytes(""))
        #expect(Self.write(listener, "x") == .error("ENOTCONN"))
        #expect(Self.write(listener, "") == .error("ENOTCONN"))
        #expect(Self.write(listener, "", pieces: [""]) == .count(0))
    }

    @Test(arguments: UnixSocketType.allCases)
    func anUnconnectedOrShutSocketReadsAsItReceives(type: UnixSocketType) throws {
        let unconnected = try Syscall.unixSocket(type)
        defer { try? Syscall.close(unconnected) }
        try Syscall.setNonblocking(unconnected, true)
        let expected = ["stream": "EINVAL", "dgram": "EAGAIN", "seqpacket": "ENOTCONN"][type.rawValue]!
        #expect(Self.read(unconnected, 64) == .error(expected))
        #expect(Self.receive(unconnected) == .error(expected))
        #expect(Self.read(unconnected, 0) == .bytes(""))
        let pair = try OwnedSocketPair(type)
        try Syscall.shutdown(pair.b, how: 0)  // SHUT_RD
        try Syscall.setNonblocking(pair.b, true)
        // Shut for reading, an empty queue: end of file, but a datagram socket's nonblocking read EAGAIN (as recv).
        #expect(Self.read(pair.b, 64) == (type == .dgram ? .error("EAGAIN") : .bytes("")))
        #expect(Self.read(pair.b, 0) == .bytes(""))
        #expect(Self.read(pair.b, 64) == (type == .dgram ? .error("EAGAIN") : .bytes("")))
    }

    @Test(arguments: UnixSocketType.allCases)
    func aNonblockingDescriptionsReadAndWriteFailEAGAIN(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        try Syscall.setNonblocking(pair.b, true)
        #expect(Self.read(pair.b, 64) == .error("EAGAIN"))
        #expect(Self.read(pair.b, 0, sizes: [4, 4]) == .error("EAGAIN"))
        try Syscall.setNonblocking(pair.a, true)
        var sent = 0
        while case .count(let count) = Self.write(pair.a, String(repeating: "x", count: 4096)), count > 0 { sent += count }
        #expect(sent > 0)
        #expect(Self.write(pair.a, "x") == .error("EAGAIN"))
    }

    /// `SIGPIPE` held blocked on this thread (a `write` sends it to the writing thread), then taken.
    @Test(arguments: UnixSocketType.allCases)
    func onlyAStreamsBrokenPipeRaisesSIGPIPE(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        try pair.closeA()
        // Taken after each write: a second standard SIGPIPE pending would merge with the first.
        let taken = try BlockedIOSignals.withBlocked([SIGPIPE]) {
            #expect(Self.write(pair.b, "x") == .error(type == .dgram ? "ECONNREFUSED" : "EPIPE"))
            let first = BlockedIOSignals.takeAll([SIGPIPE]).count
            #expect(Self.write(pair.b, "x") == .error(type == .dgram ? "ENOTCONN" : "EPIPE"))
            return [first, BlockedIOSignals.takeAll([SIGPIPE]).count]
        }
        #expect(taken == (type == .stream ? [1, 1] : [0, 0]), "SIGPIPEs pending after each write: \(taken)")
    }

    /// `FIONREAD` is `SIOCINQ`'s number, so the same answer: a stream's or seqpacket socket's unread bytes, a datagram
    /// socket's first datagram's length.
    @Test(arguments: UnixSocketType.allCases)
    func fionreadIsSIOCINQ(type: UnixSocketType) throws {
        #expect(FIONREAD == 0x541B)
        let pair = try OwnedSocketPair(type)
        #expect(Self.write(pair.a, "hello") == .count(5))
        #expect(Self.write(pair.a, "ab") == .count(2))
        var unread: CInt = -1
        #expect(ioctl(pair.b.rawValue, UInt(FIONREAD), &unread) == 0)
        #expect(unread == (type == .dgram ? 5 : 7))
        #expect(try Syscall.socketInputQueue(pair.b) == Int(unread))
    }

    @Test(arguments: UnixSocketType.allCases)
    func aReadClosesTheDescriptorsItTakes(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        let pipe = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        defer { try? Syscall.close(pipe.read) }
        do {
            defer { try? Syscall.close(pipe.write) }
            #expect(try Syscall.sendMessage(pair.a, Array("fd".utf8), descriptors: [pipe.write]) == 2)
        }
        #expect(Self.read(pair.b, 64) == .bytes("fd"))
        // The passed write end was the last: closed by the read, the pipe reads end of file.
        #expect(Self.read(pipe.read, 1) == .bytes(""))
    }
}
