import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on a `socketpair(AF_UNIX, SOCK_DGRAM)` and `SOCK_SEQPACKET`, measured on this kernel
/// (6.18; `fs/eventpoll.c` over `unix_dgram_poll`, which both types use). Sends and receives are nonblocking; every
/// wait has a zero timeout. The fixture is `UnixSocketEpollFactsTests`'s. What differs from the stream pair:
/// - each datagram or record sent is news for `EPOLLIN`, an empty one too (it is queued, `sk_data_ready`);
/// - a receive frees the whole datagram, a truncated one too (`sock_wfree` → `unix_write_space`: `EPOLLOUT` news
///   while the sender is then writable); a peek frees nothing;
/// - a datagram socket's `shutdown` wakes only itself and its peer's close wakes nothing (no `sk_state_change` of the
///   peer: `unix_shutdown` and `unix_release_sock` shut the peer of a stream or seqpacket socket only), except that
///   the close frees what the survivor sent and the peer had not read;
/// - a datagram send that fails after its buffer was allocated frees it, and that is `EPOLLOUT` news
///   (`ECONNREFUSED`, `ENOTCONN` after the peer's close, `EPIPE` of the peer's `SHUT_RD`); one refused before
///   (`EMSGSIZE`, `EAGAIN` of a full send buffer, `EPIPE` of its own `SHUT_WR`) is not.
/// Held off from spawns (`withoutConcurrentSpawns`): a close here must be the last.
@Suite struct UnixSocketDatagramEpollFactsTests {
    typealias Events = KernelEpoll.Events
    typealias Fixture = UnixSocketEpollFactsTests.Fixture
    static let readNormal = UnixSocketEpollFactsTests.readNormal, writeNormal = UnixSocketEpollFactsTests.writeNormal

