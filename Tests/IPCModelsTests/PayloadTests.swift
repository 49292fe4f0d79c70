import IPCModels
import PropertyBased
import TestSupport
import Testing

@Suite struct PayloadTests {
    @Test func printableTextIsAString() {
        #expect(Payload.json(Array("hello\n\tworld é".utf8)) == .string("hello\n\tworld é"))
    }

    @Test(arguments: [[0x00, 0x41], [0xFF], [0x41, 0x7F], [0xC2, 0x80]] as [[UInt8]])
    func binaryIsBase64(bytes: [UInt8]) throws {
        let json = Payload.json(bytes)
        #expect(json["base64"] != nil)
        #expect(try Payload.bytes(from: json) == bytes)
    }

    @Test func anyBytesRoundTrip() async {
        await checkProperty(count: 500, input: Gen.uint8().array(of: 0...64)) { bytes throws in
            #expect(try Payload.bytes(from: Payload.json(bytes)) == bytes)
            // Also through text, as traces store them.
            #expect(try Payload.bytes(from: JSONParser.parse(Payload.json(bytes).serialized())) == bytes)
        }
    }

    @Test func rejectsBadPayloads() {
        #expect(throws: ValueError.self) { try Payload.bytes(from: ["base64": "!!!"]) }
        #expect(throws: ValueError.self) { try Payload.bytes(from: 12) }
        #expect(throws: ValueError.self) { try Payload.bytes(from: ["text": "x"]) }
    }

    @Test func previewsAreShort() {
        #expect(Payload.preview(Array(String(repeating: "a", count: 100).utf8)) == "\"" + String(repeating: "a", count: 24) + "…\"")
        #expect(Payload.preview([0, 1, 2]) == "0x000102")
        #expect(Payload.preview([]) == "\"\"")
    }
}
