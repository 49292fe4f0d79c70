import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// epoll with two opens of one FIFO end by one process, as this kernel does them: each open is its own description,
/// so its own registration (`ep_find` keys on `(file, fd)`). The process's calls on the end name its latest open (the
/// binding's rule), so an `epoll_ctl` through the end reaches the latest open's registration only — ADD succeeds while
/// an older open is registered, MOD and DEL fail `ENOENT` until it is added — while a wait reports the older open's
/// registration under the end's name too, with that open's own poll mask (its hang-up suppression), until the open's
/// last close; then the older open is the end's again and `epoll_ctl` reaches its registration. An `O_RDWR` open while
/// a read end is registered is another description likewise. Each fact is checked against the fifo model
/// (``FIFOModel+Epoll``) from the same start.
@Suite struct KernelFIFOEpollTwoOpensFactsTests {
    typealias Events = Epoll.Events
    typealias Fixture = KernelFIFOEpollFactsTests.Fixture
    let facts = KernelFIFOEpollFactsTests()

    /// `epoll_ctl` on the kernel: the errno, nil for success.
    func control(_ instance: CInt, _ operation: CInt, _ descriptor: CInt, _ events: Events) -> Errno? {
        do throws(Errno) {
            try KernelEpoll.control(instance, operation, descriptor, events: KernelEpoll.Events(rawValue: UInt32(events.rawValue)))
            return nil
        } catch {
            return error
        }
    }

    static func control(_ operation: Epoll.Operation, _ end: PipeModel.End, _ events: Events = .input) -> FIFOModel.Input {
        .epoll(process: 1, call: .control(operation: operation, end: end, events: events))
    }

    static func reports(_ reports: (PipeModel.End, Events)...) -> FIFOModel.Output {
        .epollEvents(reports.map { PipeModel.EpollReport(end: $0.0, events: $0.1) }.sorted())
    }

    /// A byte written by process 2 on the kernel and in the model.
    func write(_ writer: CInt, by process: Int, _ state: inout FIFOModel.State) {
        #expect(Glibc.write(writer, "a", 1) == 1)
        #expect(facts.step(&state, .write(process: process, data: [1], nonblocking: true)) == .wrote(1))
    }

