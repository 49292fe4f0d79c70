import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking sends (some too long), receives (some into too small a buffer), `mq_setattr`, opens and
/// closes by either of two holders (each `mq_open` its own description), an unlink, and `epoll_ctl` and `epoll_wait`
/// (zero timeout) on each holder's own epoll instance, on a real queue of 3 messages and on the posix-mq model: the
/// kernel's output must be the model's, call for call — level-triggered reports at every wait, `EPOLLET` once per
/// send or receive that moved a message (news to every registration: the queue's wake has no key), `EPOLLONESHOT`
/// once until MOD, a registration gone with its holder's close of its only descriptor, and `epoll_ctl`'s errors.
@Suite struct MessageQueueEpollAgreementTests {
    typealias Events = Epoll.Events
    typealias Model = PosixMessageQueueModel

    enum Operation: SingleObjectEpollOperation, Sendable, CustomStringConvertible {
        case send(holder: Int, size: Int)
        case receive(holder: Int, buffer: Int)
        case setattr(holder: Int)
        case open(holder: Int)
        case close(holder: Int)
        case unlink
        case epoll(HolderEpollCall<Model.EpollTarget>)

        static let target = Model.EpollTarget.queue

        var description: String {
            switch self {
            case .send(let holder, let size): "send\(holder)(\(size))"
            case .receive(let holder, let buffer): "receive\(holder)(\(buffer))"
            case .setattr(let holder): "setattr\(holder)"
            case .open(let holder): "open\(holder)"
            case .close(let holder): "close\(holder)"
            case .unlink: "unlink"
            case .epoll(let call): "\(call)"
            }
        }
    }

    static let messageSize = 8, maxMessages = 3

