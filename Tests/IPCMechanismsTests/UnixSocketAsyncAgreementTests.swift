import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The unix-socket model's owners, `F_SETSIG`, `O_ASYNC` and the signals they bring against the kernel, on a pair of
/// each type held by one process (this test's thread, the model's process 1: every call nonblocking, so nothing
/// sleeps): directed sequences (the facts of `UnixSocketAsyncFactsTests` and `UnixSocketUrgentSignalFactsTests`),
/// then random ones. An owner is this thread (`F_OWNER_TID`) or none; the thread keeps the signals blocked and takes
/// them with a zero-timeout `sigtimedwait`. Every kernel output must be the only one the model allows, so the
/// plausible wrong ones — no `SIGURG` without `O_ASYNC`, a `POLL_OUT` at every receive, a `POLL_IN` for a 0-byte stream
/// send, a datagram peer's close signalling — are rejected.
@Suite struct UnixSocketAsyncAgreementTests {
    enum End: String, Sendable, CustomStringConvertible {
        case a, b
        var other: End { self == .a ? .b : .a }
        var description: String { rawValue }
    }

    enum Operation: Sendable, CustomStringConvertible {
        case setAsync(End, Bool)
        /// `ioctl(FIOASYNC)`.
        case fioasync(End, Bool)
        /// `F_SETOWN` of a pid no process has (`ESRCH`), `F_SETOWN_EX` of type 3 (`EINVAL`), `F_SETSIG` 65 (`EINVAL`).
        case refused(End, Int)
        case getFlags(End)
        case setOwner(End, Bool)
        case getOwner(End)
        case setSignal(End, Int)
        case getSignal(End)
        /// A nonblocking send of `count` bytes from `End` (with `MSG_OOB`: its last byte out of band).
        case send(End, Int, oob: Bool)
        case receive(End, Int)
        case shutdown(End, Int)
        case close(End)
        case take([Int])

        var description: String {
            switch self {
            case .setAsync(let end, let on): "F_SETFL(\(end), \(on ? "O_ASYNC" : "~O_ASYNC"))"
            case .fioasync(let end, let on): "ioctl(\(end), FIOASYNC, \(on ? 1 : 0))"
            case .refused(let end, let kind): ["F_SETOWN(\(end), missing)", "F_SETOWN_EX(\(end), type 3)", "F_SETSIG(\(end), 65)"][kind]
            case .getFlags(let end): "F_GETFL(\(end))"
            case .setOwner(let end, let owned): "F_SETOWN_EX(\(end), \(owned ? "this thread" : "none"))"
            case .getOwner(let end): "F_GETOWN_EX(\(end))"
            case .setSignal(let end, let signal): "F_SETSIG(\(end), \(signal))"
            case .getSignal(let end): "F_GETSIG(\(end))"
            case .send(let end, let count, let oob): "send(\(end), \(count)\(oob ? ", MSG_OOB" : ""))"
            case .receive(let end, let max): "recv(\(end), \(max))"
            case .shutdown(let end, let how): "shutdown(\(end), \(how))"
            case .close(let end): "close(\(end))"
            case .take(let signals): "sigtimedwait(\(signals))"
            }
        }
    }

    static var realtime: Int { Int(Syscall.realtimeSignalMinimum) }
    /// `SIGUSR2`, `SIGURG`, `SIGIO`, `SIGRTMIN`, `SIGRTMIN + 1` (blocked); `F_SETSIG` also draws 0.
    static var blocked: [Int] { [12, 23, 29, realtime, realtime + 1] }
    static var takeSets: [[Int]] { [blocked, [29], [23], [realtime], [12, 23]] }

