import Foundation
import Glibc
import IPCHarness
import IPCModels
import Testing

/// The scenarios of the named and System V objects, run for real with fixed seeds under both strategies: no
/// violation, and each exercises what it claims (the outcomes its model is about do occur).
@Suite struct ObjectScenarioTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    /// Each scenario, and errors at least one of its runs must record.
    static let expectations: [(String, Set<String>)] = [
        ("posix-mq-priority", ["EMSGSIZE", "EINVAL", "EAGAIN"]),
        ("posix-mq-timed", ["ETIMEDOUT", "EINVAL"]),
        ("posix-mq-persistence", ["ENOENT", "EBADF", "EAGAIN", "ok:poll", "ok:select"]),
        ("posix-mq-robust-poll-waits", ["ok:poll", "asleep"]),
        ("posix-mq-robust-epoll-drains", ["ok:epoll_wait", "ok:receive", "EAGAIN:receive"]),
        ("sysv-msg-selection", ["E2BIG", "ENOMSG", "EAGAIN", "ok:set"]),
        ("sysv-msg-removal", ["EINVAL", "EIDRM"]),
        ("posix-shm-words", ["ENOENT", "EFAULT"]),
        ("posix-shm-truncate", ["SIGBUS", "SIGSEGV", "EACCES", "EEXIST", "EINVAL"]),
        ("posix-shm-mappings", ["SIGBUS", "SIGSEGV", "EACCES", "EINVAL", "ENOMEM", "EOVERFLOW", "EEXIST"]),
        ("posix-shm-memory-locks", ["EBUSY", "ENOMEM", "EINVAL", "ok:lock", "ok:unlock", "ok:lockall", "ok:unlockall"]),
        ("posix-shm-robust-mlock-limit", ["ENOMEM:lock", "ok:lock", "ok:sync", "ok:unlock"]),
        ("posix-shm-robust-close-after-map", ["ok:fcntl", "ok:close", "EBADF:truncate", "ok:truncate", "ok:stat", "SIGBUS"]),
        ("posix-shm-robust-setrlimit-lowered", ["ok:setrlimit", "EPERM:setrlimit", "ENOMEM:lock", "EBUSY:sync", "ok:lock", "ok:unlock"]),
        ("sysv-shm-attach-count", ["EINVAL", "SIGSEGV"]),
        ("sysv-shm-robust-checked-shmat", ["EINVAL:attach", "ok:attach", "ok:store"]),
        ("sysv-shm-robust-detached-store-refused", ["EFAULT:store", "ok:detach", "ok:attach", "ok:load"]),
        ("sysv-shm-robust-shm-lock-limit", ["ENOMEM:lock", "ok:status", "ok:setrlimit", "ok:lock", "ok:unlock"]),
        ("posix-sem-named", ["EAGAIN", "ENOENT"]),
        ("posix-sem-unnamed", ["EAGAIN"]),
        ("posix-sem-init-destroy", ["ok:init", "EINVAL", "ok:destroy", "EAGAIN", "asleep"]),
        ("sysv-sem-undo", ["EAGAIN"]),
        ("sysv-sem-robust-pool-with-undo", ["EAGAIN"]),
        ("robust-mutex-owner-death", ["EOWNERDEAD", "ENOTRECOVERABLE", "EDEADLK", "EBUSY", "EPERM"]),
        ("robust-mutex-lifecycle", ["ok:destroy", "ok:init", "EINVAL", "EBUSY", "EDEADLK", "EPERM", "EOWNERDEAD"]),
    ]

    @Test(arguments: expectations)
    func runsShowNoViolationAndReachWhatTheScenarioIsAbout(name: String, errors: Set<String>) throws {
        let seen = try ScenarioRuns.reached(name, seeds: 4000..<4015, worker: worker)
        #expect(errors.isSubset(of: seen), "\(name) never saw \(errors.subtracting(seen).sorted()); saw \(seen.sorted())")
    }

    /// The writer that closed its descriptor after mapping and takes the `ftruncate` that fails `EBADF` for done is
    /// caught at that call.
    @Test func theTruncateAfterCloseWriterIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-shm-fragile-truncate-after-close", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("ftruncate 4096 → ok"), "\(explanation)")
    }

    /// The consumer that polls once and takes "not ready" for "no message will come" is caught: its wait returned
    /// with nothing ready, which a poll without a timeout never does.
    @Test func thePollOnceConsumerIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-mq-fragile-poll-once", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("poll(POLLIN, timeout -1) → 0"), "\(explanation)")
    }

    /// The edge-triggered consumer that takes one message per wake-up is caught: a burst woke it once, and it answered
    /// a receive `EAGAIN` while the rest of the burst was queued.
    @Test func theOnePerWakeupConsumerIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-mq-fragile-epoll-one-per-wakeup", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("(nonblocking) → EAGAIN"), "\(explanation)")
    }

    /// The client that never checks `shmat`'s result is caught: it reports an attach the kernel refuses (an unaligned
    /// address without `SHM_RND`, or over its attachment without `SHM_REMAP`) as done.
    @Test func theUncheckedShmatIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("sysv-shm-fragile-unchecked-shmat", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("shmat at an address"), "\(explanation)")
    }

    /// The client that stores through the pointer it detached is caught: the store after `shmdt` cannot succeed.
    @Test func theStoreAfterDetachIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("sysv-shm-fragile-store-after-detach", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("store"), "\(explanation)")
    }

    /// The client that takes `mlock`'s `ENOMEM` for locked is caught: under a 1-page `RLIMIT_MEMLOCK` without
    /// `CAP_IPC_LOCK` it reports both pages of its mapping locked, which they alone pass the limit to be.
    @Test func theUncheckedMlockIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-shm-fragile-mlock-unchecked", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("mlock 2 pages from page 0 → ok"), "\(explanation)")
    }

    /// The client that takes `setrlimit`'s `EPERM` for done is caught: having lowered its hard `RLIMIT_MEMLOCK` to 2
    /// pages without `CAP_SYS_RESOURCE`, it reports a higher hard limit set.
    @Test func theUncheckedSetrlimitIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-shm-fragile-setrlimit-unchecked", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("setrlimit RLIMIT_MEMLOCK soft 8192 hard"), "\(explanation)")
        #expect(explanation.contains("→ ok"), "\(explanation)")
    }

    /// The client that takes `SHM_LOCK`'s `ENOMEM` for done is caught: under a 1-page `RLIMIT_MEMLOCK` without
    /// `CAP_IPC_LOCK` it reports a 2-page segment locked, whose pages alone pass the limit.
    @Test func theUncheckedShmLockIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("sysv-shm-fragile-shm-lock-unchecked", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("SHM_LOCK → ok"), "\(explanation)")
    }

    /// `memlock` limits a holder's whole worker (its `RLIMIT_MEMLOCK`, `CAP_IPC_LOCK` dropped), so a holder of another
    /// object — judged as a privileged process there — is refused before anything runs, naming it.
    @Test func aMemlockHolderOfAnotherObjectIsRefused() throws {
        let workload = Workload(
            objects: [
                Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": 1024, "memlock": 4096]),
                Workload.Object(name: "s1", kind: "posix-shm", parameters: ["words": 8]),
            ],
            processes: [Workload.Process(id: 1, holds: ["s0": ["map"], "s1": ["map"]], program: [])])
        let scenario = Scenario.real(
            name: "test-memlock-two-objects", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm", summary: "two objects",
            makeWorkload: { _ in workload })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("process 1 also holds s1") == true, "\(error?.message ?? "")")
    }

    /// The same for a sysv-shm object's `memlock`: its holders' `SHM_LOCK` of another object would meet the limit.
    @Test func aSystemVMemlockHolderOfAnotherObjectIsRefused() throws {
        let workload = Workload(
            objects: [
                Workload.Object(name: "s0", kind: "sysv-shm", parameters: ["words": 1024, "memlock": 4096]),
                Workload.Object(name: "s1", kind: "sysv-shm", parameters: ["words": 8]),
            ],
            processes: [Workload.Process(id: 1, holds: ["s0": ["attach"], "s1": ["attach"]], program: [])])
        let scenario = Scenario.real(
            name: "test-sysv-memlock-two-objects", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm", summary: "two objects",
            makeWorkload: { _ in workload })
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        }
        #expect(error?.message.contains("process 1 also holds s1") == true, "\(error?.message ?? "")")
    }

    /// The publisher whose mappings are `MAP_PRIVATE` is caught: a reader loads a counter's old value after the
    /// store of a new one returned, which one shared memory never gives.
    @Test func thePrivatePublisherIsCaught() throws {
        let explanation = try #require(try ScenarioRuns.firstViolation("posix-shm-fragile-private-publish", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("load word"), "\(explanation)")
    }

    /// The writer whose mappings stop at the last whole page is caught: a counter in the object's partial last
    /// page fails `SIGSEGV` where a mapping covering the object reaches it. Its robust twin, mapping the whole
    /// length, shows no violation.
    @Test func theRoundedDownWriterIsCaught() throws {
        let explanation = try #require(
            try ScenarioRuns.firstViolation("posix-shm-fragile-rounded-down-length", worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains("SIGSEGV"), "\(explanation)")
        let seen = try ScenarioRuns.reached("posix-shm-robust-whole-length", seeds: 4000..<4010, worker: worker)
        #expect(seen.contains("ok:load") && seen.contains("ok:store"), "\(seen.sorted())")
    }

    /// SEM_UNDO at a SIGKILL: process 1 takes the only unit with SEM_UNDO and then sleeps in a semop nothing will
    /// satisfy; process 2 sleeps waiting for the unit. The driver finds both asleep and kills one; with this seed
    /// it kills process 1, and the kernel's undo at its death is what lets process 2's semop complete.
    @Test func semUndoIsAppliedWhenAProcessIsKilled() throws {
        let scenario = Scenario.real(
            name: "test-sysv-sem-undo-kill", model: SystemVSemaphoreModel.name, implementation: "kernel.sysv-sem",
            summary: "a SEM_UNDO holder is killed while asleep",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "v0", kind: "sysv-sem", parameters: ["values": [1, 0]])],
                    processes: [
                        Workload.Process(id: 1, holds: ["v0": ["use"]], program: [
                            Call(process: 1, object: "v0", f: "semop", value: ["ops": [["num": 0, "op": -1, "undo": true]]]),
                            Call(process: 1, object: "v0", f: "semop", value: ["ops": [["num": 1, "op": -1]]]),
                        ]),
                        Workload.Process(id: 2, holds: ["v0": ["use"]], program: [
                            Call(process: 2, object: "v0", f: "semop", value: ["ops": [["num": 1, "op": 0], ["num": 0, "op": -1]]]),
                            Call(process: 2, object: "v0", f: "getall"),
                        ]),
                    ])
            },
            modelParameters: { _ in SystemVSemaphoreModel(sets: [("v0", [1, 0])]).parameters })
        var killedHolder = false
        for seed in UInt64(1)...20 where !killedHolder {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            #expect(result.report.result == .ok)
            let events = result.trace.events
            guard let kill = events.firstIndex(where: { $0.type == .kill && $0.process == 1 }),
                events[..<kill].contains(where: { $0.type == .ok && $0.process == 1 })
            else { continue }
            // Process 2's semop, asleep until then, completed after process 1 was killed holding the unit.
            let completion = try #require(events.firstIndex { $0.process == 2 && $0.f == "semop" && $0.type != .invoke })
            #expect(events[completion].type == .ok && completion > kill)
            #expect(events.first { $0.process == 2 && $0.f == "getall" && $0.type == .ok }?.value == ["values": [0, 0]])
            killedHolder = true
        }
        #expect(killedHolder, "no seed in 1...20 killed the holder")
    }
}
