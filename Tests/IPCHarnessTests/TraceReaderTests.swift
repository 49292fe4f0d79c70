import Foundation
import Glibc
import IPCHarness
import IPCModels
import Testing

/// Malformed traces give one error that names the line; well-formed ones read back exactly as written.
@Suite struct TraceReaderTests {
    static let header = #"{"format":"ipc-trace","version":1,"model":"pipe","params":{"objects":{"p0":{"readers":[2],"writers":[1]}}},"mechanism":"kernel.pipe","seed":"1","strategy":"random","harness":"0.1.0"}"#
    static let invoke = #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":"hi"}}"#
    static let ok = #"{"index":1,"time":20,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":2}}"#

    func error(reading text: String) -> TraceError? {
        error(reading: Array(text.utf8))
    }

    func error(reading bytes: [UInt8]) -> TraceError? {
        do {
            _ = try TraceChecker.check(Trace.parse(bytes, name: "t.jsonl"), name: "t.jsonl")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("", 1, "the trace is empty"),
        ("{\"format\":\"ipc-trace\"", 1, "truncated line"),
        (#"{"format":"other","version":1}"#, 1, "not an ipc-trace header"),
        (#"{"format":"ipc-trace","version":2,"model":"pipe"}"#, 1, "unsupported trace format version 2"),
        (#"{"format":"ipc-trace","version":"1"}"#, 1, "'version' must be an integer"),
        (#"{"format":"ipc-trace","version":1,"model":"telepathy","mechanism":"m","seed":"1","strategy":"random"}"#, 1, "unknown model 'telepathy'"),
        (#"{"format":"ipc-trace","version":1,"model":"pipe","mechanism":"m","seed":"1","strategy":"random"}"#, 1, "params do not fit"),
        (header + "\n" + invoke + "\n" + #"{"index":1,"time":2"#, 3, "truncated line"),
        (header + "\n" + #"{"index":0,"time":10,"process":"one","type":"invoke","f":"write","object":"p0"}"#, 2, "'process' must be an integer"),
        (header + "\n" + #"{"index":0,"time":1e400,"process":1,"type":"invoke"}"#, 2, "invalid JSON"),
        (header + "\n" + #"{"index":0,"time":99999999999999999999,"process":1,"type":"invoke","f":"write","object":"p0"}"#, 2, "'time' must be an integer"),
        (header + "\n" + #"{"index":0,"time":-5,"process":1,"type":"invoke","f":"write","object":"p0"}"#, 2, "'time' is -5"),
        (header + "\n" + #"{"index":0,"time":5,"process":12345678,"type":"invoke","f":"write","object":"p0"}"#, 2, "'process' is 12345678"),
        (header + "\n" + #"{"index":0,"time":5,"process":1,"type":"teleport"}"#, 2, "unknown event type \"teleport\""),
        (header + "\n" + #"{"index":0,"time":5,"process":1,"type":"invoke","object":"p0"}"#, 2, "needs the field 'f'"),
        (header + "\n" + #"{"index":0,"time":5,"process":1,"type":"fail","f":"write","object":"p0"}"#, 2, "needs the field 'error'"),
        (header + "\n" + #"{"index":1,"time":5,"process":1,"type":"invoke","f":"write","object":"p0"}"#, 2, "index 1 out of order (expected 0)"),
        (header + "\n" + invoke + "\n" + #"{"index":1,"time":5,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":2}}"#, 3, "earlier than the previous event"),
        (header + "\n" + ok.replacingIndex(0), 2, "ok for process 1 without a preceding invoke"),
        (header + "\n" + invoke + "\n" + invoke.replacingIndex(1), 3, "while its operation invoked at line 2 has not completed"),
        (header + "\n" + invoke + "\n" + #"{"index":1,"time":20,"process":1,"type":"ok","f":"read","object":"p0","value":{"data":""}}"#, 3, "does not match the invoke of 'write' at line 2"),
        (header + "\n" + #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p9","value":{"data":"x"}}"#, 2, "object 'p9' is not declared"),
        (header + "\n" + #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":7}}"#, 2, "field 'data' must be a string"),
        (header + "\n" + invoke + "\n" + #"{"index":1,"time":20,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":3}}"#, 3, "field 'written' is 3, outside 0...2"),
        (header + "\n\n" + invoke, 2, "blank line"),
        (header + "\n" + #"{"type":"verdict","result":"ok","model":"pipe"}"# + "\n" + invoke, 3, "nothing may follow the verdict"),
        (header + "\n" + #"{"type":"verdict","result":"maybe","model":"pipe"}"#, 2, "result must be"),
        (header + "\n" + "[1,2]", 2, "an event must be a JSON object"),
    ] as [(String, Int, String)])
    func malformedTracesNameTheLine(text: String, line: Int, message: String) {
        let found = error(reading: text)
        #expect(found?.line == line, "\(found.map { "\($0)" } ?? "no error")")
        #expect(found?.message.contains(message) == true, "\(found.map { "\($0)" } ?? "no error")")
        #expect(found.map { "\($0)" }?.hasPrefix("t.jsonl:\(line): ") == true)
        #expect(found.map { "\($0)" }?.contains("\n") == false)
    }

    @Test func invalidUTF8IsRejectedWithItsLine() {
        var bytes = Array((Self.header + "\n").utf8)
        bytes += Array(#"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}}"#.utf8)
        let found = error(reading: bytes)
        #expect(found?.line == 2)
        #expect(found?.message.contains("invalid UTF-8") == true)
    }

    @Test func aWellFormedTraceReadsBackExactly() throws {
        var trace = Trace(header: Trace.Header(model: "pipe", parameters: ["objects": ["p0": ["readers": [2], "writers": [1]]]], mechanism: "kernel.pipe", seed: "7", strategy: "pct:3"))
        trace.header.extra["notes"] = ["objects": []]
        var invoke = Trace.Event(index: 0, time: 5, process: 1, type: .invoke, f: "write", object: "p0", value: ["data": Payload.json([0, 1, 2])])
        invoke.extra["note"] = "kept"
        var kill = Trace.Event(index: 1, time: 6, process: 1, type: .kill)
        kill.signal = "SIGKILL"
        kill.point = "blocked"
        var fault = Trace.Event(index: 2, time: 7, process: 1, type: .fault)
        fault.fault = "EINTR"
        fault.call = "read"
        trace.events = [invoke, kill, fault]
        trace.verdict = Trace.Verdict(result: .violation, model: "pipe", explanation: "line one\nline two")
        let text = trace.serialized()
        #expect(try Trace.parse(text) == trace)
        // Field order is the documented one.
        #expect(String(decoding: text, as: UTF8.self).split(separator: "\n")[1].hasPrefix(#"{"index":0,"time":5,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":{"base64":"AAEC"}},"note":"kept"}"#))
    }

    @Test func linesLongerThanTheReadChunkAndCRLFEndingsAreRead() throws {
        let long = String(repeating: "x", count: 300_000)
        let text = Self.header + "\r\n" + #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":"\#(long)"}}"# + "\r\n"
        let path = "/tmp/ipc-harness-test-\(getpid())-long.jsonl"
        try Array(text.utf8).withUnsafeBytes { raw in
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { close(fd) }
            _ = write(fd, raw.baseAddress, raw.count)
        }
        defer { unlink(path) }
        let trace = try Trace.load(path: path)
        #expect(try trace.events[0].value?["data"]?.payload("data").count == 300_000)
    }

    /// The reader's buffer stays bounded however long the file: 10^5 events here (a debug build parses about
    /// 40k lines a second); `ipc-harness bench` figures cover 10^6 in a release build.
    @Test func longTracesStreamThroughASmallBuffer() throws {
        let path = "/tmp/ipc-harness-test-\(getpid())-million.jsonl"
        defer { unlink(path) }
        let writer = try TraceWriter(path: path, header: Trace.Header(model: "pipe", mechanism: "kernel.pipe", seed: "1", strategy: "random"))
        for index in 0..<100_000 {
            try writer.append(Trace.Event(index: index, time: UInt64(index), process: 1 + index % 4, type: .schedule))
        }
        try writer.finish()
        let reader = try TraceReader(path: path)
        var count = 0
        while try reader.next() != nil { count += 1 }
        #expect(count == 100_000)
        #expect(reader.peakBufferedBytes <= 256 << 10, "the reader buffered \(reader.peakBufferedBytes) bytes")
    }

    @Test func foundationsCodersReadAndWriteTheSameForm() throws {
        var event = Trace.Event(index: 3, time: 9, process: 2, type: .ok, f: "read", object: "p0", value: ["data": "ab"])
        event.extra["extra"] = [1, 2]
        let data = try JSONEncoder().encode(event)
        #expect(try JSONDecoder().decode(Trace.Event.self, from: data) == event)
        let reparsed = try JSONParser.parse(Array(data))
        #expect(try Trace.Event(json: reparsed) == event)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Trace.Event.self, from: Data(#"{"index":"x"}"#.utf8))
        }
        let header = Trace.Header(model: "pipe", mechanism: "kernel.pipe", seed: "1", strategy: "random")
        #expect(try JSONDecoder().decode(Trace.Header.self, from: JSONEncoder().encode(header)) == header)
    }
}

extension String {
    fileprivate func replacingIndex(_ index: Int) -> String {
        guard let range = range(of: #""index":\d+"#, options: .regularExpression) else { return self }
        return replacingCharacters(in: range, with: "\"index\":\(index)")
    }
}
