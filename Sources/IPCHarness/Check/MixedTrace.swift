import IPCModels
import IPCSyscalls

/// A trace of several models at once, `"model": "mixed"`: what an importer of a whole program's calls writes (a
/// strace log touches pipes, sockets and message queues, each the business of its own model). The header's params
/// name the parts, each a model with that model's own params:
///
///     "params": {"parts": {"pipe": {"objects": {"p0": {...}}}, "posix-mq": {"objects": {"q0": {...}}}}}
///
/// Every object is declared by exactly one part. Each part is checked as a trace of its own — its header names the
/// part's model and params; its events are those on the part's objects and every event without an object (spawn,
/// exit, kill, schedule, fault), which concern the process whatever it holds — by the same checker as any trace,
/// and the reports are merged into one.
///
/// A part's trace keeps the mixed trace's numbering: an event on another part's object stands in it as a bare
/// `schedule` event of the same process, index and time, which no model and no invariant reads. So every index,
/// line and error a part's check reports is the mixed trace's own, and a process exit's effect is placed after the
/// previous event of the whole trace, as in any trace.
public enum MixedTrace {
    /// The header's `model` of a mixed trace.
    public static let modelName = "mixed"

    /// One model of a mixed trace, over its own objects.
    public struct Part: Sendable, Hashable {
        public var model: String
        public var parameters: JSONValue?
        public var objects: [String]
    }

    public static func isMixed(_ header: Trace.Header) -> Bool { header.model == modelName }

    /// The parts a mixed header declares, each checked to fit its model; every error names line 1.
    public static func parts(of header: Trace.Header, path: String?) throws(TraceError) -> [Part] {
        func failure(_ message: String) -> TraceError { TraceError(path: path, line: 1, message) }
        // No parts is allowed (an import that found nothing it could check says so in `notChecked`); checking
        // nothing is never ok (see `merged`).
        guard case .object(let parts)? = header.parameters?["parts"] else {
            throw failure("a mixed trace's params need 'parts', an object mapping model names to their params: {\"parts\": {\"pipe\": {...}, \"posix-mq\": {...}}}")
        }
        var owner: [String: String] = [:]
        var result: [Part] = []
        for member in parts {
            guard member.key != modelName else { throw failure("a part of a mixed trace cannot itself be mixed") }
            let model = try TraceChecker.model(for: partHeader(header, model: member.key, parameters: member.value), path: path)
            for object in model.objects {
                if let first = owner[object] {
                    throw failure("object '\(object)' is declared by two parts, \(first) and \(member.key); each object belongs to one model")
                }
                owner[object] = member.key
            }
            result.append(Part(model: member.key, parameters: member.value, objects: model.objects))
        }
        return result
    }

    /// The objects a header declares: its model's, or every part's of a mixed trace.
    public static func declaredObjects(_ header: Trace.Header, path: String?) throws(TraceError) -> [String] {
        guard isMixed(header) else { return try TraceChecker.model(for: header, path: path).objects }
        return try parts(of: header, path: path).flatMap(\.objects)
    }

    /// Each part's own trace (see the type's description). Besides what each part's check refuses, an event on an
    /// object no part declares, and a process that invokes on one part while its operation on another is still
    /// open, are refused here, naming the line.
    public static func split(_ trace: Trace, name: String) throws(TraceError) -> [(part: Part, trace: Trace)] {
        let parts = try parts(of: trace.header, path: name)
        var partOf: [String: Int] = [:]
        for (position, part) in parts.enumerated() { for object in part.objects { partOf[object] = position } }
        var events = Array(repeating: [Trace.Event](), count: parts.count)
        var open: [Int: (object: String, line: Int)] = [:]
        var indeterminate: [Int: (object: String, line: Int)] = [:]
        for event in trace.events {
            let line = event.index + 2
            guard let object = event.object else {
                for position in parts.indices { events[position].append(event) }
                continue
            }
            guard let owner = partOf[object] else {
                throw TraceError(path: name, line: line, "object '\(object)' is not declared by any part of the header's params (declared: \(parts.flatMap(\.objects).joined(separator: ", ")))")
            }
            if event.type == .invoke {
                if let previous = open[event.process], previous.object != object {
                    throw TraceError(path: name, line: line, "process \(event.process) invokes '\(event.f ?? "")' on \(object) while its operation on \(previous.object) invoked at line \(previous.line) has not completed")
                }
                if let info = indeterminate[event.process], info.object != object {
                    throw TraceError(path: name, line: line, "process \(event.process) invokes '\(event.f ?? "")' on \(object) after its operation on \(info.object) at line \(info.line) ended indeterminate; a process whose outcome is unknown must not invoke again")
                }
                open[event.process] = (object, line)
            } else if event.type.isOperationEvent, open[event.process]?.object == object {
                open[event.process] = nil
                if event.type == .info { indeterminate[event.process] = (object, line) }
            }
            for position in parts.indices {
                events[position].append(position == owner ? event : Trace.Event(index: event.index, time: event.time, process: event.process, type: .schedule))
            }
        }
        return parts.enumerated().map { position, part in
            var header = partHeader(trace.header, model: part.model, parameters: part.parameters)
            header.extra["notChecked"] = nil
            return (part, Trace(header: header, events: events[position]))
        }
    }

