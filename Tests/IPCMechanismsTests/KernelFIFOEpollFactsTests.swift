import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on a FIFO's opens, as this kernel (Linux 6.18: `fifo_open` over `pipe_poll`) does them:
/// the facts the fifo model adds to the pipe's epoll rules (``FIFOModel``, `FIFOModel+Epoll.swift`). Each is checked
/// against the model from the same start; each model process is one epoll instance here. Every open is `O_NONBLOCK`
/// and every wait has a zero timeout, so nothing sleeps; the FIFO's descriptors are closed with forks held off (a
/// child another test forked would hold a copy, and the hang-up a test expects would not come).
@Suite struct KernelFIFOEpollFactsTests {
    typealias Events = Epoll.Events

    /// A fresh FIFO and what a test opened on it, each descriptor closed once.
    final class Fixture {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifoep"
        private var open: Set<CInt> = []
        init() throws { try KernelFIFO.create(at: path) }
        deinit {
            Syscall.withoutConcurrentSpawns { for descriptor in open { Glibc.close(descriptor) } }
            unlink(path)
        }

        func opened(_ direction: KernelFIFO.Direction) throws -> CInt {
            let descriptor = try KernelFIFO.open(path, for: direction, nonblocking: true).rawValue
            open.insert(descriptor)
            return descriptor
        }

        func instance() throws -> CInt {
            let descriptor = try KernelEpoll.create().rawValue
            open.insert(descriptor)
            return descriptor
        }

        func close(_ descriptor: CInt) {
            if open.remove(descriptor) != nil { Syscall.withoutConcurrentSpawns { _ = Glibc.close(descriptor) } }
        }
    }

