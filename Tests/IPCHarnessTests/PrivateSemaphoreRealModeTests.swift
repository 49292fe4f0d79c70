import Foundation
import Glibc
import IPCHarness
import IPCModels
import Testing

/// An unnamed semaphore initialised with `pshared` 0 in memory two workers share, measured through real workers
/// (glibc 2.36): with pshared 0 glibc sleeps and wakes on a private futex, keyed by the process's memory, so process
/// 1's post never reaches process 2 asleep in `sem_wait` — the driver settles after the post (waits until every worker
/// has replied or sleeps in its call again), then process 1 still reads the unit and takes it; with pshared 1 the same
/// post wakes process 2, which takes the unit. Both runs check `ok` against the model: a wait that never returns is
/// always allowed, and the value is shared either way; the pshared 0 run's report names the hazard.
@Suite struct PrivateSemaphoreRealModeTests {
    /// How process 2's wait, asleep before process 1's post, ended — and what process 1 read right after the post,
    /// and whether its trywait then found the unit. Nil when no seed put the wait to sleep before the post.
    struct Observed: Equatable {
        var sleeperEnd: String
        var readAfterPost: String
        var trywait: String
        /// Whether the check names the pshared 0 hazard (a sleeper another process posted in vain).
        var hazardNamed: Bool
    }

    func observe(shared: Bool) throws -> Observed? {
        let worker = try WorkerLocator.workerCommand()
        let workload = Workload(
            objects: [Workload.Object(name: "s0", kind: "posix-sem", parameters: ["value": 0, "named": false, "pshared": .bool(shared)])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["use"]], program: [
                    Call(process: 1, object: "s0", f: "post"), Call(process: 1, object: "s0", f: "getvalue"),
                    Call(process: 1, object: "s0", f: "wait", value: ["nonblocking": true]),
                ]),
                Workload.Process(id: 2, holds: ["s0": ["use"]], program: [Call(process: 2, object: "s0", f: "wait")]),
            ])
        let scenario = Scenario.real(
            name: "test-private-semaphore", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
            summary: "a post to a pshared \(shared ? 1 : 0) semaphore with a sleeper in another process", makeWorkload: { _ in workload })
        for seed in UInt64(1)...40 {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
            #expect(result.report.result == .ok, "seed \(seed): \(result.report.explanation)")
            let events = result.trace.events
            guard let sleep = events.firstIndex(where: { $0.process == 2 && $0.type == .invoke }),
                let post = events.firstIndex(where: { $0.process == 1 && $0.type == .invoke && $0.f == "post" }), sleep < post,
                !events[sleep..<post].contains(where: { $0.process == 2 && $0.type != .invoke })
            else { continue }
            func end(of process: Int, after index: Int, _ f: String?) -> String {
                guard let event = events[index...].first(where: {
                    $0.process == process && [.ok, .fail, .info, .kill].contains($0.type) && (f == nil || $0.f == f || $0.type == .kill)
                }) else { return "none" }
                switch event.type {
                case .ok: return event.value.map { "\($0)" } ?? "ok"
                case .fail: return event.error ?? "fail"
                case .kill: return "killed \(event.point ?? "")"
                default: return "info"
                }
            }
            let getvalue = events.firstIndex(where: { $0.process == 1 && $0.type == .invoke && $0.f == "getvalue" }) ?? post
            let trywait = events.firstIndex(where: { $0.process == 1 && $0.type == .invoke && $0.f == "wait" }) ?? post
            // The read and the trywait right after the post, before process 2's wait ended, if it did.
            let sleeperEnd = events[post...].firstIndex(where: { $0.process == 2 && [.ok, .fail, .kill].contains($0.type) }) ?? events.count
            guard getvalue < sleeperEnd || shared else { continue }
            return Observed(
                sleeperEnd: end(of: 2, after: sleep + 1, "wait"),
                readAfterPost: getvalue < sleeperEnd ? end(of: 1, after: getvalue, "getvalue") : "after the sleeper's end",
                trywait: trywait < sleeperEnd ? end(of: 1, after: trywait, "wait") : "after the sleeper's end",
                hazardNamed: result.report.hazards.contains { $0.contains("pshared 0") })
        }
        return nil
    }

    @Test func aPostDoesNotWakeAnotherProcessAsleepOnAPshared0Semaphore() throws {
        let observed = try #require(try observe(shared: false), "no seed of 40 put process 2 to sleep before the post")
        #expect(observed == Observed(sleeperEnd: "killed blocked", readAfterPost: #"{"value":1}"#, trywait: "ok", hazardNamed: true))
    }

    @Test func aPostWakesAnotherProcessAsleepOnAPshared1Semaphore() throws {
        let observed = try #require(try observe(shared: true), "no seed of 40 put process 2 to sleep before the post")
        #expect(observed == Observed(sleeperEnd: "ok", readAfterPost: "after the sleeper's end", trywait: "after the sleeper's end", hazardNamed: false))
    }

    /// A real-mode kill of a process asleep in a wait shows the value was 0 (pshared 1, no sem_init during the run):
    /// the pool set up with pshared 0 is caught — its users sleep on with a unit free — and its pshared 1 twin is not.
    @Test func aPoolSetUpWithPshared0IsCaughtAndItsTwinIsNot() throws {
        let worker = try WorkerLocator.workerCommand()
        let directory = "/tmp/ipc-harness-sem-pshared0-\(getpid())"
        defer { _ = try? FileManager.default.removeItem(atPath: directory) }
        let options = RunOptions(seed: 4000, runs: 20, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60))
        let fragile = try ScenarioRunner.run(try #require(Scenarios.named("posix-sem-fragile-pool-pshared0")), options: options, worker: worker)
        let violation = try #require(fragile.firstViolation, "caught in none of \(fragile.runs) runs")
        #expect(violation.explanation.contains("asleep in a wait when killed (so the value was 0)"), "\(violation.explanation)")
        let robust = try ScenarioRunner.run(try #require(Scenarios.named("posix-sem-robust-pool-pshared1")), options: options, worker: worker)
        #expect(robust.violations == 0, "\(robust.firstViolation?.explanation ?? "")")
    }
}
