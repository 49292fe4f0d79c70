import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences on three bound datagram sockets (model shape `bound`, abstract names): `p1` a receiver, `p2` a sender by
/// address (`sendto`), `p3` a sender `connect`ed to `p1` before each sequence. Each process P holds `pP` and has its own
/// epoll instance (here all in this process) registering it, between nonblocking sends, receives, peeks, `poll`s,
/// `connect`s (`p3` elsewhere and back, `p1` back to `p3`), `AF_UNSPEC` and `p1`'s close; the kernel's output must be
/// one the model allows, call for call (measured in `UnixSocketBoundDatagramEpollFactsTests`): the queue limit
/// withholding `p3`'s `EPOLLOUT` and `POLLOUT`, each datagram news for `p1`, a reconnect news for `p3`, and the
/// relayed wake of `p3` when `p1` takes a datagram (perhaps news). A disagreement counts only when a second run repeats
/// it (``PipeAgreement/repeatingDisagreements(_:)``). ``theWrongOutcomesAreRejected()`` shows the plausible wrong beliefs
/// — `EPOLLOUT` while the peer is full, no news for a reconnect, certain news for the relay — rejected or
/// disagreeing with the kernel.
@Suite struct UnixSocketBoundDatagramEpollAgreementTests {
    typealias Events = Epoll.Events

    enum Operation: Sendable, CustomStringConvertible {
        case sendTo(from: String, size: Int)
        case send(end: String, size: Int)
        case receive(end: String, max: Int)
        case peek(end: String)
        case connect(end: String, to: String)
        case disconnect(end: String)
        case close(end: String)
        case poll(end: String)
        case control(operation: Epoll.Operation, end: String, events: Events)
        case wait(process: Int, maxEvents: Int)

        var description: String {
            switch self {
            case .sendTo(let from, let size): "sendto(\(from) → p1, \(size))"
            case .send(let end, let size): "send(\(end), \(size))"
            case .receive(let end, let max): "receive(\(end), \(max))"
            case .peek(let end): "peek(\(end))"
            case .connect(let end, let to): "connect(\(end) → \(to))"
            case .disconnect(let end): "AF_UNSPEC(\(end))"
            case .close(let end): "close(\(end))"
            case .poll(let end): "poll(\(end))"
            case .control(let operation, let end, let events): "epoll_ctl(\(operation.name), \(end), \(events))"
            case .wait(let process, let maxEvents): "\(process): epoll_wait(\(maxEvents))"
            }
        }
    }

    static let ends = ["p1", "p2", "p3"]
    static func owner(_ end: String) -> Int { Int(end.dropFirst())! }
    static let eventChoices: [Events] = [
        [.output, .edgeTriggered], [.input, .edgeTriggered], [.input, .output, .edgeTriggered], [.input, .output], [.output],
        [.input, .output, .readHangUp, .writeNormal, .edgeTriggered], [.output, .oneShot, .edgeTriggered],
    ]

