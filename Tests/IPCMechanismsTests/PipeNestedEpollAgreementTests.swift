import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking writes and reads, closes, and holder 1's epoll calls on its implicit instance (`"epoll"`)
/// and on kept instances `a`, `b`, `c` — ADD, MOD and DEL of the pipe's ends and of one another (cycles and chains
/// drawn), zero-timeout waits on each, closes and re-creations of the kept ones — on a real pipe and on the pipe
/// model: the kernel's output must be one the model allows, call for call (``PipeModel+NestedEpoll``; measured in
/// `EpollNestingFactsTests`).
@Suite struct PipeNestedEpollAgreementTests: NestedEpollAgreementSuite {
    typealias Events = PipeModel.EpollEvents
    static let kept = ["a", "b", "c"]

    enum Operation: NestedEpollAgreementOperation, CustomStringConvertible {
        case write(holder: Int, size: Int)
        case read(Int)
        case close(holder: Int, end: PipeModel.End)
        case epoll(NestedEpollAgreement.InstanceCall<PipeModel.End>)

        var instanceCall: NestedEpollAgreement.InstanceCall<PipeModel.End>? { if case .epoll(let call) = self { call } else { nil } }

        var description: String {
            switch self {
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let max): "read(\(max))"
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

    static let operations = Gen.oneOf(
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...300).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 2, end: $0 < 2 ? .read : .write) }.eraseToAny(),
        draws.lifetimes, draws.controls, draws.links, draws.waits, draws.fullWaits
    ).array(of: 1...50).map { Self.kept.map(Operation.create) + $0 }

    /// The measured facts in order (`EpollNestingFactsTests`).
    static let directedSequences: [[Operation]] = [
        // Level-triggered b in a: EPOLLIN|EPOLLRDNORM while b holds a ready end (a write end asking EPOLLOUT too).
        kept.map(Operation.create) + [
            add("a", .instance("b"), [.input, .output, .readNormal]), .wait(instance: "a", maxEvents: 16), add("b", .end(.read)),
            .wait(instance: "a", maxEvents: 16), .write(holder: 2, size: 1), .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16),
            .wait(instance: "a", maxEvents: 16), .read(10), .wait(instance: "a", maxEvents: 16), add("b", .end(.write), .output),
            .wait(instance: "a", maxEvents: 16), .control(instance: "a", operation: .modify, target: .instance("b"), events: .output),
            .wait(instance: "a", maxEvents: 16),
        ],
        // The outer poll consumes nothing: b's EPOLLET registration still reports to b; then b is silent to a.
        kept.map(Operation.create) + [
            add("a", .instance("b")), add("b", .end(.read), [.input, .edgeTriggered]), .write(holder: 1, size: 2),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16),
        ],
        // EPOLLET of b in a: once per write; b's own wait is no news; ONESHOT once until MOD.
        kept.map(Operation.create) + [
            add("a", .instance("b"), [.input, .edgeTriggered]), add("b", .end(.read)), .wait(instance: "a", maxEvents: 16),
            .write(holder: 2, size: 1), .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .write(holder: 2, size: 1),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16), .wait(instance: "a", maxEvents: 16),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: [.input, .oneShot]), .wait(instance: "a", maxEvents: 16),
            .wait(instance: "a", maxEvents: 16), .write(holder: 2, size: 1), .wait(instance: "a", maxEvents: 16),
        ],
        // Loops, self, EPOLLEXCLUSIVE, EEXIST, a chain of five (epoll → a → b → c is four instances; the implicit one
        // at the bottom of another makes five links: refused), a closed instance EBADF, its close dropping it from a.
        kept.map(Operation.create) + [
            add("a", .instance("a")), add("a", .instance("b"), [.exclusive, .input]), add("a", .instance("b")), add("a", .instance("b")),
            add("b", .instance("a")), add("b", .instance("c")), add("c", .instance("a")), add("epoll", .instance("a")),
            add("c", .instance("epoll")), .control(instance: "a", operation: .delete, target: .instance("b"), events: []), add("c", .instance("a")),
            add("c", .end(.read)), .write(holder: 2, size: 1), .wait(instance: "epoll", maxEvents: 16), .closeInstance("c"),
            .wait(instance: "b", maxEvents: 16), .closeInstance("c"), add("c", .end(.read)), .create("c"), add("b", .instance("c")),
        ],
        // The implicit instance in a kept one, and a kept one in the implicit one.
        kept.map(Operation.create) + [
            add("epoll", .end(.read), [.input, .edgeTriggered]), add("a", .instance("epoll"), [.input, .edgeTriggered]),
            .write(holder: 2, size: 1), .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .wait(instance: "epoll", maxEvents: 16),
            .write(holder: 2, size: 1), .wait(instance: "a", maxEvents: 16), add("b", .end(.write), .output), add("epoll", .instance("b")),
            .wait(instance: "epoll", maxEvents: 1), .wait(instance: "epoll", maxEvents: 16),
        ],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["instance reported", "outer silent while inner ready", "ELOOP", "EEXIST", "EINVAL", "EBADF", "ENOENT", "edge instance reported"],
            check: { operations, seen throws in try Self.check(operations: operations, seen: seen) })
    }

    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations: operations, seen: seen) }
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let pipe = try HeldPipeEnds()
            var instances = try NestedEpollAgreement.Instances()
            defer { instances.closeAll() }
            let model = HeldPipeEnds.model
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                var input: PipeModel.Input
                var kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .write(let holder, let size): (input, kernel) = pipe.write(holder: holder, size: size, fill: UInt8(truncatingIfNeeded: index))
                    case .read(let max): (input, kernel) = pipe.read(max: max)
                    case .close(let holder, let end): (input, kernel) = pipe.close(holder: holder, end: end)
                    case .epoll(let call):
                        input = call.input()
                        kernel = try instances.perform(call, model: model, states: &states, targets: Self.targets) { pipe.ends[$0]![1]?.rawValue ?? -1 }
                    }
                } catch {
                    input = operation.instanceCall.map { $0.input() } ?? .available(process: 1)
                    kernel = .failed(ErrorCode(error.name))
                }
                guard let next = PipeAgreement.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                seen.withLock { seen in
                    NestedEpollAgreement.mark(kernel, waitedOn: operation.waitedOn, registrations: states.map(\.nestedEpoll), seen: &seen)
                    if case .epollEvents(let reports) = kernel, reports.isEmpty, let instance = operation.waitedOn,
                        states.contains(where: { state in
                            state.nestedEpoll.contains {
                                $0.target.instance == instance && $0.target.target.instanceName != nil
                                    && model.instanceReadiness($0.target.target.name, process: 1, in: state) == .certain
                            }
                        })
                    {
                        seen.insert("outer silent while inner ready")
                    }
                }
                states = next
            }
        }
    }

    /// The plausible wrong beliefs the model rejects, each beside the kernel's outcome (`EpollNestingFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1], nonblocking: true))])
        func nested(_ call: PipeModel.NestedEpollCall) -> PipeModel.Input { .nestedEpoll(process: 1, call: call) }
        func control(_ instance: String, _ operation: PipeModel.EpollOperation, _ target: PipeModel.EpollTarget, _ events: Events = .input) -> PipeModel.Input {
            nested(.control(instance: instance, operation: operation, target: target, events: events))
        }
        func wait(_ instance: String) -> PipeModel.Input { nested(.wait(instance: instance, maxEvents: 16, timeout: 0, form: .plain)) }
        func after(_ steps: [(PipeModel.Input, PipeModel.Output)], from start: PipeModel.State? = nil) -> PipeModel.State {
            var state = start ?? model.initialState(of: "p0")
            for (input, output) in steps {
                let next = model.step(state, input, output)
                #expect(next.count >= 1, "\(input) → \(output)")
                state = next.first!.state
            }
            return state
        }
        let created = after(["a", "b", "c", "d", "e"].map { (nested(.create(.flags(0), keep: $0)), .epollCreated(closeOnExec: false)) })
        let write = (PipeModel.Input.write(process: 1, data: [1], nonblocking: true), PipeModel.Output.wrote(1))
        let ok = PipeModel.Output.epollControlled
        let b = PipeModel.Output.nestedEpollEvents([.init(target: .instance("b"), events: [.input, .readNormal])])
        let bInput = PipeModel.Output.nestedEpollEvents([.init(target: .instance("b"), events: .input)])
        let none = PipeModel.Output.epollEvents([])
        let readable = PipeModel.Output.epollEvents([.init(end: .read, events: .input)])
        // A cycle accepted; the instance itself accepted; EPOLLEXCLUSIVE of an instance accepted.
        let nestedOnce = after([(control("a", .add, .instance("b")), ok)], from: created)
        #expect(model.step(nestedOnce, control("b", .add, .instance("a")), ok).isEmpty)
        #expect(!model.step(nestedOnce, control("b", .add, .instance("a")), .failed(ErrorCode("ELOOP"))).isEmpty)
        #expect(model.step(nestedOnce, control("a", .add, .instance("a")), ok).isEmpty)
        #expect(model.step(created, control("a", .add, .instance("b"), [.input, .exclusive]), ok).isEmpty)
        // A chain of five links accepted (EP_MAX_NESTS is 4); four is fine.
        let chain = after([(control("a", .add, .instance("b")), ok), (control("b", .add, .instance("c")), ok), (control("c", .add, .instance("d")), ok)], from: created)
        #expect(!model.step(chain, control("d", .add, .instance("e")), ok).isEmpty)
        let four = after([(control("d", .add, .instance("e")), ok)], from: chain)
        #expect(model.step(four, control("e", .add, .instance("epoll")), ok).isEmpty)
        #expect(model.step(four, control("epoll", .add, .instance("a")), ok).isEmpty)
        #expect(!model.step(four, control("epoll", .add, .instance("a")), .failed(ErrorCode("ELOOP"))).isEmpty)
        // The inner instance reporting EPOLLOUT to the outer; the outer silent while the inner is ready.
        let ready = after([(control("a", .add, .instance("b"), [.input, .output, .readNormal]), ok), (control("b", .add, .end(.read)), ok), write], from: created)
        #expect(model.step(ready, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .output, .readNormal])])).isEmpty)
        #expect(model.step(ready, wait("a"), none).isEmpty)
        #expect(!model.step(ready, wait("a"), b).isEmpty)
        // The outer wait consuming the inner's EPOLLET news: the inner wait then silent is wrong.
        let edgeInside = after(
            [(control("a", .add, .instance("b")), ok), (control("b", .add, .end(.read), [.input, .edgeTriggered]), ok), write, (wait("a"), bInput)],
            from: created)
        #expect(model.step(edgeInside, wait("b"), none).isEmpty)
        #expect(!model.step(edgeInside, wait("b"), readable).isEmpty)
        // After the inner wait took it, the outer reporting the inner still ready is wrong.
        let taken = after([(wait("b"), readable)], from: edgeInside)
        #expect(model.step(taken, wait("a"), bInput).isEmpty)
        // An EPOLLET registration of an instance reporting twice for one write; silent after a second write.
        let edgeOutside = after(
            [(control("a", .add, .instance("b"), [.input, .edgeTriggered]), ok), (control("b", .add, .end(.read)), ok), write, (wait("a"), bInput)],
            from: created)
        #expect(model.step(edgeOutside, wait("a"), bInput).isEmpty)
        #expect(model.step(after([write], from: edgeOutside), wait("a"), none).isEmpty)
        // The inner instance's own wait is no news for the outer EPOLLET registration.
        #expect(model.step(after([(wait("b"), readable)], from: edgeOutside), wait("a"), bInput).isEmpty)
        // A closed instance is gone from the outer; a wait on it is EBADF.
        let closed = after([(nested(.close(instance: "b")), .closed)], from: ready)
        #expect(model.step(closed, wait("a"), b).isEmpty)
        #expect(!model.step(closed, wait("b"), .failed(.EBADF)).isEmpty)
    }

    /// The trace form: each nested call reads back as written; the implicit instance's own calls stay `epoll`; the
    /// names `read`, `write` and `epoll` cannot be kept; another model refuses `"instance"` and `"keep"` in one line.
    @Test func theTraceFormRoundTripsAndOtherModelsRefuseIt() throws {
        let model = HeldPipeEnds.model
        let inputs: [PipeModel.Input] = [
            .nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "a")),
            .nestedEpoll(process: 1, call: .create(.size(5), keep: "b")),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .instance("b"), events: [.input, .edgeTriggered])),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .delete, target: .end(.read), events: [])),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .instance("epoll"), events: .input)),
            .nestedEpoll(process: 1, call: .control(instance: "epoll", operation: .add, target: .instance("a"), events: .input)),
            .nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain)),
            .nestedEpoll(process: 1, call: .wait(instance: "b", maxEvents: 4, timeout: -1, form: .pwait(signals: [10]))),
            .nestedEpoll(process: 1, call: .close(instance: "a")),
            .epoll(process: 1, call: .control(operation: .add, end: .read, events: .input)),
            .epoll(process: 1, call: .control(operation: .add, end: nil, events: .input)),
            .epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0)),
            .close(process: 1, end: .read),
        ]
        for input in inputs {
            let (f, value) = model.call(for: input)
            #expect(try model.input(from: Call(process: 1, object: "p0", f: f, value: value)) == input, "\(f) \(value.map { "\($0)" } ?? "")")
        }
        let reports: JSONValue = ["events": [["end": "b", "events": ["EPOLLIN"]], ["end": "read", "events": ["EPOLLIN"]]]]
        let wait = PipeModel.Input.nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain))
        #expect(try model.output(from: .ok(reports), for: wait) == .nestedEpollEvents([.init(target: .end(.read), events: .input), .init(target: .instance("b"), events: .input)]))
        for (f, value) in [("epoll_create1", ["keep": "read"]), ("epoll_create1", ["keep": "epoll"]), ("epoll_wait", ["maxevents": 1, "timeout": 0, "instance": "epoll"]),
            ("close", ["end": "epoll"])] as [(String, JSONValue)]
        {
            #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "p0", f: f, value: value)) }
        }
        let signals = SignalModel(receivers: [("sig", .init(receiver: 1))])
        let refused = #expect(throws: ModelError.self) {
            try signals.input(from: Call(process: 1, object: "sig", f: "epoll_wait", value: ["maxevents": 1, "timeout": 0, "instance": "a"]))
        }
        #expect(refused?.message.contains("a nested epoll instance) is the pipe model's") == true)
    }
}
