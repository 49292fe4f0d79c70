import IPCModels

/// Scenarios on POSIX and System V message queues.
public enum MessageQueueScenarios {
    public static let all: [Scenario] = [
        posixPriority, posixTimed, posixPersistence, posixNotify, notificationNotRearmed, notificationRearmed,
        systemVSelection, systemVRemoval, copyTakenForReceive, receiveTakes, pollOnce, pollWaits, posixEpoll, epollOnePerWakeup,
        epollDrains, nestedEventLoop, nestedDispatch, reopensAfterEBADF, errnoEAGAINOnly,
    ]

    /// Producers send distinct messages to a System V queue; consumers take them, nonblocking, type 0.
    static func systemVConsumers(generator: inout SeededGenerator) -> Workload {
        var processes: [Workload.Process] = []
        let producers = generator.next(in: 1...2)
        for producer in 1...producers {
            let program = (0..<generator.next(in: 3...5)).map { sequence in
                let data = PayloadMaker.make(process: producer, sequence: sequence, count: generator.next(in: 1...16), generator: &generator)
                return Call(process: producer, object: "q0", f: "send", value: ["type": 1, "data": Payload.json(data), "nonblocking": true])
            }
            processes.append(Workload.Process(id: producer, holds: ["q0": ["use"]], program: program))
        }
        for consumer in (producers + 1)...(producers + generator.next(in: 1...2)) {
            let program = (0..<generator.next(in: 3...6)).map { _ in
                Call(process: consumer, object: "q0", f: "receive", value: ["type": 0, "max": 64, "nonblocking": true])
            }
            processes.append(Workload.Process(id: consumer, holds: ["q0": ["use"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "q0", kind: "sysv-msg", parameters: ["capacity": 128])], processes: processes)
    }

    /// The fragile consumer: it reads with `MSG_COPY` (a peek by position) and takes that for a receive, so every
    /// message stays queued and is handled again and again.
    public static let copyTakenForReceive = Scenario.real(
        name: "sysv-msg-fragile-copy-as-receive", kind: SystemVMessageQueueKind.self, implementation: "client.msg-copy-taken-for-receive",
        summary: "BROKEN: a consumer that reads with MSG_COPY and takes it for a receive, so messages stay and come again",
        isBroken: true, makeWorkload: { generator in systemVConsumers(generator: &generator) })

    /// Its robust twin: the consumer receives (and so removes) each message.
    public static let receiveTakes = Scenario.real(
        name: "sysv-msg-robust-receive-takes", kind: SystemVMessageQueueKind.self, implementation: "kernel.sysv-msg",
        summary: "robust twin of sysv-msg-fragile-copy-as-receive: each message is received, and so removed, once",
        makeWorkload: { generator in systemVConsumers(generator: &generator) })

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
        summary: "2-4 processes send and receive with timeouts of 0-20 ms (some invalid) on a queue of 2, mq_getattr and mq_setattr",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: ["maxMessages": 2, "messageSize": 64], generator: &generator,
                roles: { _, _ in ["open"] },
                operation: { process, sequence, generator in
                    if generator.chance(0.15) { return ("getattr", nil) }
                    // mq_setattr of O_NONBLOCK: it shows in later getattrs' mq_flags, and the calls keep their own modes.
                    if generator.chance(0.05) { return ("setattr", ["nonblocking": .bool(generator.chance(0.5))] as JSONValue) }
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
        summary: "a sender sends and exits; later processes open the queue by name (O_RDONLY, O_WRONLY, O_CREAT), receive, poll, select, close, unlink it",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: queueSize, generator: &generator,
                roles: { process, _ in process == 1 ? ["open"] : ["name"] },
                operation: { process, sequence, generator in
                    if process == 1 { return send(process, sequence, &generator, nonblocking: true) }
                    if sequence == 0 { return ("open", nil) }
                    return generator.choose([
                        (50, { generator in receive(&generator, nonblocking: generator.chance(0.8)) }),
                        (15, { generator in
                            // O_RDWR mostly; O_RDONLY and O_WRONLY descriptors fail the other direction EBADF.
                            ("open", generator.pick(weighted: [
                                (55, nil), (20, ["access": "read"] as JSONValue), (20, ["access": "write"] as JSONValue),
                                (5, ["access": "read", "nonblocking": true] as JSONValue),
                            ]))
                        }),
                        (3, { generator in
                            // A name refused: ENAMETOOLONG, EINVAL, EACCES.
                            (generator.pick(["open", "unlink"]), ["name": .string(generator.pick(["too-long", "no-slash", "empty", "with-slash"]))] as JSONValue)
                        }),
                        (15, { _ in ("close", nil) }),
                        (10, { _ in ("unlink", nil) }),
                        (10, { generator in send(process, sequence, &generator, nonblocking: true) }),
                        (8, { generator in
                            // poll or select on the newest descriptor, whatever its access mode (POLLNVAL, EBADF
                            // once closed): readable with a message, writable with room.
                            generator.chance(0.5)
                                ? ("poll", ["events": ["POLLIN", "POLLRDNORM", "POLLOUT", "POLLWRNORM"], "timeout": 0] as JSONValue)
                                : ("select", ["read": true, "write": .bool(generator.chance(0.7)), "timeout": 0] as JSONValue)
                        }),
                        (6, { generator in
                            // O_CREAT (some O_EXCL), asking for 2-11 messages: EEXIST, the queue itself, or after
                            // the unlink EINVAL above the limits and otherwise a new queue (closed and unlinked at once).
                            let value: JSONObject = [
                                "create": true, "exclusive": .bool(generator.chance(0.5)),
                                "maxMessages": .int(generator.pick([2, 4, 11])), "messageSize": 64,
                            ]
                            return ("open", .object(value))
                        }),
                    ])
                })
        })

