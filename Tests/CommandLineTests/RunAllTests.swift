import Foundation
import Glibc
import IPCHarness
import Testing

/// `run --all` (issue 14, items 13 and 15): as a user who is not root it aborted at `fifo-permission` and the other
/// scenarios never ran; and it ended with no summary.
@Suite struct RunAllTests {
    let cli = CommandLineTests()

    var canRunAsAnotherUser: Bool { getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0 }

    func asNobody(_ arguments: [String]) throws -> CommandLineTests.Result {
        try cli.runArguments(
            ["--reuid=65534", "--regid=65534", "--clear-groups", CommandLineTests.executable.path] + arguments,
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
    }

    @Test func aUserWhoIsNotRootRunsEveryOtherScenarioAndSeesWhyOneWasSkipped() throws {
        guard canRunAsAnotherUser else {
            print("skipped: running the command line as another user needs root and setpriv")
            return
        }
        let out = "/tmp/ipch-run-all-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try asNobody(["run", "--all", "--mode", "real", "--runs", "1", "--seed", "3", "--out", out])
        // Every correct scenario passes as this user too: the models are told the objects are its own (exit 1 before,
        // at sysv-msg-selection's MSG_STAT_ANY "owner 65534").
        #expect(result.status == 0, "\(result.error)\n\(result.output.split(separator: "\n").filter { $0.contains("VIOLATION") })")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.hasPrefix("fifo-permission: skipped: its workers run as another user, which needs root")
            })
        // Every real-mode scenario has its row in the closing table, the skipped one too; then the exit status.
        let header = try #require(lines.firstIndex { $0.hasPrefix("scenario ") && $0.contains("expected?") })
        let real = Scenarios.all.filter { $0.modes.contains(.real) }
        #expect(lines.count == header + 1 + real.count + 1)
        for (line, scenario) in zip(lines[(header + 1)...], real) { #expect(line.hasPrefix(scenario.name + " ")) }
        #expect(lines.last?.hasPrefix("exit status \(result.status): ") == true)
        let skipped = lines.filter { $0.contains(": skipped: ") }
        #expect(lines.last!.contains("\(skipped.count) skipped"))
        #expect(skipped.count == 7, "fifo-permission, the two abstract-name scenarios and the four that lock memory: \(skipped)")
        for name in ["posix-shm-memory-locks", "sysv-shm-attach-count", "posix-shm-fragile-sync-private-fallback", "posix-shm-robust-sync-refusal"] {
            #expect(lines.contains { $0.hasPrefix("\(name): skipped: its workers lock memory") }, "\(name)")
        }
    }

    @Test func aScenarioThatCannotRunHereAloneIsAUsageError() throws {
        guard canRunAsAnotherUser else {
            print("skipped: running the command line as another user needs root and setpriv")
            return
        }
        let result = try asNobody(["run", "fifo-permission", "--runs", "1"])
        #expect(result.status == 2)
        #expect(
            result.error
                == "error: scenario fifo-permission cannot run here: its workers run as another user, which needs root (this is uid 65534)\n"
        )
    }

    @Test func theTableSaysWhatWasExpectedAndTheStatus() throws {
        let correct = try #require(Scenarios.named("pipe-basic"))
        let broken = try #require(Scenarios.named("pipe-broken-reorders"))
        var passed = ScenarioSummary(scenario: correct)
        passed.runs = 20
        var caught = ScenarioSummary(scenario: broken)
        caught.runs = 3
        caught.violations = 1
        var failed = ScenarioSummary(scenario: correct)
        failed.runs = 5
        failed.violations = 1
        let ok: [CommandLineText.RunAllRow] = [.ran(passed), .ran(caught), .skipped(broken, reason: "why")]
        #expect(CommandLineText.runAllStatus(ok) == 0)
        let text = CommandLineText.runAllSummary(ok)
        #expect(text.contains("pipe-broken-reorders       3  VIOLATION      yes (broken on purpose)"), "\(text)")
        #expect(text.hasSuffix("exit status 0: every correct scenario passed (1 skipped)"))
        #expect(CommandLineText.runAllStatus(ok + [.ran(failed)]) == 1)
        #expect(CommandLineText.runAllSummary(ok + [.ran(failed)]).contains("NO: a correct scenario failed"))
    }
}
