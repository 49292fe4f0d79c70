import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of writes (0, 1, 3, up to the ceiling, 2^64 − 1), reads, closes by either of two holders, and
/// `epoll_ctl` and `epoll_wait` (zero timeout) on each holder's own epoll instance, on a real nonblocking eventfd and
/// on the eventfd model: the kernel's output must be the model's, call for call — level-triggered reports at every
/// wait, `EPOLLET` once per successful write (`EPOLLIN`) or read (`EPOLLOUT`), `EPOLLONESHOT` once until MOD, a
/// registration outliving its holder's close while the other holds the eventfd, and `epoll_ctl`'s errors.
@Suite struct EventCounterEpollAgreementTests {
    typealias Events = Epoll.Events

    enum Operation: SingleObjectEpollOperation, Sendable, CustomStringConvertible {
        case write(holder: Int, value: UInt64)
        case read(holder: Int)
        case close(holder: Int)
        case epoll(HolderEpollCall<EventCounterModel.EpollTarget>)

        static let target = EventCounterModel.EpollTarget.eventfd

        var description: String {
            switch self {
            case .write(let holder, let value): "write\(holder)(\(value))"
            case .read(let holder): "read\(holder)"
            case .close(let holder): "close\(holder)"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let values: [UInt64] = [0, 1, 3, EventCounterModel.maximum - 1, EventCounterModel.maximum, .max]

    /// The pipe's choices of events and operations (`PipeEpollAgreementTests`), on the eventfd.
    static let operations = Gen.oneOf(
        Gen.int(in: 0...11).map { Operation.write(holder: 1 + $0 % 2, value: Self.values[$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.write(holder: 1 + $0 % 2, value: [0, 1][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.read(holder: 1 + $0) }.eraseToAny(),
        Gen.int(in: 0...7).map { Operation.close(holder: 1 + $0 % 2) }.eraseToAny(),
        EpollAgreement.controls { Operation.control(holder: $0, operation: $1, onInstance: $2, events: $3) },
        EpollAgreement.exclusiveControls { Operation.control(holder: $0, operation: $1, onInstance: $2, events: $3) },
        EpollAgreement.waits { Operation.wait(holder: $0, maxEvents: $1) }, EpollAgreement.waits { Operation.wait(holder: $0, maxEvents: $1) },
        EpollAgreement.otherWaits { Operation.wait(holder: $0, maxEvents: $1, form: $2) },
        EpollAgreement.misdirections([Operation.target]) { Operation.epoll(HolderEpollCall(holder: $0, call: $1)) }
    ).array(of: 1...40)

    /// The measured facts (`KernelEventCounterEpollFactsTests`), each in order.
    static let directedSequences: [[Operation]] = [
        // EPOLLET asking EPOLLIN: once per successful write (0 too), not after a read, an EAGAIN or an EINVAL.
        [.control(holder: 1, operation: .add, onInstance: false, events: [.input, .edgeTriggered]), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, value: 1), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .write(holder: 2, value: 0),
         .wait(holder: 1, maxEvents: 16), .read(holder: 1), .wait(holder: 1, maxEvents: 16), .read(holder: 1), .write(holder: 2, value: .max),
         .wait(holder: 1, maxEvents: 16), .write(holder: 2, value: EventCounterModel.maximum), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, value: 1), .wait(holder: 1, maxEvents: 16)],
        // EPOLLET asking EPOLLOUT: ADD, then each successful read; a write no news.
        [.control(holder: 2, operation: .add, onInstance: false, events: [.output, .edgeTriggered]), .wait(holder: 2, maxEvents: 16),
         .wait(holder: 2, maxEvents: 16), .write(holder: 1, value: 3), .wait(holder: 2, maxEvents: 16), .read(holder: 1),
         .wait(holder: 2, maxEvents: 16), .read(holder: 1), .wait(holder: 2, maxEvents: 16),
         .control(holder: 2, operation: .modify, onInstance: false, events: [.input, .output, .edgeTriggered]), .write(holder: 1, value: 1),
         .wait(holder: 2, maxEvents: 16), .read(holder: 2), .wait(holder: 2, maxEvents: 16)],
        // EPOLLONESHOT and level-triggered; the registration outlives its holder's close while the other holds it.
        [.control(holder: 1, operation: .add, onInstance: false, events: [.input, .oneShot]), .write(holder: 2, value: 1),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .add, onInstance: false, events: .input),
         .control(holder: 1, operation: .modify, onInstance: false, events: [.input, .output]), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 1), .close(holder: 1), .wait(holder: 1, maxEvents: 16), .read(holder: 2), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .delete, onInstance: false, events: []), .close(holder: 2), .wait(holder: 1, maxEvents: 16)],
        // Errors in the kernel's order.
        [.control(holder: 1, operation: .modify, onInstance: false, events: .input), .control(holder: 1, operation: .delete, onInstance: false, events: []),
         .control(holder: 1, operation: .add, onInstance: true, events: .input), .control(holder: 1, operation: .other(7), onInstance: false, events: .input),
         .control(holder: 1, operation: .add, onInstance: false, events: .input), .control(holder: 1, operation: .add, onInstance: false, events: .output),
         .wait(holder: 1, maxEvents: 0), .close(holder: 1), .control(holder: 1, operation: .other(7), onInstance: false, events: .input)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set(["EPOLLIN", "EPOLLOUT", "EEXIST", "ENOENT", "EINVAL", "EBADF", "EPERM", "edge silent", "after close"]),
            check: { operations, seen throws in try Self.check(operations: operations, seen: seen) })
    }

    /// Runs one sequence on a fresh eventfd (holder 2's descriptor a `dup` of holder 1's: one description, as the
    /// model's holders share it) and the model side by side; records an issue at the first disagreement.
    /// Held off from spawns (`withoutConcurrentSpawns`): a worker a scenario test spawns meanwhile would hold a copy
    /// of the object for a moment, and a close here would then not be the last (no hang-up, no release). A
    /// disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``): the test
    /// library's own spawns cannot hold off.
    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements {
            try Syscall.withoutConcurrentSpawns { () throws in try checkAlone(operations: operations, seen: seen) }
        }
    }