    /// The facts, as sequences: `SIGURG` with no `O_ASYNC`, coalesced; `POLL_PRI` and `POLL_IN` with it; `POLL_IN` per
    /// buffer; `POLL_OUT` once after a full send; the peer's shutdowns and close.
    static var directed: [(UnixSocketType, [Operation])] {
        let rt = realtime
        let all = blocked
        return [
            (.stream, [.send(.a, 1, oob: true), .take(all), .setOwner(.b, true), .send(.a, 1, oob: true), .send(.a, 1, oob: true),
                       .take(all), .take(all), .send(.a, 3, oob: false), .take(all), .setSignal(.b, rt), .send(.a, 1, oob: true),
                       .take(all), .setAsync(.b, true), .getFlags(.b), .send(.a, 3, oob: true), .take(all), .take(all), .take(all),
                       .take(all), .take(all), .setOwner(.b, false), .setOwner(.a, true), .send(.a, 1, oob: true), .take(all)]),
            (.stream, [.setOwner(.b, true), .setAsync(.b, true), .send(.b, 1, oob: false), .send(.a, 3, oob: false), .send(.a, 3, oob: false),
                       .take(all), .take(all), .send(.a, 0, oob: false), .take(all), .setSignal(.b, rt), .send(.a, 100_000, oob: false),
                       .take([rt]), .take([rt]), .take([rt]), .take([rt]), .receive(.b, 200_000), .take(all)]),
            (.stream, [.setOwner(.a, true), .setAsync(.a, true), .setSignal(.a, rt + 1)] + Array(repeating: .send(.a, 65536, oob: false), count: 5)
                + [.take(all), .receive(.b, 10), .take(all), .receive(.b, 100_000), .receive(.b, 100_000), .take(all), .receive(.b, 100_000),
                   .take(all), .take(all)]),
            (.stream, [.setOwner(.b, true), .setAsync(.b, true), .setSignal(.b, rt), .shutdown(.a, 0), .take(all), .shutdown(.a, 1),
                       .shutdown(.a, 1), .take(all), .take(all), .take(all), .shutdown(.b, 2), .take(all), .close(.a), .take(all), .take(all)]),
            (.seqpacket, [.setOwner(.b, true), .setAsync(.b, true), .send(.a, 0, oob: false), .take(all), .send(.a, 1, oob: true), .take(all),
                          .setSignal(.b, rt), .shutdown(.a, 2), .take(all), .close(.a), .take(all)]),
            (.stream, [.setOwner(.b, true), .fioasync(.b, true), .getFlags(.b), .send(.a, 1, oob: false), .take(all), .fioasync(.b, false),
                       .getFlags(.b), .send(.a, 1, oob: false), .take(all), .refused(.b, 0), .refused(.b, 1), .refused(.b, 2), .getOwner(.b),
                       .getSignal(.b)]),
            (.dgram, [.setOwner(.b, true), .setAsync(.b, true), .setSignal(.b, rt), .send(.a, 0, oob: false), .send(.a, 5, oob: false),
                      .take(all), .take(all), .shutdown(.a, 2), .close(.a), .take(all), .getOwner(.b), .getSignal(.b)]),
            (.dgram, [.setOwner(.a, true), .setAsync(.a, true), .setSignal(.a, rt)] + Array(repeating: .send(.a, 20_000, oob: false), count: 12)
                + [.take(all), .close(.b), .take(all), .take(all)]),
        ]
    }

    @Test(arguments: directed.indices)
    func directedSequencesAgree(index: Int) throws {
        let (type, operations) = Self.directed[index]
        try Self.agree(type, operations, label: "directed \(index)")
    }

    @Test(arguments: 0..<300)
    func randomSequencesAgree(seed: Int) throws {
        var random = SplitMix(state: UInt64(seed) &+ 0xa51c)
        let type = [UnixSocketType.stream, .dgram, .seqpacket][seed % 3]
        let counts = [0, 1, 3, 2000, 36544, 65536, 100_000]
        let signals = [0, 12, 29, Self.realtime, Self.realtime + 1]
        var operations: [Operation] = []
        for _ in 0..<30 {
            let end: End = Bool.random(using: &random) ? .a : .b
            switch Int.random(in: 0..<20, using: &random) {
            case 0..<2: operations.append(.setAsync(end, Int.random(in: 0..<4, using: &random) > 0))
            case 2..<4: operations.append(.setOwner(end, Int.random(in: 0..<4, using: &random) > 0))
            case 4: operations.append(.setSignal(end, signals.randomElement(using: &random)!))
            case 5:
                operations.append(
                    [.getFlags(end), .getOwner(end), .getSignal(end), .fioasync(end, Bool.random(using: &random)), .refused(end, Int.random(in: 0...2, using: &random))]
                        .randomElement(using: &random)!)
            case 6..<10:
                operations.append(.send(end, counts.randomElement(using: &random)!, oob: type == .stream && Int.random(in: 0..<4, using: &random) == 0))
            case 10..<13: operations.append(.receive(end, [1, 10, 5000, 300_000].randomElement(using: &random)!))
            case 13: operations.append(.shutdown(end, Int.random(in: 0...2, using: &random)))
            case 14: if Int.random(in: 0..<4, using: &random) == 0 { operations.append(.close(end)) }
            default: operations.append(.take(Self.takeSets.randomElement(using: &random)!))
            }
        }
        operations += Array(repeating: .take(Self.blocked), count: 4)
        try Self.agree(type, operations, label: "seed \(seed) (\(type))")
    }

