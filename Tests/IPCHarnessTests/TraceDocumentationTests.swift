import Foundation
import IPCHarness
import Testing

/// The example traces in traces/README.md are real: each reads, and checks to the verdict it carries.
@Suite struct TraceDocumentationTests {
    static var readme: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("traces/README.md"), encoding: .utf8)
        }
    }

    static func examples() throws -> [String] {
        try readme.components(separatedBy: "```jsonl\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    @Test func everyModelHasAtLeastOneExample() throws {
        let text = try Self.readme
        for model in ModelRegistry.names {
            #expect(text.contains("### `\(model)`"), "traces/README.md has no section for the \(model) model")
        }
        #expect(try Self.examples().count >= ModelRegistry.names.count)
    }

    @Test func examplesCheckToTheVerdictTheyCarry() throws {
        for (number, example) in try Self.examples().enumerated() {
            let trace = try Trace.parse(Array(example.utf8), name: "traces/README.md example \(number + 1)")
            let verdict = try #require(trace.verdict, "example \(number + 1) has no verdict line")
            let report = try TraceChecker.check(trace, name: "example \(number + 1)")
            #expect(report.result == verdict.result, "example \(number + 1): \(report.explanation)")
        }
    }
}