    static func checkAlone(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        let first = try KernelEventCounter.create(semaphore: false, nonblocking: true)
        var held: [Int: FileDescriptor] = [1: first]
        do { held[2] = try Syscall.duplicate(first) } catch {
            try? Syscall.close(first)
            throw error
        }
        let instances = [1: try KernelEpoll.create(), 2: try KernelEpoll.create()]
        defer {
            for descriptor in instances.values { try? Syscall.close(descriptor) }
            for descriptor in held.values { try? Syscall.close(descriptor) }
        }
        let model = EventCounterModel(counters: [("e0", EventCounterModel.Setup(nonblocking: true, holders: [1, 2]))])
        var state = model.initialState(of: "e0")
        for (index, operation) in operations.enumerated() {
            let input: EventCounterModel.Input
            let kernel: EventCounterModel.Output
            do throws(Errno) {
                // A descriptor the holder closed is -1 (EBADF), never its old number, which another file may have taken.
                func descriptor(_ holder: Int) -> FileDescriptor { held[holder] ?? FileDescriptor(rawValue: -1) }
                switch operation {
                case .write(let holder, let value):
                    input = .write(process: holder, value: value, size: 8)
                    switch try KernelEventCounter.write(descriptor(holder), value) {
                    case .completed(let count): kernel = .wrote(count)
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .read(let holder):
                    input = .read(process: holder, size: 8)
                    switch try KernelEventCounter.read(descriptor(holder)) {
                    case .completed(let value): kernel = .read(value)
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .close(let holder):
                    input = .close(process: holder)
                    guard let open = held.removeValue(forKey: holder) else { throw .badFileDescriptor }
                    try Syscall.close(open)
                    kernel = .closed
                case .epoll(let epoll):
                    input = .epoll(process: epoll.holder, call: epoll.call)
                    let reports = try EpollAgreement.perform(
                        epoll.call, target: Operation.target, instance: instances[epoll.holder]!.rawValue, descriptor: descriptor(epoll.holder).rawValue)
                    kernel = reports.map { .epollEvents($0) } ?? .epollControlled
                }
            } catch {
                kernel = .failed(ErrorCode(error.name))
            }
            guard let next = model.step(state, input, kernel).first?.state else {
                PipeAgreement.disagreement("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(model.outcome(of: input, in: state).map { "\($0.output)" } ?? "asleep") from \(model.describe(state))")
                return
            }
            seen.withLock { seen in
                switch kernel {
                case .epollEvents(let reports):
                    for report in reports { seen.formUnion(report.events.names) }
                    if case .epoll(let epoll) = operation, let holder = epoll.waiter {
                        if reports.isEmpty, state.epoll.contains(where: { $0.process == holder && $0.edgeTriggered && !$0.disabled
                            && !$0.reported(of: EventCounterModel.epollMask(state)).isEmpty }) { seen.insert("edge silent") }
                        if !reports.isEmpty, !state.holders.contains(holder) { seen.insert("after close") }
                    }
                case .failed(let code): seen.insert(code.rawValue)
                default: break
                }
            }
            state = next
        }
    }

    /// The plausible wrong outcomes the model rejects, each beside the kernel's (measured in
    /// `KernelEventCounterEpollFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = EventCounterModel(counters: [("e0", EventCounterModel.Setup(nonblocking: true, holders: [1, 2]))])
        func after(_ inputs: [(EventCounterModel.Input, EventCounterModel.Output)]) -> EventCounterModel.State {
            var state = model.initialState(of: "e0")
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }
        func control(_ operation: Epoll.Operation, _ events: Events, process: Int = 1) -> (EventCounterModel.Input, EventCounterModel.Output) {
            (.epoll(process: process, call: .control(operation: operation, target: .eventfd, events: events)), .epollControlled)
        }
        func reported(_ events: Events) -> EventCounterModel.Output { .epollEvents(events.isEmpty ? [] : [.init(target: .eventfd, events: events)]) }
        let wait = EventCounterModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0))
        func write(_ value: UInt64) -> (EventCounterModel.Input, EventCounterModel.Output) { (.write(process: 2, value: value, size: 8), .wrote(8)) }
        let read = (EventCounterModel.Input.read(process: 2, size: 8), EventCounterModel.Output.read(1))
        // A second EPOLLET report with nothing new; silence after a write (of 0 too), which is news.
        let edge = after([control(.add, [.input, .edgeTriggered]), write(1), (wait, reported(.input))])
        #expect(model.step(edge, wait, reported(.input)).isEmpty)
        #expect(!model.step(edge, wait, reported([])).isEmpty)
        let zero = after([control(.add, [.input, .edgeTriggered]), write(1), (wait, reported(.input)), write(0)])
        #expect(model.step(zero, wait, reported([])).isEmpty)
        #expect(!model.step(zero, wait, reported(.input)).isEmpty)
        // A read is no news for EPOLLIN, a write none for EPOLLOUT; a read is news for EPOLLOUT.
        let readIn = after([control(.add, [.input, .edgeTriggered]), write(2), (wait, reported(.input)), (.read(process: 2, size: 8), .read(2)), write(1), (wait, reported(.input)), write(0)])
        #expect(!model.step(readIn, wait, reported(.input)).isEmpty)
        let out = after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), write(1)])
        #expect(model.step(out, wait, reported(.output)).isEmpty)
        #expect(!model.step(after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), write(1), read]), wait, reported(.output)).isEmpty)
        #expect(model.step(after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), write(1), read]), wait, reported([])).isEmpty)
        // Level-triggered: EPOLLIN at every wait while above 0; never EPOLLRDNORM; the ceiling has no EPOLLOUT.
        let level = after([control(.add, [.input, .output, .readNormal]), write(3), (wait, reported([.input, .output]))])
        #expect(!model.step(level, wait, reported([.input, .output])).isEmpty)
        #expect(model.step(level, wait, reported(.output)).isEmpty)
        #expect(model.step(level, wait, reported([.input, .output, .readNormal])).isEmpty)
        let full = after([control(.add, [.input, .output]), write(EventCounterModel.maximum)])
        #expect(model.step(full, wait, reported([.input, .output])).isEmpty)
        #expect(!model.step(full, wait, reported(.input)).isEmpty)
        // A one-shot reported twice without MOD.
        let once = after([control(.add, [.input, .oneShot]), write(1), (wait, reported(.input))])
        #expect(model.step(once, wait, reported(.input)).isEmpty)
        // After its holder's close, the registration still reports while the other holds the eventfd; after the last, not.
        let closed = after([control(.add, .input), write(1), (.close(process: 1), .closed)])
        #expect(model.step(closed, wait, reported([])).isEmpty)
        #expect(!model.step(closed, wait, reported(.input)).isEmpty)
        #expect(model.step(closed, control(.modify, .input).0, .epollControlled).isEmpty)
        #expect(!model.step(closed, control(.modify, .input).0, .failed(.EBADF)).isEmpty)
        let released = model.step(closed, .close(process: 2), .closed).first!.state
        #expect(model.step(released, wait, reported(.input)).isEmpty)
        // Errors: EEXIST, ENOENT, EINVAL for the instance itself and maxevents 0; asleep only EINTR ends a wait.
        let added = after([control(.add, .input)])
        #expect(model.step(added, control(.add, .output).0, .epollControlled).isEmpty)
        #expect(!model.step(added, control(.add, .output).0, .failed(.EEXIST)).isEmpty)
        #expect(!model.step(added, control(.modify, .output, process: 2).0, .failed(.ENOENT)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .control(operation: .add, target: nil, events: .input)), .failed(.EINVAL)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .wait(maxEvents: 0, timeout: 0)), .failed(.EINVAL)).isEmpty)
        let forever = EventCounterModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: -1))
        #expect(model.step(added, forever, reported([])).isEmpty)
        #expect(!model.step(added, forever, .failed(.EINTR)).isEmpty)
        #expect(model.step(level, forever, .failed(.EINTR)).isEmpty)
    }
}