    /// Level-triggered: `unix_dgram_poll`'s mask, as `poll` reports it (`UnixSocketPollFactsTests`): an empty
    /// datagram is `EPOLLIN`; the peer's `SHUT_WR` and close shut a seqpacket socket (`EPOLLRDHUP`, then `EPOLLHUP`
    /// unasked) and leave a datagram socket writable and nothing else.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket]) func levelTriggeredReportsUnixDgramPollsMask(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            let seqpacket = type == .seqpacket
            try fixture.registerAndExpectLevelReadiness()
            #expect(try fixture.send(a, "") == .completed(0))
            #expect(try fixture.reported(b) == [.input, .output, Self.readNormal, Self.writeNormal])
            #expect(try fixture.receive(b, 10) == 0)
            #expect(try fixture.reported(b) == [.output, Self.writeNormal])
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .output, .readHangUp, Self.readNormal, Self.writeNormal] : [.output, Self.writeNormal]))
            try fixture.ctl(KernelEpoll.modify, b, [.input])
            #expect(try fixture.reported(b) == (seqpacket ? .input : nil))
            try fixture.pair.closeA()
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .hangUp] : nil))
            try fixture.ctl(KernelEpoll.modify, b, [.input, .output, .readHangUp])
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .output, .readHangUp, .hangUp] : .output))
        }
    }

    /// `EPOLLET` asking `EPOLLIN`: each send is news, an empty one too; a receive is not. The peer's `shutdown` and
    /// close are news for a seqpacket socket only; its own `shutdown` for both.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket]) func edgeTriggeredInputHearsEachSend(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            let seqpacket = type == .seqpacket
            try fixture.registerAndExpectEachSendHeard()
            #expect(try fixture.send(a, "") == .completed(0))
            #expect(try fixture.reported(b) == .input)
            #expect(try fixture.receive(b, 1) == 1)
            #expect(try fixture.reported(b) == nil)
            #expect(try fixture.receive(b, 1) == 1)
            #expect(try fixture.receive(b, 1) == 0)
            #expect(try fixture.reported(b) == nil)
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .readHangUp] : nil))
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .readHangUp] : nil))
            try Syscall.shutdown(b, how: CInt(SHUT_RD))  // its own: news for both types
            #expect(try fixture.reported(b) == [.input, .readHangUp])
            #expect(try fixture.reported(b) == nil)
            try fixture.pair.closeA()
            #expect(try fixture.reported(b) == (seqpacket ? [.input, .readHangUp, .hangUp] : nil))
            #expect(try fixture.reported(b) == nil)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT` on the sender: its own send is not news; each receive by the peer is, a truncated
    /// one too, while the sender is then writable (a receive that leaves it unwritable is not); a peek is not.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket]) func edgeTriggeredOutputHearsEachDatagramFreed(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(type)
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.registerSenderAndReceiveOneOfThree()
            #expect(try fixture.reported(a) == .output)  // truncated: the datagram is freed whole
            _ = try fixture.send(a, "de")
            _ = try fixture.send(a, "f")
            #expect(try fixture.reported(a) == nil)
            #expect(try fixture.receive(b, 10, peek: true) == 2)
            #expect(try fixture.reported(a) == nil)
            #expect(try fixture.receive(b, 10) == 2)
            #expect(try fixture.reported(a) == .output)
            #expect(try fixture.receive(b, 10) == 1)
            #expect(try fixture.reported(a) == .output)
            #expect(try fixture.receive(b, 10) == nil)
            #expect(try fixture.reported(a) == nil)
            // Two datagrams of 100000 bytes: unwritable until both are freed (unix_writable: charge × 4 ≤ sndbuf).
            #expect(fixture.send(a, size: 100_000) == .success(100_000))
            #expect(fixture.send(a, size: 100_000) == .success(100_000))
            #expect(try fixture.reported(a) == nil)
            #expect(try fixture.receive(b, 300_000) == 100_000)
            #expect(try fixture.reported(a) == nil)
            #expect(try fixture.receive(b, 300_000) == 100_000)
            #expect(try fixture.reported(a) == .output)
        }
    }

    /// A send's failures and `EPOLLOUT` news: `EMSGSIZE` and `EAGAIN` (a full send buffer) come before the buffer is
    /// allocated and are not news; after the peer's `SHUT_RD` a datagram send fails `EPIPE` after allocating and is
    /// news each time, a seqpacket one fails before (its sending side is shut) and is not; after its own `SHUT_WR`
    /// neither is.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket]) func aSendFailingAfterItsBufferIsNews(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let dgram = type == .dgram
            let full = try Fixture(type)
            try full.ctl(KernelEpoll.add, full.pair.a, [.output, .edgeTriggered])
            #expect(try full.reported(full.pair.a) == .output)
            #expect(full.send(full.pair.a, size: 300_000) == .failure(.messageTooLong))
            #expect(try full.reported(full.pair.a) == nil)
            #expect(full.send(full.pair.a, size: 200_000) == .success(200_000))
            #expect(full.send(full.pair.a, size: 200_000) == .success(200_000))
            #expect(full.send(full.pair.a, size: 1) == .failure(.wouldBlock))
            #expect(try full.reported(full.pair.a) == nil)

            let fixture = try Fixture(type)
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.ctl(KernelEpoll.add, a, [.input, .output, .edgeTriggered])
            #expect(try fixture.reported(a) == .output)
            try Syscall.shutdown(b, how: CInt(SHUT_RD))
            #expect(try fixture.reported(a) == (dgram ? nil : .output))  // a seqpacket peer's shutdown is news
            #expect(fixture.send(a, size: 1) == .failure(.brokenPipe))
            #expect(try fixture.reported(a) == (dgram ? .output : nil))
            #expect(fixture.send(a, size: 0) == .failure(.brokenPipe))
            #expect(try fixture.reported(a) == (dgram ? .output : nil))
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(a) == .output)
            #expect(fixture.send(a, size: 1) == .failure(.brokenPipe))
            #expect(try fixture.reported(a) == nil)
        }
    }

    /// The peer's close: a seqpacket survivor hears it (`EPOLLHUP`, and `EPOLLERR` when it left unread bytes); a
    /// datagram survivor hears only the datagrams it sent being freed. A datagram send then fails `ECONNREFUSED`,
    /// then `ENOTCONN`, each after allocating its buffer: news each time; a seqpacket one fails `EPIPE` before.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket]) func thePeersCloseAndTheSendsAfter(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let dgram = type == .dgram
            let unread = try Fixture(type)
            try unread.ctl(KernelEpoll.add, unread.pair.b, [.input, .edgeTriggered])
            #expect(unread.send(unread.pair.b, size: 3) == .success(3))
            #expect(try unread.reported(unread.pair.b) == nil)
            try unread.pair.closeA()
            #expect(try unread.reported(unread.pair.b) == (dgram ? nil : [.input, .error, .hangUp]))

            let freed = try Fixture(type)
            try freed.ctl(KernelEpoll.add, freed.pair.b, [.output, .edgeTriggered])
            #expect(try freed.reported(freed.pair.b) == .output)
            #expect(freed.send(freed.pair.b, size: 3) == .success(3))
            try freed.pair.closeA()
            #expect(try freed.reported(freed.pair.b) == (dgram ? .output : [.output, .error, .hangUp]))
            #expect(try freed.reported(freed.pair.b) == nil)

            let fixture = try Fixture(type)
            let b = fixture.pair.b
            try fixture.ctl(KernelEpoll.add, b, [.input, .output, .edgeTriggered])
            #expect(try fixture.reported(b) == .output)
            try fixture.pair.closeA()
            #expect(try fixture.reported(b) == (dgram ? nil : [.input, .output, .hangUp]))
            #expect(fixture.send(b, size: 0) == .failure(dgram ? .connectionRefused : .brokenPipe))
            #expect(try fixture.reported(b) == (dgram ? .output : nil))
            #expect(fixture.send(b, size: 1) == .failure(dgram ? .socketNotConnected : .brokenPipe))
            #expect(try fixture.reported(b) == (dgram ? .output : nil))
        }
    }
}
