import IPCModels

/// An event loop handed a regular file beside its eventfd (a log file, an input redirected from a file), as a server
/// that registers every descriptor it owns: epoll refuses a file with no `poll` (`EPERM`, before the op is looked at).
extension EventCounterScenarios {
    /// 2-3 consumers share a nonblocking eventfd; each registers it (level-triggered or `EPOLLET`) and tries to register
    /// its regular file too (`EPERM`: it then reads the file directly, never through epoll), and some pass the eventfd
    /// itself where the instance goes (`"epfd"`: `EINVAL`) — then wait (zero timeouts) and read while a producer
    /// writes. The model judges every refusal and every report.
    public static let regularFileLoop = Scenario.real(
        name: "eventfd-robust-epoll-regular-file", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "robust twin of eventfd-fragile-epoll-regular-file: 2-3 consumers of one nonblocking eventfd try to register a regular file beside it (EPERM, handled), some pass the eventfd as the instance (EINVAL), wait and read while a producer writes",
        makeWorkload: { generator in regularFileWorkload(generator: &generator) })

    /// Fragile: the same loop, each consumer taking its ADD of the regular file for done (unchecked): the kernel's
    /// `EPERM` is recorded as a success, which the model rejects.
    public static let regularFileRegistered = Scenario.real(
        name: "eventfd-fragile-epoll-regular-file", kind: EventCounterKind.self, implementation: "client.eventfd-regular-file-unchecked",
        summary: "BROKEN: an eventfd event loop that takes its EPOLL_CTL_ADD of a regular file for done (unchecked), though the kernel refuses a file with no poll EPERM",
        isBroken: true,
        makeWorkload: { generator in regularFileWorkload(generator: &generator) })

    static func regularFileWorkload(generator: inout SeededGenerator) -> Workload {
        let objects = [Workload.Object(name: "e0", kind: "eventfd", parameters: ["semaphore": false, "nonblocking": true])]
        var processes: [Workload.Process] = []
        let consumers = generator.next(in: 2...3)
        for process in 1...consumers {
            var program: [Call] = []
            func call(_ f: String, _ value: JSONValue? = nil) { program.append(Call(process: process, object: "e0", f: f, value: value)) }
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "events": generator.pick([["EPOLLIN"], ["EPOLLIN", "EPOLLET"]] as [JSONValue])])
            call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "target": "regular-file", "events": ["EPOLLIN"]])
            for _ in 0..<generator.next(in: 5...10) {
                switch generator.next(in: 0...9) {
                case 0...4: call("epoll_wait", ["maxevents": 16, "timeout": 0])
                case 5...7: call("read")
                case 8: call("epoll_wait", ["epfd": "eventfd", "maxevents": 16, "timeout": 0])
                default: call("epoll_ctl", ["op": "EPOLL_CTL_ADD", "target": "regular-file", "events": ["EPOLLIN"]])
                }
            }
            processes.append(Workload.Process(id: process, holds: ["e0": ["hold"]], program: program))
        }
        let producer = consumers + 1
        let writes = (0..<generator.next(in: 3...8)).map { _ in
            Call(process: producer, object: "e0", f: "write", value: ["value": EventCounterModel.json(UInt64(generator.next(in: 1...3)))])
        }
        processes.append(Workload.Process(id: producer, holds: ["e0": ["hold"]], program: writes))
        return Workload(objects: objects, processes: processes)
    }
}
