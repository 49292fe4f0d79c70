import IPCModels

/// One event of a history as Jepsen records it: a client process, the event's type, the operation's `f`, for a
/// key-value workload its key, and its value (arguments on `:invoke`, results on `:ok`).
public struct JepsenEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case invoke, ok, fail, info
    }

    /// The line of the file it was read from (1-based).
    public var line: Int
    public var process: Int
    public var type: Kind
    public var f: String
    public var key: EDNValue?
    public var value: EDNValue
}

/// Reads Jepsen histories in the two forms they are published in, one event per line:
///
/// - log lines, as `jepsen.util` logs them: `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]` (process, type, f, value);
///   lines that are not `jepsen.util` history lines (other loggers, the nemesis's events) are skipped;
/// - EDN maps: `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`; the nemesis's events (a
///   `:process` that is not a number) are skipped.
///
/// Anything else that claims to be a history line is an error naming the file and line.
public enum JepsenHistory {
    public enum Form: String, Sendable, CaseIterable {
        case logLines = "jepsen-log"
        case ednMaps = "jepsen-edn"
    }

    public static func read(path: String) throws(TraceError) -> (form: Form, events: [JepsenEvent]) {
        try read(try ImportedFile.read(path), path: path)
    }

    public static func read(_ text: String, path: String?) throws(TraceError) -> (form: Form, events: [JepsenEvent]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let form: Form = lines.first { !$0.allSatisfy(\.isWhitespace) }?.drop { $0 == " " }.first == "{" ? .ednMaps : .logLines
        var events: [JepsenEvent] = []
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let event: JepsenEvent?
            switch form {
            case .logLines: event = try logLine(line, number: number, path: path)
            case .ednMaps: event = try ednLine(line, number: number, path: path)
            }
            if let event { events.append(event) }
        }
        guard !events.isEmpty else {
            throw TraceError(path: path, line: 1, "no Jepsen history events in the file (expected \(form == .logLines ? "'INFO  jepsen.util - P\\t:type\\t:f\\tvalue' lines" : "'{:process P, :type :t, :f :f, :value v}' lines"))")
        }
        return (form, events)
    }

    /// `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`; nil for a line of another logger or of the nemesis.
    static func logLine(_ line: Substring, number: Int, path: String?) throws(TraceError) -> JepsenEvent? {
        guard let marker = line.firstRange(of: "jepsen.util - ") else { return nil }
        let offset = line.distance(from: line.startIndex, to: marker.upperBound)
        var reader = EDNReader(line[marker.upperBound...])
        func failure(_ message: String) -> TraceError { TraceError(path: path, line: number, message) }
        func next() throws(TraceError) -> EDNValue {
            do {
                return try reader.read()
            } catch {
                throw failure("column \(error.column + offset): \(error.message)")
            }
        }
        let process = try next()
        guard case .integer(let id) = process else {
            if case .keyword = process { return nil }  // :nemesis and friends
            throw failure("a history line's process must be a number, not \(process.text)")
        }
        guard case .keyword(let typeName) = try next(), let type = JepsenEvent.Kind(rawValue: typeName) else {
            throw failure("a history line's type must be :invoke, :ok, :fail or :info")
        }
        guard case .keyword(let f) = try next() else { throw failure("a history line's f must be a keyword") }
        let value = reader.atEnd() ? EDNValue.null : try next()
        // Jepsen may log an error after the value (`:info :write 3 :timed-out`): the type says what matters.
        if !reader.atEnd() { _ = try next() }
        guard reader.atEnd() else { throw failure("unexpected text after the value") }
        return JepsenEvent(line: number, process: id, type: type, f: f, key: nil, value: value)
    }

    /// `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`; nil for the nemesis's events.
    static func ednLine(_ line: Substring, number: Int, path: String?) throws(TraceError) -> JepsenEvent? {
        func failure(_ message: String) -> TraceError { TraceError(path: path, line: number, message) }
        var reader = EDNReader(line)
        let map: EDNValue
        do throws(EDNReader.Failure) {
            map = try reader.read()
        } catch {
            throw failure("column \(error.column): \(error.message)")
        }
        guard reader.atEnd() else { throw failure("text after the map") }
        guard case .map = map else { throw failure("each line must be one EDN map, {:process …, :type …, :f …, :value …}") }
        guard let process = map[keyword: "process"] else { throw failure("the map has no :process") }
        guard case .integer(let id) = process else {
            if case .keyword = process { return nil }
            throw failure(":process must be a number, not \(process.text)")
        }
        guard case .keyword(let typeName)? = map[keyword: "type"], let type = JepsenEvent.Kind(rawValue: typeName) else {
            throw failure(":type must be :invoke, :ok, :fail or :info")
        }
        guard case .keyword(let f)? = map[keyword: "f"] else { throw failure(":f must be a keyword") }
        return JepsenEvent(
            line: number, process: id, type: type, f: f, key: map[keyword: "key"], value: map[keyword: "value"] ?? .null)
    }
}
