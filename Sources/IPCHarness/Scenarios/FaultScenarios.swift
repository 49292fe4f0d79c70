import IPCModels

/// Client code judged under faults: each fragile client carries a bug that shows only when a call is interrupted
/// or cut short, and runs with those faults on by default (`--faults` overrides); its robust twin passes under
/// the same faults.
public enum FaultScenarios {
    public static let all: [Scenario] = [
        eofOnInterrupt, retryingReader, ignoresShortWrites, writeAllUnderFaults, ignoresOwnerDeath, recoversOwnerDeath,
    ]

    /// Kills, often: lock holders die holding the lock.
    static let kills = FaultOptions(kinds: [.kill], killRate: 0.15)

    /// Critical sections on one robust mutex: each process's program is `section` repeated.
    static func lockUsers(_ section: [String], generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...3)
        let processes = (1...count).map { process in
            let program = (0..<generator.next(in: 2...4)).flatMap { _ in
                section.map { Call(process: process, object: "m0", f: $0) }
            }
            return Workload.Process(id: process, holds: ["m0": ["use"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "m0", kind: "robust-mutex")], processes: processes)
    }

    public static let ignoresOwnerDeath = Scenario.real(
        name: "robust-mutex-fragile-ignores-owner-death", model: RobustMutexModel.name,
        implementation: "client.mutex-ignores-owner-death",
        summary: "BROKEN under kills: a lock user that takes EOWNERDEAD for an ordinary lock and never makes the mutex consistent",
        isBroken: true, defaultFaults: kills,
        makeWorkload: { generator in lockUsers(["lock", "unlock"], generator: &generator) },
        modelParameters: { workload in RobustMutexModel(mutexes: workload.objects.map(\.name)).parameters })

    /// Its robust twin: every critical section calls `pthread_mutex_consistent` after locking (EINVAL when the
    /// mutex was consistent already), so an owner's death is repaired.
    public static let recoversOwnerDeath = Scenario.real(
        name: "robust-mutex-robust-recovers", model: RobustMutexModel.name, implementation: "kernel.robust-mutex",
        summary: "robust twin of robust-mutex-fragile-ignores-owner-death: lock, make consistent, unlock",
        defaultFaults: kills,
        makeWorkload: { generator in lockUsers(["lock", "consistent", "unlock"], generator: &generator) },
        modelParameters: { workload in RobustMutexModel(mutexes: workload.objects.map(\.name)).parameters })

    /// Interruptions of blocking reads: injected EINTR and real signals without SA_RESTART (or with it).
    static let interruptions = FaultOptions(kinds: [.eintr, .signal, .signalRestart], rate: 0.3)
    /// Writes cut short: by the fault plan, and by real signals reaching a writer blocked on a full pipe.
    static let shortWrites = FaultOptions(kinds: [.short, .signal], rate: 0.3)

    public static let eofOnInterrupt = Scenario.real(
        name: "pipe-fragile-eof-on-eintr", model: PipeModel.name, implementation: "client.pipe-eof-on-eintr",
        summary: "BROKEN under faults: a read loop that takes any failed read, EINTR included, for end of file",
        isBroken: true, defaultFaults: interruptions,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 200...20_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    public static let retryingReader = Scenario.real(
        name: "pipe-robust-retrying-reader", model: PipeModel.name, implementation: "client.pipe-retrying-reader",
        summary: "robust twin of pipe-fragile-eof-on-eintr: an interrupted read is retried",
        defaultFaults: interruptions,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 200...20_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    public static let ignoresShortWrites = Scenario.real(
        name: "pipe-fragile-ignores-short-writes", model: PipeModel.name, implementation: "client.pipe-ignores-short-writes",
        summary: "BROKEN under faults: one blocking write per message, reported whole whatever count it returned",
        isBroken: true, defaultFaults: shortWrites,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 2_000...90_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    /// The poll-and-retry loop the pipe model's `write-all` describes. (A loop of blocking writes is as correct,
    /// but its later writes do not merge into the last page as the model's pieces do, so the model would
    /// misjudge its page layout under a full pipe.)
    public static let writeAllUnderFaults = Scenario.real(
        name: "pipe-robust-write-all-under-faults", model: PipeModel.name, implementation: "client.write-all",
        summary: "robust twin of pipe-fragile-ignores-short-writes: after a short count the rest is written",
        defaultFaults: shortWrites,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 2_000...90_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)
}
