@testable import IPCHarness
import IPCModels
import PropertyBased
import TestSupport
import Testing

/// The trace reader's fast path (``EventLineParser``) must read exactly what the full JSON parser reads, and leave
/// everything else to it: on traces with random bytes changed, both readers give the same events and stop at the
/// same line with the same message.
@Suite struct EventLineParserTests {
    /// Every line the reader returns, then its error, reading `bytes` with or without the fast path.
    static func read(_ bytes: [UInt8], fast: Bool) -> [String] {
        var lines: [String] = []
        do {
            let reader = try TraceReader(bytes: bytes, name: "t.jsonl")
            reader.readsPlainLinesDirectly = fast
            while let line = try reader.next() { lines.append("\(reader.lineNumber): \(line)") }
        } catch {
            lines.append("error \(error)")
        }
        return lines
    }

    static let interesting: [UInt8] = Array(#""\{}[],:0129-.eE tnul"#.utf8) + [0x01, 0x0A, 0xC3, 0xA9, 0xFF, 0x7F]

    @Test func bothReadersAgreeOnMutatedTraces() async {
        let shapes = [
            GeneratedHistory(kind: .register, operations: 8, processes: 3, objects: 2, deaths: 0.3),
            GeneratedHistory(kind: .queue, operations: 8, processes: 3, objects: 2, mutations: 1, deaths: 0.3),
        ]
        await checkProperty(count: 1500, input: Gen.int(in: 0...1), Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 1...4)) {
            which, seed, edits in
            let shape = shapes[which]
            var random = SeededGenerator(seed: UInt64(seed))
            var bytes = shape.trace(seed: UInt64(seed)).serialized()
            for _ in 0..<edits {
                let position = random.next(below: bytes.count)
                switch random.next(below: 4) {
                case 0: bytes[position] = random.pick(Self.interesting)
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(random.pick(Self.interesting), at: position)
                default:
                    let end = Swift.min(bytes.count, position + random.next(in: 1...12))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            let fast = Self.read(bytes, fast: true)
            let full = Self.read(bytes, fast: false)
            #expect(fast == full, "seed \(seed): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test(arguments: [
        #"{"index":0,"time":5,"process":1,"type":"invoke","f":"write","object":"m0","value":{"words":[1]}}"#,
        #"{"index":0,"time":5,"process":1,"type":"fail","f":"send","object":"q0","error":"EAGAIN"}"#,
        #"{"index":0,"time":0,"process":1,"type":"kill","signal":"SIGKILL","point":"blocked"}"#,
        #"{"index":0,"time":9,"process":2,"type":"fault","fault":"short","call":"write","value":{"count":3}}"#,
        #"{"index":0,"time":9,"process":2,"type":"exit","value":{"status":0}}"#,
        #"{"index":0,"time":9,"process":2,"type":"ok","f":"réad","object":"é","value":"x"}"#,
    ])
    func plainLinesAreReadAsTheFullParserReadsThem(line: String) throws {
        let bytes = Array(line.utf8)
        let fast = try #require(bytes.withUnsafeBufferPointer { EventLineParser.event($0) })
        #expect(fast == (try Trace.Event(json: JSONParser.parse(bytes))))
    }

    @Test(arguments: [
        #"{"index":0,"time":5,"process":1,"type":"invoke","f":"write","object":"m0","extra":1}"#,  // unknown key
        #"{"index":0,"time":5,"process":1,"type":"invoke","f":"w\u0041","object":"m0"}"#,  // escape
        #"{"index":0,"time":5.0,"process":1,"type":"invoke","f":"write","object":"m0"}"#,  // fraction
        #"{"index":0,"time":05,"process":1,"type":"invoke","f":"write","object":"m0"}"#,  // leading zero
        #"{"index":0,"time":5,"process":1,"type":"invoke","f":"write"}"#,  // no object
        #"{"index":0,"time":5,"process":1,"type":"fail","f":"write","object":"m0"}"#,  // fail without error
        #"{"index":0,"index":0,"time":5,"process":1,"type":"exit"}"#,  // duplicate key
        #"{"index":0, "time":5,"process":1,"type":"exit"}"#,  // white space
        #"{"index":0,"time":5,"process":1,"type":"verdict"}"#,  // not an event
        #"{"index":0,"time":5,"process":1,"type":"exit","f":null}"#,  // null
        #"{"index":0,"time":5,"process":1000001,"type":"exit"}"#,  // out of range
    ])
    func anythingElseIsLeftToTheFullParser(line: String) {
        #expect(Array(line.utf8).withUnsafeBufferPointer { EventLineParser.event($0) } == nil)
    }
}
