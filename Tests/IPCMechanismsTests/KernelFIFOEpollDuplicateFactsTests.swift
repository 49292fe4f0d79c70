import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// epoll across `dup`, `F_DUPFD`, `dup2` and `close` of a registered FIFO descriptor, as this kernel does them: a
/// registration is `(file, fd)` — the open file description and the number it was added through (`ep_find`) — and goes
/// only with the description's last close (`eventpoll_release`). So the registered number closed while a copy lives
/// stays registered and reported (epoll(7), "closed descriptor still reported"), and MOD or DEL through the copy fail
/// `ENOENT`; a copy that later takes the closed number reaches it again. Each fact is checked against the fifo model
/// (``FIFOModel+Epoll``) from the same start, or, where the model cannot tell, that it stops judging. Process 1 holds
/// the read end and its epoll instance, process 2 the write end.
@Suite struct KernelFIFOEpollDuplicateFactsTests {
    typealias Events = Epoll.Events
    typealias Fixture = KernelFIFOEpollFactsTests.Fixture
    let facts = KernelFIFOEpollFactsTests()

    /// A FIFO with a reader (process 1, `reader`), a writer (process 2) that has written a byte, and process 1's
    /// instance, on the kernel and in the model.
    func readable(_ fixture: Fixture, _ state: inout FIFOModel.State) throws -> (reader: CInt, instance: CInt) {
        let reader = try facts.opened(.read, by: 1, &state, fixture), writer = try facts.opened(.write, by: 2, &state, fixture)
        #expect(Glibc.write(writer, "a", 1) == 1)
        #expect(facts.step(&state, .write(process: 2, data: [1], nonblocking: true)) == .wrote(1))
        return (reader, try fixture.instance())
    }

    /// ``readable(_:_:)``, then process 1 registers a copy of its read end and closes the copy: the reader, the
    /// instance and the closed copy's number.
    func closedRegisteredCopy(_ fixture: Fixture, _ state: inout FIFOModel.State) throws -> (reader: CInt, instance: CInt, copy: CInt) {
        let (reader, instance) = try readable(fixture, &state)
        let copy = try duplicated(reader, &state)
        try facts.register(instance, copy, by: 1, .read, .input, &state)
        closed(copy, &state)
        return (reader, instance, copy)
    }

    /// `dup` of `descriptor` on the kernel, and of process 1's read end in the model.
    func duplicated(_ descriptor: CInt, _ state: inout FIFOModel.State) throws -> CInt {
        let copy = dup(descriptor)
        try #require(copy >= 0)
        #expect(facts.step(&state, .duplicate(process: 1, end: .read)) == .duplicated)
        return copy
    }

