import IPCModels

/// Scenarios on POSIX and System V semaphores and the robust mutex.
public enum SemaphoreScenarios {
    public static let all: [Scenario] = [
        posixNamed, posixUnnamed, posixTimed, systemVUndo, robustMutexOwnerDeath, robustMutexTimed, robustMutexLifecycle,
        timeoutTakenForLock, timedLockUser, poolWithoutUndo, poolWithUndo, posixHandles, closeUnmapsAll, closesCounted,
        posixInitDestroy, poolPshared0, poolPshared1, ceilingFailureTakenForLock, ceilingLockUser, stalledProtocols,
    ]

    /// Fragile: a pool of 1-2 units shared by several processes, set up with `sem_init(pshared = 0)`; a user asleep
    /// waiting for a unit is never woken by another process's post, and is found asleep with units free.
    public static let poolPshared0 = Scenario.real(
        name: "posix-sem-fragile-pool-pshared0", kind: PosixSemaphoreKind.self, implementation: "client.sem-pool-pshared0",
        summary: "BROKEN: a pool shared by processes set up with sem_init pshared 0, so a post never wakes another process's sleeper",
        isBroken: true, makeWorkload: { generator in sharedPoolUsers(generator: &generator) })

    /// Its robust twin: the pool set up with pshared 1, so every post wakes a sleeper of any process.
    public static let poolPshared1 = Scenario.real(
        name: "posix-sem-robust-pool-pshared1", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "robust twin of posix-sem-fragile-pool-pshared0: the pool is set up with pshared 1, so a post wakes any process's sleeper",
        makeWorkload: { generator in sharedPoolUsers(generator: &generator) })

