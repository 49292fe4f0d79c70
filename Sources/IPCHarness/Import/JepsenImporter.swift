import IPCModels

/// Converts a Jepsen history into a trace of format 1, checked against the model its operations name:
/// `cas-register` (`read`, `write`, `cas`: Jepsen's and Porcupine's etcd histories), `kv` (`get`, `put`, `append`
/// with a `:key`, each key its own object: Porcupine's key-value histories), or `set` (`add`, `read`).
///
/// Jepsen's meaning is kept:
/// - `:ok` completes the operation with its value;
/// - `:info` leaves it indeterminate (it may take effect any time after its invoke, or never), and Jepsen never
///   lets that process number invoke again;
/// - `:fail` means it did not take effect — it is left out of the trace — except a `cas`, whose `:fail` is the
///   compare that found another value (Porcupine's reading of etcd's histories): a cas completed with `{"ok": false}`;
/// - an invoke never completed by the end of the history is indeterminate.
///
/// Times are line numbers (the order Jepsen logged in); processes are Jepsen's numbers plus one (traces number
/// processes from 1). Anything the models cannot read — an unknown `f`, a value of the wrong shape, a completion
/// without its invoke — is an error naming the file and line.
public enum JepsenImporter {
    /// Which model a history is checked against.
    public enum Target: String, Sendable, CaseIterable {
        case casRegister = "cas-register"
        case keyValue = "kv"
        case set
    }

    public static func importTrace(path: String, target: Target? = nil) throws(TraceError) -> Trace {
        let (form, events) = try JepsenHistory.read(path: path)
        return try convert(events, form: form, path: path, target: target)
    }

    /// One operation as the trace will have it.
    private struct Operation {
        var process: Int
        var object: String
        var call: (f: String, value: JSONValue?)
        var invokeLine: Int
        enum End { case ok(line: Int, value: JSONValue?), info(line: Int), open, dropped }
        var end: End = .open
    }

    public static func convert(
        _ events: [JepsenEvent], form: JepsenHistory.Form, path: String?, target chosen: Target? = nil
    ) throws(TraceError) -> Trace {
        func failure(_ line: Int, _ message: String) -> TraceError { TraceError(path: path, line: line, message) }
        let target: Target
        if let chosen { target = chosen } else { target = try infer(events, path: path) }
        var operations: [Operation] = []
        var open: [Int: Int] = [:]  // process → position in operations
        var crashed: [Int: Int] = [:]  // process → line of its :info
        var objects: [String] = []
        for event in events {
            let process = event.process + 1
            switch event.type {
            case .invoke:
                if let line = crashed[event.process] {
                    throw failure(event.line, "process \(event.process) invokes again after its :info at line \(line) (Jepsen gives a crashed client a new process number)")
                }
                if let position = open[event.process] {
                    throw failure(event.line, "process \(event.process) invokes while its operation of line \(operations[position].invokeLine) is still open")
                }
                let (object, call) = try invocation(event, target: target, failure: failure)
                if !objects.contains(object) { objects.append(object) }
                open[event.process] = operations.count
                operations.append(Operation(process: process, object: object, call: call, invokeLine: event.line))
            case .ok, .fail, .info:
                guard let position = open.removeValue(forKey: event.process) else {
                    throw failure(event.line, "a :\(event.type.rawValue) of process \(event.process) without an open :invoke")
                }
                guard operations[position].call.f == event.f else {
                    throw failure(event.line, "a :\(event.type.rawValue) of :\(event.f) completes process \(event.process)'s :invoke of :\(operations[position].call.f) (line \(operations[position].invokeLine))")
                }
                switch event.type {
                case .ok:
                    operations[position].end = .ok(line: event.line, value: try result(event, target: target, failure: failure))
                case .fail where target == .casRegister && event.f == "cas":
                    operations[position].end = .ok(line: event.line, value: ["ok": false])
                case .fail:
                    operations[position].end = .dropped
                default:
                    operations[position].end = .info(line: event.line)
                    crashed[event.process] = event.line
                }
            }
        }
        return trace(operations, target: target, objects: objects, form: form, path: path)
    }

    /// The model a history's operations name.
    static func infer(_ events: [JepsenEvent], path: String?) throws(TraceError) -> Target {
        let names = Set(events.map(\.f))
        if events.contains(where: { $0.key != nil }) || !names.isDisjoint(with: ["get", "put", "append"]) {
            guard names.isSubset(of: ["get", "put", "append"]) else {
                throw TraceError(path: path, line: 1, "a key-value history has only :get, :put and :append, not \(names.sorted().map { ":" + $0 }.joined(separator: ", "))")
            }
            return .keyValue
        }
        if names.contains("add") {
            guard names.isSubset(of: ["add", "read"]) else {
                throw TraceError(path: path, line: 1, "a set history has only :add and :read, not \(names.sorted().map { ":" + $0 }.joined(separator: ", "))")
            }
            return .set
        }
        guard names.isSubset(of: ["read", "write", "cas"]) else {
            throw TraceError(path: path, line: 1, "cannot tell which model checks operations \(names.sorted().map { ":" + $0 }.joined(separator: ", ")) (known: a cas register's :read :write :cas, a key-value store's :get :put :append with :key, a set's :add :read)")
        }
        return .casRegister
    }

