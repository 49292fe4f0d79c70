import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// One epoll instance shared by two processes or threads over an eventfd (the selftest's `epoll59`: one thread MODs,
/// another waits; LTP `epoll_wait11`'s shape after a `fork`). Both reach the same registrations: the second sharer's
/// calls here are made on the same instance and description from the test's thread (what a thread does; a forked
/// child's copies are the same instance and description too — its close of its copy is a holder's close while another
/// holder keeps the description open, measured in `KernelEventCounterEpollFactsTests`). No fork: a child forked from
/// the parallel test process can deadlock on a lock another thread held (seen in a full run). Judged by the eventfd
/// model with `params` `sharedEpoll`.
@Suite struct EventCounterSharedEpollTests {
    /// (1) `EPOLLET` news is the instance's: after a write one sharer's wait takes it and the other's finds none.
    /// (2) A sharer's MOD re-arms the registration (the eventfd still readable): the other's wait reports it
    /// (selftest `epoll59`). (3) The other sharer's ADD of the registered eventfd is `EEXIST`.
    @Test func sharersReachOneRegistration() throws {
        let counter = try Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true)
        let instance = try KernelEpoll.create()
        defer { for descriptor in [counter, instance] { try? Syscall.close(descriptor) } }
        let number = counter.rawValue
        let edge: KernelEpoll.Events = [.input, .edgeTriggered]
        try KernelEpoll.control(instance.rawValue, KernelEpoll.add, number, events: edge)
        var one: UInt64 = 1
        #expect(Glibc.write(number, &one, 8) == 8)
        #expect(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0).map(\.descriptor) == [number])  // (1)
        #expect(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0).isEmpty)
        try KernelEpoll.control(instance.rawValue, KernelEpoll.modify, number, events: edge)  // (2)
        #expect(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0).map(\.descriptor) == [number])
        #expect(throws: Errno.fileExists) { try KernelEpoll.control(instance.rawValue, KernelEpoll.add, number, events: .input) }  // (3)
    }

    enum Operation: Sendable, CustomStringConvertible {
        /// `process` 1 is the test process, 2 the forked child.
        case write(process: Int)
        case read
        case control(process: Int, operation: Epoll.Operation, events: Epoll.Events)
        case wait(process: Int, maxEvents: Int)

        var description: String {
            switch self {
            case .write(let process): "write@\(process)"
            case .read: "read@1"
            case .control(let process, let operation, let events): "epoll_ctl@\(process)(\(operation.name), \(events))"
            case .wait(let process, let maxEvents): "epoll_wait@\(process)(\(maxEvents))"
            }
        }
    }

    static let eventChoices: [Epoll.Events] = [.input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.input, .output, .edgeTriggered]]
    static let operations = Gen.oneOf(
        Gen.int(in: 1...2).map { Operation.write(process: $0) }.eraseToAny(),
        Gen.int(in: 0...1).map { _ in Operation.read }.eraseToAny(),
        Gen.int(in: 0...29).map { value in
            Operation.control(process: 1 + value % 2, operation: [Epoll.Operation.add, .modify, .delete][(value / 2) % 3], events: eventChoices[value / 6])
        }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.wait(process: 1 + $0 % 2, maxEvents: 1 + $0 / 2) }.eraseToAny(),
        Gen.int(in: 0...9).map { Operation.wait(process: 1 + $0 % 2, maxEvents: 1) }.eraseToAny())

    /// Random sequences of two sharers' writes, `epoll_ctl`s and waits and the first's reads, on one eventfd registered
    /// in the instance they share (the second's calls made from the test's thread, as a thread makes them): the kernel's
    /// outcome of every call must be one the eventfd model with `sharedEpoll` `[[1, 2]]` allows, call after call (a
    /// disagreement counts only when a second run repeats it).
    @Test func theModelAgreesWithTheKernelOnASharedInstance() async throws {
        let model = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1, 2], sharedEpoll: [[1, 2]]))])
        await checkProperty(count: 25, input: Self.operations.array(of: 5...30)) { operations in
            var disagreement = Self.disagreement(operations, model: model)
            if disagreement != nil { disagreement = Self.disagreement(operations, model: model) }
            #expect(disagreement == nil, "\(operations): \(disagreement ?? "")")
        }
    }

    /// The check bites: the belief that each process has its own instance (no `sharedEpoll`) is caught at the child's
    /// ADD of the registered eventfd (`EEXIST`) and at one sharer's wait after the other's took the `EPOLLET` news.
    @Test func aModelWithoutTheSharedInstanceDisagrees() {
        let ownInstances = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1, 2]))])
        let add = Operation.control(process: 1, operation: .add, events: [.input, .edgeTriggered])
        #expect(Self.disagreement([add, .control(process: 2, operation: .add, events: .input)], model: ownInstances) != nil)
        #expect(Self.disagreement([add, .write(process: 1), .wait(process: 2, maxEvents: 1), .wait(process: 1, maxEvents: 1)], model: ownInstances) != nil)
        let shared = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1, 2], sharedEpoll: [[1, 2]]))])
        #expect(Self.disagreement([add, .write(process: 1), .wait(process: 2, maxEvents: 1), .wait(process: 1, maxEvents: 1)], model: shared) == nil)
    }

    /// The first call whose kernel outcome the model does not allow, described (nil: none).
    static func disagreement(_ operations: [Operation], model: EventCounterModel) -> String? {
        var states: Set<EventCounterModel.State> = [model.initialState(of: "e0")]
        var found: String?
        do {
            guard let counter = try? Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true) else { return "no eventfd" }
            guard let instance = try? KernelEpoll.create() else { try? Syscall.close(counter); return "no instance" }
            defer { try? Syscall.close(counter); try? Syscall.close(instance) }
            let number = counter.rawValue
            func reports(_ events: [KernelEpoll.Event]) -> JSONValue {
                ["events": .array(events.map { ["events": .array(Epoll.Events(rawValue: Int($0.events.rawValue)).names.map { .string($0) })] })]
            }
            for operation in operations where found == nil {
                let process: Int, f: String, value: JSONValue?, outcome: Outcome
                switch operation {
                case .write(let writer):
                    process = writer
                    f = "write"
                    var written: UInt64 = writer == 1 ? 1 : 0x0101_0101_0101_0101
                    let result = Glibc.write(number, &written, 8)
                    value = ["value": .int(Int(written))]
                    outcome = result == 8 ? .ok(["written": .int(8)]) : .fail(ErrorCode(Errno(rawValue: Glibc.errno).name))
                case .read:
                    process = 1
                    f = "read"
                    var got: UInt64 = 0
                    let result = Glibc.read(number, &got, 8)
                    value = nil
                    outcome = result == 8 ? .ok(["value": .string(String(got))]) : .fail(ErrorCode(Errno(rawValue: Glibc.errno).name))
                case .control(let caller, let operation, let events):
                    process = caller
                    f = "epoll_ctl"
                    value = ["op": .string(operation.name), "events": .array(events.names.map { .string($0) })]
                    let op = operation == .add ? ipc_epoll_ctl_add() : operation == .modify ? ipc_epoll_ctl_mod() : ipc_epoll_ctl_del()
                    let bits = UInt32(events.rawValue)
                    outcome = ipc_epoll_ctl(instance.rawValue, op, number, bits, 1) == 0 ? .ok(nil) : .fail(ErrorCode(Errno(rawValue: Glibc.errno).name))
                case .wait(let waiter, let maxEvents):
                    process = waiter
                    f = "epoll_wait"
                    value = ["maxevents": .int(maxEvents), "timeout": 0]
                    let events = (try? KernelEpoll.wait(instance.rawValue, maxEvents: maxEvents, timeoutMilliseconds: 0)) ?? []
                    outcome = .ok(reports(events))
                }
                do {
                    let input = try model.input(from: Call(process: process, object: "e0", f: f, value: value))
                    let output = try model.output(from: outcome, for: input)
                    states = Set(states.flatMap { state in model.step(state, input, output).map(\.state) })
                    if states.isEmpty { found = "\(operation) → \(outcome) not allowed" }
                } catch {
                    found = "\(operation): \(error)"
                }
            }
        }
        return found
    }
}
