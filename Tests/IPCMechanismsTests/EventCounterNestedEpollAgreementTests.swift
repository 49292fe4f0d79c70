import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking writes (0, 1, 3) and reads of an eventfd, and its holder's epoll calls on its implicit
/// instance (`"epoll"`) and kept instances `a`, `b`, `c` — ADD, MOD and DEL of the eventfd and of one another, zero-timeout
/// waits on each, closes and re-creations of the kept ones — on a real eventfd and on the eventfd model: the kernel's
/// output must be one the model allows, call for call (``EventCounterModel+NestedEpoll``; measured in
/// `EventCounterEpollNestingFactsTests`).
@Suite struct EventCounterNestedEpollAgreementTests: NestedEpollAgreementSuite {
    typealias Events = Epoll.Events
    typealias Target = NestedEpoll.Target<EventCounterModel.EpollTarget>
    static let kept = ["a", "b", "c"]

    enum Operation: NestedEpollAgreementOperation, CustomStringConvertible {
        case write(UInt64)
        case read
        /// The holder's close of its only descriptor: the eventfd's release, dropping every registration of it.
        case closeCounter
        case epoll(NestedEpollAgreement.InstanceCall<EventCounterModel.EpollTarget>)

        var instanceCall: NestedEpollAgreement.InstanceCall<EventCounterModel.EpollTarget>? { if case .epoll(let call) = self { call } else { nil } }

