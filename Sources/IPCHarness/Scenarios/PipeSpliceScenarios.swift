import IPCModels

/// Scenarios that reach the pipe's `splice`, `tee` and `vmsplice`, each with its other side something no trace follows
/// (`/dev/null`, a file made for the call, a private pipe, the worker's memory).
public enum PipeSpliceScenarios {
    public static let all: [Scenario] = [splice, vmspliceAssumesWhole, vmspliceCounts]

    /// Fragile: a writer that takes every `vmsplice` to lend all its bytes.
    public static let vmspliceAssumesWhole = Scenario.real(
        name: "pipe-fragile-vmsplice-assumes-whole", kind: PipeKind.self,
        implementation: "client.pipe-vmsplice-assumes-whole",
        summary:
            "BROKEN: a writer that takes each vmsplice to lend all its bytes, as a small write is atomic; the kernel lends what fits once a slot is free",
        isBroken: true,
        makeWorkload: { generator in vmspliceWorkload(generator: &generator) })

    /// Robust twin: the counts the kernel returns, short ones included.
    public static let vmspliceCounts = Scenario.real(
        name: "pipe-robust-vmsplice-counts", kind: PipeKind.self, implementation: "kernel.pipe",
        summary:
            "robust twin of pipe-fragile-vmsplice-assumes-whole: each vmsplice reports the count the kernel returns",
        makeWorkload: { generator in vmspliceWorkload(generator: &generator) })

    /// Process 1 vmsplices 3-6 messages of 2-40 KB (some at page offsets) into the pipe; process 2 reads it, 4096 or
    /// 9000 bytes at a time, until the writer has gone. A message larger than the room left is lent in part.
    static func vmspliceWorkload(generator: inout SeededGenerator) -> Workload {
        var writes: [Call] = []
        for sequence in 0..<generator.next(in: 3...6) {
            let data = PayloadMaker.make(
                process: 1, sequence: sequence, count: generator.next(in: 2000...40000), generator: &generator)
            var value: JSONObject = ["end": "write", "iov": .array([Payload.json(data)])]
            // Page-aligned half the time (the trace says so: the slots a vector takes depend on its offset).
            value["offsets"] = .array([.int(generator.chance(0.5) ? generator.next(in: 0...4095) : 0)])
            writes.append(Call(process: 1, object: "p0", f: "vmsplice", value: .object(value)))
        }
        let reads = (0..<(writes.count * 12)).map { _ in
            Call(process: 2, object: "p0", f: "read", value: ["max": .int(generator.pick([4096, 9000]))])
        }
        return Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe")],
            processes: [
                Workload.Process(id: 1, holds: ["p0": ["write"]], program: writes),
                Workload.Process(id: 2, holds: ["p0": ["read"]], program: reads),
            ])
    }

    public static let splice = Scenario.real(
        name: "pipe-splice", kind: PipeKind.self, implementation: "kernel.pipe",
        summary:
            "a writer that writes, splices from files and vmsplices, a reader that reads, splices into /dev/null, tees and vmsplices out, and one holding both ends (tee and splice into itself: EINVAL); some calls SPLICE_F_NONBLOCK, some with bad flags or an offset",
        makeWorkload: { generator in spliceWorkload(generator: &generator) })

    /// Process 1 writes; process 2 reads; process 3, when there is one, holds both ends. Some pipes start nonblocking
    /// (which `vmsplice` ignores) or in packet mode.
    static func spliceWorkload(generator: inout SeededGenerator) -> Workload {
        var parameters: JSONObject = [:]
        if generator.chance(0.3) { parameters["nonblocking"] = true }
        if generator.chance(0.2) { parameters["packet"] = true }
        var processes: [Workload.Process] = []
        for process in 1...generator.next(in: 2...3) {
            let roles: [String] = process == 1 ? ["write"] : process == 2 ? ["read"] : ["read", "write"]
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 3...8) {
                let role = generator.pick(roles)
                var value: JSONObject = [:]
                if generator.chance(0.3) { value["nonblocking"] = true }
                if generator.chance(0.05) { value["bits"] = .int(generator.pick([1, 4, 8, 256])) }
                let size = generator.next(
                    in: generator.pick(weighted: [(50, 1...200), (30, 201...4096), (20, 4097...20000)]))
                let f: String
                if role == "write" {
                    let data = PayloadMaker.make(
                        process: process, sequence: sequence, count: size, generator: &generator)
                    switch generator.next(in: 0...3) {
                    case 0:
                        program.append(
                            Call(process: process, object: "p0", f: "write", value: ["data": Payload.json(data)]))
                        continue
                    case 1, 2:
                        f = "splice"
                        value["end"] = "write"
                        // The file may hold fewer bytes than asked (its end), or start mid-page.
                        value["max"] = .int(generator.chance(0.2) ? size + 100 : size)
                        value["data"] = Payload.json(data)
                        if generator.chance(0.5) { value["position"] = .int(generator.next(in: 0...8191)) }
                        if generator.chance(0.05) { value["offset"] = true }
                    default:
                        f = "vmsplice"
                        value["end"] = "write"
                        let cut = generator.next(in: 0...data.count)
                        value["iov"] = .array([Payload.json(Array(data[..<cut])), Payload.json(Array(data[cut...]))])
                        if generator.chance(0.5) {
                            value["offsets"] = .array([
                                .int(generator.next(in: 0...4095)), .int(generator.next(in: 0...4095)),
                            ])
                        } else {
                            value["offsets"] = [0, 0]
                        }
                    }
                } else {
                    switch generator.next(in: 0...4) {
                    case 0:
                        program.append(Call(process: process, object: "p0", f: "read", value: ["max": .int(size)]))
                        continue
                    case 1:
                        f = "splice"
                        value["end"] = "read"
                        value["max"] = .int(generator.chance(0.1) ? 0 : size)
                        if process == 3 && generator.chance(0.3) { value["into"] = "self" }
                        if generator.chance(0.05) { value["offset"] = true }
                    case 2, 3:
                        f = "tee"
                        value["max"] = .int(size)
                        if process == 3 && generator.chance(0.3) { value["into"] = "self" }
                    default:
                        f = "vmsplice"
                        value["end"] = "read"
                        value["iov"] = .array([.int(generator.next(in: 0...size)), .int(size)])
                    }
                }
                program.append(Call(process: process, object: "p0", f: f, value: .object(value)))
            }
            processes.append(Workload.Process(id: process, holds: ["p0": roles], program: program))
        }
        return Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: parameters)], processes: processes)
    }
}