    /// Checks every part and merges the reports: objects in the parts' order; a violation if any part has one, else
    /// unknown if any part is undecided, else ok. The budget covers all the parts.
    public static func check(_ trace: Trace, name: String, budget: CheckBudget) throws(TraceError) -> CheckReport {
        let started = MonotonicClock.nanoseconds()
        var reports: [CheckReport] = []
        let split = try split(trace, name: name)
        for (_, part) in split {
            var remaining = budget
            remaining.seconds = Swift.max(0.001, budget.seconds - Double(MonotonicClock.nanoseconds() - started) / 1e9)
            reports.append(try TraceChecker.check(part, name: name, budget: remaining))
        }
        return merged(reports, models: split.map(\.part.model))
    }

    /// Reads every part the way `check` would, without deciding it.
    public static func validate(_ trace: Trace, name: String) throws(TraceError) {
        for (_, part) in try split(trace, name: name) { try TraceChecker.validate(part, name: name) }
    }

    /// The rest of `reader`'s trace (its header already read), checked.
    static func check(_ reader: TraceReader, budget: CheckBudget) throws(TraceError) -> CheckReport {
        try check(try rest(of: reader), name: reader.path, budget: budget)
    }

    static func validate(_ reader: TraceReader) throws(TraceError) {
        try validate(try rest(of: reader), name: reader.path)
    }

    private static func rest(of reader: TraceReader) throws(TraceError) -> Trace {
        var trace = Trace(header: reader.header)
        while let line = try reader.next() {
            if case .event(let event) = line { trace.events.append(event) }
        }
        return trace
    }

    private static func partHeader(_ header: Trace.Header, model: String, parameters: JSONValue?) -> Trace.Header {
        var part = header
        part.model = model
        part.parameters = parameters
        return part
    }

    static func merged(_ reports: [CheckReport], models: [String]) -> CheckReport {
        let result: Trace.Verdict.Result =
            reports.isEmpty ? .unknown
            : reports.contains { $0.result == .violation } ? .violation
            : reports.contains { $0.result == .unknown } ? .unknown : .ok
        var merged = CheckReport(model: "\(modelName) (\(models.joined(separator: ", ")))", result: result, objects: reports.flatMap(\.objects))
        // Events without an object reach every part: what they show is reported once. An invariant is one
        // conclusion: broken if any part found it broken.
        var invariants: [InvariantCheck] = []
        for check in reports.flatMap(\.invariants) {
            if let existing = invariants.firstIndex(where: { $0.name == check.name }) {
                if invariants[existing].finding == nil, check.finding != nil { invariants[existing] = check }
            } else {
                invariants.append(check)
            }
        }
        merged.invariants = invariants
        merged.hazards = unique(reports.flatMap(\.hazards))
        // A hang names the operation in the part it was on, and only the process in the others.
        let hangs = unique(reports.flatMap(\.hangs))
        merged.hangs = hangs.filter { hang in
            guard hang.contains("hung and was killed by the watchdog"), let line = hang.split(separator: "(").last else { return true }
            return !hangs.contains { $0 != hang && $0.hasSuffix("(" + line) }
        }
        return merged
    }

    private static func unique(_ texts: [String]) -> [String] {
        var seen = Set<String>()
        return texts.filter { seen.insert($0).inserted }
    }
}
