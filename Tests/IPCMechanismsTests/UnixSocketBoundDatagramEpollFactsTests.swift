import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll` and `poll` on bound datagram sockets (a server that many clients `sendto`, or that clients `connect` to),
/// measured on this kernel (6.18; `unix_dgram_poll`, `unix_dgram_peer_wake_me`, `unix_dgram_peer_wake_relay`). The
/// receiver `r`, an unconnected sender `u` and a sender `c` connected to `r` are bound to abstract names; every call is
/// nonblocking and every wait has a zero timeout, on one instance holding the sockets the test names. What is new
/// beyond a pair (`UnixSocketDatagramEpollFactsTests`):
/// - the receiver hears each datagram (`EPOLLIN` news), from a `sendto` and from a connected sender alike;
/// - a connected sender is not writable (no `EPOLLOUT`, no `POLLOUT`) while its peer, not connected back, holds
///   `max_dgram_qlen` + 1 (11) datagrams: the queue limit; an unconnected sender is writable by its own send buffer only;
/// - `EPOLLOUT` news for a connected sender when its full peer takes a datagram another sent comes only if the sender
///   was polled (or its send failed `EAGAIN`) while the queue was full: `unix_dgram_peer_wake_me` then hooks it to the
///   peer's `peer_wait` and the peer's next receive relays the wake, once. Unpolled, there is no news: whether a wait
///   of another instance, or a `poll`, polled it, a trace does not tell;
/// - a `connect` or `AF_UNSPEC` of a socket that had a peer is `EPOLLOUT` news for it (`unix_dgram_peer_wake_disconnect_wakeup`),
///   to the same peer too; one without a peer is none;
/// - a peer connecting back makes a connected sender writable without waking it: `poll` reports `POLLOUT` at once, a
///   level-triggered registration dropped from the ready list (its last wait found it unwritable) nothing until
///   something wakes it or a `MOD` polls it;
/// - the receiver's close leaves a connected sender writable (its queue purged) with no `EPOLLERR` or `EPOLLHUP`,
///   its next send `ECONNREFUSED`, then `ENOTCONN`; news only if it was hooked to the receiver (or had datagrams queued).
/// Held off from spawns (`withoutConcurrentSpawns`): the receiver's close must be the last.
@Suite struct UnixSocketBoundDatagramEpollFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = UnixSocketEpollFactsTests.readNormal, writeNormal = UnixSocketEpollFactsTests.writeNormal

    final class Fixture {
        let addresses: (r: UnixAddress, u: UnixAddress, c: UnixAddress, other: UnixAddress)
        let r: FileDescriptor, u: FileDescriptor, c: FileDescriptor, other: FileDescriptor
        let instance: CInt
        var open: [FileDescriptor]

        init() throws {
            addresses = (uniqueAbstractAddress("r"), uniqueAbstractAddress("u"), uniqueAbstractAddress("c"), uniqueAbstractAddress("o"))
            r = try KernelUnixSocket.bound(.dgram, to: addresses.r)
            u = try KernelUnixSocket.bound(.dgram, to: addresses.u)
            c = try KernelUnixSocket.bound(.dgram, to: addresses.c)
            other = try KernelUnixSocket.bound(.dgram, to: addresses.other)
            instance = try KernelEpoll.create().rawValue
            open = [r, u, c, other, FileDescriptor(rawValue: instance)]
            try Syscall.connect(c, to: addresses.r)
        }

        deinit { for descriptor in open { try? Syscall.close(descriptor) } }

        func close(_ descriptor: FileDescriptor) throws {
            open.removeAll { $0 == descriptor }
            try Syscall.close(descriptor)
        }

        func ctl(_ operation: CInt, _ socket: FileDescriptor, _ events: Events) throws {
            try KernelEpoll.control(instance, operation, socket.rawValue, events: events)
        }

        /// The bits a zero-timeout wait reports for `socket` (nil: nothing reported for it).
        func reported(_ socket: FileDescriptor) throws -> Events? {
            try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == socket.rawValue }?.events
        }

        /// What one zero-timeout wait reports, by descriptor.
        func reports() throws -> [CInt: Events] {
            Dictionary(uniqueKeysWithValues: try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0).map { ($0.descriptor, $0.events) })
        }

        /// A nonblocking send (to `address` when given): "ok" or the error's name.
        func send(_ from: FileDescriptor, to address: UnixAddress? = nil, _ text: String = "x") -> String {
            errorName { _ = try Syscall.sendMessage(from, Array(text.utf8), to: address, flags: Syscall.MessageFlags.dontWait) }
        }

        /// A nonblocking receive (or peek): the datagram's text, or the error's name.
        func receive(_ on: FileDescriptor, peek: Bool = false) -> String {
            do {
                let flags = Syscall.MessageFlags.dontWait | (peek ? Syscall.MessageFlags.peek : 0)
                return String(decoding: try Syscall.receiveMessage(on, maximum: 16, flags: flags).data, as: UTF8.self)
            } catch {
                return error.name
            }
        }

        /// `poll` of `socket` asking `POLLIN | POLLOUT | POLLRDHUP` with a zero timeout: the events it reports.
        func polled(_ socket: FileDescriptor) throws -> Int16 {
            var descriptors = [pollfd(fd: socket.rawValue, events: Int16(POLLIN | POLLOUT) | Int16(0x2000), revents: 0)]
            _ = try Syscall.poll(&descriptors, timeoutMilliseconds: 0)
            return descriptors[0].revents
        }

        /// `u` sends to `r` until the queue limit refuses (`EAGAIN`): how many it queued.
        func fillReceiver() -> Int {
            var queued = 0
            while send(u, to: addresses.r) == "ok" && queued < 100 { queued += 1 }
            return queued
        }
    }

    /// Level-triggered on the receiver: `EPOLLIN` while a datagram is queued, from `u`'s `sendto` or `c`'s send;
    /// `EPOLLET`: each datagram is news, a receive is not.
    @Test func theReceiverHearsEachDatagram() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (r, u, c) = (fixture.r, fixture.u, fixture.c)
            try fixture.ctl(KernelEpoll.add, r, [.input, .output, Self.readNormal])
            #expect(try fixture.reported(r) == .output)
            #expect(fixture.send(u, to: fixture.addresses.r) == "ok")
            #expect(try fixture.reported(r) == [.input, .output, Self.readNormal])
            #expect(fixture.send(c) == "ok")
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(r) == [.input, .output, Self.readNormal])
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(r) == .output)
            try fixture.ctl(KernelEpoll.modify, r, [.input, .edgeTriggered])
            #expect(try fixture.reported(r) == nil)
            #expect(fixture.send(u, to: fixture.addresses.r) == "ok")
            #expect(try fixture.reported(r) == .input)
            #expect(try fixture.reported(r) == nil)
            #expect(fixture.send(c) == "ok")
            #expect(try fixture.reported(r) == .input)
            #expect(fixture.send(c) == "ok")
            #expect(fixture.send(u, to: fixture.addresses.r) == "ok")
            #expect(try fixture.reported(r) == .input)
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(r) == nil)
        }
    }

    /// The queue limit: `u` queues 11 datagrams, then `EAGAIN`; `c` (connected to `r`, which is not connected back)
    /// is then not writable for `epoll` nor `poll`, its send `EAGAIN`; `u` stays writable (its own send buffer). One
    /// receive makes `c` writable again; `r` connected back to `c` makes it writable however full `r` is.
    @Test func aConnectedSenderIsNotWritableWhileItsPeersQueueIsFull() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (r, u, c) = (fixture.r, fixture.u, fixture.c)
            try fixture.ctl(KernelEpoll.add, c, [.input, .output])
            try fixture.ctl(KernelEpoll.add, u, [.input, .output])
            #expect(try fixture.polled(c) == Int16(POLLOUT))
            #expect(fixture.fillReceiver() == 11)
            #expect(fixture.send(u, to: fixture.addresses.r) == "EAGAIN")
            #expect(try fixture.reported(c) == nil)
            #expect(try fixture.polled(c) == 0)
            #expect(try fixture.reported(u) == .output)
            #expect(try fixture.polled(u) == Int16(POLLOUT))
            #expect(fixture.send(c) == "EAGAIN")
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(c) == .output)
            #expect(try fixture.polled(c) == Int16(POLLOUT))
            #expect(fixture.send(u, to: fixture.addresses.r) == "ok")
            #expect(try fixture.reported(c) == nil)
            // r connected back: c is writable (poll says so at once), but nothing wakes c, and its level-triggered
            // registration, dropped from the ready list at the last wait, reports nothing until a MOD polls it again.
            try Syscall.connect(r, to: fixture.addresses.c)
            #expect(try fixture.polled(c) == Int16(POLLOUT))
            #expect(try fixture.reported(c) == nil)
            try fixture.ctl(KernelEpoll.modify, c, [.input, .output])
            #expect(try fixture.reported(c) == .output)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT` on `c`: registered (polled) while `r` is full, the next receive by `r` of a datagram
    /// `u` sent is news (relayed from `r`'s `peer_wait`) and `c` is writable then. A `MOD` while full hooks it again,
    /// and so does a send that fails `EAGAIN` on the full queue. A peek leaves the queue full: no report.
    @Test func aFullPeersReceiveIsNewsForASenderPolledWhileFull() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (r, c) = (fixture.r, fixture.c)
            #expect(fixture.fillReceiver() == 11)
            try fixture.ctl(KernelEpoll.add, c, [.output, .edgeTriggered])
            #expect(try fixture.reported(c) == nil)
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(c) == .output)
            #expect(fixture.send(fixture.u, to: fixture.addresses.r) == "ok")
            try fixture.ctl(KernelEpoll.modify, c, [.output, .edgeTriggered])
            #expect(try fixture.reported(c) == nil)
            #expect(fixture.receive(r, peek: true) == "x")
            #expect(try fixture.reported(c) == nil)
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(c) == .output)
            #expect(fixture.send(fixture.u, to: fixture.addresses.r) == "ok")
            #expect(fixture.send(c) == "EAGAIN")
            #expect(try fixture.reported(c) == nil)
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(c) == .output)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT` on `c`, registered and consumed before `r` was full, and not polled since: `r`'s
    /// receive of `u`'s datagram is no news (nothing hooked `c` to `r`), though `c` is then writable.
    @Test func aFullPeersReceiveIsNoNewsForASenderNotPolledWhileFull() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (r, c) = (fixture.r, fixture.c)
            try fixture.ctl(KernelEpoll.add, c, [.output, .edgeTriggered])
            #expect(try fixture.reported(c) == .output)
            #expect(fixture.fillReceiver() == 11)
            #expect(fixture.receive(r) == "x")
            #expect(try fixture.reported(c) == nil)
            try fixture.ctl(KernelEpoll.modify, c, [.output])
            #expect(try fixture.reported(c) == .output)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT` on `c`: a `connect` of it elsewhere, to the same peer again, and `AF_UNSPEC` while it
    /// has a peer are news each; `AF_UNSPEC` and a `connect` with no peer before are none.
    @Test func aConnectOrDisconnectOfASocketWithAPeerIsNews() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let c = fixture.c
            try fixture.ctl(KernelEpoll.add, c, [.output, .edgeTriggered])
            #expect(try fixture.reported(c) == .output)
            try Syscall.connect(c, to: fixture.addresses.other)
            #expect(try fixture.reported(c) == .output)
            try Syscall.connect(c, to: fixture.addresses.other)
            #expect(try fixture.reported(c) == .output)
            try Syscall.disconnect(c)
            #expect(try fixture.reported(c) == .output)
            try Syscall.disconnect(c)
            #expect(try fixture.reported(c) == nil)
            try Syscall.connect(c, to: fixture.addresses.r)
            #expect(try fixture.reported(c) == nil)
        }
    }

    /// The same on a `socketpair`'s ends (one `unix_dgram_connect`): `AF_UNSPEC` of `a` is news for it, again (no peer
    /// now) none; `b`, whose peer is still `a`, hears its own `AF_UNSPEC`.
    @Test func aPairsEndsDisconnectIsNewsForItself() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try UnixSocketEpollFactsTests.Fixture(.dgram)
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.ctl(KernelEpoll.add, a, [.output, .edgeTriggered])
            try fixture.ctl(KernelEpoll.add, b, [.output, .edgeTriggered])
            #expect(try KernelEpoll.wait(fixture.instance, maxEvents: 16, timeoutMilliseconds: 0).count == 2)
            try Syscall.disconnect(a)
            #expect(try fixture.reported(a) == .output)
            try Syscall.disconnect(a)
            #expect(try fixture.reported(a) == nil)
            try Syscall.disconnect(b)
            #expect(try fixture.reported(b) == .output)
        }
    }

    /// The receiver's close: `c` (hooked to the full `r` by its `MOD`) hears `EPOLLOUT` news; level-triggered it is
    /// writable, no `EPOLLERR`, no `EPOLLHUP` (`poll` alike); its sends `ECONNREFUSED`, then `ENOTCONN`. `u`, unhooked
    /// and with its datagrams discarded by the close, hears the buffers freed.
    @Test func theReceiversCloseLeavesAConnectedSenderWritable() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (r, u, c) = (fixture.r, fixture.u, fixture.c)
            #expect(fixture.fillReceiver() == 11)
            try fixture.ctl(KernelEpoll.add, c, [.input, .output, .readHangUp, .edgeTriggered])
            try fixture.ctl(KernelEpoll.add, u, [.output, .edgeTriggered])
            #expect(try fixture.reports() == [u.rawValue: .output])  // c unwritable: its peer is full
            try fixture.close(r)
            #expect(try fixture.reports() == [c.rawValue: .output, u.rawValue: .output])
            try fixture.ctl(KernelEpoll.modify, c, [.input, .output, .readHangUp])
            #expect(try fixture.reported(c) == .output)
            #expect(try fixture.polled(c) == Int16(POLLOUT))
            #expect(fixture.send(c) == "ECONNREFUSED")
            #expect(fixture.send(c) == "ENOTCONN")
            #expect(try fixture.reported(c) == .output)
        }
    }

    /// The receiver's close is no news for a connected `c` that was not hooked and had nothing queued.
    @Test func theReceiversCloseIsNoNewsForAnUnhookedSender() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let c = fixture.c
            try fixture.ctl(KernelEpoll.add, c, [.output, .edgeTriggered])
            #expect(try fixture.reported(c) == .output)
            try fixture.close(fixture.r)
            #expect(try fixture.reported(c) == nil)
        }
    }
}