    /// `mq_notify` (issue 15): processes register (some while another is registered: `EBUSY`), remove their
    /// registration, take their notifications (some registering again), and send and receive, some receivers asleep
    /// in the empty queue when a message comes (it goes to them: no notification); a few close a descriptor.
    public static let posixNotify = Scenario.real(
        name: "posix-mq-notify", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "2-4 processes register with mq_notify (EBUSY), unregister, take notifications (re-arming or not), send and receive",
        makeWorkload: { generator in
            ScenarioPrograms.workload(
                kind: "posix-mq", parameters: ["maxMessages": 3, "messageSize": 64], generator: &generator,
                roles: { _, generator in generator.chance(0.3) ? ["open", "open"] : ["open"] },
                operation: { process, sequence, generator in
                    generator.choose([
                        (18, { generator in
                            // SIGEV_SIGNAL mostly (with a sigev_value its siginfo must carry); SIGEV_THREAD (glibc's
                            // helper thread, with a sigev_value its function must be given) and SIGEV_NONE now and then.
                            let how = generator.pick(["signal", "signal", "thread", "none"])
                            var value: JSONObject = ["register": true, "how": .string(how)]
                            if how == "signal" {
                                let sigval = generator.next(in: 0...9999)
                                // A tenth of them with signal 0 (told by the value drawn): registered, notifying nothing.
                                if sigval % 10 == 0 { value["signal"] = 0; value["how"] = nil } else { value["value"] = .int(sigval) }
                            } else if how == "thread" {
                                value["value"] = .int(generator.next(in: -9999...9999))  // the function must be given it
                            }
                            return ("notify", .object(value))
                        }),
                        (5, { _ in ("notify", ["register": false] as JSONValue) }),
                        // Refused first (EINVAL): a signal out of range, or a sigev_notify the kernel does not know.
                        (2, { generator in
                            generator.chance(0.5)
                                ? ("notify", ["register": true, "signal": "invalid"] as JSONValue)
                                : ("notify", ["register": true, "how": .int(generator.pick([4, 99]))] as JSONValue)
                        }),
                        (20, { generator in ("notified", generator.chance(0.5) ? ["rearm": true] as JSONValue : nil) }),
                        (30, { generator in send(process, sequence, &generator, nonblocking: true) }),
                        (24, { generator in receive(&generator, nonblocking: generator.chance(0.5)) }),
                        (3, { _ in ("close", nil) }),
                    ])
                })
        })

