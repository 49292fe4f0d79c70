/// An executable specification of what a mechanism may be observed to do, in the shape of porcupine's models:
/// a pure `step` from a state, an operation's input and its output to the states that may follow.
///
/// A model is plain data: it does no I/O and knows nothing of the kernel, schedules or files.
///
/// - Nondeterminism (a short write, a read that merges two writes) is several next states.
/// - An unknown output (`nil`: the process died or timed out mid-operation, or a checker is asking "whatever it
///   returned") allows every output the model permits.
/// - An operation that takes effect in several atomic pieces (a blocking pipe write larger than `PIPE_BUF`,
///   which the kernel copies page run by page run while readers drain the pipe) returns ``Step/partial(_:)``
///   states: the checker keeps the operation pending and steps it again later, before its completion.
public protocol Model: Sendable {
    associatedtype State: Hashable & Sendable
    associatedtype Input: Hashable & Sendable
    associatedtype Output: Hashable & Sendable

    /// The state of `object` before any operation.
    func initialState(of object: String) -> State

    /// The states that may follow `state` when `input` takes effect (or takes one more piece of effect) with
    /// `output`. Empty when the operation cannot take effect now with that output.
    func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>]

    /// The operation in words, for reports: `write "hello" (5 bytes) → wrote 5`.
    func describe(_ input: Input, _ output: Output?) -> String

    /// The state in words, for reports.
    func describe(_ state: State) -> String

    /// The state after an indeterminate operation stops taking effect part-way (its process died inside it):
    /// the pieces already taken stay, any record of the operation being in progress goes.
    func abandon(_ state: State, _ input: Input) -> State

    /// About how many bytes `state` occupies, for the checker's memory budget.
    func estimatedSize(of state: State) -> Int
}

extension Model {
    public func estimatedSize(of state: State) -> Int { MemoryLayout<State>.stride }
    public func abandon(_ state: State, _ input: Input) -> State { state }
}

/// One way an operation may take effect.
public enum Step<State: Hashable & Sendable>: Hashable, Sendable {
    /// The operation is over; this is the state after it.
    case completed(State)
    /// The operation took one piece of effect and continues; this state records its progress.
    case partial(State)

    public var state: State {
        switch self {
        case .completed(let state), .partial(let state): state
        }
    }
}

/// An operation as it is recorded in a trace: who called what, on which object, with which arguments.
public struct Call: Hashable, Sendable {
    public var process: Int
    public var object: String
    /// The operation's name, e.g. "write".
    public var f: String
    /// The arguments, as recorded in the invoke event's `value`.
    public var value: JSONValue?

    public init(process: Int, object: String, f: String, value: JSONValue? = nil) {
        self.process = process
        self.object = object
        self.f = f
        self.value = value
    }
}

/// How an operation ended, as recorded in a trace's completion event.
public enum Outcome: Hashable, Sendable {
    /// Completed; the results, as recorded in the ok event's `value`.
    case ok(JSONValue?)
    /// Failed with an errno.
    case fail(ErrorCode)
}

/// A model that reads and writes its operations in trace form, so histories can be checked from trace files.
///
/// Every model documents its `f` names and `value` fields in traces/README.md.
public protocol TraceModel: Model {
    /// The name in trace headers (`"model": "pipe"`).
    static var name: String { get }

    /// A model configured by the trace header's `params` (which objects exist, who holds them, capacities).
    init(parameters: JSONValue?) throws(ModelError)

    /// The parameters that configure this model, as written into trace headers.
    var parameters: JSONValue { get }

    /// The objects this model has state for. Histories are checked one object at a time (P-compositionality).
    var objects: [String] { get }

    /// The typed input of a recorded call.
    func input(from call: Call) throws(ModelError) -> Input

    /// The typed output of a recorded completion of `input`.
    func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output

    /// The recorded form of `input`: its `f` and `value`.
    func call(for input: Input) -> (f: String, value: JSONValue?)

    /// The recorded form of `output`.
    func outcome(for output: Output) -> Outcome

    /// The `f` of `input`'s recorded form: what ``call(for:)`` gives as `f`, without building its `value` (the
    /// checker asks once per completion).
    func operationName(of input: Input) -> String

