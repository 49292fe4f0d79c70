import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `MSG_OOB` on Unix sockets, measured on this kernel (6.18, `CONFIG_AF_UNIX_OOB`), after the kernel's own selftest
/// (`tools/testing/selftests/net/af_unix/msg_oob.c`). A stream send with `MSG_OOB` queues all but its last byte as
/// ordinary data and the last byte as the out-of-band byte (the "mark"); the receiver's `recv(MSG_OOB)` takes it.
/// What a model must know: where ordinary reads stop, which byte `MSG_OOB` returns, what a second mark does to the
/// first, `SIOCATMARK`, `SO_OOBINLINE`, `POLLPRI`, and that datagram and seqpacket sockets refuse the flag.
@Suite struct UnixSocketOutOfBandFactsTests {
    /// A nonblocking receive: the bytes, or the errno's name.
    static func receive(_ socket: FileDescriptor, _ maximum: Int, oob: Bool = false, peek: Bool = false) -> String {
        do {
            guard
                case .completed(let message) = try KernelUnixSocket.receive(
                    socket, maximum: maximum, nonblocking: true, peek: peek, outOfBand: oob, retryOnInterrupt: false)
            else { return "EAGAIN" }
            return String(decoding: message.data, as: UTF8.self)
                + (message.length == message.data.count ? "" : "#\(message.length)")
        } catch { return name(error) }
    }

    static func send(_ socket: FileDescriptor, _ text: String, oob: Bool = true) -> String {
        do {
            guard
                case .completed(let count) = try KernelUnixSocket.send(
                    socket, Array(text.utf8), nonblocking: true, outOfBand: oob, retryOnInterrupt: false)
            else { return "EAGAIN" }
            return "\(count)"
        } catch { return name(error) }
    }

    static func name(_ error: Errno) -> String {
        switch error.rawValue {
        case EINVAL: "EINVAL"
        case EOPNOTSUPP: "EOPNOTSUPP"
        default: "errno \(error.rawValue)"
        }
    }

    static func atMark(_ socket: FileDescriptor) throws -> Bool { try Syscall.socketAtMark(socket) == 1 }

    static func priority(_ socket: FileDescriptor) throws -> Bool {
        try KernelUnixSocket.poll(socket, events: [.input, .priority], timeout: 0).contains(.priority)
    }

