import Foundation
import IPCHarness
import Testing

/// Issue 14, items 16 and 17: bad arguments said "Missing value" or named no range; options that do nothing were
/// accepted; `--help` did not give the exit statuses; `replay` errors omitted the file and blamed the harness.
@Suite struct ArgumentTests {
    let cli = CommandLineTests()

    @Test(arguments: [
        (["run", "pipe-basic", "--seed", "-1"], "error: The value '-1' is invalid for '--seed <seed>'"),
        (["run", "pipe-basic", "--runs", "-5"], "error: --runs must be positive"),
        (["run", "pipe-basic", "--kill-rate", "-0.1"], "error: --kill-rate must be between 0 and 1"),
        (
            ["run", "pipe-basic", "--strategy", "pct:0"],
            "error: unknown strategy 'pct:0' (use random, pct, pct:DEPTH with DEPTH from 1 to 64"
        ),
        (
            ["run", "pipe-basic", "--strategy", "exhaustive:999999"],
            "error: unknown strategy 'exhaustive:999999' (use random, pct, pct:DEPTH with DEPTH from 1 to 64, exhaustive, or exhaustive:PREEMPTIONS with PREEMPTIONS from 0 to 16)"
        ),
        (
            ["run", "toctou-shm", "--faults", "eintr"],
            "error: --faults, --kill-rate and --swarm inject into worker processes; toctou-shm runs in sim mode"
        ),
        (
            ["run", "rcu-swift", "--kill-rate", "0.5"],
            "error: --faults, --kill-rate and --swarm inject into worker processes; rcu-swift runs in threads mode"
        ),
        (["run", "pipe-basic", "--hang-after", "-3"], "error: --hang-after must be positive"),
        (["fuzz", "--time", "0"], "error: --time must be longer than 0"),
        (["shrink", "x.jsonl", "--time", "-1"], "error: --time must be positive"),
        (["check", "x.jsonl", "--budget", "-2"], "error: --budget must be positive"),
    ])
    func badArgumentsSayWhatIsWrongInOneLine(arguments: [String], message: String) throws {
        let result = try cli.runArguments(arguments)
        #expect(result.status == 2, "\(arguments): \(result.status)")
        #expect(result.error.hasPrefix(message), "\(arguments): \(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
    }

    @Test func aReportIntoAMissingDirectoryCreatesNothing() throws {
        let trace = try cli.write(CommandLineTests.goodTrace, to: "report-me.jsonl")
        let missing = "/tmp/ipc-harness-missing-\(getpid())"
        let result = try cli.run("report", trace, "--html", missing + "/x.html")
        #expect(result.status == 2)
        #expect(result.error.hasPrefix("error: cannot write \(missing)/x.html:"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test(arguments: [
        ["--threshold", "half"], ["--threshold", "-1"], ["--mechanisms", "pipe,carrier-pigeon"], ["--repetitions", "0"],
        ["--max-size", "4"],
    ])
    func benchMechanismsRefusesBadInputInOneLine(arguments: [String]) throws {
        let result = try cli.runArguments(["bench", "mechanisms"] + arguments)
        #expect(result.status == 2)
        #expect(result.error.hasPrefix("error: "), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    }

    @Test(arguments: ["list", "run", "fuzz", "import", "check", "shrink", "replay", "report", "clean", "bench"])
    func everySubcommandsHelpGivesItsExitStatuses(subcommand: String) throws {
        let result = try cli.run(subcommand, "--help")
        #expect(result.status == 0)
        let text = result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("Exit status: 0"), "\(subcommand): \(result.output)")
        #expect(text.contains("130"), "\(subcommand)")
    }

    /// A recorded workload this kernel cannot set up (a queue longer than any kernel allows) is the trace's
    /// problem: the file and its header line, not "a harness bug".
    @Test func aReplayThatCannotSetUpTheWorkloadNamesTheFileAndLine() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("traces/README.md")
        let examples = try String(contentsOf: readme, encoding: .utf8).components(separatedBy: "```jsonl\n").dropFirst()
            .map { $0.components(separatedBy: "```")[0] }
        let example = try #require(
            examples.first {
                $0.hasPrefix(#"{"format":"ipc-trace","version":1,"model":"posix-mq""#) && $0.contains(#""workload""#)
            })
        let edited = example.replacingOccurrences(
            of: #""params":{"maxMessages":4,"#, with: #""params":{"maxMessages":100000,"#)
        #expect(edited != example)
        let path = try cli.write(edited, to: "unbuildable.jsonl")
        let result = try cli.run("replay", path)
        #expect(result.status == 2)
        #expect(result.error.hasPrefix("error: \(path):1: the header's workload cannot be set up: "), "\(result.error)")
        #expect(!result.error.contains("harness bug"))
    }
}
