import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `F_SETOWN`, `F_SETSIG` and `O_ASYNC` on Unix sockets and the I/O signals they bring, measured on this kernel (6.18)
/// for the `unix-socket` model (`UnixSocketModel+Owner`, `+Async`). As in `UnixSocketUrgentSignalFactsTests`, the
/// owner is this test's thread (`F_OWNER_TID`), which keeps the signals blocked and takes them with a zero-timeout
/// `sigtimedwait`; one thread does everything, so no reader is ever asleep in a receive (a C probe with a second
/// thread asleep in `recv` measured that a stream's `POLL_IN` and `POLL_HUP` are then not sent — `SOCKWQ_ASYNC_WAITDATA`
/// — while a datagram or seqpacket socket's are).
@Suite struct UnixSocketAsyncFactsTests {
    static var realtime: Int { Int(Syscall.realtimeSignalMinimum) }
    static var signals: [CInt] { [SIGURG, SIGIO, CInt(realtime), CInt(realtime + 1)] }

    /// Every signal taken, as [number, si_code, si_band].
    /// What is pending, the first `awaiting` waited for (a close's signal may come late: `BlockedIOSignals.takeAll`).
    static func takeAll(awaiting: Int = 0) -> [[Int]] {
        BlockedIOSignals.takeAll(signals, awaiting: awaiting).map { [Int($0.signal), Int($0.code), $0.band] }
    }

    static let sigio = [Int(SIGIO), 0x80, 0]
    static var dataIn: [Int] { [realtime, 1, 0x41] }
    static var hangUp: [Int] { [realtime, 6, 0x18] }

    /// Makes this thread `socket`'s owner, with `signal` (`F_SETSIG`) and `O_ASYNC` as given.
    static func own(_ socket: FileDescriptor, signal: Int, async: Bool = true) throws {
        try Syscall.setOwnerEx(socket, type: 0, id: OSThread.currentID)
        try Syscall.setIOSignal(socket, CInt(signal))
        let flags = try Syscall.statusFlags(socket)
        try Syscall.setStatusFlags(socket, async ? flags | O_ASYNC : flags & ~O_ASYNC)
    }

    static func send(_ socket: FileDescriptor, _ count: Int) throws -> Int {
        guard case .completed(let sent) = try KernelUnixSocket.send(socket, [UInt8](repeating: 7, count: count), nonblocking: true)
        else { return -1 }
        return sent
    }

    /// Receives everything queued (nonblocking).
    static func drain(_ socket: FileDescriptor) throws {
        while case .completed(let message) = try KernelUnixSocket.receive(socket, maximum: 1 << 18, nonblocking: true), !message.data.isEmpty {}
    }

    static func withPair(_ type: UnixSocketType, _ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        try BlockedIOSignals.withBlocked(signals) {
            try Syscall.withoutConcurrentSpawns { () throws in
                let (a, b) = try KernelUnixSocket.pair(type)
                defer { for socket in [a, b] { try? Syscall.close(socket) } }
                try body(a, b)
            }
        }
    }

    /// A socket starts with no owner (`{F_OWNER_TID, 0}`), signal 0 and no `O_ASYNC`; each end's owner is its own.
    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func theOwnerIsEachSocketsOwn(type: UnixSocketType) throws {
        try Self.withPair(type) { a, b in
            #expect(try Syscall.owner(b) == 0)
            let owner = try Syscall.ownerEx(b)
            #expect(owner.type == 0 && owner.id == 0)
            #expect(try Syscall.ioSignal(b) == 0 && Syscall.statusFlags(b) & O_ASYNC == 0)
            try Syscall.setOwner(a, getpid())
            #expect(try Syscall.owner(b) == 0 && Syscall.owner(a) == getpid())
        }
    }

    /// `ioctl(FIOASYNC)` sets and clears `O_ASYNC` as `F_SETFL` does (any value but 0 sets it).
    @Test func fioasyncIsOAsync() throws {
        try Self.withPair(.stream) { a, b in
            try Self.own(b, signal: 0, async: false)
            try Syscall.setAsyncByIoctl(b, true)
            #expect(try Syscall.statusFlags(b) & O_ASYNC != 0)
            #expect(try Self.send(a, 1) == 1 && Self.takeAll() == [Self.sigio])
            try Syscall.setAsyncByIoctl(b, false)
            #expect(try Syscall.statusFlags(b) & O_ASYNC == 0)
            #expect(try Self.send(a, 1) == 1 && Self.takeAll().isEmpty)
        }
    }

    /// Data queued to the owned socket: a plain `SIGIO` (`SI_KERNEL`, no band) for signal 0, queued once; `POLL_IN`
    /// (band 0x41) of a real-time signal per buffer — three for a 100000-byte stream send (36544-byte buffers) — and
    /// per datagram or record, an empty one too; nothing for a stream send of 0 bytes, nor for the socket's own send.
    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func dataArrivingSignalsTheReceiversOwner(type: UnixSocketType) throws {
        try Self.withPair(type) { a, b in
            try Self.own(b, signal: 0)
            #expect(try Self.send(b, 1) == 1 && Self.takeAll().isEmpty)
            #expect(try Self.send(a, 3) == 3 && Self.takeAll() == [Self.sigio])
            #expect(try Self.send(a, 3) == 3 && Self.send(a, 3) == 3 && Self.takeAll() == [Self.sigio])
            #expect(try Self.send(a, 0) == 0 && Self.takeAll() == (type == .stream ? [] : [Self.sigio]))
            try Self.own(b, signal: Self.realtime)
            #expect(try Self.send(a, 3) == 3 && Self.send(a, 3) == 3 && Self.takeAll() == [Self.dataIn, Self.dataIn])
            try Self.drain(b)
            #expect(Self.takeAll().isEmpty)
            if type == .stream {
                #expect(try Self.send(a, 100_000) == 100_000 && Self.takeAll() == Array(repeating: Self.dataIn, count: 3))
            }
        }
    }

