import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on a stream or seqpacket listener and its connections, measured on this kernel (6.18;
/// `unix_poll` and `unix_dgram_poll` on a listener alike: `EPOLLIN` while a connection waits, never `EPOLLOUT`). Connects and accepts are nonblocking; every
/// wait has a zero timeout. What is news for `EPOLLET` on the listener is a connection queued to it
/// (`unix_stream_connect` calls its `sk_data_ready`) and its own `shutdown` (`sk_state_change`); a refused connect
/// (`EAGAIN` of a full backlog, `ECONNREFUSED` once it is shut for reading), an accept and a `listen` again are not.
/// A client and an accepted socket are a connected pair's ends (`UnixSocketEpollFactsTests`): a client's send before
/// the accept goes to the socket waiting to be accepted (no news for the client), its receive there frees the buffer.
/// Held off from spawns (`withoutConcurrentSpawns`): a close here must be the last.
@Suite struct UnixSocketListenerEpollFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = UnixSocketEpollFactsTests.readNormal

    /// A listener (backlog 1) on a fresh abstract address, an epoll instance, and the sockets made, closed at the end.
    final class Fixture {
        let address = uniqueAbstractAddress("listener-epoll")
        let listener: FileDescriptor
        let instance: CInt
        var sockets: [FileDescriptor] = []
        private var listenerOpen = true

        let type: UnixSocketType

        init(_ type: UnixSocketType) throws {
            self.type = type
            listener = try KernelUnixSocket.listener(type, at: address, backlog: 1)
            do { instance = try KernelEpoll.create().rawValue } catch {
                try? Syscall.close(listener)
                throw error
            }
        }

        func ctl(_ operation: CInt, _ socket: FileDescriptor, _ events: Events) throws {
            try KernelEpoll.control(instance, operation, socket.rawValue, events: events)
        }

        func reported(_ socket: FileDescriptor) throws -> Events? {
            try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == socket.rawValue }?.events
        }

        /// A nonblocking connect: the client, or the error's name.
        func connect() -> Result<FileDescriptor, Errno> {
            Result { () throws(Errno) -> FileDescriptor in
                guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                    throw Errno.wouldBlock
                }
                sockets.append(client)
                return client
            }
        }

        /// A nonblocking accept: the new socket, or nil when none waits.
        func accept() throws -> FileDescriptor? {
            guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else { return nil }
            sockets.append(accepted)
            return accepted
        }

        /// Closes the listener now; the deinit will not close it again.
        func closeListener() throws {
            listenerOpen = false
            try Syscall.close(listener)
        }

        deinit {
            for socket in sockets { try? Syscall.close(socket) }
            if listenerOpen { try? Syscall.close(listener) }
            Glibc.close(instance)
        }
    }

    /// Level-triggered: `EPOLLIN|EPOLLRDNORM` while a connection waits (one more accepted leaves it while another
    /// waits), never `EPOLLOUT`; `SHUT_RD` adds `EPOLLIN|EPOLLRDHUP` with none waiting, `SHUT_WR` then `EPOLLHUP`.
    /// A connect after `SHUT_RD` is refused (`ECONNREFUSED`), one past the backlog `EAGAIN`.
    @Test(arguments: [UnixSocketType.stream, .seqpacket]) func levelTriggeredListenerReportsWaitingConnections(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            let listener = fixture.listener
            try fixture.ctl(KernelEpoll.add, listener, [.input, .output, .readHangUp, Self.readNormal])
            #expect(try fixture.reported(listener) == nil)
            #expect((try? fixture.connect().get()) != nil)
            #expect(try fixture.reported(listener) == [.input, Self.readNormal])
            #expect(try fixture.reported(listener) == [.input, Self.readNormal])
            #expect((try? fixture.connect().get()) != nil)
            #expect(fixture.connect().map { _ in 0 } == .failure(.wouldBlock))  // backlog 1: two wait
            #expect(try fixture.accept() != nil)
            #expect(try fixture.reported(listener) == [.input, Self.readNormal])
            #expect(try fixture.accept() != nil)
            #expect(try fixture.reported(listener) == nil)
            #expect(try fixture.accept() == nil)
            try Syscall.shutdown(listener, how: CInt(SHUT_RD))
            #expect(try fixture.reported(listener) == [.input, .readHangUp, Self.readNormal])
            #expect(fixture.connect().map { _ in 0 } == .failure(.connectionRefused))
            try Syscall.shutdown(listener, how: CInt(SHUT_WR))
            #expect(try fixture.reported(listener) == [.input, .readHangUp, .hangUp, Self.readNormal])
        }
    }

    /// `EPOLLET` on the listener: each connection queued is news; a connect refused (`EAGAIN`, `ECONNREFUSED`), an
    /// accept and `listen` again are not; its own `shutdown` is.
    @Test(arguments: [UnixSocketType.stream, .seqpacket]) func edgeTriggeredListenerHearsEachConnection(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            let listener = fixture.listener
            try fixture.ctl(KernelEpoll.add, listener, [.input, .output, .readHangUp, .edgeTriggered])
            #expect(try fixture.reported(listener) == nil)
            #expect((try? fixture.connect().get()) != nil)
            #expect(try fixture.reported(listener) == .input)
            #expect(try fixture.reported(listener) == nil)
            #expect((try? fixture.connect().get()) != nil)
            #expect(try fixture.reported(listener) == .input)
            #expect(fixture.connect().map { _ in 0 } == .failure(.wouldBlock))
            #expect(try fixture.reported(listener) == nil)
            #expect(try fixture.accept() != nil)
            #expect(try fixture.reported(listener) == nil)
            try Syscall.listen(listener, backlog: 3)
            #expect(try fixture.reported(listener) == nil)
            #expect((try? fixture.connect().get()) != nil)
            #expect(try fixture.reported(listener) == .input)
            try Syscall.shutdown(listener, how: CInt(SHUT_RD))
            #expect(try fixture.reported(listener) == [.input, .readHangUp])
            #expect(fixture.connect().map { _ in 0 } == .failure(.connectionRefused))
            #expect(try fixture.reported(listener) == nil)
            try Syscall.shutdown(listener, how: CInt(SHUT_WR))
            #expect(try fixture.reported(listener) == [.input, .readHangUp, .hangUp])
        }
    }

    /// `EPOLLET` on a client and its accepted socket: the client's send before the accept is no news for it, nor is
    /// the accept; the accepted socket's ADD reports the bytes waiting; its receive frees the client's buffer
    /// (`EPOLLOUT` news), its send is `EPOLLIN` news, its close `EPOLLHUP`; the listener's close changes nothing of
    /// an accepted connection.
    @Test(arguments: [UnixSocketType.stream, .seqpacket]) func edgeTriggeredClientAndAcceptedSocketAreAPairsEnds(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            guard let client = try? fixture.connect().get() else {
                Issue.record("no connection")
                return
            }
            try fixture.ctl(KernelEpoll.add, client, [.input, .output, .readHangUp, .edgeTriggered])
            #expect(try fixture.reported(client) == .output)
            #expect(try KernelUnixSocket.send(client, Array("abc".utf8), nonblocking: true) == .completed(3))
            #expect(try fixture.reported(client) == nil)
            guard let server = try fixture.accept() else {
                Issue.record("nothing to accept")
                return
            }
            #expect(try fixture.reported(client) == nil)
            try fixture.ctl(KernelEpoll.add, server, [.input, .output, .readHangUp, .edgeTriggered])
            #expect(try KernelEpoll.wait(fixture.instance, maxEvents: 16, timeoutMilliseconds: 0).map(\.descriptor) == [server.rawValue])
            guard case .completed(let message) = try KernelUnixSocket.receive(server, maximum: 10, nonblocking: true) else {
                Issue.record("nothing received")
                return
            }
            #expect(message.data == Array("abc".utf8))
            #expect(try fixture.reported(client) == .output)
            #expect(try KernelUnixSocket.send(server, Array("x".utf8), nonblocking: true) == .completed(1))
            #expect(try fixture.reported(client) == [.input, .output])
            try fixture.closeListener()
            #expect(try fixture.reported(client) == nil)
        }
    }

    /// A client whose connection still waits when the listener closes is reset: level-triggered it reports
    /// `EPOLLIN|EPOLLOUT|EPOLLERR|EPOLLHUP|EPOLLRDHUP`, and a receive then fails `ECONNRESET`, leaving `EPOLLERR` gone.
    @Test(arguments: [UnixSocketType.stream, .seqpacket]) func aWaitingClientIsResetByTheListenersClose(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            guard let client = try? fixture.connect().get() else {
                Issue.record("no connection")
                return
            }
            try fixture.ctl(KernelEpoll.add, client, [.input, .output, .readHangUp])
            #expect(try fixture.reported(client) == .output)
            try fixture.closeListener()
            #expect(try fixture.reported(client) == [.input, .output, .error, .hangUp, .readHangUp])
            #expect(errorName { _ = try KernelUnixSocket.receive(client, maximum: 10, nonblocking: true) } == "ECONNRESET")
            #expect(try fixture.reported(client) == [.input, .output, .hangUp, .readHangUp])
        }
    }
}
