import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Permission checks on the named and System V objects, measured from a thread that leaves root for user and group
/// 1000 (its own credentials only, `ipc_thread_credentials`; a C probe under `setpriv --reuid 1000` agreed): a
/// non-owner gets the others' bits of an object root owns — the group's when its group is the object's, never a
/// union — `EACCES` where they lack what the call needs, after the errors checked first, and `EPERM` (`EACCES`
/// for the names) for the owner's calls.
@Suite struct PermissionFactsTests {
    /// Runs `body` on a thread whose user and group are `uid`/`gid`, then puts root back.
    func asUser(_ uid: UInt32, group gid: UInt32? = nil, _ body: @escaping () -> Void) {
        TestThread {
            do {
                try Syscall.setThreadCredentials(user: uid, group: gid ?? uid)
            } catch {
                Issue.record("cannot take user \(uid): \(error)")
                return
            }
            defer { try? Syscall.setThreadCredentials(user: 0, group: 0) }
            body()
        }.join()
    }

    func code(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "ok"
        } catch {
            return (error as? Errno)?.name ?? "\(error)"
        }
    }

    @Test func systemVObjectsCheckTheOthersBitsAfterTheirOtherErrors() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        let readableQueue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o604)
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o600)
        let readableSet = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o604)
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o604)
        defer {
            try? Syscall.msgRemove(queue); try? Syscall.msgRemove(readableQueue)
            try? Syscall.semRemove(set); try? Syscall.semRemove(readableSet); try? Syscall.shmRemove(segment)
        }
        try Syscall.msgsnd(readableQueue, type: 1, [1], flags: IPC_NOWAIT)
        var seen: [String: String] = [:]
        asUser(1000) {
            seen["msgsnd"] = code { try Syscall.msgsnd(queue, type: 1, [1], flags: IPC_NOWAIT) }
            seen["msgsnd type 0"] = code { try Syscall.msgsnd(queue, type: 0, [1], flags: IPC_NOWAIT) }
            seen["msgrcv"] = code { _ = try Syscall.msgrcv(queue, maximum: 8, type: 0, flags: IPC_NOWAIT) }
            seen["msgrcv size -1"] = code { _ = try Syscall.msgrcv(queue, maximum: -1, type: 0, flags: IPC_NOWAIT) }
            seen["IPC_STAT"] = code { _ = try Syscall.msgStatus(queue) }
            seen["IPC_RMID"] = code { try Syscall.msgRemove(queue) }
            seen["0604 msgrcv"] = code { _ = try Syscall.msgrcv(readableQueue, maximum: 8, type: 0, flags: IPC_NOWAIT) }
            seen["0604 msgsnd"] = code { try Syscall.msgsnd(readableQueue, type: 1, [1], flags: IPC_NOWAIT) }
            seen["semop +1"] = code { _ = try Syscall.semop(set, [SemaphoreOperation(number: 0, change: 1)], nonblocking: true) }
            seen["semop sem 5"] = code { _ = try Syscall.semop(set, [SemaphoreOperation(number: 5, change: 1)], nonblocking: true) }
            seen["GETVAL 9"] = code { _ = try Syscall.semValue(set, number: 9) }
            seen["SETVAL 9"] = code { try Syscall.semSetValue(set, number: 9, value: 1) }
            seen["SETVAL 40000"] = code { try Syscall.semSetValue(set, number: 0, value: 40000) }
            seen["SETVAL"] = code { try Syscall.semSetValue(set, number: 0, value: 1) }
            seen["semctl IPC_RMID"] = code { try Syscall.semRemove(set) }
            seen["0604 semop 0"] = code { _ = try Syscall.semop(readableSet, [SemaphoreOperation(number: 0, change: 0)], nonblocking: true) }
            seen["0604 semop +1"] = code { _ = try Syscall.semop(readableSet, [SemaphoreOperation(number: 0, change: 1)], nonblocking: true) }
            seen["0604 GETVAL"] = code { _ = try Syscall.semValue(readableSet, number: 0) }
            seen["0604 SETALL"] = code { try Syscall.semSetValues(readableSet, [1, 1]) }
            seen["0604 shmat"] = code { _ = try Syscall.shmat(segment) }
            seen["0604 shmat SHM_RDONLY"] = code { try Syscall.shmdt(try Syscall.shmat(segment, readOnly: true)) }
            seen["0604 shmctl IPC_RMID"] = code { try Syscall.shmRemove(segment) }
        }
        #expect(seen == [
            "msgsnd": "EACCES", "msgsnd type 0": "EINVAL", "msgrcv": "EACCES", "msgrcv size -1": "EINVAL",
            "IPC_STAT": "EACCES", "IPC_RMID": "EPERM", "0604 msgrcv": "ok", "0604 msgsnd": "EACCES",
            "semop +1": "EACCES", "semop sem 5": "EFBIG", "GETVAL 9": "EACCES", "SETVAL 9": "EINVAL",
            "SETVAL 40000": "ERANGE", "SETVAL": "EACCES", "semctl IPC_RMID": "EPERM", "0604 semop 0": "ok",
            "0604 semop +1": "EACCES", "0604 GETVAL": "ok", "0604 SETALL": "EACCES", "0604 shmat": "EACCES",
            "0604 shmat SHM_RDONLY": "ok", "0604 shmctl IPC_RMID": "EPERM",
        ])
    }

    /// The group's bits, not the others', for a process in the object's group: root's group 0 here.
    @Test func aProcessInTheObjectsGroupGetsTheGroupsBits() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o604)
        defer { try? Syscall.msgRemove(queue) }
        var result = ""
        asUser(1000, group: 0) { result = code { _ = try Syscall.msgStatus(queue) } }
        #expect(result == "EACCES")
    }

    /// `mq_open`, `shm_open` and `sem_open` check the mode as files do (`EEXIST` first for `O_CREAT | O_EXCL`);
    /// only the owner may unlink a name (`EACCES`; `shm_unlink`'s is glibc's translation of the kernel's `EPERM`).
    @Test func namedObjectsCheckTheModeAtOpenAndTheOwnerAtUnlink() throws {
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let queueName = "/ipch-test-\(tag)-mq", memoryName = "/ipch-test-\(tag)-shm", semaphoreName = "/ipch-test-\(tag)-sem"
        let queue = try Syscall.mqCreate(queueName, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o604, maximumMessages: 2, messageSize: 8)
        let memory = try Syscall.shmOpen(memoryName, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        let semaphore = try PosixSemaphore.create(semaphoreName, value: 1)
        defer {
            try? Syscall.close(queue); try? Syscall.mqUnlink(queueName)
            try? Syscall.close(memory); try? Syscall.shmUnlink(memoryName)
            try? semaphore.close(); try? PosixSemaphore.unlink(semaphoreName)
        }
        var seen: [String: String] = [:]
        asUser(1000) {
            seen["mq O_RDONLY"] = code { try Syscall.close(try PosixMessageQueue.open(queueName, access: O_RDONLY)) }
            seen["mq O_WRONLY"] = code { try Syscall.close(try PosixMessageQueue.open(queueName, access: O_WRONLY)) }
            seen["mq O_CREAT|O_EXCL"] = code {
                try Syscall.close(try Syscall.mqCreate(queueName, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8))
            }
            seen["mq_unlink"] = code { try Syscall.mqUnlink(queueName) }
            seen["shm O_RDONLY"] = code { try Syscall.close(try Syscall.shmOpen(memoryName, flags: O_RDONLY | O_CLOEXEC)) }
            seen["shm O_CREAT"] = code { try Syscall.close(try Syscall.shmOpen(memoryName, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600)) }
            seen["shm O_CREAT|O_EXCL"] = code { try Syscall.close(try Syscall.shmOpen(memoryName, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)) }
            seen["shm_unlink"] = code { try Syscall.shmUnlink(memoryName) }
            seen["sem_open"] = code { try (try PosixSemaphore.open(semaphoreName)).close() }
            seen["sem_unlink"] = code { try PosixSemaphore.unlink(semaphoreName) }
        }
        #expect(seen == [
            "mq O_RDONLY": "ok", "mq O_WRONLY": "EACCES", "mq O_CREAT|O_EXCL": "EEXIST", "mq_unlink": "EACCES",
            "shm O_RDONLY": "EACCES", "shm O_CREAT": "EACCES", "shm O_CREAT|O_EXCL": "EEXIST", "shm_unlink": "EACCES",
            "sem_open": "EACCES", "sem_unlink": "EACCES",
        ])
    }

    /// `shm_open`'s `O_TRUNC` asks for write permission, with `O_RDONLY` too (the kernel's `build_open_flags` adds
    /// `MAY_WRITE`): a reader of a 0644 object, and the owner of a 0444 one, fail `EACCES` and the size stays
    /// (Open POSIX shm_open 34-1). An object a user creates is that user's and group's (`st_uid`, `st_gid`; Open
    /// POSIX shm_open 16-1, 17-1), and glibc's `shm_open` sets `FD_CLOEXEC` whatever the flags (11-1).
    @Test func shmOpenTruncationAsksForWritePermission() throws {
        let name = "/ipch-test-\(getpid())-trunc-\(UInt32.random(in: 0...UInt32.max))"
        let created = "/ipch-test-\(getpid())-owned-\(UInt32.random(in: 0...UInt32.max))"
        let memory = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644)
        defer { try? Syscall.close(memory); try? Syscall.shmUnlink(name); try? Syscall.shmUnlink(created) }
        #expect(fchmod(memory.rawValue, 0o644) == 0)
        try Syscall.truncate(memory, size: 4096)
        var seen: [String: String] = [:]
        var owned: (owner: uid_t, group: gid_t, closeOnExec: Bool)?
        asUser(1000) {
            seen["reader O_RDONLY"] = code { try Syscall.close(try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)) }
            seen["reader O_RDONLY|O_TRUNC"] = code { try Syscall.close(try Syscall.shmOpen(name, flags: O_RDONLY | O_TRUNC | O_CLOEXEC)) }
            seen["reader O_RDWR|O_TRUNC"] = code { try Syscall.close(try Syscall.shmOpen(name, flags: O_RDWR | O_TRUNC | O_CLOEXEC)) }
            let descriptor = shm_open(created, O_RDWR | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0 else { return }
            defer { Glibc.close(descriptor) }
            if let status = try? Syscall.fileStatus(FileDescriptor(rawValue: descriptor)) {
                owned = (status.owner, status.group, fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0)
            }
        }
        #expect(try Syscall.fileStatus(memory).size == 4096)
        #expect(fchmod(memory.rawValue, 0o444) == 0 && fchown(memory.rawValue, 1000, 1000) == 0)
        asUser(1000) {
            seen["owner of 0444 O_RDONLY"] = code { try Syscall.close(try Syscall.shmOpen(name, flags: O_RDONLY | O_CLOEXEC)) }
            seen["owner of 0444 O_RDONLY|O_TRUNC"] = code { try Syscall.close(try Syscall.shmOpen(name, flags: O_RDONLY | O_TRUNC | O_CLOEXEC)) }
        }
        #expect(try Syscall.fileStatus(memory).size == 4096)
        #expect(seen == [
            "reader O_RDONLY": "ok", "reader O_RDONLY|O_TRUNC": "EACCES", "reader O_RDWR|O_TRUNC": "EACCES",
            "owner of 0444 O_RDONLY": "ok", "owner of 0444 O_RDONLY|O_TRUNC": "EACCES",
        ])
        #expect(owned?.owner == 1000 && owned?.group == 1000 && owned?.closeOnExec == true)
        // Root bypasses the mode: its O_RDONLY|O_TRUNC truncates.
        try Syscall.close(try Syscall.shmOpen(name, flags: O_RDONLY | O_TRUNC | O_CLOEXEC))
        #expect(try Syscall.fileStatus(memory).size == 0)
    }

    /// `msgctl(IPC_SET)` changes the mode and the owner that later checks use, and `IPC_STAT` reports them; only the
    /// owner (or the creator, or root) may make it (`EPERM`), and a new owner may.
    @Test func ipcSetChangesTheModeAndTheOwnerLaterChecksUse() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.msgRemove(queue) }
        var seen: [String] = []
        asUser(1000) { seen.append(code { try Syscall.msgsnd(queue, type: 1, [1], flags: IPC_NOWAIT) }) }
        try Syscall.msgSet(queue, capacity: nil, mode: 0o606, owner: nil)
        var status = try Syscall.msgStatus(queue)
        #expect(status.msg_perm.mode & 0o777 == 0o606 && status.msg_perm.uid == 0)
        asUser(1000) {
            seen.append(code { try Syscall.msgsnd(queue, type: 1, [1], flags: IPC_NOWAIT) })
            seen.append(code { try Syscall.msgSet(queue, capacity: nil, mode: 0o666, owner: nil) })
        }
        try Syscall.msgSet(queue, capacity: nil, mode: nil, owner: 1000)
        asUser(1000) { seen.append(code { try Syscall.msgSet(queue, capacity: nil, mode: 0o640, owner: nil) }) }
        status = try Syscall.msgStatus(queue)
        #expect(status.msg_perm.mode & 0o777 == 0o640 && status.msg_perm.uid == 1000)
        #expect(seen == ["EACCES", "ok", "EPERM", "ok"])
    }

    /// `semctl(IPC_SET)` and `shmctl(IPC_SET)` as `msgctl`'s: the new mode and owner are what later checks use and
    /// what `IPC_STAT` reports; anyone else's `IPC_SET` fails `EPERM`.
    @Test func semaphoreAndSegmentIPCSetChangeTheModeAndTheOwner() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 1, flags: IPC_CREAT | 0o600)
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set); try? Syscall.shmRemove(segment) }
        try Syscall.semSet(set, mode: 0o606, owner: nil)
        try Syscall.shmSet(segment, mode: 0o604, owner: nil)
        #expect(try Syscall.semStatus(set).mode == 0o606 && Syscall.shmStatus(segment).mode == 0o604)
        var seen: [String] = []
        asUser(1000) {
            seen.append(code { try Syscall.semop(set, [SemaphoreOperation(number: 0, change: 1)], nonblocking: true) })
            seen.append(code { try Syscall.semSet(set, mode: 0o666, owner: nil) })
            seen.append(code { try Syscall.shmdt(try Syscall.shmat(segment, readOnly: true)) })
            seen.append(code { try Syscall.shmSet(segment, mode: 0o666, owner: nil) })
        }
        try Syscall.shmSet(segment, mode: nil, owner: 1000)
        #expect(try Syscall.shmStatus(segment).ownerUID == 1000)
        asUser(1000) { seen.append(code { try Syscall.shmSet(segment, mode: 0o600, owner: nil) }) }
        #expect(seen == ["ok", "EPERM", "ok", "EPERM", "ok"])
    }

    /// A `msgget`, `semget` or `shmget` of an existing key asks for its flag's permission bits: `EACCES` when the
    /// mode does not grant them (after `EEXIST`); a lookup with no bits always finds the object.
    @Test func aGetAsksForItsFlagsPermissionBits() throws {
        let key = SystemVKeyFactsTests.key()
        let queue = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o604)
        defer { try? Syscall.msgRemove(queue) }
        var seen: [String] = []
        asUser(1000) {
            for flags in [0, 0o004, 0o400, 0o002, IPC_CREAT | 0o600, IPC_CREAT | IPC_EXCL | 0o600] {
                seen.append(code { _ = try Syscall.msgget(key, flags: flags) })
            }
        }
        #expect(seen == ["ok", "ok", "ok", "EACCES", "EACCES", "EEXIST"])
    }
}