    /// `POLL_OUT` (band 0x304) only after a send found no room with `O_ASYNC` on, once, at the first free that leaves
    /// the sender writable (not at every receive); the mark outlives `O_ASYNC` turned off and back on; an `EAGAIN`
    /// without `O_ASYNC` marks nothing.
    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func roomMadeAfterAFullSendSignalsTheSendersOwner(type: UnixSocketType) throws {
        let output = [Self.realtime + 1, 2, 0x304]
        let chunk = type == .stream ? 65536 : 2000
        try Self.withPair(type) { a, b in
            try Self.own(a, signal: Self.realtime + 1)
            #expect(try Self.send(a, 1) == 1)
            try Self.drain(b)
            #expect(Self.takeAll().isEmpty)
            while try Self.send(a, chunk) > 0 {}
            #expect(Self.takeAll().isEmpty)
            _ = try KernelUnixSocket.receive(b, maximum: 10, nonblocking: true)
            #expect(Self.takeAll().isEmpty)  // still not writable
            try Self.drain(b)
            #expect(Self.takeAll() == [output])
            // Off while the room comes, on again: the next free signals.
            while try Self.send(a, chunk) > 0 {}
            let flags = try Syscall.statusFlags(a)
            try Syscall.setStatusFlags(a, flags & ~O_ASYNC)
            try Self.drain(b)
            try Syscall.setStatusFlags(a, flags)
            #expect(try Self.send(a, 1) == 1)
            try Self.drain(b)
            #expect(Self.takeAll() == [output])
            // EAGAIN with O_ASYNC off: no mark.
            try Syscall.setStatusFlags(a, flags & ~O_ASYNC)
            while try Self.send(a, chunk) > 0 {}
            try Syscall.setStatusFlags(a, flags)
            try Self.drain(b)
            #expect(Self.takeAll().isEmpty)
        }
    }

    /// The peer's `SHUT_RD` sends nothing, its `SHUT_WR` `POLL_IN` (again each time), its `SHUT_RDWR` and its close
    /// `POLL_HUP` (band 0x18; a plain `SIGIO` for signal 0) on a stream or seqpacket socket, nothing on a datagram
    /// one; its own shutdown nothing. A full sender's peer closing: `POLL_HUP`, then `POLL_OUT` as its buffers go.
    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func thePeersShutdownAndCloseSignal(type: UnixSocketType) throws {
        let connected = type != .dgram
        try Self.withPair(type) { a, b in
            try Self.own(b, signal: Self.realtime)
            try Syscall.shutdown(a, how: CInt(SHUT_RD))
            #expect(Self.takeAll().isEmpty)
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(Self.takeAll() == (connected ? [Self.dataIn, Self.dataIn] : []))
            try Syscall.shutdown(b, how: CInt(SHUT_RDWR))
            #expect(Self.takeAll().isEmpty)
        }
        try Self.withPair(type) { a, b in
            try Self.own(b, signal: Self.realtime)
            try Syscall.shutdown(a, how: CInt(SHUT_RDWR))
            #expect(Self.takeAll() == (connected ? [Self.hangUp] : []))
        }
        try BlockedIOSignals.withBlocked(Self.signals) {
            try Syscall.withoutConcurrentSpawns { () throws in
                let (a, b) = try KernelUnixSocket.pair(type)
                defer { try? Syscall.close(b) }
                try Self.own(b, signal: 0)
                try Syscall.close(a)
                #expect(Self.takeAll(awaiting: connected ? 1 : 0) == (connected ? [Self.sigio] : []))
            }
            try Syscall.withoutConcurrentSpawns { () throws in
                let (a, b) = try KernelUnixSocket.pair(type)
                defer { try? Syscall.close(a) }
                try Self.own(a, signal: Self.realtime)
                while try Self.send(a, type == .stream ? 65536 : 2000) > 0 {}
                try Syscall.close(b)
                #expect(Self.takeAll(awaiting: connected ? 2 : 1) == (connected ? [Self.hangUp, [Self.realtime, 2, 0x304]] : [[Self.realtime, 2, 0x304]]))
            }
        }
    }

    /// A connection queued to an owned listener: `POLL_IN`; the accepted socket has no owner and no `O_ASYNC`.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aConnectionSignalsTheListenersOwner(type: UnixSocketType) throws {
        try BlockedIOSignals.withBlocked(Self.signals) {
            try Syscall.withoutConcurrentSpawns { () throws in
                let address = uniqueAbstractAddress("async-listener")
                let listener = try KernelUnixSocket.listener(type, at: address, backlog: 2)
                var sockets = [listener]
                defer { for socket in sockets { try? Syscall.close(socket) } }
                try Self.own(listener, signal: Self.realtime)
                guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                    Issue.record("the connect did not complete")
                    return
                }
                sockets.append(client)
                #expect(Self.takeAll() == [Self.dataIn])
                guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
                    Issue.record("nothing to accept")
                    return
                }
                sockets.append(accepted)
                #expect(Self.takeAll().isEmpty)
                let owner = try Syscall.ownerEx(accepted)
                #expect(try owner.type == 0 && owner.id == 0 && Syscall.statusFlags(accepted) & O_ASYNC == 0)
                #expect(try Self.send(client, 1) == 1 && Self.takeAll().isEmpty)
            }
        }
    }
}
