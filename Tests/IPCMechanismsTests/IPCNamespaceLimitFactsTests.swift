import CIPCShims
import Glibc
import IPCModels
import Testing

/// The limits `ipc(7)` and `mq_overview(7)` count per IPC namespace, on this kernel (a C probe first; LTP's
/// `msgget03`, `semget02`, `mq_open01`'s `ENOSPC` cases are the checklist). Each fact runs in a forked child that makes
/// an IPC namespace of its own (`unshare(CLONE_NEWIPC)`), lowers a limit through `/proc/sys`, and makes objects until
/// it meets it — the host's namespace and its limits are never touched, and the child's objects go with its namespace.
/// The models, given the namespace (params `"ipcNamespace"`, ``IPCNamespace``), say the same.
@Suite struct IPCNamespaceLimitFactsTests {
    /// A call's result as a slot: the value, or −errno.
    static func slot(_ result: Int32) -> Int { result < 0 ? -Int(errno) : Int(result) }

    /// `kernel.msgmni` 2: two queues made, the third `ENOSPC` (`IPC_PRIVATE`, and a free key with `IPC_CREAT`), as
    /// root (no capability passes it); `MSG_INFO` reports the 2 in use and `IPC_INFO` `msgmni` 2; one removed, a create
    /// succeeds again.
    @Test func msgmniIsCountedInTheNamespace() throws {
        let path = strdup("/proc/sys/kernel/msgmni")!
        let two = strdup("2")!
        defer { free(path); free(two) }
        let seen = try #require(ForkedChildren.run(count: 1, slots: 10) { _, slots in
            slots[0] = Self.slot(ipc_unshare_ipc())
            guard slots[0] == 0 else { return }
            slots[1] = Self.slot(ipc_write_setting(path, two))
            slots[2] = Self.slot(msgget(IPC_PRIVATE, IPC_CREAT | 0o600))
            slots[3] = Self.slot(msgget(IPC_PRIVATE, IPC_CREAT | 0o600))
            slots[4] = Self.slot(msgget(IPC_PRIVATE, IPC_CREAT | 0o600))
            slots[5] = Self.slot(msgget(0x4e53, IPC_CREAT | 0o600))
            var info = msginfo()
            _ = withUnsafeMutablePointer(to: &info) { $0.withMemoryRebound(to: msqid_ds.self, capacity: 1) { msgctl(0, 12, $0) } }  // MSG_INFO
            slots[6] = Int(info.msgpool)
            _ = withUnsafeMutablePointer(to: &info) { $0.withMemoryRebound(to: msqid_ds.self, capacity: 1) { msgctl(0, 3, $0) } }  // IPC_INFO
            slots[7] = Int(info.msgmni)
            slots[8] = Self.slot(msgctl(Int32(slots[2]), IPC_RMID, nil))
            slots[9] = Self.slot(msgget(0x4e53, IPC_CREAT | 0o600))
        })[0]
        #expect(seen[0] == 0, "unshare(CLONE_NEWIPC): \(seen[0])")
        #expect(seen[1] == 0)
        #expect(seen[2] >= 0 && seen[3] >= 0)
        #expect(seen[4] == -Int(ENOSPC))
        #expect(seen[5] == -Int(ENOSPC))
        #expect(seen[6] == 2)
        #expect(seen[7] == 2)
        #expect(seen[8] == 0)
        #expect(seen[9] >= 0)

        // The model: the followed queue made by the trace, with one queue (then two) already in a namespace of msgmni 2.
        func model(queues: Int) throws -> SystemVMessageQueueModel {
            try SystemVMessageQueueModel(parameters: ["objects": ["q": ["exists": false]], "ipcNamespace": ["queues": .int(queues), "msgmni": 2]])
        }
        let create = SystemVMessageQueueModel.Input.get(process: 1, create: true, exclusive: false)
        let room = try model(queues: 1)
        let made = room.transitions(room.initialState(of: "q"), create)
        #expect(made.map(\.output) == [.found])
        let info = room.transitions(made[0].state, .info(process: 1, counts: true))
        #expect(info.count == 1)
        if case .info(let expected)? = info.first?.output {
            #expect(expected.fields["msgpool"] == 2)
            #expect(expected.fields["msgmni"] == 2)
        }
        let full = try model(queues: 2)
        #expect(full.transitions(full.initialState(of: "q"), create).map(\.output) == [.failed(.ENOSPC)])
        // Without the namespace, both stay allowed: the other queues are outside the trace.
        let unknown = try SystemVMessageQueueModel(parameters: ["objects": ["q": ["exists": false]]])
        #expect(unknown.transitions(unknown.initialState(of: "q"), create).map(\.output) == [.found, .failed(.ENOSPC)])
    }

    /// `fs.mqueue.queues_max` 1: the first `mq_open` makes a queue, the second `ENOSPC` (root here lacks
    /// `CAP_SYS_RESOURCE`) — before its attributes' `EINVAL` (surprise: a create of 0 messages at the limit is
    /// `ENOSPC`); the first queue unlinked but still open still counts; once closed too, a create succeeds. (Every
    /// model outcome below may also be `EMFILE` of a full descriptor table, taken before anything: the header gives
    /// no `descriptorLimits`.)
    @Test func queuesMaxIsCountedInTheNamespace() throws {
        let path = strdup("/proc/sys/fs/mqueue/queues_max")!
        let one = strdup("1")!
        let (first, second) = (strdup("/ipch-ns-first")!, strdup("/ipch-ns-second")!)
        defer { free(path); free(one); free(first); free(second) }
        let seen = try #require(ForkedChildren.run(count: 1, slots: 8) { _, slots in
            slots[0] = Self.slot(ipc_unshare_ipc())
            guard slots[0] == 0 else { return }
            slots[1] = Self.slot(ipc_write_setting(path, one))
            let queue = ipc_mq_create(first, O_RDWR | O_EXCL, 0o600, 4, 64)
            slots[2] = Self.slot(queue)
            slots[3] = Self.slot(ipc_mq_create(second, O_RDWR | O_EXCL, 0o600, 4, 64))
            slots[4] = Self.slot(ipc_mq_create(second, O_RDWR | O_EXCL, 0o600, 0, 64))
            slots[5] = Self.slot(ipc_mq_unlink(first))
            slots[6] = Self.slot(ipc_mq_create(second, O_RDWR | O_EXCL, 0o600, 4, 64))
            _ = ipc_mq_close(queue)
            slots[7] = Self.slot(ipc_mq_create(second, O_RDWR | O_EXCL, 0o600, 4, 64))
        })[0]
        #expect(seen[0] == 0, "unshare(CLONE_NEWIPC): \(seen[0])")
        #expect(seen[1] == 0)
        #expect(seen[2] >= 0)
        #expect(seen[3] == -Int(ENOSPC))
        #expect(seen[4] == -Int(ENOSPC))
        #expect(seen[5] == 0)
        #expect(seen[6] == -Int(ENOSPC))
        #expect(seen[7] >= 0)

        // The model: the followed queue made by process 1 in a namespace of queues_max 1.
        func model(queues: Int, capability: Int? = 0) throws -> PosixMessageQueueModel {
            var namespace: JSONObject = ["queues": .int(queues), "queuesMax": 1]
            if let capability { namespace["capSysResource"] = .int(capability) }
            return try PosixMessageQueueModel(parameters: ["objects": ["q": ["exists": false]], "ipcNamespace": .object(namespace)])
        }
        let create = PosixMessageQueueModel.Input.open(
            process: 1, access: .readWrite, creation: .init(exclusive: true, maxMessages: 4, messageSize: 64), nonblocking: false)
        let room = try model(queues: 0)
        #expect(Set(room.transitions(room.initialState(of: "q"), create).map(\.output)) == [.done, .failed(ErrorCode("EMFILE"))])
        let full = try model(queues: 1)
        #expect(Set(full.transitions(full.initialState(of: "q"), create).map(\.output)) == [.failed(.ENOSPC), .failed(ErrorCode("EMFILE"))])
        // Attributes out of range: the count's ENOSPC first, EINVAL below the limit.
        let invalid = PosixMessageQueueModel.Input.open(
            process: 1, access: .readWrite, creation: .init(exclusive: true, maxMessages: 0, messageSize: 64), nonblocking: false)
        #expect(Set(full.transitions(full.initialState(of: "q"), invalid).map(\.output)) == [.failed(.ENOSPC), .failed(ErrorCode("EMFILE"))])
        #expect(Set(room.transitions(room.initialState(of: "q"), invalid).map(\.output)) == [.failed(.EINVAL), .failed(ErrorCode("EMFILE"))])
        // A process with CAP_SYS_RESOURCE passes the limit; without the header saying, either.
        let capable = try model(queues: 1, capability: 1)
        #expect(!capable.transitions(capable.initialState(of: "q"), create).map(\.output).contains(.failed(.ENOSPC)))
        let unknown = try model(queues: 1, capability: nil)
        #expect(Set(unknown.transitions(unknown.initialState(of: "q"), create).map(\.output)) == [.done, .failed(ErrorCode("EMFILE")), .failed(.ENOSPC)])
    }

    /// `kernel.sem` "5 8 3 2": a set of 6 fails `EINVAL` (`semmsl`), a `semop` of 4 operations `E2BIG` (`semopm`); sets
    /// of 3 and 3 made, a third of 3 `ENOSPC` (`semmns` 8), a set of 2 then made (8 in use), and with `semmni` 2 met a
    /// set of 1 `ENOSPC` too; one removed, a set of 1 made.
    @Test func kernelSemLimitsAreTheNamespaces() throws {
        let path = strdup("/proc/sys/kernel/sem")!
        let limits = strdup("5 8 3 2")!
        defer { free(path); free(limits) }
        let seen = try #require(ForkedChildren.run(count: 1, slots: 9) { _, slots in
            slots[0] = Self.slot(ipc_unshare_ipc())
            guard slots[0] == 0 else { return }
            slots[1] = Self.slot(ipc_write_setting(path, limits))
            slots[2] = Self.slot(semget(IPC_PRIVATE, 6, IPC_CREAT | 0o600))
            let set = semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600)
            slots[3] = Self.slot(set)
            var operations = [sembuf](repeating: sembuf(sem_num: 0, sem_op: 1, sem_flg: Int16(IPC_NOWAIT)), count: 4)
            slots[4] = Self.slot(semop(set, &operations, 4))
            slots[5] = Self.slot(semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600))
            slots[6] = Self.slot(semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600))
            slots[7] = Self.slot(semget(IPC_PRIVATE, 2, IPC_CREAT | 0o600))
            _ = ipc_semctl_remove(set)
            slots[8] = Self.slot(semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600))
        })[0]
        #expect(seen[0] == 0, "unshare(CLONE_NEWIPC): \(seen[0])")
        #expect(seen[1] == 0)
        #expect(seen[2] == -Int(EINVAL))
        #expect(seen[3] >= 0)
        #expect(seen[4] == -Int(E2BIG))
        #expect(seen[5] >= 0)
        #expect(seen[6] == -Int(ENOSPC))
        #expect(seen[7] == -Int(ENOSPC))  // 2 sets: semmni met, though 6 + 2 ≤ 8
        #expect(seen[8] >= 0)

        // The model, the followed set made by the trace in that namespace.
        func model(sets: Int, semaphores: Int) throws -> SystemVSemaphoreModel {
            try SystemVSemaphoreModel(parameters: [
                "objects": ["v": ["exists": false]],
                "ipcNamespace": ["sets": .int(sets), "semaphores": .int(semaphores), "semmsl": 5, "semmns": 8, "semopm": 3, "semmni": 2],
            ])
        }
        func creating(_ count: Int, in model: SystemVSemaphoreModel) -> [SystemVSemaphoreModel.Output?] {
            model.transitions(model.initialState(of: "v"), .get(process: 1, count: count, create: true, exclusive: false)).map(\.output)
        }
        #expect(creating(6, in: try model(sets: 0, semaphores: 0)) == [.failed(.EINVAL)])
        #expect(creating(3, in: try model(sets: 0, semaphores: 0)) == [.done])
        #expect(creating(3, in: try model(sets: 1, semaphores: 6)) == [.failed(.ENOSPC)])
        #expect(creating(2, in: try model(sets: 1, semaphores: 6)) == [.done])
        #expect(creating(1, in: try model(sets: 2, semaphores: 6)) == [.failed(.ENOSPC)])
        let made = try model(sets: 0, semaphores: 0)
        let set = made.transitions(made.initialState(of: "v"), .get(process: 1, count: 3, create: true, exclusive: false))[0].state
        let four = [SystemVSemaphoreModel.Operation](repeating: .init(number: 0, change: 1, undo: false), count: 4)
        #expect(made.transitions(set, .semop(process: 1, operations: four, nonblocking: true)).map(\.output) == [.failed(.E2BIG)])
    }
}
