import IPCModels

/// How an explanation points at what the user has in hand. For a trace the harness recorded: its own lines (the
/// header is line 1, event *i* is line *i* + 2) and process numbers. For a history imported from elsewhere: the
/// lines of the file it came from (each event's `line`) and the names its processes had there — a strace log's
/// pids, a Jepsen history's own process numbers (the importer numbers them from 1) — so a user can find the
/// operation in the file they gave, not in a trace they never saw.
public struct TraceReferences: Sendable, Hashable {
    /// The file the source lines are lines of (its name, or "strace log", "history" when unnamed); nil for a trace
    /// the harness recorded.
    public var source: String?
    /// The source file's line of each event, by event index.
    public var sourceLines: [Int: Int] = [:]
    /// How each process is named, when not "process N".
    public var processNames: [Int: String] = [:]

    public init() {}

    /// The references a trace's header promises: its `source` (written by the importers) names the file, and for
    /// strace the pid of each process, for Jepsen the offset added to its process numbers.
    public init(header: Trace.Header) {
        guard case .object(let source)? = header.extra["source"], case .string(let format)? = source["format"] else { return }
        var file: String?
        if case .string(let name)? = source["file"] { file = name }
        switch format {
        case "strace":
            self.source = file ?? "strace log"
            if case .object(let processes)? = source["processes"] {
                for member in processes.members {
                    guard let process = Int(member.key), case .integer(let pid)? = member.value["pid"] else { continue }
                    processNames[process] = "process \(process) (pid \(pid))"
                }
            }
        default:
            self.source = file ?? "history"
            if case .integer(let offset)? = source["processOffset"] {
                // Named on demand: every process of the history is the importer's number minus the offset.
                processOffset = Int(offset)
            }
        }
    }

    /// Subtracted from a process number to give the source's (a Jepsen history's start at 0).
    public var processOffset: Int?

    /// Notes the source line an event came from, when it carries one (`"line"`).
    public mutating func note(_ event: Trace.Event) {
        guard source != nil, case .integer(let line)? = event.extra["line"] else { return }
        sourceLines[event.index] = Int(line)
    }

    public func process(_ process: Int) -> String {
        if let name = processNames[process] { return name }
        if let processOffset { return "process \(process - processOffset) of the history" }
        return "process \(process)"
    }

    /// `[lines 6–7]` of the trace, or `[run.strace line 40]` of the source.
    public func lines(invoke: Int?, completion: Int?) -> String {
        if let source, let invoke, let first = sourceLines[invoke] {
            if let completion, let last = sourceLines[completion], last != first {
                return "[\(source) lines \(first)–\(last)]"
            }
            return completion == nil ? "[\(source) line \(first), never completed]" : "[\(source) line \(first)]"
        }
        switch (invoke, completion) {
        case (let invoke?, let completion?): return "[lines \(invoke + 2)–\(completion + 2)]"
        case (let invoke?, nil): return "[line \(invoke + 2), never completed]"
        default: return "[derived from the process's exit]"
        }
    }
}
