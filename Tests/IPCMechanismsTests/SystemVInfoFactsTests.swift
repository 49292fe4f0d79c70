import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The namespace-wide `msgctl` commands — `IPC_INFO`, `MSG_INFO`, `MSG_STAT`, `MSG_STAT_ANY` — as the sysv-msg model
/// judges them. Other queues of the IPC namespace (other tests, other runs) are outside any trace, so the counts are
/// checked as at least this test's own.
@Suite struct SystemVInfoFactsTests {
    /// `IPC_INFO` reports the limits: `msgmax` 8192, `msgmnb` 16384, `msgmni` 32000 (the sysctls), and the kernel's
    /// constants `msgpool` 512000 (`MSGMNI * MSGMNB / 1024`), `msgmap` and `msgtql` 16384 (`MSGMNB`), `msgssz` 16,
    /// `msgseg` 65535; `MSG_INFO` the same limits, but in `msgpool`, `msgmap` and `msgtql` the queues, messages and
    /// bytes in use. Both return the highest queue index in use (at least this queue's, `id & 0x7fff`), whatever id
    /// they are given.
    @Test func ipcInfoAndMsgInfo() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.msgRemove(queue) }
        let limits = try Syscall.msgInfo(counts: false)
        #expect(limits.fields == [
            "msgpool": 512000, "msgmap": 16384, "msgmax": 8192, "msgmnb": 16384, "msgmni": 32000, "msgssz": 16, "msgtql": 16384,
            "msgseg": 65535,
        ])
        #expect(limits.index >= Int(queue.id & 0x7fff))
        try Syscall.msgsnd(queue, type: 1, Array("hello".utf8), flags: IPC_NOWAIT)
        try Syscall.msgsnd(queue, type: 2, Array("abc".utf8), flags: IPC_NOWAIT)
        let use = try Syscall.msgInfo(counts: true)
        #expect(use.index >= Int(queue.id & 0x7fff))
        #expect(use.fields["msgpool"]! >= 1 && use.fields["msgmap"]! >= 2 && use.fields["msgtql"]! >= 8)
        for name in ["msgmax", "msgmnb", "msgmni", "msgssz", "msgseg"] { #expect(use.fields[name] == limits.fields[name]) }
    }

    /// `MSG_STAT` and `MSG_STAT_ANY` at a queue's index (its id's low 15 bits; the id itself works too, the rest of it
    /// ignored) return its id and what `IPC_STAT` reports; once it is removed, `EINVAL`. `MSG_STAT` needs read
    /// permission (`EACCES` for a user without it, as `IPC_STAT`), `MSG_STAT_ANY` does not, nor do `IPC_INFO` and
    /// `MSG_INFO` (measured in a child that became `nobody`).
    @Test func msgStatByIndex() async {
        await #expect(processExitsWith: .success) {
            do { try Self.msgStatByIndexMeasured() } catch { Issue.record(error) }
        }
    }

    static func msgStatByIndexMeasured() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        var removed = false
        defer { if !removed { try? Syscall.msgRemove(queue) } }
        let index = Int(queue.id & 0x7fff)
        try Syscall.msgsnd(queue, type: 1, Array("hello".utf8), flags: IPC_NOWAIT)
        for any in [false, true] {
            let (id, status) = try Syscall.msgStatus(index: index, any: any)
            #expect(id == queue.id && status.msg_qnum == 1 && status.__msg_cbytes == 5 && status.msg_lspid == getpid())
        }
        #expect(try Syscall.msgStatus(index: Int(queue.id), any: false).id == queue.id)

        let (cIndex, id) = (CInt(index), queue.id)
        let child = fork()
        // Only C in the child (forked from a threaded process, it must not enter the Swift runtime).
        if child == 0 { _exit(ipc_child_sysv_stat_as_nobody(CInt(IPC_SYSV_MESSAGES.rawValue), cIndex, id)) }
        var exitStatus: CInt = 0
        #expect(waitpid(child, &exitStatus, 0) == child)
        #expect(exitStatus == 0, "the child's exit code \(exitStatus >> 8) names the check that failed")

        try Syscall.msgRemove(queue)
        removed = true
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.msgStatus(index: index, any: false) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.msgStatus(index: index, any: true) }
    }

    /// `IPC_INFO` reports `semmni` 32000, `semmsl` 32000, `semmns` 1024000000, `semopm` 500 (the sysctls) and the
    /// kernel's `semmap` and `semmnu` 1024000000, `semume` 500, `semvmx` 32767, and `semusz` 20 and `semaem` 32767,
    /// where `SEM_INFO` reports the sets and semaphores in use (at least this test's 1 and 3); both return the highest
    /// set index in use. `SEM_STAT` and `SEM_STAT_ANY` of a set's index return its id and `IPC_STAT`'s answer,
    /// `EINVAL` once removed; `SEM_STAT` needs read permission, `SEM_STAT_ANY` and the info commands none (a child
    /// turned `nobody`).
    @Test func semInfoAndSemStat() async {
        await #expect(processExitsWith: .success) {
            do { try Self.semInfoAndSemStatMeasured() } catch { Issue.record(error) }
        }
    }

    static func semInfoAndSemStatMeasured() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 3, flags: IPC_CREAT | 0o600)
        var removed = false
        defer { if !removed { try? Syscall.semRemove(set) } }
        let index = Int(set.id & 0x7fff)
        let limits = try Syscall.semInfo(counts: false)
        #expect(limits.fields == [
            "semmap": 1_024_000_000, "semmni": 32000, "semmns": 1_024_000_000, "semmnu": 1_024_000_000, "semmsl": 32000,
            "semopm": 500, "semume": 500, "semusz": 20, "semvmx": 32767, "semaem": 32767,
        ])
        #expect(limits.index >= index)
        let use = try Syscall.semInfo(counts: true)
        #expect(use.index >= index && use.fields["semusz"]! >= 1 && use.fields["semaem"]! >= 3)
        for name in ["semmap", "semmni", "semmns", "semmnu", "semmsl", "semopm", "semume", "semvmx"] {
            #expect(use.fields[name] == limits.fields[name])
        }
        for any in [false, true] {
            let found = try Syscall.semStatus(index: index, any: any)
            #expect(found.id == set.id && found.count == 3 && found.mode == 0o600 && found.operationTime == 0)
        }
        let (cIndex, id) = (CInt(index), set.id)
        let child = fork()
        // Only C in the child (forked from a threaded process, it must not enter the Swift runtime).
        if child == 0 { _exit(ipc_child_sysv_stat_as_nobody(CInt(IPC_SYSV_SEMAPHORES.rawValue), cIndex, id)) }
        var exitStatus: CInt = 0
        #expect(waitpid(child, &exitStatus, 0) == child)
        #expect(exitStatus == 0, "the child's exit code \(exitStatus >> 8) names the check that failed")
        try Syscall.semRemove(set)
        removed = true
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semStatus(index: index, any: true) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semStatus(index: index, any: false) }
    }

    /// `IPC_INFO` reports `shmmax` and `shmall` 18446744073692774399 (`ULONG_MAX - 2^24`, the sysctls: beyond a trace's
    /// integers), `shmmin` 1, `shmmni` 4096, `shmseg` 4096; `SHM_INFO` the segments in use and their pages (at least
    /// this test's 1 and 1 for 4096 bytes), the resident pages (at least its 1 once written), and `swap_attempts`
    /// and `swap_successes` 0. Both return the highest segment index in use. `SHM_STAT` and `SHM_STAT_ANY` of the
    /// segment's index return its id and `IPC_STAT`'s answer — also once removed while still attached (`SHM_DEST`) —
    /// and `EINVAL` once destroyed; `SHM_STAT` needs read permission, `SHM_STAT_ANY` and the info commands none (a
    /// child turned `nobody`). An exit test: the fork copies attachments, which other shm tests would see.
    @Test func shmInfoAndShmStat() async {
        await #expect(processExitsWith: .success) {
            do { try Self.shmInfoAndShmStatMeasured() } catch { Issue.record(error) }
        }
    }

    static func shmInfoAndShmStatMeasured() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o600)
        var removed = false
        defer { if !removed { try? Syscall.shmRemove(segment) } }
        let index = Int(segment.id & 0x7fff)
        let limits = try Syscall.shmInfo(counts: false)
        #expect(limits.fields == [
            "shmmax": 18_446_744_073_692_774_399, "shmmin": 1, "shmmni": 4096, "shmseg": 4096, "shmall": 18_446_744_073_692_774_399,
        ])
        #expect(limits.index >= index)
        let address = try Syscall.shmat(segment)
        address.storeBytes(of: 1, as: UInt64.self)
        let use = try Syscall.shmInfo(counts: true)
        #expect(use.index >= index && use.fields["used_ids"]! >= 1 && use.fields["shm_tot"]! >= 1 && use.fields["shm_rss"]! >= 1)
        #expect(use.fields["swap_attempts"] == 0 && use.fields["swap_successes"] == 0 && use.fields["shm_swp"] != nil)
        for any in [false, true] {
            let found = try Syscall.shmStatus(index: index, any: any)
            #expect(found.id == segment.id && found.status.attachments == 1 && found.status.size == 4096 && found.status.mode == 0o600)
        }
        #expect(try Syscall.shmStatus(index: Int(segment.id), any: false).id == segment.id)

        let (cIndex, id) = (CInt(index), segment.id)
        let child = fork()
        // Only C in the child (forked from a threaded process, it must not enter the Swift runtime).
        if child == 0 { _exit(ipc_child_sysv_stat_as_nobody(CInt(IPC_SYSV_SHARED_MEMORY.rawValue), cIndex, id)) }
        var exitStatus: CInt = 0
        #expect(waitpid(child, &exitStatus, 0) == child)
        #expect(exitStatus == 0, "the child's exit code \(exitStatus >> 8) names the check that failed")

        try Syscall.shmRemove(segment)
        removed = true
        let marked = try Syscall.shmStatus(index: index, any: false)
        #expect(marked.id == segment.id && marked.status.markedForRemoval && marked.status.attachments == 1)
        try Syscall.shmdt(address)
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmStatus(index: index, any: false) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmStatus(index: index, any: true) }
    }
}
