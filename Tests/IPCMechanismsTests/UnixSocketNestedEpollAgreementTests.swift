import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking sends and receives, shutdowns and closes on a socket pair of each type, and one process's
/// epoll calls on its implicit instance (`"epoll"`) and on kept instances `i`, `j`, `k` — ADD, MOD and DEL of the
/// pair's ends `a` and `b` and of one another (cycles and chains drawn), zero-timeout waits on each, closes and
/// re-creations of the kept ones — on a real pair and on the unix-socket model: the kernel's output must be one the
/// model allows, call for call (``UnixSocketModel+NestedEpoll``; measured in `UnixSocketEpollNestingFactsTests`). A
/// disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
@Suite struct UnixSocketNestedEpollAgreementTests: NestedEpollAgreementSuite {
    typealias Events = Epoll.Events
    typealias Target = UnixSocketModel.EpollTarget
    static let kept = ["i", "j", "k"]
    static let ends = ["a", "b"]

    enum Operation: NestedEpollAgreementOperation, CustomStringConvertible {
        case send(end: String, size: Int)
        case receive(end: String, max: Int)
        case shutdown(end: String, how: Int)
        case close(end: String)
        case epoll(NestedEpollAgreement.InstanceCall<String>)

        var instanceCall: NestedEpollAgreement.InstanceCall<String>? { if case .epoll(let call) = self { call } else { nil } }

