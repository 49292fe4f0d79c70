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

    @Test func expectViolationPassesOnABrokenScenarioAndFailsOnACorrectOne() {
        IPCHarnessExpectations.expectViolation(scenario: "pipe-broken-drops-tail", within: 50, seed: 4, traceDirectory: directory)
        withKnownIssue {
            IPCHarnessExpectations.expectViolation(scenario: "pipe-basic", within: 3, seed: 4, traceDirectory: directory)
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("no violation in 3 runs")
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
