/// The POSIX message queue (`mq_open`) of this kernel's `ipc/mqueue.c`.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - Messages come out highest priority first and oldest first among equals: priorities 6, 10, 6′, 8, 1 sent
///   come out 10, 8, 6, 6′, 1. Each receive returns one whole message and its priority.
/// - A priority of 32768 (`MQ_PRIO_MAX`) or more fails `EINVAL`, checked before the descriptor (`EBADF`).
/// - A message longer than the queue's message size fails `EMSGSIZE`; so does a receive buffer *smaller* than
///   the message size, even on an empty queue, and the queue keeps its messages.
/// - A full queue (`maxMessages`) makes a send wait (`EAGAIN` when nonblocking); an empty one makes a receive
///   wait (`EAGAIN`). Zero-length messages are messages.
/// - The queue outlives every descriptor until `mq_unlink`: a process may send, exit, and another open the queue
///   and receive. After unlink, open descriptors keep working and opens fail `ENOENT`; a second unlink `ENOENT`.
/// - A process's death closes its descriptors and does nothing else: its messages stay queued.
/// - A send or receive asleep (full queue, empty queue) that a handled signal interrupts fails `EINTR` and has no
///   effect — without `SA_RESTART`; with it the kernel restarts the call, which the trace cannot tell apart from a
///   longer sleep (`MessageQueueInterruptionFactsTests`). One that can proceed never fails `EINTR`: the kernel
///   looks for signals only once asleep.
/// - `mq_timedsend` and `mq_timedreceive` (a `timeout`) end asleep with `ETIMEDOUT`; a timeout already past does
///   not stop a call that can proceed. An invalid timeout fails `EINVAL` before anything else is checked, except
///   the priority (see ``Timeout``).
/// - `getattr` (`mq_getattr`) reports `mq_curmsgs`, `mq_maxmsg` and `mq_msgsize`; it changes nothing, so the
///   driver uses it to learn what a killed process's send or receive did.
public struct PosixMessageQueueModel: TransitionModel, TraceModel {
    public static let name = "posix-mq"
    /// `MQ_PRIO_MAX`: priorities are 0 ..< 32768.
    public static let priorityLimit = 32768

    public struct Setup: Hashable, Sendable {
        /// `mq_maxmsg` (at most 10 here without `CAP_SYS_RESOURCE`).
        public var maxMessages: Int
        /// `mq_msgsize` (at most 8192 here).
        public var messageSize: Int
        /// Processes holding a descriptor at the start, once per descriptor.
        public var holders: [Int]

        public init(maxMessages: Int = 10, messageSize: Int = 8192, holders: [Int]) {
            self.maxMessages = maxMessages
            self.messageSize = messageSize
            self.holders = holders.sorted()
        }
    }

    public struct Message: Hashable, Sendable {
        public var data: [UInt8]
        public var priority: Int

        public init(data: [UInt8], priority: Int) {
            self.data = data
            self.priority = priority
        }
    }

    public struct State: Hashable, Sendable {
        public var maxMessages: Int
        public var messageSize: Int
        /// Queued messages in the order they come out.
        public var messages: [Message] = []
        /// The name, and the descriptors open, by process.
        public var name: NamedObjectHandles

        /// Queues `message` after every message of the same or a higher priority.
        mutating func enqueue(_ message: Message) {
            messages.insert(message, at: messages.firstIndex { $0.priority < message.priority } ?? messages.endIndex)
        }
    }

    public enum Input: Hashable, Sendable {
        /// `mq_send`, or `mq_timedsend` with a `timeout`.
        case send(process: Int, data: [UInt8], priority: Int, nonblocking: Bool, timeout: Timeout? = nil)
        /// `mq_receive`, or `mq_timedreceive` with a `timeout`.
        case receive(process: Int, max: Int, nonblocking: Bool, timeout: Timeout? = nil)
        /// `mq_getattr`: the queue's attributes and how many messages it holds.
        case getAttributes(process: Int)
        /// `mq_open` of the queue's name without `O_CREAT`: another descriptor.
        case open(process: Int)
        case close(process: Int)
        case unlink(process: Int)
        /// The process died: its descriptors close.
        case exit(process: Int)
    }

    /// What `mq_getattr` reports (its `mq_flags` are the descriptor's, set per call, so not reported).
    public struct Attributes: Hashable, Sendable {
        public var messages: Int
        public var maxMessages: Int
        public var messageSize: Int

