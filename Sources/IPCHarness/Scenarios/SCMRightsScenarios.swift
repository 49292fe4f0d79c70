import IPCModels

/// Scenarios on descriptor passing (`SCM_RIGHTS`) over Unix socket pairs of a type chosen per run.
public enum SCMRightsScenarios {
    public static let all: [Scenario] = [sharedOffset, inFlight]

    /// A memory file passed to other processes: every copy shares one offset, and each passed descriptor arrives
    /// once.
    public static let sharedOffset = Scenario.real(
        name: "scm-rights-shared-offset", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a memory file passed over a socket pair: reads through any copy advance one shared offset",
        makeWorkload: { generator in offsetWorkload(generator: &generator) })

    /// A pipe's write end in flight: the pipe's reader sees end of file only once every reference is gone,
    /// including those in messages a receiver closed, died with, or had no control room for.
    public static let inFlight = Scenario.real(
        name: "scm-rights-in-flight", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "a pipe's write end sent and left in flight; the receiver closing its socket or exiting (or MSG_CTRUNC) closes it",
        makeWorkload: { generator in inFlightWorkload(generator: &generator) })

    static let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    static func socket(_ generator: inout SeededGenerator, files: JSONObject) -> Workload.Object {
        let type = generator.pick(UnixSocketModel.SocketType.allCases)
        return Workload.Object(
            name: "s0", kind: "unix-socket", parameters: ["type": .string(type.rawValue), "shape": "pair", "files": .object(files)])
    }

    static func offsetWorkload(generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 2...3)
        var sender = [Call]()
        for _ in 0..<generator.next(in: 2...4) {
            if generator.chance(0.5) { sender.append(Call(process: 1, object: "s0", f: "read-file", value: ["file": "f0", "max": .int(generator.next(in: 1...4))])) }
            sender.append(Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": "f", "files": ["f0"], "nonblocking": .bool(generator.chance(0.3))]))
        }
        if generator.chance(0.5) { sender.append(Call(process: 1, object: "s0", f: "close-file", value: ["file": "f0"])) }
        var processes = [Workload.Process(id: 1, holds: ["s0": ["a", "hold:f0"]], program: sender)]
        for process in 2...count {
            var program: [Call] = []
            for _ in 0..<generator.next(in: 2...5) {
                switch generator.next(in: 0...9) {
                case 0..<5:
                    var value: JSONObject = ["end": "b", "max": .int(generator.next(in: 1...4)), "maxFiles": .int(generator.next(in: 1...2))]
                    if generator.chance(0.5) { value["nonblocking"] = true }
                    if generator.chance(0.2) { value["peek"] = true }  // MSG_PEEK: new descriptors, the message stays
                    program.append(Call(process: process, object: "s0", f: "receive", value: .object(value)))
                case 5..<9:
                    program.append(Call(process: process, object: "s0", f: "read-file", value: ["file": "f0", "max": .int(generator.next(in: 1...5))]))
                default:
                    program.append(Call(process: process, object: "s0", f: "close-file", value: ["file": "f0"]))
                }
            }
            processes.append(Workload.Process(id: process, holds: ["s0": ["b"]], program: program))
        }
        return Workload(objects: [socket(&generator, files: ["f0": ["content": .string(alphabet)]])], processes: processes)
    }

    /// Process 1 sends the pipe's write end and closes its own; process 2 receives (or not, or without room) and
    /// may close its end; process 3 holds the pipe's read end and probes it.
    static func inFlightWorkload(generator: inout SeededGenerator) -> Workload {
        var sender = [Call]()
        for _ in 0..<generator.next(in: 1...2) {
            sender.append(Call(process: 1, object: "s0", f: "send", value: ["end": "a", "data": "w", "files": ["w0"], "nonblocking": true]))
        }
        sender.append(Call(process: 1, object: "s0", f: "close-file", value: ["file": "w0"]))
        var receiver = [Call]()
        for _ in 0..<generator.next(in: 0...2) {
            receiver.append(Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": 8, "maxFiles": .int(generator.next(in: 0...1)), "nonblocking": true]))
        }
        if generator.chance(0.5) { receiver.append(Call(process: 2, object: "s0", f: "close-file", value: ["file": "w0"])) }
        if generator.chance(0.5) { receiver.append(Call(process: 2, object: "s0", f: "close", value: ["end": "b"])) }
        let prober = (0..<generator.next(in: 2...5)).map { _ in Call(process: 3, object: "s0", f: "probe", value: ["file": "w0"]) }
        return Workload(
            objects: [socket(&generator, files: ["w0": ["pipe": true]])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a", "hold:w0"]], program: sender),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: receiver),
                Workload.Process(id: 3, holds: ["s0": ["read:w0"]], program: prober),
            ])
    }
}