    /// Many sends to `p1` and fewer receives, so its queue is often full.
    static let operations = Gen.oneOf(
        Gen.int(in: 0...5).map { Operation.sendTo(from: ["p2", "p2", "p3"][$0 % 3], size: [1, 0][$0 / 3]) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.sendTo(from: "p2", size: 1 + $0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.send(end: ["p3", "p3", "p1", "p2"][$0], size: 2) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.receive(end: ["p1", "p1", "p1", "p1", "p3", "p2"][$0], max: 100) }.eraseToAny(),
        Gen.int(in: 0...3).map { _ in Operation.peek(end: "p1") }.eraseToAny(),
        Gen.int(in: 0...20).map { value in
            [Operation.connect(end: "p3", to: "p2"), .connect(end: "p3", to: "p1"), .disconnect(end: "p3"), .connect(end: "p1", to: "p3"),
             .disconnect(end: "p1")][value % 5]
        }.eraseToAny(),
        Gen.int(in: 0...29).map { value in value == 0 ? Operation.close(end: "p1") : .poll(end: ends[value % 3]) }.eraseToAny(),
        Gen.int(in: 0...299).map { value in
            Operation.control(
                operation: PipeEpollAgreementTests.operationChoices[value % 5], end: ends[(value / 5) % 3],
                events: Self.eventChoices[(value / 15) % Self.eventChoices.count])
        }.eraseToAny(),
        Gen.int(in: 0...8).map { Operation.wait(process: [3, 3, 1, 2, 3, 1, 3, 3, 1][$0], maxEvents: 16) }.eraseToAny()
    ).array(of: 1...60)

    /// Eleven datagrams from `p2` fill `p1`'s queue.
    static let fill = [Operation](repeating: .sendTo(from: "p2", size: 1), count: 11)

    /// The measured facts, each in order.
    static let directedSequences: [[Operation]] = [
        // The receiver: level EPOLLIN while a datagram is queued; EPOLLET news per datagram, from either sender.
        [.control(operation: .add, end: "p1", events: [.input, .output]), .wait(process: 1, maxEvents: 16), .sendTo(from: "p2", size: 1),
         .wait(process: 1, maxEvents: 16), .send(end: "p3", size: 1), .receive(end: "p1", max: 10), .receive(end: "p1", max: 10),
         .wait(process: 1, maxEvents: 16), .control(operation: .modify, end: "p1", events: [.input, .edgeTriggered]),
         .wait(process: 1, maxEvents: 16), .sendTo(from: "p2", size: 1), .wait(process: 1, maxEvents: 16), .wait(process: 1, maxEvents: 16),
         .send(end: "p3", size: 1), .sendTo(from: "p2", size: 0), .wait(process: 1, maxEvents: 16), .receive(end: "p1", max: 10),
         .wait(process: 1, maxEvents: 16)],
        // The queue limit: p3 not writable (epoll and poll), p2 writable; one receive; p1 connected back.
        [.control(operation: .add, end: "p3", events: [.input, .output]), .control(operation: .add, end: "p2", events: [.output])]
            + fill + [.sendTo(from: "p2", size: 1), .wait(process: 3, maxEvents: 16), .poll(end: "p3"), .wait(process: 2, maxEvents: 16),
            .poll(end: "p2"), .send(end: "p3", size: 1), .receive(end: "p1", max: 10), .wait(process: 3, maxEvents: 16),
            .sendTo(from: "p2", size: 1), .wait(process: 3, maxEvents: 16), .connect(end: "p1", to: "p3"), .wait(process: 3, maxEvents: 16)],
        // The relay: p3 polled while full hears p1's receive.
        fill + [.control(operation: .add, end: "p3", events: [.output, .edgeTriggered]), .wait(process: 3, maxEvents: 16),
            .receive(end: "p1", max: 10), .wait(process: 3, maxEvents: 16), .sendTo(from: "p2", size: 1),
            .control(operation: .modify, end: "p3", events: [.output, .edgeTriggered]), .wait(process: 3, maxEvents: 16), .peek(end: "p1"),
            .wait(process: 3, maxEvents: 16), .receive(end: "p1", max: 10), .wait(process: 3, maxEvents: 16), .sendTo(from: "p2", size: 1),
            .send(end: "p3", size: 1), .wait(process: 3, maxEvents: 16), .receive(end: "p1", max: 10), .wait(process: 3, maxEvents: 16)],
        // Not polled while full: no news (the model allows it).
        [.control(operation: .add, end: "p3", events: [.output, .edgeTriggered]), .wait(process: 3, maxEvents: 16)] + fill
            + [.receive(end: "p1", max: 10), .wait(process: 3, maxEvents: 16)],
        // connect and AF_UNSPEC with a peer are news; without, none.
        [.control(operation: .add, end: "p3", events: [.output, .edgeTriggered]), .wait(process: 3, maxEvents: 16),
         .connect(end: "p3", to: "p2"), .wait(process: 3, maxEvents: 16), .connect(end: "p3", to: "p2"), .wait(process: 3, maxEvents: 16),
         .disconnect(end: "p3"), .wait(process: 3, maxEvents: 16), .disconnect(end: "p3"), .wait(process: 3, maxEvents: 16),
         .connect(end: "p3", to: "p1"), .wait(process: 3, maxEvents: 16)],
        // The receiver's close: p3 writable, no EPOLLERR or EPOLLHUP; ECONNREFUSED, then ENOTCONN.
        fill + [.control(operation: .add, end: "p3", events: [.input, .output, .readHangUp, .edgeTriggered]),
            .control(operation: .add, end: "p2", events: [.output, .edgeTriggered]), .wait(process: 3, maxEvents: 16),
            .wait(process: 2, maxEvents: 16), .close(end: "p1"), .wait(process: 3, maxEvents: 16), .wait(process: 2, maxEvents: 16),
            .control(operation: .modify, end: "p3", events: [.input, .output, .readHangUp]), .wait(process: 3, maxEvents: 16), .poll(end: "p3"),
            .send(end: "p3", size: 1), .send(end: "p3", size: 1), .wait(process: 3, maxEvents: 16)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set([
                "EPOLLIN", "EPOLLOUT", "EAGAIN", "ECONNREFUSED", "ENOTCONN", "EPERM", "peer full", "perhaps reported", "perhaps silent",
                "edge silent", "POLLOUT withheld", "unjudged",
            ]),
            check: { operations, seen throws in
                try PipeAgreement.repeatingDisagreements {
                    try Syscall.withoutConcurrentSpawns { () throws in try Self.checkAlone(operations: operations, seen: seen) }
                }
            })
    }

    static let model = UnixSocketModel(objects: [("s0", .init(type: .dgram, shape: .bound(processes: [1, 2, 3]), address: .abstract))])

    /// The model's state after `p3`'s `connect` to `p1`, where every sequence starts.
    static func initialState(of model: UnixSocketModel) -> UnixSocketModel.State {
        model.step(model.initialState(of: "s0"), .connectPeer(process: 3, end: "p3", to: "p1"), .closed).first!.state
    }

    /// One sequence on three fresh bound sockets and the model side by side; a disagreement at the first call they differ.
    static func checkAlone(operations: [Operation], seen: borrowing Mutex<Set<String>>, model: UnixSocketModel = Self.model) throws {
        var sockets: [String: FileDescriptor] = [:]
        var addresses: [String: UnixAddress] = [:]
        var instances: [Int: FileDescriptor] = [:]
        defer { for descriptor in Array(sockets.values) + instances.values { try? Syscall.close(descriptor) } }
        for end in ends {
            addresses[end] = uniqueAbstractAddress("bound-epoll-\(end)")
            sockets[end] = try KernelUnixSocket.bound(.dgram, to: addresses[end]!)
            instances[owner(end)] = try KernelEpoll.create()
        }
        try Syscall.connect(sockets["p3"]!, to: addresses["p1"]!)
        var state = initialState(of: model)
        for (index, operation) in operations.enumerated() {
            let input: UnixSocketModel.Input
            let kernel: UnixSocketModel.Output
            let context = "operation \(index) \(operation) of \(operations)"
            do throws(Errno) {
                func socket(_ end: String) -> FileDescriptor { sockets[end] ?? FileDescriptor(rawValue: -1) }
                switch operation {
                case .sendTo(let end, let size), .send(let end, let size):
                    let data = UnixSocketModelAgreementTests.payload(size)
                    var to: String?
                    if case .sendTo = operation { to = "p1" }
                    input = .send(process: owner(end), end: end, data: data, nonblocking: true, to: to, files: [])
                    switch try KernelUnixSocket.send(socket(end), data, to: to.map { addresses[$0]! }, nonblocking: true) {
                    case .completed(let count): kernel = .sent(count)
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .receive(let end, let max):
                    input = .receive(process: owner(end), end: end, max: max, nonblocking: true, maxFiles: 0)
                    kernel = try receive(socket(end), max: max, peek: false, addresses: addresses)
                case .peek(let end):
                    input = .peek(process: owner(end), end: end, max: 100, nonblocking: true, maxFiles: 0)
                    kernel = try receive(socket(end), max: 100, peek: true, addresses: addresses)
                case .connect(let end, let to):
                    input = .connectPeer(process: owner(end), end: end, to: to)
                    try Syscall.connect(socket(end), to: addresses[to]!)
                    kernel = .closed
                case .disconnect(let end):
                    input = .disconnectPeer(process: owner(end), end: end)
                    try Syscall.disconnect(socket(end))
                    kernel = .closed
                case .close(let end):
                    input = .close(process: owner(end), end: end)
                    guard let open = sockets.removeValue(forKey: end) else { throw .badFileDescriptor }
                    try Syscall.close(open)
                    kernel = .closed
                case .poll(let end):
                    input = .poll(process: owner(end), end: end, events: [.input, .output], timeout: 0)
                    guard sockets[end] != nil else { throw .badFileDescriptor }  // poll itself reports POLLNVAL
                    var descriptors = [pollfd(fd: socket(end).rawValue, events: Int16(POLLIN | POLLOUT), revents: 0)]
                    _ = try Syscall.poll(&descriptors, timeoutMilliseconds: 0)
                    kernel = .polled(pollEvents(descriptors[0].revents))
                    if !kernel.isPolledOutput, state.sockets.contains(where: { $0.name == end && !$0.released }), end == "p3" {
                        seen.withLock { _ = $0.insert("POLLOUT withheld") }
                    }
                case .control(let operation, let end, let events):
                    input = .epoll(process: owner(end), call: .control(operation: operation, target: end, events: events))
                    try EpollAgreement.control(instances[owner(end)]!.rawValue, operation, socket(end).rawValue, events)
                    kernel = .epollControlled
                case .wait(let process, let maxEvents):
                    input = .epoll(process: process, call: .wait(maxEvents: maxEvents, timeout: 0))
                    let registered = "p\(process)"
                    kernel = .epollEvents(try EpollAgreement.wait(instances[process]!.rawValue, maxEvents: maxEvents).map {
                        .init(target: $0.descriptor == socket(registered).rawValue ? registered : "?", events: $0.events)
                    }.sorted())
                    markWait(model, state, process: process, kernel: kernel, seen: seen)
                }
            } catch {
                kernel = .failed(ErrorCode(error.name))
            }
            // A process whose registration a peer's connect back left off the ready list is no longer judged: any
            // output goes (`UnixSocketModel.step` allows it).
            if case .epoll(let process, _) = input, state.epollUnjudged.contains(process) {
                seen.withLock { _ = $0.insert("unjudged") }
                state = model.step(state, input, kernel).first!.state
                continue
            }
            guard UnixSocketEpollAgreement.advance(model, &state, input, kernel: kernel, seen: seen, context: context) else { return }
        }
    }

    /// A nonblocking receive (or peek) with the sender's name.
    static func receive(_ socket: FileDescriptor, max: Int, peek: Bool, addresses: [String: UnixAddress]) throws(Errno) -> UnixSocketModel.Output {
        switch try KernelUnixSocket.receive(socket, maximum: max, wantSender: true, nonblocking: true, peek: peek) {
        case .completed(let message):
            let from = message.sender.flatMap { sender in addresses.first { $0.value == sender }?.key }
            return .received(.init(data: message.data, truncated: message.truncated, from: from))
        case .wouldBlock: return .failed(.EAGAIN)
        }
    }

    /// The plausible wrong outcomes the model rejects, each beside the kernel's (which it accepts): `EPOLLOUT` (and
    /// `POLLOUT`) for a connected sender while its peer is full; no news for a `connect` elsewhere or `AF_UNSPEC`;
    /// news for a `connect` without a peer before; `EPOLLERR` or `EPOLLHUP` after the receiver's close; and no
    /// `EPOLLIN` news for the receiver's second datagram. The relay is both: a report and none are allowed.
    @Test func theWrongOutcomesAreRejected() {
        let model = Self.model
        let steps = UnixSocketEpollAgreement.Steps(model: model)
        func after(_ inputs: [(UnixSocketModel.Input, UnixSocketModel.Output)]) -> UnixSocketModel.State {
            var state = Self.initialState(of: model)
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }
        let sendTo = (UnixSocketModel.Input.send(process: 2, end: "p2", data: [0x61], nonblocking: true, to: "p1", files: []), UnixSocketModel.Output.sent(1))
        let fill = [(UnixSocketModel.Input, UnixSocketModel.Output)](repeating: sendTo, count: 11)
        let take = (UnixSocketModel.Input.receive(process: 1, end: "p1", max: 10, nonblocking: true, maxFiles: 0),
                    UnixSocketModel.Output.received(.init(data: [0x61], truncated: false, from: "p2")))
        let wait3 = steps.wait(3)
        func reported(_ events: Events) -> UnixSocketModel.Output { steps.reported("p3", events) }
        // The peer's full queue withholds EPOLLOUT and POLLOUT.
        let full = after([steps.add(3, "p3", [.input, .output])] + fill)
        #expect(model.step(full, wait3, reported(.output)).isEmpty)
        #expect(!model.step(full, wait3, reported([])).isEmpty)
        let poll = UnixSocketModel.Input.poll(process: 3, end: "p3", events: [.input, .output], timeout: 0)
        #expect(model.step(full, poll, .polled(.output)).isEmpty)
        #expect(!model.step(full, poll, .polled([])).isEmpty)
        #expect(!model.step(after([steps.add(3, "p3", [.input, .output])] + fill + [take]), wait3, reported(.output)).isEmpty)
        // The relay: after the full peer's receive, news perhaps.
        let relayed = after(fill + [steps.add(3, "p3", [.output, .edgeTriggered]), (wait3, reported([])), take])
        #expect(!model.step(relayed, wait3, reported(.output)).isEmpty)
        #expect(!model.step(relayed, wait3, reported([])).isEmpty)
        // A connect elsewhere and AF_UNSPEC with a peer are news; without one, none.
        let edge = [steps.add(3, "p3", [.output, .edgeTriggered]), (wait3, reported(.output))]
        let moved = after(edge + [(.connectPeer(process: 3, end: "p3", to: "p2"), .closed)])
        #expect(model.step(moved, wait3, reported([])).isEmpty)
        let unspec = after(edge + [(.disconnectPeer(process: 3, end: "p3"), .closed)])
        #expect(model.step(unspec, wait3, reported([])).isEmpty)
        let fresh = after(edge + [(.disconnectPeer(process: 3, end: "p3"), .closed), (wait3, reported(.output)), (.connectPeer(process: 3, end: "p3", to: "p1"), .closed)])
        #expect(model.step(fresh, wait3, reported(.output)).isEmpty)
        #expect(!model.step(fresh, wait3, reported([])).isEmpty)
        // The receiver's close: writable, no EPOLLERR, no EPOLLHUP.
        let closed = after([steps.add(3, "p3", [.input, .output, .readHangUp])] + fill + [(.close(process: 1, end: "p1"), .closed)])
        #expect(model.step(closed, wait3, reported([.output, .error])).isEmpty)
        #expect(model.step(closed, wait3, reported([.output, .hangUp])).isEmpty)
        #expect(!model.step(closed, wait3, reported(.output)).isEmpty)
        // Each datagram is news for the receiver.
        let receiver = after([steps.add(1, "p1", [.input, .edgeTriggered]), sendTo, (steps.wait(1), steps.reported("p1", .input)), sendTo])
        #expect(model.step(receiver, steps.wait(1), steps.reported("p1", [])).isEmpty)
        #expect(!model.step(receiver, steps.wait(1), steps.reported("p1", .input)).isEmpty)
    }

    static func pollEvents(_ revents: Int16) -> UnixSocketModel.PollEvents {
        var events: UnixSocketModel.PollEvents = []
        if revents & Int16(POLLIN) != 0 { events.insert(.input) }
        if revents & Int16(POLLOUT) != 0 { events.insert(.output) }
        if revents & Int16(POLLERR) != 0 { events.insert(.error) }
        if revents & Int16(POLLHUP) != 0 { events.insert(.hangUp) }
        if revents & 0x2000 != 0 { events.insert(.readHangUp) }
        return events
    }

    /// Records what a wait of `process` met: `p3`'s peer full, and a registration with perhaps-news whose mask was
    /// ready reported or not.
    static func markWait(
        _ model: UnixSocketModel, _ state: UnixSocketModel.State, process: Int, kernel: UnixSocketModel.Output, seen: borrowing Mutex<Set<String>>
    ) {
        guard case .epollEvents(let reports) = kernel else { return }
        seen.withLock { seen in
            for registration in state.epoll where registration.process == process && !registration.disabled {
                guard let socket = state.sockets.first(where: { $0.name == registration.target }) else { continue }
                let mask = model.epollMask(of: socket, in: state)
                // Small sends only: p3 is unwritable only while its peer is full.
                if registration.target == "p3", registration.events.contains(.output), !mask.contains(.output), !socket.released,
                    socket.memory < 10_000
                {
                    seen.insert("peer full")
                }
                guard registration.edgeTriggered, registration.news == .perhaps, !registration.reported(of: mask).isEmpty else { continue }
                seen.insert(reports.contains { $0.target == registration.target } ? "perhaps reported" : "perhaps silent")
            }
        }
    }
}

extension UnixSocketModel.Output {
    /// A `poll` that reported `POLLOUT`.
    fileprivate var isPolledOutput: Bool { if case .polled(let events) = self { events.contains(.output) } else { false } }
}