        var description: String {
            switch self {
            case .send(let end, let size): "send(\(end), \(size))"
            case .receive(let end, let max): "receive(\(end), \(max))"
            case .shutdown(let end, let how): "shutdown(\(end), \(how))"
            case .close(let end): "close(\(end))"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let eventChoices: [Events] = [
        .input, .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.input, .output], .readNormal, [.input, .readNormal, .edgeTriggered],
        [.output, .edgeTriggered], [.readHangUp, .edgeTriggered],
    ]
    static let targets: [Target] = [.end("a"), .end("b"), .instance("epoll"), .instance("i"), .instance("j"), .instance("k")]

    static let draws = NestedEpollAgreement.draws(kept: kept, targets: targets, eventChoices: eventChoices, of: Operation.self)

    static let operations = Gen.oneOf(
        Gen.int(in: 0...399).map { Operation.send(end: ends[$0 % 2], size: $0 / 2) }.eraseToAny(),
        Gen.int(in: 0...19).map { Operation.send(end: ends[$0 % 2], size: 150_000 + $0 * 1000) }.eraseToAny(),
        Gen.int(in: 0...299).map { Operation.receive(end: ends[$0 % 2], max: [1, 7, 100, 300_000][$0 % 4]) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.shutdown(end: ends[$0 % 2], how: $0 / 2) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.close(end: ends[$0 % 2]) }.eraseToAny(),
        draws.lifetimes, draws.controls, draws.links, draws.waits, draws.fullWaits
    ).array(of: 1...40).map { Self.kept.map(Operation.create) + $0 }

    /// The measured facts in order (`UnixSocketEpollNestingFactsTests`).
    static let directedSequences: [[Operation]] = [
        // An instance holding a writable end's EPOLLOUT reports EPOLLIN|EPOLLRDNORM; asked EPOLLOUT alone, nothing.
        kept.map(Operation.create) + [
            add("j", .end("a"), .output), add("i", .instance("j"), [.input, .output, .readNormal, .readHangUp]), wait("i"), wait("j"), wait("i"),
            .control(instance: "i", operation: .modify, target: .instance("j"), events: .output), wait("i"),
        ],
        // The outer wait consumes nothing: EPOLLET, then EPOLLONESHOT inner registrations.
        kept.map(Operation.create) + [
            add("j", .end("a"), [.input, .edgeTriggered]), add("i", .instance("j")), wait("j"), wait("i"), .send(end: "b", size: 1), wait("i"),
            wait("i"), wait("j"), wait("i"), wait("j"),
            .control(instance: "j", operation: .modify, target: .end("a"), events: [.input, .oneShot]), wait("i"), wait("i"), wait("j"), wait("i"),
        ],
        // EPOLLET outer on a level inner: each send; edge on both.
        kept.map(Operation.create) + [
            add("j", .end("a")), add("i", .instance("j"), [.input, .edgeTriggered]), wait("i"), .send(end: "b", size: 1), wait("i"), wait("i"),
            .send(end: "b", size: 1), wait("i"), wait("i"), wait("j"), wait("i"),
            add("k", .end("b"), [.input, .edgeTriggered]), add("epoll", .instance("k"), [.input, .edgeTriggered]), wait("epoll"),
            .send(end: "a", size: 2), wait("epoll"), wait("epoll"), wait("k"), wait("k"),
        ],
        // Only the inner registration's keys: EPOLLOUT on a, the peer's send and the end's own calls are no news; the
        // peer's receive freeing a's buffer is.
        kept.map(Operation.create) + [
            add("j", .end("a"), .output), add("i", .instance("j"), [.input, .edgeTriggered]), wait("i"), wait("i"), .send(end: "b", size: 1),
            wait("i"), .receive(end: "a", max: 10), wait("i"), .send(end: "a", size: 1), wait("i"), .receive(end: "b", max: 10), wait("i"), wait("i"),
        ],
        // The peer's shutdown through an inner EPOLLRDHUP, then its close; loops, self, EEXIST, a closed instance.
        kept.map(Operation.create) + [
            add("j", .end("a"), [.readHangUp, .edgeTriggered]), add("i", .instance("j"), [.input, .edgeTriggered]), wait("i"), wait("j"),
            .shutdown(end: "b", how: 1), wait("i"), wait("j"), wait("i"), .close(end: "b"), wait("i"), wait("j"),
            add("j", .instance("i")), add("j", .instance("j")), add("i", .instance("j")), add("k", .instance("i")), add("epoll", .instance("k")),
            add("j", .instance("epoll")), .closeInstance("j"), wait("i"), .closeInstance("j"), add("j", .end("a")),
            .control(instance: "k", operation: .delete, target: .end("a"), events: []),
        ],
    ]

    @Test(arguments: UnixSocketType.allCases) func modelAndKernelGiveTheSameOutputs(type: UnixSocketType) async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["instance reported", "edge instance reported", "ELOOP", "EEXIST", "EINVAL", "EBADF", "ENOENT"],
            check: { operations, seen throws in
                try PipeAgreement.repeatingDisagreements {
                    try Syscall.withoutConcurrentSpawns { () throws in try Self.checkOnce(type: type, operations: operations, seen: seen) }
                }
            })
    }

    /// The model's input for any operation.
    static func anyInput(_ operation: Operation) -> UnixSocketModel.Input {
        switch operation {
        case .send(let end, let size): .send(process: 1, end: end, data: UnixSocketModelAgreementTests.payload(size), nonblocking: true, to: nil, files: [])
        case .receive(let end, let max): .receive(process: 1, end: end, max: max, nonblocking: true, maxFiles: 0)
        case .shutdown(let end, let how): .shutdown(process: 1, end: end, how: how)
        case .close(let end): .close(process: 1, end: end)
        case .epoll(let call): call.input()
        }
    }

