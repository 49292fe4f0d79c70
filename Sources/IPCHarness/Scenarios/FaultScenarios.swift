import IPCModels

/// Client code judged under faults: each fragile client carries a bug that shows only when a call is interrupted,
/// cut short or its peer killed, and runs with those faults on by default (`--faults` overrides); its robust twin
/// passes under the same faults.
public enum FaultScenarios {
    public static let all: [Scenario] = [
        eofOnInterrupt, retryingReader, ignoresShortWrites, writeAllUnderFaults, ignoresOwnerDeath, recoversOwnerDeath,
        stalledPool,
        oneReadPerMessage, framingReader, libcEndOfFileOnInterrupt, libcRetryingReader, libcSemaphoreWaitAnyReturn,
        libcSemaphoreWaitRetrying,
    ]

    /// Interruptions of blocking reads: injected EINTR and real signals without SA_RESTART (or with it).
    public static let interruptions = FaultOptions(kinds: [.eintr, .signal, .signalRestart], rate: 0.3)
    /// Writes cut short: by the fault plan, and by real signals reaching a writer blocked on a full pipe.
    public static let shortWrites = FaultOptions(kinds: [.short, .signal], rate: 0.3)
    /// Kills, often: lock holders die holding the lock.
    public static let kills = FaultOptions(kinds: [.kill], killRate: 0.15)
    /// Receives cut short, interrupted by the fault plan and by real signals (which also cut a sender's blocking
    /// send short once it has queued something).
    public static let cutReceives = FaultOptions(kinds: [.short, .eintr, .signal], rate: 0.3)

    public static let eofOnInterrupt = pipeClient(
        "pipe-fragile-eof-on-eintr", "client.pipe-eof-on-eintr",
        "BROKEN under faults: a read loop that takes any failed read, EINTR included, for end of file",
        isBroken: true, faults: interruptions, sizes: 200...20_000)

    public static let retryingReader = pipeClient(
        "pipe-robust-retrying-reader", "client.pipe-retrying-reader",
        "robust twin of pipe-fragile-eof-on-eintr: an interrupted read is retried",
        faults: interruptions, sizes: 200...20_000)

    /// The same pair written straight against libc (`Glibc.read`): faulted only through the worker's interposer.
    public static let libcEndOfFileOnInterrupt = pipeClient(
        "pipe-libc-fragile-eof-on-eintr", "client.libc-eof-on-eintr",
        "BROKEN under faults: pipe-fragile-eof-on-eintr's reader calling Glibc.read directly (faults reach it at the libc boundary)",
        isBroken: true, faults: interruptions, sizes: 200...20_000)

    public static let libcRetryingReader = pipeClient(
        "pipe-libc-robust-retrying-reader", "client.libc-retrying-reader",
        "robust twin of pipe-libc-fragile-eof-on-eintr: its Glibc.read loop retries EINTR",
        faults: interruptions, sizes: 200...20_000)

    /// A pool on an unnamed semaphore whose users wait with `Glibc.sem_wait` themselves: an injected `EINTR` reaches
    /// that call only through the worker's interposer, which must tell that the wait would sleep (its value is 0).
    public static let libcSemaphoreWaitAnyReturn = Scenario.real(
        name: "posix-sem-libc-fragile-eintr-as-unit", kind: PosixSemaphoreKind.self,
        implementation: "client.libc-sem-wait-any-return",
        summary: "BROKEN under faults: users calling Glibc.sem_wait directly take any return, an interrupted wait too, for a unit",
        isBroken: true, defaultFaults: interruptions, makeWorkload: { semaphorePool(&$0) })

    public static let libcSemaphoreWaitRetrying = Scenario.real(
        name: "posix-sem-libc-robust-retries-eintr", kind: PosixSemaphoreKind.self,
        implementation: "client.libc-sem-wait-retrying",
        summary: "robust twin of posix-sem-libc-fragile-eintr-as-unit: its Glibc.sem_wait loop retries EINTR",
        defaultFaults: interruptions, makeWorkload: { semaphorePool(&$0) })

    /// 2-4 users of an unnamed semaphore starting at 0 or 1: blocking waits (which often sleep), posts and reads.
    static func semaphorePool(_ generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.workload(
            kind: "posix-sem", parameters: ["value": .int(generator.next(in: 0...1)), "named": false],
            generator: &generator, roles: { _, _ in ["use"] },
            operation: { _, _, generator in
                generator.choose([
                    (40, { _ in ("wait", .object(JSONObject())) }),
                    (45, { _ in ("post", nil) }),
                    (15, { _ in ("getvalue", nil) }),
                ])
            })
    }

