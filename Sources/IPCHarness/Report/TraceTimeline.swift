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
        // Each process's operations not completed yet, oldest first: two threads of a process may each have one
        // outstanding (the signal model's named threads), and a completion then names its thread.
        var open: [Int: [Int]] = [:]
        var marks: [Mark] = []
        var processes = Set<Int>()
        for event in trace.events {
            processes.insert(event.process)
            switch event.type {
            case .invoke:
                open[event.process, default: []].append(operations.count)
                operations.append(Operation(
                    process: event.process, f: event.f ?? "", object: event.object ?? "", arguments: event.value,
                    invokeIndex: event.index, completionIndex: nil, outcome: nil, results: nil, error: nil,
                    endIndex: trace.events.count))
            case .ok, .fail, .info:
                guard let slot = Self.completed(by: event, among: open[event.process] ?? [], operations) else { continue }
                let position = open[event.process]!.remove(at: slot)
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
                if event.type == .info { open[event.process, default: []].append(position) }
            case .exit:
                for position in open.removeValue(forKey: event.process) ?? [] { operations[position].endIndex = event.index }
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

extension TraceTimeline {
    /// Which of a process's outstanding operations (`open`, positions in `operations`, oldest first) `completion` ends:
    /// the only one; else the one of the thread the completion names (`"thread"` beside `"type"`: an operation made in
    /// a named thread carries it in its value, the main thread's does not) and of its `f`; else the oldest of its `f`.
    /// The checker has already refused a trace where this is ambiguous; the timeline only draws it.
    static func completed(by completion: Trace.Event, among open: [Int], _ operations: [Operation]) -> Int? {
        guard open.count > 1 else { return open.isEmpty ? nil : 0 }
        let sameCall = open.indices.filter { operations[open[$0]].f == completion.f }
        if case .string(let thread)? = completion.extra["thread"] {
            let named: String? = thread == "main" ? nil : thread
            if let match = sameCall.first(where: { index in
                guard case .string(let own)? = operations[open[index]].arguments?["thread"] else { return named == nil }
                return own == named
            }) {
                return match
            }
        }
        return sameCall.first ?? open.indices.last
    }
}
