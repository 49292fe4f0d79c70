import IPCModels

/// Scenarios on the mappings of a POSIX shared memory object (issue 15): `MAP_PRIVATE`, offsets, `mprotect` and
/// partial `munmap`, and a publisher that maps privately and expects its readers to see its stores.
extension SharedMemoryScenarios {
    /// 2-4 processes each holding a 2-page mapping, mapping again (shared or private, from offset 0, 4096 or an
    /// unaligned 100, sometimes refused: length 0, neither flag, `O_RDONLY`), `mprotect`ing and partly unmapping the
    /// newest, `ftruncate`ing, and loading, storing and adding words of both pages. The mappings are 8000 bytes
    /// (1000 words), so word 1023 lies past the length in the last page; a mapping of 100 or 4097 bytes, and
    /// `mprotect`/`munmap` lengths short of a page, exercise the rounding to whole pages; `msync` of one page or both; offsets of 1 GiB, 2^63 −
    /// 4096 and −4096 map far along the object or fail `EOVERFLOW`; `MAP_FIXED` over the newest mapping (whole, or
    /// one page from 4096), unaligned, at a free place, and a hint; `MAP_FIXED_NOREPLACE` over the newest mapping
    /// (`EEXIST`), unaligned and at a free place; `PROT_EXEC` with `mmap` and `mprotect`.
    public static let posixMappings = Scenario.real(
        name: "posix-shm-mappings", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "2-4 processes map a 2-page object shared or MAP_PRIVATE, from offsets 0/4096/100, mprotect and partly munmap it, ftruncate, and use words of both pages",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-shm", parameters: ["words": 1000], calls: 4...12, generator: &generator,
                roles: { _, _ in ["map"] },
                operation: { _, _, generator in
                    generator.choose([
                        (50, { generator in
                            let (f, value) = wordAccess(&generator)
                            guard generator.chance(0.4), case .object(var fields)? = value else { return (f, value) }
                            fields["index"] = .int(generator.pick([512, 600, 1023]))
                            return (f, .object(fields))
                        }),
                        (18, { generator in
                            var value: JSONObject = [:]
                            switch generator.next(in: 0...10) {
                            case 10:
                                value["address"] = .string(generator.pick([
                                    "fixed", "fixed", "fixed-unaligned", "hint", "noreplace", "noreplace-unaligned", "noreplace-free", "fixed-free",
                                ]))
                                if generator.chance(0.5) { (value["offset"], value["length"]) = (4096, 4096) }
                            case 0...3: value["mapping"] = "private"
                            case 4: value = ["mapping": "private", "access": "read", "protection": "read-write"]
                            case 5: value["offset"] = 4096
                            case 6: value = ["offset": 4096, "mapping": "private"]
                            case 7: value["offset"] = .int(generator.pick([100, 100, 1 << 30, Int.max & ~4095, -4096]))
                            case 8: value = generator.chance(0.5) ? ["length": .int(generator.pick([0, 100, 4097]))] : ["mapping": "neither"]
                            default:
                                value["access"] = "read"
                                if generator.chance(0.3) { value["protection"] = "read-write" }  // EACCES
                            }
                            if generator.chance(0.15) { value["protection"] = .string(generator.pick(["read-exec", "read-write-exec"])) }
                            return ("open", .object(value))
                        }),
                        (12, { generator in
                            var value: JSONObject = ["protection": .string(generator.pick(["none", "read", "read-write", "read-exec", "read-write-exec"]))]
                            switch generator.next(in: 0...4) {
                            case 0: value["page"] = 0; value["pages"] = 1
                            case 1: value["page"] = 1
                            case 2: value["unaligned"] = true
                            case 3: value["length"] = .int(generator.pick([1, 100, 4097]))
                            default: break
                            }
                            return ("protect", .object(value))
                        }),
                        (7, { generator in
                            switch generator.next(in: 0...4) {
                            case 0: return ("unmap", nil)
                            case 4: return ("unmap", ["page": .int(generator.next(in: 0...1)), "length": 100] as JSONValue)
                            case 1: return ("unmap", ["page": 0, "pages": 0] as JSONValue)
                            case 3:
                                // msync of a page or both, instead (no new draw): ENOMEM over a page unmapped.
                                let page = generator.next(in: 0...1)
                                let flags: JSONValue = page == 0 ? ["MS_SYNC", "MS_INVALIDATE"] : ["MS_ASYNC"]
                                return ("sync", ["page": 0, "pages": .int(page + 1), "flags": flags] as JSONValue)
                            default: return ("unmap", ["page": .int(generator.next(in: 0...1)), "pages": 1] as JSONValue)
                            }
                        }),
                        (8, { generator in ("truncate", ["size": .int(generator.pick([0, 12, 4096, 8192, 8192]))] as JSONValue) }),
                    ])
                })
        })

    /// 1-3 processes each holding a 2-page mapping lock and unlock its pages (`mlock`, `mlock2` with `MLOCK_ONFAULT`
    /// or a refused flag, `munlock`, from inside a page too, `mlockall` and `munlockall`) and look at the locks with
    /// `msync(MS_INVALIDATE)` (`EBUSY` over a locked page), between `mprotect(PROT_NONE)` (`mlock` then fails `ENOMEM`
    /// faulting the page in, locked all the same), partial `munmap` (holes: `ENOMEM` past the pages before them),
    /// `ftruncate` (pages past the end fault `ENOMEM` too), new mappings (`MCL_FUTURE` locks them) and word accesses.
    /// `mlockall` always with `MCL_ONFAULT` or `MCL_FUTURE` alone: `MCL_CURRENT` alone would fault in every page of
    /// the worker. One object: `mlockall` concerns every mapping of the process.
    public static let posixMemoryLocks = Scenario.real(
        name: "posix-shm-memory-locks", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "1-3 processes mlock/mlock2/munlock pages of a 2-page mapping, mlockall/munlockall, and see the locks through msync MS_INVALIDATE",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-shm", parameters: ["words": 1000], processes: 1...3, calls: 4...12, generator: &generator,
                roles: { _, _ in ["map"] },
                operation: { _, _, generator in
                    func pages(_ generator: inout SeededGenerator) -> JSONObject {
                        switch generator.next(in: 0...5) {
                        case 0: ["page": 0, "pages": 1]
                        case 1: ["page": 1, "pages": 1]
                        case 2: ["page": 0, "pages": 2]
                        case 3: ["page": .int(generator.next(in: 0...1)), "length": 0, "unaligned": true]
                        case 4: ["page": 0, "length": .int(generator.pick([100, 4096])), "unaligned": true]
                        default: ["page": 0, "pages": 0]
                        }
                    }
                    return generator.choose([
                        (25, { generator in
                            var value = pages(&generator)
                            switch generator.next(in: 0...5) {
                            case 0: value["flags"] = ["MLOCK_ONFAULT"]
                            case 1: (value["flags"], value["bits"]) = ([], 2)
                            default: break
                            }
                            return ("lock", .object(value))
                        }),
                        (15, { generator in ("unlock", .object(pages(&generator))) }),
                        (25, { generator in
                            var value = pages(&generator)
                            value["flags"] = generator.chance(0.75) ? ["MS_INVALIDATE"] : ["MS_SYNC"]
                            return ("sync", .object(value))
                        }),
                        (6, { generator in
                            let flags: [JSONValue] = generator.pick([
                                ["MCL_CURRENT", "MCL_ONFAULT"], ["MCL_FUTURE"], ["MCL_CURRENT", "MCL_FUTURE", "MCL_ONFAULT"], ["MCL_ONFAULT"], [],
                            ])
                            return ("lockall", ["flags": .array(flags)] as JSONValue)
                        }),
                        (4, { _ in ("unlockall", nil) }),
                        (6, { generator in ("protect", ["protection": .string(generator.pick(["none", "read-write"])), "page": 0, "pages": 1] as JSONValue) }),
                        (4, { generator in ("unmap", ["page": .int(generator.next(in: 0...1)), "pages": 1] as JSONValue) }),
                        (4, { _ in ("open", nil) }),
                        (4, { generator in ("truncate", ["size": .int(generator.pick([12, 8192]))] as JSONValue) }),
                        (7, { generator in wordAccess(&generator) }),
                    ])
                })
        })

    /// 1-2 processes, each without `CAP_IPC_LOCK` under an `RLIMIT_MEMLOCK` of one page (the object's parameter
    /// `memlock`), try to lock both pages of their 2-page mapping before they publish counters through it (an `mlock`
    /// that must fail `ENOMEM`: the two pages alone pass the limit), look at the lock with `msync(MS_INVALIDATE)`,
    /// lock one page (which fits), store, load and unlock.
    static func lockUnderLimit(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 1...2)).map { process in
            var program = [
                Call(process: process, object: "s0", f: "lock", value: ["page": 0, "pages": 2]),
                Call(process: process, object: "s0", f: "sync", value: ["page": 0, "pages": 2, "flags": ["MS_INVALIDATE"]]),
                Call(process: process, object: "s0", f: "lock", value: ["page": .int(generator.next(in: 0...1)), "pages": 1]),
            ]
            for _ in 0..<generator.next(in: 1...3) {
                program.append(Call(process: process, object: "s0", f: "store", value: ["index": .int(generator.pick([0, 600])), "value": .int(generator.next(in: 1...99))]))
                program.append(Call(process: process, object: "s0", f: "load", value: ["index": .int(generator.pick([0, 600]))]))
            }
            program.append(Call(process: process, object: "s0", f: "unlock", value: ["page": 0, "pages": 2]))
            return Workload.Process(id: process, holds: ["s0": ["map"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": 1024, "memlock": 4096])], processes: processes)
    }

    /// 1-2 writers of a 2-page table that follow the usual pattern — map the object, look at `FD_CLOEXEC`, close the
    /// descriptor, keep using the mapping — and later shrink the table to one page (`ftruncate`, which fails `EBADF`:
    /// the descriptor is gone), then open and map it again to shrink it, and go on with words of both pages (a word
    /// of page 1 then `SIGBUS`es through either mapping) before growing it back.
    static func truncateAfterClose(generator: inout SeededGenerator) -> Workload {
        func access(_ process: Int, _ generator: inout SeededGenerator) -> [Call] {
            let index = generator.pick([0, 7, 600])
            return [
                Call(process: process, object: "s0", f: "store", value: ["index": .int(index), "value": .int(generator.next(in: 1...99))]),
                Call(process: process, object: "s0", f: "load", value: ["index": .int(generator.pick([0, 7, 600]))]),
            ]
        }
        let processes = (1...generator.next(in: 1...2)).map { process in
            var program = [Call(process: process, object: "s0", f: "fcntl", value: ["cmd": "F_GETFD"])]
            program += access(process, &generator)
            program.append(Call(process: process, object: "s0", f: "close"))
            program += access(process, &generator)
            program.append(Call(process: process, object: "s0", f: "truncate", value: ["size": 4096]))
            program.append(Call(process: process, object: "s0", f: "open"))
            program.append(Call(process: process, object: "s0", f: "truncate", value: ["size": 4096]))
            program += access(process, &generator)
            program.append(Call(process: process, object: "s0", f: "stat"))
            program.append(Call(process: process, object: "s0", f: "truncate", value: ["size": 8192]))
            program += access(process, &generator)
            return Workload.Process(id: process, holds: ["s0": ["map"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": 1024])], processes: processes)
    }

    /// The fragile client: it closed its descriptor after mapping, and takes the `ftruncate` that then fails `EBADF`
    /// for done — it believes the table shrank, where it did not.
    public static let truncateAfterCloseTakenForDone = Scenario.real(
        name: "posix-shm-fragile-truncate-after-close", kind: PosixSharedMemoryKind.self, implementation: "client.shm-truncate-after-close",
        summary: "BROKEN: a writer closes its descriptor once mapped (the mapping stays) and takes the ftruncate that fails EBADF for done",
        isBroken: true, makeWorkload: { generator in truncateAfterClose(generator: &generator) })

    /// Its robust twin: the `EBADF` is reported, and the writer opens the object again to resize it.
    public static let truncateAfterCloseReported = Scenario.real(
        name: "posix-shm-robust-close-after-map", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-truncate-after-close: the mapping outlives close, ftruncate's EBADF is reported and the object reopened to resize it",
        makeWorkload: { generator in truncateAfterClose(generator: &generator) })

    /// The fragile client: an `mlock` refused `ENOMEM` past `RLIMIT_MEMLOCK` is taken for done — it believes its pages
    /// locked (and so never paged out), where they are not.
    public static let lockRefusalTakenForLocked = Scenario.real(
        name: "posix-shm-fragile-mlock-unchecked", kind: PosixSharedMemoryKind.self, implementation: "client.shm-mlock-unchecked",
        summary: "BROKEN: without CAP_IPC_LOCK under a 1-page RLIMIT_MEMLOCK, mlock of a 2-page mapping fails ENOMEM and the client takes its pages for locked",
        isBroken: true, makeWorkload: { generator in lockUnderLimit(generator: &generator) })

    /// Its robust twin: the refusal is reported, and the client locks what fits.
    public static let lockRefusalReported = Scenario.real(
        name: "posix-shm-robust-mlock-limit", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-mlock-unchecked: mlock's ENOMEM past RLIMIT_MEMLOCK is reported, one page is locked",
        makeWorkload: { generator in lockUnderLimit(generator: &generator) })

    /// 1-2 processes, each without `CAP_IPC_LOCK` or `CAP_SYS_RESOURCE` under an `RLIMIT_MEMLOCK` of two pages (the
    /// object's parameter `memlock`), lock both pages of their 2-page mapping, then lower their own limit for a
    /// sandboxed step (`setrlimit` soft 1 page, hard 2: below the pages locked, which stay locked), publish counters,
    /// unlock one page and try to lock it again (`ENOMEM`: the locked page alone fills the lowered limit), try to
    /// restore the limit with a hard limit above the one they set (`EPERM`: a hard limit once lowered is not raised
    /// without `CAP_SYS_RESOURCE`), then restore it within the hard limit and lock the page again.
    static func lockUnderLoweredLimit(generator: inout SeededGenerator) -> Workload {
        let page = 4096
        func limit(_ soft: Int, _ hard: Int) -> JSONValue { ["resource": "RLIMIT_MEMLOCK", "soft": .int(soft), "hard": .int(hard)] }
        let processes = (1...generator.next(in: 1...2)).map { process in
            var program = [
                Call(process: process, object: "s0", f: "lock", value: ["page": 0, "pages": 2]),
                Call(process: process, object: "s0", f: "setrlimit", value: limit(page, 2 * page)),
                Call(process: process, object: "s0", f: "sync", value: ["page": 0, "pages": 2, "flags": ["MS_INVALIDATE"]]),
            ]
            for _ in 0..<generator.next(in: 1...3) {
                program.append(Call(process: process, object: "s0", f: "store", value: ["index": .int(generator.pick([0, 600])), "value": .int(generator.next(in: 1...99))]))
                program.append(Call(process: process, object: "s0", f: "load", value: ["index": .int(generator.pick([0, 600]))]))
            }
            let unlocked = generator.next(in: 0...1)
            program += [
                Call(process: process, object: "s0", f: "unlock", value: ["page": .int(unlocked), "pages": 1]),
                Call(process: process, object: "s0", f: "lock", value: ["page": .int(unlocked), "pages": 1]),
                Call(process: process, object: "s0", f: "setrlimit", value: limit(2 * page, generator.pick([4 * page, 16 * page]))),
                Call(process: process, object: "s0", f: "setrlimit", value: limit(2 * page, 2 * page)),
                Call(process: process, object: "s0", f: "lock", value: ["page": .int(unlocked), "pages": 1]),
                Call(process: process, object: "s0", f: "sync", value: ["page": 0, "pages": 2, "flags": ["MS_INVALIDATE"]]),
                Call(process: process, object: "s0", f: "unlock", value: ["page": 0, "pages": 2]),
            ]
            return Workload.Process(id: process, holds: ["s0": ["map"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": 1024, "memlock": .int(2 * page)])], processes: processes)
    }

    /// The fragile client: a `setrlimit` refused `EPERM` — a hard limit raised again after it lowered it — is taken
    /// for done; it believes its limit restored.
    public static let limitRefusalTakenForRestored = Scenario.real(
        name: "posix-shm-fragile-setrlimit-unchecked", kind: PosixSharedMemoryKind.self, implementation: "client.shm-setrlimit-unchecked",
        summary: "BROKEN: after lowering its RLIMIT_MEMLOCK below its locked pages, the client raises the hard limit back without CAP_SYS_RESOURCE (EPERM) and takes the limit for restored",
        isBroken: true, makeWorkload: { generator in lockUnderLoweredLimit(generator: &generator) })

    /// Its robust twin: the refusal is reported, and the limit is restored within the hard limit.
    public static let limitRefusalReported = Scenario.real(
        name: "posix-shm-robust-setrlimit-lowered", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-setrlimit-unchecked: RLIMIT_MEMLOCK lowered below the locked pages keeps them, a re-lock fails ENOMEM, a raised hard limit EPERM is reported",
        makeWorkload: { generator in lockUnderLoweredLimit(generator: &generator) })

    /// A writer stores counters in the tail of an 8000-byte object (words 600…999, in its partly used last page)
    /// that its readers load; in the fragile client every mapping is the size rounded down to whole pages (4096
    /// bytes), so the tail is not mapped.
    static func tailPublication(generator: inout SeededGenerator) -> Workload {
        publication(generator: &generator, words: 1000, loads: 3...6) { $0.pick([600, 700, 999]) }
    }

    /// The fragile tail writer: its mappings stop at the last whole page, so the tail's words fail `SIGSEGV`.
    public static let roundedDownWriter = Scenario.real(
        name: "posix-shm-fragile-rounded-down-length", kind: PosixSharedMemoryKind.self, implementation: "client.shm-length-rounded-down",
        summary: "BROKEN: every mapping of an 8000-byte object is rounded down to 4096 bytes, so the counters in its tail are out of reach",
        isBroken: true, makeWorkload: { generator in tailPublication(generator: &generator) })

    /// Its robust twin: the mappings are as long as the object, its partial last page included.
    public static let wholeLengthWriter = Scenario.real(
        name: "posix-shm-robust-whole-length", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-rounded-down-length: the mappings cover the object's partial last page and its tail",
        makeWorkload: { generator in tailPublication(generator: &generator) })

    /// A publisher stores counters for its readers; every process's mapping is `MAP_PRIVATE` in the fragile client
    /// (it believes a mapping is shared memory whatever its flags), so no store reaches anyone else.
    /// (Of an object of `words` words, each reader loading `loads` times, the words `index` picks.)
    static func publication(
        generator: inout SeededGenerator, words: Int = 4, loads: ClosedRange<Int> = 5...9,
        index: (inout SeededGenerator) -> Int = { $0.next(in: 0...1) }
    ) -> Workload {
        let writer = (1...generator.next(in: 3...5)).map { value in
            Call(process: 1, object: "s0", f: "store", value: ["index": .int(index(&generator)), "value": .int(value)])
        }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["map"]], program: writer)]
        for reader in 2...generator.next(in: 2...3) {
            let program = (0..<generator.next(in: loads)).map { _ in
                Call(process: reader, object: "s0", f: "load", value: ["index": .int(index(&generator))])
            }
            processes.append(Workload.Process(id: reader, holds: ["s0": ["map"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "s0", kind: "posix-shm", parameters: ["words": .int(words)])], processes: processes)
    }

    /// The fragile publisher: its mappings are `MAP_PRIVATE`, so its readers go on reading the old words.
    public static let privatePublisher = Scenario.real(
        name: "posix-shm-fragile-private-publish", kind: PosixSharedMemoryKind.self, implementation: "client.shm-private-mapping",
        summary: "BROKEN: a publisher maps the object MAP_PRIVATE and stores counters its readers never see",
        isBroken: true, makeWorkload: { generator in publication(generator: &generator) })

    /// Its robust twin: the mappings are `MAP_SHARED`, every store reaches every reader.
    public static let sharedPublisher = Scenario.real(
        name: "posix-shm-robust-shared-publish", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-private-publish: the publisher's MAP_SHARED stores reach its readers",
        makeWorkload: { generator in publication(generator: &generator) })

    /// A publisher that first asks for a `MAP_SHARED_VALIDATE | MAP_SYNC` mapping (code written for persistent
    /// memory; a shared memory object is on tmpfs, which refuses it with `EOPNOTSUPP`), then stores its counters
    /// through its newest mapping, sometimes with `MAP_LOCKED` or `MAP_POPULATE` asked for as well.
    static func synchronousPublication(generator: inout SeededGenerator) -> Workload {
        var workload = publication(generator: &generator)
        var flags: [JSONValue] = ["MAP_SYNC"]
        if generator.chance(0.3) { flags.append(generator.pick(["MAP_LOCKED", "MAP_POPULATE"])) }
        let open = Call(process: 1, object: "s0", f: "open", value: ["mapping": "shared-validate", "flags": .array(flags)])
        workload.processes[0].program.insert(open, at: 0)
        return workload
    }

    /// The fragile publisher: when `MAP_SHARED_VALIDATE | MAP_SYNC` is refused it falls back to `MAP_PRIVATE` (the
    /// wrong fallback: `MAP_SHARED` is the one that shares) and carries on as though it had its mapping, so its
    /// stores never reach its readers.
    public static let syncFallsBackPrivate = Scenario.real(
        name: "posix-shm-fragile-sync-private-fallback", kind: PosixSharedMemoryKind.self, implementation: "client.shm-sync-private-fallback",
        summary: "BROKEN: MAP_SHARED_VALIDATE|MAP_SYNC refused (EOPNOTSUPP on tmpfs), the publisher falls back to MAP_PRIVATE; readers never see its stores",
        isBroken: true, makeWorkload: { generator in synchronousPublication(generator: &generator) })

    /// Its robust twin: the refusal is taken as it is, and the counters go through the shared mapping it holds.
    public static let syncRefusalReported = Scenario.real(
        name: "posix-shm-robust-sync-refusal", kind: PosixSharedMemoryKind.self, implementation: "kernel.posix-shm",
        summary: "robust twin of posix-shm-fragile-sync-private-fallback: MAP_SYNC's EOPNOTSUPP is reported, the stores go through the shared mapping",
        makeWorkload: { generator in synchronousPublication(generator: &generator) })
}
