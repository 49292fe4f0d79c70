import IPCModels

// The mapping between trace lines and JSON, in both directions. Writing puts fields in the documented order;
// reading checks every field's type and range and names the offending field in its message.

extension Trace.Header {
    static let knownKeys: Set<String> = [
        "format", "version", "model", "params", "mechanism", "seed", "strategy", "faults", "harness", "mode", "scenario",
    ]

    public var json: JSONValue {
        var object: JSONObject = ["format": "ipc-trace", "version": .int(version), "model": .string(model)]
        if let parameters { object["params"] = parameters }
        object["mechanism"] = .string(mechanism)
        object["seed"] = .string(seed)
        object["strategy"] = .string(strategy)
        if let faults { object["faults"] = faults }
        object["harness"] = .string(harness)
        if let mode { object["mode"] = .string(mode) }
        if let scenario { object["scenario"] = .string(scenario) }
        for member in extra where object[member.key] == nil { object[member.key] = member.value }
        return .object(object)
    }

    /// Reads a header line. Errors say what is wrong, without the line number (the reader adds it).
    public init(json: JSONValue) throws(TraceError) {
        guard case .object(let object) = json else { throw TraceError("the header must be a JSON object") }
        guard case .string("ipc-trace")? = object["format"] else {
            throw TraceError("not an ipc-trace header (expected \"format\": \"ipc-trace\" on the first line)")
        }
        guard case .integer(let version)? = object["version"] else {
            throw TraceError("the header's field 'version' must be an integer")
        }
        guard version == Int64(Trace.version) else {
            throw TraceError("unsupported trace format version \(version) (this harness reads version \(Trace.version))")
        }
        self.init(
            model: try object.requiredString("model", in: "header"),
            parameters: object["params"],
            mechanism: try object.requiredString("mechanism", in: "header"),
            seed: try object.requiredString("seed", in: "header"),
            strategy: try object.requiredString("strategy", in: "header"),
            faults: object["faults"],
            mode: try object.optionalString("mode", in: "header"),
            scenario: try object.optionalString("scenario", in: "header")
        )
        harness = try object.optionalString("harness", in: "header") ?? "unknown"
        extra = object.filtered { !Self.knownKeys.contains($0) }
    }
}

extension Trace.Event {
    static let knownKeys: Set<String> = [
        "index", "time", "process", "type", "f", "object", "value", "error", "signal", "point", "fault", "call",
    ]

    public var json: JSONValue {
        var object: JSONObject = [
            "index": .int(index), "time": .integer(Int64(time)), "process": .int(process), "type": .string(type.rawValue),
        ]
        if let f { object["f"] = .string(f) }
        if let self_object = self.object { object["object"] = .string(self_object) }
        if let value { object["value"] = value }
        if let error { object["error"] = .string(error) }
        if let signal { object["signal"] = .string(signal) }
        if let point { object["point"] = .string(point) }
        if let fault { object["fault"] = .string(fault) }
        if let call { object["call"] = .string(call) }
        for member in extra where object[member.key] == nil { object[member.key] = member.value }
        return .object(object)
    }

    /// Reads an event line. Errors say what is wrong, without the line number (the reader adds it).
    public init(json: JSONValue) throws(TraceError) {
        guard case .object(let object) = json else { throw TraceError("an event must be a JSON object") }
        let index = try object.requiredInteger("index", in: Self.indexRange)
        let time = try object.requiredInteger("time", in: Self.timeRange)
        let process = try object.requiredInteger("process", in: Self.processRange)
        let typeName = try object.requiredString("type", in: "event")
        guard let type = Trace.EventType(rawValue: typeName) else {
            let known = Trace.EventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw TraceError("unknown event type \"\(typeName)\" (expected one of \(known), or verdict)")
        }
        self.init(index: Int(index), time: UInt64(time), process: Int(process), type: type)
        f = try object.optionalString("f", in: "event")
        self.object = try object.optionalString("object", in: "event")
        value = object["value"]
        error = try object.optionalString("error", in: "event")
        signal = try object.optionalString("signal", in: "event")
        point = try object.optionalString("point", in: "event")
        fault = try object.optionalString("fault", in: "event")
        call = try object.optionalString("call", in: "event")
        extra = object.filtered { !Self.knownKeys.contains($0) }
        try checkFieldsOfItsType()
    }

