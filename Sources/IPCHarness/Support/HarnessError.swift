/// A failure of the harness itself or of its setup (not a finding about the system under test).
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    /// What in a run's input the failure is about, when it is about the input (a replayed trace's header or one of its
    /// operations) rather than the harness: `replay` and `shrink` then name the trace's file and line.
    public enum Input: Sendable, Hashable {
        /// The workload (objects, who holds what) could not be set up.
        case setup
        /// The worker of this process refused its operation.
        case operation(process: Int)
    }

    public var message: String
    public var input: Input?
    public init(_ message: String, input: Input? = nil) {
        self.message = message
        self.input = input
    }
    public var description: String { message }
}
