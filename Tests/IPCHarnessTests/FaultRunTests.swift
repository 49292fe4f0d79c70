import Glibc
import IPCHarness
import IPCModels
import Testing

/// Whole runs with faults on: the fragile clients are caught and their robust twins are not, the decisions come
/// from the seed, and a run with faults replays with the same faults.
@Suite struct FaultRunTests {
    let worker: WorkerCommand
    let directory = "/tmp/ipc-harness-faults-\(getpid())"

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    func options(seed: UInt64, runs: Int, faults: FaultOptions? = nil) -> RunOptions {
        RunOptions(seed: seed, runs: runs, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60), faults: faults)
    }

    @Test(arguments: [
        "pipe-fragile-eof-on-eintr", "pipe-fragile-ignores-short-writes", "robust-mutex-fragile-ignores-owner-death",
        "ack-queue-fragile-forgets-unacked",
        "unix-stream-fragile-one-read-per-message", "pipe-libc-fragile-eof-on-eintr",
    ])
    func fragileClientsAreCaughtUnderTheirFaults(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        #expect(scenario.isBroken && !scenario.defaultFaults.isEmpty)
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 4000, runs: 60), worker: worker)
        let violation = try #require(summary.firstViolation, "\(name) ran \(summary.runs) times without being caught")
        defer { unlink(violation.path) }
        let trace = try Trace.load(path: violation.path)
        #expect(trace.events.contains { $0.type == .fault || $0.type == .kill })
        // Replayed with the same faults, to the same verdict, every invocation in its recorded order.
        let replay = try Replayer.replay(path: violation.path, worker: worker, checkBudget: CheckBudget(seconds: 60))
        #expect(replay.result.report.result == .violation)
        #expect(replay.divergences.allSatisfy { $0.hasPrefix("event ") }, "\(replay.divergences)")
        // Per process: completions of different processes may arrive in another order when replayed.
        let injected = { (events: [Trace.Event]) -> [Int: [String]] in
            Dictionary(grouping: events.filter { $0.type == .fault && $0.fault != "signal" }, by: \.process)
                .mapValues { $0.map { "\($0.fault ?? "") \($0.call ?? "")" } }
        }
        #expect(injected(replay.result.trace.events) == injected(trace.events))
        // Shrinking drops the faults the violation does not need, with the rest of what it does not need.
        let shrunk = try Shrinker.shrink(trace, worker: worker, timeLimitSeconds: 60)
        #expect(shrunk.result.report.result == .violation)
        #expect(shrunk.eventsAfter < shrunk.eventsBefore)
        let faultsBefore = trace.events.count { $0.type == .fault }
        let faultsAfter = shrunk.result.trace.events.count { $0.type == .fault }
        #expect(faultsAfter <= Swift.min(2, faultsBefore), "\(faultsBefore) → \(faultsAfter) faults")
    }

    @Test(arguments: [
        "pipe-robust-retrying-reader", "pipe-robust-write-all-under-faults", "robust-mutex-robust-recovers",
        "ack-queue-robust-redelivers",
        "unix-stream-robust-framing-reader", "pipe-libc-robust-retrying-reader",
    ])
    func robustTwinsPassUnderTheSameFaults(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 4100, runs: 12), worker: worker)
        #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
        #expect(summary.unknowns == 0)
    }

    /// A pool on a mutex made without setrobust, under kills: a holder killed leaves the others asleep for good,
    /// which the kernel promises (no violation, no hang: the driver kills the sleepers it finds all asleep), and
    /// the runs name the danger as a hazard.
    @Test func theStalledPoolReportsItsKilledHolderAsAHazard() throws {
        let scenario = try #require(Scenarios.named("robust-mutex-stalled-pool"))
        #expect(!scenario.isBroken && !scenario.defaultFaults.isEmpty)
        let summary = try ScenarioRunner.run(scenario, options: options(seed: 4000, runs: 20), worker: worker)
        #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
        #expect(summary.unknowns == 0)
        let hazard = try #require(summary.firstHazard, "no run of \(summary.runs) killed a holder")
        #expect(hazard.contains("made without PTHREAD_MUTEX_ROBUST"), "\(hazard)")
    }

    @Test func theFramingReaderPassesWithEveryFaultKindIncludingKills() throws {
        // Beyond its default faults: EAGAIN and ENOMEM in place of its first receive, delays, signals with
        // SA_RESTART, kills anywhere.
        let scenario = try #require(Scenarios.named("unix-stream-robust-framing-reader"))
        let summary = try ScenarioRunner.run(
            scenario, options: options(seed: 4500, runs: 16, faults: try FaultOptions(parsing: "all", killRate: 0.05)),
            worker: worker)
        #expect(summary.violations == 0, "\(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
        #expect(summary.unknowns == 0)
        // Under its default faults, the reader's loop meets what it is about (or passing would prove nothing):
        // receives cut short and real signals while it waits. (An injected EINTR lands only on a receive that
        // would sleep, which the scheduling decides: InterruptionOnlyAsleepTests holds that rule.)
        var seen: Set<String> = []
        for run in 0..<6 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: UInt64(4500 + run), strategy: .random, worker: worker,
                checkBudget: CheckBudget(seconds: 60))
            #expect(result.report.result == .ok, "seed \(4500 + run): \(result.report.explanation)")
            for event in result.trace.events where event.type == .fault {
                seen.insert("\(event.fault ?? "")\(event.call.map { " " + $0 } ?? "") by \(event.process)")
            }
        }
        #expect(seen.isSuperset(of: ["short recvmsg by 2", "signal by 2"]), "\(seen)")
    }

    @Test func correctScenariosPassWithEveryFaultKindIncludingKills() throws {
        let faults = try FaultOptions(parsing: "all", killRate: 0.1)
        var seen: Set<String> = []
        for name in ["pipe-basic", "robust-mutex-owner-death", "sysv-sem-undo"] {
            let scenario = try #require(Scenarios.named(name))
            for run in 0..<8 {
                let result = try ScenarioRunner.runOnce(
                    scenario, seed: UInt64(4200 + run), strategy: .random, worker: worker,
                    checkBudget: CheckBudget(seconds: 60), faults: faults)
                #expect(result.report.result == .ok, "\(name) seed \(4200 + run): \(result.report.explanation)")
                for event in result.trace.events {
                    if event.type == .fault { seen.insert(event.fault == "signal" ? "signal" : "injected") }
                    if event.type == .kill, let point = event.point { seen.insert("kill " + point) }
                }
            }
        }
        // The runs met every kind of interference they are about.
        #expect(seen.isSuperset(of: ["signal", "injected", "kill before", "kill after"]), "\(seen)")
    }

    /// After a kill leaves an operation indeterminate, a live holder of its object observes what it did: the
    /// probe names the invoke it resolves, the run still checks, and a replay repeats the recorded probes
    /// without adding its own.
    @Test(arguments: ["pipe-basic", "posix-sem-named", "sysv-sem-undo", "posix-mq-priority", "sysv-msg-selection"])
    func killsAreFollowedByResolutionProbes(name: String) throws {
        let scenario = try #require(Scenarios.named(name))
        let faults = try FaultOptions(parsing: "kill", killRate: 0.25)
        var probed = 0
        for run in 0..<12 where probed < 2 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: UInt64(4300 + run), strategy: .random, worker: worker,
                checkBudget: CheckBudget(seconds: 60), faults: faults)
            #expect(result.report.result == .ok, "\(name) seed \(4300 + run): \(result.report.explanation)")
            let events = result.trace.events
            let probes = events.filter { $0.type == .invoke && $0.extra["resolves"] != nil }
            for probe in probes {
                guard case .integer(let resolved)? = probe.extra["resolves"] else { continue }
                // The resolved process's last operation, on the probed object, ended indeterminate before the probe.
                let info = try #require(events.last { $0.type == .info && $0.process == Int(resolved) && $0.index < probe.index })
                #expect(info.object == probe.object && Int(resolved) != probe.process)
            }
            guard !probes.isEmpty else { continue }
            probed += 1
            let path = "\(directory)/probed-\(name)-\(run).jsonl"
            mkdir(directory, 0o700)
            try result.trace.write(to: path)
            defer { unlink(path) }
            let replay = try Replayer.replay(path: path, worker: worker, checkBudget: CheckBudget(seconds: 60))
            let replayedProbes = replay.result.trace.events.filter { $0.type == .invoke && $0.extra["resolves"] != nil }
            #expect(replayedProbes.count == probes.count, "\(replay.divergences)")
        }
        #expect(probed > 0, "no run of \(name) left an operation for a probe to resolve")
    }

    @Test func unixSocketSendsAndReceivesAreWhereTheFaultsLand() throws {
        // sendmsg and recvmsg are the socket's data calls: a fault meant for a send or a receive must reach them
        // (it once fired on nothing, and socket runs "passed" every fault kind untouched). EINTR reaches them only
        // where they would sleep (a send into a full buffer, a receive from an empty socket), which these small
        // runs may not meet: InterruptionOnlyAsleepTests holds that rule on the calls themselves.
        let scenario = try #require(Scenarios.named("unix-stream-pair"))
        let faults = FaultOptions(kinds: [.short, .eintr], rate: 0.5)
        var calls: Set<String> = []
        for seed in UInt64(4400)..<4406 {
            let result = try ScenarioRunner.runOnce(
                scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60),
                faults: faults)
            #expect(result.report.result == .ok, "seed \(seed): \(result.report.explanation)")
            for event in result.trace.events where event.type == .fault {
                calls.insert("\(event.fault ?? "") \(event.call ?? "")")
            }
        }
        #expect(calls.isSuperset(of: ["short sendmsg", "short recvmsg"]), "\(calls)")
    }

    /// A client that calls `Glibc.read` itself, past the harness's wrappers: the injected EINTR reaches it at the
    /// libc boundary (the worker's interposer), is recorded as a fault of its `read`, and catches the fragile one
    /// without any real signal.
    @Test func injectedFaultsReachCodeThatCallsLibcDirectly() throws {
        let scenario = try #require(Scenarios.named("pipe-libc-fragile-eof-on-eintr"))
        let summary = try ScenarioRunner.run(
            scenario, options: options(seed: 4700, runs: 60, faults: try FaultOptions(parsing: "eintr", killRate: nil)),
            worker: worker)
        let violation = try #require(summary.firstViolation, "the libc reader escaped 60 runs of injected EINTR")
        defer { unlink(violation.path) }
        let trace = try Trace.load(path: violation.path)
        #expect(trace.events.contains { $0.type == .fault && $0.fault == "EINTR" && $0.call == "read" })
        #expect(!trace.events.contains { $0.type == .fault && $0.fault == "signal" })
    }

    /// The same through a semaphore: a `Glibc.sem_wait` has no descriptor the injector could read, so the interposer
    /// hands it the semaphore and the injector asks whether the wait would sleep (value 0). Before, it could never
    /// tell, and no injected EINTR ever reached such a wait.
    @Test func injectedInterruptionsReachASemaphoreWaitMadeStraightToLibc() throws {
        let fragile = try #require(Scenarios.named("posix-sem-libc-fragile-eintr-as-unit"))
        let eintr = try FaultOptions(parsing: "eintr", killRate: nil)
        let summary = try ScenarioRunner.run(fragile, options: options(seed: 4800, runs: 40, faults: eintr), worker: worker)
        let violation = try #require(summary.firstViolation, "the libc waiter escaped 40 runs of injected EINTR")
        defer { unlink(violation.path) }
        let trace = try Trace.load(path: violation.path)
        #expect(trace.events.contains { $0.type == .fault && $0.fault == "EINTR" && $0.call == "semWait" })
        let robust = try #require(Scenarios.named("posix-sem-libc-robust-retries-eintr"))
        let clean = try ScenarioRunner.run(robust, options: options(seed: 4800, runs: 20, faults: eintr), worker: worker)
        #expect(clean.violations == 0, "\(clean.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "")")
    }

    @Test func theSeedDecidesEveryFault() throws {
        let scenario = try #require(Scenarios.named("pipe-fragile-eof-on-eintr"))
        let faults = try FaultOptions(parsing: "eintr,short,delay,kill", killRate: 0.1)
        func decisions() throws -> [Int: [String]] {
            let trace = try ScenarioRunner.runOnce(
                scenario, seed: 4300, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60), faults: faults
            ).trace
            var byProcess: [Int: [String]] = [:]
            for event in trace.events where [.invoke, .fault, .kill].contains(event.type) {
                byProcess[event.process, default: []].append("\(event.type.rawValue) \(event.f ?? "") \(event.fault ?? "") \(event.point ?? "")")
            }
            return byProcess
        }
        let first = try decisions()
        #expect(first.values.contains { $0.contains { $0.hasPrefix("fault") } })
        let second = try decisions()
        #expect(second == first, "\(first)\n\(second)")
    }

    @Test func faultOptionsParseAndRejectWithOneLine() throws {
        let parsed = try FaultOptions(parsing: "eintr, short", killRate: nil)
        #expect(parsed.kinds == [.eintr, .short])
        #expect(parsed.killRate == 0)
        #expect(try FaultOptions(parsing: nil, killRate: 0.2).kinds == [.kill])
        #expect(try FaultOptions(parsing: "none", killRate: nil).isEmpty)
        #expect(try FaultOptions(parsing: "all", killRate: nil).kinds == Set(FaultOptions.Kind.allCases))
        #expect(throws: HarnessError.self) { try FaultOptions(parsing: "eintr,telepathy", killRate: nil) }
        #expect(throws: HarnessError.self) { try FaultOptions(parsing: "kill", killRate: 1.5) }
        #expect(FaultOptions.none.headerJSON() == ["kinds": []])
    }

    @Test func swarmRunsEnableANonEmptySubset() {
        let all = FaultOptions(kinds: Set(FaultOptions.Kind.allCases), swarm: true)
        var generator = SeededGenerator(seed: 9)
        var sizes: Set<Int> = []
        for _ in 0..<50 {
            let run = all.forRun(&generator)
            #expect(!run.kinds.isEmpty && run.kinds.isSubset(of: all.kinds) && !run.swarm)
            sizes.insert(run.kinds.count)
        }
        #expect(sizes.count > 2)
    }

    @Test func aClientSpinningInsideAnOperationIsKilledByTheWatchdogAndTheRunIsAHang() throws {
        // The writer sends "hi" and exits; the reader's second read finds end of file, which this client takes
        // for "nothing yet": it spins, never asleep, until the watchdog kills it.
        let scenario = Scenario.real(
            name: "test-spins-at-eof", kind: PipeKind.self, implementation: "client.pipe-spins-at-eof", summary: "",
            isBroken: true,
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "p0", kind: "pipe")],
                    processes: [
                        Workload.Process(id: 1, holds: ["p0": ["write"]], program: [
                            Call(process: 1, object: "p0", f: "write", value: ["data": "hi"]),
                        ]),
                        Workload.Process(id: 2, holds: ["p0": ["read"]], program: [
                            Call(process: 2, object: "p0", f: "read", value: ["max": 10]),
                            Call(process: 2, object: "p0", f: "read", value: ["max": 10]),
                        ]),
                    ])
            })
        let trace = try scenario.execute(ScenarioRun(seed: 1, strategy: .random, worker: worker, hangAfterSeconds: 0.5))
        #expect(trace.events.contains { $0.type == .kill && $0.point == "hung" && $0.process == 2 })
        let report = try TraceChecker.check(trace)
        #expect(report.result == .unknown)
        #expect(report.hangs.count == 1)
        #expect(report.explanation.hasPrefix("HANG: process 2 hung in 'read' on p0"))
    }
}