    public static let ignoresShortWrites = pipeClient(
        "pipe-fragile-ignores-short-writes", "client.pipe-ignores-short-writes",
        "BROKEN under faults: one blocking write per message, reported whole whatever count it returned",
        isBroken: true, faults: shortWrites, sizes: 2_000...90_000)

    /// The poll-and-retry loop the pipe model's `write-all` describes. (A loop of blocking writes is as correct,
    /// but its later writes do not merge into the last page as the model's pieces do, so the model would
    /// misjudge its page layout under a full pipe.)
    public static let writeAllUnderFaults = pipeClient(
        "pipe-robust-write-all-under-faults", "client.write-all",
        "robust twin of pipe-fragile-ignores-short-writes: after a short count the rest is written",
        faults: shortWrites, sizes: 2_000...90_000)

    public static let ignoresOwnerDeath = lockUser(
        "robust-mutex-fragile-ignores-owner-death", "client.mutex-ignores-owner-death",
        "BROKEN under kills: a lock user that takes EOWNERDEAD for an ordinary lock and never makes the mutex consistent",
        isBroken: true, section: ["lock", "unlock"])

    /// Its robust twin: every critical section calls `pthread_mutex_consistent` after locking (EINVAL when the
    /// mutex was consistent already), so an owner's death is repaired.
    public static let recoversOwnerDeath = lockUser(
        "robust-mutex-robust-recovers", "kernel.robust-mutex",
        "robust twin of robust-mutex-fragile-ignores-owner-death: lock, make consistent, unlock",
        section: ["lock", "consistent", "unlock"])

    /// The pool whose mutex was made without `pthread_mutexattr_setrobust` (`PTHREAD_MUTEX_STALLED`, glibc's
    /// default): a holder killed in its critical section leaves the others asleep in `lock` for good. The kernel
    /// keeps its promise (nothing marks a stalled mutex), so it is no violation: each run reports the death as a
    /// hazard, and the driver, finding everyone asleep, kills the sleepers. Its robust twin is
    /// robust-mutex-robust-recovers.
    public static let stalledPool = lockUser(
        "robust-mutex-stalled-pool", "kernel.robust-mutex",
        "HAZARD under kills: lock, unlock on a mutex made without setrobust; a killed holder leaves the rest asleep for good",
        section: ["lock", "unlock"], parameters: ["robust": false])

    public static let oneReadPerMessage = streamFramingClient(
        "unix-stream-fragile-one-read-per-message", "client.stream-framing-one-read",
        "BROKEN under faults: a framing reader that takes one receive on a stream socket for one whole message",
        isBroken: true)

    public static let framingReader = streamFramingClient(
        "unix-stream-robust-framing-reader", "client.stream-framing-reader",
        "robust twin of unix-stream-fragile-one-read-per-message: receives until the message's size has come")

    /// Writers sending messages of `sizes` bytes with `write-all`, readers draining with blocking reads, through
    /// the pipe client `implementation`.
    static func pipeClient(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false, faults: FaultOptions,
        sizes: ClosedRange<Int>
    ) -> Scenario {
        Scenario.real(
            name: name, kind: PipeKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            defaultFaults: faults,
            makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: sizes, generator: &generator) })
    }

    /// A writer sending 2-6 messages of 1-80 KB on a stream socketpair (many larger than one kernel buffer, so
    /// they arrive in pieces even without faults) and a reader receiving each with `receive-exactly` through the
    /// framing client `implementation`.
    static func streamFramingClient(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false
    ) -> Scenario {
        Scenario.real(
            name: name, kind: UnixSocketKind.self, implementation: implementation, summary: summary,
            isBroken: isBroken, defaultFaults: cutReceives,
            makeWorkload: { generator in
                UnixSocketScenarios.framingWorkload(sizes: 1_000...80_000, generator: &generator)
            })
    }

    /// 2-3 processes running critical sections on one robust mutex under kills: each program is `section` repeated.
    /// `parameters`: the mutex's (`"robust": false` for a stalled one).
    static func lockUser(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false, section: [String],
        parameters: JSONObject = JSONObject()
    ) -> Scenario {
        Scenario.real(
            name: name, kind: RobustMutexKind.self, implementation: implementation, summary: summary,
            isBroken: isBroken, defaultFaults: kills,
            makeWorkload: { generator in
                let processes = (1...generator.next(in: 2...3)).map { process in
                    let program = (0..<generator.next(in: 2...4)).flatMap { _ in
                        section.map { Call(process: process, object: "m0", f: $0) }
                    }
                    return Workload.Process(id: process, holds: ["m0": ["use"]], program: program)
                }
                return Workload(objects: [Workload.Object(name: "m0", kind: "robust-mutex", parameters: parameters)], processes: processes)
            })
    }
}
