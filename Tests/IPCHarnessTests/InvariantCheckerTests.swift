import Foundation
import IPCHarness
import IPCModels
import Testing

/// The invariants checked beside the model, on hand-written traces: each violation beside a trace that keeps it.
@Suite struct InvariantCheckerTests {
    static let stack = #"{"objects":{"s0":{}}}"#

    /// Process 1 reads the top (A), process 2 changes it `changes` times (ending where it started when the count
    /// is even), then process 1's compare-and-swap expecting A succeeds.
    func abaTrace(changes: Int) -> GenericTraceBuilder {
        var trace = GenericTraceBuilder(model: "stack", params: Self.stack, extra: #","invariants":{"aba":{"words":[0]}}"#)
        trace.step(1, #"{"op":"load","at":0,"value":65537}"#)
        for change in 0..<changes {
            let (from, to) = change % 2 == 0 ? (65537, 131074) : (131074, 65537)
            trace.step(2, #"{"op":"cas","at":0,"expected":\#(from),"desired":\#(to),"found":\#(from),"exchanged":true}"#)
        }
        let now = changes % 2 == 0 ? 65537 : 131074
        trace.step(1, #"{"op":"cas","at":0,"expected":65537,"desired":3,"found":\#(now),"exchanged":\#(now == 65537)}"#)
        return trace
    }

    @Test func aCompareAndSwapAcrossAnABAChangeIsFlagged() throws {
        let report = try abaTrace(changes: 2).check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("aba: process 1's compare-and-swap of the word at offset 0"))
        #expect(report.explanation.contains("changed 2 times"))
        #expect(report.verdict.extra["operations"] == [0, 3])
        // No change in between, or a change that stays (the swap fails): nothing to flag.
        #expect(try abaTrace(changes: 0).check().result == .ok)
        #expect(try abaTrace(changes: 1).check().result == .ok)
    }

    @Test func anUnwatchedWordIsNotChecked() throws {
        var trace = abaTrace(changes: 2)
        trace.lines[0] = trace.lines[0].replacingOccurrences(of: #""words":[0]"#, with: #""words":[8]"#)
        #expect(try trace.check().result == .ok)
    }

    func flow(refusals: Int, messageWaits: Bool) -> GenericTraceBuilder {
        var trace = GenericTraceBuilder(
            model: "queue", params: #"{"objects":{"r0":{"order":"fifo","capacity":4}}}"#,
            extra: #","invariants":{"starvation":{"bound":3}}"#)
        trace.operation(1, "send", "r0", #"{"to":2,"data":"for two"}"#)
        if messageWaits { trace.operation(1, "send", "r0", #"{"to":3,"data":"for three"}"#) }
        for _ in 0..<refusals { trace.operation(3, "receive", "r0", fail: "EAGAIN") }
        return trace
    }

    @Test func aReceiverRefusedAgainAndAgainWhileItsMessageWaitsIsStarved() throws {
        let report = try flow(refusals: 3, messageWaits: true).check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("starvation: process 3's last 3 receives on r0"))
        // Fewer refusals than the bound, or nothing waiting for it: no starvation.
        #expect(try flow(refusals: 2, messageWaits: true).check().result == .ok)
        #expect(try flow(refusals: 5, messageWaits: false).check().result == .ok)
    }

    @Test func invariantsHeldAreNamedInTheVerdict() throws {
        let report = try abaTrace(changes: 0).check()
        #expect(report.explanation.hasSuffix("invariants held: aba"))
    }

    @Test func anUnknownInvariantIsBadInput() throws {
        let trace = GenericTraceBuilder(model: "stack", params: Self.stack, extra: #","invariants":{"fairness":{}}"#)
        #expect(throws: TraceError.self) { try trace.check() }
    }
}
