import Foundation
import IPCHarness
import IPCModels
import Testing

/// The HTML timeline's structure, on a hand-made trace with every kind of mark and a violation.
@Suite struct HTMLReportTests {
    static let trace: Trace = {
        var builder = PipeTraceBuilder(readers: [2], writers: [1, 3])
        builder.write(1, "<a>")
        builder.write(1, "&b")
        builder.invokeWrite(3, "zz")
        builder.info(3, "write")
        builder.exit(3)
        builder.read(2, max: 10, gets: "&b<a>")
        var trace = try! builder.trace
        var fault = Trace.Event(index: trace.events.count, time: 1000, process: 1, type: .fault)
        fault.fault = "EINTR"
        fault.call = "read"
        var kill = Trace.Event(index: trace.events.count + 1, time: 1001, process: 2, type: .kill)
        kill.signal = "SIGKILL"
        kill.point = "before"
        trace.events += [fault, kill]
        return trace
    }()

    func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    @Test func drawsLanesBarsMarksAndTheViolation() throws {
        let report = try TraceChecker.check(Self.trace)
        #expect(report.result == .violation)
        let html = HTMLReport.render(Self.trace, report: report, title: "test <trace>")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains(#"<span class="verdict verdict-violation" id="verdict">violation</span>"#))
        #expect(count(#"<g class="lane""#, in: html) == 3)
        #expect(count(#"<g class="op"#, in: html) == 4)
        let core = report.objects.flatMap(\.coreEventIndices)
        #expect(!core.isEmpty)
        #expect(count(#"<g class="op core""#, in: html) == core.count)
        #expect(count(#"class="mark kill""#, in: html) == 1)
        #expect(count(#"class="mark fault""#, in: html) == 1)
        #expect(count(#"class="mark exit""#, in: html) == 1)
        // The longest linearizable prefix is numbered on the bars.
        #expect(html.contains(">1. write</text>"))
        // Payload text is escaped everywhere: no stray tags from trace data.
        #expect(!html.contains("<a>"))
        #expect(html.contains("&amp;b&lt;a&gt;"))
        #expect(html.contains("<title>test &lt;trace&gt;</title>"))
        // Balanced groups and one self-contained document: no scripts, no external resources.
        #expect(count("<g", in: html) == count("</g>", in: html))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
    }

    @Test func anIndeterminateOperationIsDashedToItsProcessExit() throws {
        let html = HTMLReport.render(Self.trace, report: nil, title: "t")
        #expect(html.contains(#"stroke-dasharray="4 3""#))
        #expect(!html.contains("id=\"verdict\""))
    }

    /// Issue 14, item 18: a 200 MB trace gave 456 MB of HTML. A long trace's page draws a window of it, says what
    /// it left out, and cuts payloads: its size does not grow with the trace's length.
    @Test func aLongTracesPageIsCappedAndSaysWhatItLeftOut() {
        func page(operations: Int) -> String {
            var trace = Trace(header: Trace.Header(
                model: "pipe", parameters: ["objects": ["p0": ["readers": [2], "writers": [1]]]], mechanism: "kernel.pipe",
                seed: "1", strategy: "random"))
            let payload = Payload.json(Array(repeating: UInt8(ascii: "x"), count: 5_000))
            for operation in 0..<operations {
                trace.events.append(Trace.Event(index: 2 * operation, time: UInt64(2 * operation), process: 1, type: .invoke, f: "write", object: "p0", value: ["data": payload]))
                trace.events.append(Trace.Event(index: 2 * operation + 1, time: UInt64(2 * operation + 1), process: 1, type: .ok, f: "write", object: "p0", value: ["written": 5_000]))
            }
            return HTMLReport.render(trace, report: nil, title: "long")
        }
        let short = page(operations: 10)
        let long = page(operations: 5_000)
        let longer = page(operations: 20_000)
        #expect(!short.contains("Left out:"))
        #expect(long.contains("Left out:</strong> This trace has 10000 events; this page draws events 0–1999"))
        #expect(longer.utf8.count == long.utf8.count + "40000".utf8.count - "10000".utf8.count)
        #expect(!long.contains(String(repeating: "x", count: 1_000)))
    }
}
