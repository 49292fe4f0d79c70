import Glibc
import IPCSyscalls
import Testing

/// A forked child and a System V segment (measured first with a C probe; LTP shmctl01 counts its children's
/// attachments): the sysv-shm model's `fork` (``SystemVSharedMemoryModel+Fork``).
@Suite struct SystemVSharedMemoryForkFactsTests {
    /// The child inherits both attachments (the count goes from 2 to 4 at the fork, before the child runs), the
    /// parent becomes `shm_lpid` and the attach time is set; the child's store through its inherited read-write
    /// attachment is the parent's to read, and its exit detaches both (count 2, `shm_lpid` the child).
    @Test func aForkedChildInheritsTheAttachments() throws {
        let id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)
        try #require(id >= 0)
        defer { shmctl(id, IPC_RMID, nil) }
        let writable = try #require(shmat(id, nil, 0))
        let readable = try #require(shmat(id, nil, SHM_RDONLY))
        try #require(writable != UnsafeMutableRawPointer(bitPattern: -1) && readable != UnsafeMutableRawPointer(bitPattern: -1))
        defer { shmdt(writable); shmdt(readable) }
        var status = shmid_ds()
        #expect(shmctl(id, IPC_STAT, &status) == 0 && status.shm_nattch == 2)
        // A detach dates shm_dtime; the fork's attach must date shm_atime after the set-up's (at least as late).
        let before = status.shm_atime
        var gate: [CInt] = [0, 0]
        try #require(pipe(&gate) == 0)
        defer { close(gate[0]); close(gate[1]) }
        let word = writable.assumingMemoryBound(to: UInt64.self)
        var child: pid_t = 0
        // Held until the child is reaped: a fork or spawn of another test in between would inherit the two attachments
        // and count in `shm_nattch`.
        try Syscall.withoutConcurrentSpawns { () throws in
            child = fork()
            if child == 0 {
                // Only plain memory and C calls here (a child forked from a threaded process must not enter the
                // Swift runtime): wait for the parent's look, store, exit.
                var byte: UInt8 = 0
                _ = read(gate[0], &byte, 1)
                word[3] = 77
                _exit(0)
            }
            try #require(child > 0)
            #expect(shmctl(id, IPC_STAT, &status) == 0)
            #expect(status.shm_nattch == 4 && status.shm_lpid == getpid() && status.shm_atime >= before)
            var byte: UInt8 = 1
            #expect(write(gate[1], &byte, 1) == 1)
            var exit: CInt = 0
            #expect(waitpid(child, &exit, 0) == child && exit == 0)
            #expect(word[3] == 77)
            #expect(shmctl(id, IPC_STAT, &status) == 0)
            #expect(status.shm_nattch == 2 && status.shm_lpid == child)
        }
    }
}
