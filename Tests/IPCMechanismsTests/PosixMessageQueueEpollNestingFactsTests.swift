import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Epoll instances holding a POSIX message queue descriptor, inside other instances (`fs/eventpoll.c` of Linux 6.18
/// over `mqueue_poll_file`), as `EventCounterEpollNestingFactsTests` measures them on an eventfd: an inner instance in
/// an outer one, level or edge on each, waits on the inner and the outer. Sends and receives are nonblocking, every
/// wait has a zero timeout, nothing is closed before the end. What differs from the eventfd: `ipc/mqueue.c` wakes the
/// queue's `wait_q` without a key, so no inner registration filters a wake out — a receive is news to an `EPOLLET`
/// outer through an inner registration asking `EPOLLIN` (while messages remain), a send through one asking `EPOLLOUT`
/// (while room remains). What the posix-mq model makes of it: ``PosixMessageQueueModel+NestedEpoll``.
@Suite struct PosixMessageQueueEpollNestingFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040), writeNormal = Events(rawValue: 0x100), priority = Events(rawValue: 0x002)

    /// A nonblocking queue of `maximumMessages` × 8 bytes under a fresh name and two instances: `outer` holds `inner`,
    /// which holds what a test adds. All closed, and the name unlinked, at the end.
    final class Fixture {
        let name: String
        let queue: FileDescriptor
        let outer: CInt, inner: CInt

        init(_ stem: String, maximumMessages: Int = 2) throws {
            name = "/ipch-test-\(getpid())-\(stem)-\(UInt32.random(in: 0...UInt32.max))"
            queue = try Syscall.mqCreate(
                name, flags: O_RDWR | O_EXCL | O_CLOEXEC | O_NONBLOCK, mode: 0o600, maximumMessages: maximumMessages, messageSize: 8)
            do {
                outer = try KernelEpoll.create().rawValue
            } catch {
                try? Syscall.close(queue)
                try? Syscall.mqUnlink(name)
                throw error
            }
            do { inner = try KernelEpoll.create().rawValue } catch {
                Glibc.close(outer)
                try? Syscall.close(queue)
                try? Syscall.mqUnlink(name)
                throw error
            }
        }

        deinit {
            Glibc.close(outer)
            Glibc.close(inner)
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
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

        /// What a zero-timeout wait on the inner instance reports of the queue (nil: nothing).
        func innerReport() throws -> Events? {
            try KernelEpoll.wait(inner, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == queue.rawValue }?.events
        }

        /// A nonblocking send of one byte: whether it queued.
        func send() -> Bool {
            let bytes: [UInt8] = [7]
            do throws(Errno) {
                try bytes.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(queue, UnsafeRawBufferPointer(raw), priority: 0) }
                return true
            } catch { return false }
        }

        /// A nonblocking receive: whether it took a message.
        func receive() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 8)
            do throws(Errno) {
                _ = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in try Syscall.mqReceive(queue, into: UnsafeMutableRawBufferPointer(raw)) }
                return true
            } catch { return false }
        }
    }

    /// An instance holding an empty queue (writable, not readable) registered for `EPOLLOUT`: the inner wait reports
    /// `EPOLLOUT`, the outer one `EPOLLIN | EPOLLRDNORM` asked every bit, nothing asked `EPOLLOUT` alone. Registered for
    /// `EPOLLIN` only, the inner item is not ready and the outer sees nothing until a send; after the receive that
    /// empties the queue, nothing again.
    @Test func anInstanceReportsInputOnly() throws {
        let fixture = try Fixture("input-only")
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, Self.readNormal, Self.writeNormal, .readHangUp])
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        #expect(try fixture.innerReport() == .output)
        #expect(try fixture.outerReport() == [.input, Self.readNormal])
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .output)
        #expect(try fixture.outerReport() == nil)
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .input)
        try fixture.ctl(fixture.inner, KernelEpoll.modify, fixture.queue.rawValue, .input)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == nil)
        #expect(fixture.send())
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.innerReport() == .input)
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == nil)
    }

    /// A full queue: the inner `EPOLLOUT` registration is not ready, so the outer sees nothing; a receive makes room and
    /// the outer sees `EPOLLIN` again.
    @Test func aFullQueueIsNothingToTheOuter() throws {
        let fixture = try Fixture("full")
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
        #expect(try fixture.outerReport() == .input)
        #expect(fixture.send())
        #expect(try fixture.outerReport() == .input)
        #expect(fixture.send())
        #expect(!fixture.send())  // full (EAGAIN)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == nil)
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == .input)
    }

    /// The outer wait only polls the inner instance: an inner `EPOLLET` registration with news (a send) reports to the
    /// outer at every wait until the inner's own wait consumes it; an `EPOLLONESHOT` one likewise, until the inner's
    /// wait disables it.
    @Test func theOuterWaitConsumesNothing() throws {
        for behaviour in [Events.edgeTriggered, .oneShot] {
            let fixture = try Fixture("consumes")
            try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, [.input, behaviour])
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
            #expect(try fixture.innerReport() == nil)
            #expect(try fixture.outerReport() == nil)
            #expect(fixture.send())
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.innerReport() == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport() == nil)
        }
    }

    /// An `EPOLLET` outer registration of a level-triggered inner instance asking `EPOLLIN`: each send is one report
    /// (into a non-empty queue too), and so is a receive that leaves a message (the keyless wake reaches the inner
    /// registration, which is ready: unlike an eventfd's read); a receive that empties the queue wakes too, but the
    /// inner item is not ready: nothing. The inner instance's own wait is no news.
    @Test func anEdgeTriggeredOuterHearsSendsAndReceives() throws {
        let fixture = try Fixture("edge-input", maximumMessages: 3)
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, .input)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(try fixture.outerReport() == nil)
        for _ in 0..<2 {
            #expect(fixture.send())
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == nil)
        }
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == .input)  // a message left
        #expect(try fixture.outerReport() == nil)
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == nil)  // the queue empty: the inner item not ready
        #expect(fixture.send())
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.innerReport() == .input)
        #expect(try fixture.outerReport() == nil)
    }

    /// An `EPOLLET` outer registration of a level-triggered inner instance asking `EPOLLOUT` (a queue of 2): the ADD
    /// finds it ready; a send that leaves room is news, the send that fills the queue is a wake the outer poll finds
    /// not ready (nothing); each receive is news (room again). The outer reports `EPOLLIN`, never `EPOLLOUT`.
    @Test func anEdgeTriggeredOuterOfAnOutputRegistration() throws {
        let fixture = try Fixture("edge-output")
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, .output)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, .edgeTriggered])
        #expect(try fixture.outerReport() == .input)  // the ADD found it ready
        #expect(try fixture.outerReport() == nil)
        #expect(fixture.send())
        #expect(try fixture.outerReport() == .input)  // room left: unlike an eventfd's write
        #expect(try fixture.outerReport() == nil)
        #expect(fixture.send())
        #expect(try fixture.outerReport() == nil)  // full
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == .input)
        #expect(fixture.receive())
        #expect(try fixture.outerReport() == .input)
        #expect(try fixture.innerReport() == .output)
        #expect(try fixture.outerReport() == nil)
    }

    /// An outer registration without `EPOLLIN` (`EPOLLRDNORM` alone), level or edge, of an inner instance asking
    /// `EPOLLIN`: the inner's wake of its poll queue carries the key `EPOLLIN`, which the outer registration filters
    /// out, so even level-triggered it reports nothing after a send (the model allows both: ``NestedEpoll``). An inner
    /// registration asking `EPOLLPRI` alone is never ready: nothing.
    @Test func whatTheOuterFiltersOut() throws {
        for behaviour in [Events(), .edgeTriggered] {
            let fixture = try Fixture("rdnorm")
            try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, .input)
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [Self.readNormal, behaviour])
            #expect(try fixture.outerReport() == nil)
            #expect(fixture.send())
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport() == .input)
        }
        let fixture = try Fixture("priority")
        try fixture.ctl(fixture.inner, KernelEpoll.add, fixture.queue.rawValue, Self.priority)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
        #expect(fixture.send())
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport() == nil)
    }
}
