/// The Linux eventfd: a 64-bit counter shared by everyone holding the descriptor.
///
/// What it allows, and why (each fact is also a test on the real kernel, `KernelEventCounterFactsTests`):
/// - A write adds its value; a plain read returns the whole count and resets it to 0 (writes of 5 and 7, then one
///   read: 12); with `EFD_SEMAPHORE` a read returns 1 and takes 1.
/// - Reading a count of 0 blocks, or fails `EAGAIN` on a nonblocking eventfd.
/// - The count holds at most 2^64 − 2. A write that would pass it blocks, or fails `EAGAIN`; writing 2^64 − 1 fails
///   `EINVAL`, as does a write buffer of other than 8 bytes or a read buffer under 8 (checked before anything else).
///   A write of 0 succeeds and changes nothing.
/// - `O_NONBLOCK` is the eventfd's, shared by every holder (it cannot be reopened per process): it is a parameter
///   of the object, not of a call.
/// - Closing one descriptor leaves the others working; a process's death changes nothing.
/// - A read or write asleep (count 0; count too high) that a handled signal interrupts fails `EINTR` and changes
///   nothing (with `SA_RESTART` the kernel restarts it: `InterruptionFactsTests`). One that can proceed, or on a
///   nonblocking eventfd, never fails `EINTR`.
public struct EventCounterModel: TraceModel {
    public static let name = "eventfd"

    /// The largest count an eventfd holds.
    public static let maximum: UInt64 = .max - 1

    public enum Input: Hashable, Sendable {
        /// `size` is the byte count passed to write(2) (8 unless provoking `EINVAL`).
        case write(process: Int, value: UInt64, size: Int)
        case read(process: Int, size: Int)
        case close(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case wrote(Int)
        case read(UInt64)
        case closed
        case failed(ErrorCode)
    }

    /// How one eventfd starts.
    public struct Setup: Hashable, Sendable {
        public var initial: UInt64
        public var semaphore: Bool
        public var nonblocking: Bool
        /// The processes holding it (once per descriptor).
        public var holders: [Int]

        public init(initial: UInt64 = 0, semaphore: Bool = false, nonblocking: Bool = false, holders: [Int]) {
            self.initial = initial
            self.semaphore = semaphore
            self.nonblocking = nonblocking
            self.holders = holders.sorted()
        }
    }

    /// One eventfd: its count, its flags and who holds it.
    public struct State: Hashable, Sendable {
        public internal(set) var count: UInt64
        public let semaphore: Bool
        public let nonblocking: Bool
        public internal(set) var holders: [Int]
    }

    public let setups: [(name: String, setup: Setup)]

    public init(counters: [(name: String, setup: Setup)]) {
        self.setups = counters
    }

    public var objects: [String] { setups.map(\.name) }

    func setup(of object: String) -> Setup {
        setups.first { $0.name == object }?.setup ?? Setup(holders: [])
    }

    public func initialState(of object: String) -> State {
        let setup = setup(of: object)
        return State(count: setup.initial, semaphore: setup.semaphore, nonblocking: setup.nonblocking, holders: setup.holders)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        guard let (result, next) = outcome(of: input, in: state) else {
            // Asleep: only an interruption, without effect, ends the call now.
            return output == .failed(.EINTR) ? [.completed(state)] : []
        }
        return output == nil || output == result ? [.completed(next)] : []
    }

    /// How `input` completes from `state`: every eventfd operation is one atomic step, so there is at most one
    /// outcome; nil when it cannot complete now (a blocking read of 0, a blocking write that would overflow).
    public func outcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .write(let process, let value, let size):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            guard size == 8, value != .max else { return (.failed(.EINVAL), state) }
            guard value <= Self.maximum - state.count else {
                return state.nonblocking ? (.failed(.EAGAIN), state) : nil
            }
            var next = state
            next.count += value
            return (.wrote(8), next)
        case .read(let process, let size):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            guard size >= 8 else { return (.failed(.EINVAL), state) }
            guard state.count > 0 else { return state.nonblocking ? (.failed(.EAGAIN), state) : nil }
            var next = state
            let taken = state.semaphore ? 1 : state.count
            next.count -= taken
            return (.read(taken), next)
        case .close(let process):
            guard let index = state.holders.firstIndex(of: process) else { return (.failed(.EBADF), state) }
            var next = state
            next.holders.remove(at: index)
            return (.closed, next)
        }
    }

    public func describe(_ state: State) -> String {
        "count \(state.count)\(state.semaphore ? " (semaphore)" : ""); holders \(state.holders)"
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .write(_, let value, let size): call = "write \(value)" + (size == 8 ? "" : " (\(size)-byte buffer)")
        case .read(_, let size): call = "read" + (size == 8 ? "" : " (\(size)-byte buffer)")
        case .close: call = "close"
        }
        let result: String
        switch output {
        case nil: result = "?"
        case .wrote?, .closed?: result = "ok"
        case .read(let value)?: result = "\(value)"
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }
}
