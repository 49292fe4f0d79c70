import ExampleIPC
import Foundation
import IPCHarness
import IPCHarnessTesting
import Testing

/// The example's own code under the harness, as a user's tests would run it: in real worker processes
/// (`example-worker`, which SwiftPM builds because this target depends on it), with faults and kills, each
/// correct implementation beside its broken twin.
@Suite struct ExampleIPCTests {
    let traces = "/tmp/ipc-harness-example-\(getpid())"

    @Test func theFramedChannelKeepsEveryMessageWholeUnderSignals() {
        IPCHarnessExpectations.expectNoViolation(
            ExampleScenarios.framedChannel, components: ExampleComponents.all, worker: "example-worker", runs: 40,
            seed: 1, traceDirectory: traces, cli: "example-harness")
    }

    @Test func theFragileFramedChannelIsCaughtUnderSignals() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            ExampleScenarios.fragileFramedChannel, within: 100, components: ExampleComponents.all,
            worker: "example-worker", seed: 1, traceDirectory: traces)
        #expect(summary?.firstViolation != nil)
    }

    /// The fragile receiver calls `Glibc.read` itself; an `EINTR` injected at the libc boundary reaches it with no
    /// real signal sent.
    @Test func injectedInterruptionsReachCodeThatCallsLibcDirectly() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            ExampleScenarios.fragileFramedChannel, within: 100, components: ExampleComponents.all,
            worker: "example-worker", seed: 2, faults: FaultOptions(kinds: [.eintr], rate: 0.3), traceDirectory: traces)
        let trace = try Trace.load(path: try #require(summary?.firstViolation?.path))
        #expect(trace.events.contains { $0.type == .fault && $0.fault == "EINTR" && $0.call == "read" })
        #expect(!trace.events.contains { $0.type == .fault && $0.fault == "signal" })
    }

    /// A kind of one's own that lists the parameters it reads (`TokenPoolKind.parameterNames`) has a misspelt one
    /// refused before anything runs, as the harness's own kinds do; spelt right, the workload passes.
    @Test func aMisspeltParameterOfTheExamplesOwnKindIsRefused() throws {
        try ExampleComponents.all.register()
        var workload = Workload(
            objects: [Workload.Object(name: "t0", kind: TokenPoolKind.self, parameters: ["tokenz": 3])],
            processes: [Workload.Process(id: 1, holds: ["t0": ["use"]])])
        let error = #expect(throws: HarnessError.self) { try workload.refuseUnknownParameters() }
        #expect(error?.message.contains("has the parameter 'tokenz', which the kind token-pool does not read (it reads: tokens)") == true, "\(error?.message ?? "")")
        workload.objects[0].parameters = ["tokens": 3]
        try workload.refuseUnknownParameters()
    }

    @Test func theUndoPoolGetsEveryTokenBackFromKilledHolders() {
        IPCHarnessExpectations.expectNoViolation(
            ExampleScenarios.tokenPool, components: ExampleComponents.all, worker: "example-worker", runs: 100, seed: 1,
            traceDirectory: traces, cli: "example-harness")
    }

    /// Caught under kills, and the failing trace replays and shrinks through the example's own command line.
    @Test func theLeakyPoolIsCaughtAndItsTraceReplaysAndShrinksWithTheExamplesCommandLine() throws {
        let summary = IPCHarnessExpectations.expectViolation(
            ExampleScenarios.leakyTokenPool, within: 200, components: ExampleComponents.all, worker: "example-worker",
            seed: 1, traceDirectory: traces)
        let path = try #require(summary?.firstViolation?.path)
        let replay = try exampleHarness("replay", path)
        #expect(replay.status == 1)
        #expect(replay.output.hasPrefix("replayed: same verdict (violation)"), "\(replay.output)")
        let shrink = try exampleHarness("shrink", path, "--out", path + ".shrunk")
        #expect(shrink.status == 1, "\(shrink.output)")
        #expect(shrink.output.hasPrefix("shrunk: "), "\(shrink.output)")
        #expect(try exampleHarness("check", path + ".shrunk").status == 1)
    }

    /// A client of a built-in kind: the example's framing reader runs on the unix-socket kind's sockets, judged by
    /// its model, under cut and interrupted receives.
    @Test func aClientOfTheBuiltInSocketKindRunsInTheWorkersAndPasses() throws {
        let summary = IPCHarnessExpectations.expectNoViolation(
            ExampleClients.framingReaderScenario, components: ExampleComponents.all, worker: "example-worker", runs: 30,
            seed: 1, traceDirectory: traces, cli: "example-harness")
        #expect(summary?.runs == 30)
    }

}
