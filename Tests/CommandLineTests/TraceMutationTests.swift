import Foundation
import IPCHarness
import IPCModels
import Testing

/// Malformed traces, many and of many kinds (``TraceMutator``): every mutant is refused with exit status 2 and one
/// line naming the file and the line, or read as a legal trace; and `check`, `report`, `replay` and `shrink`
/// agree on which.
@Suite struct TraceMutationTests {
    static let seed: UInt64 = 14
    static let mutantsPerTrace = 60

    let cli = CommandLineTests()

    /// The regression corpus (real mode and simulation) and fresh simulation runs of the reference constructions
    /// whose messages have a size limit.
    static func baseTraces() throws -> [(name: String, lines: [[UInt8]])] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = root.appendingPathComponent("traces").path
        var bases: [(String, [[UInt8]])] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        where file.hasSuffix(".jsonl") {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            bases.append((file, bytes.split(separator: 0x0A).map(Array.init)))
        }
        for name in ["hybrid-broken", "revocation-entry-broken", "spsc-ring", "credits-ring", "seqlock"] {
            let scenario = try #require(Scenarios.named(name))
            let trace = try ScenarioRunner.runOnce(
                scenario, seed: 3, strategy: .random, worker: nil, checkBudget: CheckBudget(seconds: 10), mode: .sim
            ).trace
            bases.append((name, trace.serialized().split(separator: 0x0A).map(Array.init)))
        }
        return bases
    }

    enum Outcome: Equatable {
        case accepted
        case refused(line: Int?)
    }

    /// How reading for `check` (streaming) and reading for `report`, `replay` and `shrink` (whole) end, with the
    /// error's text when refused.
    static func outcomes(_ path: String) -> (check: Outcome, load: Outcome, messages: [String]) {
        var messages: [String] = []
        func outcome(_ body: () throws(TraceError) -> Void) -> Outcome {
            do {
                try body()
                return .accepted
            } catch {
                messages.append("\(error)")
                return .refused(line: error.line)
            }
        }
        let check = outcome { () throws(TraceError) in
            _ = try TraceInput.check(path: path, budget: CheckBudget(seconds: 5))
        }
        let load = outcome { () throws(TraceError) in _ = try TraceInput.load(path: path) }
        return (check, load, messages)
    }

    @Test func everyMutantIsRefusedOnOneLineOrReadAsLegalAndTheReadersAgree() throws {
        var mutator = TraceMutator(seed: Self.seed)
        var refused = 0
        var accepted = 0
        var acceptedKinds: [String: Int] = [:]
        for (name, lines) in try Self.baseTraces() {
            for number in 0..<Self.mutantsPerTrace {
                let mutant = mutator.mutate(lines)
                let path = try cli.write(String(decoding: [], as: UTF8.self), to: "\(name)-\(number).jsonl")
                try Data(mutant.bytes).write(to: URL(fileURLWithPath: path))
                let (check, load, messages) = Self.outcomes(path)
                #expect(
                    check == load,
                    "\(name) mutant \(number) (\(mutant.kind)): check \(check), the other commands \(load): \(messages)"
                )
                switch check {
                case .refused(let line):
                    refused += 1
                    let message = messages[0]
                    #expect(line != nil && message.hasPrefix("\(path):\(line!): "), "\(mutant.kind): \(message)")
                    #expect(!message.contains("\n"), "\(mutant.kind): \(message)")
                case .accepted:
                    accepted += 1
                    acceptedKinds[mutant.kind, default: 0] += 1
                    #expect(mutant.expectation == .either, "\(name) mutant \(number) (\(mutant.kind)) was accepted")
                    // A simulation replays in this process: whatever the file says must not reach a precondition.
                    if case .object(let header)? = try? JSONParser.parse(
                        mutant.bytes.split(separator: 0x0A).first.map(Array.init) ?? []),
                        header["mode"] == "sim"
                    {
                        let worker = WorkerCommand(path: "/bin/false")
                        #expect(throws: Never.self) {
                            _ = try Replayer.replay(path: path, worker: worker, checkBudget: CheckBudget(seconds: 5))
                        }
                    }
                }
            }
        }
        print("mutants: \(refused) refused, \(accepted) accepted \(acceptedKinds.sorted { $0.key < $1.key })")
        #expect(refused > 8 * accepted, "too few mutants refused: \(refused) of \(refused + accepted)")
    }

    /// The four commands, run as a user runs them, on a sample of mutants: a refused one is exit status 2 with the
    /// same one line from each; an accepted one is exit status 2 from none of them.
    @Test func theFourCommandsAgreeOnASampleOfMutants() throws {
        var mutator = TraceMutator(seed: Self.seed + 1)
        var sampled = 0
        for (name, lines) in try Self.baseTraces() {
            for number in 0..<4 {
                let mutant = mutator.mutate(lines)
                let path = try cli.write("", to: "cli-\(name)-\(number).jsonl")
                try Data(mutant.bytes).write(to: URL(fileURLWithPath: path))
                let (check, _, _) = Self.outcomes(path)
                let results = [
                    try cli.run("check", path),
                    try cli.run("report", path, "--html", path + ".html"),
                    try cli.run("replay", path),
                    try cli.run("shrink", path, "--time", "2", "--out", path + ".shrunk"),
                ]
                let statuses = results.map(\.status)
                switch check {
                case .refused(let line):
                    #expect(statuses == [2, 2, 2, 2], "\(mutant.kind): \(statuses) \(results.map(\.error))")
                    for result in results {
                        #expect(
                            result.error.hasPrefix("error: \(path):\(line ?? 0): "), "\(mutant.kind): \(result.error)")
                        #expect(result.error.split(separator: "\n").count == 1, "\(mutant.kind): \(result.error)")
                    }
                case .accepted:
                    #expect(!statuses.contains(2), "\(name) \(mutant.kind): \(statuses) \(results.map(\.error))")
                }
                sampled += 1
            }
        }
        #expect(sampled > 30)
    }
}
