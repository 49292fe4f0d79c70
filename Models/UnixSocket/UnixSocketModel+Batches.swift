/// `sendmmsg` and `recvmmsg` (measured in `UnixSocketBatchFactsTests`; LTP `sendmmsg01`, `sendmmsg02`, `recvmmsg01`).
///
/// The kernel runs a batch as a loop of the single calls (`__sys_sendmmsg`, `do_recvmmsg`): each message is one
/// `sendmsg` or `recvmsg`, taking the socket's locks on its own, so another process's send or receive may fall
/// between two messages of a batch (measured: a datagram sent while a batch slept for room lands between its
/// messages). The model steps a batch the same way, one message a piece, through the single call's own step:
/// - `sendmmsg` sends messages in order until one fails or all are sent (`vlen` above `UIO_MAXIOV`, 1024, is cut to
///   1024 silently; `vlen` 0 returns 0). It returns the count sent, each message's `msg_len` filled; the error only
///   if the first message fails (a full queue with `MSG_DONTWAIT` mid-batch: the count so far, the `EAGAIN` lost).
///   A stream socket's short send counts, and the next message goes on.
/// - `recvmmsg` receives into each entry in turn (every entry its own receive: a stream's boundaries are not
///   kept — one entry takes what was queued — and a stream or seqpacket at end of file fills every entry with 0
///   bytes, measured), until `vlen` are taken or a receive fails: the count, or the error if nothing came. An error
///   other than `EAGAIN` after some came is left as the socket's pending error (`sk_err`), reported by the next call
///   or `SO_ERROR`. `MSG_WAITFORONE` makes every receive after the first nonblocking. The timeout is checked only
///   after each message (the man page's BUGS): a zero one ends the batch after the first, a positive one may or may
///   not (the model cannot tell the time: both allowed); an invalid one (`tv_nsec` ≥ 10⁹, a negative `tv_sec`) fails
///   `EINVAL` before anything.
/// - Asleep between messages (a blocking send without room, a blocking receive of an empty queue), a handled signal
///   or a socket timeout ends the batch with the count so far (`EINTR` with nothing; a receive's `EINTR` is then left
///   pending, a timeout's `EAGAIN` is not): allowed whenever the next message would sleep.
extension UnixSocketModel {
    /// `recvmmsg`'s timeout: none, zero, positive, or one the kernel refuses (`EINVAL`).
    public enum BatchTimeout: String, Hashable, Sendable {
        case zero, positive, invalid
    }

    /// `sendmmsg`'s cut on `vlen` (`UIO_MAXIOV`).
    public static let batchLimit = 1024

    /// A batch under way: what its messages gave so far.
    public struct Batch: Hashable, Sendable {
        public var process: Int
        public var sent: [Int] = []
        public var received: [Received] = []
        var count: Int { sent.count + received.count }
    }

    /// The single call a batch makes for its message number `index`.
    static func batchMessage(_ input: Input, index: Int) -> Input? {
        switch input {
        case .sendBatch(let process, let end, let messages, let nonblocking, let to):
            guard index < Swift.min(messages.count, batchLimit) else { return nil }
            return .send(process: process, end: end, data: messages[index], nonblocking: nonblocking, to: to, files: [])
        case .receiveBatch(let process, let end, let max, let count, let nonblocking, let waitForOne, _):
            guard index < count else { return nil }
            return .receive(process: process, end: end, max: max, nonblocking: nonblocking || (waitForOne && index > 0), maxFiles: 0)
        default:
            return nil
        }
    }

    /// The batch's output once it ends with `batch`'s results (at least one).
    static func batchOutput(_ input: Input, _ batch: Batch) -> Output {
        if case .sendBatch = input { return .sentBatch(batch.sent) }
        return .receivedBatch(batch.received)
    }

    /// Whether a batch that has `batch`'s results so far may still end with the recorded `output`.
    static func batchMayLeadTo(_ output: Output?, _ batch: Batch) -> Bool {
        switch output {
        case nil: true
        case .sentBatch(let sent)?: sent.starts(with: batch.sent) && batch.received.isEmpty
        case .receivedBatch(let received)?: received.starts(with: batch.received) && batch.sent.isEmpty
        case .failed?: batch.count == 0
        default: false
        }
    }

