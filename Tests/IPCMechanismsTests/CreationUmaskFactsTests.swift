import CIPCShims
import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The umask is each process's own, and only POSIX creates take it (measured with a C probe first). The umask is the
/// whole process's, so each fact runs in forked children (``ForkedChildren``) that make C calls only; the models then
/// judge what they saw (``Umasks``).
@Suite struct CreationUmaskFactsTests {
    /// Two processes creating at once, one under umask 022 and one under 077, each make their queue, semaphore and
    /// shared memory object of 0666 under their own mask — 0644 and 0600 — and a `umask(0)` in mid-run returns the old
    /// mask and changes the caller's later creates alone (0666). The models, given a umask per process in the setup
    /// and the `umask` call, say the same.
    @Test func eachProcessCreatesUnderItsOwnUmaskAndAUmaskCallChangesItsOwn() throws {
        let base = "/ipch-test-\(getpid())-umask-\(UInt32.random(in: 0...UInt32.max))"
        let names = (0..<4).map { PosixCreationNames("\(base)-\($0)") }
        defer { names.forEach { $0.release() } }
        let seen = try #require(ForkedChildren.run(count: 2, slots: 7) { index, slots in
            umask(index == 0 ? 0o022 : 0o077)
            names[2 * index].create(mode: 0o666, into: slots)
            slots[3] = Int(umask(0))
            names[2 * index + 1].create(mode: 0o666, into: slots + 4)
        })
        #expect(seen[0] == [0o644, 0o644, 0o644, 0o022, 0o666, 0o666, 0o666])
        #expect(seen[1] == [0o600, 0o600, 0o600, 0o077, 0o666, 0o666, 0o666])

        let models = PosixCreationModels(umask: ["1": "0022", "2": "0077"])
        #expect(try models.modes(creator: 1, mode: 0o666).modes == [0o644, 0o644, 0o644])
        #expect(try models.modes(creator: 2, mode: 0o666).modes == [0o600, 0o600, 0o600])
        let changed = try models.modes(creator: 2, mode: 0o666, newMask: 0)
        #expect(changed.modes == [0o666, 0o666, 0o666])
        #expect(changed.old == [0o077, 0o077, 0o077])
        // One mask for every process (the setup's single "umask"), and a process the per-process table leaves out: 022.
        #expect(try PosixCreationModels(umask: "0077").modes(creator: 3, mode: 0o666).modes == [0o600, 0o600, 0o600])
        #expect(try models.modes(creator: 3, mode: 0o666).modes == [0o644, 0o644, 0o644])
    }

    /// `umask(2)` returns the old mask and keeps only the permission bits: after `umask(07777)`, `umask(0)` returns
    /// 0777 — as the models' `umask` call does.
    @Test func umaskReturnsTheOldMaskAndKeepsOnlyThePermissionBits() throws {
        let seen = try #require(ForkedChildren.run(count: 1, slots: 3) { _, slots in
            umask(0o022)
            slots[0] = Int(umask(0o7777))
            slots[1] = Int(umask(0))
            slots[2] = Int(umask(0o022))
        }?.first)
        #expect(seen == [0o022, 0o777, 0])
        var masks = Umasks()
        #expect(masks.set(1, to: 0o7777) == 0o022)
        #expect(masks.set(1, to: 0) == 0o777)
        #expect(masks.of(2) == 0o022)
    }

    /// A child a `fork` makes starts with its parent's umask (a C probe first): a child under 077 forks, and its own
    /// child's `umask(0)` returns 077. In the models, the forked process's create takes its parent's mask.
    @Test func aForkedChildStartsWithItsParentsUmask() throws {
        let seen = try #require(ForkedChildren.run(count: 1, slots: 1) { _, slots in
            umask(0o077)
            let child = fork()
            if child == 0 { _exit(CInt(umask(0))) }
            var status: CInt = 0
            if child > 0 && waitpid(child, &status, 0) == child { slots[0] = Int(status >> 8 & 0xff) }
        }?.first)
        #expect(seen == [0o077])
        let queues = try PosixMessageQueueModel(parameters: ["objects": ["q": ["exists": false, "umask": ["1": "0077"]]]])
        let forked = try #require(queues.transitions(queues.initialState(of: "q"), .fork(process: 1, child: 2)).first).state
        let made = queues.transitions(forked, .open(process: 2, creation: .init(exclusive: true, mode: 0o666))).first { $0.output == .done }
        #expect(made?.state.permissions.mode == 0o600)
        let semaphores = try PosixSemaphoreModel(parameters: ["objects": ["s": ["named": true, "exists": false, "umask": ["1": "0077"]]]])
        let forkedSemaphore = try #require(semaphores.transitions(semaphores.initialState(of: "s"), .fork(process: 1, child: 2)).first).state
        let madeSemaphore = semaphores.transitions(forkedSemaphore, .open(process: 2, creation: .init(exclusive: true, value: 0, mode: 0o666)))
            .first { $0.output == .done }
        #expect(madeSemaphore?.state.permissions.mode == 0o600)
        let objects = try PosixSharedMemoryModel(parameters: ["objects": ["m": ["words": 1, "exists": false, "umask": ["1": "0077"]]]])
        let forkedObject = try #require(objects.transitions(objects.initialState(of: "m"), .fork(process: 1, child: 2)).first).state
        let madeObject = objects.transitions(forkedObject, .open(process: 2, .init(create: true, exclusive: true, mode: 0o666)))
            .first { $0.output == .done }
        #expect(madeObject?.state.permissions.mode == 0o600)
    }

    /// System V ignores the umask: under umask 077, `msgget`, `semget` and `shmget` with `IPC_CREAT | 0666` make
    /// objects of mode 0666 (`IPC_STAT`), and the flag's bits above 0777 are no mode bits — `IPC_CREAT | 03777`
    /// (`IPC_EXCL` among them) makes mode 0777 (a C probe: `msg_perm.mode` holds nothing above it; with 04000 too,
    /// `shmget` reads it as `SHM_HUGETLB` and failed `ENOMEM` here, with no huge pages). The models give a created
    /// object the bits its `"mode"` asks, with no umask.
    @Test func systemVCreatesIgnoreTheUmask() throws {
        let ids = try #require(ForkedChildren.run(count: 1, slots: 6) { _, slots in
            umask(0o077)
            slots[0] = Int(msgget(IPC_PRIVATE, IPC_CREAT | 0o666))
            slots[1] = Int(semget(IPC_PRIVATE, 1, IPC_CREAT | 0o666))
            slots[2] = Int(shmget(IPC_PRIVATE, 100, IPC_CREAT | 0o666))
            slots[3] = Int(msgget(IPC_PRIVATE, IPC_CREAT | 0o3777))
            slots[4] = Int(semget(IPC_PRIVATE, 1, IPC_CREAT | 0o3777))
            slots[5] = Int(shmget(IPC_PRIVATE, 100, IPC_CREAT | 0o3777))
        }?.first)
        var modes: [Int] = []
        for slot in [0, 3] {
            let queue = SystemVMessageQueue(id: CInt(ids[slot]))
            let set = SystemVSemaphoreSet(id: CInt(ids[slot + 1]))
            let segment = SystemVSharedMemory(id: CInt(ids[slot + 2]))
            defer {
                try? Syscall.msgRemove(queue)
                try? Syscall.semRemove(set)
                try? Syscall.shmRemove(segment)
            }
            modes.append(Int(try Syscall.msgStatus(queue).msg_perm.mode))
            modes.append(Int(try Syscall.semStatus(set).mode))
            modes.append(Int(try Syscall.shmStatus(segment).mode & 0o777))
        }
        #expect(modes == [0o666, 0o666, 0o666, 0o777, 0o777, 0o777])

        let queues = try SystemVMessageQueueModel(parameters: ["objects": ["m": ["exists": false]]])
        let sets = try SystemVSemaphoreModel(parameters: ["objects": ["v": ["exists": false]]])
        let segments = try SystemVSharedMemoryModel(parameters: ["objects": ["g": ["exists": false, "words": 16]]])
        for mode in [0o666, 0o777] {
            let queue = queues.transitions(queues.initialState(of: "m"), .get(process: 1, create: true, exclusive: true, mode: mode))
            let set = sets.transitions(sets.initialState(of: "v"), .get(process: 1, count: 1, create: true, exclusive: true, mode: mode))
            let segment = segments.transitions(
                segments.initialState(of: "g"), .get(process: 1, size: 100, create: true, exclusive: true, mode: mode))
            // A create that fails (ENOSPC, allowed beside it) leaves the default 0600.
            #expect(queue.map(\.state.permissions.mode).contains(mode))
            #expect(set.map(\.state.permissions.mode).contains(mode))
            #expect(segment.map(\.state.permissions.mode).contains(mode))
        }
    }
}