    /// Held off from spawns: a worker a scenario test spawns meanwhile would hold a copy of the pair for a moment,
    /// and a close here would then not be the last (no reset).
    static func withPair(_ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            try body(a, b)
        }
    }

    /// "hello" with `MSG_OOB`: 5 sent; `POLLPRI`; the OOB byte is "o", and an ordinary read stops before it even
    /// with room for 5 ("hell"); `SIOCATMARK` is then 1; once "o" is taken the mark stays until it is passed.
    @Test func theLastByteIsOutOfBandAndReadsStopAtIt() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(try Self.priority(b))
            #expect(try !Self.atMark(b))
            #expect(Self.receive(b, 5, peek: true) == "hell")
            #expect(Self.receive(b, 5) == "hell")
            #expect(try Self.atMark(b) && Self.priority(b))
            #expect(Self.receive(b, 1, oob: true, peek: true) == "o")
            #expect(Self.receive(b, 1, oob: true) == "o")
            #expect(try Self.atMark(b) && !Self.priority(b))
            #expect(Self.receive(b, 1, oob: true) == "EINVAL")
            #expect(Self.receive(b, 5) == "EAGAIN")
            #expect(try !Self.atMark(b))
        }
    }

    /// Taken before the bytes ahead of it: the ordinary read still stops where it was ("hell" of "hell"+"world"
    /// with room for 9), and the next one reads "world".
    @Test func aTakenMarkStillStopsAReadAfterData() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.send(a, "world", oob: false) == "5")
            #expect(Self.receive(b, 1, oob: true) == "o")
            #expect(try !Self.atMark(b) && !Self.priority(b))
            #expect(Self.receive(b, 9, peek: true) == "hell")
            #expect(Self.receive(b, 9) == "hell")
            #expect(try Self.atMark(b))
            #expect(Self.receive(b, 9) == "world")
            #expect(try !Self.atMark(b))
        }
    }

    /// Not taken: an ordinary read at the mark passes over the OOB byte (it is gone: `MSG_OOB` then `EINVAL`);
    /// alone in the queue, the read drops it and fails `EAGAIN` (`POLLIN` was reported for it).
    @Test func anOrdinaryReadAtTheMarkDropsTheByte() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.send(a, "world", oob: false) == "5")
            #expect(Self.receive(b, 10) == "hell")
            #expect(Self.receive(b, 10, peek: true) == "world")
            #expect(try Self.atMark(b) && Self.priority(b))
            #expect(Self.receive(b, 10) == "world")
            #expect(try !Self.priority(b))
            #expect(Self.receive(b, 1, oob: true) == "EINVAL")
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "x") == "1")
            #expect(try Self.atMark(b))
            #expect(try KernelUnixSocket.poll(b, events: [.input], timeout: 0) == [.input])
            #expect(Self.receive(b, 1, peek: true) == "EAGAIN")
            #expect(Self.receive(b, 1) == "EAGAIN")
            #expect(try !Self.atMark(b) && !Self.priority(b))
            #expect(try KernelUnixSocket.poll(b, events: [.input], timeout: 0) == [])
            #expect(Self.receive(b, 1, oob: true) == "EINVAL")
        }
    }

    /// A taken OOB byte leaves its (empty) buffer queued: `POLLIN` while it is, `SIOCINQ` 0, `SIOCATMARK` 1; the
    /// receiver's close with only that buffer queued leaves its peer no `ECONNRESET` (end of file).
    @Test func aTakenByteLeavesAnEmptyBuffer() throws {
        // The receiver is the pair's `a`, which the test closes early (through the pair, never twice).
        let pair = try OwnedSocketPair(.stream)
        #expect(Self.send(pair.b, "x") == "1")
        #expect(try Syscall.socketInputQueue(pair.a) == 1)
        #expect(Self.receive(pair.a, 1, oob: true) == "x")
        #expect(try Syscall.socketInputQueue(pair.a) == 0)
        #expect(try KernelUnixSocket.poll(pair.a, events: [.input], timeout: 0) == [.input])
        #expect(try Self.atMark(pair.a))
        try pair.closeA()
        #expect(Self.receive(pair.b, 1) == "")
    }

    /// `SIOCINQ` counts the OOB byte until `MSG_OOB` takes it (5, then 4 of "hello"); an ordinary read that passes
    /// over it and drops it leaves it counted, for good: 1 too many after "hell" and "world" were read (0 bytes
    /// left), 2 with "z" sent, 1 once "z" was read (this kernel's `inq_len` is not lowered for a dropped byte).
    @Test func theInputQueueCountsTheByte() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(try Syscall.socketInputQueue(b) == 5)
            #expect(Self.receive(b, 1, oob: true) == "o")
            #expect(try Syscall.socketInputQueue(b) == 4)
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.send(a, "world", oob: false) == "5")
            #expect(Self.receive(b, 10) == "hell")
            #expect(try Syscall.socketInputQueue(b) == 6)
            #expect(Self.receive(b, 10) == "world")
            #expect(try Syscall.socketInputQueue(b) == 1)
            #expect(Self.send(a, "z", oob: false) == "1")
            #expect(try Syscall.socketInputQueue(b) == 2)
            #expect(Self.receive(b, 10) == "z")
            #expect(try Syscall.socketInputQueue(b) == 1)
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "x") == "1")
            #expect(Self.receive(b, 1) == "EAGAIN")
            #expect(try Syscall.socketInputQueue(b) == 1)
        }
    }

    /// A second mark before the first is read: the first OOB byte becomes ordinary data ("hellowo" read up to the
    /// new mark), and `MSG_OOB` returns the newer one ("r").
    @Test func aNewMarkTurnsTheOldByteIntoData() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.send(a, "wor") == "3")
            #expect(Self.send(a, "ld", oob: false) == "2")
            #expect(Self.receive(b, 10) == "hellowo")
            #expect(try Self.atMark(b))
            #expect(Self.receive(b, 1, oob: true) == "r")
            #expect(Self.receive(b, 2) == "ld")
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "x") == "1")
            #expect(Self.send(a, "y") == "1")
            #expect(try !Self.atMark(b))
            #expect(Self.receive(b, 1, oob: true) == "y")
            #expect(Self.receive(b, 1) == "x")
            #expect(try Self.atMark(b))
            #expect(Self.receive(b, 1) == "EAGAIN")
        }
        // A taken mark between two others: a read passes over it while a newer mark is pending ("hellowol").
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.send(a, "wor") == "3")
            #expect(Self.receive(b, 1, oob: true) == "r")
            #expect(Self.send(a, "ld") == "2")
            #expect(Self.receive(b, 10) == "hellowol")
            #expect(Self.receive(b, 1, oob: true) == "d")
        }
        // A taken mark with a newer one pending: a read stops at the taken one when it has data (SIOCATMARK 0).
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.receive(b, 1, oob: true) == "o")
            #expect(Self.send(a, "world") == "5")
            #expect(Self.receive(b, 4) == "hell")
            #expect(try !Self.atMark(b) && Self.priority(b))
            #expect(Self.receive(b, 10) == "worl")
        }
    }

    /// `SO_OOBINLINE`: `MSG_OOB` fails `EINVAL` while the byte is read as data, a read still stopping before it.
    @Test func inlineTheByteIsData() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            try Syscall.setSocketOption(b, SO_OOBINLINE, 1)
            #expect(try Syscall.socketOption(b, SO_OOBINLINE) == 1)
            #expect(Self.send(a, "hello") == "5")
            #expect(Self.receive(b, 1, oob: true) == "EINVAL")
            #expect(try Self.priority(b))
            #expect(Self.receive(b, 5) == "hell")
            #expect(try Self.atMark(b))
            #expect(Self.receive(b, 5, peek: true) == "o")
            #expect(Self.receive(b, 5) == "o")
            #expect(try !Self.atMark(b) && !Self.priority(b))
        }
        // Read at the mark, the inline byte goes on into the data after it.
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            try Syscall.setSocketOption(b, SO_OOBINLINE, 1)
            #expect(Self.send(a, "x") == "1")
            #expect(Self.send(a, "yz", oob: false) == "2")
            #expect(Self.receive(b, 5) == "xyz")
        }
    }

    /// A peek at a `SO_PEEK_OFF` offset skips buffers without looking at the mark: at 4 of "hello" it returns the
    /// out-of-band "o" (and the offset moves on to 5); a 0-byte peek that passes a last byte fails `EAGAIN`.
    @Test func peeksPastTheMark() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "hello") == "5")
            try Syscall.setSocketOption(b, SO_PEEK_OFF, 4)
            #expect(Self.receive(b, 5, peek: true) == "o")
            #expect(try Syscall.socketOption(b, SO_PEEK_OFF) == 5)
            #expect(Self.receive(b, 1, oob: true) == "o")
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "ab") == "2")
            #expect(Self.receive(b, 0, peek: true) == "EAGAIN")
            #expect(Self.receive(b, 0) == "")
        }
    }

    /// A stream listener: `SIOCATMARK`, `MSG_OOB` receives and sends, idle and with a connection waiting; and an
    /// accepted connection, which carries `MSG_OOB` as a pair does.
    @Test func aListenerAndItsConnections() throws {
        let address = uniqueAbstractAddress("oob")
        let listener = try KernelUnixSocket.listener(.stream, at: address, backlog: 2)
        defer { try? Syscall.close(listener) }
        #expect(try Syscall.socketAtMark(listener) == 0)
        #expect(Self.receive(listener, 1, oob: true) == "EINVAL")
        #expect(Self.send(listener, "x") == "errno \(ENOTCONN)")
        guard case .completed(let client) = try KernelUnixSocket.connect(.stream, to: address, nonblocking: true) else {
            Issue.record("no connection")
            return
        }
        defer { try? Syscall.close(client) }
        let waiting = try Syscall.socketAtMark(listener)
        #expect(waiting == 1, "SIOCATMARK \(waiting) with a connection waiting")
        #expect(Self.receive(listener, 1, oob: true) == "EINVAL")
        #expect(Self.send(client, "ab") == "2")
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("nothing to accept")
            return
        }
        defer { try? Syscall.close(accepted) }
        #expect(try Syscall.socketAtMark(listener) == 0)
        #expect(try Self.priority(accepted))
        #expect(Self.receive(accepted, 2) == "a")
        #expect(Self.receive(accepted, 1, oob: true) == "b")
    }

    /// `select`'s exceptional set reports the socket while the out-of-band byte waits (`POLLPRI`), not once it was
    /// taken (its empty buffer still makes it readable) nor on a datagram or seqpacket socket.
    @Test func selectsExceptionalSet() throws {
        func exceptional(_ socket: FileDescriptor) throws -> (readable: Bool, writable: Bool, exceptional: Bool) {
            try Syscall.select(socket, read: true, write: false, exceptional: true, timeoutMilliseconds: 0)
        }
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(try exceptional(b) == (false, false, false))
            #expect(Self.send(a, "x") == "1")
            #expect(try exceptional(b) == (true, false, true))
            #expect(Self.receive(b, 1, oob: true) == "x")
            #expect(try exceptional(b) == (true, false, false))
        }
        for type in [UnixSocketType.dgram, .seqpacket] {
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            #expect(Self.send(a, "x", oob: false) == "1")
            #expect(try exceptional(b) == (true, false, false))
        }
    }

    /// `MSG_OOB` with a 0-byte buffer still takes the byte (returns 1); a send of 0 bytes fails `EOPNOTSUPP`;
    /// datagram and seqpacket sockets refuse the flag both ways (`EOPNOTSUPP`), and `SIOCATMARK` too.
    @Test func edges() throws {
        try Self.withPair { (a: FileDescriptor, b: FileDescriptor) throws in
            #expect(Self.send(a, "") == "EOPNOTSUPP")
            #expect(Self.send(a, "x") == "1")
            #expect(Self.receive(b, 0, oob: true) == "#1")
            #expect(Self.receive(b, 1, oob: true) == "EINVAL")
        }
        for type in [UnixSocketType.dgram, .seqpacket] {
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            #expect(Self.send(a, "x") == "EOPNOTSUPP")
            #expect(Self.send(a, "x", oob: false) == "1")
            #expect(Self.receive(b, 1, oob: true) == "EOPNOTSUPP")
            #expect(try !Self.priority(b))
            #expect(errorName { _ = try Syscall.socketAtMark(b) } == "EOPNOTSUPP")
        }
    }
}
