import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking sends and receives on a POSIX message queue of 2 messages, and its holder's epoll calls on
/// its implicit instance (`"epoll"`) and kept instances `a`, `b`, `c` — ADD, MOD and DEL of the queue and of one
/// another, zero-timeout waits on each, closes and re-creations of the kept ones, the close of the queue descriptor —
/// on a real queue (`/ipch-test-<pid>-…`, unlinked after) and on the posix-mq model: the kernel's output must be one the
/// model allows, call for call (``PosixMessageQueueModel+NestedEpoll``; measured in
/// `PosixMessageQueueEpollNestingFactsTests`).
@Suite struct PosixMessageQueueNestedEpollAgreementTests: NestedEpollAgreementSuite {
    typealias Events = Epoll.Events
    typealias Target = NestedEpoll.Target<PosixMessageQueueModel.EpollTarget>
    typealias Model = PosixMessageQueueModel
    static let kept = ["a", "b", "c"]

    enum Operation: NestedEpollAgreementOperation, CustomStringConvertible {
        case send
        case receive
        /// The holder's close of its only descriptor: its registrations of the queue dropped from every instance.
        case closeQueue
        case epoll(NestedEpollAgreement.InstanceCall<Model.EpollTarget>)

        var instanceCall: NestedEpollAgreement.InstanceCall<Model.EpollTarget>? { if case .epoll(let call) = self { call } else { nil } }

