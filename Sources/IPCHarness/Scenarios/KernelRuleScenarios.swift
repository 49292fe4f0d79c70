import IPCModels

/// Scenarios on rules the kernel itself enforces, run for real.
public enum KernelRuleScenarios {
    public static let all: [Scenario] = [fifoPermission]

    /// A FIFO created 0666 by the harness (root), in a directory only root and the workers' user may enter;
    /// processes 1 and 2 run as a user id nobody else uses and open it for writing and reading; process 3 (root,
    /// the owner) takes the permission away and gives it back. Permission is checked
    /// at open: descriptors already open keep working after the chmod, new opens fail `EACCES`.
    public static let fifoPermission = Scenario.real(
        name: "fifo-permission", kind: FIFOKind.self, implementation: "kernel.fifo",
        summary: "unprivileged processes use a FIFO while its owner chmods it: open descriptors keep working, new opens fail EACCES",
        makeWorkload: { workload(&$0) })

    /// Every open, read and write is nonblocking: a refused open must not leave its process asleep.
    static func workload(_ generator: inout SeededGenerator) -> Workload {
        func call(_ process: Int, _ f: String, _ value: JSONObject = [:]) -> Call {
            var value = value
            if f != "chmod" { value["nonblocking"] = true }
            return Call(process: process, object: "f0", f: f, value: .object(value))
        }
        var writer = [call(1, "open", ["end": "write"])]
        for sequence in 0..<generator.next(in: 3...5) {
            writer.append(call(1, "write", ["data": Payload.json(PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 4...12), generator: &generator))]))
            if generator.chance(0.3) { writer.append(call(1, "open", ["end": "write"])) }
        }
        var reader = [call(2, "open", ["end": "read"])]
        for _ in 0..<generator.next(in: 4...6) {
            reader.append(generator.chance(0.2) ? call(2, "open", ["end": "read"]) : call(2, "read", ["max": .int(generator.next(in: 4...32))]))
        }
        let owner = [call(3, "chmod", ["mode": .int(0o600)])] + (generator.chance(0.5) ? [call(3, "chmod", ["mode": .int(0o666)])] : [])
        return Workload(
            objects: [Workload.Object(name: "f0", kind: "fifo", parameters: ["mode": .int(0o666)])],
            processes: [
                Workload.Process(id: 1, holds: ["f0": ["unprivileged"]], program: writer),
                Workload.Process(id: 2, holds: ["f0": ["unprivileged"]], program: reader),
                Workload.Process(id: 3, holds: ["f0": ["owner"]], program: owner),
            ])
    }
}
