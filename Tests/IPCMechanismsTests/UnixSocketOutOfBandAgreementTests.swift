import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The unix-socket model's `MSG_OOB` against the kernel on a stream pair (one process, nonblocking, so nothing
/// sleeps): the kernel selftest's sequences (`msg_oob.c`: sends with and without `MSG_OOB`, ordinary and `MSG_OOB`
/// receives, peeking or not, `SO_OOBINLINE`), each operation followed by `SIOCATMARK` and `poll(POLLIN|POLLPRI)` as
/// the selftest checks them (and `select` with the exceptional set), then random sequences of the same operations
/// with `SO_PEEK_OFF`, `SIOCINQ`, `shutdown` of either end and the sender's close too. Every completion the model can
/// reach must be the kernel's, so the plausible wrong ones — an ordinary receive reading past the mark, `MSG_OOB`
/// returning the first byte of the send, `EOPNOTSUPP` on a stream — are rejected.
@Suite struct UnixSocketOutOfBandAgreementTests {
    enum Operation: CustomStringConvertible, Sendable {
        case send(String, oob: Bool)
        case receive(max: Int, peek: Bool)
        case receiveOutOfBand(max: Int, peek: Bool)
        case inline(Bool)
        /// `setsockopt(SO_PEEK_OFF)`: peeks start there, and skip buffers without looking at marks.
        case peekOffset(Int)
        case inputQueue
        /// The receiver closes; the sender then receives (end of file, or `ECONNRESET` when bytes were left).
        case closeReceiver
        /// `shutdown(how)` of the sender's end `a` or the receiver's `b`.
        case shutdown(sender: Bool, how: Int32)
        /// The sender closes: the byte and the data stay readable, then end of file.
        case closeSender

        var description: String {
            switch self {
            case .send(let text, let oob): "send(\"\(text)\"\(oob ? ", MSG_OOB" : ""))"
            case .receive(let max, let peek): "recv(\(max)\(peek ? ", MSG_PEEK" : ""))"
            case .receiveOutOfBand(let max, let peek): "recv(\(max), MSG_OOB\(peek ? "|MSG_PEEK" : ""))"
            case .inline(let on): "setsockopt(SO_OOBINLINE, \(on ? 1 : 0))"
            case .peekOffset(let value): "setsockopt(SO_PEEK_OFF, \(value))"
            case .inputQueue: "ioctl(SIOCINQ)"
            case .closeReceiver: "close(b); recv(a)"
            case .shutdown(let sender, let how): "shutdown(\(sender ? "a" : "b"), \(how))"
            case .closeSender: "close(a)"
            }
        }
    }