    let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(descriptorLimits: (1...4).map {
        PipeModel.DescriptorLimit(process: $0, free: 100, limit: 1024)
    }))])

    /// The model's one outcome of `input` from `state`, and the state after it (nil: not exactly one).
    func step(_ state: inout FIFOModel.State, _ input: FIFOModel.Input) -> FIFOModel.Output? {
        let outcomes = model.outcomes(of: input, in: state)
        guard outcomes.count == 1, case .completed(let next) = outcomes[0].step else { return nil }
        state = next
        return outcomes[0].output
    }

    /// What a zero-timeout wait reports, as the model names it (`targets`: each registered number's end).
    func reported(_ instance: CInt, _ targets: [CInt: PipeModel.End]) throws -> FIFOModel.Output {
        .epollEvents(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map { event in
            PipeModel.EpollReport(end: targets[event.descriptor] ?? .read, events: Events(rawValue: Int(event.events.rawValue)))
        }.sorted())
    }

    /// A zero-timeout wait on the kernel reports `expected`, and the model's wait by `process` reports the same.
    func expectWait(
        _ state: inout FIFOModel.State, _ process: Int, _ instance: CInt, _ targets: [CInt: PipeModel.End], _ expected: FIFOModel.Output,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let kernel = try reported(instance, targets)
        #expect(kernel == expected, sourceLocation: sourceLocation)
        #expect(step(&state, Self.wait(process)) == kernel, sourceLocation: sourceLocation)
    }

    /// A nonblocking open of `fixture`'s FIFO on the kernel and by `process` in the model (it must succeed in both).
    func opened(_ direction: KernelFIFO.Direction, by process: Int, _ state: inout FIFOModel.State, _ fixture: Fixture) throws -> CInt {
        let descriptor = try fixture.opened(direction)
        let input: FIFOModel.Input =
            switch direction {
            case .read: .open(process: process, end: .read, nonblocking: true)
            case .write: .open(process: process, end: .write, nonblocking: true)
            case .readWrite: .openReadWrite(process: process, nonblocking: true)
            }
        #expect(step(&state, input) == .opened)
        return descriptor
    }

    /// `descriptor`'s close on the kernel, and the close of `process`'s `end` in the model.
    func close(_ descriptor: CInt, by process: Int, _ end: PipeModel.End, _ state: inout FIFOModel.State, _ fixture: Fixture) {
        fixture.close(descriptor)
        #expect(step(&state, .close(process: process, end: end)) == .closed)
    }

    /// An ADD of `descriptor` for `events` on the kernel's `instance`, and of `process`'s `end` in the model.
    func register(
        _ instance: CInt, _ descriptor: CInt, by process: Int, _ end: PipeModel.End, _ events: Events, _ state: inout FIFOModel.State
    ) throws {
        try add(instance, descriptor, events)
        #expect(step(&state, Self.add(process, end, events)) == .epollControlled)
    }

    func add(_ instance: CInt, _ descriptor: CInt, _ events: Events) throws {
        try KernelEpoll.control(instance, KernelEpoll.add, descriptor, events: KernelEpoll.Events(rawValue: UInt32(events.rawValue)))
    }

    static func add(_ process: Int, _ end: PipeModel.End, _ events: Events) -> FIFOModel.Input {
        .epoll(process: process, call: .control(operation: .add, end: end, events: events))
    }

    static func wait(_ process: Int) -> FIFOModel.Input { .epoll(process: process, call: .wait(maxEvents: 16, timeout: 0)) }

    static func events(_ end: PipeModel.End, _ events: Events) -> FIFOModel.Output {
        .epollEvents([PipeModel.EpollReport(end: end, events: events)])
    }

    static let nothing = FIFOModel.Output.epollEvents([])

    /// A reader opened `O_RDONLY | O_NONBLOCK` before any writer reports no `EPOLLHUP`, level- or edge-triggered,
    /// until a writer has opened — nor while it is open; the writer's close brings `EPOLLHUP` (at every wait
    /// level-triggered, once edge-triggered), and a new writer's open takes it away again.
    @Test(arguments: [false, true]) func noHangUpBeforeAWriterHasOpened(edgeTriggered: Bool) throws {
        let fixture = try Fixture()
        let asked: Events = edgeTriggered ? [.input, .edgeTriggered] : .input
        var state = model.initialState(of: "f0")
        let reader = try opened(.read, by: 1, &state, fixture), instance = try fixture.instance()
        try register(instance, reader, by: 1, .read, asked, &state)
        func check(_ expected: FIFOModel.Output, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try expectWait(&state, 1, instance, [reader: .read], expected, sourceLocation: sourceLocation)
        }
        try check(Self.nothing)
        try check(Self.nothing)
        var writer = try opened(.write, by: 2, &state, fixture)
        try check(Self.nothing)
        close(writer, by: 2, .write, &state, fixture)
        try check(Self.events(.read, .hangUp))
        try check(edgeTriggered ? Self.nothing : Self.events(.read, .hangUp))
        writer = try opened(.write, by: 2, &state, fixture)
        try check(Self.nothing)
    }

    /// The suppression is each open's own: a reader opened nonblocking after the writers left (the FIFO has had
    /// writers) is quiet, while an earlier reader that saw them reports `EPOLLHUP`.
    @Test func eachOpenHasItsOwnHangUpSuppression() throws {
        let fixture = try Fixture()
        var state = model.initialState(of: "f0")
        let first = try opened(.read, by: 1, &state, fixture), writer = try opened(.write, by: 2, &state, fixture)
        close(writer, by: 2, .write, &state, fixture)
        let second = try opened(.read, by: 3, &state, fixture)
        let firstInstance = try fixture.instance(), secondInstance = try fixture.instance()
        try add(firstInstance, first, .input)
        try register(secondInstance, second, by: 1, .read, .input, &state)
        #expect(step(&state, Self.add(3, .read, .input)) == .epollControlled)
        #expect(try reported(firstInstance, [first: .read]) == Self.events(.read, .hangUp))
        #expect(step(&state, Self.wait(1)) == Self.events(.read, .hangUp))
        #expect(try reported(secondInstance, [second: .read]) == Self.nothing)
        #expect(step(&state, Self.wait(3)) == Self.nothing)
    }

    /// The first writer's open (none had it open) is news for an edge-triggered read end: bytes left by a writer
    /// that has gone are reported again (`EPOLLIN`, without the hang-up now). A second writer's open is no news, nor
    /// is an `O_RDWR` open's when a writer is already there; an `O_RDWR` open with no writer is.
    @Test func theFirstWritersOpenIsNewsForEdgeTriggeredReaders() throws {
        let fixture = try Fixture()
        var state = model.initialState(of: "f0")
        let reader = try opened(.read, by: 1, &state, fixture), instance = try fixture.instance()
        var writer = try opened(.write, by: 2, &state, fixture)
        #expect(Glibc.write(writer, "ab", 2) == 2)
        #expect(step(&state, .write(process: 2, data: Array("ab".utf8), nonblocking: true)) == .wrote(2))
        close(writer, by: 2, .write, &state, fixture)
        let asked: Events = [.input, .edgeTriggered]
        try register(instance, reader, by: 1, .read, asked, &state)
        func check(_ expected: FIFOModel.Output, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try expectWait(&state, 1, instance, [reader: .read], expected, sourceLocation: sourceLocation)
        }
        try check(Self.events(.read, [.input, .hangUp]))
        try check(Self.nothing)
        writer = try opened(.write, by: 2, &state, fixture)
        try check(Self.events(.read, .input))
        let second = try opened(.write, by: 3, &state, fixture)
        try check(Self.nothing)
        close(second, by: 3, .write, &state, fixture)
        close(writer, by: 2, .write, &state, fixture)
        try check(Self.events(.read, [.input, .hangUp]))
        let both = try opened(.readWrite, by: 4, &state, fixture)
        try check(Self.events(.read, .input))
        close(both, by: 4, .read, &state, fixture)
        try check(Self.events(.read, [.input, .hangUp]))
    }

    /// A reader's open is no news for an edge-triggered write end, the first reader's neither (`EPOLLOUT` is not
    /// reported again once `EPOLLERR` has gone); the last reader's close is, with `EPOLLERR`.
    @Test func aReadersOpenIsNoNewsForEdgeTriggeredWriters() throws {
        let fixture = try Fixture()
        var state = model.initialState(of: "f0")
        var reader = try opened(.read, by: 1, &state, fixture)
        let writer = try opened(.write, by: 2, &state, fixture), instance = try fixture.instance()
        close(reader, by: 1, .read, &state, fixture)
        let asked: Events = [.output, .edgeTriggered]
        try register(instance, writer, by: 2, .write, asked, &state)
        func check(_ expected: FIFOModel.Output, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try expectWait(&state, 2, instance, [writer: .write], expected, sourceLocation: sourceLocation)
        }
        try check(Self.events(.write, [.output, .error]))
        try check(Self.nothing)
        reader = try opened(.read, by: 1, &state, fixture)
        try check(Self.nothing)
        close(reader, by: 1, .read, &state, fixture)
        try check(Self.events(.write, [.output, .error]))
    }

    /// An `O_RDWR` open registered for `EPOLLIN | EPOLLOUT` reports `EPOLLOUT`, and `EPOLLIN` too once it holds bytes;
    /// never `EPOLLHUP` or `EPOLLERR`, whoever comes and goes (another reader, a writer's open and close). It is one
    /// description under both ends' names (one descriptor): an ADD through the other end is `EEXIST`, a MOD through it
    /// changes the one registration, which is still reported under the end it was added through.
    @Test func aReadWriteOpenReportsBothEndsAndNeverHangsUp() throws {
        let fixture = try Fixture()
        var state = model.initialState(of: "f0")
        let both = try opened(.readWrite, by: 1, &state, fixture), instance = try fixture.instance()
        try register(instance, both, by: 1, .read, [.input, .output], &state)
        try expectWait(&state, 1, instance, [both: .read], Self.events(.read, .output))
        #expect(Glibc.write(both, "x", 1) == 1)
        #expect(step(&state, .write(process: 1, data: Array("x".utf8), nonblocking: true)) == .wrote(1))
        try expectWait(&state, 1, instance, [both: .read], Self.events(.read, [.input, .output]))
        let reader = try opened(.read, by: 2, &state, fixture)
        close(reader, by: 2, .read, &state, fixture)
        let writer = try opened(.write, by: 3, &state, fixture)
        close(writer, by: 3, .write, &state, fixture)
        try expectWait(&state, 1, instance, [both: .read], Self.events(.read, [.input, .output]))
        // Through the other end: the same registration.
        #expect(throws: Errno.fileExists) { try add(instance, both, .output) }
        #expect(step(&state, Self.add(1, .write, .output)) == .failed(.EEXIST))
        try KernelEpoll.control(instance, KernelEpoll.modify, both, events: .output)
        #expect(step(&state, .epoll(process: 1, call: .control(operation: .modify, end: .write, events: .output))) == .epollControlled)
        try expectWait(&state, 1, instance, [both: .read], Self.events(.read, .output))
    }

    /// A registration is made on an open file description: closing that open's only descriptor removes it (the number
    /// is then `EBADF`); a `dup` keeps it, and closing the original while the copy is open keeps it too (reported under
    /// the original's data). Two opens of one end are two registrations.
    @Test func aRegistrationGoesWithItsOpen() throws {
        let fixture = try Fixture()
        var state = model.initialState(of: "f0")
        let reader = try opened(.read, by: 1, &state, fixture), writer = try opened(.write, by: 2, &state, fixture)
        let instance = try fixture.instance()
        try register(instance, reader, by: 1, .read, .input, &state)
        // Two opens, two registrations.
        let second = try fixture.opened(.read)
        try add(instance, second, .input)
        #expect(Glibc.write(writer, "a", 1) == 1)
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor).sorted() == [reader, second].sorted())
        fixture.close(second)
        #expect(throws: Errno.badFileDescriptor) {
            try KernelEpoll.control(instance, KernelEpoll.modify, second, events: .input)
        }
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor) == [reader])
        _ = step(&state, .write(process: 2, data: [1], nonblocking: true))
        #expect(step(&state, Self.wait(1)) == Self.events(.read, .input))
        // The model: the last close of the registered open takes the registration.
        var closed = state
        #expect(step(&closed, .close(process: 1, end: .read)) == .closed)
        #expect(closed.pipe.epoll.isEmpty && closed.pipe.epollUnjudged.isEmpty)
        #expect(step(&closed, Self.wait(1)) == Self.nothing)
        // A dup keeps it, whichever of the two is closed. The model follows which descriptor was registered
        // (KernelFIFOEpollDuplicateFactsTests): the copy's close leaves the registration, still judged.
        let copy = dup(reader)
        #expect(copy >= 0)
        #expect(step(&state, .duplicate(process: 1, end: .read)) == .duplicated)
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(copy) }
        #expect(step(&state, .close(process: 1, end: .read)) == .closed)
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor) == [reader])
        #expect(state.pipe.epollUnjudged.isEmpty)
        #expect(step(&state, Self.wait(1)) == Self.events(.read, .input))
        let other = dup(reader)
        fixture.close(reader)
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor) == [reader])
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(other) }
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).isEmpty)
    }
}
