import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences on a stream or seqpacket listener (backlog 1) held by model process 1, which accepts; processes 2 and 3 connect once
/// each. Every model process has its own epoll instance (here all in this process) and registers the sockets it
/// holds — the listener and accepted sockets (`server-P`) for 1, its client (`client-P`) for 2 and 3 — between
/// nonblocking connects, accepts, sends, receives, shutdowns, closes and `listen` again; the kernel's output must be
/// one the model allows, call for call (measured in `UnixSocketListenerEpollFactsTests`). A disagreement counts only
/// when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``). With connect, accept and `listen`
/// back among the calls whose news is not followed (allowed, not required), three wrong outcomes of
/// ``theListenerPlausibleWrongOutcomesAreRejected()`` are accepted; with a connection queued no news for the
/// listener, the directed sequences disagree.
@Suite struct UnixSocketListenerEpollAgreementTests {
    typealias Events = Epoll.Events

    enum Operation: Sendable, CustomStringConvertible {
        case connect(process: Int)
        case accept
        case listen(backlog: Int)
        case send(end: String, size: Int)
        case receive(end: String, max: Int)
        case shutdown(end: String, how: Int)
        case close(end: String)
        case control(process: Int, operation: Epoll.Operation, end: String?, events: Events)
        case wait(process: Int, maxEvents: Int)

        var description: String {
            switch self {
            case .connect(let process): "connect(\(process))"
            case .accept: "accept"
            case .listen(let backlog): "listen(\(backlog))"
            case .send(let end, let size): "send(\(end), \(size))"
            case .receive(let end, let max): "receive(\(end), \(max))"
            case .shutdown(let end, let how): "shutdown(\(end), \(how))"
            case .close(let end): "close(\(end))"
            case .control(let process, let operation, let end, let events): "\(process): epoll_ctl(\(operation.name), \(end ?? "epoll"), \(events))"
            case .wait(let process, let maxEvents): "\(process): epoll_wait(\(maxEvents))"
            }
        }
    }

    static let ends = ["listen", "client-2", "client-3", "server-2", "server-3"]

    /// The process holding `end` (the listener and accepted sockets are process 1's).
    static func owner(_ end: String) -> Int { end.hasPrefix("client-") ? Int(end.dropFirst(7))! : 1 }

