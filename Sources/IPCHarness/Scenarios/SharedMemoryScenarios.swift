import IPCModels

/// Scenarios on POSIX and System V shared memory: word loads, stores and fetch-and-adds from several processes,
/// and the objects' lifetimes.
public enum SharedMemoryScenarios {
    public static let all: [Scenario] = [posixWords, systemVAttachCount]

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

    /// IPC_RMID only marks a segment; it is destroyed when the last attachment goes (processes' exits included).
    public static let systemVAttachCount = Scenario.real(
        name: "sysv-shm-attach-count", kind: SystemVSharedMemoryKind.self, implementation: "kernel.sysv-shm",
        summary: "2-4 processes attach, detach, read the attachment count, remove the segment, shmget its key and use its 4 words",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "sysv-shm", parameters: ["words": 4], calls: 4...10, generator: &generator,
                roles: { process, generator in process == 1 || generator.chance(0.7) ? ["attach"] : ["id"] },
                operation: { _, _, generator in
                    generator.choose([
                        (60, { generator in wordAccess(&generator) }),
                        (10, { _ in ("attach", nil) }),
                        (10, { _ in ("detach", nil) }),
                        (12, { _ in ("status", nil) }),
                        (8, { _ in ("remove", nil) }),
                        (4, { generator in
                            // shmget of the key: ENOENT as soon as the segment is marked, though still attached.
                            var value: JSONObject = ["size": .int(generator.pick([0, 32, 33]))]
                            if generator.chance(0.4) { value["create"] = true; value["exclusive"] = .bool(generator.chance(0.5)) }
                            return ("get", .object(value))
                        }),
                    ])
                })
        })

    static func wordAccess(_ generator: inout SeededGenerator) -> (f: String, value: JSONValue?) {
        let index = JSONValue.int(generator.next(in: 0...3))
        switch generator.pick(weighted: [(40, "load"), (30, "store"), (30, "add")]) {
        case "load": return ("load", ["index": index])
        case "store": return ("store", ["index": index, "value": .int(generator.next(in: 1...99))])
        default: return ("add", ["index": index, "delta": .int(generator.next(in: 1...9))])
        }
    }
}