        var description: String {
            switch self {
            case .write(let value): "write(\(value))"
            case .read: "read"
            case .closeCounter: "close(eventfd)"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let eventChoices: [Events] = [
        .input, .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.input, .output], .readNormal, [.output, .edgeTriggered],
        [.exclusive, .input], [.input, .output, .edgeTriggered],
    ]
    static let targets: [Target] = [.end(.eventfd), .end(.eventfd), .instance("epoll"), .instance("a"), .instance("b"), .instance("c")]

    static let draws = NestedEpollAgreement.draws(kept: kept, targets: targets, eventChoices: eventChoices, of: Operation.self)

    static let operations = Gen.oneOf(
        Gen.int(in: 0...2).map { Operation.write([0, 1, 3][$0]) }.eraseToAny(),
        Gen.int(in: 0...1).map { _ in Operation.read }.eraseToAny(),
        Gen.int(in: 0...7).map { $0 == 0 ? Operation.closeCounter : .read }.eraseToAny(),
        draws.lifetimes, draws.controls, draws.links, draws.waits, draws.fullWaits
    ).array(of: 1...50).map { Self.kept.map(Operation.create) + $0 }

    static let eventfd = Target.end(.eventfd)

    /// The measured facts in order (`EventCounterEpollNestingFactsTests`).
    static let directedSequences: [[Operation]] = [
        // b holds the eventfd's EPOLLOUT (writable, not readable): b reports EPOLLOUT, a sees b EPOLLIN|EPOLLRDNORM.
        kept.map(Operation.create) + [
            add("b", eventfd, .output), add("a", .instance("b"), [.input, .output, .readNormal]), .wait(instance: "a", maxEvents: 16),
            .wait(instance: "b", maxEvents: 16), .wait(instance: "a", maxEvents: 16),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: .output), .wait(instance: "a", maxEvents: 16),
            .control(instance: "a", operation: .modify, target: .instance("b"), events: .input),
            .control(instance: "b", operation: .modify, target: eventfd, events: .input), .wait(instance: "a", maxEvents: 16), .write(2),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16), .read, .wait(instance: "a", maxEvents: 16),
        ],
        // The outer wait consumes nothing (EPOLLET, then EPOLLONESHOT inside).
        kept.map(Operation.create) + [
            add("b", eventfd, [.input, .edgeTriggered]), add("a", .instance("b")), .wait(instance: "b", maxEvents: 16), .wait(instance: "a", maxEvents: 16),
            .write(1), .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16), .read,
            .control(instance: "b", operation: .modify, target: eventfd, events: [.input, .oneShot]), .write(1), .wait(instance: "a", maxEvents: 16),
            .wait(instance: "b", maxEvents: 16), .wait(instance: "a", maxEvents: 16),
        ],
        // EPOLLET outer: each write through an inner EPOLLIN registration, each read through an inner EPOLLOUT one.
        kept.map(Operation.create) + [
            add("b", eventfd), add("a", .instance("b"), [.input, .edgeTriggered]), .wait(instance: "a", maxEvents: 16), .write(1),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .write(0), .wait(instance: "a", maxEvents: 16),
            .wait(instance: "b", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .write(3), .read, .wait(instance: "a", maxEvents: 16),
            add("c", eventfd, .output), add("epoll", .instance("c"), [.input, .output, .edgeTriggered]), .wait(instance: "epoll", maxEvents: 16),
            .wait(instance: "epoll", maxEvents: 16), .write(1), .wait(instance: "epoll", maxEvents: 16), .read, .wait(instance: "epoll", maxEvents: 16),
            .wait(instance: "epoll", maxEvents: 16),
        ],
        // The implicit instance's eventfd in a kept one; loops; a closed instance.
        kept.map(Operation.create) + [
            add("epoll", eventfd, [.input, .edgeTriggered]), add("a", .instance("epoll"), [.input, .edgeTriggered]), .write(1),
            .wait(instance: "a", maxEvents: 16), .wait(instance: "a", maxEvents: 16), .wait(instance: "epoll", maxEvents: 16),
            add("epoll", .instance("a")), add("a", .instance("a")), add("b", .instance("c")), add("c", .instance("b")), .closeInstance("c"),
            .wait(instance: "c", maxEvents: 16), add("b", eventfd), add("b", eventfd),
        ],
        // The release drops the eventfd's registrations: b no longer ready, a silent; the eventfd's calls EBADF.
        kept.map(Operation.create) + [
            add("b", eventfd, .output), add("a", .instance("b")), add("epoll", eventfd), .write(1), .wait(instance: "a", maxEvents: 16),
            .closeCounter, .wait(instance: "a", maxEvents: 16), .wait(instance: "b", maxEvents: 16), .wait(instance: "epoll", maxEvents: 16),
            .write(1), add("b", eventfd), .closeCounter,
        ],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations, marks: ["instance reported", "ELOOP", "EEXIST", "EINVAL", "EBADF"],
            check: { operations, seen throws in try PipeAgreement.repeatingDisagreements { try Self.checkOnce(operations: operations, seen: seen) } })
    }

    static let model = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1]))])

    static func input(_ operation: Operation) -> EventCounterModel.Input {
        switch operation {
        case .write(let value): .write(process: 1, value: value, size: 8)
        case .read: .read(process: 1, size: 8)
        case .closeCounter: .close(process: 1)
        case .epoll(let call): call.input()
        }
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let counter = try KernelEventCounter.create(initial: 0, semaphore: false, nonblocking: true)
            var counterOpen = true
            defer { if counterOpen { try? Syscall.close(counter) } }
            try NestedEpollAgreement.run(
                operations, model: model, initial: model.initialState(of: "e0"), targets: Self.targets, input: Self.input,
                leaf: { counterOpen ? counter.rawValue : -1 },
                objectCall: { (operation) throws(Errno) in
                    guard counterOpen else { throw .badFileDescriptor }  // its number may be an instance's now
                    switch operation {
                    case .write(let value):
                        guard case .completed(let count) = try KernelEventCounter.write(counter, value) else { throw .wouldBlock }
                        return .wrote(count)
                    case .read:
                        guard case .completed(let value) = try KernelEventCounter.read(counter) else { throw .wouldBlock }
                        return .read(value)
                    case .closeCounter:
                        counterOpen = false
                        try Syscall.close(counter)
                        return .closed
                    case .epoll: preconditionFailure("an instance call is made by NestedEpollAgreement.run")
                    }
                }, seen: seen)
        }
    }

    /// The plausible wrong beliefs the model rejects, each beside the kernel's outcome (`EventCounterEpollNestingFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = Self.model
        func nested(_ call: EventCounterModel.NestedEpollCall) -> EventCounterModel.Input { .nestedEpoll(process: 1, call: call) }
        func control(_ instance: String, _ operation: Epoll.Operation, _ target: Target, _ events: Events = .input) -> EventCounterModel.Input {
            nested(.control(instance: instance, operation: operation, target: target, events: events))
        }
        func wait(_ instance: String) -> EventCounterModel.Input { nested(.wait(instance: instance, maxEvents: 16, timeout: 0, form: .plain)) }
        func after(_ steps: [(EventCounterModel.Input, EventCounterModel.Output)], from start: EventCounterModel.State? = nil) -> EventCounterModel.State {
            var state = start ?? model.initialState(of: "e0")
            for (input, output) in steps {
                let next = model.step(state, input, output)
                #expect(next.count >= 1, "\(input) → \(output)")
                state = next.first!.state
            }
            return state
        }
        let created = after(["a", "b"].map { (nested(.create(.flags(0), keep: $0)), .epollCreated(closeOnExec: false)) })
        let ok = EventCounterModel.Output.epollControlled
        let write = (EventCounterModel.Input.write(process: 1, value: 1, size: 8), EventCounterModel.Output.wrote(8))
        let read = (EventCounterModel.Input.read(process: 1, size: 8), EventCounterModel.Output.read(1))
        let bInput = EventCounterModel.Output.nestedEpollEvents([.init(target: .instance("b"), events: .input)])
        let none = EventCounterModel.Output.epollEvents([])  // an empty report names no instance: the plain form
        let output = EventCounterModel.Output.epollEvents([.init(target: .eventfd, events: .output)])
        // A writable, unreadable eventfd's EPOLLOUT in b: the outer reporting EPOLLOUT (passed through), or nothing, is wrong.
        let writable = after([(control("b", .add, Self.eventfd, .output), ok), (control("a", .add, .instance("b"), [.input, .output, .readNormal]), ok)], from: created)
        #expect(model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.output])])).isEmpty)
        #expect(model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .output, .readNormal])])).isEmpty)
        #expect(model.step(writable, wait("a"), none).isEmpty)
        #expect(!model.step(writable, wait("a"), .nestedEpollEvents([.init(target: .instance("b"), events: [.input, .readNormal])])).isEmpty)
        #expect(!model.step(writable, wait("b"), output).isEmpty)
        // The outer wait consuming the inner's EPOLLET news: the inner wait then silent is wrong.
        let edgeInside = after([(control("b", .add, Self.eventfd, [.input, .edgeTriggered]), ok), (control("a", .add, .instance("b")), ok), write, (wait("a"), bInput)], from: created)
        #expect(model.step(edgeInside, wait("b"), .epollEvents([])).isEmpty)
        #expect(!model.step(edgeInside, wait("b"), .epollEvents([.init(target: .eventfd, events: .input)])).isEmpty)
        // An EPOLLET outer through an inner EPOLLIN registration: a read is no news (its EPOLLOUT wake filtered out).
        let edgeOutside = after(
            [(control("b", .add, Self.eventfd), ok), (control("a", .add, .instance("b"), [.input, .edgeTriggered]), ok), write, (wait("a"), bInput), read],
            from: created)
        #expect(model.step(edgeOutside, wait("a"), bInput).isEmpty)
        #expect(!model.step(after([write], from: edgeOutside), wait("a"), bInput).isEmpty)
    }

    /// The trace form: each nested call reads back as written, the eventfd named by `"target"`; a report without a
    /// target is the eventfd's.
    @Test func theTraceFormRoundTrips() throws {
        let model = Self.model
        let inputs: [EventCounterModel.Input] = [
            .nestedEpoll(process: 1, call: .create(.flags(Epoll.Creation.closeOnExec), keep: "a")),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: .instance("b"), events: [.input, .edgeTriggered])),
            .nestedEpoll(process: 1, call: .control(instance: "a", operation: .add, target: Self.eventfd, events: .output)),
            .nestedEpoll(process: 1, call: .control(instance: "epoll", operation: .add, target: .instance("a"), events: .input)),
            .nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain)),
            .nestedEpoll(process: 1, call: .close(instance: "a")),
            .epoll(process: 1, call: .control(operation: .add, target: .eventfd, events: .input)),
            .close(process: 1),
        ]
        for input in inputs {
            let (f, value) = model.call(for: input)
            #expect(try model.input(from: Call(process: 1, object: "e0", f: f, value: value)) == input, "\(f) \(value.map { "\($0)" } ?? "")")
        }
        let wait = EventCounterModel.Input.nestedEpoll(process: 1, call: .wait(instance: "a", maxEvents: 16, timeout: 0, form: .plain))
        let reports: JSONValue = ["events": [["target": "b", "events": ["EPOLLIN"]], ["events": ["EPOLLOUT"]]]]
        #expect(try model.output(from: .ok(reports), for: wait) == .nestedEpollEvents([.init(target: .end(.eventfd), events: .output), .init(target: .instance("b"), events: .input)]))
        for (f, value) in [("epoll_create1", ["keep": "eventfd"]), ("epoll_create1", ["keep": "epoll"]), ("close", ["target": "eventfd", "instance": "a"])] as [(String, JSONValue)] {
            #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "e0", f: f, value: value)) }
        }
    }
}
