/// A command a binding cannot carry out at all (a harness bug, a malformed replay, a setup that went wrong), as
/// opposed to an errno: the worker reports it and the run stops with an error, never a verdict.
public struct BindingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