    /// The pipe's choices of events and operations (`PipeEpollAgreementTests`), on the queue.
    static let operations = Gen.oneOf(
        Gen.int(in: 0...7).map { Operation.send(holder: 1 + $0 % 2, size: [0, 1, 8, 9][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.send(holder: 1 + $0 % 2, size: 1) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.receive(holder: 1 + $0 % 2, buffer: [8, 8, 4][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.setattr(holder: 1 + $0) }.eraseToAny(),
        Gen.int(in: 0...9).map { $0 < 2 ? Operation.open(holder: 1 + $0) : $0 < 6 ? .close(holder: 1 + $0 % 2) : $0 == 6 ? .unlink : .receive(holder: 1 + $0 % 2, buffer: 8) }
            .eraseToAny(),
        EpollAgreement.controls { Operation.control(holder: $0, operation: $1, onInstance: $2, events: $3) },
        EpollAgreement.exclusiveControls { Operation.control(holder: $0, operation: $1, onInstance: $2, events: $3) },
        EpollAgreement.waits { Operation.wait(holder: $0, maxEvents: $1) }, EpollAgreement.waits { Operation.wait(holder: $0, maxEvents: $1) },
        EpollAgreement.otherWaits { Operation.wait(holder: $0, maxEvents: $1, form: $2) },
        EpollAgreement.misdirections([Operation.target]) { Operation.epoll(HolderEpollCall(holder: $0, call: $1)) }
    ).array(of: 1...40)

    /// The measured facts (`MessageQueueEpollFactsTests`), each in order.
    static let directedSequences: [[Operation]] = [
        // EPOLLET asking EPOLLIN: every send (into a non-empty queue too) and every receive (leaving messages too) is
        // news; failed calls, setattr and unlink are not.
        [.control(holder: 1, operation: .add, onInstance: false, events: [.input, .edgeTriggered]), .wait(holder: 1, maxEvents: 16),
         .send(holder: 2, size: 1), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .send(holder: 2, size: 1),
         .wait(holder: 1, maxEvents: 16), .receive(holder: 2, buffer: 8), .wait(holder: 1, maxEvents: 16), .receive(holder: 2, buffer: 4),
         .send(holder: 2, size: 9), .setattr(holder: 2), .unlink, .wait(holder: 1, maxEvents: 16), .send(holder: 1, size: 0),
         .send(holder: 1, size: 1), .send(holder: 1, size: 1), .wait(holder: 1, maxEvents: 16), .receive(holder: 2, buffer: 8),
         .receive(holder: 2, buffer: 8), .receive(holder: 2, buffer: 8), .wait(holder: 1, maxEvents: 16)],
        // EPOLLET asking EPOLLOUT: ADD, then each send and receive; the send that fills the queue news with nothing ready.
        [.control(holder: 2, operation: .add, onInstance: false, events: [.output, .edgeTriggered]), .wait(holder: 2, maxEvents: 16),
         .wait(holder: 2, maxEvents: 16), .send(holder: 1, size: 1), .wait(holder: 2, maxEvents: 16), .send(holder: 1, size: 1),
         .send(holder: 1, size: 1), .wait(holder: 2, maxEvents: 16), .receive(holder: 1, buffer: 8), .wait(holder: 2, maxEvents: 16),
         .wait(holder: 2, maxEvents: 16)],
        // EPOLLONESHOT and level-triggered (EPOLLRDNORM and EPOLLWRNORM when asked); the close of the only descriptor
        // ends the registration.
        [.control(holder: 1, operation: .add, onInstance: false, events: [.input, .oneShot]), .send(holder: 2, size: 1),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .add, onInstance: false, events: .input),
         .control(holder: 1, operation: .modify, onInstance: false, events: [.input, .output, .readNormal, .writeNormal]), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 1), .close(holder: 1), .wait(holder: 1, maxEvents: 16), .open(holder: 1),
         .control(holder: 1, operation: .add, onInstance: false, events: .input), .wait(holder: 1, maxEvents: 16)],
        // Errors in the kernel's order.
        [.control(holder: 1, operation: .modify, onInstance: false, events: .input), .control(holder: 1, operation: .delete, onInstance: false, events: []),
         .control(holder: 1, operation: .add, onInstance: true, events: .input), .control(holder: 1, operation: .other(7), onInstance: false, events: .input),
         .control(holder: 1, operation: .add, onInstance: false, events: .input), .control(holder: 1, operation: .add, onInstance: false, events: .output),
         .wait(holder: 1, maxEvents: 0), .close(holder: 1), .control(holder: 1, operation: .other(7), onInstance: false, events: .input)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set(["EPOLLIN", "EPOLLOUT", "EPOLLRDNORM", "EPOLLWRNORM", "EEXIST", "ENOENT", "EINVAL", "EBADF", "EPERM", "edge silent", "edge again"]),
            check: { operations, seen throws in try Self.check(operations: operations, seen: seen) })
    }

    /// Runs one sequence on a fresh queue (holders 1 and 2 each opening it, `O_NONBLOCK`) and the model side by side;
    /// records an issue at the first disagreement. Held off from spawns, and a disagreement counts only when a second
    /// run repeats it, as `EventCounterEpollAgreementTests` (a spawned child would hold a description a moment).
    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements {
            try Syscall.withoutConcurrentSpawns { () throws in try checkAlone(operations: operations, seen: seen) }
        }
    }

    static func checkAlone(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        let name = "/ipch-test-\(getpid())-epagree-\(UInt32.random(in: 0...UInt32.max))"
        let flags = O_RDWR | O_CLOEXEC | O_NONBLOCK
        let first = try Syscall.mqCreate(name, flags: flags | O_EXCL, mode: 0o600, maximumMessages: maxMessages, messageSize: messageSize)
        var held: [Int: [FileDescriptor]] = [1: [first]]
        var instances: [Int: FileDescriptor] = [:]
        defer {
            for descriptor in instances.values { try? Syscall.close(descriptor) }
            for descriptor in held.values.joined() { try? Syscall.close(descriptor) }
            try? Syscall.mqUnlink(name)
        }
        held[2] = [try Syscall.mqOpen(name, flags: flags)]
        instances = [1: try KernelEpoll.create(), 2: try KernelEpoll.create()]
        let model = Model(queues: [("q0", Model.Setup(maxMessages: maxMessages, messageSize: messageSize, holders: [1, 2]))])
        var state = model.initialState(of: "q0")
        state.descriptors = [1: [.init(nonblocking: true)], 2: [.init(nonblocking: true)]]
        for (index, operation) in operations.enumerated() {
            let input: Model.Input
            let kernel: Model.Output
            // A descriptor the holder closed is -1 (EBADF), never its old number, which another file may have taken.
            func descriptor(_ holder: Int) -> FileDescriptor { held[holder]?.last ?? FileDescriptor(rawValue: -1) }
            do throws(Errno) {
                switch operation {
                case .send(let holder, let size):
                    let data = [UInt8](repeating: UInt8(index % 256), count: size)
                    input = .send(process: holder, data: data, priority: 0, nonblocking: true)
                    try data.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(descriptor(holder), UnsafeRawBufferPointer(raw), priority: 0) }
                    kernel = .sent
                case .receive(let holder, let size):
                    input = .receive(process: holder, max: size, nonblocking: true)
                    var buffer = [UInt8](repeating: 0, count: size)
                    let (length, priority) = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in try Syscall.mqReceive(descriptor(holder), into: UnsafeMutableRawBufferPointer(raw)) }
                    kernel = .received(.init(data: Array(buffer.prefix(length)), priority: Int(priority)))
                case .setattr(let holder):
                    // O_NONBLOCK again (the descriptions stay so for the calls): is the call itself news?
                    input = .setNonblocking(process: holder, nonblocking: true)
                    kernel = .oldFlags(nonblocking: try Syscall.mqSetNonblocking(descriptor(holder), true))
                case .open(let holder):
                    input = .open(process: holder, nonblocking: true)
                    held[holder, default: []].append(try Syscall.mqOpen(name, flags: flags))
                    kernel = .done
                case .close(let holder):
                    input = .close(process: holder)
                    guard let open = held[holder]?.popLast() else { throw .badFileDescriptor }
                    try Syscall.close(open)
                    kernel = .done
                case .unlink:
                    input = .unlink(process: 1)
                    try Syscall.mqUnlink(name)
                    kernel = .done
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
                PipeAgreement.disagreement("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(model.transitions(state, input).map { "\($0.output.map { "\($0)" } ?? "any")" }) from \(model.describe(state))")
                return
            }
            seen.withLock { seen in
                switch kernel {
                case .epollEvents(let reports):
                    for report in reports { seen.formUnion(report.events.names) }
                    if case .epoll(let epoll) = operation, let holder = epoll.waiter, let registration = state.epoll.first(where: { $0.process == holder }),
                        registration.edgeTriggered, !registration.disabled, !registration.reported(of: Model.epollMask(state)).isEmpty
                    {
                        seen.insert(reports.isEmpty ? "edge silent" : "edge again")
                    }
                case .failed(let code): seen.insert(code.rawValue)
                default: break
                }
            }
            state = next
        }
    }

