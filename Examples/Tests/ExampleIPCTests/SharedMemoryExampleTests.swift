import ExampleIPC
import Foundation
import IPCHarness
import IPCHarnessTesting
import Testing

/// The example's shared-memory code (``LockFreeStack``, ``OneSlotMailbox``), written as ordinary Swift over
/// `SharedMemory`, checked in the harness's simulation with one call each: the broken twins are caught, and the
/// trace of the catch replays exactly and shrinks through the example's command line; the correct twins pass.
extension ExampleIPCTests {
    @Test func theUntaggedStackIsCaughtInSimulationAndItsTraceReplaysExactly() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            SharedMemoryExampleScenarios.untaggedStack, within: 200, components: ExampleComponents.all, seed: 1,
            traceDirectory: traces, cli: "example-harness")
        let violation = try #require(summary?.firstViolation)
        #expect(violation.explanation.contains("aba"), "\(violation.explanation)")
        let replay = try exampleHarness("replay", violation.path)
        #expect(replay.status == 1)
        #expect(replay.output.hasPrefix("replayed: same verdict (violation)"), "\(replay.output)")
        let shrink = try exampleHarness("shrink", violation.path, "--out", violation.path + ".shrunk")
        #expect(shrink.status == 1, "\(shrink.output)")
        #expect(try exampleHarness("replay", violation.path + ".shrunk").output.hasPrefix("replayed: same verdict (violation)"))
    }

    @Test func theEightBitSequenceMailboxIsCaughtInSimulation() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            SharedMemoryExampleScenarios.mailboxSequence8, within: 200, components: ExampleComponents.all, seed: 1,
            traceDirectory: traces, cli: "example-harness")
        let violation = try #require(summary?.firstViolation)
        let replay = try exampleHarness("replay", violation.path)
        #expect(replay.output.hasPrefix("replayed: same verdict (violation)"), "\(replay.output)")
    }

    @Test(arguments: [SharedMemoryExampleScenarios.stack, SharedMemoryExampleScenarios.mailbox])
    func theCorrectTwinsPassInSimulation(scenario: Scenario) {
        let summary = IPCHarnessExpectations.expectNoViolation(
            scenario, components: ExampleComponents.all, runs: 100, seed: 1, traceDirectory: traces, cli: "example-harness")
        #expect(summary?.runs == 100)
    }

    /// The same code in real worker processes (`example-worker`), over a `MAP_SHARED` memory file.
    @Test(arguments: [SharedMemoryExampleScenarios.stack, SharedMemoryExampleScenarios.mailbox])
    func theCorrectTwinsPassInWorkerProcesses(scenario: Scenario) {
        let summary = IPCHarnessExpectations.expectNoViolation(
            scenario, components: ExampleComponents.all, worker: "example-worker", runs: 3, seed: 1, mode: .real,
            traceDirectory: traces, cli: "example-harness")
        #expect(summary?.runs == 3)
    }

    /// Weak memory from a user's package: the hand-off slot whose flag is raised with a relaxed store is caught, the
    /// failure names the store seen late, and the same code passes under sequential consistency — as does the
    /// releasing version under weak memory.
    @Test func theRelaxedHandoffIsCaughtOnlyUnderWeakMemory() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            SharedMemoryExampleScenarios.relaxedHandoff, within: 200, components: ExampleComponents.all, seed: 1,
            traceDirectory: traces, cli: "example-harness")
        let violation = try #require(summary?.firstViolation)
        #expect(violation.explanation.contains("WEAK MEMORY:"), "\(violation.explanation)")
        #expect(violation.explanation.contains("that store was seen late"), "\(violation.explanation)")
        #expect(try exampleHarness("replay", violation.path).output.hasPrefix("replayed: same verdict (violation)"))
        IPCHarnessExpectations.expectNoViolation(
            SharedMemoryExampleScenarios.relaxedHandoff, components: ExampleComponents.all, runs: 200, seed: 1,
            memory: .sequentiallyConsistent, traceDirectory: traces, cli: "example-harness")
        IPCHarnessExpectations.expectNoViolation(
            SharedMemoryExampleScenarios.handoff, components: ExampleComponents.all, runs: 200, seed: 1,
            traceDirectory: traces, cli: "example-harness")
    }
}
