import Foundation
import IPCHarness
import Testing

/// Every trace under traces/ is a regression test: it must read, check as recorded, and — when it can be re-executed
/// — give its expected verdict again: a broken twin's trace keeps failing, a fixed bug's trace passes.
@Suite struct TraceCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("traces").path

    static var traces: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    @Test func theCorpusIsNotEmpty() {
        #expect(Self.traces.count >= 2)
    }

    @Test(arguments: traces)
    func traceGivesItsExpectedVerdict(name: String) throws {
        let path = Self.directory + "/" + name
        let trace = try Trace.load(path: path)
        let expected = try #require(trace.expectation, "\(name) has no \"\(Trace.expectationKey)\" in its header")
        // As recorded, the trace checks to the verdict written in it.
        let recorded = try TraceChecker.check(path: path)
        if let verdict = trace.verdict { #expect(recorded.result == verdict.result, "\(name): \(recorded.explanation)") }
        guard Replayer.isReplayable(path: path) else {
            #expect(recorded.result == expected, "\(name): \(recorded.explanation)")
            return
        }
        // Re-executed, it gives the expected verdict. A violation may need the kernel to race the same way again,
        // so a replay that passes is retried (twice) before it counts as fixed.
        let worker = try WorkerLocator.workerCommand()
        var results: [Trace.Verdict.Result] = []
        for _ in 0..<(expected == .violation ? 3 : 1) {
            let replay = try Replayer.replay(trace, path: path, worker: worker, checkBudget: CheckBudget(seconds: 60))
            results.append(replay.result.report.result)
            if results.last == expected { break }
        }
        #expect(results.last == expected, "\(name): replays gave \(results.map(\.rawValue)), expected \(expected.rawValue)")
    }
}
