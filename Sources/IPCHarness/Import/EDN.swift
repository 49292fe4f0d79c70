/// Values of EDN (Clojure's data notation), the subset Jepsen writes in its histories: nil, booleans, integers,
/// strings, keywords, symbols, vectors, lists, sets and maps. Commas are whitespace, as in EDN.
public indirect enum EDNValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case string(String)
    /// `:invoke` (without the colon).
    case keyword(String)
    case symbol(String)
    case vector([EDNValue])
    case set([EDNValue])
    case map([(key: EDNValue, value: EDNValue)])

    public static func == (a: EDNValue, b: EDNValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.integer(let x), .integer(let y)): x == y
        case (.string(let x), .string(let y)), (.keyword(let x), .keyword(let y)), (.symbol(let x), .symbol(let y)): x == y
        case (.vector(let x), .vector(let y)), (.set(let x), .set(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .string(let value), .keyword(let value), .symbol(let value): hasher.combine(value)
        case .vector(let values), .set(let values): hasher.combine(values)
        case .map(let pairs): for pair in pairs { hasher.combine(pair.key); hasher.combine(pair.value) }
        }
    }

    /// The value under keyword `key` of a map.
    public subscript(keyword key: String) -> EDNValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == .keyword(key) }?.value
    }

    /// As Jepsen wrote it, for messages.
    public var text: String {
        switch self {
        case .null: "nil"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .string(let value): "\"" + Self.escaped(value) + "\""
        case .keyword(let name): ":" + name
        case .symbol(let name): name
        case .vector(let values): "[" + values.map(\.text).joined(separator: " ") + "]"
        case .set(let values): "#{" + values.map(\.text).joined(separator: " ") + "}"
        case .map(let pairs): "{" + pairs.map { $0.key.text + " " + $0.value.text }.joined(separator: ", ") + "}"
        }
    }

    /// A string's characters as EDN writes them: what the reader unescapes is escaped again.
    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result.append(character)
            }
        }
        return result
    }
}

/// Reads EDN values from text; errors name the column.
public struct EDNReader {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ text: Substring) {
        bytes = Array(text.utf8)
    }

    /// An EDN parse error: what was wrong, and the (1-based) column where it was found.
    public struct Failure: Error, Sendable {
        public var message: String
        public var column: Int
    }

    /// Whether only whitespace (and commas) remain.
    public mutating func atEnd() -> Bool {
        skipWhitespace()
        return position >= bytes.count
    }

    /// The next value.
    public mutating func read() throws(Failure) -> EDNValue {
        skipWhitespace()
        guard position < bytes.count else { throw failure("the line ends where a value was expected") }
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "{"):
            position += 1
            let elements = try readSequence(until: UInt8(ascii: "}"))
            guard elements.count % 2 == 0 else { throw failure("a map has a key without a value") }
            return .map(stride(from: 0, to: elements.count, by: 2).map { (elements[$0], elements[$0 + 1]) })
        case UInt8(ascii: "["):
            position += 1
            return .vector(try readSequence(until: UInt8(ascii: "]")))
        case UInt8(ascii: "("):
            position += 1
            return .vector(try readSequence(until: UInt8(ascii: ")")))
        case UInt8(ascii: "#"):
            guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "{") else {
                throw failure("'#' starts only a set, #{...}")
            }
            position += 2
            return .set(try readSequence(until: UInt8(ascii: "}")))
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: ":"):
            position += 1
            let name = readToken()
            guard !name.isEmpty else { throw failure("a keyword needs a name after ':'") }
            return .keyword(name)
        default:
            let start = position
            let token = readToken()
            guard !token.isEmpty else {
                throw failure("unexpected '\(String(decoding: [byte], as: UTF8.self))'")
            }
            switch token {
            case "nil": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                if let number = Int(token) { return .integer(number) }
                if let first = token.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || (48...57).contains(first) {
                    position = start
                    throw failure("'\(token)' is not an integer this reader takes")
                }
                return .symbol(token)
            }
        }
    }

    private mutating func readSequence(until closing: UInt8) throws(Failure) -> [EDNValue] {
        var values: [EDNValue] = []
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw failure("the line ends before '\(String(decoding: [closing], as: UTF8.self))'") }
            if bytes[position] == closing {
                position += 1
                return values
            }
            values.append(try read())
        }
    }

    private mutating func readString() throws(Failure) -> String {
        position += 1
        var result: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { break }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): result.append(10)
                case UInt8(ascii: "t"): result.append(9)
                case UInt8(ascii: "r"): result.append(13)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): result.append(escaped)
                default: throw failure("unknown escape '\\\(String(decoding: [escaped], as: UTF8.self))'")
                }
            default:
                result.append(byte)
            }
        }
        throw failure("the line ends inside a string")
    }

    /// A keyword's, symbol's or number's characters.
    private mutating func readToken() -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            let delimiter = byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || byte == 9 || byte == 10 || byte == 13
                || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "[")
                || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")")
                || byte == UInt8(ascii: "\"")
            if delimiter { break }
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count,
            [UInt8(ascii: " "), UInt8(ascii: ","), 9, 10, 13].contains(bytes[position])
        {
            position += 1
        }
    }

    private func failure(_ message: String) -> Failure { Failure(message: message, column: position + 1) }
}