    /// What the death of `process` does to `object` (its descriptors close, its undo adjustments apply), as
    /// an input the checker steps between the process's last event and its reaping. Nil when nothing.
    func exitInput(process: Int, object: String) -> Input?

    /// ``exitInput(process:object:)`` given what the trace's `exit` event says of the ending (`{"code": N}`,
    /// `{"signal": NAME}`, `{"status": …}`), for a model that judges it (the signal model: a receiver its fatal
    /// default action killed ends with that signal). The default ignores it.
    func exitInput(process: Int, object: String, ending: JSONValue?) -> Input?

    /// The call the kernel actually received when a fault plan cut `input`'s system call down to `count` bytes
    /// (a shorter write, a smaller read buffer); nil when the operation is not one system call (a client's loop,
    /// which must make up the difference itself, so its input stands).
    ///
    /// `requested` is the byte count the cut call asked for, when the trace says: a call for another count was not
    /// the operation's own call of its data (a client flushing something else first), and then the input stands.
    func shortened(_ input: Input, to count: Int, requested: Int?) -> Input?

    /// Whether a process's death by `signal` ("SIGSEGV") during `input` is something the mechanism itself can do to
    /// a correct caller (glibc's robust-mutex unlock after `ENOTRECOVERABLE`), which the model then judges; otherwise
    /// a death by a crash signal that no kill explains is a crash of the code under test.
    func mayKillItsCaller(_ input: Input, with signal: String) -> Bool

    /// ``mayKillItsCaller(_:with:)`` knowing the process's `earlier` inputs on the object, in order (a death the
    /// mechanism can cause only after some set-up: a signal model's handler on a small alternate stack).
    func mayKillItsCaller(_ input: Input, with signal: String, after earlier: [Input]) -> Bool

    /// What it shows that `process` was asleep inside `input` when it was killed there (`"point": "blocked"`) by a
    /// driver that lets every worker reply or fall asleep before it acts (real mode): an input the checker steps
    /// at the kill, whose transitions are the states in which such a sleeper can be — nil when sleeping shows
    /// nothing (the default). The operation itself then took no effect: it is left out of the history.
    func sleeperObservation(_ input: Input, process: Int) -> Input?

    /// What a signal the harness sends `process` (a `"fault": "signal"` event: its `SIGUSR1`, to interrupt a sleeping
    /// call) does to `object` besides interrupting, as an input the checker steps at that moment; nil (the default)
    /// when nothing (a signal model whose signalfds hear every signal made pending has news from it).
    func signalFaultInput(process: Int, object: String) -> Input?

    /// The thread of its process that makes `input`, when the model lets a trace name a process's threads (the
    /// signal model's `"thread": "t2"`): nil (the default) for the process's one thread. Each thread has at most one
    /// call outstanding, so two threads' calls may overlap in one process (traces/README.md, "Malformed traces").
    func callingThread(of input: Input) -> String?
}

extension TraceModel {
    public func exitInput(process: Int, object: String, ending: JSONValue?) -> Input? {
        exitInput(process: process, object: object)
    }

    public func sleeperObservation(_ input: Input, process: Int) -> Input? { nil }
    public func signalFaultInput(process: Int, object: String) -> Input? { nil }
    public func callingThread(of input: Input) -> String? { nil }
    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? { nil }
    public func mayKillItsCaller(_ input: Input, with signal: String) -> Bool { false }
    public func mayKillItsCaller(_ input: Input, with signal: String, after earlier: [Input]) -> Bool {
        mayKillItsCaller(input, with: signal)
    }
    public func operationName(of input: Input) -> String { call(for: input).f }
}

/// A call or completion that does not fit a model: the message says which field and why.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Step {
    /// The completing steps of those `candidates` (output, next state) whose output is the recorded `output`, or
    /// all of them when it is unknown: how a model with atomic operations answers ``Model/step(_:_:_:)``.
    public static func completions<Output: Equatable>(_ candidates: [(Output, State)], matching output: Output?) -> [Step<State>] {
        candidates.compactMap { output == nil || output == $0.0 ? .completed($0.1) : nil }
    }
}
