import IPCModels

/// `EPOLLEXCLUSIVE` on an eventfd: a pool of consumers, as a server's worker processes register one descriptor to
/// avoid a thundering herd.
extension EventCounterScenarios {
    /// 2-3 consumers share a nonblocking eventfd, each registering it on its epoll instance with `EPOLLEXCLUSIVE`
    /// (level-triggered or `EPOLLET`, some with `EPOLLWAKEUP`), and a producer writes. Each consumer tries once to MOD
    /// its registration (`EINVAL`: the kernel modifies only plain ones) and keeps it; it waits — a zero timeout, or a
    /// short one that may sleep, when a write's wake stops at the first exclusive entry whose instance sleeps and the
    /// later ones are not told — and reads (`EAGAIN` when another consumer took the count first); some DEL and ADD
    /// again (behind the others then). The model allows a registration behind another's to miss a ready eventfd, and
    /// judges the first one fully.
    public static let exclusivePool = Scenario.real(
        name: "eventfd-robust-epoll-exclusive-pool", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "robust twin of eventfd-fragile-epoll-exclusive-mod: 2-3 consumers register one nonblocking eventfd with EPOLLEXCLUSIVE, MOD it once (EINVAL, kept), wait (zero or short timeouts) and read while a producer writes; some DEL and ADD again",
        makeWorkload: { generator in exclusivePoolWorkload(generator: &generator) })

    /// Fragile: the same pool, each consumer believing its MOD of the exclusive registration was done (it does not
    /// check the result): the kernel's `EINVAL` is recorded as a success, which the model rejects.
    public static let exclusiveModificationWorks = Scenario.real(
        name: "eventfd-fragile-epoll-exclusive-mod", kind: EventCounterKind.self, implementation: "client.eventfd-exclusive-mod-unchecked",
        summary: "BROKEN: an EPOLLEXCLUSIVE consumer pool on an eventfd whose consumers take MOD of their exclusive registration for done (unchecked), though the kernel refuses it EINVAL",
        isBroken: true,
        makeWorkload: { generator in exclusivePoolWorkload(generator: &generator) })

    static let exclusiveEventChoices: [JSONValue] = [
        ["EPOLLIN", "EPOLLEXCLUSIVE"], ["EPOLLIN", "EPOLLEXCLUSIVE", "EPOLLET"], ["EPOLLIN", "EPOLLEXCLUSIVE", "EPOLLWAKEUP"],
    ]

    static func exclusivePoolWorkload(generator: inout SeededGenerator) -> Workload {
        let objects = [Workload.Object(name: "e0", kind: "eventfd", parameters: ["semaphore": false, "nonblocking": true])]
        var processes: [Workload.Process] = []
        let consumers = generator.next(in: 2...3)
        for process in 1...consumers {
            var program: [Call] = []
            func call(_ f: String, _ value: JSONValue? = nil) { program.append(Call(process: process, object: "e0", f: f, value: value)) }
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "events": generator.pick(Self.exclusiveEventChoices)])
            let modifyAt = generator.next(in: 0...3)
            for step in 0..<generator.next(in: 6...12) {
                if step == modifyAt { call("epoll_ctl", ["op": "EPOLL_CTL_MOD", "events": generator.pick([["EPOLLIN"], ["EPOLLIN", "EPOLLOUT"]] as [JSONValue])]) }
                switch generator.next(in: 0...9) {
                case 0...4: call("epoll_wait", ["maxevents": 16, "timeout": .int(generator.pick([0, 0, 5]))])
                case 5...8: call("read")
                default:
                    call("epoll_ctl", ["op": "EPOLL_CTL_DEL"])
                    call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "events": generator.pick(Self.exclusiveEventChoices)])
                }
            }
            processes.append(Workload.Process(id: process, holds: ["e0": ["hold"]], program: program))
        }
        let producer = consumers + 1
        let writes = (0..<generator.next(in: 4...10)).map { _ in
            Call(process: producer, object: "e0", f: "write", value: ["value": EventCounterModel.json(UInt64(generator.next(in: 1...3)))])
        }
        processes.append(Workload.Process(id: producer, holds: ["e0": ["hold"]], program: writes))
        return Workload(objects: objects, processes: processes)
    }
}
