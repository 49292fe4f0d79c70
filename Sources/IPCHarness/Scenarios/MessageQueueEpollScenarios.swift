import IPCModels

/// `epoll_ctl` and `epoll_wait` on a POSIX message queue descriptor (the posix-mq model's one epoll instance per
/// process per queue), and an edge-triggered consumer pair.
extension MessageQueueScenarios {
    /// 2-3 processes each open the queue (4 messages of 64 bytes) and register their descriptor on their epoll
    /// instance — level-triggered, `EPOLLET`, `EPOLLONESHOT`, `EPOLLRDNORM` — modify and delete it (some `EEXIST`,
    /// `ENOENT`, `EINVAL`), and wait with a zero timeout (some `maxevents` 1 or 0), between nonblocking sends (some too
    /// long), receives (some into too small a buffer) and `mq_setattr`; one may close its descriptor (its
    /// registration goes with it), wait again and try to delete it (`EBADF`).
    public static let posixEpoll = Scenario.real(
        name: "posix-mq-epoll", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "2-3 processes epoll_ctl their mq descriptor (level-triggered, EPOLLET, EPOLLONESHOT; ADD, MOD, DEL, some EEXIST/ENOENT/EINVAL) and epoll_wait between sends, receives, mq_setattr and a close",
        makeWorkload: { generator in epollWorkload(generator: &generator) })

    static let epollEventChoices: [JSONValue] = [
        ["EPOLLIN"], ["EPOLLIN", "EPOLLET"], ["EPOLLIN", "EPOLLONESHOT"], ["EPOLLOUT", "EPOLLET"], ["EPOLLIN", "EPOLLOUT", "EPOLLET"], [],
        ["EPOLLIN", "EPOLLOUT"], ["EPOLLIN", "EPOLLRDNORM", "EPOLLOUT", "EPOLLWRNORM"],
    ]

    static func epollWorkload(generator: inout SeededGenerator) -> Workload {
        var processes: [Workload.Process] = []
        for process in 1...generator.next(in: 2...3) {
            var program: [Call] = []
            func call(_ f: String, _ value: JSONValue? = nil) { program.append(Call(process: process, object: "q0", f: f, value: value)) }
            for sequence in 0..<generator.next(in: 6...16) {
                switch generator.next(in: 0...11) {
                case 0...3: call("epoll_ctl", EpollWorkloadCalls.control(Self.epollEventChoices, generator: &generator))
                case 4...6: call("epoll_wait", EpollWorkloadCalls.wait(generator: &generator))
                case 7...8:
                    let data = PayloadMaker.make(process: process, sequence: sequence, count: generator.chance(0.1) ? 65 : generator.next(in: 0...16), generator: &generator)
                    call("send", ["data": Payload.json(data), "priority": .int(generator.next(in: 0...2)), "nonblocking": true])
                case 9...10:
                    call("receive", ["max": .int(generator.chance(0.1) ? 16 : 64), "nonblocking": true])
                default:
                    call("setattr", ["nonblocking": .bool(generator.chance(0.5))])
                }
            }
            if generator.chance(0.3) {
                call("close")
                call("epoll_wait", ["maxevents": 16, "timeout": 0])
                call("epoll_ctl", ["op": "EPOLL_CTL_DEL", "events": []])
            }
            processes.append(Workload.Process(id: process, holds: ["q0": ["open"]], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 4, "messageSize": 64])], processes: processes)
    }

    /// An edge-triggered consumer: it registers `EPOLLIN | EPOLLET` and, round after round, waits (a zero timeout)
    /// and then receives, nonblocking, three times — draining the queue to `EAGAIN` (a round's receives after an
    /// `EAGAIN` find it empty too, or take a message sent since) — while 1-2 producers send bursts of 2-4 messages,
    /// spread out by `mq_getattr` calls. A burst gives one wake-up: only a drain to `EAGAIN` finds every message.
    static func edgeConsumerWorkload(generator: inout SeededGenerator) -> Workload {
        var (processes, sent) = producers(bursts: 1...2, of: 2...4, generator: &generator)
        var consumer = [Call(process: 1, object: "q0", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "events": ["EPOLLIN", "EPOLLET"]])]
        for _ in 0..<(sent + 2) {
            consumer.append(Call(process: 1, object: "q0", f: "epoll_wait", value: ["maxevents": 16, "timeout": 0]))
            for _ in 0..<3 { consumer.append(Call(process: 1, object: "q0", f: "receive", value: ["max": 64, "nonblocking": true])) }
        }
        processes.insert(Workload.Process(id: 1, holds: ["q0": ["open"]], program: consumer), at: 0)
        return Workload(
            objects: [Workload.Object(name: "q0", kind: "posix-mq", parameters: ["maxMessages": 10, "messageSize": 64])],
            processes: processes)
    }

    /// The fragile edge-triggered consumer: it takes one message per wake-up (the first receive after a wait that
    /// reported `EPOLLIN`) and believes the queue then empty until the next one, answering its other receives
    /// `EAGAIN` without asking; a burst gives one wake-up, so the rest of it is stranded, and the model, which knows
    /// those messages are queued, refuses the `EAGAIN`.
    public static let epollOnePerWakeup = Scenario.real(
        name: "posix-mq-fragile-epoll-one-per-wakeup", kind: PosixMessageQueueKind.self, implementation: "client.mq-epoll-one-per-wakeup",
        summary: "BROKEN: an EPOLLET consumer takes one message per wake-up; a burst of sends wakes it once, and the rest of the burst is stranded",
        isBroken: true, makeWorkload: { generator in edgeConsumerWorkload(generator: &generator) })

    /// Its robust twin: after each wait the consumer receives until `EAGAIN`.
    public static let epollDrains = Scenario.real(
        name: "posix-mq-robust-epoll-drains", kind: PosixMessageQueueKind.self, implementation: "kernel.posix-mq",
        summary: "robust twin of posix-mq-fragile-epoll-one-per-wakeup: after each EPOLLET wake-up the consumer receives until EAGAIN",
        makeWorkload: { generator in edgeConsumerWorkload(generator: &generator) })
}
