import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Epoll instances holding a socket pair's ends, inside other instances (`fs/eventpoll.c` of Linux 6.18 over
/// `unix_poll`/`unix_dgram_poll`): the selftest `tools/testing/selftests/filesystems/epoll/epoll_wakeup_test.c`
/// builds its nested cases (epoll1..epoll60) so, and is the checklist — an inner instance in an outer one, level or
/// edge on each, waits on the inner and the outer. Measured on stream, seqpacket and datagram pairs alike: sends and
/// receives are nonblocking, every wait has a zero timeout, nothing is closed before the end (no hang-up is awaited).
/// What the unix-socket model makes of it: ``UnixSocketModel+NestedEpoll``.
@Suite struct UnixSocketEpollNestingFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040)

    /// A pair and two instances: `outer` holds `inner`, which holds what a test adds.
    final class Fixture {
        let pair: OwnedSocketPair
        let outer: CInt, inner: CInt

        init(_ type: UnixSocketType) throws {
            pair = try OwnedSocketPair(type)
            outer = try KernelEpoll.create().rawValue
            inner = try KernelEpoll.create().rawValue
        }

        deinit {
            Glibc.close(outer)
            Glibc.close(inner)
        }

        func ctl(_ instance: CInt, _ operation: CInt, _ target: CInt, _ events: Events) throws {
            try KernelEpoll.control(instance, operation, target, events: events)
        }

        /// What a zero-timeout wait on the outer instance reports of the inner one (nil: nothing).
        func outerReport() throws -> Events? {
            let reports = try KernelEpoll.wait(outer, maxEvents: 16, timeoutMilliseconds: 0)
            #expect(reports.allSatisfy { $0.descriptor == inner })
            return reports.first?.events
        }

        /// What a zero-timeout wait on the inner instance reports of end `a` (nil: nothing).
        func innerReport() throws -> Events? {
            try KernelEpoll.wait(inner, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == pair.a.rawValue }?.events
        }

        func send(_ from: FileDescriptor, size: Int = 1) throws -> Bool {
            guard case .completed = try KernelUnixSocket.send(from, Array(repeating: 0x61, count: size), nonblocking: true) else { return false }
            return true
        }

        /// Receives everything queued to `on`.
        func drain(_ on: FileDescriptor) throws {
            while case .completed(let message) = try KernelUnixSocket.receive(on, maximum: 1 << 20, nonblocking: true), !message.data.isEmpty {}
        }
    }

    /// An instance holding a writable end's `EPOLLOUT` registration polls `EPOLLIN | EPOLLRDNORM` for the outer one,
    /// never `EPOLLOUT`: asked every bit, the outer reports `EPOLLIN | EPOLLRDNORM`; asked `EPOLLOUT` alone, nothing.
    @Test(arguments: UnixSocketType.allCases) func anInstanceReportsInputOnly(type: UnixSocketType) throws {
        let fixture = try Fixture(type)
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.pair.a.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, Self.readNormal, .readHangUp])
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        #expect(try fixture.innerReport() == .output)
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .output)
        #expect(try fixture.outerReport() == nil)
    }

    /// The outer wait only polls the inner instance: an inner `EPOLLET` registration with news (the peer's send)
    /// reports to the outer at every wait until the inner's own wait consumes it; an `EPOLLONESHOT` one likewise,
    /// until the inner's wait disables it.
    @Test(arguments: UnixSocketType.allCases) func theOuterWaitConsumesNothing(type: UnixSocketType) throws {
        for behaviour in [Events.edgeTriggered, .oneShot] {
            let fixture = try Fixture(type)
            try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.pair.a.rawValue, [.input, behaviour])
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
            if behaviour == .edgeTriggered {
                #expect(try fixture.innerReport() == nil)  // the ADD's news, consumed: nothing ready
                #expect(try fixture.outerReport() == nil)
            }
            #expect(try fixture.send(fixture.pair.b))
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.innerReport() == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport() == nil)
        }
    }

    /// An `EPOLLET` outer registration of a level-triggered inner instance: each send of the peer is one report (the
    /// inner registration heard its wake), the inner instance's own wait none, even while the end stays readable.
    @Test(arguments: UnixSocketType.allCases) func anEdgeTriggeredOuterHearsEachSend(type: UnixSocketType) throws {
        let fixture = try Fixture(type)
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.pair.a.rawValue, .input)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(try fixture.outerReport() == nil)
        for _ in 0..<2 {
            #expect(try fixture.send(fixture.pair.b))
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == nil)
        }
        #expect(try fixture.innerReport() == .input)
        #expect(try fixture.outerReport() == nil)
        // Edge on both: the same, and the inner wait then reports once.
        let both = try Fixture(type)
        try both.ctl(both.inner, KernelEpoll.add, both.pair.a.rawValue, [.input, .edgeTriggered])
        try both.ctl(both.outer, KernelEpoll.add, both.inner, [.input, .edgeTriggered])
        #expect(try both.outerReport() == nil)
        #expect(try both.send(both.pair.b))
        #expect(try both.outerReport() == .input)
        #expect(try both.outerReport() == nil)
        #expect(try both.innerReport() == .input)
        #expect(try both.innerReport() == nil)
    }

    /// Which wakes reach an `EPOLLET` outer registration through a level-triggered inner one asking `EPOLLOUT` on a
    /// writable end: its ADD (the inner is ready), then not the peer's send (`EPOLLIN` key, filtered), not the end's own
    /// receive or send; the peer's receive that frees the end's buffer (`unix_write_space`, `EPOLLOUT` key) is news.
    @Test(arguments: UnixSocketType.allCases) func onlyTheInnerRegistrationsKeysReachTheOuter(type: UnixSocketType) throws {
        let fixture = try Fixture(type)
        let (a, b) = (fixture.pair.a, fixture.pair.b)
        try fixture.ctl(fixture.inner, KernelEpoll.add, a.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.send(b))
        #expect(try fixture.outerReport() == nil)
        try fixture.drain(a)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.send(a))
        #expect(try fixture.outerReport() == nil)
        try fixture.drain(b)
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.outerReport() == nil)
    }

    /// The peer's `shutdown`: news through an inner `EPOLLET` registration asking only `EPOLLRDHUP` (no key) on a
    /// stream or seqpacket pair; a datagram peer's shutdown wakes nothing.
    @Test(arguments: UnixSocketType.allCases) func thePeersShutdownReachesTheOuter(type: UnixSocketType) throws {
        let fixture = try Fixture(type)
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.pair.a.rawValue, [.readHangUp, .edgeTriggered])
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == nil)
        try Syscall.shutdown(fixture.pair.b, how: CInt(SHUT_WR))
        if type == .dgram {
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport() == nil)
        } else {
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.innerReport() == .readHangUp)
            #expect(try fixture.outerReport() == nil)
        }
    }

    /// Loops and the depth limit hold with socket ends as the leaves: an inner instance holding an end cannot take the
    /// outer (`ELOOP`), nor itself (`EINVAL`).
    @Test func loopsAndSelf() throws {
        let fixture = try Fixture(.stream)
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.pair.a.rawValue, .input)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
        #expect(throws: Errno(rawValue: ELOOP)) { try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.outer, .input) }
        #expect(throws: Errno.invalidArgument) { try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.inner, .input) }
    }
}
