import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Epoll instances holding a FIFO's ends, inside other instances (`fs/eventpoll.c` of Linux 6.18 over `fifo_open` and
/// `pipe_poll`), as `EpollNestingFactsTests` measures them on a pipe: an inner instance in an outer one, level or edge
/// on each, waits on the inner and the outer. Both ends are opened `O_NONBLOCK` on a FIFO in a private temporary
/// name, writes and reads are nonblocking, a wait that looks for nothing to come has a zero timeout, and a wait for a
/// close's effect is bounded (10 s): a child another test made may hold a copy of the descriptor for a moment. What
/// the FIFO model makes of it: ``FIFOModel+NestedEpoll``.
@Suite struct FIFOEpollNestingFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040)
    static let inputNormal: Events = [.input, readNormal]

    /// A FIFO and two instances: `outer` holds `inner`, which holds what a test adds; every descriptor closed once.
    final class Fixture {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifonest"
        let outer: CInt, inner: CInt
        private var open: Set<CInt> = []

        init() throws {
            try KernelFIFO.create(at: path)
            outer = try KernelEpoll.create().rawValue
            inner = try KernelEpoll.create().rawValue
            open = [outer, inner]
        }

        deinit {
            Syscall.withoutConcurrentSpawns { for descriptor in open { Glibc.close(descriptor) } }
            unlink(path)
        }

        func opened(_ direction: KernelFIFO.Direction) throws -> CInt {
            let descriptor = try KernelFIFO.open(path, for: direction, nonblocking: true).rawValue
            open.insert(descriptor)
            return descriptor
        }

        func close(_ descriptor: CInt) {
            if open.remove(descriptor) != nil { Syscall.withoutConcurrentSpawns { _ = Glibc.close(descriptor) } }
        }

        func ctl(_ instance: CInt, _ operation: CInt, _ target: CInt, _ events: Events) throws {
            try KernelEpoll.control(instance, operation, target, events: events)
        }

        /// What a wait on the outer instance reports of the inner one (nil: nothing); `timeout` in milliseconds.
        func outerReport(timeout: Int = 0) throws -> Events? {
            let reports = try KernelEpoll.wait(outer, maxEvents: 16, timeoutMilliseconds: timeout)
            #expect(reports.allSatisfy { $0.descriptor == inner })
            return reports.first?.events
        }

        /// What a zero-timeout wait on the inner instance reports of `descriptor` (nil: nothing).
        func innerReport(_ descriptor: CInt) throws -> Events? {
            try KernelEpoll.wait(inner, maxEvents: 16, timeoutMilliseconds: 0).first { $0.descriptor == descriptor }?.events
        }

        func write(_ descriptor: CInt, _ count: Int) -> Int {
            let bytes = [UInt8](repeating: 0x61, count: count)
            return bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, count) }
        }

        func read(_ descriptor: CInt, _ count: Int) -> Int {
            var bytes = [UInt8](repeating: 0, count: count)
            return bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
        }
    }

    /// An instance holding a writable write end registered for `EPOLLOUT`: its own wait reports `EPOLLOUT`, the outer
    /// one `EPOLLIN | EPOLLRDNORM` asked every bit, nothing asked `EPOLLOUT` alone. A read end opened before any
    /// writer (no `EPOLLHUP` until one opens) in the inner instance: the outer sees nothing, nor once a writer opens
    /// (no bytes yet: the open's wake finds the read end not ready), and `EPOLLIN | EPOLLRDNORM` once it writes.
    @Test func anInstanceReportsInputOnly() throws {
        let fixture = try Fixture()
        let reader = try fixture.opened(.read)
        try fixture.ctl(fixture.inner, KernelEpoll.add, reader, .input)
        try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, Self.readNormal, .readHangUp])
        #expect(try fixture.outerReport() == nil)
        let writer = try fixture.opened(.write)
        #expect(try fixture.outerReport() == nil)
        #expect(try fixture.innerReport(reader) == nil)
        #expect(fixture.write(writer, 2) == 2)
        #expect(try fixture.outerReport() == Self.inputNormal)
        #expect(try fixture.innerReport(reader) == .input)
        #expect(fixture.read(reader, 10) == 2)
        #expect(try fixture.outerReport() == nil)

        try fixture.ctl(fixture.inner, KernelEpoll.add, writer, .output)
        #expect(try fixture.outerReport() == Self.inputNormal)
        #expect(try fixture.innerReport(writer) == .output)
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .output)
        #expect(try fixture.outerReport() == nil)
        try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, .input)
        #expect(try fixture.outerReport() == .input)
    }

    /// The outer wait only polls the inner instance: an inner `EPOLLET` (or `EPOLLONESHOT`) registration of the read
    /// end with news (a write) reports to the outer at every wait until the inner's own wait consumes it.
    @Test func theOuterWaitConsumesNothing() throws {
        for behaviour in [Events.edgeTriggered, .oneShot] {
            let fixture = try Fixture()
            let reader = try fixture.opened(.read)
            let writer = try fixture.opened(.write)
            try fixture.ctl(fixture.inner, KernelEpoll.add, reader, [.input, behaviour])
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, .input)
            #expect(try fixture.outerReport() == nil)
            #expect(fixture.write(writer, 1) == 1)
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.innerReport(reader) == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport(reader) == nil)
        }
    }

    /// An `EPOLLET` outer registration of a level-triggered inner one of the read end: each write of bytes is one
    /// report, a write of 0 bytes and a read none (a read leaving bytes, too), the inner's own wait none. The
    /// first writer's open after the writers had gone is news (the read end still holding a byte), a second writer's
    /// open is not.
    @Test func anEdgeTriggeredOuterHearsWritesAndTheFirstWritersOpen() throws {
        try Syscall.withoutConcurrentSpawns { () throws -> Void in
            let fixture = try Fixture()
            let reader = try fixture.opened(.read)
            var writer = try fixture.opened(.write)
            try fixture.ctl(fixture.inner, KernelEpoll.add, reader, .input)
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .edgeTriggered])
            #expect(try fixture.outerReport() == nil)
            for _ in 0..<2 {
                #expect(fixture.write(writer, 1) == 1)
                #expect(try fixture.outerReport() == .input)
                #expect(try fixture.outerReport() == nil)
            }
            #expect(try fixture.innerReport(reader) == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(fixture.read(reader, 1) == 1)
            #expect(fixture.write(writer, 0) == 0)
            #expect(try fixture.outerReport() == nil)
            fixture.close(writer)
            #expect(try fixture.outerReport(timeout: 10_000) == .input)  // the release: news
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport(reader) == [.input, .hangUp])
            writer = try fixture.opened(.write)
            #expect(try fixture.outerReport() == .input)  // the first writer's open: news
            #expect(try fixture.outerReport() == nil)
            _ = try fixture.opened(.write)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport(reader) == .input)
        }
    }

    /// The writers' last close: an inner registration of the read end asking `EPOLLIN` reports `EPOLLHUP` (with
    /// `EPOLLIN` while bytes are left), and the outer sees `EPOLLIN | EPOLLRDNORM` — at every wait, level-triggered;
    /// an `EPOLLET` inner registration's news reaches the outer until the inner's wait takes it.
    @Test func theWritersLastCloseIsInputToTheOuter() throws {
        try Syscall.withoutConcurrentSpawns { () throws -> Void in
            for (bytes, behaviour) in [(0, Events()), (1, Events()), (1, Events.edgeTriggered)] {
                let fixture = try Fixture()
                let reader = try fixture.opened(.read)
                let writer = try fixture.opened(.write)
                #expect(fixture.write(writer, bytes) == bytes)
                try fixture.ctl(fixture.inner, KernelEpoll.add, reader, [.input, behaviour])
                _ = try fixture.innerReport(reader)
                try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, Self.readNormal])
                fixture.close(writer)
                #expect(try fixture.outerReport(timeout: 10_000) == Self.inputNormal)
                #expect(try fixture.outerReport() == Self.inputNormal)
                #expect(try fixture.innerReport(reader) == (bytes > 0 ? [.input, .hangUp] : .hangUp))
                #expect(try fixture.outerReport() == (behaviour.isEmpty ? Self.inputNormal : nil))
            }
        }
    }

    /// The reader's close seen by an inner registration of the write end: `EPOLLERR` (with `EPOLLOUT` while there is
    /// room; asked `EPOLLIN` alone, `EPOLLERR` alone), and the outer sees `EPOLLIN` (never `EPOLLOUT` or `EPOLLERR`);
    /// an `EPOLLET` outer hears the release once.
    @Test func theReadersCloseIsAnErrorToTheInnerAndInputToTheOuter() throws {
        try Syscall.withoutConcurrentSpawns { () throws -> Void in
            let fixture = try Fixture()
            let reader = try fixture.opened(.read)
            let writer = try fixture.opened(.write)
            try fixture.ctl(fixture.inner, KernelEpoll.add, writer, .output)
            try fixture.ctl(fixture.outer, KernelEpoll.add, fixture.inner, [.input, .output, .edgeTriggered])
            #expect(try fixture.outerReport() == .input)  // the ADD found it ready
            #expect(try fixture.outerReport() == nil)
            #expect(fixture.write(writer, 1) == 1)
            #expect(fixture.read(reader, 1) == 1)
            #expect(try fixture.outerReport() == nil)  // neither wakes the write end's queue with room left
            fixture.close(reader)
            #expect(try fixture.outerReport(timeout: 10_000) == .input)
            #expect(try fixture.outerReport() == nil)
            #expect(try fixture.innerReport(writer) == [.output, .error])
            try fixture.ctl(fixture.inner, KernelEpoll.modify, writer, .input)
            #expect(try fixture.innerReport(writer) == .error)
            try fixture.ctl(fixture.outer, KernelEpoll.modify, fixture.inner, [.input, .output, .error])
            #expect(try fixture.outerReport() == .input)
            #expect(try fixture.outerReport() == .input)
        }
    }
}