    /// The plausible wrong outcomes the model rejects, each beside the kernel's (measured in
    /// `MessageQueueEpollFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = Model(queues: [("q0", Model.Setup(maxMessages: 3, messageSize: 8, holders: [1, 2]))])
        func after(_ inputs: [(Model.Input, Model.Output)]) -> Model.State {
            var state = model.initialState(of: "q0")
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }
        func control(_ operation: Epoll.Operation, _ events: Events, process: Int = 1) -> (Model.Input, Model.Output) {
            (.epoll(process: process, call: .control(operation: operation, target: .queue, events: events)), .epollControlled)
        }
        func reported(_ events: Events) -> Model.Output { .epollEvents(events.isEmpty ? [] : [.init(target: .queue, events: events)]) }
        let wait = Model.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0))
        let send = (Model.Input.send(process: 2, data: [1], priority: 0, nonblocking: true), Model.Output.sent)
        let receive = (Model.Input.receive(process: 2, max: 8, nonblocking: true), Model.Output.received(.init(data: [1], priority: 0)))
        // EPOLLET asking EPOLLIN: a second report with nothing new; silence after a send into a non-empty queue, or
        // after a receive that leaves a message (both news); a report after a failed receive (no news).
        let edge = after([control(.add, [.input, .edgeTriggered]), send, (wait, reported(.input))])
        #expect(model.step(edge, wait, reported(.input)).isEmpty)
        let again = model.step(edge, send.0, send.1).first!.state
        #expect(model.step(again, wait, reported([])).isEmpty)
        #expect(!model.step(again, wait, reported(.input)).isEmpty)
        let left = after([control(.add, [.input, .edgeTriggered]), send, send, (wait, reported(.input)), receive])
        #expect(model.step(left, wait, reported([])).isEmpty)
        #expect(!model.step(left, wait, reported(.input)).isEmpty)
        let failed = model.step(edge, .receive(process: 2, max: 4, nonblocking: true), .failed(.EMSGSIZE)).first!.state
        #expect(model.step(failed, wait, reported(.input)).isEmpty)
        // EPOLLET asking only EPOLLOUT: a send is news too (the wake has no key).
        let out = after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), send])
        #expect(model.step(out, wait, reported([])).isEmpty)
        #expect(!model.step(out, wait, reported(.output)).isEmpty)
        // A receive from the full queue, no sender asleep: news (silence rejected); with a sender asleep (its blocking
        // send on the full queue took its first step), the receive takes its message in and may wake nothing.
        let full3 = after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), send, send, send, (wait, reported([])), receive])
        #expect(model.step(full3, wait, reported([])).isEmpty)
        #expect(!model.step(full3, wait, reported(.output)).isEmpty)
        let blocking = Model.Input.send(process: 3, data: [2], priority: 0, nonblocking: false)
        var sleeping = after([control(.add, [.output, .edgeTriggered]), (wait, reported(.output)), send, send, send, (wait, reported([]))])
        sleeping.name = NamedObjectHandles(holders: [1, 2, 3])
        let asleep = model.step(sleeping, blocking, nil).compactMap { if case .partial(let state) = $0 { state } else { nil } }
        #expect(asleep.count == 1)
        if let asleep = asleep.first {
            let taken = model.step(asleep, receive.0, receive.1).first!.state
            let refilled = model.step(taken, blocking, .sent).first!.state
            #expect(!model.step(refilled, wait, reported([])).isEmpty)
        }
        // Level-triggered: EPOLLRDNORM and EPOLLWRNORM when asked; never EPOLLHUP; a full queue no EPOLLOUT.
        let level = after([control(.add, [.input, .output, .readNormal, .writeNormal]), send])
        #expect(!model.step(level, wait, reported([.input, .output, .readNormal, .writeNormal])).isEmpty)
        #expect(model.step(level, wait, reported([.input, .output])).isEmpty)
        #expect(model.step(level, wait, reported([.input, .output, .readNormal, .writeNormal, .hangUp])).isEmpty)
        let full = after([control(.add, [.input, .output]), send, send, send])
        #expect(model.step(full, wait, reported([.input, .output])).isEmpty)
        #expect(!model.step(full, wait, reported(.input)).isEmpty)
        // A one-shot reported twice without MOD.
        let once = after([control(.add, [.input, .oneShot]), send, (wait, reported(.input))])
        #expect(model.step(once, wait, reported(.input)).isEmpty)
        // Closing the only descriptor ends the registration: no report, and a ctl fails EBADF.
        let closed = after([control(.add, .input), send, (.close(process: 1), .done)])
        #expect(model.step(closed, wait, reported(.input)).isEmpty)
        #expect(!model.step(closed, wait, reported([])).isEmpty)
        #expect(!model.step(closed, control(.delete, []).0, .failed(.EBADF)).isEmpty)
        // The unlinked queue's registration still reports.
        let unlinked = after([control(.add, .input), send, (.unlink(process: 2), .done)])
        #expect(model.step(unlinked, wait, reported([])).isEmpty)
        // Errors: EEXIST, ENOENT, EINVAL for the instance itself and maxevents 0; asleep only EINTR ends a wait.
        let added = after([control(.add, .input)])
        #expect(model.step(added, control(.add, .output).0, .epollControlled).isEmpty)
        #expect(!model.step(added, control(.add, .output).0, .failed(.EEXIST)).isEmpty)
        #expect(!model.step(added, control(.modify, .output, process: 2).0, .failed(.ENOENT)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .control(operation: .add, target: nil, events: .input)), .failed(.EINVAL)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .wait(maxEvents: 0, timeout: 0)), .failed(.EINVAL)).isEmpty)
        let forever = Model.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: -1))
        #expect(model.step(added, forever, reported([])).isEmpty)
        #expect(!model.step(added, forever, .failed(.EINTR)).isEmpty)
        #expect(model.step(level, forever, .failed(.EINTR)).isEmpty)
    }
}
