import IPCModels

/// `epoll_ctl` and `epoll_wait` on a pipe's ends (the pipe model's one epoll instance per process per pipe).
extension PipeDescriptorScenarios {
    /// 1-3 processes each make a pipe with `pipe2(O_NONBLOCK)` and register its ends on their epoll instance —
    /// level-triggered, `EPOLLET`, `EPOLLONESHOT` — modify and delete them (some `EEXIST`, `ENOENT`, `EINVAL`), wait
    /// with a zero or short timeout (some `maxevents` 1 or 0), between nonblocking writes and reads and a close.
    public static let epoll = Scenario.real(
        name: "pipe-epoll", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "1-3 processes each make a pipe and epoll_ctl its ends (level-triggered, EPOLLET, EPOLLONESHOT; ADD, MOD, DEL, some EEXIST/ENOENT/EINVAL) and epoll_wait between nonblocking writes, reads and a close",
        makeWorkload: { generator in epollWorkload(generator: &generator) })

    static let epollEventChoices: [JSONValue] = [
        ["EPOLLIN"], ["EPOLLIN", "EPOLLET"], ["EPOLLIN", "EPOLLONESHOT"], ["EPOLLOUT"], ["EPOLLOUT", "EPOLLET"], [], ["EPOLLIN", "EPOLLRDNORM", "EPOLLET"],
    ]

    static func epollWorkload(generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.eachMakesItsOwn(PipeKind.name, prefix: "p", most: 3, generator: &generator) { process, call, generator in
            call("pipe2", ["flags": ["O_NONBLOCK", "O_CLOEXEC"]])
            var closedWrite = false
            for sequence in 0..<generator.next(in: 6...16) {
                let end = generator.pick(["read", "write"])
                switch generator.next(in: 0...11) {
                case 0...3:
                    let operations: [JSONValue] = ["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL"]
                    let op: JSONValue = generator.chance(0.05) ? .int(7) : generator.pick(operations)
                    let target: JSONValue = generator.chance(0.05) ? .string("epoll") : .string(end)
                    call("epoll_ctl", ["op": op, "end": target, "events": generator.pick(Self.epollEventChoices)])
                case 4...6:
                    call("epoll_wait", ["maxevents": .int(generator.pick([16, 16, 16, 1, 0])), "timeout": .int(generator.pick([0, 0, 20]))])
                case 7...8:
                    let size = generator.next(in: generator.pick([1...100, 101...4096, 4097...40_000]))
                    call("write", ["data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator)), "nonblocking": true])
                case 9...10:
                    call("read", ["max": .int(generator.next(in: generator.pick([1...64, 65...8192, 8193...70_000]))), "nonblocking": true])
                default:
                    guard !closedWrite, generator.chance(0.5) else { continue }
                    call("close", ["end": "write"])
                    closedWrite = true
                }
            }
        }
    }
}
