import Foundation
import IPCHarness
import Testing

/// The call-coverage table in traces/coverage/README.md is each model's contract (issue 15): for every mechanism, the calls
/// its model can judge and the ones it cannot, with the reason. This suite holds the table true — every call listed
/// as covered has twin traces under traces/coverage/<mechanism>/: one the model accepts and a plausible wrong one it
/// rejects — and keeps the files and the table in step (no twin without its row, no row without its twins).
@Suite struct CallCoverageTableTests {
    /// The mechanisms the harness has kernel-backed adapters for, each under the model that judges it.
    static let mechanisms: [String: String] = [
        "pipe": "pipe", "fifo": "fifo", "unix-stream": "unix-socket", "unix-datagram": "unix-socket",
        "unix-seqpacket": "unix-socket", "scm-rights": "unix-socket", "posix-mq": "posix-mq", "sysv-msg": "sysv-msg",
        "posix-shm": "posix-shm", "sysv-shm": "sysv-shm", "posix-sem": "posix-sem", "sysv-sem": "sysv-sem",
        "signal": "signal", "eventfd": "eventfd", "robust-mutex": "robust-mutex",
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("traces/coverage")

    /// One row of a mechanism's table.
    struct Row: CustomStringConvertible {
        var call: String
        var covered: String
        var notCovered: String
        var isCovered: Bool { covered != "—" }
        var description: String { call }
    }

    /// One `#### <mechanism> (model `<model>`)` subsection and its rows.
    struct Section {
        var mechanism: String
        var model: String
        var rows: [Row]
    }

    /// Reads the subsections of "# Call coverage"; a malformed heading or row is an issue, not a skipped line.
    static func sections() throws -> [Section] {
        let readme = try String(contentsOf: root.appendingPathComponent("traces/coverage/README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("# Call coverage") }, "traces/coverage/README.md has no \"# Call coverage\" heading")
        var sections: [Section] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("### ") || line.hasPrefix("## ") { break }
            if line.hasPrefix("#### ") {
                let heading = try #require(
                    line.wholeMatch(of: /#### ([a-z0-9-]+) \(model `([a-z0-9-]+)`\)/),
                    "a coverage heading must read \"#### <mechanism> (model `<model>`)\": \(line)")
                sections.append(Section(mechanism: String(heading.1), model: String(heading.2), rows: []))
                continue
            }
            guard !sections.isEmpty, line.hasPrefix("|"), !line.hasPrefix("|---"), !line.hasPrefix("| call |") else { continue }
            // A cell may hold an escaped `\|` (Markdown's way of writing a pipe inside a table).
            var cells = line.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.replacingOccurrences(of: "\u{1}", with: "|").trimmingCharacters(in: .whitespaces) }
            cells = Array(cells.dropFirst().dropLast())
            try #require(cells.count == 3, "\(sections[sections.count - 1].mechanism): a row needs 3 cells: \(line)")
            let call = try #require(cells[0].wholeMatch(of: /`([A-Za-z0-9_]+)`/), "\(sections[sections.count - 1].mechanism): the call cell must be one backticked name: \(cells[0])")
            sections[sections.count - 1].rows.append(Row(call: String(call.1), covered: cells[1], notCovered: cells[2]))
        }
        return sections
    }

    /// The twin files under traces/coverage/<mechanism>/, by call: `<call>[.<variant>].(accepted|rejected).jsonl`.
    static func twins(of mechanism: String) throws -> [String: (accepted: [String], rejected: [String])] {
        let directory = fixtures.appendingPathComponent(mechanism)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var twins: [String: (accepted: [String], rejected: [String])] = [:]
        for name in names.sorted() {
            let parts = try #require(
                name.wholeMatch(of: /([A-Za-z0-9_]+)(\.[a-z0-9-]+)?\.(accepted|rejected)\.jsonl/),
                "traces/coverage/\(mechanism)/\(name): a twin is named <call>[.<variant>].(accepted|rejected).jsonl")
            let path = directory.appendingPathComponent(name).path
            if parts.3 == "accepted" { twins[String(parts.1), default: ([], [])].accepted.append(path) }
            else { twins[String(parts.1), default: ([], [])].rejected.append(path) }
        }
        return twins
    }

