import IPCModels

/// Scenarios on POSIX and System V message queues.
public enum MessageQueueScenarios {
    public static let all: [Scenario] = [posixPriority, posixTimed, posixPersistence, systemVSelection, systemVRemoval]

    static let queueSize: JSONObject = ["maxMessages": 4, "messageSize": 64]

    /// Priority order, FIFO among equals, whole messages, EMSGSIZE both ways, a full and an empty queue.
    public static let posixPriority = Scenario.real(
        name: "posix-mq-priority", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "2-4 processes send at priorities 0-10 (ties, one out of range) and receive, blocking or not, into buffers too small or right",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: queueSize, generator: &generator, roles: { _, _ in ["open"] },
                operation: { process, sequence, generator in
                    generator.chance(0.5) ? send(process, sequence, &generator) : receive(&generator)
                })
        })

    /// The timed calls and the observation (issue 15): `mq_timedsend` and `mq_timedreceive` with timeouts of 0 to
    /// 20 ms (some already past, some invalid), blocking calls without one, and `mq_getattr`, on a queue of 2.
    public static let posixTimed = Scenario.real(
        name: "posix-mq-timed", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "2-4 processes send and receive with timeouts of 0-20 ms (some invalid) on a queue of 2, and read mq_getattr",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: ["maxMessages": 2, "messageSize": 64], generator: &generator,
                roles: { _, _ in ["open"] },
                operation: { process, sequence, generator in
                    if generator.chance(0.15) { return ("getattr", nil) }
                    let timeout: JSONValue =
                        generator.chance(0.1) ? "invalid" : .int(generator.pick([0, 0, 1, 5, 20]))
                    var (f, value) = generator.chance(0.5)
                        ? send(process, sequence, &generator, nonblocking: false) : receive(&generator, nonblocking: false)
                    if case .object(var object)? = value, generator.chance(0.8) {
                        object["timeout"] = timeout
                        value = .object(object)
                    }
                    return (f, value)
                })
        })

    /// The queue outlives its senders: a process sends and exits; others open it by name later, receive, close,
    /// unlink (after which opens fail ENOENT but descriptors work).
    public static let posixPersistence = Scenario.real(
        name: "posix-mq-persistence", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "a sender sends and exits; later processes open the queue by name, receive, close and unlink it",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: queueSize, generator: &generator,
                roles: { process, _ in process == 1 ? ["open"] : ["name"] },
                operation: { process, sequence, generator in
                    if process == 1 { return send(process, sequence, &generator, nonblocking: true) }
                    if sequence == 0 { return ("open", nil) }
                    return generator.choose([
                        (50, { generator in receive(&generator, nonblocking: generator.chance(0.8)) }),
                        (15, { _ in ("open", nil) }),
                        (15, { _ in ("close", nil) }),
                        (10, { _ in ("unlink", nil) }),
                        (10, { generator in send(process, sequence, &generator, nonblocking: true) }),
                    ])
                })
        })

    static func send(
        _ process: Int, _ sequence: Int, _ generator: inout SeededGenerator, nonblocking: Bool? = nil
    ) -> (f: String, value: JSONValue?) {
        let size = generator.pick(weighted: [(90, 0...64), (10, 65...80)])
        let priority = generator.pick(weighted: [(97, generator.pick([0, 1, 5, 6, 6, 8, 10])), (3, 32768)])
        let data = PayloadMaker.make(process: process, sequence: sequence, count: generator.next(in: size), generator: &generator)
        let value: JSONObject = ["data": Payload.json(data), "priority": .int(priority)]
        return ("send", value.nonblocking(nonblocking ?? generator.chance(0.5)))
    }

    static func receive(_ generator: inout SeededGenerator, nonblocking: Bool? = nil) -> (f: String, value: JSONValue?) {
        let max = generator.pick(weighted: [(90, 64), (10, 16)])
        return ("receive", (["max": .int(max)] as JSONObject).nonblocking(nonblocking ?? generator.chance(0.5)))
    }


    /// msgrcv's selection rules on a small queue (128 bytes): types 1-5, msgtyp 0, n, -n and MSG_EXCEPT, E2BIG
    /// and MSG_NOERROR, ENOMSG, a full queue.
    public static let systemVSelection = Scenario.real(
        name: "sysv-msg-selection", kind: SystemVMessageQueueKind.self, implementation: "kernel.sysv-msg",
        summary: "2-4 processes send types 1-5 to a 128-byte queue and receive by type 0, n, -n and MSG_EXCEPT, some truncating",
        makeWorkload: { generator in systemVWorkload(removal: false, generator: &generator) })

    /// The queue is removed while others use it (or sleep in it): their calls fail EIDRM, then EINVAL.
    public static let systemVRemoval = Scenario.real(
        name: "sysv-msg-removal", kind: SystemVMessageQueueKind.self, implementation: "kernel.sysv-msg",
        summary: "one process removes the queue (IPC_RMID) while others send and receive, some asleep in it",
        makeWorkload: { generator in systemVWorkload(removal: true, generator: &generator) })

    static func systemVWorkload(removal: Bool, generator: inout SeededGenerator) -> Workload {
        var workload = ScenarioPrograms.workload(
            kind: "sysv-msg", parameters: ["capacity": 128], generator: &generator, roles: { _, _ in ["use"] },
            operation: { process, sequence, generator in
                if generator.chance(0.45) {
                    let data = PayloadMaker.make(
                        process: process, sequence: sequence, count: generator.next(in: 0...40), generator: &generator)
                    let value: JSONObject = ["type": .int(generator.next(in: 1...5)), "data": Payload.json(data)]
                    return ("send", value.nonblocking(generator.chance(removal ? 0.2 : 0.5)))
                }
                var value: JSONObject = ["type": .int(generator.pick([0, 0, 1, 2, 3, 5, -1, -2, -4]))]
                value["max"] = .int(generator.pick([8, 64, 64]))
                if case .integer(let type)? = value["type"], type > 0, generator.chance(0.2) { value["except"] = true }
                if generator.chance(0.2) { value["truncate"] = true }
                return ("receive", value.nonblocking(generator.chance(removal ? 0.2 : 0.6)))
            })
        if removal {
            let remover = generator.next(in: 1...workload.processes.count) - 1
            let program = workload.processes[remover].program
            let position = generator.next(in: 1...program.count)
            workload.processes[remover].program.insert(
                Call(process: remover + 1, object: workload.objects[0].name, f: "remove"), at: position)
        }
        return workload
    }

}