    /// A consumer that waits for notifications rather than sleeping in `mq_receive`: it registers, then takes its
    /// notification (registering again) and drains the queue, again and again, while producers send.
    static func notifiedConsumerWorkload(generator: inout SeededGenerator) -> Workload {
        let producers = generator.next(in: 1...2)
        var consumer = [Call(process: 1, object: "q0", f: "notify", value: ["register": true])]
        for _ in 0..<generator.next(in: 4...8) {
            consumer.append(Call(process: 1, object: "q0", f: "notified", value: ["rearm": true]))
            for _ in 0..<generator.next(in: 2...3) {
                consumer.append(Call(process: 1, object: "q0", f: "receive", value: ["max": 64, "nonblocking": true]))
            }
        }
        var processes = [Workload.Process(id: 1, holds: ["q0": ["open"]], program: consumer)]
        for producer in 2...(1 + producers) {
            // Sends spread out by mq_getattr calls, so that some land after the consumer has drained the queue.
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 3...6) {
                for _ in 0..<generator.next(in: 0...3) { program.append(Call(process: producer, object: "q0", f: "getattr")) }
                let data = PayloadMaker.make(process: producer, sequence: sequence, count: generator.next(in: 1...16), generator: &generator)
                program.append(Call(process: producer, object: "q0", f: "send", value: ["data": Payload.json(data), "priority": 0, "nonblocking": true]))
            }
            processes.append(Workload.Process(id: producer, holds: ["q0": ["open"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 8, "messageSize": 64])],
            processes: processes)
    }

    /// The fragile notified consumer: it takes its notification and forgets to register again, so it never hears
    /// of a later message; the model, told it registered again, expects the notification it then misses.
    public static let notificationNotRearmed = Scenario.real(
        name: "posix-mq-fragile-notify-not-rearmed", kind: PosixMessageQueueKind.self,
        implementation: "client.mq-notify-not-rearmed",
        summary: "BROKEN: a consumer woken by mq_notify drains the queue but never registers again, so later messages wake no one",
        isBroken: true, makeWorkload: { generator in notifiedConsumerWorkload(generator: &generator) })

    /// Its robust twin: after each notification the consumer registers again at once (`mq_notify`).
    public static let notificationRearmed = Scenario.real(
        name: "posix-mq-robust-rearms-notify", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "robust twin of posix-mq-fragile-notify-not-rearmed: the consumer registers again after each notification",
        makeWorkload: { generator in notifiedConsumerWorkload(generator: &generator) })

    /// Processes 2 and maybe 3, each holding the queue `q0` and sending bursts (`bursts` of them, each of `size`
    /// nonblocking messages of 1-16 bytes at priority 0), each burst after 0-3 `mq_getattr` calls that spread them
    /// out; and how many messages they send in all.
    static func producers(
        bursts: ClosedRange<Int>, of size: ClosedRange<Int>, generator: inout SeededGenerator
    ) -> (processes: [Workload.Process], sent: Int) {
        var processes: [Workload.Process] = []
        var sent = 0
        for producer in 2...(1 + generator.next(in: 1...2)) {
            var program: [Call] = []
            var sequence = 0
            for _ in 0..<generator.next(in: bursts) {
                for _ in 0..<generator.next(in: 0...3) { program.append(Call(process: producer, object: "q0", f: "getattr")) }
                for _ in 0..<(size.count == 1 ? size.lowerBound : generator.next(in: size)) {
                    let data = PayloadMaker.make(process: producer, sequence: sequence, count: generator.next(in: 1...16), generator: &generator)
                    program.append(Call(process: producer, object: "q0", f: "send", value: ["data": Payload.json(data), "priority": 0, "nonblocking": true]))
                    sequence += 1
                }
            }
            sent += sequence
            processes.append(Workload.Process(id: producer, holds: ["q0": ["open"]], program: program))
        }
        return (processes, sent)
    }

