import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// The unix-socket model's `O_NONBLOCK` set after a socket was made (`F_SETFL`, `FIONBIO`) against the kernel, on
/// directed and random sequences run by one process on behalf of several: a pair whose end `a` two processes hold
/// (the kernel's second one a `dup`: the flag is the description's), and a listener with its clients and accepted
/// sockets (an accepted socket never inherits the listener's flag; `accept` and a client's `connect` follow theirs).
/// The listener sequences also set `SO_RCVTIMEO` and `SO_SNDTIMEO` (1 µs) on any of its sockets: a blocking call under
/// its timeout is run blocking on the kernel — it ends by itself — and its `EAGAIN` (an `accept` with nobody waiting,
/// a client's reconnect to a full backlog, a receive with nothing queued) must be among the model's outcomes.
///
/// A call without `MSG_DONTWAIT` on a blocking description would sleep the test where the kernel has nothing for it,
/// so the kernel makes it nonblocking (`MSG_DONTWAIT`, or `O_NONBLOCK` on for that one call): `EAGAIN` then means the
/// blocking call sleeps, and the model must have it asleep (no completion); any other answer is the blocking call's
/// own (a receive or accept that finds something, a send that fits whole), but a stream send cut short ends the
/// sequence (the blocking one would sleep half done).
@Suite struct UnixSocketNonblockAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        /// `F_SETFL` (or, `ioctl`, `FIONBIO`) of `O_NONBLOCK` on `end` by `process`.
        case setFlag(end: String, process: Int, on: Bool, ioctl: Bool)
        case getFlags(end: String, process: Int)
        case send(end: String, process: Int, size: Int, dontWait: Bool)
        /// `MSG_OOB` (a stream's): two bytes, the last out of band.
        case sendOutOfBand(end: String, process: Int, dontWait: Bool)
        case receive(end: String, process: Int, max: Int, dontWait: Bool, peek: Bool, trunc: Bool)
        /// A client's `connect` (a new socket, or the process's client connecting again).
        case connect(Int)
        /// `accept` by the listener's holder, process 9 (`harness`: the harness's own nonblocking request).
        case accept(harness: Bool)
        /// `SO_SNDTIMEO` (`send`) or `SO_RCVTIMEO` of 1 µs on `end` by `process`: its blocking calls of that kind
        /// then end by themselves, and the kernel's are run blocking (their `EAGAIN` is the timeout's).
        case setTimeout(end: String, process: Int, send: Bool)

        var description: String {
            switch self {
            case .setFlag(let end, let process, let on, let ioctl):
                "\(ioctl ? "FIONBIO" : "F_SETFL")(\(end)@\(process), \(on ? "O_NONBLOCK" : "0"))"
            case .getFlags(let end, let process): "F_GETFL(\(end)@\(process))"
            case .send(let end, let process, let size, let dontWait): "send(\(end)@\(process), \(size)\(dontWait ? ", MSG_DONTWAIT" : ""))"
            case .sendOutOfBand(let end, let process, let dontWait): "send(\(end)@\(process), MSG_OOB\(dontWait ? "|MSG_DONTWAIT" : ""))"
            case .receive(let end, let process, let max, let dontWait, let peek, let trunc):
                "recv(\(end)@\(process), \(max)\(dontWait ? ", MSG_DONTWAIT" : "")\(peek ? ", MSG_PEEK" : "")\(trunc ? ", MSG_TRUNC" : ""))"
            case .connect(let process): "connect(\(process))"
            case .accept(let harness): "accept\(harness ? " (nonblocking)" : "")"
            case .setTimeout(let end, let process, let send): "setsockopt(\(end)@\(process), \(send ? "SO_SNDTIMEO" : "SO_RCVTIMEO"), 1 µs)"
            }
        }

        /// A call that sleeps when it cannot go on, unless its description is nonblocking.
        var asksToSleep: Bool {
            switch self {
            case .send(_, _, _, let dontWait), .sendOutOfBand(_, _, let dontWait), .receive(_, _, _, let dontWait, _, _): !dontWait
            case .accept(let harness): !harness
            case .connect: true
            case .setFlag, .getFlags, .setTimeout: false
            }
        }

        /// The model's input.
        var input: UnixSocketModel.Input {
            switch self {
            case .setFlag(let end, let process, let on, let ioctl):
                .fileControl(process: process, end: end, command: ioctl ? .setNonblockingByIoctl(on) : .setNonblocking(on))
            case .getFlags(let end, let process): .fileControl(process: process, end: end, command: .getFlags)
            case .send(let end, let process, let size, let dontWait):
                .send(process: process, end: end, data: Array(repeating: 7, count: size), nonblocking: dontWait, to: nil, files: [])
            case .sendOutOfBand(let end, let process, let dontWait):
                .sendOutOfBand(process: process, end: end, data: [1, 2], nonblocking: dontWait)
            case .receive(let end, let process, let max, let dontWait, let peek, let trunc):
                trunc
                    ? .receiveTruncating(process: process, end: end, max: max, nonblocking: dontWait, peek: peek)
                    : peek
                        ? .peek(process: process, end: end, max: max, nonblocking: dontWait, maxFiles: 0)
                        : .receive(process: process, end: end, max: max, nonblocking: dontWait, maxFiles: 0)
            case .connect(let process): .connect(process: process, nonblocking: false)
            case .accept(let harness): .accept(process: 9, end: "listen", nonblocking: harness)
            case .setTimeout(let end, let process, let send):
                .setTimeout(process: process, end: end, send: send, timeout: .init(seconds: 0, microseconds: 1))
            }
        }
    }

    /// What the kernel did: an answer, a call that would have slept (`EAGAIN` of the nonblocking stand-in), or a
    /// stream send cut short (the sequence ends).
    enum KernelAnswer {
        case output(UnixSocketModel.Output)
        case wouldSleep
        case diverged
    }

    // MARK: Sequences

    static func flagOperation(_ ends: [(String, Int)]) -> Generator<Operation, AnySequence<Any>> {
        zip(Gen.int(in: 0..<ends.count), Gen.int(in: 0...3)).map { pick, how in
            Operation.setFlag(end: ends[pick].0, process: ends[pick].1, on: how != 0, ioctl: how == 3)
        }.eraseToAny()
    }

    static let pairEnds = [("a", 1), ("a", 3), ("b", 2)]

    static let pairOperations = Gen.oneOf(
        flagOperation(pairEnds),
        flagOperation(pairEnds),
        Gen.int(in: 0...2).map { Operation.getFlags(end: pairEnds[$0].0, process: pairEnds[$0].1) }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: 0...120_000), Gen.bool).map { pick, size, dontWait in
            Operation.send(end: pairEnds[pick].0, process: pairEnds[pick].1, size: size, dontWait: dontWait)
        }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: 0...70_000), Gen.int(in: 0...3)).map { pick, max, how in
            Operation.receive(end: pairEnds[pick].0, process: pairEnds[pick].1, max: max, dontWait: how == 0, peek: how == 1, trunc: false)
        }.eraseToAny()
    ).array(of: 1...40)

    static let listenerEnds = [("listen", 9), ("client-1", 1), ("client-2", 2), ("server-1", 9), ("server-2", 9)]

    static let listenerOperations = Gen.oneOf(
        flagOperation(listenerEnds),
        Gen.int(in: 0...4).map { Operation.getFlags(end: listenerEnds[$0].0, process: listenerEnds[$0].1) }.eraseToAny(),
        Gen.int(in: 1...2).map { Operation.connect($0) }.eraseToAny(),
        Gen.bool.map { Operation.accept(harness: $0) }.eraseToAny(),
        zip(Gen.int(in: 0...4), Gen.bool).map { pick, send in
            Operation.setTimeout(end: listenerEnds[pick].0, process: listenerEnds[pick].1, send: send)
        }.eraseToAny(),
        zip(Gen.int(in: 1...4), Gen.int(in: 0...3000), Gen.bool).map { pick, size, dontWait in
            Operation.send(end: listenerEnds[pick].0, process: listenerEnds[pick].1, size: size, dontWait: dontWait)
        }.eraseToAny(),
        zip(Gen.int(in: 1...4), Gen.int(in: 0...4000), Gen.bool).map { pick, max, dontWait in
            Operation.receive(end: listenerEnds[pick].0, process: listenerEnds[pick].1, max: max, dontWait: dontWait, peek: false, trunc: false)
        }.eraseToAny()
    ).array(of: 1...30)

    /// Pair sequences meeting every kind the property must see, before the random ones: the flag set through the
    /// `dup` answers the other holder's calls (`EAGAIN` of a receive, a send, a peek, `MSG_TRUNC`, a stream's short
    /// send and `MSG_OOB`), the other end untouched (asleep); `FIONBIO`; cleared, the calls sleep again.
    static let directedPairSequences: [[Operation]] = [
        [.receive(end: "a", process: 1, max: 10, dontWait: false, peek: false, trunc: false),
         .setFlag(end: "a", process: 3, on: true, ioctl: false), .getFlags(end: "a", process: 1), .getFlags(end: "b", process: 2),
         .receive(end: "a", process: 1, max: 10, dontWait: false, peek: false, trunc: false),
         .receive(end: "a", process: 1, max: 10, dontWait: false, peek: true, trunc: false),
         .receive(end: "a", process: 3, max: 10, dontWait: false, peek: false, trunc: true),
         .receive(end: "b", process: 2, max: 10, dontWait: false, peek: false, trunc: false),
         .send(end: "a", process: 1, size: 100_000, dontWait: false), .send(end: "a", process: 3, size: 100_000, dontWait: false),
         .send(end: "a", process: 1, size: 100_000, dontWait: false), .send(end: "a", process: 1, size: 100, dontWait: false),
         .sendOutOfBand(end: "a", process: 1, dontWait: false),
         .setFlag(end: "a", process: 1, on: false, ioctl: true), .getFlags(end: "a", process: 3),
         .send(end: "a", process: 3, size: 10, dontWait: false), .sendOutOfBand(end: "a", process: 3, dontWait: false),
         .setFlag(end: "a", process: 1, on: true, ioctl: true), .sendOutOfBand(end: "a", process: 3, dontWait: false),
         .receive(end: "b", process: 2, max: 70_000, dontWait: false, peek: false, trunc: false),
         .receive(end: "b", process: 2, max: 70_000, dontWait: false, peek: false, trunc: false),
         .setFlag(end: "b", process: 2, on: true, ioctl: false),
         .receive(end: "b", process: 2, max: 70_000, dontWait: false, peek: false, trunc: false)],
    ]

    /// Listener sequences: `accept` on a listener made nonblocking `EAGAIN`, cleared asleep; an accepted socket
    /// blocking though its listener is not (its receive asleep); a client's reconnect to a full backlog `EAGAIN`
    /// with its flag set, asleep without, `EISCONN` once there is room; a new client asleep on the full backlog.
    static let directedListenerSequences: [(backlog: Int, operations: [Operation])] = [
        (0, [.accept(harness: false), .setFlag(end: "listen", process: 9, on: true, ioctl: false), .accept(harness: false),
             .connect(1), .connect(2), .setFlag(end: "client-1", process: 1, on: true, ioctl: true), .connect(1),
             .setFlag(end: "client-1", process: 1, on: false, ioctl: false), .connect(1), .accept(harness: false),
             .getFlags(end: "server-1", process: 9), .getFlags(end: "listen", process: 9),
             .receive(end: "server-1", process: 9, max: 10, dontWait: false, peek: false, trunc: false), .connect(1),
             .setFlag(end: "server-1", process: 9, on: true, ioctl: false),
             .receive(end: "server-1", process: 9, max: 10, dontWait: false, peek: false, trunc: false),
             .setFlag(end: "listen", process: 9, on: false, ioctl: true), .accept(harness: false), .accept(harness: true),
             .connect(2), .accept(harness: false), .getFlags(end: "server-2", process: 9)]),
        // Timeouts: accept under the listener's SO_RCVTIMEO (not its SO_SNDTIMEO) EAGAIN; a client's reconnect to a
        // full backlog under its SO_SNDTIMEO EAGAIN, then EISCONN; a blocking receive under SO_RCVTIMEO EAGAIN.
        (0, [.setTimeout(end: "listen", process: 9, send: true), .accept(harness: false),
             .setTimeout(end: "listen", process: 9, send: false), .accept(harness: false),
             .connect(1), .accept(harness: false), .connect(2), .connect(1),
             .setTimeout(end: "client-1", process: 1, send: true), .connect(1),
             .setTimeout(end: "client-1", process: 1, send: false),
             .receive(end: "client-1", process: 1, max: 10, dontWait: false, peek: false, trunc: false),
             .send(end: "server-1", process: 9, size: 5, dontWait: false),
             .receive(end: "client-1", process: 1, max: 10, dontWait: false, peek: false, trunc: false),
             .accept(harness: false), .connect(1), .accept(harness: false)]),
    ]

    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func pairsAgree(type: UnixSocketType) async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedPairSequences {
            try Self.checkPair(type: type, operations: operations, seen: seen)
        }
        await checkProperty(count: 60, input: Self.pairOperations) { operations throws in
            try Self.checkPair(type: type, operations: operations, seen: seen)
        }
        let missing = Set(["EAGAIN by the flag", "asleep", "flags", "set"]).subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the sequences never met \(missing.sorted())")
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func listenersAgree(type: UnixSocketType) async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for (backlog, operations) in Self.directedListenerSequences {
            try Self.checkListener(type: type, backlog: backlog, operations: operations, seen: seen)
        }
        await checkProperty(count: 60, input: zip(Gen.int(in: 0...1), Self.listenerOperations)) { backlog, operations throws in
            try Self.checkListener(type: type, backlog: backlog, operations: operations, seen: seen)
        }
        let missing = Set([
            "EAGAIN by the flag", "asleep", "flags", "set", "accepted", "connected", "EISCONN", "timeout set",
            "EAGAIN by the timeout",
        ])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the sequences never met \(missing.sorted())")
    }

    static func checkPair(type: UnixSocketType, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements {
            try Syscall.withoutConcurrentSpawns {
                let (a, b) = try KernelUnixSocket.pair(type)
                let copy = try Syscall.duplicate(a)
                let sockets = ["a@1": a, "a@3": copy, "b@2": b]
                defer { for socket in sockets.values { try? Syscall.close(socket) } }
                let model = UnixSocketModel(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .pair(a: [1, 3], b: [2])))])
                var state = model.initialState(of: "s0")
                for (index, operation) in operations.enumerated() {
                    if case .sendOutOfBand = operation, type != .stream { continue }
                    let answer = try Self.run(operation, type: type, sockets: sockets)
                    guard check(model, &state, operation, answer, index, operations, seen: seen) else { return }
                }
            }
        }
    }

    static func checkListener(type: UnixSocketType, backlog: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements {
            try Syscall.withoutConcurrentSpawns {
                let address = UnixAddress.abstract(UnixSocketAddressAgreementTests.name("nonblock"))
                var sockets = ["listen@9": try KernelUnixSocket.listener(type, at: address, backlog: backlog)]
                var waiting: [Int] = []  // the clients whose connections wait, oldest first
                defer { for socket in sockets.values { try? Syscall.close(socket) } }
                let model = UnixSocketModel(objects: [
                    ("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .listener(holders: [9], backlog: backlog)))
                ])
                var state = model.initialState(of: "s0")
                for (index, operation) in operations.enumerated() {
                    let answer: KernelAnswer
                    switch operation {
                    case .connect(let process):
                        answer = try Self.connect(process, type: type, address: address, &sockets, &waiting)
                    case .accept(let harness):
                        answer = try Self.accept(harness: harness, &sockets, &waiting)
                    default:
                        // An end not made yet is not held: the kernel's EBADF, as the model's.
                        answer = try Self.run(operation, type: type, sockets: sockets)
                    }
                    guard check(model, &state, operation, answer, index, operations, seen: seen) else { return }
                }
            }
        }
    }

    // MARK: Running

    /// `body` run on `socket` nonblocking: as asked, or — a blocking call on a blocking description — by its
    /// nonblocking stand-in, whose `EAGAIN` means the call would sleep.
    /// A blocking call under a timeout for it (`option`) is run blocking: it ends by itself, its `EAGAIN` the
    /// timeout's (`body`'s argument: whether to ask for `MSG_DONTWAIT`).
    static func nonblockingStandIn(
        _ socket: FileDescriptor, dontWait: Bool, timeout option: CInt,
        _ body: (Bool) throws(Errno) -> TransferResult<UnixSocketModel.Output>
    ) throws -> KernelAnswer {
        let described = try Syscall.statusFlags(socket) & O_NONBLOCK != 0
        let timeout = try timeoutSet(socket, option)
        let timed = !dontWait && !described && timeout
        do throws(Errno) {
            switch try body(!timed) {
            case .completed(let output): return .output(output)
            case .wouldBlock: return dontWait || described || timed ? .output(.failed(.EAGAIN)) : .wouldSleep
            }
        } catch {
            return .output(.failed(ErrorCode(error.name)))
        }
    }

    /// Whether `socket` has a timeout set for `option` (`SO_RCVTIMEO` or `SO_SNDTIMEO`).
    static func timeoutSet(_ socket: FileDescriptor, _ option: CInt) throws -> Bool {
        let (seconds, microseconds) = try Syscall.socketTimeout(socket, option)
        return seconds != 0 || microseconds != 0
    }

    static func run(_ operation: Operation, type: UnixSocketType, sockets: [String: FileDescriptor]) throws -> KernelAnswer {
        func socket(_ end: String, _ process: Int) -> FileDescriptor? { sockets["\(end)@\(process)"] }
        switch operation {
        case .setFlag(let end, let process, let on, let ioctl):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            if ioctl {
                try Syscall.control(socket, request: UInt(FIONBIO), argument: on ? 7 : 0)
            } else {
                try Syscall.setNonblocking(socket, on)
            }
            return .output(.closed)
        case .getFlags(let end, let process):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            let flags = try Syscall.statusFlags(socket)
            return .output(.flags(nonblocking: flags & O_NONBLOCK != 0, async: flags & O_ASYNC != 0))
        case .setTimeout(let end, let process, let send):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            try Syscall.setSocketTimeout(socket, send ? SO_SNDTIMEO : SO_RCVTIMEO, seconds: 0, microseconds: 1)
            return .output(.closed)
        case .send(let end, let process, let size, let dontWait):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            let answer = try nonblockingStandIn(socket, dontWait: dontWait, timeout: SO_SNDTIMEO) { (nonblocking) throws(Errno) -> TransferResult<UnixSocketModel.Output> in
                switch try KernelUnixSocket.send(socket, Array(repeating: 7, count: size), nonblocking: nonblocking, retryOnInterrupt: false) {
                case .completed(let count): .completed(.sent(count))
                case .wouldBlock: .wouldBlock
                }
            }
            // A blocking send cut short would have slept half done.
            if case .output(.sent(let count)) = answer, count < size, !dontWait,
                try Syscall.statusFlags(socket) & O_NONBLOCK == 0, !(try timeoutSet(socket, SO_SNDTIMEO))
            {
                return .diverged
            }
            return answer
        case .sendOutOfBand(let end, let process, let dontWait):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            let answer = try nonblockingStandIn(socket, dontWait: dontWait, timeout: SO_SNDTIMEO) { (nonblocking) throws(Errno) -> TransferResult<UnixSocketModel.Output> in
                switch try KernelUnixSocket.send(socket, [1, 2], nonblocking: nonblocking, outOfBand: true, retryOnInterrupt: false) {
                case .completed(let count): .completed(.sent(count))
                case .wouldBlock: .wouldBlock
                }
            }
            if case .output(.sent(let count)) = answer, count < 2 { return .diverged }
            return answer
        case .receive(let end, let process, let max, let dontWait, let peek, let trunc):
            guard let socket = socket(end, process) else { return .output(.failed(.EBADF)) }
            return try nonblockingStandIn(socket, dontWait: dontWait, timeout: SO_RCVTIMEO) { (nonblocking) throws(Errno) -> TransferResult<UnixSocketModel.Output> in
                switch try KernelUnixSocket.receive(
                    socket, maximum: max, nonblocking: nonblocking, peek: peek, truncating: trunc, retryOnInterrupt: false)
                {
                case .completed(let message): .completed(.received(.init(data: message.data, truncated: message.truncated)))
                case .wouldBlock: .wouldBlock
                }
            }
        case .connect, .accept:
            return .diverged  // (run by the listener property)
        }
    }

    /// A client's `connect`: the process's client again (its own flag), or a new socket (blocking: the stand-in).
    static func connect(
        _ process: Int, type: UnixSocketType, address: UnixAddress, _ sockets: inout [String: FileDescriptor], _ waiting: inout [Int]
    ) throws -> KernelAnswer {
        if let existing = sockets["client-\(process)@\(process)"] {
            if try timeoutSet(existing, SO_SNDTIMEO), try Syscall.statusFlags(existing) & O_NONBLOCK == 0 {
                // It ends by itself: run blocking.
                do throws(Errno) {
                    try Syscall.connect(existing, to: address, retryOnInterrupt: false)
                    return .output(.closed)  // (never: it is connected)
                } catch {
                    return .output(.failed(ErrorCode(error.name)))
                }
            }
            let flags = try Syscall.statusFlags(existing)
            try Syscall.setStatusFlags(existing, flags | O_NONBLOCK)
            defer { try? Syscall.setStatusFlags(existing, flags) }
            do throws(Errno) {
                try Syscall.connect(existing, to: address, retryOnInterrupt: false)
                return .output(.closed)  // (never: it is connected)
            } catch .wouldBlock {
                return flags & O_NONBLOCK != 0 ? .output(.failed(.EAGAIN)) : .wouldSleep
            } catch {
                return .output(.failed(ErrorCode(error.name)))
            }
        }
        // A second connection by one process after its first closed is outside the model; none closes here.
        switch try KernelUnixSocket.connect(type, to: address, nonblocking: true, retryOnInterrupt: false) {
        case .completed(let client):
            sockets["client-\(process)@\(process)"] = client
            waiting.append(process)
            return .output(.connected("client-\(process)"))
        case .wouldBlock:
            return .wouldSleep
        }
    }

    /// `accept` on the listener: as the harness's nonblocking request, or by its own flag (blocking: the stand-in).
    static func accept(harness: Bool, _ sockets: inout [String: FileDescriptor], _ waiting: inout [Int]) throws -> KernelAnswer {
        let listener = sockets["listen@9"]!
        let flags = try Syscall.statusFlags(listener)
        if !harness, flags & O_NONBLOCK == 0, try timeoutSet(listener, SO_RCVTIMEO) {
            // It ends by itself: run blocking.
            do throws(Errno) {
                let accepted = try Syscall.accept(listener, retryOnInterrupt: false)
                let process = waiting.removeFirst()
                sockets["server-\(process)@9"] = accepted
                return .output(.connected("server-\(process)"))
            } catch {
                return .output(.failed(ErrorCode(error.name)))
            }
        }
        try Syscall.setStatusFlags(listener, flags | O_NONBLOCK)
        defer { try? Syscall.setStatusFlags(listener, flags) }
        do throws(Errno) {
            let accepted = try Syscall.accept(listener, retryOnInterrupt: false)
            let process = waiting.removeFirst()
            sockets["server-\(process)@9"] = accepted
            return .output(.connected("server-\(process)"))
        } catch .wouldBlock {
            return harness || flags & O_NONBLOCK != 0 ? .output(.failed(.EAGAIN)) : .wouldSleep
        } catch {
            return .output(.failed(ErrorCode(error.name)))
        }
    }

    // MARK: Judging

    /// Checks the kernel's answer against the model, moving `state` on; false (a disagreement recorded, or a stream
    /// send cut short) ends the sequence.
    static func check(
        _ model: UnixSocketModel, _ state: inout UnixSocketModel.State, _ operation: Operation, _ answer: KernelAnswer,
        _ index: Int, _ operations: [Operation], seen: borrowing Mutex<Set<String>>
    ) -> Bool {
        let input = operation.input
        let context = "operation \(index) \(operation) of \(operations)"
        switch answer {
        case .diverged:
            return false
        case .wouldSleep:
            guard asleep(model, state, input) else {
                PipeAgreement.disagreement("\(context): the kernel's call sleeps, the model's does not\nstate: \(model.describe(state))")
                return false
            }
            seen.withLock { _ = $0.insert("asleep") }
            return true  // the call never ran: nothing changed
        case .output(let kernel):
            seen.withLock { _ = $0.insert(kind(operation, kernel, state)) }
            guard let next = UnixSocketAddressAgreementTests.expect(model, &state, input, kernel, index, operations, agrees: agrees)
            else { return false }
            state = next
            return true
        }
    }

    /// Whether the model's call sleeps from `state`: no completion, only pieces that lead nowhere.
    static func asleep(_ model: UnixSocketModel, _ state: UnixSocketModel.State, _ input: UnixSocketModel.Input) -> Bool {
        var current = state
        for _ in 0..<100 {
            let outcomes = model.outcomes(of: input, in: current).filter { $0.output != .failed(ErrorCode("EMFILE")) }
            if outcomes.isEmpty { return true }
            guard outcomes.count == 1, case .partial(let next) = outcomes[0].step, next.sockets == current.sockets else { return false }
            current = next
        }
        return false
    }

    static func agrees(_ kernel: UnixSocketModel.Output, _ model: UnixSocketModel.Output) -> Bool {
        if case .received(let got) = kernel, case .received(let expected) = model {
            return got.data == expected.data && got.truncated == expected.truncated
        }
        return kernel == model
    }

    static func kind(_ operation: Operation, _ output: UnixSocketModel.Output, _ state: UnixSocketModel.State) -> String {
        switch (operation, output) {
        case (.getFlags, .flags): return "flags"
        case (.setFlag, .closed): return "set"
        case (.setTimeout, .closed): return "timeout set"
        case (.accept, .connected): return "accepted"
        case (.connect, .connected): return "connected"
        case (.accept(false), .failed(.EAGAIN)) where state.sockets.first(where: { $0.name == "listen" })?.receiveTimeout != nil:
            return "EAGAIN by the timeout"  // (the listener's description may be nonblocking as well)
        case (.connect(let process), .failed(.EAGAIN)) where state.sockets.first(where: { $0.name == "client-\(process)" })?.sendTimeout != nil:
            return "EAGAIN by the timeout"
        case (_, .failed(.EAGAIN)):
            return operation.asksToSleep ? "EAGAIN by the flag" : "EAGAIN"
        case (_, .failed(let code)): return code.rawValue
        default: return ""
        }
    }
}