    /// Every state the model may be in after `input` gave `kernel` from one of `states` (a stream send or receive
    /// followed piece by piece); nil, with a disagreement naming `context`, when none allows it.
    static func nextStates(
        _ model: UnixSocketModel, from states: [UnixSocketModel.State], _ input: UnixSocketModel.Input, kernel: UnixSocketModel.Output,
        context: @autoclosure () -> String
    ) -> [UnixSocketModel.State]? {
        var next: [UnixSocketModel.State] = []
        var outputs: Set<String> = []
        var current = Set(states)
        for _ in 0..<1000 where !current.isEmpty {
            var pieces: Set<UnixSocketModel.State> = []
            for state in current {
                for outcome in model.outcomes(of: input, in: state) {
                    switch outcome.step {
                    case .completed(let after):
                        outputs.insert(outcome.output.map { "\($0)" } ?? "?")
                        if outcome.output == kernel, !next.contains(after) { next.append(after) }
                    case .partial(let after): pieces.insert(after)
                    }
                }
            }
            current = pieces
        }
        guard next.isEmpty else { return next }
        PipeAgreement.disagreement("\(context()): kernel \(kernel), model \(outputs.sorted()) from \(states.map(model.describe))")
        return nil
    }

    static func checkOnce(type: UnixSocketType, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        var held: [String: FileDescriptor] = ["a": a, "b": b]
        defer { for descriptor in held.values { try? Syscall.close(descriptor) } }
        var instances = try NestedEpollAgreement.Instances()
        defer { instances.closeAll() }
        let model = UnixSocketModel(objects: [("s0", UnixSocketModel.Setup(type: UnixSocketModel.SocketType(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [1])))])
        var states = [model.initialState(of: "s0")]
        // A closed end is -1 (EBADF), never its old number, which another file may have taken.
        func descriptor(_ end: String) -> CInt { held[end]?.rawValue ?? -1 }
        for (index, operation) in operations.enumerated() {
            let input = Self.anyInput(operation)
            var kernel: UnixSocketModel.Output
            do throws(Errno) {
                switch operation {
                case .send(let end, let size):
                    let data = UnixSocketModelAgreementTests.payload(size)
                    switch try KernelUnixSocket.send(FileDescriptor(rawValue: descriptor(end)), data, nonblocking: true) {
                    case .completed(let count): kernel = .sent(count)
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .receive(let end, let max):
                    switch try KernelUnixSocket.receive(FileDescriptor(rawValue: descriptor(end)), maximum: max, nonblocking: true) {
                    case .completed(let message): kernel = .received(UnixSocketModel.Received(data: message.data, truncated: message.truncated))
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .shutdown(let end, let how):
                    try Syscall.shutdown(FileDescriptor(rawValue: descriptor(end)), how: CInt(how))
                    kernel = .closed
                case .close(let end):
                    guard let open = held.removeValue(forKey: end) else { throw .badFileDescriptor }
                    try Syscall.close(open)
                    kernel = .closed
                case .epoll(let call):
                    kernel = try instances.perform(call, model: model, states: &states, targets: Self.targets, leaf: descriptor)
                }
            } catch {
                kernel = .failed(ErrorCode(error.name))
            }
            guard let next = nextStates(model, from: states, input, kernel: kernel, context: "\(type) operation \(index) \(operation) of \(operations)") else {
                return
            }
            seen.withLock { NestedEpollAgreement.mark(kernel, waitedOn: operation.waitedOn, registrations: states.map(\.nestedEpoll), seen: &$0) }
            states = next
        }
    }

    /// The plausible wrong beliefs the model rejects, each beside the kernel's outcome (`UnixSocketEpollNestingFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() throws {
        let model = UnixSocketModel(objects: [("s0", UnixSocketModel.Setup(type: .stream, shape: .pair(a: [1], b: [1])))])
        func nested(_ call: UnixSocketModel.NestedEpollCall) -> UnixSocketModel.Input { .nestedEpoll(process: 1, call: call) }
        func control(_ instance: String, _ target: Target, _ events: Events = .input) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            (nested(.control(instance: instance, operation: .add, target: target, events: events)), .epollControlled)
        }
        func wait(_ instance: String) -> UnixSocketModel.Input { nested(.wait(instance: instance, maxEvents: 16, timeout: 0, form: .plain)) }
        func after(_ steps: [(UnixSocketModel.Input, UnixSocketModel.Output)]) -> UnixSocketModel.State {
            var state = model.initialState(of: "s0")
            for (input, output) in steps {
                let next = model.step(state, input, output)
                #expect(next.count >= 1, "\(input) → \(output)")
                state = next.first!.state
            }
            return state
        }
        let created = ["i", "j"].map { (nested(.create(.flags(0), keep: $0)), UnixSocketModel.Output.epollCreated(closeOnExec: false)) }
        let send = (UnixSocketModel.Input.send(process: 1, end: "b", data: [1], nonblocking: true, to: nil, files: []), UnixSocketModel.Output.sent(1))
        let drainB = (UnixSocketModel.Input.receive(process: 1, end: "b", max: 10, nonblocking: true, maxFiles: 0), UnixSocketModel.Output.received(.init(data: [1])))
        let none = UnixSocketModel.Output.epollEvents([])
        func inner(_ events: Events) -> UnixSocketModel.Output { .nestedEpollEvents([.init(target: .instance("j"), events: events)]) }
        // EPOLLOUT from an instance, whatever the inner end asked: never.
        let writable = after(created + [control("j", .end("a"), .output), control("i", .instance("j"), [.input, .output])])
        #expect(model.step(writable, wait("i"), inner([.input, .output])).isEmpty)
        #expect(!model.step(writable, wait("i"), inner(.input)).isEmpty)
        // The outer wait consuming the inner EPOLLET news: wrong.
        let edge = after(created + [control("j", .end("a"), [.input, .edgeTriggered]), control("i", .instance("j")), (wait("j"), none), send, (wait("i"), inner(.input))])
        #expect(model.step(edge, wait("i"), none).isEmpty)
        #expect(model.step(edge, wait("j"), none).isEmpty)
        // An EPOLLET outer silent after a peer's send (level inner), or reporting twice.
        let outerEdge = after(created + [control("j", .end("a")), control("i", .instance("j"), [.input, .edgeTriggered]), (wait("i"), none), send])
        #expect(model.step(outerEdge, wait("i"), none).isEmpty)
        let reported = after(created + [control("j", .end("a")), control("i", .instance("j"), [.input, .edgeTriggered]), (wait("i"), none), send, (wait("i"), inner(.input))])
        #expect(model.step(reported, wait("i"), inner(.input)).isEmpty)
        // Through an inner EPOLLOUT: the peer's send is no news; the peer's receive freeing a's buffer is.
        let out = after(created + [control("j", .end("a"), .output), control("i", .instance("j"), [.input, .edgeTriggered]), (wait("i"), inner(.input))])
        let sent = model.step(out, send.0, send.1).first!.state
        #expect(model.step(sent, wait("i"), inner(.input)).isEmpty)
        let aSent = model.step(out, .send(process: 1, end: "a", data: [1], nonblocking: true, to: nil, files: []), .sent(1)).first!.state
        let freed = model.step(aSent, drainB.0, drainB.1).first!.state
        #expect(model.step(freed, wait("i"), none).isEmpty)
        #expect(!model.step(freed, wait("i"), inner(.input)).isEmpty)
        // A cycle accepted.
        let nestedOnce = after(created + [control("i", .instance("j"))])
        #expect(model.step(nestedOnce, control("j", .instance("i")).0, .epollControlled).isEmpty)
        // Nested calls on a listener are refused by the parser; "a" and "b" are not instance names.
        let listener = UnixSocketModel(objects: [("s1", UnixSocketModel.Setup(type: .stream, shape: .listener(holders: [1], backlog: 4)))])
        #expect(throws: ModelError.self) { try listener.input(from: Call(process: 1, object: "s1", f: "epoll_create1", value: ["keep": "i"])) }
        #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "s0", f: "epoll_create1", value: ["keep": "a"])) }
        #expect(try model.input(from: Call(process: 1, object: "s0", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "instance": "i", "end": "a", "events": ["EPOLLIN"]]))
            == nested(.control(instance: "i", operation: .add, target: .end("a"), events: .input)))
    }
}
