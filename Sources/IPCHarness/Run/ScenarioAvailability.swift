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
        // The shared-memory models count RLIMIT_MEMLOCK only for the processes their setup names (an object's
        // parameter memlock): elsewhere the worker refuses lock calls where the limit could be met (posix-shm's
        // mlock family and MAP_LOCKED, sysv-shm's SHM_LOCK). A refusal mid-run would end `run --all`, so the
        // workloads of many seeds are looked at (a MAP_LOCKED open is drawn in about one workload of seven).
        let anyLocksMemory = (1...64).contains { seed in
            var generator = SeededGenerator(seed: UInt64(seed))
            let workload = setup.makeWorkload(&generator)
            let kinds = Dictionary(uniqueKeysWithValues: workload.objects.filter { $0.parameters["memlock"] == nil }.map { ($0.name, $0.kind) })
            return workload.processes.contains { $0.program.contains { call in kinds[call.object].map { Self.locksMemory(call, kind: $0) } ?? false } }
        }
        if anyLocksMemory && !Syscall.locksMemoryWithoutLimit {
            return "its workers lock memory (mlock, mlockall, SHM_LOCK), which the shared-memory models judge only without RLIMIT_MEMLOCK in the way: it needs root (CAP_IPC_LOCK) or an unlimited limit (this is uid \(geteuid()))"
        }
        return nil
    }

    /// Whether `call` on an object of `kind` locks memory.
    private static func locksMemory(_ call: Call, kind: String) -> Bool {
        switch (kind, call.f) {
        case ("posix-shm", "lock"), ("posix-shm", "unlock"), ("posix-shm", "lockall"), ("posix-shm", "unlockall"), ("sysv-shm", "lock"):
            return true
        case ("posix-shm", "open"):
            guard case .array(let flags)? = call.value?["flags"] else { return false }
            return flags.contains(.string("MAP_LOCKED"))
        default:
            return false
        }
    }
}