    /// A consumer that waits in `poll` (`POLLIN`, no timeout) for each message and then receives it without blocking,
    /// as an event loop does, while 1-2 producers send, spread out by `mq_getattr` calls; the consumer waits for no
    /// more messages than are sent, so every wait ends.
    static func pollingConsumerWorkload(generator: inout SeededGenerator) -> Workload {
        var (processes, sent) = producers(bursts: 2...4, of: 1...1, generator: &generator)
        var consumer: [Call] = []
        for _ in 0..<generator.next(in: 2...sent) {
            consumer.append(Call(process: 1, object: "q0", f: "poll", value: ["events": ["POLLIN"], "timeout": -1]))
            consumer.append(Call(process: 1, object: "q0", f: "receive", value: ["max": 64, "nonblocking": true]))
        }
        processes.insert(Workload.Process(id: 1, holds: ["q0": ["open"]], program: consumer), at: 0)
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 8, "messageSize": 64])],
            processes: processes)
    }

    /// The fragile polling consumer: asked to wait for a message, it polls once with a timeout of 0 and takes "not
    /// ready" for "the queue stays empty", so it misses the messages sent after; the model, told it waited without a
    /// timeout, refuses a poll that returned with nothing ready.
    public static let pollOnce = Scenario.real(
        name: "posix-mq-fragile-poll-once", kind: PosixMessageQueueKind.self, implementation: "client.mq-poll-once",
        summary: "BROKEN: a consumer that polls an mq descriptor once, takes \"not ready\" for \"empty forever\", and misses later messages",
        isBroken: true, makeWorkload: { generator in pollingConsumerWorkload(generator: &generator) })

    /// Its robust twin: the consumer's poll waits (no timeout) until a message is queued.
    public static let pollWaits = Scenario.real(
        name: "posix-mq-robust-poll-waits", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "robust twin of posix-mq-fragile-poll-once: the consumer's poll on the mq descriptor waits until a message is queued",
        makeWorkload: { generator in pollingConsumerWorkload(generator: &generator) })

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
        summary: "2-4 processes send types 1-5 to a 128-byte queue, receive by type 0, n, -n and MSG_EXCEPT (some truncating), MSG_COPY, IPC_STAT, MSG_STAT(_ANY), IPC_INFO and MSG_INFO, IPC_SET of msg_qbytes, mode and group",
        makeWorkload: { generator in systemVWorkload(removal: false, generator: &generator) })

    /// The queue is removed while others use it (or sleep in it): their calls fail EIDRM, then EINVAL.
    public static let systemVRemoval = Scenario.real(
        name: "sysv-msg-removal", kind: SystemVMessageQueueKind.self, implementation: "kernel.sysv-msg",
        summary: "one process removes the queue (IPC_RMID) while others send, receive (some asleep in it) and msgget its key",
        makeWorkload: { generator in systemVWorkload(removal: true, generator: &generator) })

    static func systemVWorkload(removal: Bool, generator: inout SeededGenerator) -> Workload {
        var workload = ScenarioPrograms.workload(
            kind: "sysv-msg", parameters: ["capacity": 128], generator: &generator, roles: { _, _ in ["use"] },
            operation: { process, sequence, generator in
                if removal && generator.chance(0.05) {
                    // After the removal: MSG_STAT_ANY of its index fails EINVAL, MSG_INFO no longer counts it.
                    return generator.chance(0.5) ? ("stat", ["command": "MSG_STAT_ANY"]) : ("info", ["command": "MSG_INFO"])
                }
                if removal && generator.chance(0.1) {
                    // msgget of the key: found, EEXIST, and ENOENT once removed (a create then makes another queue).
                    let create = generator.chance(0.5)
                    return ("get", create ? ["create": true, "exclusive": .bool(generator.chance(0.5))] as JSONValue : .object(JSONObject()))
                }
                if !removal && generator.chance(0.15) {
                    // IPC_STAT (msg_lspid, msg_lrpid, the times, the mode, owner and group), MSG_STAT or MSG_STAT_ANY of
                    // the queue's index, IPC_INFO or MSG_INFO; IPC_SET of msg_qbytes (lowered below the contents too:
                    // later sends wait or fail EAGAIN), of the mode or of the group; or MSG_COPY of a position (some
                    // without IPC_NOWAIT: EINVAL).
                    if generator.chance(0.4) {
                        switch generator.next(in: 0...7) {
                        case 0: return ("info", ["command": "IPC_INFO"])
                        case 1: return ("info", ["command": "MSG_INFO"])
                        case 2: return ("stat", ["command": "MSG_STAT"])
                        case 3: return ("stat", ["command": "MSG_STAT_ANY"])
                        case 4: return ("set", ["capacity": .int(generator.pick([32, 64, 128, 256]))])
                        case 5:
                            return generator.chance(0.5)
                                ? ("set", ["mode": .string(generator.pick(["0600", "0640"]))]) : ("set", ["group": .int(generator.pick([0, 1234]))])
                        default: return ("stat", nil)
                        }
                    }
                    var value: JSONObject = ["type": .int(generator.next(in: -1...3)), "max": .int(generator.pick([8, 64, 64])), "copy": true]
                    if generator.chance(0.2) { value["truncate"] = true }
                    return ("receive", value.nonblocking(generator.chance(0.9)))
                }
                if generator.chance(0.45) {
                    let data = PayloadMaker.make(
                        process: process, sequence: sequence, count: generator.next(in: 0...40), generator: &generator)
                    var value: JSONObject = ["type": .int(generator.next(in: 1...5)), "data": Payload.json(data)]
                    // msgsz apart from the data: a prefix of it, or a size the kernel refuses first (EINVAL).
                    if generator.chance(0.05) { value["size"] = .int(generator.pick([-1, 8193, data.count / 2])) }
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