    /// A close on the kernel with spawns held off (the description must not live on in a child), and process 1's close
    /// of its read end (its newest descriptor) in the model.
    func closed(_ descriptor: CInt, _ state: inout FIFOModel.State) {
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(descriptor) }
        #expect(facts.step(&state, .close(process: 1, end: .read)) == .closed)
    }

    /// MOD or DEL of `descriptor` on the kernel: the errno, nil for success.
    func control(_ instance: CInt, _ operation: CInt, _ descriptor: CInt) -> Errno? {
        do throws(Errno) {
            try KernelEpoll.control(instance, operation, descriptor, events: .input)
            return nil
        } catch {
            return error
        }
    }

    static func modify(_ events: Events = .input) -> FIFOModel.Input {
        .epoll(process: 1, call: .control(operation: .modify, end: .read, events: events))
    }
    static let delete = FIFOModel.Input.epoll(process: 1, call: .control(operation: .delete, end: .read, events: []))
    static let readable = KernelFIFOEpollFactsTests.events(.read, .input)

    /// The registered copy closed while the open's own descriptor lives: still reported; MOD and DEL through the own
    /// descriptor fail `ENOENT`; the last close takes the registration.
    @Test func aRegisteredDescriptorClosedWhileACopyLivesIsStillReported() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let (reader, instance, copy) = try closedRegisteredCopy(fixture, &state)
        try facts.expectWait(&state, 1, instance, [copy: .read], Self.readable)
        #expect(control(instance, KernelEpoll.modify, reader) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.modify()) == .failed(.ENOENT))
        #expect(control(instance, KernelEpoll.delete, reader) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.delete) == .failed(.ENOENT))
        try facts.expectWait(&state, 1, instance, [copy: .read], Self.readable)
        #expect(state.pipe.epollUnjudged.isEmpty)
        fixture.close(reader)
        #expect(facts.step(&state, .close(process: 1, end: .read)) == .closed)
        try facts.expectWait(&state, 1, instance, [:], KernelFIFOEpollFactsTests.nothing)
        #expect(state.epollPlaces.isEmpty)
    }

    /// Registered through the open's own descriptor: a copy made after is not the registration (MOD and DEL through it
    /// `ENOENT`), its close changes nothing (still reported, MOD through the own descriptor succeeds); ADD through a
    /// copy is a second registration of the description — both reported — which the model stops judging.
    @Test func aCopyMadeAfterTheAddIsNotTheRegistration() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let (reader, instance) = try readable(fixture, &state)
        try facts.register(instance, reader, by: 1, .read, .input, &state)
        let copy = try duplicated(reader, &state)
        #expect(control(instance, KernelEpoll.modify, copy) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.modify()) == .failed(.ENOENT))
        #expect(control(instance, KernelEpoll.delete, copy) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.delete) == .failed(.ENOENT))
        closed(copy, &state)
        try facts.expectWait(&state, 1, instance, [reader: .read], Self.readable)
        #expect(control(instance, KernelEpoll.modify, reader) == nil)
        #expect(facts.step(&state, Self.modify()) == .epollControlled)
        let second = try duplicated(reader, &state)
        try facts.register(instance, second, by: 1, .read, .input, &state)
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor).sorted() == [reader, second].sorted())
        #expect(state.pipe.epollUnjudged == [1])
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(second) }
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor).sorted() == [reader, second].sorted())
    }

    /// `F_DUPFD` is a `dup` with a lowest number: the same rules (registered through the copy, the copy closed, still
    /// reported, `ENOENT` through the open's own descriptor).
    @Test func anFDupfdCopyIsADup() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let (reader, instance) = try readable(fixture, &state)
        let copy = try Syscall.duplicate(FileDescriptor(rawValue: reader), minimum: 50, closeOnExec: false).rawValue
        #expect(copy >= 50)
        #expect(facts.step(&state, .fcntl(process: 1, end: .read, command: .duplicate(minimum: 50, closeOnExec: false))) == .duplicated)
        try facts.register(instance, copy, by: 1, .read, .input, &state)
        closed(copy, &state)
        try facts.expectWait(&state, 1, instance, [copy: .read], Self.readable)
        #expect(control(instance, KernelEpoll.modify, reader) == .noSuchFileOrDirectory)
        #expect(facts.step(&state, Self.modify()) == .failed(.ENOENT))
    }

    /// A copy made once the registered number is closed may take that number (a `dup` takes the lowest free one) and
    /// then reaches the registration again (MOD succeeds): the model, which has no numbers, stops judging at such a
    /// copy. The number is never left free here — the test process's other threads take free numbers at any moment
    /// (fresh-clone CI runs saw a plain `dup`, then an `F_DUPFD` from the number up, land elsewhere): the copy is
    /// closed by `dup2` of `/dev/null` onto it (the copy's file closed, the number held), and the FIFO's reader is
    /// copied back onto it by `dup2`.
    @Test func aCopyTakingTheClosedNumberReachesTheRegistrationAgain() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let (reader, instance) = try readable(fixture, &state)
        let copy = try duplicated(reader, &state)
        try facts.register(instance, copy, by: 1, .read, .input, &state)
        let placeholder = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(placeholder >= 0)
        Syscall.withoutConcurrentSpawns {
            _ = dup2(placeholder, copy)
            _ = Glibc.close(placeholder)
        }
        #expect(facts.step(&state, .close(process: 1, end: .read)) == .closed)
        let again = dup2(reader, copy)
        // In the model: a dup2 onto a number holding something else (the placeholder, closed by the call).
        let onto = FIFOModel.Input.fcntl(process: 1, end: .read, command: .duplicateOnto(PipeModel.DuplicateCall(target: .other)))
        #expect(facts.step(&state, onto) == .duplicated)
        #expect(again == copy)
        #expect(control(instance, KernelEpoll.modify, again) == nil)
        #expect(state.pipe.epollUnjudged == [1])
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(again) }
    }

    /// `dup2` onto the registered number: of a copy of the same description, the number is that file's again and MOD
    /// through it succeeds; of another open, the registration stays (reported under the number) while the first
    /// description lives, and MOD through the number, now the other file's, fails `ENOENT`. The model stops judging.
    @Test func dup2OntoTheRegisteredNumber() throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let (reader, instance) = try readable(fixture, &state)
        try facts.register(instance, reader, by: 1, .read, .input, &state)
        let copy = dup(reader)
        #expect(dup2(copy, reader) == reader)
        #expect(control(instance, KernelEpoll.modify, reader) == nil)
        let other = try fixture.opened(.read)
        #expect(dup2(other, reader) == reader)
        fixture.close(other)
        #expect(control(instance, KernelEpoll.modify, reader) == .noSuchFileOrDirectory)
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).map(\.descriptor) == [reader])
        Syscall.withoutConcurrentSpawns { _ = Glibc.close(copy) }
        #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 0).isEmpty)
        #expect(control(instance, KernelEpoll.delete, reader) == .noSuchFileOrDirectory)
        // The model: a dup2 by a registered process ends judging.
        #expect(facts.step(&state, .duplicate(process: 1, end: .read)) == .duplicated)
        let onto = FIFOModel.Input.fcntl(process: 1, end: .read, command: .duplicateOnto(PipeModel.DuplicateCall(target: .end(.read))))
        #expect(facts.step(&state, onto) == .duplicated)
        #expect(state.pipe.epollUnjudged == [1])
    }
}
