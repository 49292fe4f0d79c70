/// Readiness of a pipe's ends as `poll` and `select` report it: `pipe_poll` of this kernel, measured in
/// `KernelPipeFactsTests` (and, for a FIFO's read end, `KernelFIFOFactsTests`).
///
/// - The read end is readable (`POLLIN | POLLRDNORM`) while bytes are buffered, and hung up (`POLLHUP`) while no
///   writer holds the pipe, with or without bytes left.
/// - The write end is writable (`POLLOUT | POLLWRNORM`) while a page slot is free — not while `PIPE_BUF` bytes fit: a
///   pipe whose every slot holds a page is not writable even when the last page has room for a merge — and in error
///   (`POLLERR`) while no reader holds the pipe. Packet mode (`O_DIRECT`) changes nothing here.
/// - `POLLHUP` and `POLLERR` are reported whether asked for or not; the other bits only when asked. A descriptor the
///   process does not hold is `POLLNVAL` for `poll` and `EBADF` for `select`.
/// - A call that finds nothing to report returns 0 at once with a zero timeout, sleeps with a negative one until
///   something is ready, and with a positive one may do either (the model keeps no time: a timed poll may return 0
///   whenever nothing is ready). A signal interrupts a call that finds nothing ready (`EINTR`, no effect) — with a
///   zero timeout too, when the signal arrives during the call; a call that finds something ready returns it.
extension PipeModel {
    /// `poll`'s event bits, with Linux's values (`<poll.h>`, `<asm-generic/poll.h>`).
    public struct PollEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let input = PollEvents(rawValue: 0x001)
        public static let priority = PollEvents(rawValue: 0x002)
        public static let output = PollEvents(rawValue: 0x004)
        public static let error = PollEvents(rawValue: 0x008)
        public static let hangUp = PollEvents(rawValue: 0x010)
        public static let invalid = PollEvents(rawValue: 0x020)
        public static let readNormal = PollEvents(rawValue: 0x040)
        public static let readBand = PollEvents(rawValue: 0x080)
        public static let writeNormal = PollEvents(rawValue: 0x100)
        public static let writeBand = PollEvents(rawValue: 0x200)

        /// The names in a trace, in bit order.
        public static let names: [(name: String, event: PollEvents)] = [
            ("POLLIN", .input), ("POLLPRI", .priority), ("POLLOUT", .output), ("POLLERR", .error), ("POLLHUP", .hangUp),
            ("POLLNVAL", .invalid), ("POLLRDNORM", .readNormal), ("POLLRDBAND", .readBand), ("POLLWRNORM", .writeNormal),
            ("POLLWRBAND", .writeBand),
        ]

        /// Reported whether asked for or not.
        static let unconditional: PollEvents = [.error, .hangUp, .invalid]

        public var names: [String] { Self.names.filter { contains($0.event) }.map(\.name) }

        public var description: String { isEmpty ? "0" : names.joined(separator: "|") }
    }

    /// A readiness call on one descriptor: `poll` asking for `events`, or `select` with the descriptor in the read
    /// and/or write set (its exception set is never ready on a pipe). `timeout` in milliseconds; negative: forever.
    public enum ReadinessCall: Hashable, Sendable, CustomStringConvertible {
        case poll(events: PollEvents, timeout: Int)
        case select(read: Bool, write: Bool, timeout: Int)

        public var timeout: Int {
            switch self {
            case .poll(_, let timeout), .select(_, _, let timeout): timeout
            }
        }

        /// The C function's name, which is also the operation's `f`.
        public var name: String {
            switch self {
            case .poll: "poll"
            case .select: "select"
            }
        }

        public var description: String {
            switch self {
            case .poll(let events, let timeout): "poll(\(events), timeout \(timeout))"
            case .select(let read, let write, let timeout):
                "select(\([read ? "read" : nil, write ? "write" : nil].compactMap { $0 }.joined(separator: "+")), timeout \(timeout))"
            }
        }

        /// What the call returns when the descriptor's readiness is `mask` (nil: the process does not hold it).
        func result(for mask: PollEvents?) -> Output {
            switch self {
            case .poll(let events, _):
                guard let mask else { return .ready(.invalid) }
                return .ready(mask.intersection(events.union(PollEvents.unconditional)))
            case .select(let read, let write, _):
                guard let mask else { return .failed(.EBADF) }
                // POLLIN_SET and POLLOUT_SET of fs/select.c.
                return .selected(
                    readable: read && !mask.isDisjoint(with: [.input, .readNormal, .readBand, .hangUp, .error]),
                    writable: write && !mask.isDisjoint(with: [.output, .writeNormal, .writeBand, .error]))
            }
        }
    }

    /// `pipe_poll`'s mask for `process`'s descriptor of `end`; nil when it holds none. `hangUpSuppressed`: a FIFO's
    /// read end opened nonblocking with no writer sees no `POLLHUP` until a writer opens (see ``FIFOModel``).
    public func readiness(of process: Int, _ end: End, in state: State, hangUpSuppressed: Bool = false) -> PollEvents? {
        switch end {
        case .read:
            guard state.readers.contains(process) else { return nil }
            var mask: PollEvents = []
            if state.bufferedCount > 0 { mask.formUnion([.input, .readNormal]) }
            if state.writers.isEmpty && !hangUpSuppressed { mask.insert(.hangUp) }
            return mask
        case .write:
            guard state.writers.contains(process) else { return nil }
            var mask: PollEvents = []
            if state.pages.count < state.slots { mask.formUnion([.output, .writeNormal]) }
            if state.readers.isEmpty { mask.insert(.error) }
            return mask
        }
    }

    /// The completions of a readiness call that finds `mask`: at once when something is ready or the timeout is
    /// not infinite, none (asleep) otherwise.
    func readinessTransitions(_ state: State, call: ReadinessCall, mask: PollEvents?) -> [(output: Output?, step: Step<State>)] {
        let result = call.result(for: mask)
        if Self.nothingReady(result) && call.timeout < 0 { return [] }
        return [(result, .completed(state))]
    }

    /// Whether a readiness call's result reports nothing: what a timeout returns, and when a signal may interrupt.
    static func nothingReady(_ output: Output) -> Bool {
        switch output {
        case .ready(let events): events.isEmpty
        case .selected(let readable, let writable): !readable && !writable
        default: false
        }
    }

    /// Whether a signal may interrupt `call` (`EINTR`): only while it finds nothing ready.
    func readinessMayBeInterrupted(_ state: State, call: ReadinessCall, mask: PollEvents?) -> Bool {
        Self.nothingReady(call.result(for: mask))
    }
}
