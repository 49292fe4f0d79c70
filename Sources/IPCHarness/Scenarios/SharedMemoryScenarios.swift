import IPCModels

/// Scenarios on POSIX and System V shared memory: word loads, stores and fetch-and-adds from several processes,
/// and the objects' lifetimes.
public enum SharedMemoryScenarios {
    public static let all: [Scenario] = [
        posixWords, posixTruncate, sigbusTakenForZero, sigbusReported, posixMappings, posixMemoryLocks, privatePublisher, sharedPublisher, syncFallsBackPrivate, syncRefusalReported, roundedDownWriter, wholeLengthWriter, lockRefusalTakenForLocked, lockRefusalReported, systemVAttachCount, uncheckedAttach, checkedAttach,
        limitRefusalTakenForRestored, limitRefusalReported, segmentLockRefusalTakenForLocked, segmentLockRefusalReported,
        truncateAfterCloseTakenForDone, truncateAfterCloseReported,
        storeAfterDetach, storeAfterDetachRefused,
    ]

    /// Readers of a 2-page table whose writer shrinks it (to 0 or one page) and grows it back while they read words
    /// of both pages.
    static func shrinkingTable(generator: inout SeededGenerator) -> Workload {
        var writer: [Call] = []
        for _ in 0..<generator.next(in: 3...5) {
            writer.append(Call(process: 1, object: "s0", f: "truncate", value: ["size": .int(generator.pick([0, 4096, 8192, 8192]))]))
            writer.append(Call(process: 1, object: "s0", f: "store", value: ["index": .int(generator.pick([0, 600])), "value": .int(generator.next(in: 1...99))]))
        }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["map"]], program: writer)]
        for reader in 2...generator.next(in: 2...3) {
            let program = (0..<generator.next(in: 4...8)).map { _ in
                Call(process: reader, object: "s0", f: "load", value: ["index": .int(generator.pick([0, 600, 600]))])
            }
            processes.append(Workload.Process(id: reader, holds: ["s0": ["map"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": 1024])], processes: processes)
    }

    /// The fragile reader: it catches `SIGBUS` and takes a word past the object's end for 0.
    public static let sigbusTakenForZero = Scenario.real(
        name: "posix-shm-fragile-sigbus-as-zero", kind: PosixSharedMemoryKind.self, implementation: "client.shm-sigbus-as-zero",
        summary: "BROKEN: readers of a table that shrinks under them catch SIGBUS and take a word past its end for 0",
        isBroken: true, makeWorkload: { generator in shrinkingTable(generator: &generator) })

    /// Its robust twin: a read past the end is the `SIGBUS` it is.
    public static let sigbusReported = Scenario.real(
        name: "posix-shm-robust-sigbus-reported", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-sigbus-as-zero: a read past the end of the shrunk table is reported as SIGBUS",
        makeWorkload: { generator in shrinkingTable(generator: &generator) })

    /// One memory in every mapping; the object outlives its mappings until unlink.
    public static let posixWords = Scenario.real(
        name: "posix-shm-words", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "2-4 processes load, store and fetch-and-add 4 shared words; some map it later by name, unmap, unlink",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-shm", parameters: ["words": 4], calls: 4...10, generator: &generator,
                roles: { process, generator in process == 1 || generator.chance(0.7) ? ["map"] : ["name"] },
                operation: { _, _, generator in
                    generator.choose([
                        (80, { generator in wordAccess(&generator) }),
                        (8, { _ in ("open", nil) }),
                        (7, { _ in ("unmap", nil) }),
                        (5, { _ in ("unlink", nil) }),
                    ])
                })
        })

    /// `ftruncate` under the mappings (issue 15): a 2-page mapping of an object that grows and shrinks, so accesses
    /// meet `SIGBUS` past its end and the zeroes a shrink leaves; `fstat`; `shm_open` with `O_CREAT`, `O_EXCL`,
    /// `O_TRUNC`, `O_RDONLY` (a read-only mapping's stores `SIGSEGV`, a writable one `EACCES`) and names glibc refuses.
    public static let posixTruncate = Scenario.real(
        name: "posix-shm-truncate", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "2-4 processes ftruncate (0 B-8 KiB) and fstat an object under 2-page mappings (SIGBUS past the end), shm_open it read-only, O_TRUNC, O_EXCL",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-shm", parameters: ["words": 1024], calls: 4...10, generator: &generator,
                roles: { process, generator in process == 1 || generator.chance(0.7) ? ["map"] : ["name"] },
                operation: { _, _, generator in
                    generator.choose([
                        (50, { generator in
                            let (f, value) = wordAccess(&generator)
                            guard generator.chance(0.3), case .object(var fields)? = value else { return (f, value) }
                            fields["index"] = .int(generator.pick([511, 600, 1023]))
                            return (f, .object(fields))
                        }),
                        (18, { generator in ("truncate", ["size": .int(generator.pick([0, 8, 12, 32, 4096, 4104, 8192, -1]))] as JSONValue) }),
                        (10, { _ in ("stat", nil) }),
                        (14, { generator in
                            var value: JSONObject = [:]
                            switch generator.next(in: 0...5) {
                            case 0: value["access"] = "read"
                            case 1: value = ["access": "read", "protection": "read-write"]
                            case 2: value = ["create": true, "exclusive": .bool(generator.chance(0.5))]
                            case 3: value["truncate"] = true
                            case 4: value["name"] = .string(generator.pick(["with-slash", "empty", "too-long"]))
                            default: break
                            }
                            return ("open", value.count == 0 ? nil : .object(value))
                        }),
                        (6, { _ in ("unmap", nil) }),
                        (2, { _ in ("unlink", nil) }),
                    ])
                })
        })

    /// An `attach`: `SHM_RDONLY` now and then, and at times at an address — unaligned (`EINVAL` unless `SHM_RND`),
    /// at the latest attachment (`EINVAL` unless `SHM_REMAP`, which replaces it), `NULL` with `SHM_REMAP` (`EINVAL`),
    /// free — with `SHM_RND`, `SHM_REMAP`, `SHM_EXEC`.
    static func attachCall(_ generator: inout SeededGenerator) -> (f: String, value: JSONValue?) {
        var value: JSONObject = generator.chance(0.3) ? ["readOnly": true] : JSONObject()
        if generator.chance(0.3) {
            value["address"] = .string(generator.pick(["null", "free", "unaligned", "overlapping", "overlapping"]))
            if generator.chance(0.5) { value["round"] = true }
            if generator.chance(0.5) { value["remap"] = true }
            if generator.chance(0.1) { value["exec"] = true }
        }
        return ("attach", value.count == 0 ? nil : .object(value))
    }

    /// A client that never checks `shmat`'s result: each process attaches the segment again at an address of its own
    /// choosing — page-aligned, or a header's offset into a page without `SHM_RND`, or over its first attachment without
    /// `SHM_REMAP` — then stores and loads its counters. The kernel refuses the second and third kinds (`EINVAL`);
    /// the fragile client believes it attached.
    public static let uncheckedAttach = Scenario.real(
        name: "sysv-shm-fragile-unchecked-shmat", kind: SystemVSharedMemoryKind.self, implementation: "client.shmat-unchecked",
        summary: "BROKEN: a client that never checks shmat's result, attaching at unaligned addresses without SHM_RND or over its attachment without SHM_REMAP",
        isBroken: true, makeWorkload: { generator in reattachments(generator: &generator) })

    /// Its robust twin: the same attaches, their errors taken as errors.
    public static let checkedAttach = Scenario.real(
        name: "sysv-shm-robust-checked-shmat", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm",
        summary: "robust twin of sysv-shm-fragile-unchecked-shmat: the same attaches at chosen addresses, a refused one reported EINVAL",
        makeWorkload: { generator in reattachments(generator: &generator) })

    /// 1-2 processes attached to a 2-page segment, each without `CAP_IPC_LOCK` or `CAP_SYS_RESOURCE` under an
    /// `RLIMIT_MEMLOCK` of one page (the object's parameter `memlock`), try to lock it with `SHM_LOCK` (`ENOMEM`: its
    /// pages alone pass the limit, unless the other process locked it already), look at `IPC_STAT`, raise their soft
    /// limit to two pages (`setrlimit`, within the hard limit), lock it again, publish counters, look again and unlock.
    static func segmentLockUnderLimit(generator: inout SeededGenerator) -> Workload {
        let page = 4096
        let processes = (1...generator.next(in: 1...2)).map { process in
            var program = [
                Call(process: process, object: "s0", f: "lock"),
                Call(process: process, object: "s0", f: "status"),
                Call(process: process, object: "s0", f: "setrlimit", value: ["resource": "RLIMIT_MEMLOCK", "soft": .int(2 * page), "hard": .int(2 * page)]),
                Call(process: process, object: "s0", f: "lock"),
            ]
            for _ in 0..<generator.next(in: 1...3) {
                program.append(Call(process: process, object: "s0", f: "store", value: ["index": .int(generator.pick([0, 600])), "value": .int(generator.next(in: 1...99))]))
                program.append(Call(process: process, object: "s0", f: "load", value: ["index": .int(generator.pick([0, 600]))]))
            }
            program += [Call(process: process, object: "s0", f: "status"), Call(process: process, object: "s0", f: "unlock")]
            return Workload.Process(id: process, holds: ["s0": ["attach"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "sysv-shm", parameters: ["words": 1024, "memlock": .int(page)])], processes: processes)
    }

    /// The fragile client: an `SHM_LOCK` refused `ENOMEM` past `RLIMIT_MEMLOCK` is taken for done.
    public static let segmentLockRefusalTakenForLocked = Scenario.real(
        name: "sysv-shm-fragile-shm-lock-unchecked", kind: SystemVSharedMemoryKind.self, implementation: "client.shm-lock-unchecked",
        summary: "BROKEN: without CAP_IPC_LOCK under a 1-page RLIMIT_MEMLOCK, SHM_LOCK of a 2-page segment fails ENOMEM and the client takes it for locked",
        isBroken: true, makeWorkload: { generator in segmentLockUnderLimit(generator: &generator) })

    /// Its robust twin: the refusal is reported, and the segment is locked once the limit allows it.
    public static let segmentLockRefusalReported = Scenario.real(
        name: "sysv-shm-robust-shm-lock-limit", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm",
        summary: "robust twin of sysv-shm-fragile-shm-lock-unchecked: SHM_LOCK's ENOMEM past the user's RLIMIT_MEMLOCK is reported, the segment locked after setrlimit raises it",
        makeWorkload: { generator in segmentLockUnderLimit(generator: &generator) })

    /// 2-3 processes, each attached at set-up, attach again 2-4 times at a chosen address (free, unaligned with or
    /// without `SHM_RND`, over its latest attachment with or without `SHM_REMAP`), each followed by a store of its
    /// own counter and a load.
    static func reattachments(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 2...3)).map { process in
            var program: [Call] = []
            for counter in 1...generator.next(in: 2...4) {
                var value: JSONObject = ["address": .string(generator.pick(["free", "unaligned", "overlapping"]))]
                if generator.chance(0.5) { value[value["address"] == "unaligned" ? "round" : "remap"] = true }
                program.append(Call(process: process, object: "g0", f: "attach", value: .object(value)))
                program.append(Call(process: process, object: "g0", f: "store", value: ["index": .int(process - 1), "value": .int(counter)]))
                program.append(Call(process: process, object: "g0", f: "load", value: ["index": .int(process - 1)]))
            }
            return Workload.Process(id: process, holds: ["g0": ["attach"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "g0", kind: "sysv-shm", parameters: ["words": 4])], processes: processes)
    }

    /// 1-3 processes, each attached at set-up, 2-3 times: store their counter and load it, detach, store through the
    /// pointer they detached (a use after `shmdt`), attach again and load the counter back.
    static func storesAfterDetach(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 1...3)).map { process in
            var program: [Call] = []
            for counter in 1...generator.next(in: 2...3) {
                program.append(Call(process: process, object: "g0", f: "store", value: ["index": .int(process - 1), "value": .int(counter)]))
                program.append(Call(process: process, object: "g0", f: "load", value: ["index": .int(process - 1)]))
                program.append(Call(process: process, object: "g0", f: "detach"))
                program.append(Call(process: process, object: "g0", f: "store", value: ["index": .int(process - 1), "value": .int(100 + counter)]))
                program.append(Call(process: process, object: "g0", f: "attach"))
                program.append(Call(process: process, object: "g0", f: "load", value: ["index": .int(process - 1)]))
            }
            return Workload.Process(id: process, holds: ["g0": ["attach"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "g0", kind: "sysv-shm", parameters: ["words": 4])], processes: processes)
    }

    /// A client that keeps using the pointer it detached: after `shmdt` it stores through it and believes the store
    /// landed. The kernel has unmapped it (a C program's store raises `SIGSEGV`, LTP's `shmdt01`); the model allows
    /// only a failure there, and the load after attaching again shows the store never happened.
    public static let storeAfterDetach = Scenario.real(
        name: "sysv-shm-fragile-store-after-detach", kind: SystemVSharedMemoryKind.self, implementation: "client.shm-store-after-detach",
        summary: "BROKEN: a client that stores through the pointer it detached with shmdt and believes the store landed",
        isBroken: true, makeWorkload: { generator in storesAfterDetach(generator: &generator) })

    /// Its robust twin: the same calls, the store after `shmdt` refused (the worker's `EFAULT`: no attachment).
    public static let storeAfterDetachRefused = Scenario.real(
        name: "sysv-shm-robust-detached-store-refused", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm",
        summary: "robust twin of sysv-shm-fragile-store-after-detach: the same calls, a store with no attachment left refused (EFAULT)",
        makeWorkload: { generator in storesAfterDetach(generator: &generator) })

    /// IPC_RMID only marks a segment; it is destroyed when the last attachment goes (processes' exits included).
    public static let systemVAttachCount = Scenario.real(
        name: "sysv-shm-attach-count", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm",
        summary: "2-4 processes attach (some SHM_RDONLY, some at an address with SHM_RND, SHM_REMAP, SHM_EXEC), detach, IPC_STAT, SHM_STAT(_ANY), IPC_INFO/SHM_INFO, SHM_LOCK/SHM_UNLOCK, remove the segment, shmget its key and use 3 of its 4 words and word 511 (past its size in its page)",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "sysv-shm", parameters: ["words": 4], calls: 4...10, generator: &generator,
                roles: { process, generator in process == 1 || generator.chance(0.7) ? ["attach"] : ["id"] },
                operation: { _, _, generator in
                    generator.choose([
                        (60, { generator in wordAccess(&generator, fourth: 511) }),
                        (10, { generator in attachCall(&generator) }),
                        (10, { _ in ("detach", nil) }),
                        (12, { _ in ("status", nil) }),
                        (3, { generator in ("set", ["mode": .string(generator.pick(["0600", "0640", "0604"]))] as JSONValue) }),
                        (1, { generator in ("set", ["group": .int(generator.pick([0, 1234]))] as JSONValue) }),
                        (8, { _ in ("remove", nil) }),
                        (3, { generator in (generator.chance(0.5) ? "lock" : "unlock", nil) }),
                        (2, { generator in ("status", ["command": .string(generator.pick(["SHM_STAT", "SHM_STAT_ANY"]))] as JSONValue) }),
                        (2, { generator in ("info", ["command": .string(generator.pick(["IPC_INFO", "SHM_INFO"]))] as JSONValue) }),
                        (4, { generator in
                            // shmget of the key: ENOENT as soon as the segment is marked, though still attached.
                            var value: JSONObject = ["size": .int(generator.pick([0, 32, 33]))]
                            if generator.chance(0.4) { value["create"] = true; value["exclusive"] = .bool(generator.chance(0.5)) }
                            return ("get", .object(value))
                        }),
                    ])
                })
        })

    /// A load, store or add of one of 4 words; with `fourth`, that word instead of word 3 (a System V segment's
    /// word past its size in its last page, which is the segment's own too).
    static func wordAccess(_ generator: inout SeededGenerator, fourth: Int = 3) -> (f: String, value: JSONValue?) {
        let drawn = generator.next(in: 0...3)
        let index = JSONValue.int(drawn == 3 ? fourth : drawn)
        switch generator.pick(weighted: [(40, "load"), (30, "store"), (30, "add")]) {
        case "load": return ("load", ["index": index])
        case "store": return ("store", ["index": index, "value": .int(generator.next(in: 1...99))])
        default: return ("add", ["index": index, "delta": .int(generator.next(in: 1...9))])
        }
    }
}