    /// The selftest's cases (their names), in this model's operations.
    static let selftest: [(name: String, operations: [Operation])] = [
        ("non_oob", [.send("x", oob: false), .receiveOutOfBand(max: 1, peek: false), .closeReceiver]),
        ("non_oob_no_reset", [.send("x", oob: false), .receive(max: 1, peek: false), .closeReceiver]),
        ("oob", [.send("x", oob: true), .receiveOutOfBand(max: 1, peek: false), .closeReceiver]),
        ("oob_reset", [.send("x", oob: true), .closeReceiver]),
        (
            "oob_drop",
            [
                .send("x", oob: true), .receive(max: 1, peek: false), .receiveOutOfBand(max: 1, peek: false),
                .closeReceiver,
            ]
        ),
        (
            "oob_ahead",
            [.send("hello", oob: true), .receiveOutOfBand(max: 1, peek: false), .receive(max: 4, peek: false)]
        ),
        (
            "oob_break",
            [
                .send("hello", oob: true), .receive(max: 5, peek: false), .receiveOutOfBand(max: 1, peek: false),
                .receive(max: 1, peek: false),
            ]
        ),
        (
            "oob_ahead_break",
            [
                .send("hello", oob: true), .send("world", oob: false), .receiveOutOfBand(max: 1, peek: false),
                .receive(max: 9, peek: false), .receive(max: 5, peek: false),
            ]
        ),
        (
            "oob_break_drop",
            [
                .send("hello", oob: true), .send("world", oob: false), .receive(max: 10, peek: false),
                .receive(max: 10, peek: false), .receiveOutOfBand(max: 1, peek: false),
            ]
        ),
        (
            "ex_oob_break",
            [
                .send("hello", oob: true), .send("wor", oob: true), .send("ld", oob: false),
                .receive(max: 10, peek: false), .receiveOutOfBand(max: 1, peek: false), .receive(max: 2, peek: false),
            ]
        ),
        (
            "ex_oob_drop",
            [
                .send("x", oob: true), .send("y", oob: true), .receive(max: 1, peek: false),
                .receiveOutOfBand(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "ex_oob_drop_2",
            [
                .send("x", oob: true), .send("y", oob: true), .receiveOutOfBand(max: 1, peek: false),
                .receive(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "ex_oob_oob",
            [
                .send("x", oob: true), .receiveOutOfBand(max: 1, peek: false), .send("y", oob: true),
                .receive(max: 1, peek: false), .receiveOutOfBand(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "ex_oob_ex_oob",
            [
                .send("x", oob: true), .receiveOutOfBand(max: 1, peek: false), .send("y", oob: true),
                .receiveOutOfBand(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "ex_oob_ex_oob_oob",
            [
                .send("x", oob: true), .receiveOutOfBand(max: 1, peek: false), .send("y", oob: true),
                .receiveOutOfBand(max: 1, peek: false), .send("z", oob: true),
            ]
        ),
        (
            "ex_oob_ahead_break",
            [
                .send("hello", oob: true), .send("wor", oob: true), .receiveOutOfBand(max: 1, peek: false),
                .send("ld", oob: true), .receive(max: 10, peek: false), .receiveOutOfBand(max: 1, peek: false),
                .closeReceiver,
            ]
        ),
        (
            "ex_oob_siocatmark",
            [
                .send("hello", oob: true), .receiveOutOfBand(max: 1, peek: false), .send("world", oob: true),
                .receive(max: 4, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_oob",
            [
                .inline(true), .send("x", oob: true), .receiveOutOfBand(max: 1, peek: false),
                .receive(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_oob_break",
            [
                .inline(true), .send("hello", oob: true), .receiveOutOfBand(max: 1, peek: false),
                .receive(max: 5, peek: false), .receive(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_oob_ahead_break",
            [
                .send("hello", oob: true), .send("world", oob: false), .receiveOutOfBand(max: 1, peek: false),
                .inline(true), .receive(max: 9, peek: false), .receive(max: 6, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_ex_oob_break",
            [
                .send("hello", oob: true), .send("wor", oob: true), .send("ld", oob: false), .inline(true),
                .receive(max: 10, peek: false), .receive(max: 3, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_ex_oob_no_drop",
            [
                .send("x", oob: true), .inline(true), .send("y", oob: true), .receive(max: 1, peek: false),
                .receive(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_ex_oob_drop",
            [
                .send("x", oob: true), .send("y", oob: true), .inline(true), .receive(max: 1, peek: false),
                .receive(max: 1, peek: false), .closeReceiver,
            ]
        ),
        (
            "inline_ex_oob_siocatmark",
            [
                .send("hello", oob: true), .receiveOutOfBand(max: 1, peek: false), .inline(true),
                .send("world", oob: true), .receive(max: 4, peek: false), .closeReceiver,
            ]
        ),
        (
            "edges",
            [
                .send("", oob: true), .send("x", oob: true), .inputQueue, .receiveOutOfBand(max: 0, peek: true),
                .receiveOutOfBand(max: 0, peek: false), .inputQueue, .receive(max: 0, peek: false),
            ]
        ),
    ]

    /// The selftest runs each case twice: as written, and with every receive first peeked (`MSG_PEEK`).
    static func peeking(_ operations: [Operation]) -> [Operation] {
        operations.flatMap { operation -> [Operation] in
            switch operation {
            case .receive(let max, false): [.receive(max: max, peek: true), operation]
            case .receiveOutOfBand(let max, false): [.receiveOutOfBand(max: max, peek: true), operation]
            default: [operation]
            }
        }
    }

    @Test(arguments: selftest.indices)
    func selftestSequencesAgree(case index: Int) throws {
        let (name, operations) = Self.selftest[index]
        try Self.agree(operations, label: name)
        try Self.agree(Self.peeking(operations), label: name + " (peek)")
    }

    @Test(arguments: 0..<500)
    func randomSequencesAgree(seed: Int) throws {
        var random = SplitMix(state: UInt64(seed) &+ 0x00b0)
        let texts = ["x", "ab", "hello", "wor", ""]
        var operations: [Operation] = []
        for _ in 0..<14 {
            switch Int.random(in: 0..<15, using: &random) {
            case 0..<3: operations.append(.send(texts.randomElement(using: &random)!, oob: true))
            case 3..<5: operations.append(.send(texts.randomElement(using: &random)!, oob: false))
            case 5..<8:
                operations.append(
                    .receive(max: Int.random(in: 0...6, using: &random), peek: Bool.random(using: &random)))
            case 8..<10:
                operations.append(
                    .receiveOutOfBand(max: Int.random(in: 0...2, using: &random), peek: Bool.random(using: &random)))
            case 10: operations.append(.inline(Bool.random(using: &random)))
            case 11: operations.append(.peekOffset([-1, 0, 1, 3].randomElement(using: &random)!))
            case 12:
                operations.append(
                    .shutdown(sender: Bool.random(using: &random), how: Int32.random(in: 0...2, using: &random)))
            case 13: if Int.random(in: 0..<3, using: &random) == 0 { operations.append(.closeSender) }
            default: operations.append(.inputQueue)
            }
        }
        operations.append(.closeReceiver)
        try Self.agree(operations, label: "seed \(seed)")
    }

    /// Runs `operations` on a fresh kernel pair and on the model; after each, `SIOCATMARK` and `POLLIN|POLLPRI` too.
    /// Held off from spawns (`withoutConcurrentSpawns`): a worker spawned meanwhile by a scenario test would hold a
    /// copy of the pair for a moment, and a close here would then not be the last (no reset, no hang-up). A
    /// disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``): the test
    /// library's own spawns cannot hold off.
    static func agree(_ operations: [Operation], label: String) throws {
        try PipeAgreement.repeatingDisagreements {
            try Syscall.withoutConcurrentSpawns { () throws in try agreeAlone(operations, label: label) }
        }
    }

    static func agreeAlone(_ operations: [Operation], label: String) throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        var receiverOpen = true
        var senderOpen = true
        defer {
            if senderOpen { try? Syscall.close(a) }
            if receiverOpen { try? Syscall.close(b) }
        }
        let model = UnixSocketModel(objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [1])))])
        var state = model.initialState(of: "s0")
        var steps: [String] = []
        for operation in operations {
            var checks: [(UnixSocketModel.Input, UnixSocketModel.Output)] = []
            switch operation {
            case .send(let text, let oob):
                guard senderOpen else { continue }
                let data = Array(text.utf8)
                checks.append(
                    (
                        oob
                            ? .sendOutOfBand(process: 1, end: "a", data: data, nonblocking: true)
                            : .send(process: 1, end: "a", data: data, nonblocking: true, to: nil, files: []),
                        kernel { () throws(Errno) in
                            guard
                                case .completed(let count) = try KernelUnixSocket.send(
                                    a, data, nonblocking: true, outOfBand: oob, retryOnInterrupt: false)
                            else { return .failed(.EAGAIN) }
                            return .sent(count)
                        }
                    ))
            case .receive(let max, let peek):
                checks.append(
                    (
                        peek
                            ? .peek(process: 1, end: "b", max: max, nonblocking: true, maxFiles: 0)
                            : .receive(process: 1, end: "b", max: max, nonblocking: true, maxFiles: 0),
                        kernel { () throws(Errno) in try received(b, max, peek: peek, oob: false) }
                    ))
            case .receiveOutOfBand(let max, let peek):
                checks.append(
                    (
                        .receiveOutOfBand(process: 1, end: "b", max: max, peek: peek),
                        kernel { () throws(Errno) in try received(b, max, peek: peek, oob: true) }
                    ))
            case .inline(let on):
                checks.append(
                    (
                        .setOutOfBandInline(process: 1, end: "b", value: on ? 1 : 0),
                        kernel { () throws(Errno) in
                            try Syscall.setSocketOption(b, SO_OOBINLINE, on ? 1 : 0)
                            return .closed
                        }
                    ))
            case .peekOffset(let value):
                checks.append(
                    (
                        .setPeekOffset(process: 1, end: "b", value: value),
                        kernel { () throws(Errno) in
                            try Syscall.setSocketOption(b, SO_PEEK_OFF, CInt(value))
                            return .closed
                        }
                    ))
            case .inputQueue:
                checks.append(
                    (
                        .queued(process: 1, end: "b", outgoing: false),
                        kernel { () throws(Errno) in .value(try Syscall.socketInputQueue(b)) }
                    ))
            case .shutdown(let sender, let how):
                guard sender ? senderOpen : receiverOpen else { continue }
                checks.append(
                    (
                        .shutdown(process: 1, end: sender ? "a" : "b", how: Int(how)),
                        kernel { () throws(Errno) in
                            try Syscall.shutdown(sender ? a : b, how: how)
                            return .closed
                        }
                    ))
            case .closeSender:
                guard senderOpen else { continue }
                senderOpen = false
                try Syscall.close(a)
                checks.append((.close(process: 1, end: "a"), .closed))
            case .closeReceiver:
                guard receiverOpen, senderOpen else { continue }
                receiverOpen = false
                try Syscall.close(b)
                checks.append((.close(process: 1, end: "b"), .closed))
                checks.append(
                    (
                        .receive(process: 1, end: "a", max: 1, nonblocking: true, maxFiles: 0),
                        kernel { () throws(Errno) in try received(a, 1, peek: false, oob: false) }
                    ))
            }
            if receiverOpen {
                checks.append(
                    (.atMark(process: 1, end: "b"), kernel { () throws(Errno) in .value(try Syscall.socketAtMark(b)) }))
                checks.append(
                    (
                        .selectWithExceptions(process: 1, end: "b", read: true, write: false, timeout: 0),
                        kernel { () throws(Errno) in
                            let ready = try Syscall.select(
                                b, read: true, write: false, exceptional: true, timeoutMilliseconds: 0)
                            return .selectedWithExceptions(
                                readable: ready.readable, writable: ready.writable, exceptional: ready.exceptional)
                        }
                    ))
                checks.append(
                    (
                        .poll(process: 1, end: "b", events: [.input, .priority], timeout: 0),
                        kernel { () throws(Errno) in
                            .polled(
                                UnixSocketKindEvents.model(
                                    try KernelUnixSocket.poll(b, events: [.input, .priority], timeout: 0)))
                        }
                    ))
            }
            for (input, expected) in checks {
                steps.append(model.describe(input, expected))
                let reached = completions(model, input, state)
                let outputs = Set(reached.map(\.output))
                guard outputs == [expected], let next = reached.first?.state else {
                    let modelOutputs = outputs.map { "\($0)" }
                    let history = steps.joined(separator: "\n")
                    let failure =
                        "\(label): \(operation): kernel \(expected), model \(modelOutputs)\n\(history)\n"
                        + "state: \(model.describe(state))"
                    PipeAgreement.disagreement(failure)
                    return
                }
                state = next
            }
        }
    }

    /// Every completion of `input` the model can reach from `state`, following its pieces.
    static func completions(
        _ model: UnixSocketModel, _ input: UnixSocketModel.Input, _ state: UnixSocketModel.State
    ) -> [(output: UnixSocketModel.Output, state: UnixSocketModel.State)] {
        var result: [(output: UnixSocketModel.Output, state: UnixSocketModel.State)] = []
        var frontier = [state]
        for _ in 0..<64 where !frontier.isEmpty {
            var following: [UnixSocketModel.State] = []
            for current in frontier {
                for outcome in model.outcomes(of: input, in: current) {
                    switch outcome.step {
                    case .completed(let next): if let output = outcome.output { result.append((output, next)) }
                    case .partial(let next): following.append(next)
                    }
                }
            }
            frontier = following
        }
        return result
    }

    static func kernel(_ body: () throws(Errno) -> UnixSocketModel.Output) -> UnixSocketModel.Output {
        do { return try body() } catch { return .failed(ErrorCode(error.name)) }
    }

    static func received(_ socket: FileDescriptor, _ max: Int, peek: Bool, oob: Bool) throws(Errno)
        -> UnixSocketModel.Output
    {
        guard
            case .completed(let message) = try KernelUnixSocket.receive(
                socket, maximum: max, nonblocking: true, peek: peek, outOfBand: oob, retryOnInterrupt: false)
        else { return .failed(.EAGAIN) }
        return .received(.init(data: message.data, length: message.length == message.data.count ? nil : message.length))
    }
}

/// `POLLIN` and `POLLPRI`, and the unasked `POLLHUP` and `POLLERR`, as the model names them.
enum UnixSocketKindEvents {
    static func model(_ bits: KernelUnixSocket.PollEvents) -> UnixSocketModel.PollEvents {
        var events: UnixSocketModel.PollEvents = []
        if bits.contains(.input) { events.insert(.input) }
        if bits.contains(.priority) { events.insert(.priority) }
        if bits.contains(.hangUp) { events.insert(.hangUp) }
        if bits.contains(.error) { events.insert(.error) }
        return events
    }
}

/// SplitMix64: a small seeded generator, so each random sequence is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
