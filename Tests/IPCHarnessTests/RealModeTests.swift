import Glibc
import IPCHarness
import IPCModels
import Testing

/// Whole runs on the real kernel: worker processes, the driver, the checker. Seeds are fixed so CI is
/// deterministic in what it runs (the kernel still decides what happens).
@Suite struct RealModeTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-realmode-\(getpid())"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    func options(seed: UInt64, runs: Int, strategy: StrategySpec = .random) -> RunOptions {
        RunOptions(seed: seed, runs: runs, strategy: strategy, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60))
    }

    @Test(arguments: ["pipe-basic", "pipe-two-pipes", "pipe-write-all"])
    func correctScenariosShowNoViolation(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        for strategy in [StrategySpec.random, .pct(depth: 3)] {
            let summary = try ScenarioRunner.run(scenario, options: options(seed: 1000, runs: 15, strategy: strategy), worker: worker)
            #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
            #expect(summary.unknowns == 0)
            #expect(summary.runs == 15)
        }
    }

    @Test(arguments: ["pipe-broken-drops-tail", "pipe-broken-reorders"])
    func brokenScenariosAreCaught(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(scenario.isBroken)
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 2000, runs: 100), worker: worker)
        let violation = try #require(summary.firstViolation, "\(name) ran \(summary.runs) times without being caught")
        defer { unlink(violation.path) }
        #expect(violation.explanation.contains("object p0: no linearization"))
        // The trace on disk says the same, and replays to the same verdict with every operation as recorded.
        #expect(try TraceChecker.check(path: violation.path).result == .violation)
        let replay = try Replayer.replay(path: violation.path, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.recordedVerdict == .violation)
        #expect(replay.result.report.result == .violation)
        // Invocations, kills and their order replay exactly; outcomes may differ only where the kernel races
        // (two readers asleep on one pipe, woken by one write), and then the replay names the event.
        #expect(replay.divergences.allSatisfy { $0.hasPrefix("event ") }, "\(replay.divergences)")
    }

    @Test func aRunRecordsSpawnsInvocationsCompletionsAndExits() throws {
        let scenario = try #require(Scenarios.named("pipe-basic"))
        let result = try ScenarioRunner.runOnce(scenario, seed: 77, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
        let events = result.trace.events
        let processes = Set(events.map(\.process))
        #expect(events.filter { $0.type == .spawn }.count == processes.count)
        #expect(events.filter { $0.type == .exit }.count == processes.count)
        let invokes = events.filter { $0.type == .invoke }.count
        let completions = events.filter { [.ok, .fail, .info].contains($0.type) }.count
        #expect(invokes == completions)
        #expect(result.trace.header.mode == "real")
        #expect(result.trace.header.extra["workload"] != nil)
        #expect(result.trace.verdict?.result == .ok)
        // Processes told to exit end cleanly (not by the worker's driver-watch thread, status 70).
        for exit in events.filter({ $0.type == .exit }) where !events.contains(where: { $0.type == .kill && $0.process == exit.process }) {
            #expect(exit.value == ["code": 0], "process \(exit.process): \(exit.value.map { "\($0)" } ?? "")")
        }
    }

    @Test func theSameSeedGivesTheSameInvocations() throws {
        let scenario = try #require(Scenarios.named("pipe-two-pipes"))
        func invocations(_ seed: UInt64) throws -> [String] {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .pct(depth: 2), worker: worker, checkBudget: CheckBudget(seconds: 60))
            return result.trace.events.filter { $0.type == .invoke }.map { "\($0.process) \($0.f!) \($0.object!) \($0.value!)" }
        }
        #expect(try invocations(5) == invocations(5))
        #expect(try invocations(5) != invocations(6))
    }

    @Test func aDeadlockedWorkloadEndsWithAKillAndAnIndeterminateOperation() throws {
        // Process 1 holds both ends and reads an empty pipe: it waits for itself forever.
        let scenario = Scenario.real(
            name: "test-self-deadlock", kind: PipeKind.self, implementation: "kernel.pipe",
            summary: "a reader that holds the only write end",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "p0", kind: "pipe")],
                    processes: [Workload.Process(id: 1, holds: ["p0": ["read", "write"]], program: [
                        Call(process: 1, object: "p0", f: "read", value: ["max": 10])
                    ])])
            })
        let result = try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
        let types = result.trace.events.map(\.type)
        #expect(types == [.spawn, .invoke, .kill, .info, .exit])
        #expect(result.trace.events[2].point == "blocked")
        #expect(result.report.result == .ok)
    }

    @Test func anOperationTooLargeForTheControlChannelFailsTheRunInsteadOfHanging() throws {
        // One control message is one seqpacket record (at most the send buffer less 32 bytes): a 300 KB write
        // does not fit. The worker never sees it; the run must say so, not wait for the watchdog.
        let data = Payload.json([UInt8](repeating: UInt8(ascii: "x"), count: 300_000))
        let scenario = Scenario.real(
            name: "test-huge-operation", kind: PipeKind.self, implementation: "kernel.pipe", summary: "",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "p0", kind: "pipe")],
                    processes: [Workload.Process(id: 1, holds: ["p0": ["read", "write"]], program: [
                        Call(process: 1, object: "p0", f: "write", value: ["data": data, "nonblocking": true])
                    ])])
            })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(
                scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
        }
        #expect(error?.description.contains("EMSGSIZE") == true, "\(String(describing: error))")
    }

    @Test func aReplayOfAnEditedTraceReportsWhereItDiverged() throws {
        let scenario = try #require(Scenarios.named("pipe-write-all"))
        var trace = try ScenarioRunner.runOnce(scenario, seed: 3, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60)).trace
        // Claim the first read returned something else.
        let index = try #require(trace.events.firstIndex { $0.type == .ok && $0.f == "read" })
        trace.events[index].value = ["data": "not what was read"]
        let replay = try Replayer.replay(trace, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.divergences.first?.hasPrefix("event \(index):") == true, "\(replay.divergences)")
    }

    @Test func aTraceWithoutAWorkloadCannotBeReplayed() {
        let parameters: JSONValue = ["objects": ["p0": ["readers": [2], "writers": [1]]]]
        let trace = Trace(header: Trace.Header(
            model: "pipe", parameters: parameters, mechanism: "kernel.pipe", seed: "1", strategy: "random", mode: "real"))
        #expect {
            _ = try Replayer.replay(trace, worker: worker, checkBudget: .standard)
        } throws: { error in
            "\(error)".contains("a real-mode header needs its 'workload'")
        }
    }
}

