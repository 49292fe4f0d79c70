/// One argument or result as strace prints it: `3<pipe:[12]>`, `"\x68\x69"`, `[4, 5]`, `{mtype=5, mtext="…"}`,
/// `0x800|O_CLOEXEC`, `NULL`, `makedev(0x1, 0x3)`, `[16 => 12]`.
///
/// The importer reads only the arguments of the calls it models, so the grammar is strace's general one rather than
/// each call's: what it cannot name precisely stays an ``atom`` with its text.
indirect enum StraceValue: Sendable, Equatable {
    /// A descriptor with the file `-yy` shows for it (the annotation's text, unescaped).
    case descriptor(Int, annotation: String)
    /// A string's bytes; `truncated` when strace cut it (`"…"...`: the `-s` limit was too small).
    case string([UInt8], truncated: Bool)
    case array([StraceValue])
    /// A structure's fields in order; a field without a name (`{5, "x"}`) has key nil.
    case structure([(key: String?, value: StraceValue)])
    /// `name(arguments)`: strace's way of printing macros such as `makedev` or `htons`.
    case call(String, [StraceValue])
    /// `in => out`: a value the kernel changed (strace shows both).
    case changed(StraceValue, StraceValue)
    /// Anything else: numbers, flag sets, `NULL`, names, `...`.
    case atom(String)

    static func == (lhs: StraceValue, rhs: StraceValue) -> Bool {
        switch (lhs, rhs) {
        case (.descriptor(let a, let x), .descriptor(let b, let y)): a == b && x == y
        case (.string(let a, let x), .string(let b, let y)): a == b && x == y
        case (.array(let a), .array(let b)): a == b
        case (.structure(let a), .structure(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.call(let a, let x), .call(let b, let y)): a == b && x == y
        case (.changed(let a, let x), .changed(let b, let y)): a == b && x == y
        case (.atom(let a), .atom(let b)): a == b
        default: false
        }
    }

    /// The descriptor number, for a descriptor or a plain number.
    var descriptor: Int? {
        switch self {
        case .descriptor(let number, _): number
        case .atom: integer.map(Int.init)
        case .changed(_, let out): out.descriptor
        default: nil
        }
    }

    /// The value as an integer, with strace's flag sets (`0x800|O_CLOEXEC|17`) added up from ``StraceConstants``.
    var integer: Int64? {
        switch self {
        case .atom(let text): StraceConstants.value(of: text)
        case .descriptor(let number, _): Int64(number)
        case .changed(_, let out): out.integer
        case .array(let values) where values.count == 1: values[0].integer
        default: nil
        }
    }

    var bytes: [UInt8]? {
        if case .string(let bytes, _) = self { return bytes }
        return nil
    }

    var isNull: Bool {
        if case .atom(let text) = self { return text == "NULL" }
        return false
    }

    /// A structure's field by name.
    subscript(field: String) -> StraceValue? {
        guard case .structure(let fields) = self else { return nil }
        return fields.first { $0.key == field }?.value
    }

    /// Every descriptor anywhere inside the value.
    var descriptors: [(number: Int, annotation: String)] {
        switch self {
        case .descriptor(let number, let annotation): [(number, annotation)]
        case .array(let values), .call(_, let values): values.flatMap(\.descriptors)
        case .structure(let fields): fields.flatMap(\.value.descriptors)
        case .changed(let a, let b): a.descriptors + b.descriptors
        case .string, .atom: []
        }
    }
}

/// Reads strace's printed values from the bytes of one line.
struct StraceValueReader {
    struct Failure: Error { var message: String }

    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], from position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// The comma-separated values up to the end of the text (argument lists are read from between the parentheses).
    /// An argument strace names (`flags=0x11`, as clone's are) is a one-field structure.
    static func values(_ text: Substring) throws(Failure) -> [StraceValue] {
        var reader = StraceValueReader(Array(text.utf8))
        var values: [StraceValue] = []
        reader.skipSpace()
        while !reader.atEnd {
            if let key = reader.argumentName() {
                values.append(.structure([(key, try reader.value())]))
            } else {
                values.append(try reader.value())
            }
            reader.skipSpace()
            if reader.atEnd { break }
            guard reader.peek == UInt8(ascii: ",") else { throw Failure(message: "expected ',' between arguments at \"\(reader.rest)\"") }
            reader.position += 1
            reader.skipSpace()
        }
        return values
    }

    /// `name=` before an argument (not `=>`), consumed; nil (and nothing consumed) otherwise.
    mutating func argumentName() -> String? {
        let start = position
        while let byte = peek, byte.isIdentifier { position += 1 }
        if position > start, peek == UInt8(ascii: "="), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: ">"),
            !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[start])
        {
            let name = String(decoding: bytes[start..<position], as: UTF8.self)
            position += 1
            return name
        }
        position = start
        return nil
    }

    /// The arguments strace printed before a call went into the kernel (`read(3<pipe:[5]>, ` of a call that never
    /// came back): as many whole values as there are.
    static func leadingValues(_ text: Substring) -> [StraceValue] {
        var reader = StraceValueReader(Array(text.utf8))
        var values: [StraceValue] = []
        reader.skipSpace()
        while !reader.atEnd {
            let start = reader.position
            let name = reader.argumentName()
            guard let value = try? reader.value() else {
                reader.position = start
                break
            }
            values.append(name.map { .structure([($0, value)]) } ?? value)
            reader.skipSpace()
            guard reader.peek == UInt8(ascii: ",") else { break }
            reader.position += 1
            reader.skipSpace()
        }
        return values
    }

    var atEnd: Bool { position >= bytes.count }
    private static let separators: Set<UInt8> = [
        UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ")"),
    ]
    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    private var rest: String { String(decoding: bytes[position...].prefix(40), as: UTF8.self) }

    mutating func skipSpace() {
        while let byte = peek {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                position += 1
            } else if byte == UInt8(ascii: "/"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "*") {
                // A comment strace adds (`/* 3 entries */`).
                position += 2
                while position + 1 < bytes.count, !(bytes[position] == UInt8(ascii: "*") && bytes[position + 1] == UInt8(ascii: "/")) {
                    position += 1
                }
                position = min(bytes.count, position + 2)
            } else {
                return
            }
        }
    }

    mutating func value() throws(Failure) -> StraceValue {
        skipSpace()
        let start = position
        var value = try single()
        skipSpace()
        // An expression strace prints (`WIFEXITED(s) && WEXITSTATUS(s) == 0`, `[SIGUSR1 SIGUSR2]`'s members): kept
        // whole as text up to the next separator. Descriptors inside are kept too, so none goes unnoticed.
        if let byte = peek, !Self.separators.contains(byte),
            !(byte == UInt8(ascii: "=") && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: ">"))
        {
            var inner: [StraceValue] = [value]
            while let next = peek, !Self.separators.contains(next) {
                if let part = try? single() { inner.append(part) } else { position += 1 }
                skipSpace()
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            let found = inner.flatMap(\.descriptors).map { StraceValue.descriptor($0.number, annotation: $0.annotation) }
            return found.isEmpty ? .atom(text) : .call(text, found)
        }
        // `in => out`
        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "="), bytes[position + 1] == UInt8(ascii: ">") {
            position += 2
            skipSpace()
            value = .changed(value, try single())
        }
        return value
    }

    private mutating func single() throws(Failure) -> StraceValue {
        guard let byte = peek else { throw Failure(message: "a value is missing at the end") }
        switch byte {
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "["):
            position += 1
            return .array(try list(until: UInt8(ascii: "]")))
        case UInt8(ascii: "{"):
            position += 1
            return try structure()
        case UInt8(ascii: "~"):
            // A complemented signal set, `~[RTMIN RT_1]`: kept as text.
            let start = position
            position += 1
            if peek == UInt8(ascii: "[") { try skipBalanced() }
            return .atom(String(decoding: bytes[start..<position], as: UTF8.self))
        default:
            return try atomOrCall()
        }
    }

    /// Values separated by commas (or by spaces, as in signal sets `[SIGUSR1 SIGUSR2]`) up to `end`.
    private mutating func list(until end: UInt8) throws(Failure) -> [StraceValue] {
        var values: [StraceValue] = []
        skipSpace()
        while true {
            guard let byte = peek else { throw Failure(message: "'\(Character(Unicode.Scalar(end)))' is missing") }
            if byte == end {
                position += 1
                return values
            }
            values.append(try value())
            skipSpace()
            if peek == UInt8(ascii: ",") {
                position += 1
                skipSpace()
            }
        }
    }

    private mutating func structure() throws(Failure) -> StraceValue {
        var fields: [(key: String?, value: StraceValue)] = []
        skipSpace()
        while true {
            guard let byte = peek else { throw Failure(message: "'}' is missing") }
            if byte == UInt8(ascii: "}") {
                position += 1
                return .structure(fields)
            }
            // `name=value` or a bare value.
            var key: String?
            let start = position
            while let c = peek, c.isIdentifier { position += 1 }
            if position > start, peek == UInt8(ascii: "="), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: ">") {
                key = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
            } else {
                position = start
            }
            fields.append((key, try value()))
            skipSpace()
            if peek == UInt8(ascii: ",") {
                position += 1
                skipSpace()
            }
        }
    }

    private mutating func atomOrCall() throws(Failure) -> StraceValue {
        let start = position
        while let byte = peek {
            if byte.isIdentifier || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "*") {
                position += 1
            } else {
                break
            }
        }
        guard position > start else { throw Failure(message: "unexpected text \"\(rest)\"") }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if peek == UInt8(ascii: "<"), let number = Int(text) {
            return .descriptor(number, annotation: try annotation())
        }
        if peek == UInt8(ascii: "(") {
            position += 1
            return .call(text, try list(until: UInt8(ascii: ")")))
        }
        return .atom(text)
    }

    /// The file after a descriptor: `<pipe:[12]>`, `<UNIX-STREAM:[1->2]>`, `<\x2f\x74\x6d\x70>`; `>` inside
    /// brackets or quotes does not end it.
    private mutating func annotation() throws(Failure) -> String {
        position += 1  // "<"
        var depth = 0
        var angles = 0
        var text: [UInt8] = []
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "<") where depth == 0: angles += 1  // `<` nests: `</dev/null<char 1:3>>`
            case UInt8(ascii: ">") where depth == 0 && angles > 0: angles -= 1
            case UInt8(ascii: "\""):
                // A quoted path inside (a socket's address): copied as it is.
                text.append(byte)
                while let inner = peek {
                    position += 1
                    text.append(inner)
                    if inner == UInt8(ascii: "\\"), let escaped = peek {
                        position += 1
                        text.append(escaped)
                    } else if inner == UInt8(ascii: "\"") {
                        break
                    }
                }
                continue
            case UInt8(ascii: ">") where depth == 0:
                // A file unlinked since it was opened: strace adds `(deleted)` after the annotation.
                let deleted = Array("(deleted)".utf8)
                if bytes[position...].starts(with: deleted) { position += deleted.count }
                return String(decoding: Self.unescape(text), as: UTF8.self)
            default: break
            }
            text.append(byte)
        }
        throw Failure(message: "a descriptor's '<…>' is not closed")
    }

    private mutating func skipBalanced() throws(Failure) {
        var depth = 0
        while let byte = peek {
            position += 1
            if byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return }
            }
        }
        throw Failure(message: "']' is missing")
    }

    private mutating func string() throws(Failure) -> StraceValue {
        position += 1  // opening quote
        var raw: [UInt8] = []
        while true {
            guard let byte = peek else { throw Failure(message: "a string is not closed") }
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            raw.append(byte)
            if byte == UInt8(ascii: "\\"), let escaped = peek {
                position += 1
                raw.append(escaped)
            }
        }
        var truncated = false
        if bytes[position...].starts(with: Array("...".utf8)) {
            position += 3
            truncated = true
        }
        return .string(Self.unescape(raw), truncated: truncated)
    }

    /// C escapes as strace writes them: `\xNN` (all bytes with `-xx`), `\n`, `\t`, `\\`, `\"`, octal `\0`…`\377`.
    static func unescape(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count / 4 + 1)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                out.append(byte)
                index += 1
                continue
            }
            let next = raw[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, index < raw.count, let digit = raw[index].hexDigit {
                    value = value << 4 | digit
                    index += 1
                    digits += 1
                }
                out.append(value)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < raw.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(raw[index]) {
                    value = value * 8 + Int(raw[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "v"): out.append(11)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "a"): out.append(7)
            case UInt8(ascii: "b"): out.append(8)
            default: out.append(next)
            }
        }
        return out
    }
}

extension UInt8 {
    fileprivate var isIdentifier: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "_")
    }

    fileprivate var hexDigit: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
