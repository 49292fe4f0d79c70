/// A queue of messages: what the shared-memory rings, the hybrid channel, the mailbox and the revocable channel
/// promise, and what a user's concurrent queue is checked against (``init(capacity:object:)``, from a `@Test`
/// through IPCHarnessTesting), each object configured by its parameters.
///
/// - Messages are delivered whole, each once, in the order they were sent: in one global order (`"fifo"`: a
///   receiver gets the oldest message, and only if it is addressed to it or to anyone — so a message for a
///   stalled receiver at the head blocks the others), or per receiver (`"per-receiver"`: a receiver gets the
///   oldest message addressed to it, wherever it lies).
/// - A send fails `EAGAIN` exactly when the queue is full: `capacity` messages in all (`"fifo"`) or `credits`
///   messages for that receiver (`"per-receiver"`); without them it is unbounded. A `refusable` queue may refuse a
///   send at any time (its room is not counted in messages: the hybrid channel's buffers) but never accepts one it
///   loses.
/// - A receive fails `EAGAIN` exactly when nothing it may take is there.
/// - Revocable queues: `revoke` takes effect atomically and reports how many sends had committed; every send
///   that takes effect after it fails `EPERM`; messages committed before it are still delivered.
public struct QueueModel: TraceModel {
    public static let name = "queue"

    public enum Order: String, Hashable, Sendable {
        case fifo
        case perReceiver = "per-receiver"
    }

    public struct Setup: Hashable, Sendable {
        public var order: Order
        /// Messages the queue holds in all (fifo); nil: unbounded.
        public var capacity: Int?
        /// Messages it holds for each receiver (per-receiver order); nil: unbounded.
        public var credits: Int?
        /// A send may be refused (`EAGAIN`) whatever the count: the room is not counted in messages.
        public var refusable: Bool
        public var revocable: Bool

        public init(
            order: Order = .fifo, capacity: Int? = nil, credits: Int? = nil, refusable: Bool = false, revocable: Bool = false
        ) {
            self.order = order
            self.capacity = capacity
            self.credits = credits
            self.refusable = refusable
            self.revocable = revocable
        }
    }

    public struct Message: Hashable, Sendable {
        /// The receiver it is addressed to; nil for anyone.
        public var to: Int?
        public var data: [UInt8]

        /// The payload as one block of bytes: `[UInt8]`'s own hash feeds the hasher a byte at a time, which was most
        /// of the checker's time on queue histories (the checker hashes each new state once).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(to)
            hasher.combine(data.count)
            data.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    public struct State: Hashable, Sendable {
        /// The object's configuration (constant; kept in the state because `step` is given no object).
        public let setup: Setup
        public var messages: [Message] = []
        public var revoked = false
        /// Sends that have taken effect, ever.
        public var committed = 0

        /// Leaves out the setup, which is the same in every state of an object (equality still compares it).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(messages)
            hasher.combine(revoked)
            hasher.combine(committed)
        }
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, to: Int?, data: [UInt8])
        case receive(process: Int)
        case revoke(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case sent
        case received([UInt8])
        case revoked(committed: Int)
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(objects: [(name: String, setup: Setup)]) {
        self.setups = objects
    }

    /// One FIFO queue named `object` holding at most `capacity` messages (nil: unbounded): the model a user's
    /// queue is checked against.
    public init(capacity: Int? = nil, object: String = "q") {
        self.init(objects: [(object, Setup(capacity: capacity))])
    }

    public var objects: [String] { setups.map(\.name) }

    func setup(of object: String) -> Setup { setups.first { $0.name == object }?.setup ?? Setup() }

    public func initialState(of object: String) -> State { State(setup: setup(of: object)) }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        Step.completions(outcomes(state, input).map { ($0.output, $0.state) }, matching: output)
    }

    /// Every way `input` may take effect from `state`, with its output.
    public func outcomes(_ state: State, _ input: Input) -> [(output: Output, state: State)] {
        let setup = state.setup
        switch input {
        case .send(_, let to, let data):
            if state.revoked { return [(.failed(.EPERM), state)] }
            let full: Bool
            switch setup.order {
            case .fifo: full = setup.capacity.map { state.messages.count >= $0 } ?? false
            case .perReceiver: full = setup.credits.map { limit in state.messages.filter { $0.to == to }.count >= limit } ?? false
            }
            if full { return [(.failed(.EAGAIN), state)] }
            var next = state
            next.messages.append(Message(to: to, data: data))
            next.committed += 1
            return setup.refusable ? [(.sent, next), (.failed(.EAGAIN), state)] : [(.sent, next)]
        case .receive(let process):
            let index: Int?
            switch setup.order {
            case .fifo:
                index = state.messages.first.map { $0.to == nil || $0.to == process } == true ? 0 : nil
            case .perReceiver:
                index = state.messages.firstIndex { $0.to == nil || $0.to == process }
            }
            guard let index else { return [(.failed(.EAGAIN), state)] }
            var next = state
            let message = next.messages.remove(at: index)
            return [(.received(message.data), next)]
        case .revoke:
            guard setup.revocable else { return [(.failed(.EINVAL), state)] }
            var next = state
            next.revoked = true
            return [(.revoked(committed: state.committed), next)]
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let action: String
        switch input {
        case .send(_, let to, let data): action = "send \(Payload.preview(data))" + (to.map { " to \($0)" } ?? "")
        case .receive: action = "receive"
        case .revoke: action = "revoke"
        }
        guard let output else { return action + " → ?" }
        switch output {
        case .sent: return action + " → sent"
        case .received(let data): return action + " → \(Payload.preview(data)) (\(data.count) bytes)"
        case .revoked(let committed): return action + " → \(committed) sends had committed"
        case .failed(let code): return action + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String {
        let messages = state.messages.map { message in
            Payload.preview(message.data, limit: 12) + (message.to.map { "→\($0)" } ?? "")
        }
        return "\(state.messages.count) messages [\(messages.joined(separator: ", "))]; \(state.committed) committed"
            + (state.revoked ? "; revoked" : "")
    }

    public func exitInput(process: Int, object: String) -> Input? { nil }
}
