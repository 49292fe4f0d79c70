import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `SHM_LOCK` under `RLIMIT_MEMLOCK` without `CAP_IPC_LOCK` (this kernel; a C probe first; shmctl(2)): counted per
/// *user* (the user's `locked_shm`, against the locking process's limit), not per process — two processes of one user
/// share the budget, and a lock outlives the process that took it; `SHM_UNLOCK` and the destruction of a locked segment
/// give it back; a segment locked already is not counted again; a limit of 0 fails `EPERM`, `SHM_UNLOCK` succeeds.
///
/// Each call runs in its own forked child of one user (a uid of this test process's own, so that no other test's
/// locks share its budget), one after another: the segments (made by this process, as root, owned by that user) keep
/// their locks after the child exits. Measured only as root (the children change their user).
@Suite struct SystemVSharedMemoryLockLimitFactsTests {
    typealias Facts = SharedMemoryMemoryLimitFactsTests

    @Test(.enabled(if: geteuid() == 0)) func aUsersLocksShareOneBudgetAcrossItsProcesses() throws {
        let user = uid_t(40000 + getpid() % 20000)
        // Segments of 2, 2 and 1 pages, owned by the user.
        var segments: [CInt] = []
        defer { for segment in segments { shmctl(segment, IPC_RMID, nil) } }
        for pages in [2, 2, 1] {
            let segment = shmget(IPC_PRIVATE, pages * 4096, IPC_CREAT | 0o600)
            try #require(segment >= 0)
            segments.append(segment)
            var status = shmid_ds()
            try #require(shmctl(segment, IPC_STAT, &status) == 0)
            status.shm_perm.uid = user
            try #require(shmctl(segment, IPC_SET, &status) == 0)
        }
        let (first, second, small) = (segments[0], segments[1], segments[2])
        func control(_ segment: CInt, _ command: CInt, limit: Int = 3 * 4096) -> CInt {
            let outcomes = Syscall.withoutConcurrentSpawns {
                Facts.outcomesInChild(limit: limit, user: user) { record in record(Facts.outcome(shmctl(segment, command, nil))) }
            }
            return outcomes.count == 1 ? outcomes[0] : -1
        }
        // One process locks 2 pages of a 3-page budget and exits; another of the same user cannot lock 2 more.
        #expect(control(first, SHM_LOCK) == 0)
        #expect(control(first, SHM_LOCK) == 0)  // locked already: not counted again
        #expect(control(second, SHM_LOCK) == ENOMEM)
        #expect(control(small, SHM_LOCK) == 0)
        // SHM_UNLOCK gives the 2 pages back; destroying a locked segment gives its pages back.
        #expect(control(first, SHM_UNLOCK) == 0)
        #expect(control(second, SHM_LOCK) == 0)
        #expect(control(first, SHM_LOCK) == ENOMEM)
        #expect(control(second, IPC_RMID) == 0)
        segments.remove(at: 1)
        #expect(control(first, SHM_LOCK) == 0)
        // A limit of 0: EPERM (a segment locked already too); SHM_UNLOCK succeeds.
        #expect(control(small, SHM_LOCK, limit: 0) == EPERM)
        #expect(control(small, SHM_UNLOCK, limit: 0) == 0)
        // A segment bigger than the limit alone.
        #expect(control(first, SHM_UNLOCK) == 0)
        #expect(control(first, SHM_LOCK, limit: 4096) == ENOMEM)
    }

    /// `setrlimit` in mid-sequence, in one process of a user of its own (soft 4 pages, hard 8, a 2-page segment): a
    /// soft limit lowered below the locked segment keeps it locked and a second `SHM_LOCK` of it succeeds (not counted
    /// again); after `SHM_UNLOCK` it fails `ENOMEM`; a raised hard limit `EPERM`; a soft limit of 0 fails `SHM_LOCK`
    /// `EPERM` on the locked segment too; `RLIM_INFINITY` over a finite hard limit `EINVAL`. The sysv-shm model judges
    /// the same calls.
    @Test(.enabled(if: geteuid() == 0)) func aLimitSetInMidSequenceIsTheNextLocksLimit() throws {
        let user = uid_t(20000 + getpid() % 20000)
        let segment = shmget(IPC_PRIVATE, 2 * 4096, IPC_CREAT | 0o600)
        try #require(segment >= 0)
        defer { shmctl(segment, IPC_RMID, nil) }
        var status = shmid_ds()
        try #require(shmctl(segment, IPC_STAT, &status) == 0)
        status.shm_perm.uid = user
        try #require(shmctl(segment, IPC_SET, &status) == 0)
        let page = 4096
        let outcomes = Syscall.withoutConcurrentSpawns {
            Facts.outcomesInChild(limit: 4 * page, hard: 8 * page, user: user) { record in
                record(Facts.outcome(shmctl(segment, SHM_LOCK, nil)))
                record(Facts.limited(soft: page, hard: 8 * page))
                record(Facts.outcome(shmctl(segment, SHM_LOCK, nil)))  // locked already
                record(Facts.outcome(shmctl(segment, SHM_UNLOCK, nil)))
                record(Facts.outcome(shmctl(segment, SHM_LOCK, nil)))  // 2 pages > 1
                record(Facts.limited(soft: 4 * page, hard: 16 * page))  // EPERM
                record(Facts.limited(soft: 2 * page, hard: 8 * page))
                record(Facts.outcome(shmctl(segment, SHM_LOCK, nil)))
                record(Facts.limited(soft: 0, hard: 8 * page))
                record(Facts.outcome(shmctl(segment, SHM_LOCK, nil)))  // EPERM, locked or not
                record(Facts.outcome(shmctl(segment, SHM_UNLOCK, nil)))
                record(Facts.limited(soft: nil, hard: 8 * page))  // EINVAL
            }
        }
        #expect(outcomes == [0, 0, 0, 0, ENOMEM, EPERM, 0, 0, 0, EPERM, 0, EINVAL])

        typealias Model = SystemVSharedMemoryModel
        let memlock: JSONValue = ["1": ["soft": .int(4 * page), "hard": .int(8 * page), "capIpcLock": false, "capSysResource": false]]
        let model = try Model(parameters: ["objects": ["q0": [
            "words": 1024, "attached": [], "mode": "0600", "owner": .int(Int(user)), "users": ["1": .int(Int(user))], "memlock": memlock,
        ]]])
        func lock(_ locked: Bool) -> Model.Input { .lock(process: 1, locked: locked) }
        func setLimit(_ soft: Int, _ hard: Int) -> Model.Input { .setMemoryLockLimit(process: 1, soft: soft, hard: hard) }
        let inputs: [Model.Input] = [
            lock(true), setLimit(page, 8 * page), lock(true), lock(false), lock(true), setLimit(4 * page, 16 * page), setLimit(2 * page, 8 * page),
            lock(true), setLimit(0, 8 * page), lock(true), lock(false), setLimit(MemoryLockLimit.unlimited, 8 * page),
        ]
        // Every state the model may be in after each outcome; none: it disagrees.
        var states: Set<Model.State> = [model.initialState(of: "q0")]
        for (index, (input, outcome)) in zip(inputs, outcomes).enumerated() {
            let observed: Model.Output = outcome == 0 ? .done : .failed(ErrorCode(Errno(rawValue: outcome).name))
            states = Set(states.flatMap { state in model.transitions(state, input).filter { $0.output == observed }.map(\.state) })
            #expect(!states.isEmpty, "call \(index): the model does not allow \(model.describe(input, observed))")
            if states.isEmpty { break }
        }
    }
}
