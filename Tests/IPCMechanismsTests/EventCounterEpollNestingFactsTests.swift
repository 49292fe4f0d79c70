import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Epoll instances holding an eventfd, inside other instances (`fs/eventpoll.c` of Linux 6.18 over `eventfd_poll`),
/// as `UnixSocketEpollNestingFactsTests` measures them on socket pairs: an inner instance in an outer one, level or
/// edge on each, waits on the inner and the outer. Writes and reads are nonblocking, every wait has a zero timeout,
/// nothing is closed before the end. What the eventfd model makes of it: ``EventCounterModel+NestedEpoll``.
@Suite struct EventCounterEpollNestingFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040)

    /// An eventfd and two instances: `outer` holds `inner`, which holds what a test adds.
    final class Fixture {
        let counter: FileDescriptor
        let outer: CInt, inner: CInt

        init() throws {
            counter = try KernelEventCounter.create(initial: 0, semaphore: false, nonblocking: true)
            outer = try KernelEpoll.create().rawValue
            inner = try KernelEpoll.create().rawValue
        }

        deinit {
            Glibc.close(outer)
            Glibc.close(inner)
            try? counter.close()
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

        /// What a zero-timeout wait on the inner instance reports of the eventfd (nil: nothing).
        func innerReport() throws -> Events? {
            try KernelEpoll.wait(inner, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == counter.rawValue }?.events
        }

        func write(_ value: UInt64) throws -> Bool {
            guard case .completed = try KernelEventCounter.write(counter, value) else { return false }
            return true
        }

        func read() throws -> UInt64? {
            guard case .completed(let value) = try KernelEventCounter.read(counter) else { return nil }
            return value
        }
    }

    /// An instance holding an eventfd that is writable but not readable (count 0), registered for `EPOLLOUT`: the
    /// inner wait reports `EPOLLOUT`, the outer one `EPOLLIN | EPOLLRDNORM` asked every bit, nothing asked `EPOLLOUT`
    /// alone. Registered for `EPOLLIN` only, the inner item is not ready and the outer sees nothing.
    @Test func anInstanceReportsInputOnly() throws {
        let fixture = try Fixture()
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.counter.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, Self.readNormal, .readHangUp])
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        #expect(try fixture.innerReport() == .output)
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .output)
        #expect(try fixture.outerReport() == nil)
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .input)
        try fixture.ctl(fixture.inner, KernelEpoll.modify, fixture.counter.rawValue, .input)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == nil)
        #expect(try fixture.write(2))
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.innerReport() == .input)
        #expect(try fixture.read() == 2)
        #expect(try fixture.outerReport() == nil)
    }

    /// The outer wait only polls the inner instance: an inner `EPOLLET` registration with news (a write) reports to
    /// the outer at every wait until the inner's own wait consumes it; an `EPOLLONESHOT` one likewise, until the
    /// inner's wait disables it.
    @Test func theOuterWaitConsumesNothing() throws {
        for behaviour in [Events.edgeTriggered, .oneShot] {
            let fixture = try Fixture()
            try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.counter.rawValue, [.input, behaviour])
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
            #expect(try fixture.innerReport() == nil)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.write(1))
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.innerReport() == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport() == nil)
        }
    }

    /// An `EPOLLET` outer registration of a level-triggered inner instance asking `EPOLLIN`: each successful write is
    /// one report (a write of 0 too, the count still readable), the inner instance's own wait none; a read wakes with
    /// `EPOLLOUT`, which the inner registration asking `EPOLLIN` filters out: no news.
    @Test func anEdgeTriggeredOuterHearsEachWrite() throws {
        let fixture = try Fixture()
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.counter.rawValue, .input)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(try fixture.outerReport() == nil)
        for value: UInt64 in [1, 0] {
            #expect(try fixture.write(value))
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == nil)
        }
        #expect(try fixture.innerReport() == .input)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.write(3))
        #expect(try fixture.read() == 4)
        #expect(try fixture.outerReport() == nil)  // the write's news, the eventfd no longer readable
        #expect(try fixture.write(1))
        #expect(try fixture.read() == 1)
        #expect(try fixture.write(1))
        #expect(try fixture.outerReport() == .input)
    }

    /// An `EPOLLET` outer registration of a level-triggered inner instance asking `EPOLLOUT` (the eventfd always
    /// writable here): a read is news (its wake `EPOLLOUT` meets the inner registration), a write none (its `EPOLLIN`
    /// filtered out); the outer still reports `EPOLLIN | …`, never `EPOLLOUT`.
    @Test func anEdgeTriggeredOuterOfAnOutputRegistration() throws {
        let fixture = try Fixture()
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.counter.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, .edgeTriggered])
        #expect(try fixture.outerReport() == .input)  // the ADD found it ready
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.write(1))
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.read() == 1)
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == .output)
        #expect(try fixture.outerReport() == nil)
    }
}
