/// A failure of the harness itself or of its setup (not a finding about the system under test).
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
