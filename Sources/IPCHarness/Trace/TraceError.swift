/// Why a trace could not be read or written: one line naming the file and line, as
/// `traces/x.jsonl:12: ok for process 2 without a preceding invoke`.
public struct TraceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String?
    /// The 1-based line the problem is on, when it is on one.
    public var line: Int?
    public var message: String

    public init(path: String? = nil, line: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = path ?? "trace"
        if let line { location += ":\(line)" }
        return "\(location): \(message)"
    }
}
