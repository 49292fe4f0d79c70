import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `SHM_LOCK` and `SHM_UNLOCK`, as the sysv-shm model's `lock` and `unlock` encode them.
@Suite struct SharedMemoryLockFactsTests {
    /// Root locks and unlocks (each again succeeds: no count); `SHM_LOCKED` (0o2000) shows in `IPC_STAT`'s mode while
    /// locked; a removed segment still attached can be locked and unlocked, a destroyed one fails `EINVAL`. A user
    /// that is neither owner nor creator (a child turned `nobody`) fails `EPERM` for both; once `IPC_SET` made
    /// `nobody` the owner, it may unlock and lock (its `RLIMIT_MEMLOCK` here: 8 MiB, a 4 KiB segment fits).
    @Test func lockAndUnlock() async {
        await #expect(processExitsWith: .success) {
            do { try Self.lockAndUnlockMeasured() } catch { Issue.record(error) }
        }
    }

    static func lockAndUnlockMeasured() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o666)
        var destroyed = false
        defer { if !destroyed { try? Syscall.shmRemove(segment) } }
        #expect(try !Syscall.shmStatus(segment).locked)
        try Syscall.shmLock(segment, lock: true)
        try Syscall.shmLock(segment, lock: true)
        #expect(try Syscall.shmStatus(segment).locked)
        try Syscall.shmLock(segment, lock: false)
        try Syscall.shmLock(segment, lock: false)
        #expect(try !Syscall.shmStatus(segment).locked)

        // The child turned nobody makes only C calls (`ipc_child_shm_lock_as_nobody`): forked from a threaded
        // process, it must not enter the Swift runtime. Not the owner: unlock and lock both fail, EPERM; the owner:
        // unlock succeeds, IPC_STAT shows no SHM_LOCKED, lock succeeds.
        let id = segment.id
        func asNobody(owner: Bool) -> CInt {
            let owning: CInt = owner ? 1 : 0
            let child = fork()
            if child == 0 { _exit(ipc_child_shm_lock_as_nobody(id, owning)) }
            var status: CInt = 0
            _ = waitpid(child, &status, 0)
            return status
        }
        try Syscall.shmLock(segment, lock: true)
        #expect(asNobody(owner: false) == 0)
        #expect(try Syscall.shmStatus(segment).locked)
        try Syscall.shmSet(segment, mode: nil, owner: 65534)
        #expect(asNobody(owner: true) == 0)
        #expect(try Syscall.shmStatus(segment).locked)

        let attachment = try Syscall.shmat(segment)
        try Syscall.shmRemove(segment)
        try Syscall.shmLock(segment, lock: false)
        #expect(try !Syscall.shmStatus(segment).locked && Syscall.shmStatus(segment).markedForRemoval)
        try Syscall.shmLock(segment, lock: true)
        #expect(try Syscall.shmStatus(segment).locked)
        try Syscall.shmdt(attachment)
        destroyed = true
        #expect(throws: Errno.invalidArgument) { try Syscall.shmLock(segment, lock: true) }
    }
}