        public init(messages: Int, maxMessages: Int, messageSize: Int) {
            self.messages = messages
            self.maxMessages = maxMessages
            self.messageSize = messageSize
        }
    }

    public enum Output: PlainOutcomes {
        case sent
        case received(Message)
        case attributes(Attributes)
        case done
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(queues: [(name: String, setup: Setup)]) {
        self.setups = queues
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(holders: [])
        return State(maxMessages: setup.maxMessages, messageSize: setup.messageSize, name: NamedObjectHandles(holders: setup.holders))
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .send(let process, let data, let priority, let nonblocking, let timeout):
            if priority < 0 || priority >= Self.priorityLimit || timeout == .invalid {
                return [Transition(.failed(.EINVAL), state)]
            }
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            if data.count > state.messageSize { return [Transition(.failed(.EMSGSIZE), state)] }
            if state.messages.count >= state.maxMessages {
                return nonblocking ? [Transition(.failed(.EAGAIN), state)] : []
            }
            next.enqueue(Message(data: data, priority: priority))
            return [Transition(.sent, next)]
        case .receive(let process, let max, let nonblocking, let timeout):
            if timeout == .invalid { return [Transition(.failed(.EINVAL), state)] }
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            if max < state.messageSize { return [Transition(.failed(.EMSGSIZE), state)] }
            guard !state.messages.isEmpty else { return nonblocking ? [Transition(.failed(.EAGAIN), state)] : [] }
            return [Transition(.received(next.messages.removeFirst()), next)]
        case .getAttributes(let process):
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            let attributes = Attributes(messages: state.messages.count, maxMessages: state.maxMessages, messageSize: state.messageSize)
            return [Transition(.attributes(attributes), state)]
        case .open(let process):
            return nameTransition(state, \.name) { $0.open(process) }
        case .close(let process):
            return nameTransition(state, \.name) { $0.release(process, missing: .EBADF) }
        case .unlink:
            return nameTransition(state, \.name) { $0.unlink() }
        case .exit(let process):
            return nameTransition(state, \.name) { $0.exit(process); return nil }
        }
    }

    /// A blocking send or receive asleep may be interrupted (`EINTR`); a timed one may also time out.
    public func wakeUps(of input: Input) -> [Output] {
        switch input {
        case .send(_, _, _, false, let timeout), .receive(_, _, false, let timeout):
            timeout == nil ? [.failed(.EINTR)] : [.failed(.EINTR), .failed(.ETIMEDOUT)]
        default: []
        }
    }

    public func describe(_ state: State) -> String {
        let queued = state.messages.map { "\(Payload.preview($0.data, limit: 12))@\($0.priority)" }
        var parts = ["\(state.messages.count) of \(state.maxMessages) messages [\(queued.joined(separator: ", "))]"]
        parts.append("descriptors \(state.name.text)")
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let data, let priority, let nonblocking, let timeout):
            call = "send \(Payload.preview(data)) (\(data.count) bytes) at priority \(priority)\(nonblocking ? " (nonblocking)" : "")"
                + (timeout.map { " \($0.text)" } ?? "")
        case .receive(_, let max, let nonblocking, let timeout):
            call = "receive into \(max) bytes\(nonblocking ? " (nonblocking)" : "")" + (timeout.map { " \($0.text)" } ?? "")
        case .getAttributes: call = "mq_getattr"
        case .open: call = "open by name"
        case .close: call = "close"
        case .unlink: call = "unlink"
        case .exit: call = "exit (closes its descriptors)"
        }
        let result = output.described { output in
            switch output {
            case .sent, .done: "ok"
            case .received(let message): "\(Payload.preview(message.data)) (\(message.data.count) bytes) at priority \(message.priority)"
            case .attributes(let attributes):
                "\(attributes.messages) messages (of \(attributes.maxMessages), \(attributes.messageSize) bytes each)"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }

    public func estimatedSize(of state: State) -> Int {
        96 + state.name.holders.count * 8 + state.messages.reduce(0) { $0 + 40 + $1.data.count }
    }
}

extension PosixMessageQueueModel.Input {
    public var process: Int {
        switch self {
        case .send(let process, _, _, _, _), .receive(let process, _, _, _), .getAttributes(let process), .open(let process),
            .close(let process), .unlink(let process), .exit(let process):
            process
        }
    }
}
