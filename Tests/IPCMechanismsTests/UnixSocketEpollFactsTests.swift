import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on a `socketpair(AF_UNIX, SOCK_STREAM)`, measured on this kernel (`fs/eventpoll.c`
/// over `unix_poll`; the selftest `epoll_wakeup_test.c` does most of its cases on such a pair). Sends and receives are
/// nonblocking; every wait has a zero timeout. What counts as news for `EPOLLET` is what the socket code wakes a
/// socket's queue with: a send of bytes wakes the receiver's with `EPOLLIN` (`sock_def_readable`), a receive that
/// frees a whole buffer wakes its sender's with `EPOLLOUT` (`unix_write_space`, while writable), a `shutdown` or a
/// close wakes with no key (`sk_state_change`).
/// The tests that close an end hold off spawns (`withoutConcurrentSpawns`): a worker a scenario test spawns meanwhile
/// would hold a copy of the pair for a moment, and the close would not be the last (no hang-up).
@Suite struct UnixSocketEpollFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040), writeNormal = Events(rawValue: 0x100)

    /// A pair (stream unless told) and an epoll instance, closed at the end (end `a` perhaps earlier, by `closeA`).
    final class Fixture {
        let pair: OwnedSocketPair
        let instance: CInt

        init(_ type: UnixSocketType = .stream) throws {
            pair = try OwnedSocketPair(type)
            instance = try KernelEpoll.create().rawValue
        }

        func ctl(_ operation: CInt, _ socket: FileDescriptor, _ events: Events) throws {
            try KernelEpoll.control(instance, operation, socket.rawValue, events: events)
        }

        /// The bits a zero-timeout wait reports for `socket` (nil: nothing reported for it).
        func reported(_ socket: FileDescriptor) throws -> Events? {
            try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == socket.rawValue }?.events
        }

        func send(_ from: FileDescriptor, _ text: String) throws -> TransferResult<Int> {
            try KernelUnixSocket.send(from, Array(text.utf8), nonblocking: true)
        }

        func receive(_ on: FileDescriptor, _ maximum: Int, peek: Bool = false) throws -> Int? {
            guard case .completed(let message) = try KernelUnixSocket.receive(on, maximum: maximum, nonblocking: true, peek: peek) else { return nil }
            return message.data.count
        }

        /// A nonblocking send of `size` bytes: its count, or the error it failed with.
        func send(_ from: FileDescriptor, size: Int) -> Result<Int, Errno> {
            Result { () throws(Errno) -> Int in
                guard case .completed(let count) = try KernelUnixSocket.send(from, Array(repeating: 0x61, count: size), nonblocking: true) else {
                    throw Errno.wouldBlock
                }
                return count
            }
        }

        /// Level-triggered on `b`, asking `EPOLLIN`, `EPOLLOUT`, `EPOLLRDHUP`, `EPOLLRDNORM`, `EPOLLWRNORM`: writable
        /// from its ADD on, `EPOLLIN|EPOLLRDNORM` added at every wait while two bytes from `a` are queued, gone once
        /// they are received.
        func registerAndExpectLevelReadiness(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let (a, b) = (pair.a, pair.b)
            let (readNormal, writeNormal) = (UnixSocketEpollFactsTests.readNormal, UnixSocketEpollFactsTests.writeNormal)
            try ctl(KernelEpoll.add, b, [.input, .output, .readHangUp, readNormal, writeNormal])
            #expect(try reported(b) == [.output, writeNormal], sourceLocation: sourceLocation)
            _ = try send(a, "xy")
            #expect(try reported(b) == [.input, .output, readNormal, writeNormal], sourceLocation: sourceLocation)
            #expect(try reported(b) == [.input, .output, readNormal, writeNormal], sourceLocation: sourceLocation)
            #expect(try receive(b, 10) == 2, sourceLocation: sourceLocation)
            #expect(try reported(b) == [.output, writeNormal], sourceLocation: sourceLocation)
        }

        /// `EPOLLET` asking `EPOLLIN` and `EPOLLRDHUP` on `b`: its ADD finds nothing to report, then each of two sends
        /// from `a` (into an empty queue and not) is reported once.
        func registerAndExpectEachSendHeard(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let (a, b) = (pair.a, pair.b)
            try ctl(KernelEpoll.add, b, [.input, .readHangUp, .edgeTriggered])
            #expect(try reported(b) == nil, sourceLocation: sourceLocation)
            _ = try send(a, "x")
            #expect(try reported(b) == .input, sourceLocation: sourceLocation)
            #expect(try reported(b) == nil, sourceLocation: sourceLocation)
            _ = try send(a, "y")
            #expect(try reported(b) == .input, sourceLocation: sourceLocation)
        }

        /// `EPOLLET` asking `EPOLLOUT` on `a`: its ADD reports it writable once; its own send of three bytes is no
        /// news; then `b` receives one byte of them (what that frees is the caller's fact).
        func registerSenderAndReceiveOneOfThree(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let (a, b) = (pair.a, pair.b)
            try ctl(KernelEpoll.add, a, [.output, .edgeTriggered])
            #expect(try reported(a) == .output, sourceLocation: sourceLocation)
            #expect(try reported(a) == nil, sourceLocation: sourceLocation)
            _ = try send(a, "abc")
            #expect(try reported(a) == nil, sourceLocation: sourceLocation)
            #expect(try receive(b, 1) == 1, sourceLocation: sourceLocation)
        }

        deinit { Glibc.close(instance) }
    }

    /// Level-triggered: `unix_poll`'s mask for the events asked at every wait — `EPOLLIN|EPOLLRDNORM` with bytes
    /// queued, `EPOLLOUT|EPOLLWRNORM` while writable; after the peer's `SHUT_WR` `EPOLLIN|EPOLLRDNORM|EPOLLRDHUP`; after
    /// its close also `EPOLLHUP`, asked or not (`EPOLLRDHUP` only when asked).
    @Test func levelTriggeredReportsUnixPollsMask() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.registerAndExpectLevelReadiness()
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == [.input, .output, .readHangUp, Self.readNormal, Self.writeNormal])
            try fixture.ctl(KernelEpoll.modify, b, [.input])
            #expect(try fixture.reported(b) == .input)
            try fixture.pair.closeA()
            #expect(try fixture.reported(b) == [.input, .hangUp])
            try fixture.ctl(KernelEpoll.modify, b, [.input, .output, .readHangUp])
            #expect(try fixture.reported(b) == [.input, .output, .readHangUp, .hangUp])
        }
    }

    /// `EPOLLET` asking `EPOLLIN`: each send of bytes is news, into an empty queue or not; a send of no bytes is not,
    /// nor a receive; the peer's `shutdown`, each time (`SHUT_WR` again too), the socket's own, and the peer's close
    /// are.
    @Test func edgeTriggeredInputHearsEachSendAndEachShutdown() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.registerAndExpectEachSendHeard()
            #expect(try fixture.send(a, "") == .completed(0))
            #expect(try fixture.reported(b) == nil)
            #expect(try fixture.receive(b, 1) == 1)
            #expect(try fixture.reported(b) == nil)
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == [.input, .readHangUp])
            #expect(try fixture.reported(b) == nil)
            try Syscall.shutdown(a, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == [.input, .readHangUp])
            try Syscall.shutdown(b, how: CInt(SHUT_WR))
            #expect(try fixture.reported(b) == [.input, .readHangUp, .hangUp])  // its own shutdown: both sides shut
            try fixture.pair.closeA()
            #expect(try fixture.reported(b) == [.input, .readHangUp, .hangUp])
            #expect(try fixture.reported(b) == nil)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT` on the sender: ADD is news; its own send is not; the peer's receive is news only
    /// when it frees a whole buffer (a receive of part of one is not), and the peer's `shutdown` is.
    @Test func edgeTriggeredOutputHearsAReceiveThatFreesABuffer() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            let (a, b) = (fixture.pair.a, fixture.pair.b)
            try fixture.registerSenderAndReceiveOneOfThree()
            #expect(try fixture.reported(a) == nil)  // part of the buffer: nothing freed
            #expect(try fixture.receive(b, 10) == 2)
            #expect(try fixture.reported(a) == .output)
            _ = try fixture.send(a, "d")
            _ = try fixture.send(a, "e")
            #expect(try fixture.receive(b, 10) == 2)
            #expect(try fixture.reported(a) == .output)
            #expect(try fixture.receive(b, 10) == nil)
            #expect(try fixture.reported(a) == nil)
            try Syscall.shutdown(b, how: CInt(SHUT_RD))
            #expect(try fixture.reported(a) == .output)
        }
    }
}
