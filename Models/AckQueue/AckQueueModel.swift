/// A work queue with acknowledgements (at-least-once delivery): what a consumer that may be killed between
/// taking a message and finishing it needs from its queue. The checked promise is the kill invariant "nothing
/// acknowledged to a sender is lost or duplicated":
///
/// - `send` puts a message at the tail; it fails `EAGAIN` exactly when `capacity` messages are queued (messages
///   taken and not yet acknowledged do not count).
/// - `receive` takes a message *without consuming it*: it becomes the receiver's in-flight message. A message a
///   dead consumer left in flight comes first (any of them, in no promised order), then the oldest queued one;
///   `EAGAIN` exactly when there is neither. A process holds at most one message in flight: a second `receive`
///   before its `ack` fails `EBUSY`.
/// - `ack` consumes the receiver's in-flight message for good; `EINVAL` when it has none.
/// - A process that dies (or exits) with a message in flight gives it back: it is delivered again, to someone.
///   So a message is lost only if a consumer's death swallows it, and delivered twice only if it was never
///   acknowledged: exactly the two ways a consumer's death may not break the queue.
///
/// A consumer that takes a message out of a kernel queue (`mq_receive`, `msgrcv`) and only remembers it in its
/// own memory breaks the last rule: killed between receive and acknowledge, its message is gone.
public struct AckQueueModel: TransitionModel, TraceModel {
    public static let name = "ack-queue"

    public struct State: Hashable, Sendable {
        /// Messages the queue holds, not counting those in flight (constant; kept in the state because `step` is
        /// given no object).
        public let capacity: Int
        public internal(set) var queued: [Int] = []
        /// Messages dead consumers left in flight, to be delivered again first (sorted: their order is not
        /// promised, so states that differ only in it are one state).
        public internal(set) var returned: [Int] = []
        /// Each live process's message in flight.
        public internal(set) var inFlight: [Int: Int] = [:]
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, message: Int)
        case receive(process: Int)
        case ack(process: Int)
        /// The process died or exited: its message in flight, if any, is given back.
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case sent
        case received(Int)
        case acknowledged
        case exited
        case failed(ErrorCode)
    }

    public let setups: [(name: String, capacity: Int)]

    public init(objects: [(name: String, capacity: Int)]) {
        self.setups = objects
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        State(capacity: setups.first { $0.name == object }?.capacity ?? 8)
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .send(_, let message):
            guard state.queued.count < state.capacity else { return [Transition(.failed(.EAGAIN), state)] }
            next.queued.append(message)
            return [Transition(.sent, next)]
        case .receive(let process):
            if state.inFlight[process] != nil { return [Transition(.failed(.EBUSY), state)] }
            if !state.returned.isEmpty {
                // Any message given back may come first: one transition per distinct message.
                return Array(Set(state.returned)).sorted().map { message in
                    var taken = state
                    taken.returned.remove(at: taken.returned.firstIndex(of: message)!)
                    taken.inFlight[process] = message
                    return Transition(.received(message), taken)
                }
            }
            guard !state.queued.isEmpty else { return [Transition(.failed(.EAGAIN), state)] }
            let message = next.queued.removeFirst()
            next.inFlight[process] = message
            return [Transition(.received(message), next)]
        case .ack(let process):
            guard next.inFlight.removeValue(forKey: process) != nil else { return [Transition(.failed(.EINVAL), state)] }
            return [Transition(.acknowledged, next)]
        case .exit(let process):
            if let message = next.inFlight.removeValue(forKey: process) {
                next.returned.append(message)
                next.returned.sort()
            }
            return [Transition(.exited, next)]
        }
    }

    public func describe(_ state: State) -> String {
        var parts = ["queued [\(state.queued.map(String.init).joined(separator: ", "))]"]
        if !state.returned.isEmpty {
            parts.append("given back by dead consumers [\(state.returned.map(String.init).joined(separator: ", "))]")
        }
        for process in state.inFlight.keys.sorted() {
            parts.append("process \(process) holds \(state.inFlight[process]!) unacknowledged")
        }
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let message): call = "send \(message)"
        case .receive: call = "receive"
        case .ack: call = "ack"
        case .exit: call = "exit (its unacknowledged message is given back)"
        }
        let result = output.described { output in
            switch output {
            case .sent, .acknowledged, .exited: "ok"
            case .received(let message): "\(message)"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }

    public func estimatedSize(of state: State) -> Int {
        64 + (state.queued.count + state.returned.count) * 8 + state.inFlight.count * 32
    }
}

extension AckQueueModel.Input {
    public var process: Int {
        switch self {
        case .send(let process, _), .receive(let process), .ack(let process), .exit(let process): process
        }
    }
}
