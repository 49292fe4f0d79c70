import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking opens, writes, reads and closes by two holders of a real FIFO, and holder 1's epoll calls
/// on its implicit instance (`"epoll"`) and on kept instances `a`, `b`, `c` — ADD, MOD and DEL of its ends and of one
/// another, zero-timeout waits on each, closes and re-creations of the kept ones — on the kernel and on the fifo
/// model: the kernel's output must be one the model allows, call for call (``FIFOModel+NestedEpoll``; measured in
/// `FIFOEpollNestingFactsTests`). Holder 1 opens an end only while it has none of it (the nesting the model follows);
/// holder 2 opens as often as drawn, so a release of one of its opens, the first writer's open and a reader opened
/// before any writer all come.
@Suite struct FIFONestedEpollAgreementTests: NestedEpollAgreementSuite {
    typealias Events = Epoll.Events
    static let kept = ["a", "b", "c"]

    enum Operation: NestedEpollAgreementOperation, CustomStringConvertible {
        case open(holder: Int, end: PipeModel.End)
        case write(holder: Int, size: Int)
        case read(holder: Int, max: Int)
        case close(holder: Int, end: PipeModel.End)
        case epoll(NestedEpollAgreement.InstanceCall<PipeModel.End>)

        var instanceCall: NestedEpollAgreement.InstanceCall<PipeModel.End>? { if case .epoll(let call) = self { call } else { nil } }

        var description: String {
            switch self {
            case .open(let holder, let end): "open\(holder)(\(end))"
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let holder, let max): "read\(holder)(\(max))"
            case .close(let holder, let end): "close\(holder)(\(end))"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let eventChoices: [Events] = [
        .input, .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.input, .output], .readNormal, [.input, .readNormal, .edgeTriggered],
        [.exclusive, .input], [.output, .edgeTriggered],
    ]
    static let targets: [PipeModel.EpollTarget] = [.end(.read), .end(.write), .instance("epoll"), .instance("a"), .instance("b"), .instance("c")]

    static let draws = NestedEpollAgreement.draws(kept: kept, targets: targets, eventChoices: eventChoices, of: Operation.self)

    static func end(_ number: Int) -> PipeModel.End { number % 2 == 0 ? .read : .write }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...3).map { Operation.open(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...300).map { Operation.read(holder: 1 + $0 % 2, max: $0) }.eraseToAny(),
        draws.lifetimes, draws.controls, draws.controls, draws.links, draws.waits, draws.fullWaits
    ).array(of: 1...50).map { [.open(holder: 1, end: .read)] + Self.kept.map(Operation.create) + $0 }

