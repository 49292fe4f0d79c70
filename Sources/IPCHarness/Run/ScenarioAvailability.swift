import Glibc
import IPCModels
import IPCSyscalls

/// Whether a scenario can run on this machine, as this user: `run --all` skips one that cannot, with one line
/// saying why, and goes on with the rest; `run` of that scenario alone refuses it (exit status 2).
public enum ScenarioAvailability {
    /// Why `scenario` cannot run here, or nil when it can.
    public static func reason(_ scenario: Scenario, mode: Scenario.Mode? = nil) -> String? {
        guard (mode ?? scenario.mode) == .real, let setup = scenario.realSetup else { return nil }
        // Workers in role `unprivileged` give up root for another user when they set up, which needs root.
        var generator = SeededGenerator(seed: 1)
        let workload = setup.makeWorkload(&generator)
        let needsAnotherUser = workload.processes.contains { $0.holds.values.contains { $0.contains("unprivileged") } }
        if needsAnotherUser && geteuid() != 0 {
            return "its workers run as another user, which needs root (this is uid \(geteuid()))"
        }
        if PrivateNetwork.isNeeded(for: workload) && geteuid() != 0 {
            return
                "its abstract socket names need a network namespace of the run's own, or any local user could reach them, and making one needs root (this is uid \(geteuid()))"
        }
        // The posix-shm model counts RLIMIT_MEMLOCK only for the processes its setup names (an object's parameter
        // memlock): elsewhere the worker refuses lock calls where the limit could be met.
        let locks: Set<String> = ["lock", "unlock", "lockall", "unlockall"]
        let locksMemory = (1...8).contains { seed in
            var generator = SeededGenerator(seed: UInt64(seed))
            let workload = setup.makeWorkload(&generator)
            let objects = Set(workload.objects.filter { $0.kind == "posix-shm" && $0.parameters["memlock"] == nil }.map(\.name))
            return workload.processes.contains { $0.program.contains { locks.contains($0.f) && objects.contains($0.object) } }
        }
        if locksMemory && !Syscall.locksMemoryWithoutLimit {
            return "its workers lock memory (mlock, mlockall), which the posix-shm model judges only without RLIMIT_MEMLOCK in the way: it needs root (CAP_IPC_LOCK) or an unlimited limit (this is uid \(geteuid()))"
        }
        return nil
    }
}