    @Test func headingsNameKnownMechanismsOnceUnderTheirModels() throws {
        var seen: Set<String> = []
        for section in try Self.sections() {
            let model = try #require(Self.mechanisms[section.mechanism], "unknown mechanism \(section.mechanism)")
            #expect(section.model == model, "\(section.mechanism) is judged by the \(model) model, not \(section.model)")
            #expect(seen.insert(section.mechanism).inserted, "\(section.mechanism) has two sections")
            #expect(!section.rows.isEmpty, "\(section.mechanism) lists no calls")
            var calls: Set<String> = []
            for row in section.rows {
                #expect(calls.insert(row.call).inserted, "\(section.mechanism): \(row.call) is listed twice")
                #expect(!row.covered.isEmpty, "\(section.mechanism): \(row.call) says nothing about what is covered")
                if !row.isCovered {
                    #expect(!["", "—", "-"].contains(row.notCovered), "\(section.mechanism): \(row.call) is not covered and gives no reason")
                }
            }
        }
        let directories = (try? FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)) ?? []
        for directory in directories where directory != "README.md" {
            #expect(seen.contains(directory), "traces/coverage/\(directory) has no section in the table")
        }
    }

    /// Every mechanism has its table: a user's code calling any of them finds out what the model can judge.
    @Test func everyMechanismHasItsSection() throws {
        let present = Set(try Self.sections().map(\.mechanism))
        #expect(present == Set(Self.mechanisms.keys), "missing: \(Set(Self.mechanisms.keys).subtracting(present).sorted())")
    }

    @Test func everyCoveredCallHasTwinsAndEveryTwinHasItsRow() throws {
        for section in try Self.sections() {
            let twins = try Self.twins(of: section.mechanism)
            let rows = Dictionary(section.rows.map { ($0.call, $0) }, uniquingKeysWith: { first, _ in first })
            for row in section.rows where row.isCovered {
                let pair = twins[row.call]
                #expect(!(pair?.accepted.isEmpty ?? true), "\(section.mechanism): \(row.call) is covered but has no \(row.call).accepted.jsonl")
                #expect(!(pair?.rejected.isEmpty ?? true), "\(section.mechanism): \(row.call) is covered but has no \(row.call).rejected.jsonl")
            }
            for call in twins.keys {
                let row = rows[call]
                #expect(row != nil, "traces/coverage/\(section.mechanism): twins for \(call), which the table does not list")
                #expect(row?.isCovered ?? true, "traces/coverage/\(section.mechanism): twins for \(call), which the table says is not covered")
            }
        }
    }

    /// Each twin is a whole trace of the section's model: accepted ones check ok, rejected ones violate, and each
    /// carries the verdict it gets.
    @Test func twinsCheckToTheirVerdicts() throws {
        for section in try Self.sections() {
            for (call, pair) in try Self.twins(of: section.mechanism) {
                for (paths, expected) in [(pair.accepted, Trace.Verdict.Result.ok), (pair.rejected, .violation)] {
                    for path in paths {
                        let name = "traces/coverage/\(section.mechanism)/\(URL(fileURLWithPath: path).lastPathComponent)"
                        let trace = try Trace.load(path: path)
                        #expect(trace.header.model == section.model, "\(name) is a \(trace.header.model) trace, not \(section.model)")
                        #expect(trace.events.contains { $0.type == .invoke }, "\(name) (\(call)) makes no call")
                        let verdict = try #require(trace.verdict, "\(name) has no verdict line")
                        #expect(verdict.result == expected, "\(name) carries \(verdict.result.rawValue), expected \(expected.rawValue)")
                        let report = try TraceChecker.check(path: path)
                        #expect(report.result == expected, "\(name): \(report.explanation)")
                    }
                }
            }
        }
    }
}