    private static func invocation(
        _ event: JepsenEvent, target: Target, failure: (Int, String) -> TraceError
    ) throws(TraceError) -> (object: String, call: (f: String, value: JSONValue?)) {
        switch (target, event.f) {
        case (.casRegister, "read"):
            return ("r", ("read", nil))
        case (.casRegister, "write"):
            guard case .integer(let value) = event.value else { throw failure(event.line, ":write needs an integer, not \(event.value.text)") }
            return ("r", ("write", ["value": .int(value)]))
        case (.casRegister, "cas"):
            guard case .vector(let pair) = event.value, pair.count == 2, case .integer(let old) = pair[0], case .integer(let new) = pair[1] else {
                throw failure(event.line, ":cas needs [old new], two integers, not \(event.value.text)")
            }
            return ("r", ("cas", ["old": .int(old), "new": .int(new)]))
        case (.keyValue, let f):
            guard let key = event.key else { throw failure(event.line, "a key-value operation needs a :key") }
            let object = key.stringValue
            if f == "get" { return (object, ("get", nil)) }
            guard case .string(let value) = event.value else { throw failure(event.line, ":\(f) needs a string :value, not \(event.value.text)") }
            return (object, (f, ["value": .string(value)]))
        case (.set, "add"):
            guard case .integer(let value) = event.value else { throw failure(event.line, ":add needs an integer, not \(event.value.text)") }
            return ("s", ("add", ["value": .int(value)]))
        case (.set, "read"):
            return ("s", ("read", nil))
        default:
            throw failure(event.line, "the \(target.rawValue) model has no :\(event.f)")
        }
    }

    private static func result(
        _ event: JepsenEvent, target: Target, failure: (Int, String) -> TraceError
    ) throws(TraceError) -> JSONValue? {
        switch (target, event.f) {
        case (.casRegister, "read"):
            switch event.value {
            case .null: return ["value": .null]
            case .integer(let value): return ["value": .int(value)]
            default: throw failure(event.line, "a :read returns an integer or nil, not \(event.value.text)")
            }
        case (.casRegister, "cas"):
            return ["ok": true]
        case (.keyValue, "get"):
            switch event.value {
            case .null: return ["value": ""]
            case .string(let value): return ["value": .string(value)]
            default: throw failure(event.line, "a :get returns a string, not \(event.value.text)")
            }
        case (.set, "read"):
            guard case .set(let elements) = event.value.asCollection else {
                throw failure(event.line, "a set :read returns a set or vector of integers, not \(event.value.text)")
            }
            var values: [Int] = []
            for element in elements {
                guard case .integer(let value) = element else {
                    throw failure(event.line, "a set :read returns integers, not \(element.text)")
                }
                values.append(value)
            }
            return ["values": .ints(values)]
        default:
            return nil
        }
    }

    private static func trace(
        _ operations: [Operation], target: Target, objects: [String], form: JepsenHistory.Form, path: String?
    ) -> Trace {
        let model: any TraceModel =
            switch target {
            case .casRegister: CASRegisterModel(registers: [("r", nil)])
            case .keyValue: KeyValueModel(keys: objects.sorted())
            case .set: SetModel(sets: ["s"])
            }
        struct Placed { var line: Int; var order: Int; var event: Trace.Event }
        var placed: [Placed] = []
        for operation in operations {
            switch operation.end {
            case .dropped: continue
            default: break
            }
            var invoke = Trace.Event(index: 0, time: 0, process: operation.process, type: .invoke)
            invoke.f = operation.call.f
            invoke.object = operation.object
            invoke.value = operation.call.value
            invoke.extra["line"] = .int(operation.invokeLine)
            placed.append(Placed(line: operation.invokeLine, order: 0, event: invoke))
            var completion = Trace.Event(index: 0, time: 0, process: operation.process, type: .ok)
            completion.f = operation.call.f
            completion.object = operation.object
            switch operation.end {
            case .ok(let line, let value):
                completion.value = value
                completion.extra["line"] = .int(line)
                placed.append(Placed(line: line, order: 1, event: completion))
            case .info(let line):
                completion.type = .info
                completion.extra["line"] = .int(line)
                placed.append(Placed(line: line, order: 1, event: completion))
            case .open, .dropped:
                break
            }
        }
        placed.sort { ($0.line, $0.order) < ($1.line, $1.order) }
        let events = placed.enumerated().map { index, item in
            var event = item.event
            event.index = index
            event.time = UInt64(item.line) * 1000
            return event
        }
        var header = Trace.Header(
            model: type(of: model).name, parameters: model.parameters, mechanism: "imported.\(form.rawValue)", seed: "0",
            strategy: "imported")
        // The history's own process numbers are the trace's minus 1 (a trace's processes count from 1).
        var source: JSONObject = ["format": .string(form.rawValue), "processOffset": 1]
        if let path { source["file"] = .string(String(path.split(separator: "/").last ?? Substring(path))) }
        header.extra["source"] = .object(source)
        return Trace(header: header, events: events)
    }
}

extension EDNValue {
    /// A key as an object name: a string's text, a number's digits, a keyword's name.
    var stringValue: String {
        switch self {
        case .string(let text), .keyword(let text), .symbol(let text): text
        case .integer(let value): String(value)
        default: text
        }
    }

    /// A vector or set read as a set of elements; nil for anything else.
    var asCollection: EDNValue? {
        switch self {
        case .vector(let values), .set(let values): .set(values)
        default: nil
        }
    }
}