/// Reference implementations in worker processes over a MAP_SHARED memory file and kernel pipes, and the
/// kernel's own FIFO permission rule. Few runs: each starts real processes.
@Suite struct ReferenceRealModeTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-refreal-\(getpid())"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    @Test(arguments: ["toctou-copy", "spsc-ring", "seqlock", "hybrid", "revocation-commit", "fifo-permission"])
    func realRunsShowNoViolation(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(scenario.modes.contains(.real))
        let options = RunOptions(seed: 500, runs: 4, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60), mode: .real)
        let summary = try ScenarioRunner.run(scenario, options: options, worker: worker)
        #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
        #expect(summary.unknowns == 0)
    }

    @Test func theFIFOKeepsWorkingForOpenDescriptorsAfterTheChmod() throws {
        let scenario = try #require(Scenarios.named("fifo-permission"))
        var sawRefusedOpen = false
        var sawUseAfterChmod = false
        for run in 0..<6 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: SeededGenerator.runSeed(base: 77, run: run), strategy: .random, worker: worker, checkBudget: .standard)
            #expect(result.report.result == .ok, "\(result.report.explanation)")
            let events = result.trace.events
            guard let chmod = events.first(where: { $0.type == .ok && $0.f == "chmod" }) else { continue }
            let after = events.filter { $0.index > chmod.index }
            sawRefusedOpen = sawRefusedOpen || after.contains { $0.type == .fail && $0.f == "open" && $0.error == "EACCES" }
            sawUseAfterChmod = sawUseAfterChmod || after.contains { $0.type == .ok && ($0.f == "write" || $0.f == "read") }
        }
        #expect(sawRefusedOpen, "no open after a chmod to 0600 was refused in 6 runs")
        #expect(sawUseAfterChmod, "no descriptor was used after a chmod in 6 runs")
    }

    /// A user's workload that sends more than its ring's slots hold would reach the construction's precondition in
    /// the worker, and the run would report the trap as the user's crash: the real driver refuses it before it
    /// starts anything, as the simulator does.
    @Test func aCallTheConstructionCannotPerformIsRefusedBeforeAnyWorkerStarts() throws {
        let scenario = Scenario.simulated(
            name: "test-oversized-ring-send", kind: SharedRingKind.self, implementation: "reference.spsc-ring",
            summary: "", modes: [.real],
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "q0", kind: SharedRingKind.self, parameters: ["capacity": 3, "maximumMessage": 24])],
                    processes: [
                        Workload.Process(id: 1, holds: ["q0": ["memory"]], program: [
                            Call(process: 1, object: "q0", f: "send", value: ["data": .string(String(repeating: "D", count: 40))])
                        ]),
                        Workload.Process(id: 2, holds: ["q0": ["memory"]], program: [
                            Call(process: 2, object: "q0", f: "receive")
                        ]),
                    ])
            })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: .standard, mode: .real)
        }
        #expect(error?.description.contains("does not fit the construction's slots of 24 bytes") == true, "\(String(describing: error))")
    }

    @Test func realTracesOfReferenceImplementationsReplay() throws {
        let scenario = try #require(Scenarios.named("spsc-ring"))
        let result = try ScenarioRunner.runOnce(scenario, seed: 8, strategy: .random, worker: worker, checkBudget: .standard, mode: .real)
        #expect(result.trace.header.mode == "real")
        let path = "\(directory)/spsc-real.jsonl"
        try result.trace.write(to: path)
        defer { unlink(path) }
        let replay = try Replayer.replay(path: path, worker: worker, checkBudget: .standard)
        #expect(replay.result.report.result == .ok)
        #expect(replay.divergences.isEmpty, "\(replay.divergences)")
    }
}