        var description: String {
            switch self {
            case .send: "send"
            case .receive: "receive"
            case .closeQueue: "close(queue)"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let eventChoices: [Events] = [
        .input, .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.input, .output], .readNormal, [.output, .edgeTriggered],
        [.exclusive, .input], [.input, .output, .edgeTriggered], .priority,
    ]
    static let queue = Target.end(.queue)
    static let targets: [Target] = [queue, queue, .instance("epoll"), .instance("a"), .instance("b"), .instance("c")]

    static let draws = NestedEpollAgreement.draws(kept: kept, targets: targets, eventChoices: eventChoices, of: Operation.self)

    static let operations = Gen.oneOf(
        Gen.int(in: 0...1).map { _ in Operation.send }.eraseToAny(),
        Gen.int(in: 0...1).map { _ in Operation.receive }.eraseToAny(),
        Gen.int(in: 0...7).map { $0 == 0 ? Operation.closeQueue : .send }.eraseToAny(),
        draws.lifetimes, draws.controls, draws.links, draws.waits, draws.fullWaits
    ).array(of: 1...50).map { Self.kept.map(Operation.create) + $0 }

    /// The measured facts in order (`PosixMessageQueueEpollNestingFactsTests`).
    static let directedSequences: [[Operation]] = [
        // b holds the empty queue's EPOLLOUT: b reports EPOLLOUT, a sees b EPOLLIN|EPOLLRDNORM; a full queue, nothing.
        kept.map(Operation.create) + [
            add("b", queue, .output), add("a", .instance("b"), [.input, .output, .readNormal, .writeNormal]), wait("a"), wait("b"), wait("a"),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: .output), wait("a"),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: .input), .send, wait("a"), .send, .send, wait("a"),
            wait("b"), .receive, wait("a"),
            .control(instance: "b", operation: .modify, target: queue, events: .input), wait("a"), .receive, .receive, wait("a"), wait("b"),
        ],
        // The outer wait consumes nothing (EPOLLET, then EPOLLONESHOT inside).
        kept.map(Operation.create) + [
            add("b", queue, [.input, .edgeTriggered]), add("a", .instance("b")), wait("b"), wait("a"), .send, wait("a"), wait("a"), wait("b"),
            wait("a"), wait("b"), .receive,
            .control(instance: "b", operation: .modify, target: queue, events: [.input, .oneShot]), .send, wait("a"), wait("b"), wait("a"),
        ],
        // EPOLLET outer: sends and a receive leaving a message through an inner EPOLLIN registration; sends leaving room
        // and receives through an inner EPOLLOUT one.
        kept.map(Operation.create) + [
            add("b", queue), add("a", .instance("b"), [.input, .edgeTriggered]), wait("a"), .send, wait("a"), wait("a"), .send, wait("a"),
            .receive, wait("a"), wait("a"), .receive, wait("a"), .send, wait("a"), wait("b"), wait("a"), .receive,
            add("c", queue, .output), add("epoll", .instance("c"), [.input, .output, .edgeTriggered]), wait("epoll"), wait("epoll"), .send,
            wait("epoll"), wait("epoll"), .send, wait("epoll"), .receive, wait("epoll"), .receive, wait("epoll"), wait("c"), wait("epoll"),
        ],
        // An outer asking EPOLLRDNORM alone, level and edge (the kernel reports nothing; the model allows both); EPOLLPRI inside.
        kept.map(Operation.create) + [
            add("b", queue), add("a", .instance("b"), .readNormal), add("c", .instance("b"), [.readNormal, .edgeTriggered]), wait("a"),
            wait("c"), .send, wait("a"), wait("c"), wait("b"), .receive, add("epoll", queue, .priority), .send, wait("epoll"),
        ],
        // The implicit instance's queue in a kept one; loops; a closed instance.
        kept.map(Operation.create) + [
            add("epoll", queue, [.input, .edgeTriggered]), add("a", .instance("epoll"), [.input, .edgeTriggered]), .send, wait("a"),
            wait("a"), wait("epoll"), add("epoll", .instance("a")), add("a", .instance("a")), add("b", .instance("c")), add("c", .instance("b")),
            .closeInstance("c"), wait("c"), add("b", queue), add("b", queue),
        ],
        // The close of the only descriptor drops the queue's registrations: b no longer ready, a silent; later calls EBADF.
        kept.map(Operation.create) + [
            add("b", queue, .output), add("a", .instance("b")), add("epoll", queue), .send, wait("a"), .closeQueue, wait("a"), wait("b"),
            wait("epoll"), .send, add("b", queue), .closeQueue,
        ],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations, marks: ["instance reported", "ELOOP", "EEXIST", "EINVAL", "EBADF", "EAGAIN"],
            check: { operations, seen throws in try PipeAgreement.repeatingDisagreements { try Self.checkOnce(operations: operations, seen: seen) } })
    }

    static let model = Model(queues: [("q0", Model.Setup(maxMessages: 2, messageSize: 8, holders: [1]))])
    static let message = Model.Message(data: [7], priority: 0)

    static func input(_ operation: Operation) -> Model.Input {
        switch operation {
        case .send: .send(process: 1, data: message.data, priority: 0, nonblocking: true)
        case .receive: .receive(process: 1, max: 8, nonblocking: true)
        case .closeQueue: .close(process: 1)
        case .epoll(let call): call.input()
        }
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let name = "/ipch-test-\(getpid())-mq-nested-\(UInt32.random(in: 0...UInt32.max))"
            let queue = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC | O_NONBLOCK, mode: 0o600, maximumMessages: 2, messageSize: 8)
            var queueOpen = true
            defer {
                if queueOpen { try? Syscall.close(queue) }
                try? Syscall.mqUnlink(name)
            }
            try NestedEpollAgreement.run(
                operations, model: model, initial: model.initialState(of: "q0"), targets: Self.targets, input: Self.input,
                leaf: { queueOpen ? queue.rawValue : -1 },
                objectCall: { (operation) throws(Errno) in
                    guard queueOpen else { throw .badFileDescriptor }  // its number may be an instance's now
                    switch operation {
                    case .send:
                        try message.data.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(queue, UnsafeRawBufferPointer(raw), priority: 0) }
                        return .sent
                    case .receive:
                        var buffer = [UInt8](repeating: 0, count: 8)
                        let (length, priority) = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                            try Syscall.mqReceive(queue, into: UnsafeMutableRawBufferPointer(raw))
                        }
                        return .received(Model.Message(data: Array(buffer.prefix(length)), priority: Int(priority)))
                    case .closeQueue:
                        queueOpen = false
                        try Syscall.close(queue)
                        return .done
                    case .epoll: preconditionFailure("an instance call is made by NestedEpollAgreement.run")
                    }
                }, seen: seen)
        }
    }

    /// The plausible wrong beliefs the model rejects, each beside the kernel's outcome (`PosixMessageQueueEpollNestingFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = Self.model
        func nested(_ call: Model.NestedEpollCall) -> Model.Input { .nestedEpoll(process: 1, call: call) }
        func control(_ instance: String, _ operation: Epoll.Operation, _ target: Target, _ events: Events = .input) -> Model.Input {
            nested(.control(instance: instance, operation: operation, target: target, events: events))
        }
        func wait(_ instance: String) -> Model.Input { nested(.wait(instance: instance, maxEvents: 16, timeout: 0, form: .plain)) }
        func after(_ steps: [(Model.Input, Model.Output)], from start: Model.State? = nil) -> Model.State {
            var state = start ?? model.initialState(of: "q0")
            for (input, output) in steps {
                let next = model.step(state, input, output)
                #expect(next.count >= 1, "\(input) → \(output)")
                state = next.first!.state
            }
            return state
        }
        let created = after(["a", "b"].map { (nested(.create(.flags(0), keep: $0)), .epollCreated(closeOnExec: false)) })
        let ok = Model.Output.epollControlled
        let send = (Self.input(.send), Model.Output.sent)
        let receive = (Self.input(.receive), Model.Output.received(Self.message))
        let bInput = Model.Output.nestedEpollEvents([.init(target: .instance("b"), events: .input)])
        let none = Model.Output.epollEvents([])  // an empty report names no instance: the plain form
        // An empty, writable queue's EPOLLOUT in b: the outer reporting EPOLLOUT (passed through), or nothing, is wrong.
        let writable = after([(control("b", .add, Self.queue, .output), ok), (control("a", .add, .instance("b"), [.input, .output, .readNormal]), ok)], from: created)
        #expect(model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.output])])).isEmpty)
        #expect(model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .output, .readNormal])])).isEmpty)
        #expect(model.step(writable, wait("a"), none).isEmpty)
        #expect(!model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .readNormal])])).isEmpty)
        #expect(!model.step(writable, wait("b"), .epollEvents([.init(target: .queue, events: .output)])).isEmpty)
        // The queue full: b's EPOLLOUT not ready, the outer reporting b is wrong.
        let full = after([send, send], from: writable)
        #expect(model.step(full, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .readNormal])])).isEmpty)
        #expect(!model.step(full, wait("a"), none).isEmpty)
        // The outer wait consuming the inner's EPOLLET news: the inner wait then silent is wrong.
        let edgeInside = after([(control("b", .add, Self.queue, [.input, .edgeTriggered]), ok), (control("a", .add, .instance("b")), ok), send, (wait("a"), bInput)], from: created)
        #expect(model.step(edgeInside, wait("b"), .epollEvents([])).isEmpty)
        #expect(!model.step(edgeInside, wait("b"), .epollEvents([.init(target: .queue, events: .input)])).isEmpty)
        // An EPOLLET outer through an inner EPOLLIN registration: a receive that leaves a message is news (the queue's
        // wake has no key to filter) — the eventfd's belief, nothing, is wrong; a receive that empties it is nothing.
        let edgeOutside = after(
            [(control("b", .add, Self.queue), ok), (control("a", .add, .instance("b"), [.input, .edgeTriggered]), ok), send, send, (wait("a"), bInput)],
            from: created)
        let received = after([receive], from: edgeOutside)
        #expect(model.step(received, wait("a"), none).isEmpty)
        #expect(!model.step(received, wait("a"), bInput).isEmpty)
        let emptied = after([(wait("a"), bInput), receive], from: received)
        #expect(model.step(emptied, wait("a"), bInput).isEmpty)
        // Through an inner EPOLLOUT registration: a send that leaves room is news (nothing is wrong); one that fills the queue is not.
        let edgeOutput = after(
            [(control("b", .add, Self.queue, .output), ok), (control("a", .add, .instance("b"), [.input, .edgeTriggered]), ok), (wait("a"), bInput)],
            from: created)
        let sentOnce = after([send], from: edgeOutput)
        #expect(model.step(sentOnce, wait("a"), none).isEmpty)
        #expect(model.step(after([(wait("a"), bInput), send], from: sentOnce), wait("a"), bInput).isEmpty)
    }

    /// The trace form: each nested call reads back as written, the queue named by `"target"`; a report without a target
    /// is the queue's.
    @Test func theTraceFormRoundTrips() throws {
        let model = Self.model
        let inputs: [Model.Input] = [
            .nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "a")),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .instance("b"), events: [.input, .edgeTriggered])),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: Self.queue, events: .output)),
            .nestedEpoll(process: 1, call: .control(instance: "epoll", operation: .add, target: .instance("a"), events: .input)),
            .nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain)),
            .nestedEpoll(process: 1, call: .close(instance: "a")),
            .epoll(process: 1, call: .control(operation: .add, target: .queue, events: .input)),
            .close(process: 1),
        ]
        for input in inputs {
            let (f, value) = model.call(for: input)
            #expect(try model.input(from: Call(process: 1, object: "q0", f: f, value: value)) == input, "\(f) \(value.map { "\($0)" } ?? "")")
        }
        let wait = Model.Input.nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain))
        let reports: JSONValue = ["events": [["target": "b", "events": ["EPOLLIN"]], ["events": ["EPOLLOUT"]]]]
        #expect(try model.output(from: .ok(reports), for: wait) == .nestedEpollEvents([.init(target: .end(.queue), events: .output), .init(target: .instance("b"), events: .input)]))
        for (f, value) in [("epoll_create1", ["keep": "queue"]), ("epoll_create1", ["keep": "epoll"]), ("close", ["target": "queue", "instance": "a"])] as [(String, JSONValue)] {
            #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "q0", f: f, value: value)) }
        }
    }
}