    /// Process 1 registers its read end, then opens it again: the older open's registration is still reported (under
    /// the end's name), `epoll_ctl` through the end reaches the new open (MOD `ENOENT`, ADD succeeds, a second entry of
    /// the same end reported, with its own `EPOLLET`), DEL takes the new one only; after the new open's close the older
    /// is the end's again (MOD succeeds), and its last close takes its registration.
    @Test func aSecondOpenOfARegisteredEndIsARegistrationOfItsOwn() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let first = try facts.opened(.read, by: 1, &state, fixture), writer = try facts.opened(.write, by: 2, &state, fixture)
        let instance = try fixture.instance()
        try facts.register(instance, first, by: 1, .read, .input, &state)
        write(writer, by: 2, &state)
        let second = try facts.opened(.read, by: 1, &state, fixture)
        let targets = [first: PipeModel.End.read, second: .read]
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input)))
        #expect(control(instance, KernelEpoll.modify, second, .input) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.control(.modify, .read)) == .failed(.ENOENT))
        #expect(control(instance, KernelEpoll.delete, second, []) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.control(.delete, .read, [])) == .failed(.ENOENT))
        #expect(control(instance, KernelEpoll.add, second, [.input, .edgeTriggered]) == nil)
        #expect(facts.step(&state, Self.control(.add, .read, [.input, .edgeTriggered])) == .epollControlled)
        #expect(control(instance, KernelEpoll.add, second, .input) == .fileExists)
        #expect(facts.step(&state, Self.control(.add, .read)) == .failed(.EEXIST))
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input), (.read, .input)))
        // The edge-triggered one has reported its news; the level-triggered one reports again.
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input)))
        write(writer, by: 2, &state)
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input), (.read, .input)))
        #expect(control(instance, KernelEpoll.delete, second, []) == nil)
        #expect(facts.step(&state, Self.control(.delete, .read, [])) == .epollControlled)
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input)))
        #expect(control(instance, KernelEpoll.add, second, .input) == nil)
        #expect(facts.step(&state, Self.control(.add, .read)) == .epollControlled)
        // The new open's close takes its registration only; the older open is the end's again.
        facts.close(second, by: 1, .read, &state, fixture)
        try facts.expectWait(&state, 1, instance, [first: .read], Self.reports((.read, .input)))
        #expect(control(instance, KernelEpoll.modify, first, [.input, .edgeTriggered]) == nil)
        #expect(facts.step(&state, Self.control(.modify, .read, [.input, .edgeTriggered])) == .epollControlled)
        try facts.expectWait(&state, 1, instance, [first: .read], Self.reports((.read, .input)))
        try facts.expectWait(&state, 1, instance, [first: .read], Self.reports())
        #expect(state.pipe.epollUnjudged.isEmpty)
        facts.close(first, by: 1, .read, &state, fixture)
        try facts.expectWait(&state, 1, instance, [:], Self.reports())
        #expect(state.pipe.epoll.isEmpty && state.pipe.epollUnjudged.isEmpty)
    }

    /// Each open's registration reports that open's poll mask: the older read open, which saw a writer come and go,
    /// reports `EPOLLHUP`; the second, opened nonblocking after the writer left, is quiet — both under the read end.
    /// Edge-triggered, the older one's hang-up is news once (the writer's close came before the second open), and again
    /// at the second open's close: a release that leaves readers and no writer wakes both queues with no key.
    @Test(arguments: [false, true]) func eachOpensRegistrationReportsItsOwnHangUp(edgeTriggered: Bool) throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let asked: Events = edgeTriggered ? [.input, .edgeTriggered] : .input
        let first = try facts.opened(.read, by: 1, &state, fixture), instance = try fixture.instance()
        try facts.register(instance, first, by: 1, .read, asked, &state)
        let writer = try facts.opened(.write, by: 2, &state, fixture)
        facts.close(writer, by: 2, .write, &state, fixture)
        let second = try facts.opened(.read, by: 1, &state, fixture)
        let targets = [first: PipeModel.End.read, second: .read]
        #expect(control(instance, KernelEpoll.add, second, asked) == nil)
        #expect(facts.step(&state, Self.control(.add, .read, asked)) == .epollControlled)
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .hangUp)))
        try facts.expectWait(&state, 1, instance, targets, edgeTriggered ? Self.reports() : Self.reports((.read, .hangUp)))
        facts.close(second, by: 1, .read, &state, fixture)
        try facts.expectWait(&state, 1, instance, [first: .read], Self.reports((.read, .hangUp)))
        try facts.expectWait(&state, 1, instance, [first: .read], edgeTriggered ? Self.reports() : Self.reports((.read, .hangUp)))
    }

    /// An `O_RDWR` open while the read end is registered is another description: `epoll_ctl` through either end names
    /// it (MOD `ENOENT`, ADD succeeds); the read open's registration reports the read end's mask and the `O_RDWR` one
    /// both ends' bits under the end it was added through; closing the `O_RDWR` open leaves the read open's, now with
    /// `EPOLLHUP` (no writer left), and the read end is the read open's again (MOD succeeds).
    @Test func aReadWriteOpenWhileRegisteredIsARegistrationOfItsOwn() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let reader = try facts.opened(.read, by: 1, &state, fixture), writer = try facts.opened(.write, by: 2, &state, fixture)
        let instance = try fixture.instance()
        try facts.register(instance, reader, by: 1, .read, .input, &state)
        let both = try facts.opened(.readWrite, by: 1, &state, fixture)
        let targets = [reader: PipeModel.End.read, both: .write]
        try facts.expectWait(&state, 1, instance, targets, Self.reports())
        #expect(control(instance, KernelEpoll.modify, both, .input) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.control(.modify, .read)) == .failed(.ENOENT))
        #expect(control(instance, KernelEpoll.add, both, [.input, .output]) == nil)
        #expect(facts.step(&state, Self.control(.add, .write, [.input, .output])) == .epollControlled)
        #expect(facts.step(&state, Self.control(.add, .read)) == .failed(.EEXIST))
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.write, .output)))
        #expect(Glibc.write(both, "x", 1) == 1)
        #expect(facts.step(&state, .write(process: 1, data: [1], nonblocking: true)) == .wrote(1))
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input), (.write, [.input, .output])))
        facts.close(writer, by: 2, .write, &state, fixture)
        try facts.expectWait(&state, 1, instance, targets, Self.reports((.read, .input), (.write, [.input, .output])))
        facts.close(both, by: 1, .read, &state, fixture)
        try facts.expectWait(&state, 1, instance, [reader: .read], Self.reports((.read, [.input, .hangUp])))
        #expect(control(instance, KernelEpoll.modify, reader, .output) == nil)
        #expect(facts.step(&state, Self.control(.modify, .read, .output)) == .epollControlled)
        try facts.expectWait(&state, 1, instance, [reader: .read], Self.reports((.read, .hangUp)))
        #expect(state.pipe.epollUnjudged.isEmpty)
    }
}
