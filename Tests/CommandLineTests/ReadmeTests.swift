import Foundation
import IPCHarness
import Testing

/// README.md stays true (issue 14, item 20: it said 61 scenarios where there were 63, and its list lacked two): the
/// scenario list it shows is `ipc-harness list`'s, the counts it gives are the real ones, and every scenario its
/// examples run exists.
@Suite struct ReadmeTests {
    static var readme: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        }
    }

    @Test func theScenarioListIsWhatListPrints() throws {
        let text = try Self.readme
        let block = try #require(
            text.components(separatedBy: "$ ipc-harness list\n").dropFirst().first?.components(separatedBy: "```").first
        )
        #expect(block == CommandLineText.scenarioList() + "\n")
    }

    @Test func theScenarioCountIsTheRealOne() throws {
        let text = try Self.readme.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("runs 20 runs of each of the \(Scenarios.all.count) scenarios"))
    }

    @Test func everyScenarioTheExamplesRunExists() throws {
        let words = try Self.readme.split(whereSeparator: { $0.isWhitespace || $0 == "`" }).map(String.init)
        var named = 0
        for (position, word) in words.enumerated()
        where word == "run" && position > 0 && words[position - 1] == "ipc-harness" {
            guard position + 1 < words.count, !words[position + 1].hasPrefix("-"), !words[position + 1].hasPrefix("<")
            else { continue }
            #expect(
                Scenarios.named(words[position + 1]) != nil,
                "README runs '\(words[position + 1])', which is no scenario")
            named += 1
        }
        #expect(named >= 5)
    }

    /// The broken scenarios the README says may escape 20 runs are broken ones.
    @Test func theScenariosSaidToEscapeTwentyRunsAreBroken() throws {
        let text = try Self.readme
        let paragraph = try #require(
            text.components(separatedBy: "often need more than 20 runs").dropFirst().first?.components(
                separatedBy: "the table notes"
            ).first)
        let names = paragraph.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(names.count >= 4)
        for name in names { #expect(Scenarios.named(name)?.isBroken == true, "\(name)") }
    }
}
