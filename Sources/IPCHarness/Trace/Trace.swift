import IPCModels

/// A recorded run: a header, Jepsen-style events, and optionally a verdict (trace format version 1, JSON Lines;
/// documented in traces/README.md).
public struct Trace: Sendable, Hashable {
    public var header: Header
    public var events: [Event]
    public var verdict: Verdict?

    public init(header: Header, events: [Event] = [], verdict: Verdict? = nil) {
        self.header = header
        self.events = events
        self.verdict = verdict
    }

    /// The only format version this harness reads and writes.
    public static let version = 1

    /// The trace's first line.
    public struct Header: Sendable, Hashable {
        public var version: Int = Trace.version
        /// The model the history is checked against ("pipe").
        public var model: String
        /// The model's parameters (objects, capacities, who holds what).
        public var parameters: JSONValue?
        /// What ran: "kernel.pipe", or an implementation under test such as "client.pipe-drops-tail".
        public var mechanism: String
        /// The run's seed, as a decimal string: every random choice of the run derives from it.
        public var seed: String
        /// The scheduling strategy, e.g. "random" or "pct:3".
        public var strategy: String
        /// The fault configuration of the run.
        public var faults: JSONValue?
        /// The version of the harness that wrote the trace.
        public var harness: String = HarnessVersion.current
        /// "real" (worker processes, the kernel does the IPC) or "sim" (in-process simulation).
        public var mode: String?
        /// The scenario that produced the trace, when one did.
        public var scenario: String?
        /// Fields this harness does not know, kept so that reading and writing a trace loses nothing.
        public var extra: JSONObject = JSONObject()

        public init(
            model: String, parameters: JSONValue? = nil, mechanism: String, seed: String, strategy: String,
            faults: JSONValue? = nil, mode: String? = nil, scenario: String? = nil
        ) {
            self.model = model
            self.parameters = parameters
            self.mechanism = mechanism
            self.seed = seed
            self.strategy = strategy
            self.faults = faults
            self.mode = mode
            self.scenario = scenario
        }
    }

    /// What an event records.
    public enum EventType: String, Sendable, Hashable, CaseIterable {
        /// A process starts an operation; `value` holds the arguments.
        case invoke
        /// The operation completed; `value` holds the results.
        case ok
        /// The operation failed with `error` (an errno name) and had no effect beyond what the model allows.
        case fail
        /// The operation's outcome is unknown: the process died or timed out inside it.
        case info
        /// The driver sent `signal` to the process at `point` (before, blocked, after an operation).
        case kill
        /// A fault (`fault`) was injected into system call `call`.
        case fault
        /// The scheduler chose `process` to take the next step (`value` lists the choices).
        case schedule
        /// A worker process started (`value` says with which objects).
        case spawn
        /// A process ended (`value` holds its status).
        case exit

        /// Invoke, ok, fail and info belong to operations; the others to processes and the driver.
        public var isOperationEvent: Bool {
            switch self {
            case .invoke, .ok, .fail, .info: true
            default: false
            }
        }
    }

    /// One event line.
    public struct Event: Sendable, Hashable {
        /// Position in the trace: 0, 1, 2, ... without gaps.
        public var index: Int
        /// Nanoseconds since the run started (real mode) or the step number (simulation). Never decreases.
        public var time: UInt64
        public var process: Int
        public var type: EventType
        /// The operation's name (invoke, ok, fail, info).
        public var f: String?
        /// The object the operation works on (invoke, ok, fail, info).
        public var object: String?
        /// Arguments (invoke), results (ok), or details (spawn, exit, schedule).
        public var value: JSONValue?
        /// The errno name of a failure (fail).
        public var error: String?
        /// The signal sent (kill).
        public var signal: String?
        /// When a kill landed: "before", "blocked" or "after" an operation.
        public var point: String?
        /// The injected fault (fault), e.g. "EINTR" or "short".
        public var fault: String?
        /// The system call a fault was injected into (fault).
        public var call: String?
        /// Fields this harness does not know, kept so that reading and writing a trace loses nothing.
        public var extra: JSONObject = JSONObject()

        public init(
            index: Int, time: UInt64, process: Int, type: EventType, f: String? = nil, object: String? = nil,
            value: JSONValue? = nil, error: String? = nil
        ) {
            self.index = index
            self.time = time
            self.process = process
            self.type = type
            self.f = f
            self.object = object
            self.value = value
            self.error = error
        }
    }

    /// The checker's conclusion, written as the trace's last line.
    public struct Verdict: Sendable, Hashable {
        public enum Result: String, Sendable, Hashable {
            /// The history is allowed by the model and every invariant held.
            case ok
            /// Something the model forbids happened.
            case violation
            /// The checker's budget ran out before it could decide.
            case unknown
        }

        public var result: Result
        public var model: String
        public var explanation: String
        public var extra: JSONObject = JSONObject()

        public init(result: Result, model: String, explanation: String) {
            self.result = result
            self.model = model
            self.explanation = explanation
        }
    }
}

extension Trace {
    /// The header field of a regression trace that says what checking or replaying it must give: "violation" while
    /// the bug it records exists (a broken twin's trace, always), "ok" once the bug is fixed.
    public static let expectationKey = "expect"

    /// The verdict this trace is expected to give, when it is a regression trace.
    public var expectation: Trace.Verdict.Result? {
        guard case .string(let text)? = header.extra[Self.expectationKey] else { return nil }
        return Trace.Verdict.Result(rawValue: text)
    }
}

/// The harness's own version, written into every trace header.
public enum HarnessVersion {
    public static let current = "0.1.0"
}
