import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// One epoll instance shared by two processes over an eventfd: made, with the eventfd, before a `fork` that copied
/// both (the selftest's `epoll59`, where one thread MODs and another waits, and LTP `epoll_wait11`'s shape). The kernel
/// keys a registration by the open file description and the number it was added with, both copied by `fork`, so either
/// process's calls reach the same registration. Judged by the eventfd model with `params` `sharedEpoll`.
@Suite struct EventCounterSharedEpollTests {
    /// (1) `EPOLLET` news is the instance's: after a write the child's wait takes it and the parent's finds none.
    /// (2) The child's MOD re-arms the registration (the eventfd still readable): the parent's wait reports it
    /// (selftest `epoll59`). (3) The child closes its copy of the eventfd: its MOD fails `EBADF` (no such number), the
    /// parent's succeeds, and the child's wait still reports the registration (the description is open in the parent).
    /// (4) The child's exit leaves the instance to the parent.
    @Test func aForkedChildSharesTheInstanceAndItsRegistration() throws {
        let input = KernelEpoll.Events.input.rawValue, edge = input | ipc_epollet()
        var childSaw: [(Int32, Int32, [(CInt, UInt32)])] = []
        var parentSaw: [[KernelEpoll.Event]] = []
        var parentModify = false, exitedCleanly = false
        var counterNumber: CInt = -1
        try Syscall.withoutConcurrentSpawns { () throws in
            let counter = try Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true)
            let instance = try KernelEpoll.create()
            defer { for descriptor in [counter, instance] { try? Syscall.close(descriptor) } }
            let number = counter.rawValue
            counterNumber = number
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_add(), number, edge, 1) == 0)
            let sharer = try PipeSharedEpollTests.Sharer(instance: instance.rawValue)
            func record(_ reply: (result: Int32, errno: Int32, events: [(CInt, UInt32)])) { childSaw.append((reply.result, reply.errno, reply.events)) }
            var one: UInt64 = 1
            #expect(Glibc.write(number, &one, 8) == 8)
            record(sharer.run(3, 4, 10_000))  // (1)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            record(sharer.run(2, ipc_epoll_ctl_mod(), number, Int32(bitPattern: edge)))  // (2)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            record(sharer.run(1, number))  // (3)
            record(sharer.run(2, ipc_epoll_ctl_mod(), number, Int32(bitPattern: edge)))
            parentModify = ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_mod(), number, edge, 1) == 0
            record(sharer.run(3, 4, 10_000))
            exitedCleanly = sharer.finish()  // (4)
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_mod(), number, edge, 1) == 0)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
        }
        let reported = [(counterNumber, input)]
        #expect(childSaw.count == 5)
        guard childSaw.count == 5 else { return }
        #expect(childSaw[0].0 == 1 && childSaw[0].2.elementsEqual(reported, by: ==))
        #expect(parentSaw[0].isEmpty)
        #expect(childSaw[1].0 == 0)
        #expect(parentSaw[1].map(\.descriptor) == [counterNumber])
        #expect(childSaw[2].0 == 0)
        #expect(childSaw[3].0 == -1 && childSaw[3].1 == EBADF)
        #expect(parentModify)
        #expect(childSaw[4].0 == 1 && childSaw[4].2.elementsEqual(reported, by: ==))
        #expect(exitedCleanly)
        #expect(parentSaw[2].map(\.descriptor) == [counterNumber])
    }

    enum Operation: Sendable, CustomStringConvertible {
        /// `process` 1 is the test process, 2 the forked child.
        case write(process: Int)
        case read
        case control(process: Int, operation: Epoll.Operation, events: Epoll.Events)
        case wait(process: Int, maxEvents: Int)
        case childClose

        var description: String {
            switch self {
            case .write(let process): "write@\(process)"
            case .read: "read@1"
            case .control(let process, let operation, let events): "epoll_ctl@\(process)(\(operation.name), \(events))"
            case .wait(let process, let maxEvents): "epoll_wait@\(process)(\(maxEvents))"
            case .childClose: "close@2"
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
        Gen.int(in: 0...9).map { $0 == 0 ? Operation.childClose : Operation.wait(process: 1 + $0 % 2, maxEvents: 1) }.eraseToAny())

    /// Random sequences of the parent's writes, reads, `epoll_ctl`s and waits and the forked child's `epoll_ctl`s, waits,
    /// 8-byte writes and the close of its copy, on one eventfd registered in the instance they share: the kernel's
    /// outcome of every call must be one the eventfd model with `sharedEpoll` `[[1, 2]]` allows, call after call (a
    /// disagreement counts only when a second run repeats it).
    @Test func theModelAgreesWithTheKernelOnASharedInstance() async throws {
        let model = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1, 2], sharedEpoll: [[1, 2]]))])
        await propertyCheck(count: 25, input: Self.operations.array(of: 5...30)) { operations in
            var disagreement = Self.disagreement(operations, model: model)
            if disagreement != nil { disagreement = Self.disagreement(operations, model: model) }
            #expect(disagreement == nil, "\(operations): \(disagreement ?? "")")
        }
    }

    /// The check bites: the belief that each process has its own instance (no `sharedEpoll`) is caught at the child's
    /// ADD of the registered eventfd (`EEXIST`) and at the parent's wait after the child's took the `EPOLLET` news.
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
        Syscall.withoutConcurrentSpawns {
            guard let counter = try? Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true) else { found = "no eventfd"; return }
            guard let instance = try? KernelEpoll.create() else { try? Syscall.close(counter); found = "no instance"; return }
            defer { try? Syscall.close(counter); try? Syscall.close(instance) }
            guard let sharer = try? PipeSharedEpollTests.Sharer(instance: instance.rawValue) else { found = "no fork"; return }
            defer { _ = sharer.finish() }
            let number = counter.rawValue
            func reports(_ events: [(CInt, UInt32)]) -> JSONValue {
                ["events": .array(events.map { ["events": .array(Epoll.Events(rawValue: Int($0.1)).names.map { .string($0) })] })]
            }
            for operation in operations where found == nil {
                let process: Int, f: String, value: JSONValue?, outcome: Outcome
                switch operation {
                case .write(let writer):
                    process = writer
                    f = "write"
                    if writer == 1 {
                        var one: UInt64 = 1
                        let result = Glibc.write(number, &one, 8)
                        value = ["value": .int(1)]
                        outcome = result == 8 ? .ok(["written": .int(8)]) : .fail(ErrorCode(Errno(rawValue: Glibc.errno).name))
                    } else {
                        let reply = sharer.run(4, number, 8, 1)  // eight bytes of 1
                        value = ["value": .int(0x0101_0101_0101_0101)]
                        outcome = reply.result == 8 ? .ok(["written": .int(8)]) : .fail(ErrorCode(Errno(rawValue: reply.errno).name))
                    }
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
                    if caller == 1 {
                        outcome = ipc_epoll_ctl(instance.rawValue, op, number, bits, 1) == 0 ? .ok(nil) : .fail(ErrorCode(Errno(rawValue: Glibc.errno).name))
                    } else {
                        let reply = sharer.run(2, op, number, Int32(bitPattern: bits))
                        outcome = reply.result == 0 ? .ok(nil) : .fail(ErrorCode(Errno(rawValue: reply.errno).name))
                    }
                case .wait(let waiter, let maxEvents):
                    process = waiter
                    f = "epoll_wait"
                    value = ["maxevents": .int(maxEvents), "timeout": 0]
                    if waiter == 1 {
                        let events = (try? KernelEpoll.wait(instance.rawValue, maxEvents: maxEvents, timeoutMilliseconds: 0)) ?? []
                        outcome = .ok(reports(events.map { ($0.descriptor, $0.events.rawValue) }))
                    } else {
                        let reply = sharer.run(3, Int32(maxEvents), 0)
                        outcome = reply.result < 0 ? .fail(ErrorCode(Errno(rawValue: reply.errno).name)) : .ok(reports(reply.events))
                    }
                case .childClose:
                    process = 2
                    f = "close"
                    value = nil
                    let reply = sharer.run(1, number)
                    outcome = reply.result == 0 ? .ok(nil) : .fail(ErrorCode(Errno(rawValue: reply.errno).name))
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
