import IPCModels

extension PipeDescriptorScenarios {
    /// The owner and signal of a pipe's descriptions, which `O_ASYNC` would use: `F_SETOWN`/`F_GETOWN` and
    /// `F_SETSIG`/`F_GETSIG` from processes that share a description (as forked children do) and one with its own.
    public static let owner = Scenario.real(
        name: "pipe-owner", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "3 processes, two sharing one description of the read end: F_SETOWN (a worker, its group, pid 1, 0, a missing pid)/F_GETOWN, F_SETOWN_EX (tid, pid, pgrp, a bad type)/F_GETOWN_EX and F_SETSIG/F_GETSIG, with writes and reads",
        makeWorkload: { generator in ownerWorkload(generator: &generator) })

    /// Process 1 writes and sets the write end's owner and signal; processes 2 and 3 share the read end's description
    /// (one `F_SETOWN` is what the other reads) and read.
    static func ownerWorkload(generator: inout SeededGenerator) -> Workload {
        var processes: [Workload.Process] = []
        for process in 1...3 {
            let end = process == 1 ? "write" : "read"
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 3...7) {
                switch generator.next(in: 0...7) {
                case 0, 1:
                    let owner = generator.pick(["none", "process", "group", "other", "missing"])
                    var fields: JSONObject = ["cmd": "F_SETOWN", "owner": .string(owner)]
                    if owner == "process" || owner == "group" { fields["process"] = .int(generator.next(in: 1...3)) }
                    program.append(fcntl(process, end, fields))
                case 2: program.append(fcntl(process, end, ["cmd": "F_GETOWN"]))
                case 3: program.append(fcntl(process, end, ["cmd": "F_SETSIG", "signal": .int(generator.pick([0, 10, 29, 64, 65]))]))
                case 4: program.append(fcntl(process, end, ["cmd": "F_GETSIG"]))
                case 5:
                    let owner = generator.pick(["none", "process", "process", "other", "missing"])
                    let type: JSONValue = generator.pick(["tid", "pid", "pgrp", "pgrp", 5])
                    var fields: JSONObject = ["cmd": "F_SETOWN_EX", "type": type, "owner": .string(owner)]
                    if owner == "process" { fields["process"] = .int(generator.next(in: 1...3)) }
                    program.append(fcntl(process, end, fields))
                case 6: program.append(fcntl(process, end, ["cmd": "F_GETOWN_EX"]))
                default:
                    if end == "write" {
                        let data = PayloadMaker.make(process: process, sequence: sequence, count: generator.next(in: 1...200), generator: &generator)
                        program.append(Call(process: process, object: "p0", f: "write", value: ["data": Payload.json(data)]))
                    } else {
                        program.append(Call(process: process, object: "p0", f: "read", value: ["max": 100, "nonblocking": true]))
                    }
                }
            }
            processes.append(Workload.Process(id: process, holds: ["p0": [end]], program: program))
        }
        return Workload(objects: [Workload.Object(name: "p0", kind: "pipe", parameters: ["shared": [[2, 3]]])], processes: processes)
    }
}