    static let indexRange: ClosedRange<Int64> = 0...Int64(Int32.max)
    static let timeRange: ClosedRange<Int64> = 0...Int64.max
    static let processRange: ClosedRange<Int64> = TraceRules.processRange

    /// The fields its type requires are there.
    func checkFieldsOfItsType() throws(TraceError) {
        if type.isOperationEvent {
            guard f != nil else { throw TraceError("a \(type.rawValue) event needs the field 'f' (the operation's name)") }
            guard object != nil else { throw TraceError("a \(type.rawValue) event needs the field 'object'") }
        }
        if type == .fail && error == nil {
            throw TraceError("a fail event needs the field 'error' (an errno name such as \"EAGAIN\")")
        }
    }

    /// This event as writing it to a trace and reading it back gives it, or the error reading would give: what
    /// checking a trace held in memory sees, without writing and parsing its text.
    func asReadBack() throws(TraceError) -> Trace.Event {
        func check(_ value: Int64, _ key: String, _ range: ClosedRange<Int64>) throws(TraceError) {
            guard range.contains(value) else {
                throw TraceError("the field '\(key)' is \(value), outside \(range.lowerBound)...\(range.upperBound)")
            }
        }
        try check(Int64(index), "index", Self.indexRange)
        try check(Int64(process), "process", Self.processRange)
        guard time <= UInt64(Int64.max) else { throw TraceError("the field 'time' is \(time), outside 0...\(Int64.max)") }
        try checkFieldsOfItsType()
        guard let value, let changed = try value.changedByReadingBack(depth: 1) else { return self }
        var event = self
        event.value = changed
        return event
    }
}

extension Trace.Verdict {
    public var json: JSONValue {
        var object: JSONObject = [
            "type": "verdict", "result": .string(result.rawValue), "model": .string(model),
            "explanation": .string(explanation),
        ]
        for member in extra where object[member.key] == nil { object[member.key] = member.value }
        return .object(object)
    }

    public init(json: JSONValue) throws(TraceError) {
        guard case .object(let object) = json else { throw TraceError("the verdict must be a JSON object") }
        let resultName = try object.requiredString("result", in: "verdict")
        guard let result = Result(rawValue: resultName) else {
            throw TraceError("the verdict's result must be \"ok\", \"violation\" or \"unknown\", not \"\(resultName)\"")
        }
        self.init(
            result: result, model: try object.requiredString("model", in: "verdict"),
            explanation: try object.optionalString("explanation", in: "verdict") ?? ""
        )
        extra = object.filtered { !["type", "result", "model", "explanation"].contains($0) }
    }
}

extension JSONValue {
    /// This value as writing and reading it gives it back (integral numbers below 10^15 become integers, others
    /// that are not finite null), or the reader's error for nesting deeper than it reads (`depth` levels in).
    func readBack(depth: Int) throws(TraceError) -> JSONValue {
        try changedByReadingBack(depth: depth) ?? self
    }