    /// The steps of a `sendmmsg` or `recvmmsg` that agree with the recorded `output` (see ``batchOutcomes(_:_:)``).
    func batchSteps(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        batchOutcomes(state, input).compactMap { outcome in
            if let result = outcome.output { return output == nil || output == result ? outcome.step : nil }
            let batch = outcome.step.state.batch(of: input.process) ?? Batch(process: input.process)
            return Self.batchMayLeadTo(output, batch) ? outcome.step : nil
        }
    }

    /// Every way a `sendmmsg` or `recvmmsg` may go on from `state` (see the extension's notes): a piece (no output) —
    /// the next message's own call, or a piece of it — or the batch's end with its output.
    public func batchOutcomes(_ state: State, _ input: Input) -> [(output: Output?, step: Step<State>)] {
        let process = input.process
        func ending(_ next: State, _ result: Output) -> (output: Output?, step: Step<State>) {
            var next = next
            next.setBatch(nil, of: process)
            return (result, .completed(next))
        }
        if case .receiveBatch(_, _, _, _, _, _, .invalid?) = input { return [ending(state, .failed(.EINVAL))] }
        let batch = state.batch(of: process) ?? Batch(process: process)
        if case .receiveBatch(_, let end, _, _, _, _, _) = input, batch.count == 0, let index = state.socketIndex(end),
            state.sockets[index].holders.contains(process), let error = state.sockets[index].error
        {
            // `do_recvmmsg` takes the pending error before any message (measured: a stream's reset before its data,
            // with vlen 0 too).
            var next = state
            next.sockets[index].error = nil
            return [ending(next, .failed(error))]
        }
        guard let message = Self.batchMessage(input, index: batch.count) else {
            // vlen 0 (or nothing left): the batch returns what it has, 0 with nothing.
            return [ending(state, Self.batchOutput(input, batch))]
        }
        var results: [(output: Output?, step: Step<State>)] = []
        let candidates = outcomes(of: message, in: state)
        for candidate in candidates {
            var next = candidate.step.state
            guard let messageOutput = candidate.output else {
                // A piece of the message's own call (a stream's buffer): the batch goes on.
                next.setBatch(batch, of: process)
                results.append((nil, .partial(next)))
                continue
            }
            var more = batch
            switch messageOutput {
            case .sent(let count): more.sent.append(count)
            case .received(let received): more.received.append(received)
            case .failed(let error):
                if batch.count == 0 {
                    results.append(ending(next, .failed(error)))
                } else {
                    // The error is lost; a receive's (but EAGAIN) stays pending on the socket.
                    if case .receiveBatch(_, let end, _, _, _, _, _) = input, error != .EAGAIN, let index = next.socketIndex(end) {
                        next.sockets[index].error = error
                    }
                    results.append(ending(next, Self.batchOutput(input, batch)))
                }
                continue
            default:
                continue
            }
            var timeout: BatchTimeout?
            if case .receiveBatch(_, _, _, _, _, _, let limit) = input { timeout = limit }
            let last = Self.batchMessage(input, index: more.count) == nil
            if last || timeout == .zero || timeout == .positive {
                results.append(ending(next, Self.batchOutput(input, more)))
            }
            if !last && timeout != .zero {
                next.setBatch(more, of: process)
                results.append((nil, .partial(next)))
            }
        }
        if candidates.isEmpty && Self.maySleep(message) {
            // Asleep for this message: a signal (or a socket timeout) may end the batch here.
            if batch.count == 0 {
                results.append(ending(state, .failed(.EINTR)))
            } else {
                results.append(ending(state, Self.batchOutput(input, batch)))
                if case .receiveBatch(_, let end, _, _, _, _, _) = input, let index = state.socketIndex(end) {
                    var next = state
                    next.sockets[index].error = .EINTR
                    results.append(ending(next, Self.batchOutput(input, batch)))
                }
            }
        }
        return results
    }
}

extension UnixSocketModel.State {
    func batch(of process: Int) -> UnixSocketModel.Batch? { batches.first { $0.process == process } }

    mutating func setBatch(_ value: UnixSocketModel.Batch?, of process: Int) {
        batches.removeAll { $0.process == process }
        if let value { batches.append(value) }
    }
}

