import IPCModels
import PropertyBased
import TestSupport
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2,3.5,true,false,null,"x\n\u00e9\ud83d\ude00"],"b":{}}"#)
        #expect(value == ["a": [1, -2, 3.5, true, false, nil, "x\né😀"], "b": .object(JSONObject())])
    }

    @Test func keepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.description == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func integersStayExactAndLargeOnesBecomeNumbers() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .integer(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .integer(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .number(9223372036854775808))
        #expect(try JSONParser.parse("1e3") == .number(1000))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "unexpected end of input"),
        (#"{"a":1,}"#, "expected a member name"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1,"a":2}"#, "duplicate member"),
        ("[1 2]", "expected ',' or ']'"),
        ("01", "leading zero"),
        ("1.", "no digit after '.'"),
        ("-", "invalid number"),
        ("1e999", "number out of range"),
        ("tru", "invalid literal"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}b\"", "unescaped control character"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "unpaired UTF-16 surrogate"),
        ("1 2", "unexpected data after the JSON value"),
    ])
    func rejectsMalformedText(text: String, message: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect {
            try JSONParser.parse(bytes)
        } throws: { error in
            "\(error)".contains("invalid UTF-8")
        }
    }

    @Test func rejectsNestingDeeperThanTheLimit() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
        let allowed = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try JSONParser.parse(allowed)
    }

    @Test func escapesControlCharactersWhenWriting() {
        let value: JSONValue = .string("tab\tquote\"back\\nul\u{0}del\u{7F}")
        #expect(value.description == #""tab\tquote\"back\\nul\u0000del\u007f""#)
    }

    @Test func serializingThenParsingGivesTheSameValue() async {
        await checkProperty(count: 300, input: JSONGenerators.value()) { value throws in
            #expect(try JSONParser.parse(value.serialized()) == value)
        }
    }
}

/// Generators of JSON values for round-trip properties.
enum JSONGenerators {
    static func text() -> Generator<String, AnySequence<Any>> {
        // Two ranges: swift-property-based's unicodeScalar(in:) traps on a range that spans the surrogates.
        Gen.oneOf(
            Gen.unicodeScalar(in: "\u{0}"..."\u{D7FF}").eraseToAny(),
            Gen.unicodeScalar(in: "\u{E000}"..."\u{10FFFF}").eraseToAny()
        ).array(of: 0...12).map { scalars in String(String.UnicodeScalarView(scalars)) }.eraseToAny()
    }

    static func scalar() -> Generator<JSONValue, AnySequence<Any>> {
        Gen.oneOf(
            Gen.always(JSONValue.null).eraseToAny(),
            Gen.bool.map { JSONValue.bool($0) }.eraseToAny(),
            Gen.int64(in: Int64.min...Int64.max).map { JSONValue.integer($0) }.eraseToAny(),
            // Non-integral doubles: integral ones are written as integers and read back as such.
            Gen.double(in: -1e12...1e12).map { JSONValue.number($0.rounded() == $0 ? $0 + 0.5 : $0) }.eraseToAny(),
            text().map { JSONValue.string($0) }.eraseToAny()
        ).eraseToAny()
    }

    static func value() -> Generator<JSONValue, AnySequence<Any>> {
        Gen.oneOf(
            scalar(),
            scalar().array(of: 0...4).map { JSONValue.array($0) }.eraseToAny(),
            zip(Gen.letterOrNumber.string(of: 1...6), scalar()).array(of: 0...4).map { pairs in
                var object = JSONObject()
                for (key, value) in pairs { object[key] = value }
                return JSONValue.object(object)
            }.eraseToAny()
        ).eraseToAny()
    }
}