    static let operations = Gen.oneOf(
        Gen.int(in: 2...3).map { Operation.connect(process: $0) }.eraseToAny(),
        Gen.int(in: 0...3).map { _ in Operation.accept }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.listen(backlog: $0) }.eraseToAny(),
        Gen.int(in: 0...399).map { Operation.send(end: ends[1 + $0 % 4], size: [0, 1, 100, 70_000][($0 / 4) % 4]) }.eraseToAny(),
        Gen.int(in: 0...399).map { Operation.receive(end: ends[1 + $0 % 4], max: [1, 100, 300_000][($0 / 4) % 3]) }.eraseToAny(),
        Gen.int(in: 0...14).map { Operation.shutdown(end: ends[$0 % 5], how: $0 / 5) }.eraseToAny(),
        Gen.int(in: 0...9).map { Operation.close(end: ends[$0 % 5]) }.eraseToAny(),
        Gen.int(in: 0...999).map { value in
            let end = value % 20 == 19 ? nil : ends[(value / 5) % 5]
            return Operation.control(
                process: end.map(owner) ?? 1 + value % 3, operation: PipeEpollAgreementTests.operationChoices[value % 5], end: end,
                events: UnixSocketEpollAgreementTests.eventChoices[(value / 25) % UnixSocketEpollAgreementTests.eventChoices.count])
        }.eraseToAny(),
        Gen.int(in: 0...8).map { Operation.wait(process: 1 + $0 % 3, maxEvents: [16, 16, 1][$0 / 3]) }.eraseToAny()
    ).array(of: 1...40)

    /// The measured facts, each in order.
    static let directedSequences: [[Operation]] = [
        // Level: EPOLLIN while a connection waits, never EPOLLOUT; SHUT_RD, then ECONNREFUSED; SHUT_WR: EPOLLHUP.
        [.control(process: 1, operation: .add, end: "listen", events: [.input, .output, .readHangUp, .readNormal]), .wait(process: 1, maxEvents: 16),
         .connect(process: 2), .wait(process: 1, maxEvents: 16), .connect(process: 3), .accept, .wait(process: 1, maxEvents: 16), .accept,
         .wait(process: 1, maxEvents: 16), .accept, .shutdown(end: "listen", how: 0), .wait(process: 1, maxEvents: 16),
         .shutdown(end: "listen", how: 1), .wait(process: 1, maxEvents: 16)],
        // EPOLLET: each connection queued; not a refused connect, an accept, a listen again; its own shutdown.
        [.control(process: 1, operation: .add, end: "listen", events: [.input, .output, .readHangUp, .edgeTriggered]), .wait(process: 1, maxEvents: 16),
         .connect(process: 2), .wait(process: 1, maxEvents: 16), .wait(process: 1, maxEvents: 16), .accept, .wait(process: 1, maxEvents: 16),
         .listen(backlog: 0), .wait(process: 1, maxEvents: 16), .connect(process: 3), .wait(process: 1, maxEvents: 16),
         .shutdown(end: "listen", how: 0), .wait(process: 1, maxEvents: 16), .shutdown(end: "listen", how: 1), .wait(process: 1, maxEvents: 16)],
        [.control(process: 1, operation: .add, end: "listen", events: [.input, .edgeTriggered]), .listen(backlog: 0), .connect(process: 2),
         .wait(process: 1, maxEvents: 16), .connect(process: 3), .wait(process: 1, maxEvents: 16), .shutdown(end: "listen", how: 0),
         .wait(process: 1, maxEvents: 16), .connect(process: 3), .wait(process: 1, maxEvents: 16)],
        // A client and its accepted socket: a pair's ends; the listener's close changes nothing of them.
        [.connect(process: 2), .control(process: 2, operation: .add, end: "client-2", events: [.input, .output, .readHangUp, .edgeTriggered]),
         .wait(process: 2, maxEvents: 16), .send(end: "client-2", size: 3), .wait(process: 2, maxEvents: 16), .accept, .wait(process: 2, maxEvents: 16),
         .control(process: 1, operation: .add, end: "server-2", events: [.input, .output, .readHangUp, .edgeTriggered]),
         .wait(process: 1, maxEvents: 16), .receive(end: "server-2", max: 10), .wait(process: 2, maxEvents: 16), .send(end: "server-2", size: 1),
         .wait(process: 2, maxEvents: 16), .close(end: "listen"), .wait(process: 2, maxEvents: 16), .close(end: "server-2"),
         .wait(process: 2, maxEvents: 16)],
        // A waiting client reset by the listener's close.
        [.connect(process: 3), .control(process: 3, operation: .add, end: "client-3", events: [.input, .output, .readHangUp]),
         .wait(process: 3, maxEvents: 16), .close(end: "listen"), .wait(process: 3, maxEvents: 16), .receive(end: "client-3", max: 10),
         .wait(process: 3, maxEvents: 16)],
    ]

    @Test(arguments: [UnixSocketType.stream, .seqpacket]) func modelAndKernelGiveTheSameOutputs(type: UnixSocketType) async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set(["EPOLLIN", "EPOLLOUT", "EPOLLRDHUP", "EPOLLHUP", "EPOLLERR", "EAGAIN", "ECONNREFUSED", "listener reported", "edge silent"]),
            check: { operations, seen throws in
                try PipeAgreement.repeatingDisagreements {
                    try Syscall.withoutConcurrentSpawns { () throws in try Self.checkAlone(type: type, operations: operations, seen: seen) }
                }
            })
    }

    /// One sequence on a fresh listener and the model side by side; a disagreement at the first call they differ.
    static func checkAlone(type: UnixSocketType, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        let address = uniqueAbstractAddress("listener-epoll-agree")
        // Every model process's descriptors by name, and its epoll instance with what each number was added as.
        var held: [Int: [String: FileDescriptor]] = [1: ["listen": try KernelUnixSocket.listener(type, at: address, backlog: 1)]]
        var instances: [Int: FileDescriptor] = [:]
        var registered: [Int: [CInt: String]] = [:]
        defer {
            for descriptor in held.values.flatMap(\.values) + instances.values { try? Syscall.close(descriptor) }
        }
        for process in 1...3 { instances[process] = try KernelEpoll.create() }
        var waiting: [Int] = []  // connected processes, oldest first (accept takes the oldest)
        var connected: Set<Int> = []
        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let model = UnixSocketModel(objects: [("s0", UnixSocketModel.Setup(type: modelType, shape: .listener(holders: [1], backlog: 1)))])
        var state = model.initialState(of: "s0")
        for (index, operation) in operations.enumerated() {
            // A second connect by one process is not modelled (its sockets' names would collide).
            if case .connect(let process) = operation, connected.contains(process) { continue }
            let input: UnixSocketModel.Input
            let kernel: UnixSocketModel.Output
            do throws(Errno) {
                func socket(_ end: String) -> FileDescriptor { held[owner(end)]?[end] ?? FileDescriptor(rawValue: -1) }
                switch operation {
                case .connect(let process):
                    input = .connect(process: process, nonblocking: true)
                    guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                        throw .wouldBlock
                    }
                    connected.insert(process)
                    held[process, default: [:]]["client-\(process)"] = client
                    waiting.append(process)
                    kernel = .connected("client-\(process)")
                case .accept:
                    input = .accept(process: 1, end: "listen", nonblocking: true)
                    guard case .completed(let accepted) = try KernelUnixSocket.accept(socket("listen"), nonblocking: true) else { throw .wouldBlock }
                    let name = "server-\(waiting.removeFirst())"
                    held[1]![name] = accepted
                    kernel = .connected(name)
                case .listen(let backlog):
                    input = .listen(process: 1, end: "listen", backlog: backlog)
                    try Syscall.listen(socket("listen"), backlog: backlog)
                    kernel = .closed
                case .send(let end, let size):
                    let data = UnixSocketModelAgreementTests.payload(size)
                    input = .send(process: owner(end), end: end, data: data, nonblocking: true, to: nil, files: [])
                    switch try KernelUnixSocket.send(socket(end), data, nonblocking: true) {
                    case .completed(let count): kernel = .sent(count)
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .receive(let end, let max):
                    input = .receive(process: owner(end), end: end, max: max, nonblocking: true, maxFiles: 0)
                    switch try KernelUnixSocket.receive(socket(end), maximum: max, nonblocking: true) {
                    case .completed(let message): kernel = .received(UnixSocketModel.Received(data: message.data, truncated: message.truncated))
                    case .wouldBlock: kernel = .failed(.EAGAIN)
                    }
                case .shutdown(let end, let how):
                    input = .shutdown(process: owner(end), end: end, how: how)
                    try Syscall.shutdown(socket(end), how: CInt(how))
                    kernel = .closed
                case .close(let end):
                    input = .close(process: owner(end), end: end)
                    guard let open = held[owner(end)]?.removeValue(forKey: end) else { throw .badFileDescriptor }
                    try Syscall.close(open)
                    kernel = .closed
                case .control(let process, let operation, let end, let events):
                    input = .epoll(process: process, call: .control(operation: operation, target: end, events: events))
                    let instance = instances[process]!.rawValue
                    // Another process's socket is not in this process's table: -1, EBADF.
                    let target = end.map { held[process]?[$0]?.rawValue ?? -1 } ?? instance
                    try EpollAgreement.control(instance, operation, target, events)
                    if case .add = operation, let end { registered[process, default: [:]][target] = end }
                    kernel = .epollControlled
                case .wait(let process, let maxEvents):
                    input = .epoll(process: process, call: .wait(maxEvents: maxEvents, timeout: 0))
                    kernel = .epollEvents(try EpollAgreement.wait(instances[process]!.rawValue, maxEvents: maxEvents).map {
                        .init(target: registered[process]?[$0.descriptor] ?? "?", events: $0.events)
                    }.sorted())
                }
            } catch {
                kernel = .failed(ErrorCode(error.name))
            }
            guard UnixSocketEpollAgreement.advance(model, &state, input, kernel: kernel, seen: seen, context: "\(type) operation \(index) \(operation) of \(operations)") else {
                return
            }
        }
    }

    /// The plausible wrong outcomes on a listener the model rejects, each beside the kernel's.
    @Test(arguments: [UnixSocketModel.SocketType.stream, .seqpacket]) func theListenerPlausibleWrongOutcomesAreRejected(type: UnixSocketModel.SocketType) {
        let model = UnixSocketModel(objects: [("s0", UnixSocketModel.Setup(type: type, shape: .listener(holders: [1], backlog: 1)))])
        let steps = UnixSocketEpollAgreement.Steps(model: model)
        let after = steps.after
        let wait = steps.wait(1)
        func reported(_ events: Events) -> UnixSocketModel.Output { steps.reported("listen", events) }
        func add(_ events: Events) -> (UnixSocketModel.Input, UnixSocketModel.Output) { steps.add(1, "listen", events) }
        func connect(_ process: Int) -> (UnixSocketModel.Input, UnixSocketModel.Output) { (.connect(process: process, nonblocking: true), .connected("client-\(process)")) }
        let accept = (UnixSocketModel.Input.accept(process: 1, end: "listen", nonblocking: true), UnixSocketModel.Output.connected("server-2"))
        // Level: a waiting connection is EPOLLIN, never EPOLLOUT.
        let level = after([add([.input, .output]), connect(2)])
        #expect(model.step(level, wait, reported([.input, .output])).isEmpty)
        #expect(!model.step(level, wait, reported(.input)).isEmpty)
        // EPOLLET: an accept, a listen again, a refused connect are no news; a connection is.
        let edge = after([add([.input, .edgeTriggered]), connect(2), connect(3), (wait, reported(.input)), accept])
        #expect(model.step(edge, wait, reported(.input)).isEmpty)
        #expect(model.step(after([add([.input, .edgeTriggered]), connect(2), (wait, reported(.input)), (.listen(process: 1, end: "listen", backlog: 3), .closed)]), wait, reported(.input)).isEmpty)
        let refused = after([add([.input, .edgeTriggered]), connect(2), connect(3), (wait, reported(.input)), (.connect(process: 4, nonblocking: true), .failed(.EAGAIN))])
        #expect(model.step(refused, wait, reported(.input)).isEmpty)
        #expect(model.step(after([add([.input, .edgeTriggered]), connect(2), (wait, reported(.input)), connect(3)]), wait, reported([])).isEmpty)
        // A listener shut for reading refuses a connect.
        let shut = after([(.shutdown(process: 1, end: "listen", how: 0), .closed)])
        #expect(model.step(shut, .connect(process: 2, nonblocking: true), .connected("client-2")).isEmpty)
        #expect(!model.step(shut, .connect(process: 2, nonblocking: true), .failed(.ECONNREFUSED)).isEmpty)
    }
}