    /// The measured facts in order (`FIFOEpollNestingFactsTests`).
    static let directedSequences: [[Operation]] = [
        // A read end opened before any writer in b, b in a: a silent; a writer's open, still silent; a write: EPOLLIN
        // | EPOLLRDNORM to a; the write end asking EPOLLOUT in b: a sees EPOLLIN only, nothing asked EPOLLOUT alone.
        [.open(holder: 1, end: .read)] + kept.map(Operation.create) + [
            add("b", .end(.read)), add("a", .instance("b"), [.input, .output, .readNormal, .readHangUp]), wait("a"),
            .open(holder: 1, end: .write), wait("a"), wait("b"), .write(holder: 1, size: 2), wait("a"), wait("b"), .read(holder: 1, max: 10),
            wait("a"), add("b", .end(.write), .output), wait("a"), wait("b"),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: .output), wait("a"),
        ],
        // The outer wait consumes nothing (EPOLLET, then EPOLLONESHOT in b).
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write)] + kept.map(Operation.create) + [
            add("b", .end(.read), [.input, .edgeTriggered]), add("a", .instance("b")), wait("a"), .write(holder: 2, size: 1), wait("a"),
            wait("a"), wait("b"), wait("a"), wait("b"), .control(instance: "b", operation: .modify, target: .end(.read), events: [.input, .oneShot]),
            wait("a"), wait("a"), wait("b"), wait("a"),
        ],
        // An EPOLLET outer: each write once, a read and a write of nothing no news, the writer's last close news (b
        // then EPOLLIN | EPOLLHUP), the first writer's open again news, a second writer's not.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write)] + kept.map(Operation.create) + [
            add("b", .end(.read)), add("a", .instance("b"), [.input, .edgeTriggered]), wait("a"), .write(holder: 2, size: 1), wait("a"),
            wait("a"), .write(holder: 2, size: 1), wait("a"), wait("b"), wait("a"), .read(holder: 1, max: 1), wait("a"), .close(holder: 2, end: .write),
            wait("a"), wait("a"), wait("b"), .open(holder: 2, end: .write), wait("a"), wait("a"), .open(holder: 2, end: .write), wait("a"),
            .close(holder: 2, end: .write), wait("a"), wait("b"),
        ],
        // The reader's close: the write end in b reports EPOLLOUT | EPOLLERR (asked EPOLLIN, EPOLLERR), a EPOLLIN.
        [.open(holder: 2, end: .read), .open(holder: 1, end: .write)] + kept.map(Operation.create) + [
            add("b", .end(.write), .output), add("a", .instance("b"), [.input, .output, .edgeTriggered]), wait("a"), wait("a"),
            .write(holder: 1, size: 1), .read(holder: 2, max: 1), wait("a"), .close(holder: 2, end: .read), wait("a"), wait("a"), wait("b"),
            .control(instance: "b", operation: .modify, target: .end(.write), events: .input), wait("b"),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: [.input, .output, .error]), wait("a"), wait("a"),
        ],
        // The implicit instance holding a kept one; the registered end's close drops it; a reopened end is new.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write)] + kept.map(Operation.create) + [
            add("a", .end(.read)), add("epoll", .instance("a")), .write(holder: 2, size: 3), wait("epoll"), .close(holder: 1, end: .read),
            wait("epoll"), wait("a"), .open(holder: 1, end: .read), wait("a"), add("a", .end(.read), [.input, .edgeTriggered]), wait("epoll"),
            wait("a"), wait("epoll"),
        ],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["instance reported", "edge instance reported", "ELOOP", "EBADF", "ENOENT", "EEXIST", "hang-up inside"],
            check: { operations, seen throws in try Self.check(operations: operations, seen: seen) })
    }

    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations: operations, seen: seen) }
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifonest"
            try KernelFIFO.create(at: path)
            // Each holder's opens of each end, oldest first (its calls use the newest).
            var held: [Int: [PipeModel.End: [FileDescriptor]]] = [1: [:], 2: [:]]
            var instances = try NestedEpollAgreement.Instances()
            defer {
                for descriptor in held.values.flatMap({ $0.values.joined() }) { try? Syscall.close(descriptor) }
                instances.closeAll()
                unlink(path)
            }
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
            var states = [model.initialState(of: "f0")]
            for (index, operation) in operations.enumerated() {
                var input: FIFOModel.Input
                var kernel: FIFOModel.Output
                switch operation {
                case .open(let holder, let end):
                    // Holder 1 keeps one open of each end at most: the nesting the model follows.
                    if holder == 1 && held[1]![end]?.isEmpty == false { continue }
                    input = .open(process: holder, end: end, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        held[holder]![end, default: []].append(try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: true))
                        return .opened
                    }
                case .write(let holder, let size):
                    input = .write(process: holder, data: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size), nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        guard let descriptor = held[holder]![.write]?.last else { throw Errno.badFileDescriptor }
                        switch try KernelPipe.write(descriptor, [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size), nonblocking: true) {
                        case .completed(let count): return .wrote(count)
                        case .wouldBlock: throw Errno.resourceTemporarilyUnavailable
                        }
                    }
                case .read(let holder, let max):
                    input = .read(process: holder, max: max, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        guard let descriptor = held[holder]![.read]?.last else { throw Errno.badFileDescriptor }
                        switch try KernelPipe.read(descriptor, max: max, nonblocking: true) {
                        case .completed(let bytes): return .read(bytes)
                        case .wouldBlock: throw Errno.resourceTemporarilyUnavailable
                        }
                    }
                case .close(let holder, let end):
                    input = .close(process: holder, end: end)
                    if let descriptor = held[holder]![end]?.popLast() {
                        kernel = FIFOModelAgreementTests.outcome { try Syscall.close(descriptor); return .closed }
                    } else {
                        kernel = .failed(.EBADF)
                    }
                case .epoll(let call):
                    input = call.input()
                    do throws(Errno) {
                        kernel = try instances.perform(call, model: model, states: &states, targets: Self.targets) { held[1]![$0]?.last?.rawValue ?? -1 }
                    } catch {
                        kernel = .failed(ErrorCode(error.name))
                    }
                }
                guard let next = FIFOModelAgreementTests.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)")
                else { return }
                seen.withLock { seen in
                    NestedEpollAgreement.mark(kernel, waitedOn: operation.waitedOn, registrations: states.map(\.pipe.nestedEpoll), seen: &seen)
                    if case .epollEvents(let reports) = kernel, let instance = operation.waitedOn, instance != "epoll",
                        reports.contains(where: { $0.events.contains(.hangUp) || $0.events.contains(.error) })
                    {
                        seen.insert("hang-up inside")
                    }
                }
                states = next
            }
        }
    }

    /// The plausible wrong beliefs the model rejects, each beside the kernel's outcome (`FIFOEpollNestingFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
        func nested(_ call: PipeModel.NestedEpollCall) -> FIFOModel.Input { .nestedEpoll(process: 1, call: call) }
        func control(_ instance: String, _ operation: Epoll.Operation, _ target: PipeModel.EpollTarget, _ events: Events = .input) -> FIFOModel.Input {
            nested(.control(instance: instance, operation: operation, target: target, events: events))
        }
        func wait(_ instance: String) -> FIFOModel.Input { nested(.wait(instance: instance, maxEvents: 16, timeout: 0, form: .plain)) }
        func after(_ steps: [(FIFOModel.Input, FIFOModel.Output)], from start: FIFOModel.State? = nil) -> FIFOModel.State {
            var state = start ?? model.initialState(of: "f0")
            for (input, output) in steps {
                let next = model.step(state, input, output)
                #expect(next.count >= 1, "\(input) → \(output)")
                state = next.first!.state
            }
            return state
        }
        let ok = FIFOModel.Output.epollControlled
        let openRead = (FIFOModel.Input.open(process: 1, end: .read, nonblocking: true), FIFOModel.Output.opened)
        let openWrite = (FIFOModel.Input.open(process: 2, end: .write, nonblocking: true), FIFOModel.Output.opened)
        let write = (FIFOModel.Input.write(process: 2, data: [1], nonblocking: true), FIFOModel.Output.wrote(1))
        let closeWrite = (FIFOModel.Input.close(process: 2, end: .write), FIFOModel.Output.closed)
        let created = after([openRead] + ["a", "b"].map { (nested(.create(.flags(0), keep: $0)), .epollCreated(closeOnExec: false)) })
        let b = FIFOModel.Output.nestedEpollEvents([.init(target: .instance("b"), events: .input)])
        let none = FIFOModel.Output.epollEvents([])
        // A read end opened before any writer: EPOLLHUP suppressed, so b is not ready and a silent.
        let suppressed = after([(control("b", .add, .end(.read)), ok), (control("a", .add, .instance("b")), ok)], from: created)
        #expect(model.step(suppressed, wait("a"), b).isEmpty)
        #expect(!model.step(suppressed, wait("a"), none).isEmpty)
        // A writable write end asking EPOLLOUT in b: the outer reporting EPOLLOUT is wrong (the kernel: EPOLLIN).
        let writable = after(
            [openWrite, (.open(process: 1, end: .write, nonblocking: true), .opened), (control("b", .add, .end(.write), .output), ok),
             (control("a", .add, .instance("b"), [.input, .output]), ok)], from: created)
        #expect(model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .output])])).isEmpty)
        #expect(!model.step(writable, wait("a"), b).isEmpty)
        // The writers' last close: EPOLLHUP passed through to the outer is wrong (the kernel: EPOLLIN).
        let hungUp = after([openWrite, (control("b", .add, .end(.read)), ok), (control("a", .add, .instance("b")), ok), closeWrite], from: created)
        #expect(model.step(hungUp, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .hangUp])])).isEmpty)
        #expect(!model.step(hungUp, wait("a"), b).isEmpty)
        // The outer wait consuming the inner's EPOLLET news: the inner wait then silent is wrong.
        let edgeInside = after(
            [openWrite, (control("b", .add, .end(.read), [.input, .edgeTriggered]), ok), (control("a", .add, .instance("b")), ok), write, (wait("a"), b)],
            from: created)
        #expect(model.step(edgeInside, wait("b"), none).isEmpty)
        // The first writer's open after the writers left, bytes still there: news to an EPOLLET outer (silence wrong).
        let reopened = after(
            [openWrite, write, (control("b", .add, .end(.read)), ok), (control("a", .add, .instance("b"), [.input, .edgeTriggered]), ok),
             (wait("a"), b), closeWrite, (wait("a"), b), (wait("a"), none), openWrite], from: created)
        #expect(model.step(reopened, wait("a"), none).isEmpty)
        #expect(!model.step(reopened, wait("a"), b).isEmpty)
    }

    /// The trace form: each nested call reads back as written through the fifo model; a report may name an instance.
    @Test func theTraceFormRoundTrips() throws {
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup())])
        let inputs: [FIFOModel.Input] = [
            .nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "a")),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .instance("b"), events: [.input, .edgeTriggered])),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .end(.write), events: .output)),
            .nestedEpoll(process: 1, call: .control(instance: "epoll", operation: .add, target: .instance("a"), events: .input)),
            .nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain)),
            .nestedEpoll(process: 1, call: .close(instance: "a")),
            .epoll(process: 1, call: .control(operation: .add, end: .read, events: .input)),
            .close(process: 1, end: .read),
        ]
        for input in inputs {
            let (f, value) = model.call(for: input)
            #expect(try model.input(from: Call(process: 1, object: "f0", f: f, value: value)) == input, "\(f) \(value.map { "\($0)" } ?? "")")
        }
        let reports: JSONValue = ["events": [["end": "b", "events": ["EPOLLIN"]], ["end": "read", "events": ["EPOLLIN"]]]]
        let wait = FIFOModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0))
        let output = FIFOModel.Output.nestedEpollEvents([.init(target: .end(.read), events: .input), .init(target: .instance("b"), events: .input)])
        #expect(try model.output(from: .ok(reports), for: wait) == output)
        #expect(try model.output(from: model.outcome(for: output), for: wait) == output)
    }
}