    /// Runs `operations` on a fresh kernel pair and on the model, with the signals blocked; held off from spawns (a
    /// child holding a copy of a socket would make a close not the last), and a disagreement counts only when a second
    /// run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func agree(_ type: UnixSocketType, _ operations: [Operation], label: String) throws {
        try PipeAgreement.repeatingDisagreements {
            try BlockedIOSignals.withBlocked(blocked.map(CInt.init)) {
                try Syscall.withoutConcurrentSpawns { () throws in try agreeAlone(type, operations, label: label) }
            }
        }
    }

    static func agreeAlone(_ type: UnixSocketType, _ operations: [Operation], label: String) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        var open: [End: FileDescriptor] = [.a: a, .b: b]
        defer { for socket in open.values { try? Syscall.close(socket) } }
        let modelType: UnixSocketModel.SocketType = switch type {
        case .stream: .stream
        case .dgram: .dgram
        case .seqpacket: .seqpacket
        }
        let model = UnixSocketModel(objects: [("s0", .init(type: modelType, shape: .pair(a: [1], b: [1])))])
        var state = model.initialState(of: "s0")
        var steps: [String] = []
        for operation in operations {
            let input: UnixSocketModel.Input
            let expected: UnixSocketModel.Output
            switch operation {
            case .take(let signals):
                input = .takeSignal(process: 1, signals: signals, wait: false)
                expected = UnixSocketOutOfBandAgreementTests.kernel { () throws(Errno) in
                    let taken = try Syscall.waitForIOSignal(signals.map(CInt.init), timeoutNanoseconds: 0, retryOnInterrupt: false)
                    return .signalTaken(PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band))
                }
            case .close(let end):
                guard let socket = open.removeValue(forKey: end) else { continue }
                try Syscall.close(socket)
                (input, expected) = (.close(process: 1, end: end.rawValue), .closed)
            default:
                guard let end = Self.end(of: operation), let socket = open[end] else { continue }
                input = Self.input(operation)
                expected = UnixSocketOutOfBandAgreementTests.kernel { () throws(Errno) in try Self.perform(operation, on: socket) }
            }
            steps.append(model.describe(input, expected))
            let reached = UnixSocketOutOfBandAgreementTests.completions(model, input, state)
            let outputs = Set(reached.map(\.output))
            guard outputs == [expected], let next = reached.first?.state else {
                PipeAgreement.disagreement(
                    "\(label): \(operation): kernel \(model.describe(input, expected)), model \(outputs.map { model.describe(input, $0) })\n"
                        + "\(steps.joined(separator: "\n"))\nstate: \(model.describe(state))")
                return
            }
            state = next
        }
    }

    static func end(of operation: Operation) -> End? {
        switch operation {
        case .setAsync(let end, _), .fioasync(let end, _), .refused(let end, _), .getFlags(let end), .setOwner(let end, _), .getOwner(let end), .setSignal(let end, _),
            .getSignal(let end), .send(let end, _, _), .receive(let end, _), .shutdown(let end, _), .close(let end):
            end
        case .take: nil
        }
    }

    static func input(_ operation: Operation) -> UnixSocketModel.Input {
        let end = Self.end(of: operation)?.rawValue ?? "a"
        func control(_ command: UnixSocketModel.FileControl) -> UnixSocketModel.Input {
            .fileControl(process: 1, end: end, command: command)
        }
        switch operation {
        case .setAsync(_, let on): return control(.setAsync(on))
        case .fioasync(_, let on): return control(.setAsyncByIoctl(on))
        case .refused(_, 0): return control(.setOwner(.missing))
        case .refused(_, 1): return control(.setOwnerEx(.invalid(3), .process(1)))
        case .refused: return control(.setSignal(65))
        case .getFlags: return control(.getFlags)
        case .setOwner(_, let owned): return control(.setOwnerEx(.thread, owned ? .process(1) : .none))
        case .getOwner: return control(.getOwnerEx)
        case .setSignal(_, let signal): return control(.setSignal(signal))
        case .getSignal: return control(.getSignal)
        case .send(_, let count, let oob):
            let data = [UInt8](repeating: UInt8(count % 251), count: count)
            return oob
                ? .sendOutOfBand(process: 1, end: end, data: data, nonblocking: true)
                : .send(process: 1, end: end, data: data, nonblocking: true, to: nil, files: [])
        case .receive(_, let max): return .receive(process: 1, end: end, max: max, nonblocking: true, maxFiles: 0)
        case .shutdown(_, let how): return .shutdown(process: 1, end: end, how: how)
        case .close: return .close(process: 1, end: end)
        case .take(let signals): return .takeSignal(process: 1, signals: signals, wait: false)
        }
    }

    static func perform(_ operation: Operation, on socket: FileDescriptor) throws(Errno) -> UnixSocketModel.Output {
        switch operation {
        case .setAsync(_, let on):
            let flags = try Syscall.statusFlags(socket)
            try Syscall.setStatusFlags(socket, on ? flags | O_ASYNC : flags & ~O_ASYNC)
            return .closed
        case .fioasync(_, let on):
            try Syscall.setAsyncByIoctl(socket, on)
            return .closed
        case .refused(_, let kind):
            switch kind {
            case 0: try Syscall.setOwner(socket, 4_194_305)
            case 1: try Syscall.setOwnerEx(socket, type: 3, id: OSThread.currentID)
            default: try Syscall.setIOSignal(socket, 65)
            }
            return .closed
        case .getFlags:
            let flags = try Syscall.statusFlags(socket)
            return .flags(nonblocking: flags & O_NONBLOCK != 0, async: flags & O_ASYNC != 0)
        case .setOwner(_, let owned):
            try Syscall.setOwnerEx(socket, type: 0, id: owned ? OSThread.currentID : 0)
            return .closed
        case .getOwner:
            let owner = try Syscall.ownerEx(socket)
            let type: PipeModel.OwnerType = [0: .thread, 1: .process, 2: .group][owner.type] ?? .invalid(Int(owner.type))
            return .ownerEx(type, owner.id == 0 ? .none : owner.id == OSThread.currentID ? .process(1) : .other)
        case .setSignal(_, let signal):
            try Syscall.setIOSignal(socket, CInt(signal))
            return .closed
        case .getSignal:
            return .ioSignal(Int(try Syscall.ioSignal(socket)))
        case .send(_, let count, let oob):
            let data = [UInt8](repeating: UInt8(count % 251), count: count)
            guard case .completed(let sent) = try KernelUnixSocket.send(socket, data, nonblocking: true, outOfBand: oob, retryOnInterrupt: false)
            else { return .failed(.EAGAIN) }
            return .sent(sent)
        case .receive(_, let max):
            guard case .completed(let message) = try KernelUnixSocket.receive(socket, maximum: max, nonblocking: true, retryOnInterrupt: false)
            else { return .failed(.EAGAIN) }
            return .received(.init(data: message.data, truncated: message.truncated))
        case .shutdown(_, let how):
            try Syscall.shutdown(socket, how: CInt(how))
            return .closed
        case .close, .take:
            return .closed
        }
    }
}

