import Glibc
import IPCHarness
import IPCHarnessTesting
import Testing

/// The Swift Testing entry points pass when they should, and fail a test, with the replay command, when they
/// should.
@Suite struct ScenarioExpectationsTests {
    let directory = "/tmp/ipc-harness-expectations-\(getpid())"

    @Test func aCorrectScenarioPasses() {
        let summary = IPCHarnessExpectations.expectNoViolation(scenario: "pipe-write-all", runs: 5, seed: 3, traceDirectory: directory)
        #expect(summary?.runs == 5)
    }

    @Test func simulatedScenariosRunInTheirMode() {
        IPCHarnessExpectations.expectNoViolation(scenario: "credits-ring", runs: 20, seed: 3, traceDirectory: directory, mode: .sim)
        IPCHarnessExpectations.expectViolation(scenario: "hol-shared-ring", within: 100, seed: 3, traceDirectory: directory)
    }

    @Test func aBrokenScenarioFailsTheTestWithTheReplayCommand() {
        withKnownIssue {
            IPCHarnessExpectations.expectNoViolation(scenario: "pipe-broken-reorders", runs: 20, seed: 3, traceDirectory: directory)
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("replay: ipc-harness replay \(directory)/pipe-broken-reorders-") && text.contains("no linearization")
        }
    }

    /// A weak-memory bug caught in the simulation by the one call: the issue names the trace, the store seen late and
    /// the command that replays it, and that replay gives the same verdict.
    @Test func aWeakMemoryBugFailsTheTestWithTheTraceTheStoreSeenLateAndTheReplayCommand() throws {
        var path: String?
        withKnownIssue {
            let summary = IPCHarnessExpectations.expectNoViolation(
                scenario: "spsc-ring-relaxed-broken", runs: 100, seed: 1, traceDirectory: directory)
            path = summary?.firstViolation?.path
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("trace: \(directory)/spsc-ring-relaxed-broken-")
                && text.contains("replay: ipc-harness replay \(directory)/spsc-ring-relaxed-broken-")
                && text.contains("WEAK MEMORY:") && text.contains("that store was seen late")
        }
        let replay = try Replayer.replay(path: try #require(path), worker: WorkerCommand(path: "/nonexistent"), checkBudget: .standard)
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
        #expect(replay.result.report.result == .violation)
    }

    @Test func expectViolationPassesOnABrokenScenarioAndFailsOnACorrectOne() {
        IPCHarnessExpectations.expectViolation(scenario: "pipe-broken-drops-tail", within: 50, seed: 4, traceDirectory: directory)
        withKnownIssue {
            IPCHarnessExpectations.expectViolation(scenario: "pipe-basic", within: 3, seed: 4, traceDirectory: directory)
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("no violation in 3 runs")
        }
    }

    @Test func threadsModeScenariosRunInProcessAndFailWithTheRerunCommand() {
        IPCHarnessExpectations.expectNoViolation(scenario: "rcu-swift", runs: 10, seed: 2, traceDirectory: directory)
        withKnownIssue {
            IPCHarnessExpectations.expectNoViolation(scenario: "rcu-broken-no-grace", runs: 50, seed: 2, traceDirectory: directory)
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("rerun: ipc-harness run rcu-broken-no-grace --seed ") && text.contains("object r0")
        }
    }

    @Test func anUnknownScenarioIsAnIssueNotACrash() {
        withKnownIssue {
            IPCHarnessExpectations.expectNoViolation(scenario: "no-such-scenario")
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("no scenario named 'no-such-scenario'")
        }
    }
}
