import IPCModels

/// Scenarios on the kernel eventfd, plain and as a semaphore.
public enum EventCounterScenarios {
    public static let all: [Scenario] = [
        counter, semaphore, epoll, exclusivePool, exclusiveModificationWorks, regularFileLoop, regularFileRegistered, nestedEventLoop,
        nestedDispatch, madeDuringRun,
    ]

    /// Writers add, readers take the whole count; one blocking eventfd and one nonblocking, with writes near the
    /// 2^64 − 2 ceiling and bad buffer sizes.
    public static let counter = Scenario.real(
        name: "eventfd-counter", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "2-4 processes write and read a blocking and a nonblocking eventfd: sums, resets, overflow, EINVAL, F_SETFL O_NONBLOCK, lseek, pread, pwrite, ioctl (FIONBIO, FIOASYNC, FIONREAD, FIOCLEX), F_GETFD/F_SETFD, dup/F_DUPFD_CLOEXEC, poll, select",
        makeWorkload: { generator in workload(generator: &generator, semaphore: false) })

    /// Each read takes 1.
    public static let semaphore = Scenario.real(
        name: "eventfd-semaphore", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "EFD_SEMAPHORE: writes of 1-7, every read returns 1; blocking and nonblocking eventfds, F_SETFL O_NONBLOCK, poll, select",
        makeWorkload: { generator in workload(generator: &generator, semaphore: true) })


    static func workload(generator: inout SeededGenerator, semaphore: Bool) -> Workload {
        let objects = [
            Workload.Object(name: "e0", kind: "eventfd", parameters: ["semaphore": .bool(semaphore), "nonblocking": false]),
            Workload.Object(
                name: "e1", kind: "eventfd",
                parameters: ["semaphore": .bool(semaphore), "nonblocking": true, "initial": .int(generator.next(in: 0...3))]),
        ]
        let count = generator.next(in: 2...4)
        var processes: [Workload.Process] = []
        for process in 1...count {
            var program: [Call] = []
            for _ in 0..<generator.next(in: 2...7) {
                let object = generator.pick(["e0", "e1"])
                switch generator.next(in: 0...28) {
                case 0..<9:
                    var value: UInt64 = UInt64(generator.next(in: 0...7))
                    if !semaphore && object == "e1" && generator.chance(0.15) { value = EventCounterModel.maximum - UInt64(generator.next(in: 0...2)) }
                    program.append(Call(process: process, object: object, f: "write", value: ["value": EventCounterModel.json(value)]))
                case 9..<18:
                    program.append(Call(process: process, object: object, f: "read"))
                case 18:
                    program.append(Call(process: process, object: object, f: "read", value: ["size": 4]))
                case 19:
                    program.append(Call(process: process, object: object, f: "write", value: ["value": EventCounterModel.json(.max)]))
                case 20:
                    // O_NONBLOCK is the eventfd's: every holder's later reads and writes follow it.
                    program.append(Call(process: process, object: object, f: "fcntl", value: ["cmd": "F_SETFL", "nonblocking": .bool(generator.chance(0.5))]))
                case 21:
                    program.append(Call(process: process, object: object, f: "fcntl", value: ["cmd": "F_GETFL"]))
                case 22:
                    // Any offset and a known whence: 0 (noop_llseek); an unknown whence: EINVAL.
                    var value: JSONObject = [:]
                    if generator.chance(0.5) { FilePosition.random(forSeek: true, generator: &generator).record(into: &value, whence: true) }
                    program.append(Call(process: process, object: object, f: "lseek", value: value.members.isEmpty ? nil : .object(value)))
                case 23...26:
                    // The calls an eventfd refuses, and the ioctls it takes: FIONBIO is F_SETFL O_NONBLOCK for all.
                    switch generator.next(in: 0...3) {
                    case 0, 1:
                        // A negative offset fails EINVAL before the descriptor is looked up, ESPIPE otherwise.
                        var value: JSONObject = [:]
                        if generator.chance(0.3) { FilePosition.random(forSeek: false, generator: &generator).record(into: &value, whence: false) }
                        program.append(Call(process: process, object: object, f: generator.pick(["pread", "pwrite"]), value: value.members.isEmpty ? nil : .object(value)))
                    case 2:
                        let request = generator.pick(["FIONBIO", "FIOASYNC"])
                        program.append(Call(process: process, object: object, f: "ioctl", value: ["request": .string(request), "on": .bool(generator.chance(0.5))]))
                    default:
                        let request = generator.pick(["FIONREAD", "FIOCLEX", "FIONCLEX"])
                        program.append(Call(process: process, object: object, f: "ioctl", value: ["request": .string(request)]))
                        // FD_CLOEXEC is the descriptor's: FIOCLEX shows in F_GETFD, and a copy has its own.
                        if generator.chance(0.5) {
                            program.append(Call(process: process, object: object, f: "fcntl", value: ["cmd": "F_GETFD"]))
                        } else {
                            program.append(generator.chance(0.5)
                                ? Call(process: process, object: object, f: "dup")
                                : Call(process: process, object: object, f: "fcntl", value: ["cmd": "F_DUPFD_CLOEXEC", "min": 0]))
                            program.append(Call(process: process, object: object, f: "fcntl", value: ["cmd": "F_SETFD", "closeOnExec": .bool(generator.chance(0.5))]))
                            // And sometimes a copy onto a number of its choosing: its own (dup3: EINVAL), a free one,
                            // or its other descriptor of the eventfd, which the call closes.
                            if generator.chance(0.5) {
                                var value: JSONObject = ["onto": .string(generator.pick(["self", "free", "eventfd"]))]
                                let dup3 = generator.chance(0.5)
                                if dup3 && generator.chance(0.5) { value["flags"] = ["O_CLOEXEC"] }
                                program.append(Call(process: process, object: object, f: dup3 ? "dup3" : "dup2", value: .object(value)))
                            }
                        }
                    }
                case 27:
                    // An event loop's wait: zero, a short or no timeout (asleep until a write, or a signal).
                    let events = generator.pick([["POLLIN"], ["POLLOUT"], ["POLLIN", "POLLOUT"]]).map { JSONValue.string($0) }
                    program.append(Call(
                        process: process, object: object, f: "poll",
                        value: ["events": .array(events), "timeout": .int(generator.pick([0, 20, -1]))]))
                default:
                    program.append(Call(
                        process: process, object: object, f: "select",
                        value: ["read": .bool(true), "write": .bool(generator.chance(0.5)), "timeout": 0]))
                }
            }
            processes.append(Workload.Process(id: process, holds: ["e0": ["hold"], "e1": ["hold"]], program: program))
        }
        return Workload(objects: objects, processes: processes)
    }
}
