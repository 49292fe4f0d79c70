import IPCModels

/// Reads an event line straight from its bytes, without building a JSON tree for the line: the fields every event
/// has (`index`, `time`, `process`, `type`, `f`, `object`, ...) are read in place, and only `value`, whose shape
/// is the model's business, goes through ``JSONParser``. Building the tree cost about 2.2 µs a line, most of a
/// partitioned history's check.
///
/// It accepts only the plain form writers produce: one object, no white space, known keys each once, strings
/// without escapes, integers in range. Anything else, valid or not, gives nil, and the reader parses that line in
/// full, so what is rejected, and every error message, is exactly what the full parser says. Whatever it accepts
/// it reads as the full parser would (tests hold the two to the same events, and the same errors, on mutated
/// lines).
enum EventLineParser {
    /// The event on `line`, or nil when the line is not in the plain form.
    static func event(_ line: UnsafeBufferPointer<UInt8>) -> Trace.Event? {
        var scanner = Scanner(bytes: line)
        return scanner.event()
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        /// Field bits, for "each key at most once".
        private static let indexBit = 1, timeBit = 2, processBit = 4, typeBit = 8, fBit = 16, objectBit = 32
        private static let valueBit = 64, errorBit = 128, signalBit = 256, pointBit = 512, faultBit = 1024
        private static let callBit = 2048

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        private static let typeNames = Trace.EventType.allCases.map { (Array($0.rawValue.utf8), $0) }

        mutating func event() -> Trace.Event? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var seen = 0
            var index: Int64 = -1, time: Int64 = -1, process: Int64 = -1
            var type: Trace.EventType?
            var f: String?, object: String?, value: JSONValue?, error: String?
            var signal: String?, point: String?, fault: String?, call: String?
            while true {
                guard let key = keyBit() else { return nil }
                guard seen & key == 0 else { return nil }
                seen |= key
                switch key {
                case Self.indexBit: guard let n = integer(in: 0...Int64(Int32.max)) else { return nil }; index = n
                case Self.timeBit: guard let n = integer(in: 0...Int64.max) else { return nil }; time = n
                case Self.processBit: guard let n = integer(in: 1...1_000_000) else { return nil }; process = n
                case Self.typeBit: guard let known = eventType() else { return nil }; type = known
                case Self.fBit: guard let text = string() else { return nil }; f = text
                case Self.objectBit: guard let text = string() else { return nil }; object = text
                case Self.errorBit: guard let text = string() else { return nil }; error = text
                case Self.signalBit: guard let text = string() else { return nil }; signal = text
                case Self.pointBit: guard let text = string() else { return nil }; point = text
                case Self.faultBit: guard let text = string() else { return nil }; fault = text
                case Self.callBit: guard let text = string() else { return nil }; call = text
                default:
                    // `value`: parsed as the full parser parses a member of the line's object.
                    guard let (parsed, end) = try? JSONParser.parseValue(bytes, at: position, depth: 1) else { return nil }
                    value = parsed
                    position = end
                }
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")), position == bytes.count else { return nil }
                break
            }
            guard let type, index >= 0, time >= 0, process >= 0 else { return nil }
            if type.isOperationEvent && (f == nil || object == nil) { return nil }
            if type == .fail && error == nil { return nil }
            var event = Trace.Event(
                index: Int(index), time: UInt64(time), process: Int(process), type: type, f: f, object: object,
                value: value, error: error)
            event.signal = signal
            event.point = point
            event.fault = fault
            event.call = call
            return event
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// A known key and its colon, as its field bit; nil for anything else.
        private mutating func keyBit() -> Int? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "a"), bytes[position] <= UInt8(ascii: "z") {
                position += 1
            }
            let length = position - start
            guard take(UInt8(ascii: "\"")), take(UInt8(ascii: ":")) else { return nil }
            func matches(_ name: StaticString) -> Bool {
                guard name.utf8CodeUnitCount == length else { return false }
                for offset in 0..<length where bytes[start + offset] != name.utf8Start[offset] { return false }
                return true
            }
            switch length {
            case 1: return matches("f") ? Self.fBit : nil
            case 4: return matches("time") ? Self.timeBit : matches("type") ? Self.typeBit : matches("call") ? Self.callBit : nil
            case 5:
                return matches("index") ? Self.indexBit : matches("value") ? Self.valueBit : matches("error") ? Self.errorBit
                    : matches("point") ? Self.pointBit : matches("fault") ? Self.faultBit : nil
            case 6: return matches("object") ? Self.objectBit : matches("signal") ? Self.signalBit : nil
            case 7: return matches("process") ? Self.processBit : nil
            default: return nil
            }
        }

        /// A plain decimal integer within `range` (no sign, fraction or exponent; at most 18 digits).
        private mutating func integer(in range: ClosedRange<Int64>) -> Int64? {
            let start = position
            var value: Int64 = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                // 18 digits always fit in 63 bits; longer numbers are the full parser's to judge.
                if position - start == 18 { return nil }
                value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            let digits = position - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if position < bytes.count {
                let next = bytes[position]
                if next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { return nil }
            }
            return range.contains(value) ? value : nil
        }

        /// An event type's name in quotes, matched as bytes (making a string and switching on it was slower than
        /// the rest of the line).
        private mutating func eventType() -> Trace.EventType? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "a"), bytes[position] <= UInt8(ascii: "z") {
                position += 1
            }
            let name = UnsafeBufferPointer(rebasing: bytes[start..<position])
            guard take(UInt8(ascii: "\"")) else { return nil }
            for (spelling, type) in Self.typeNames where spelling.elementsEqual(name) { return type }
            return nil
        }

        /// A string without escapes or control characters, in valid UTF-8.
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            var ascii = true
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    if ascii { return String(decoding: content, as: UTF8.self) }
                    return String(validating: content, as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                position += 1
            }
            return nil
        }
    }
}
