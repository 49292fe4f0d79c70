import Foundation
@testable import IPCHarness
import Testing

/// The report's timeline pairs each completion with its own invoke when two threads of a process have calls
/// outstanding at once (the signal model's named threads): the timeline used to keep one open call per process, so
/// the main thread's `raise` overwrote t2's `wait`, which was then drawn as never completing, and its completion
/// was dropped.
@Suite struct TraceTimelineThreadsTests {
    @Test func eachThreadsCompletionEndsItsOwnCall() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("traces/coverage/signal/sigwaitinfo.thread-concurrent.accepted.jsonl")
        let trace = try Trace.parse(Array(try Data(contentsOf: url)), name: "t.jsonl")
        let timeline = TraceTimeline(trace)
        // t2's wait (invoked at index 2) completes at index 7, after the main thread's raise (3–4) and kill (5–6).
        let wait = try #require(timeline.operations.first { $0.invokeIndex == 2 })
        #expect(wait.f == "wait")
        #expect(wait.completionIndex == 7)
        #expect(wait.outcome == .ok)
        #expect(timeline.operations.first { $0.invokeIndex == 3 }?.completionIndex == 4)
        #expect(timeline.operations.first { $0.invokeIndex == 5 }?.completionIndex == 6)
        // Every completion in the trace ended some call.
        let completions = trace.events.filter { [.ok, .fail].contains($0.type) }.map(\.index)
        #expect(Set(timeline.operations.compactMap(\.completionIndex)) == Set(completions))
    }
}
