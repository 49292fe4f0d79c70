import IPCModels

/// `epoll_ctl` and `epoll_wait` on an eventfd (the eventfd model's one epoll instance per process per eventfd).
extension EventCounterScenarios {
    /// 2-3 processes hold one nonblocking eventfd and register it on their epoll instance — level-triggered,
    /// `EPOLLET`, `EPOLLONESHOT` — modify and delete it (some `EEXIST`, `ENOENT`, `EINVAL`), and wait with a zero
    /// timeout (some `maxevents` 1 or 0), between writes (of 0 too, and near the ceiling) and reads; one may close it
    /// last (its registration then keeps reporting while the others hold the eventfd).
    public static let epoll = Scenario.real(
        name: "eventfd-epoll", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "2-3 processes epoll_ctl one nonblocking eventfd (level-triggered, EPOLLET, EPOLLONESHOT; ADD, MOD, DEL, some EEXIST/ENOENT/EINVAL) and epoll_wait between writes (0, near the ceiling), reads and a close",
        makeWorkload: { generator in epollWorkload(generator: &generator) })

    static let epollEventChoices: [JSONValue] = [
        ["EPOLLIN"], ["EPOLLIN", "EPOLLET"], ["EPOLLIN", "EPOLLONESHOT"], ["EPOLLOUT", "EPOLLET"], ["EPOLLIN", "EPOLLOUT", "EPOLLET"], [],
        ["EPOLLIN", "EPOLLOUT"],
    ]

    static func epollWorkload(generator: inout SeededGenerator) -> Workload {
        let objects = [Workload.Object(name: "e0", kind: "eventfd", parameters: ["semaphore": false, "nonblocking": true])]
        var processes: [Workload.Process] = []
        for process in 1...generator.next(in: 2...3) {
            var program: [Call] = []
            func call(_ f: String, _ value: JSONValue? = nil) { program.append(Call(process: process, object: "e0", f: f, value: value)) }
            for _ in 0..<generator.next(in: 6...16) {
                switch generator.next(in: 0...11) {
                case 0...3: call("epoll_ctl", EpollWorkloadCalls.control(Self.epollEventChoices, generator: &generator))
                case 4...6: call("epoll_wait", EpollWorkloadCalls.wait(generator: &generator))
                case 7...8:
                    let value: UInt64 = generator.chance(0.1) ? EventCounterModel.maximum - UInt64(generator.next(in: 0...1)) : UInt64(generator.next(in: 0...3))
                    call("write", ["value": EventCounterModel.json(value)])
                default:
                    call("read")
                }
            }
            if generator.chance(0.3) {
                call("close")
                call("epoll_wait", ["maxevents": 16, "timeout": 0])
            }
            processes.append(Workload.Process(id: process, holds: ["e0": ["hold"]], program: program))
        }
        return Workload(objects: objects, processes: processes)
    }
}
