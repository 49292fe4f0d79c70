import IPCModels

/// A trace laid out for drawing: processes as lanes, each operation from its invoke to its completion, and the
/// process events (spawn, kill, fault, exit) as marks. Model-agnostic: it reads events, not typed operations.
struct TraceTimeline {
    struct Operation {
        var process: Int
        var f: String
        var object: String
        var arguments: JSONValue?
        var invokeIndex: Int
        /// The completion event's index; nil while it never completed.
        var completionIndex: Int?
        /// ok, fail, info, or nil when the trace ends first.
        var outcome: Trace.EventType?
        var results: JSONValue?
        var error: String?
        /// Where the bar ends: the completion, or for an operation that never completed its process's exit (or
        /// the end of the trace).
        var endIndex: Int
    }

    struct Mark {
        var process: Int
        var index: Int
        var type: Trace.EventType
        var label: String
    }

    var processes: [Int]
    var operations: [Operation]
    var marks: [Mark]
    var eventCount: Int
    /// The events drawn (see ``cut(around:)``): all of them unless the trace is long.
    var firstIndex = 0
    var shownCount: Int

    init(_ trace: Trace) {
        var operations: [Operation] = []
        var open: [Int: Int] = [:]
        var marks: [Mark] = []
        var processes = Set<Int>()
        for event in trace.events {
            processes.insert(event.process)
            switch event.type {
            case .invoke:
                open[event.process] = operations.count
                operations.append(Operation(
                    process: event.process, f: event.f ?? "", object: event.object ?? "", arguments: event.value,
                    invokeIndex: event.index, completionIndex: nil, outcome: nil, results: nil, error: nil,
                    endIndex: trace.events.count))
            case .ok, .fail, .info:
                guard let position = open.removeValue(forKey: event.process) else { continue }
                operations[position].outcome = event.type
                operations[position].results = event.value
                operations[position].error = event.error
                if event.type == .info {
                    // Indeterminate: it may have taken effect until the process is gone.
                    operations[position].completionIndex = nil
                } else {
                    operations[position].completionIndex = event.index
                    operations[position].endIndex = event.index
                }
                if event.type == .info { open[event.process] = position }
            case .exit:
                if let position = open.removeValue(forKey: event.process) { operations[position].endIndex = event.index }
                marks.append(Mark(process: event.process, index: event.index, type: .exit, label: "exit \(event.value.map { "\($0)" } ?? "")"))
            case .kill:
                marks.append(Mark(process: event.process, index: event.index, type: .kill, label: "\(event.signal ?? "kill") (\(event.point ?? "?"))"))
            case .fault:
                marks.append(Mark(process: event.process, index: event.index, type: .fault, label: "fault \(event.fault ?? "?") in \(event.call ?? "?")"))
            case .spawn:
                marks.append(Mark(process: event.process, index: event.index, type: .spawn, label: "spawn \(event.value.map { "\($0)" } ?? "")"))
            case .schedule:
                break
            }
        }
        self.processes = processes.sorted()
        self.operations = operations
        self.marks = marks
        self.eventCount = trace.events.count
        self.shownCount = trace.events.count
    }
}
