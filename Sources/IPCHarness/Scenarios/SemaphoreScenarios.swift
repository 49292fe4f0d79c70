import IPCModels

/// Scenarios on POSIX and System V semaphores and the robust mutex.
public enum SemaphoreScenarios {
    public static let all: [Scenario] = [posixNamed, posixUnnamed, systemVUndo, robustMutexOwnerDeath]

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

    static func posixWorkload(named: Bool, generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.workload(
            kind: "posix-sem", parameters: ["value": .int(generator.next(in: 0...2)), "named": .bool(named)],
            generator: &generator, roles: { _, _ in ["use"] },
            operation: { _, _, generator in
                generator.choose([
                    (35, { generator in ("wait", (JSONObject()).nonblocking(generator.chance(0.4))) }),
                    (35, { _ in ("post", nil) }),
                    (15, { _ in ("getvalue", nil) }),
                    (named ? 10 : 0, { _ in ("open", nil) }),
                    (named ? 5 : 0, { _ in ("unlink", nil) }),
                ])
            })
    }


    /// SEM_UNDO: processes take and give units of a two-semaphore set, many with SEM_UNDO, and end (or are killed
    /// when everyone sleeps) holding them; the kernel undoes their changes at exit.
    public static let systemVUndo = Scenario.real(
        name: "sysv-sem-undo", kind: SystemVSemaphoreKind.self, implementation: "kernel.sysv-sem",
        summary: "2-4 processes semop on 2 semaphores (1-2 ops each, many SEM_UNDO, some IPC_NOWAIT), read and set them",
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
                        (17, { _ in ("getall", nil) }),
                        (6, { generator in
                            let value: JSONValue = ["num": .int(generator.next(in: 0...1)), "value": .int(generator.next(in: 0...2))]
                            return ("setval", value)
                        }),
                        (2, { _ in ("remove", nil) }),
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
