import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `msgget` and `semget` of an existing object's key on this kernel (`/proc/sys/kernel/sem`: `semmsl` 32000): a
/// lookup finds it; `IPC_CREAT | IPC_EXCL` fails `EEXIST` while it exists; once removed a lookup fails `ENOENT` and a
/// create makes a new object. `semget` refuses a count above `semmsl` first, more semaphores than the set has, and
/// creating a set of none, with `EINVAL`.
@Suite struct SystemVKeyFactsTests {
    static func key() -> key_t { key_t(bitPattern: 0x5100_0000 | UInt32.random(in: 0...0xff_ffff)) }

    @Test func msggetFindsRefusesAndAfterTheRemovalCreatesAnew() throws {
        let key = Self.key()
        let queue = try SystemVMessageQueues.create(key: key, capacity: 64)
        var removed = false
        defer { if !removed { try? SystemVMessageQueues.remove(queue) } }
        #expect(try Syscall.msgget(key, flags: 0) == queue)
        #expect(try Syscall.msgget(key, flags: IPC_CREAT | 0o600) == queue)
        #expect(throws: Errno.fileExists) { _ = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        try SystemVMessageQueues.remove(queue)
        removed = true
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.msgget(key, flags: 0) }
        let again = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600)
        try? SystemVMessageQueues.remove(again)
        #expect(again != queue)
    }

    @Test func semgetChecksTheCountAndTheKey() throws {
        let key = Self.key()
        let set = try SystemVSemaphores.create(key: key, values: [0, 0])
        var removed = false
        defer { if !removed { try? SystemVSemaphores.remove(set) } }
        #expect(try Syscall.semget(key, count: 0, flags: 0) == set)
        #expect(try Syscall.semget(key, count: 2, flags: 0) == set)
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 3, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 32001, flags: 0) }
        #expect(throws: Errno.fileExists) { _ = try Syscall.semget(key, count: 3, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 3, flags: IPC_CREAT | 0o600) }
        try SystemVSemaphores.remove(set)
        removed = true
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.semget(key, count: 2, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 32001, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semget(key, count: 0, flags: IPC_CREAT | 0o600) }
        let again = try Syscall.semget(key, count: 1, flags: IPC_CREAT | IPC_EXCL | 0o600)
        try? SystemVSemaphores.remove(again)
        #expect(again != set)
    }

    /// `IPC_RMID` gives a segment the private key at once, though it lives on while attached (`shm_perm.__key` 0).
    @Test func shmgetLosesTheKeyAtTheRemovalThoughTheSegmentIsStillAttached() throws {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments (counts, destruction).
        try Syscall.withoutConcurrentSpawns { () throws in
            let key = Self.key()
            let segment = try Syscall.shmget(key, size: 32, flags: IPC_CREAT | IPC_EXCL | 0o600)
            var removed = false
            defer { if !removed { try? Syscall.shmRemove(segment) } }
            #expect(try Syscall.shmget(key, size: 0, flags: 0) == segment)
            #expect(try Syscall.shmget(key, size: 32, flags: 0) == segment)
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 33, flags: 0) }
            #expect(throws: Errno.fileExists) { _ = try Syscall.shmget(key, size: 64, flags: IPC_CREAT | IPC_EXCL | 0o600) }
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 64, flags: IPC_CREAT | 0o600) }
            let attachment = try SystemVSharedMemorySegments.attach(segment, size: 32)
            try Syscall.shmRemove(segment)
            removed = true
            #expect(try SystemVSharedMemorySegments.status(segment).attachments == 1)
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.shmget(key, size: 32, flags: 0) }
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.shmget(key, size: 0, flags: IPC_CREAT | 0o600) }
            let again = try Syscall.shmget(key, size: 16, flags: IPC_CREAT | IPC_EXCL | 0o600)
            try? Syscall.shmRemove(again)
            #expect(again != segment)
            try SystemVSharedMemorySegments.detach(attachment)
        }
    }
}
