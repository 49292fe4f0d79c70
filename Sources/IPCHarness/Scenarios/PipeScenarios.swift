import IPCModels

/// Scenarios on the kernel pipe and on client code that writes to pipes.
public enum PipeScenarios {
    public static let all: [Scenario] = [basic, twoPipes, writeAll, dropsTail, reorders]

    /// Processes share one pipe, in random roles, with every operation the pipe has.
    public static let basic = Scenario.real(
        name: "pipe-basic", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "2-4 processes share a pipe: blocking and nonblocking reads and writes of 1 B to 70 KB, closes",
        makeWorkload: { generator in mixedWorkload(pipes: ["p0"], generator: &generator) })

    /// Two pipes at once: the checker splits the history by object.
    public static let twoPipes = Scenario.real(
        name: "pipe-two-pipes", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "2-4 processes share two pipes; each pipe's history is checked on its own",
        makeWorkload: { generator in mixedWorkload(pipes: ["p0", "p1"], generator: &generator) })

    /// The poll-and-retry writer: every byte arrives, in order, whatever the pipe's room.
    public static let writeAll = Scenario.real(
        name: "pipe-write-all", kind: PipeKind.self, implementation: "client.write-all",
        summary: "writers push 10-90 KB messages with a nonblocking write-and-poll loop; readers drain",
        makeWorkload: { generator in streamingWorkload(f: "write-all", sizes: 10_000...90_000, generator: &generator) })

    /// Broken twin of pipe-write-all: a short write's tail is dropped and the write reported complete.
    public static let dropsTail = Scenario.real(
        name: "pipe-broken-drops-tail", kind: PipeKind.self, implementation: "client.pipe-drops-tail",
        summary: "BROKEN: after a short write the client forgets the unwritten tail but reports it all written",
        isBroken: true,
        makeWorkload: { generator in streamingWorkload(f: "write-all", sizes: 10_000...90_000, generator: &generator) })

    /// Broken: writes are coalesced and flushed newest first.
    public static let reorders = Scenario.real(
        name: "pipe-broken-reorders", kind: PipeKind.self, implementation: "client.pipe-reorders",
        summary: "BROKEN: a coalescing writer holds each write back and sends the pair newest first",
        isBroken: true,
        makeWorkload: { generator in streamingWorkload(f: "write", sizes: 5...300, generator: &generator) })


    /// Random roles and random programs over `pipes`.
    static func mixedWorkload(pipes: [String], generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...4)
        var holds: [Int: [String: [String]]] = [:]
        for pipe in pipes {
            var roles: [Int: [String]] = [:]
            for process in 1...count {
                roles[process] = generator.pick(weighted: [(3, ["read"]), (3, ["write"]), (4, ["read", "write"])])
            }
            if !roles.values.contains(where: { $0.contains("write") }) { roles[1] = ["read", "write"] }
            if !roles.values.contains(where: { $0.contains("read") }) { roles[count] = ["read", "write"] }
            for (process, held) in roles { holds[process, default: [:]][pipe] = held }
        }
        var processes: [Workload.Process] = []
        for process in 1...count {
            var open = holds[process]!.flatMap { pipe, roles in roles.map { (pipe, $0) } }.sorted { "\($0)" < "\($1)" }
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 2...8) {
                guard !open.isEmpty else { break }
                let (pipe, role) = generator.pick(open)
                if generator.chance(0.08) {
                    program.append(Call(process: process, object: pipe, f: "close", value: ["end": .string(role)]))
                    open.removeAll { $0 == (pipe, role) }
                    continue
                }
                let nonblocking = generator.chance(0.35)
                if role == "write" {
                    let size = generator.pick(weighted: [
                        (50, 1...64), (25, 65...4096), (15, 4097...20_000), (10, 20_001...70_000),
                    ])
                    let data = PayloadMaker.make(
                        process: process, sequence: sequence, count: generator.next(in: size), generator: &generator)
                    var value: JSONObject = ["data": Payload.json(data)]
                    if nonblocking { value["nonblocking"] = true }
                    program.append(Call(process: process, object: pipe, f: "write", value: .object(value)))
                } else {
                    let max = generator.next(in: generator.pick(weighted: [(20, 1...16), (40, 17...4096), (40, 4097...70_000)]))
                    var value: JSONObject = ["max": .int(max)]
                    if nonblocking { value["nonblocking"] = true }
                    program.append(Call(process: process, object: pipe, f: "read", value: .object(value)))
                }
            }
            processes.append(Workload.Process(id: process, holds: holds[process]!, program: program))
        }
        return Workload(objects: pipes.map { Workload.Object(name: $0, kind: "pipe") }, processes: processes)
    }

    /// One or two writers sending messages with operation `f`, one or two readers draining with blocking reads.
    static func streamingWorkload(f: String, sizes: ClosedRange<Int>, generator: inout SeededGenerator) -> Workload {
        let writers = generator.next(in: 1...2)
        let readers = generator.next(in: 1...2)
        var processes: [Workload.Process] = []
        var total = 0
        for process in 1...writers {
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 3...6) {
                let data = PayloadMaker.make(
                    process: process, sequence: sequence, count: generator.next(in: sizes), generator: &generator)
                total += data.count
                program.append(Call(process: process, object: "p0", f: f, value: ["data": Payload.json(data)]))
            }
            processes.append(Workload.Process(id: process, holds: ["p0": ["write"]], program: program))
        }
        let readsEach = total / 8192 / readers + 6
        for process in (writers + 1)...(writers + readers) {
            let program = (0..<readsEach).map { _ in
                Call(process: process, object: "p0", f: "read", value: ["max": .int(generator.pick([4096, 16384, 65536]))])
            }
            processes.append(Workload.Process(id: process, holds: ["p0": ["read"]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "p0", kind: "pipe")], processes: processes)
    }
}