// The trace form (traces/README.md):
//   sendmmsg  {"end": S, "messages": [PAYLOAD], "nonblocking": BOOL?, "to": S?}   {"sent": [INT]}   (msg_len of each
//             message sent, as many as the call returned; vlen is the messages' count, cut to 1024)
//   recvmmsg  {"end": S, "max": INT, "vlen": INT, "nonblocking": BOOL?, "waitforone": BOOL?,
//              "timeout": {"sec": INT, "nsec": INT}?}                              {"messages": [RECEIVED]}
//             (RECEIVED as a receive's ok value: "data", "truncated", "from"; max is each entry's buffer)
extension UnixSocketModel {
    func batchInput(from call: Call, nonblocking: Bool) throws(ModelError) -> Input {
        let end = try call.value.required("end").text("end")
        if call.f == "sendmmsg" {
            let messages = try call.value.required("messages").elements("messages").map { (message) throws(ModelError) in
                try message.payload("messages")
            }
            return .sendBatch(
                process: call.process, end: end, messages: messages, nonblocking: nonblocking,
                to: try call.value.optional("to")?.text("to"))
        }
        var timeout: BatchTimeout?
        if let limit = try call.value.optional("timeout") {
            let seconds = try Optional(limit).required("sec").integer("timeout.sec", in: Int(Int32.min)...Int(Int32.max))
            let nanoseconds = try Optional(limit).required("nsec").integer("timeout.nsec", in: Int(Int32.min)...Int(Int32.max))
            timeout =
                seconds < 0 || nanoseconds < 0 || nanoseconds >= 1_000_000_000 ? .invalid
                : seconds == 0 && nanoseconds == 0 ? .zero : .positive
        }
        return .receiveBatch(
            process: call.process, end: end, max: try call.value.required("max").integer("max", in: 0...1 << 24),
            count: try call.value.required("vlen").integer("vlen", in: 0...1 << 16), nonblocking: nonblocking,
            waitForOne: try call.value.optional("waitforone")?.boolean("waitforone") ?? false, timeout: timeout)
    }

    func batchOutput(from value: JSONValue?, for input: Input) throws(ModelError) -> Output {
        switch input {
        case .sendBatch(_, _, let messages, _, _):
            let sent = try value.required("sent").elements("sent")
            guard sent.count <= Swift.min(messages.count, Self.batchLimit) else {
                throw ModelError("sendmmsg: \(sent.count) messages sent, more than the \(messages.count) given")
            }
            return .sentBatch(try sent.enumerated().map { (index, count) throws(ModelError) in
                try count.integer("sent", in: 0...messages[index].count)
            })
        case .receiveBatch(_, _, let max, let count, _, _, _):
            let entries = try value.required("messages").elements("messages")
            guard entries.count <= count else { throw ModelError("recvmmsg: \(entries.count) messages, more than vlen \(count)") }
            return .receivedBatch(try entries.map { (entry) throws(ModelError) in try Self.received(entry, limit: max, "max") })
        default:
            throw ModelError("not a batch")
        }
    }

    static func batchCall(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .sendBatch(_, let end, let messages, let nonblocking, let to):
            var value: JSONObject = ["end": .string(end), "messages": .array(messages.map { Payload.json($0) })]
            if nonblocking { value["nonblocking"] = true }
            if let to { value["to"] = .string(to) }
            return ("sendmmsg", .object(value))
        case .receiveBatch(_, let end, let max, let count, let nonblocking, let waitForOne, let timeout):
            var value: JSONObject = ["end": .string(end), "max": .int(max), "vlen": .int(count)]
            if nonblocking { value["nonblocking"] = true }
            if waitForOne { value["waitforone"] = true }
            switch timeout {
            case nil: break
            case .zero?: value["timeout"] = ["sec": 0, "nsec": 0]
            case .positive?: value["timeout"] = ["sec": 1, "nsec": 0]
            case .invalid?: value["timeout"] = ["sec": 0, "nsec": 1_000_000_000]
            }
            return ("recvmmsg", .object(value))
        default:
            return ("?", nil)
        }
    }

    /// A receive's ok value.
    static func receivedValue(_ received: Received) -> JSONValue {
        var value: JSONObject = ["data": Payload.json(received.data)]
        if received.truncated { value["truncated"] = true }
        if !received.files.isEmpty { value["files"] = .array(received.files.map { .string($0) }) }
        if received.filesTruncated { value["filesTruncated"] = true }
        if let from = received.from { value["from"] = .string(from) }
        if let length = received.length { value["size"] = .int(length) }
        if let pidfd = received.pidfd, pidfd != pidfdNotJudged { value["pidfd"] = .int(pidfd) }
        if let credentials = received.credentials { value["credentials"] = credentialsValue(credentials) }
        return .object(value)
    }
}