    /// What reading back changes, nil when nothing (most values hold no fractional numbers: not copied).
    func changedByReadingBack(depth: Int) throws(TraceError) -> JSONValue? {
        switch self {
        case .number(let number):
            guard number.isFinite else { return .null }
            return number == number.rounded() && abs(number) < 1e15 ? .integer(Int64(number)) : nil
        case .array(let elements):
            guard depth < JSONParser.maximumDepth else { throw Self.tooDeep }
            var copy: [JSONValue]?
            for (index, element) in elements.enumerated() {
                guard let changed = try element.changedByReadingBack(depth: depth + 1) else { continue }
                if copy == nil { copy = elements }
                copy![index] = changed
            }
            return copy.map { .array($0) }
        case .object(let object):
            guard depth < JSONParser.maximumDepth else { throw Self.tooDeep }
            var copy: JSONObject?
            for member in object {
                guard let changed = try member.value.changedByReadingBack(depth: depth + 1) else { continue }
                if copy == nil { copy = object }
                copy![member.key] = changed
            }
            return copy.map { .object($0) }
        default:
            return nil
        }
    }

    private static var tooDeep: TraceError { TraceError("invalid JSON: nesting deeper than \(JSONParser.maximumDepth) levels") }
}

extension JSONObject {
    fileprivate func requiredString(_ key: String, in what: String) throws(TraceError) -> String {
        guard let value = self[key] else { throw TraceError("the \(what) is missing the field '\(key)'") }
        guard case .string(let string) = value else {
            throw TraceError("the \(what)'s field '\(key)' must be a string, not \(value.typeName)")
        }
        return string
    }

    fileprivate func optionalString(_ key: String, in what: String) throws(TraceError) -> String? {
        guard let value = self[key], value != .null else { return nil }
        guard case .string(let string) = value else {
            throw TraceError("the \(what)'s field '\(key)' must be a string, not \(value.typeName)")
        }
        return string
    }

    fileprivate func requiredInteger(_ key: String, in range: ClosedRange<Int64>) throws(TraceError) -> Int64 {
        guard let value = self[key] else { throw TraceError("the event is missing the field '\(key)'") }
        switch value {
        case .integer(let integer) where range.contains(integer):
            return integer
        case .integer(let integer):
            throw TraceError("the field '\(key)' is \(integer), outside \(range.lowerBound)...\(range.upperBound)")
        case .number(let number):
            throw TraceError("the field '\(key)' must be an integer within \(range.lowerBound)...\(range.upperBound), not \(number)")
        default:
            throw TraceError("the field '\(key)' must be an integer, not \(value.typeName)")
        }
    }

    fileprivate func filtered(_ keep: (String) -> Bool) -> JSONObject {
        JSONObject(members.filter { keep($0.key) }.map { ($0.key, $0.value) })
    }
}

// Codable conformances go through the same JSON mapping, so Foundation's coders (or any other) read and write
// exactly the documented form. The harness itself uses ``TraceReader`` and ``TraceWriter``, which are faster.

extension JSONValue: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: Key.self) {
            var object = JSONObject()
            for key in container.allKeys { object[key.stringValue] = try container.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else if var container = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !container.isAtEnd { elements.append(try container.decode(JSONValue.self)) }
            self = .array(elements)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let integer = try? container.decode(Int64.self) {
                self = .integer(integer)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let object):
            var container = encoder.container(keyedBy: Key.self)
            for member in object { try container.encode(member.value, forKey: Key(stringValue: member.key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let bool):
            var container = encoder.singleValueContainer()
            try container.encode(bool)
        case .integer(let integer):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        }
    }
}

/// Decoding through ``JSONValue`` and the typed mapping above.
private func decodeThroughJSON<T>(_ decoder: any Decoder, _ make: (JSONValue) throws(TraceError) -> T) throws -> T {
    let json = try JSONValue(from: decoder)
    do {
        return try make(json)
    } catch {
        throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.message))
    }
}

extension Trace.Header: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeThroughJSON(decoder) { (json) throws(TraceError) in try Self(json: json) } }
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

extension Trace.Event: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeThroughJSON(decoder) { (json) throws(TraceError) in try Self(json: json) } }
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

extension Trace.Verdict: Codable {
    public init(from decoder: any Decoder) throws { self = try decodeThroughJSON(decoder) { (json) throws(TraceError) in try Self(json: json) } }
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}
