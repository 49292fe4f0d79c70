import Glibc
import IPCModels
import IPCSyscalls
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
}