/// The same against a listener of each connected type (one thread makes every call; the model's processes 2 and 3
/// are its clients): the listener's owner gets `POLL_IN` per connection queued, an accepted socket starts with no
/// owner and no `O_ASYNC`, and once owned gets what a pair's end gets; the owner's signals after the listener's close
/// (its waiting connections reset) are judged only where the model can see nobody asleep.
@Suite struct UnixSocketListenerAsyncAgreementTests {
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenersSignalsAgree(type: UnixSocketType) throws {
        try PipeAgreement.repeatingDisagreements {
            try BlockedIOSignals.withBlocked(UnixSocketAsyncAgreementTests.blocked.map(CInt.init)) {
                try Syscall.withoutConcurrentSpawns { () throws in try Self.agreeAlone(type) }
            }
        }
    }

    static func agreeAlone(_ type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("async-listener-agreement")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        var sockets: [String: FileDescriptor] = ["listen": listener]
        defer { for socket in sockets.values { try? Syscall.close(socket) } }
        let model = UnixSocketModel(objects: [
            ("s0", .init(type: type == .stream ? .stream : .seqpacket, shape: .listener(holders: [1], backlog: 4)))
        ])
        var state = model.initialState(of: "s0")
        let rt = UnixSocketAsyncAgreementTests.realtime
        let all = UnixSocketAsyncAgreementTests.blocked
        let kernel = UnixSocketOutOfBandAgreementTests.kernel
        func owner(_ name: String) -> Int { name == "client-2" ? 2 : name == "client-3" ? 3 : 1 }
        func control(_ name: String, _ command: UnixSocketModel.FileControl) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            let socket = sockets[name]!
            let output = kernel { () throws(Errno) in
                switch command {
                case .setOwnerEx(_, let owned):
                    try Syscall.setOwnerEx(socket, type: 0, id: owned == .none ? 0 : OSThread.currentID)
                case .setSignal(let signal): try Syscall.setIOSignal(socket, CInt(signal))
                case .setAsync(let on):
                    let flags = try Syscall.statusFlags(socket)
                    try Syscall.setStatusFlags(socket, on ? flags | O_ASYNC : flags & ~O_ASYNC)
                case .getFlags:
                    let flags = try Syscall.statusFlags(socket)
                    return .flags(nonblocking: flags & O_NONBLOCK != 0, async: flags & O_ASYNC != 0)
                case .getOwnerEx:
                    let owner = try Syscall.ownerEx(socket)
                    return .ownerEx(owner.type == 0 ? .thread : owner.type == 1 ? .process : .group, owner.id == 0 ? .none : .process(1))
                default: Issue.record("not drawn: \(command)")
                }
                return .closed
            }
            return (.fileControl(process: owner(name), end: name, command: command), output)
        }
        /// This thread owns `name`: in the model the main thread of `process`, whose takes are this thread's too.
        func own(_ name: String, signal: Int, process: Int = 1) -> [(UnixSocketModel.Input, UnixSocketModel.Output)] {
            [control(name, .setOwnerEx(.thread, .process(process))), control(name, .setSignal(signal)), control(name, .setAsync(true))]
        }
        func take(_ process: Int = 1) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            (.takeSignal(process: process, signals: all, wait: false), kernel { () throws(Errno) in
                let taken = try Syscall.waitForIOSignal(all.map(CInt.init), timeoutNanoseconds: 0, retryOnInterrupt: false)
                return .signalTaken(PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band))
            })
        }
        func connect(_ process: Int) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            (.connect(process: process, nonblocking: true), kernel { () throws(Errno) in
                guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else { return .failed(.EAGAIN) }
                sockets["client-\(process)"] = client
                return .connected("client-\(process)")
            })
        }
        func accept() -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            (.accept(process: 1, end: "listen", nonblocking: true), kernel { () throws(Errno) in
                guard case .completed(let server) = try KernelUnixSocket.accept(listener, nonblocking: true) else { return .failed(.EAGAIN) }
                let name = sockets["server-2"] == nil ? "server-2" : "server-3"
                sockets[name] = server
                return .connected(name)
            })
        }
        func send(_ from: String, _ count: Int) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            let data = [UInt8](repeating: 5, count: count)
            return (.send(process: owner(from), end: from, data: data, nonblocking: true, to: nil, files: []), kernel { () throws(Errno) in
                guard case .completed(let sent) = try KernelUnixSocket.send(sockets[from]!, data, nonblocking: true) else { return .failed(.EAGAIN) }
                return .sent(sent)
            })
        }
        func close(_ name: String) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            try? Syscall.close(sockets.removeValue(forKey: name)!)
            return (.close(process: owner(name), end: name), .closed)
        }
        var steps: [String] = []
        // Each step runs on the kernel as it is built, then is checked against the model.
        func check(_ step: (UnixSocketModel.Input, UnixSocketModel.Output)) -> Bool {
            let (input, expected) = step
            steps.append(model.describe(input, expected))
            // (An accept may also fail EMFILE of a full table, which the model allows and no run here meets.)
            let reached = UnixSocketOutOfBandAgreementTests.completions(model, input, state).filter { $0.output != .failed(ErrorCode("EMFILE")) }
            let outputs = Set(reached.map(\.output))
            guard outputs == [expected], let next = reached.first?.state else {
                PipeAgreement.disagreement(
                    "\(type): kernel \(model.describe(input, expected)), model \(outputs.map { model.describe(input, $0) })\n"
                        + "\(steps.joined(separator: "\n"))\nstate: \(model.describe(state))")
                return false
            }
            state = next
            return true
        }
        for step in own("listen", signal: rt) { guard check(step) else { return } }
        for make in [{ connect(2) }, { take() }, { take() }, { connect(3) }, { take() }, accept, { control("server-2", .getOwnerEx) },
                     { control("server-2", .getFlags) }, { send("client-2", 3) }, { take() }] {
            guard check(make()) else { return }
        }
        for step in own("server-2", signal: 0) { guard check(step) else { return } }
        for make in [{ send("client-2", 3) }, { send("client-2", 0) }, { take() }, { take() }, { close("client-2") }, { take() }, { take() }] {
            guard check(make()) else { return }
        }
        // The client's owner is named process 3, its holder: nobody else could be asleep in a receive on it, so the
        // hang-up its waiting connection's reset sends is judged.
        for step in own("client-3", signal: rt + 1, process: 3) { guard check(step) else { return } }
        for make in [{ close("listen") }, { take(3) }, { take(3) }] {
            guard check(make()) else { return }
        }
    }
}
