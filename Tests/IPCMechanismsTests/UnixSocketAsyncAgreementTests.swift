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
            case 5: operations.append([.getFlags(end), .getOwner(end), .getSignal(end)].randomElement(using: &random)!)
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
        case .setAsync(let end, _), .getFlags(let end), .setOwner(let end, _), .getOwner(let end), .setSignal(let end, _),
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