    /// 2-4 users of an unnamed pool of 1-2 units: each takes a unit (`sem_wait`, asleep while none is free), reads the
    /// pool, gives the unit back, 2-4 times. Every take is given back, so no one waits for good on a correct pool.
    static func sharedPoolUsers(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 2...4)).map { process in
            var program: [Call] = []
            for _ in 0..<generator.next(in: 2...4) {
                program.append(Call(process: process, object: "o0", f: "wait"))
                if generator.chance(0.5) { program.append(Call(process: process, object: "o0", f: "getvalue")) }
                program.append(Call(process: process, object: "o0", f: "post"))
            }
            return Workload.Process(id: process, holds: ["o0": ["use"]], program: program)
        }
        return Workload(
            objects: [Workload.Object(name: "o0", kind: "posix-sem", parameters: ["value": .int(generator.next(in: 1...2)), "named": false])],
            processes: processes)
    }

    /// Fragile: a user that believes the first `sem_close` unmaps its semaphore whatever it opened, and reports any
    /// later close `EINVAL` without making it.
    public static let closeUnmapsAll = Scenario.real(
        name: "posix-sem-fragile-close-unmaps-all", kind: PosixSemaphoreKind.self, implementation: "client.sem-close-unmaps-all",
        summary: "BROKEN: a user that believes its first sem_close unmaps the semaphore whatever it opened, reporting later closes EINVAL",
        isBroken: true,
        makeWorkload: { generator in reopeningUsers(generator: &generator) })

    /// Its robust twin: glibc's `sem_close`, one handle at a time.
    public static let closesCounted = Scenario.real(
        name: "posix-sem-robust-closes-counted", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "robust twin of posix-sem-fragile-close-unmaps-all: users sem_open a named semaphore 2-3 more times and sem_close each, posting and waiting between",
        makeWorkload: { generator in reopeningUsers(generator: &generator) })

    /// 1-3 users each open the named semaphore 2-3 more times, then close those handles one by one with a post or
    /// a trywait between: never more closes than opens.
    static func reopeningUsers(generator: inout SeededGenerator) -> Workload {
        var processes: [Workload.Process] = []
        for process in 1...generator.next(in: 1...3) {
            let opens = generator.next(in: 2...3)
            var program = (0..<opens).map { _ in Call(process: process, object: "o0", f: "open", value: nil) }
            for _ in 0..<opens {
                program.append(generator.chance(0.5)
                    ? Call(process: process, object: "o0", f: "post", value: nil)
                    : Call(process: process, object: "o0", f: "wait", value: ["nonblocking": true]))
                program.append(Call(process: process, object: "o0", f: "close", value: nil))
            }
            program.append(Call(process: process, object: "o0", f: "getvalue", value: nil))
            processes.append(Workload.Process(id: process, holds: ["o0": ["use"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "o0", kind: "posix-sem", parameters: ["value": .int(generator.next(in: 0...1)), "named": true])],
            processes: processes)
    }

    /// A named semaphore's handles: processes `sem_open` it again and `sem_close` handles — never more than they
    /// opened, so each keeps the driver's and never uses one it closed (undefined behaviour) — and wait, trywait,
    /// post and read it between. No unlink, so every open finds this semaphore.
    public static let posixHandles = Scenario.real(
        name: "posix-sem-handles", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "2-4 processes sem_open a named semaphore again and sem_close what they opened (glibc counts one mapping per process), waiting, posting and reading between",
        makeWorkload: { generator in
            var opened: [Int: Int] = [:]
            return ScenarioPrograms.workload(
                kind: "posix-sem", parameters: ["value": .int(generator.next(in: 0...2)), "named": true],
                calls: 4...10, generator: &generator, roles: { _, _ in ["use"] },
                operation: { process, _, generator in
                    let closable = opened[process, default: 0] > 0
                    return generator.choose([
                        (25, { generator in ("wait", (JSONObject()).nonblocking(generator.chance(0.6))) }),
                        (25, { _ in ("post", nil) }),
                        (15, { _ in ("getvalue", nil) }),
                        (20, { _ in
                            opened[process, default: 0] += 1
                            return ("open", nil)
                        }),
                        (closable ? 25 : 0, { _ in
                            opened[process, default: 0] -= 1
                            return ("close", nil)
                        }),
                    ])
                })
        })

    /// Users of a pool of 2 units (one System V semaphore): each takes a unit with `SEM_UNDO`, looks at the pool
    /// (`GETALL`, `GETPID`) and gives it back, a few times; some end — exit, or are killed — still holding one, which
    /// `SEM_UNDO` gives back at their death. Takes are `IPC_NOWAIT` (a user finding the pool empty tries later), so
    /// a leaked unit shows as a take refused `EAGAIN`, or a `GETALL`, that the model says cannot be.
    static func poolUsers(generator: inout SeededGenerator) -> Workload {
        let take: JSONValue = ["ops": [["num": 0, "op": -1, "undo": true]], "nonblocking": true]
        let give: JSONValue = ["ops": [["num": 0, "op": 1, "undo": true]]]
        let processes = (1...generator.next(in: 3...4)).map { process in
            var program: [Call] = []
            for _ in 0..<generator.next(in: 2...4) {
                program.append(Call(process: process, object: "v0", f: "semop", value: take))
                let look = generator.chance(0.5)
                program.append(Call(process: process, object: "v0", f: look ? "getall" : "getpid", value: look ? nil : ["num": 0]))
                program.append(Call(process: process, object: "v0", f: "semop", value: give))
            }
            // Half the users end holding a unit (their last give is cut off: they exit, or die, in the middle).
            if generator.chance(0.5) { program.removeLast() }
            return Workload.Process(id: process, holds: ["v0": ["use"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "v0", kind: "sysv-sem", parameters: ["values": [2]])], processes: processes)
    }

    /// The fragile pool user: its protocol says `SEM_UNDO`, but it takes and gives back without it, so a unit held
    /// at its death is lost for good; the model, told `SEM_UNDO`, gives it back.
    public static let poolWithoutUndo = Scenario.real(
        name: "sysv-sem-fragile-pool-without-undo", kind: SystemVSemaphoreKind.self, implementation: "client.sem-pool-without-undo",
        summary: "BROKEN: a pool user that takes its unit without SEM_UNDO, so a user that dies holding one leaks it",
        isBroken: true, makeWorkload: { generator in poolUsers(generator: &generator) })

    /// Its robust twin: the units are taken and given back with `SEM_UNDO`, so the kernel returns a dead user's.
    public static let poolWithUndo = Scenario.real(
        name: "sysv-sem-robust-pool-with-undo", kind: SystemVSemaphoreKind.self, implementation: "kernel.sysv-sem",
        summary: "robust twin of sysv-sem-fragile-pool-without-undo: SEM_UNDO gives back the unit of a user that dies holding it",
        makeWorkload: { generator in poolUsers(generator: &generator) })

    /// A named semaphore: waits (some asleep), trywaits, posts, reads; opens and unlinks by name; processes that
    /// end holding a unit lose it.
    public static let posixNamed = Scenario.real(
        name: "posix-sem-named", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "2-4 processes wait, trywait, post and read a named semaphore, open and unlink it; a holder that ends loses its unit",
        makeWorkload: { generator in posixWorkload(named: true, generator: &generator) })

    /// An unnamed semaphore in shared memory the driver initialised (sem_init with pshared 1).
    public static let posixUnnamed = Scenario.real(
        name: "posix-sem-unnamed", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "2-4 processes wait, trywait, post and read an unnamed semaphore in shared memory (sem_init pshared)",
        makeWorkload: { generator in posixWorkload(named: false, generator: &generator) })

    /// `sem_init` and `sem_destroy` during the run (issue 15): an unnamed semaphore the driver made with pshared 1 or,
    /// in a third of the runs, 0, which 2-4 processes wait on (some asleep), trywait, post and read, initialise again
    /// (values 0-2, pshared 0 or 1, or 2^31: `EINVAL`) and destroy (glibc: 0, nothing changes). A sleeper a
    /// re-initialisation forgot, or one of another process on a pshared 0 semaphore, may sleep until the run ends.
    public static let posixInitDestroy = Scenario.real(
        name: "posix-sem-init-destroy", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "2-4 processes wait, trywait, post and read an unnamed semaphore (pshared 0 or 1), sem_init it again (some EINVAL) and sem_destroy it",
        makeWorkload: { generator in
            let shared = !generator.chance(1.0 / 3)
            return posixUsers(["value": .int(generator.next(in: 0...2)), "named": false, "pshared": .bool(shared)], &generator, [
                (40, { generator in ("wait", (JSONObject()).nonblocking(generator.chance(0.5))) }),
                (30, { _ in ("post", nil) }),
                (10, { _ in ("getvalue", nil) }),
                (12, { generator in
                    ("init", ["value": .int(generator.pick([0, 1, 2, 1 << 31])), "pshared": .bool(!generator.chance(0.3))] as JSONValue)
                }),
                (8, { _ in ("destroy", nil) }),
            ])
        })

    /// 2-4 processes using one POSIX semaphore (`parameters`), each call drawn from the weighted `choices`.
    static func posixUsers(
        _ parameters: JSONObject, _ generator: inout SeededGenerator,
        _ choices: [(weight: Int, make: (inout SeededGenerator) -> (f: String, value: JSONValue?))]
    ) -> Workload {
        ScenarioPrograms.workload(
            kind: "posix-sem", parameters: parameters, generator: &generator, roles: { _, _ in ["use"] },
            operation: { _, _, generator in generator.choose(choices) })
    }

    /// The timed waits (issue 15): `sem_timedwait` and `sem_clockwait` on `CLOCK_MONOTONIC`, `CLOCK_REALTIME` or a
    /// clock glibc refuses, with timeouts of 0 to 20 ms (some already past, some invalid), beside waits and posts.
    public static let posixTimed = Scenario.real(
        name: "posix-sem-timed", kind: PosixSemaphoreKind.self, implementation: "kernel.posix-sem",
        summary: "2-4 processes sem_timedwait and sem_clockwait (0-20 ms, some invalid, some on a refused clock), wait and post",
        makeWorkload: { generator in
            posixUsers(["value": .int(generator.next(in: 0...1)), "named": false], &generator, [
                (45, { generator in ("wait", timedValue(&generator, clocks: ["monotonic", "realtime", "unsupported"])) }),
                (10, { _ in ("wait", .object(JSONObject())) }),
                (35, { _ in ("post", nil) }),
                (10, { _ in ("getvalue", nil) }),
            ])
        })

    /// `{"timeout": MS | "invalid"}`, with a `"clock"` from `clocks` half the time.
    static func timedValue(_ generator: inout SeededGenerator, clocks: [String]) -> JSONValue {
        var value: JSONObject = ["timeout": generator.chance(0.1) ? "invalid" : .int(generator.pick([0, 0, 1, 5, 20]))]
        if generator.chance(0.5) { value["clock"] = .string(generator.pick(clocks)) }
        return .object(value)
    }

    static func posixWorkload(named: Bool, generator: inout SeededGenerator) -> Workload {
        posixUsers(["value": .int(generator.next(in: 0...2)), "named": .bool(named)], &generator, [
            (35, { generator in ("wait", (JSONObject()).nonblocking(generator.chance(0.4))) }),
            (35, { _ in ("post", nil) }),
            (15, { _ in ("getvalue", nil) }),
            (named ? 10 : 0, { _ in ("open", nil) }),
            (named ? 5 : 0, { generator in
                // O_CREAT, some O_EXCL, some with a value above SEM_VALUE_MAX: EEXIST, EINVAL, the semaphore
                // itself, or after the unlink a new one (closed and unlinked at once).
                ("open", ["create": true, "exclusive": .bool(generator.chance(0.5)), "value": .int(generator.pick([1, 1 << 31]))] as JSONValue)
            }),
            (named ? 5 : 0, { _ in ("unlink", nil) }),
            (named ? 2 : 0, { generator in
                (generator.pick(["open", "unlink"]), ["name": .string(generator.pick(["with-slash", "empty", "too-long"]))] as JSONValue)
            }),
        ])
    }


    /// SEM_UNDO: processes take and give units of a two-semaphore set, many with SEM_UNDO, and end (or are killed
    /// when everyone sleeps) holding them; the kernel undoes their changes at exit.
    public static let systemVUndo = Scenario.real(
        name: "sysv-sem-undo", kind: SystemVSemaphoreKind.self, implementation: "kernel.sysv-sem",
        summary: "2-4 processes semop on 2 semaphores (1-2 ops each, many SEM_UNDO, some IPC_NOWAIT), read, count sleepers, set them, IPC_STAT, SEM_STAT(_ANY), IPC_INFO and SEM_INFO",
        makeWorkload: { generator in
            let values: JSONValue = .ints([generator.next(in: 0...2), generator.next(in: 0...1)])
            return ScenarioPrograms.workload(
                kind: "sysv-sem", parameters: ["values": values], generator: &generator, roles: { _, _ in ["use"] },
                operation: { _, _, generator in
                    generator.choose([
                        (75, { generator in
                            let operations: [JSONValue] = (0..<generator.pick([1, 1, 2])).map { _ in
                                var operation: JSONObject = [
                                    "num": .int(generator.next(in: 0...1)), "op": .int(generator.pick([-1, -1, 1, 1, 0, -2, 2])),
                                ]
                                if generator.chance(0.6) { operation["undo"] = true }
                                return .object(operation)
                            }
                            return ("semop", (["ops": .array(operations)] as JSONObject).nonblocking(generator.chance(0.4)))
                        }),
                        (13, { _ in ("getall", nil) }),
                        (6, { generator in
                            (generator.chance(0.5) ? "getncnt" : "getzcnt", ["num": .int(generator.next(in: 0...1))] as JSONValue)
                        }),
                        (2, { _ in ("stat", nil) }),
                        // SEM_STAT or SEM_STAT_ANY of the set's index, IPC_INFO or SEM_INFO.
                        (1, { generator in
                            switch generator.next(in: 0...3) {
                            case 0: ("info", ["command": "IPC_INFO"] as JSONValue)
                            case 1: ("info", ["command": "SEM_INFO"] as JSONValue)
                            default: ("stat", ["command": generator.chance(0.5) ? "SEM_STAT" : "SEM_STAT_ANY"] as JSONValue)
                            }
                        }),
                        (4, { generator in ("getpid", ["num": .int(generator.next(in: 0...2))] as JSONValue) }),
                        (2, { generator in ("set", ["mode": .string(generator.pick(["0600", "0660"]))] as JSONValue) }),
                        (1, { generator in ("set", ["group": .int(generator.pick([0, 1234]))] as JSONValue) }),
                        (3, { generator in
                            var value: JSONObject = ["count": .int(generator.pick([0, 1, 2, 3, 32001]))]
                            if generator.chance(0.5) { value["create"] = true; value["exclusive"] = .bool(generator.chance(0.5)) }
                            return ("get", .object(value))
                        }),
                        (6, { generator in
                            let value: JSONValue = ["num": .int(generator.next(in: 0...1)), "value": .int(generator.next(in: 0...2))]
                            return ("setval", value)
                        }),
                        (2, { _ in ("remove", nil) }),
                    ])
                })
        })

    /// `pthread_mutex_timedlock` and `pthread_mutex_clocklock` (issue 15) beside the other calls: timeouts of 0 to
    /// 20 ms, some invalid (refused only when the call must wait), some on a clock glibc refuses.
    public static let robustMutexTimed = Scenario.real(
        name: "robust-mutex-timed", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "2-4 processes timedlock and clocklock (0-20 ms, some invalid or on a refused clock), lock, unlock, make consistent; half the mutexes priority-inheriting",
        makeWorkload: { generator in
            // A PI mutex's timed lock goes to the kernel when the word is not 0, which checks the deadline first.
            ScenarioPrograms.workload(
                kind: "robust-mutex", parameters: generator.chance(0.5) ? ["protocol": "inherit"] : JSONObject(), calls: 2...6,
                generator: &generator, roles: { _, _ in ["use"] },
                operation: { _, _, generator in
                    generator.choose([
                        (40, { generator in ("timedlock", timedValue(&generator, clocks: ["monotonic", "realtime", "unsupported"])) }),
                        (15, { _ in ("lock", nil) }),
                        (35, { _ in ("unlock", nil) }),
                        (10, { _ in ("consistent", nil) }),
                    ])
                })
        })

    /// Lock users whose critical sections begin with a timed lock of 0-5 ms: `timedlock`, `unlock`, repeated.
    static func timedLockUsers(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 2...3)).map { process in
            let program = (0..<generator.next(in: 2...4)).flatMap { _ in
                [
                    Call(process: process, object: "m0", f: "timedlock", value: ["timeout": .int(generator.pick([0, 1, 5]))]),
                    Call(process: process, object: "m0", f: "unlock"),
                ]
            }
            return Workload.Process(id: process, holds: ["m0": ["use"]], program: program)
        }
        return Workload(objects: [Workload.Object(name: "m0", kind: "robust-mutex")], processes: processes)
    }

    /// The fragile lock user: it checks a timed lock's result for `EOWNERDEAD` only and takes every other return,
    /// `ETIMEDOUT` included, for the lock, so two processes can be inside at once.
    public static let timeoutTakenForLock = Scenario.real(
        name: "robust-mutex-fragile-timeout-as-lock", kind: RobustMutexKind.self,
        implementation: "client.mutex-timeout-taken-for-lock",
        summary: "BROKEN: a lock user that takes a timed lock's ETIMEDOUT for the lock and enters its critical section anyway",
        isBroken: true, makeWorkload: { generator in timedLockUsers(generator: &generator) })

    /// Its robust twin: a timed-out lock is reported as the failure it is.
    public static let timedLockUser = Scenario.real(
        name: "robust-mutex-robust-timedlock", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "robust twin of robust-mutex-fragile-timeout-as-lock: ETIMEDOUT is a failure, and the unlock after it EPERM",
        makeWorkload: { generator in timedLockUsers(generator: &generator) })

    /// Lock users of a stalled priority-protect mutex (ceiling 1-20) whose critical sections are `lock`, `unlock`,
    /// and who now and then read the ceiling or set it (to 0, 100 or -1: `EINVAL`, or to 1-30). The workers are
    /// `SCHED_OTHER` threads, so each one's first lock of a ceiling above any it tried fails `EINVAL` (glibc's raise of
    /// its priority) and the next locks: the model follows each one's record (`"scheduling": "other"`).
    static func ceilingLockUsers(generator: inout SeededGenerator) -> Workload {
        let processes = (1...generator.next(in: 2...3)).map { process in
            let program = (0..<generator.next(in: 3...5)).flatMap { _ in
                var calls = [Call(process: process, object: "m0", f: "lock"), Call(process: process, object: "m0", f: "unlock")]
                if generator.chance(0.3) { calls.append(Call(process: process, object: "m0", f: "getprioceiling")) }
                if generator.chance(0.3) {
                    let ceiling = generator.pick([0, 100, -1, 1, 5, 12, 30])
                    calls.append(Call(process: process, object: "m0", f: "setprioceiling", value: ["ceiling": .int(ceiling)]))
                }
                return calls
            }
            return Workload.Process(id: process, holds: ["m0": ["use"]], program: program)
        }
        let parameters: JSONObject = ["robust": false, "protocol": "protect", "ceiling": .int(generator.next(in: 1...20)), "scheduling": "other"]
        return Workload(objects: [Workload.Object(name: "m0", kind: "robust-mutex", parameters: parameters)], processes: processes)
    }

    /// The fragile lock user of a priority-protect mutex: it believes `pthread_mutex_lock` fails only for a dead owner
    /// and takes its `EINVAL` (glibc's failed raise of a `SCHED_OTHER` thread's priority to the ceiling) for the lock,
    /// entering its critical section unlocked.
    public static let ceilingFailureTakenForLock = Scenario.real(
        name: "robust-mutex-fragile-ceiling-as-lock", kind: RobustMutexKind.self,
        implementation: "client.mutex-ceiling-failure-taken-for-lock",
        summary: "BROKEN: a lock user of a priority-protect mutex that takes lock's EINVAL (its priority not raised to the ceiling) for the lock",
        isBroken: true, makeWorkload: { generator in ceilingLockUsers(generator: &generator) })

    /// Its robust twin: the `EINVAL` is the failure it is (the unlock after it `EPERM`), and the ceiling calls are
    /// judged (the old ceiling back, `EINVAL` outside 1...99, asleep while another holds the mutex).
    public static let ceilingLockUser = Scenario.real(
        name: "robust-mutex-robust-ceiling", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "robust twin of robust-mutex-fragile-ceiling-as-lock: a priority-protect lock's EINVAL is a failure; getprioceiling and setprioceiling beside",
        makeWorkload: { generator in ceilingLockUsers(generator: &generator) })

    /// Stalled mutexes with a protocol (issue 15): a priority-inheriting or priority-protect (ceiling 1-20) mutex of
    /// any type, locked, trylocked, timedlocked (some invalid deadlines), unlocked by anyone, its ceiling read and set
    /// (some out of 1...99), destroyed. Owners end holding it (held by a dead thread for good; a PI one's sleeper then
    /// aborted by glibc: a hazard). The workers are `SCHED_OTHER` threads (`"scheduling": "other"`). No `init`: one
    /// while the mutex is held is undefined, and a PI mutex re-initialised priority-protect under a holder left glibc's
    /// `setprioceiling` spinning on the mixed lock word (a run hung so).
    public static let stalledProtocols = Scenario.real(
        name: "robust-mutex-stalled-protocols", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "2-4 processes lock, trylock, timedlock, unlock, read and set the ceiling of, and destroy a stalled PI or priority-protect mutex",
        makeWorkload: { generator in
            var parameters: JSONObject = ["robust": false, "scheduling": "other"]
            parameters["protocol"] = .string(generator.pick(["inherit", "protect"]))
            if parameters["protocol"] == "protect" { parameters["ceiling"] = .int(generator.next(in: 1...20)) }
            if let type = generator.pick(weighted: [(2, nil), (1, "normal"), (1, "recursive")] as [(Int, String?)]) {
                parameters["type"] = .string(type)
            }
            return ScenarioPrograms.workload(
                kind: "robust-mutex", parameters: parameters, calls: 2...6, generator: &generator, roles: { _, _ in ["use"] },
                operation: { _, _, generator in stalledProtocolCall(&generator) })
        })

    /// One call of ``stalledProtocols``' programs.
    static func stalledProtocolCall(_ generator: inout SeededGenerator) -> (f: String, value: JSONValue?) {
        let f = generator.pick(weighted: [
            (25, "lock"), (15, "trylock"), (8, "timedlock"), (22, "unlock"), (8, "getprioceiling"), (10, "setprioceiling"),
            (5, "destroy"),
        ])
        switch f {
        case "timedlock":
            let timeout: JSONValue = generator.chance(0.5) ? "invalid" : .int(generator.pick([0, 5]))
            return (f, ["timeout": timeout])
        case "setprioceiling":
            return (f, ["ceiling": .int(generator.pick([0, 100, 1, 4, 9, 25]))])
        default:
            return (f, nil)
        }
    }

    /// `pthread_mutex_destroy` and `pthread_mutex_init` during a run (issue 15) beside the other calls, on a mutex made
    /// robust or (one run in three) stalled, error-checking, normal or recursive; `init` makes it stalled one time in
    /// three, of any type. Owners end holding it. A destroy or init while someone holds it is undefined, and the model
    /// then stops judging the mutex.
    public static let robustMutexLifecycle = Scenario.real(
        name: "robust-mutex-lifecycle", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "2-4 processes lock, trylock, unlock, make consistent, destroy and init a robust or stalled mutex of any type and protocol",
        makeWorkload: { generator in
            var parameters: JSONObject = generator.chance(1.0 / 3) ? ["robust": false] : JSONObject()
            if let type = generator.pick(weighted: [(2, nil), (1, "normal"), (1, "recursive")] as [(Int, String?)]) {
                parameters["type"] = .string(type)
            }
            if parameters["robust"] == nil, generator.chance(0.25) { parameters["protocol"] = "inherit" }
            return ScenarioPrograms.workload(
                kind: "robust-mutex", parameters: parameters, calls: 2...6, generator: &generator, roles: { _, _ in ["use"] },
                operation: { _, _, generator in
                    generator.choose([
                        (30, { _ in ("lock", nil) }),
                        (15, { _ in ("trylock", nil) }),
                        (25, { _ in ("unlock", nil) }),
                        (5, { _ in ("consistent", nil) }),
                        (12, { _ in ("destroy", nil) }),
                        (13, { generator in
                            var value = JSONObject()
                            if generator.chance(1.0 / 3) { value["robust"] = false }
                            if let type = generator.pick(weighted: [(2, nil), (1, "normal"), (1, "recursive")] as [(Int, String?)]) {
                                value["type"] = .string(type)
                            }
                            // Priority inheritance, or priority protection (refused: EOPNOTSUPP), on a robust one.
                            if value["robust"] == nil, generator.chance(0.3) { value["protocol"] = .string(generator.pick(["inherit", "inherit", "protect"])) }
                            return ("init", value.count == 0 ? nil : .object(value))
                        }),
                    ])
                })
        })

    /// A robust mutex whose owners end holding it: EOWNERDEAD, consistent or not recoverable.
    public static let robustMutexOwnerDeath = Scenario.real(
        name: "robust-mutex-owner-death", kind: RobustMutexKind.self, implementation: "kernel.robust-mutex",
        summary: "2-4 processes lock, trylock, unlock and make consistent a robust mutex; owners end holding it (EOWNERDEAD)",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "robust-mutex", calls: 2...6, generator: &generator, roles: { _, _ in ["use"] },
                operation: { _, _, generator in
                    (generator.pick(weighted: [(35, "lock"), (20, "trylock"), (30, "unlock"), (15, "consistent")]), nil)
                })
        })
}
