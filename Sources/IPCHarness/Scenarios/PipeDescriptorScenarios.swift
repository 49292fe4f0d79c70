import IPCModels

/// Scenarios on what a pipe's descriptors do beyond reading and writing: `fcntl` on open file descriptions that
/// forked holders share, `pipe2`'s flags, packet mode, the pipe's size, the calls that need a file position, and
/// readiness (`poll`, `select`).
public enum PipeDescriptorScenarios {
    public static let all: [Scenario] = [
        descriptors, eofOnWouldBlock, pollingReader, eofOnWouldBlockByIoctl, pollingReaderByIoctl, madeDuringRun, eagainAsBrokenPipe, madeNonblocking, emulatedDup3, realDup3, epoll, owner,
        readsWhenSignalled, drainsWhenSignalled, nestedEventLoop, nestedDispatch,
    ]

    /// Fragile: a process that makes `dup3` out of `dup2` and `F_SETFD` — the fallback code written for systems without
    /// `dup3` — which agrees with `dup3` on every call but one: onto the descriptor's own number `dup2` returns it
    /// (and the emulation sets `FD_CLOEXEC` on it), where `dup3` fails `EINVAL`.
    public static let emulatedDup3 = Scenario.real(
        name: "pipe-fragile-dup3-emulated", kind: PipeKind.self, implementation: "client.pipe-dup3-emulated",
        summary: "BROKEN: dup3 emulated by dup2 and F_SETFD(FD_CLOEXEC) succeeds onto the descriptor's own number, where dup3 fails EINVAL",
        isBroken: true,
        makeWorkload: { generator in duplicateOntoWorkload(generator: &generator) })

    /// Robust twin: the real `dup3`, which fails `EINVAL` onto the same number.
    public static let realDup3 = Scenario.real(
        name: "pipe-robust-dup3", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "robust twin of pipe-fragile-dup3-emulated: dup3 and dup2 onto the descriptor itself, a free number and the other end, F_GETFD/F_SETFD, writes and reads",
        makeWorkload: { generator in duplicateOntoWorkload(generator: &generator) })

    /// 1-2 processes each make a pipe (`pipe2`, with or without `O_CLOEXEC`) and copy its ends about with `dup2` and
    /// `dup3` (onto themselves, a free number, `/dev/null`'s number, the other end's: closing it), looking at
    /// `FD_CLOEXEC` with `F_GETFD` and changing it with `F_SETFD`, with nonblocking writes and reads between.
    static func duplicateOntoWorkload(generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.eachMakesItsOwn(PipeKind.name, prefix: "p", most: 2, generator: &generator) { process, call, generator in
            call("pipe2", ["flags": generator.chance(0.5) ? ["O_NONBLOCK", "O_CLOEXEC"] : ["O_NONBLOCK"]])
            var held: [String: Int] = ["read": 1, "write": 1]
            for sequence in 0..<generator.next(in: 4...9) {
                duplicateOntoStep(call, held: &held, process: process, sequence: sequence, generator: &generator)
            }
        }
    }


    /// One call of a process holding `held` descriptors of each end of the pipe it made (kept up to date: a `dup2`
    /// onto another of its descriptors of the pipe is drawn only while it holds one).
    static func duplicateOntoStep(
        _ call: (String, JSONValue?) -> Void, held: inout [String: Int], process: Int, sequence: Int, generator: inout SeededGenerator
    ) {
        let end = generator.pick(["read", "write"])
        switch generator.next(in: 0...9) {
        case 0...3:
            let dup3 = generator.chance(0.6)
            var value: JSONObject = ["end": .string(end)]
            if dup3 { value["flags"] = generator.chance(0.7) ? ["O_CLOEXEC"] : [] }
            if dup3 && generator.chance(0.1) { value["bits"] = 2048 }  // O_NONBLOCK: EINVAL
            let other = end == "read" ? "write" : "read"
            let targets = ["self", "self", "free", "other"] + (held[end]! > 0 && held[other]! > 0 ? [other] : [])
                + (held[end]! > 1 ? [end] : [])
            let onto = generator.pick(targets)
            value["onto"] = .string(onto)
            call(dup3 ? "dup3" : "dup2", .object(value))
            let succeeds = held[end]! > 0 && (!dup3 || (onto != "self" && value["bits"] == nil))
            if succeeds && onto != "self" {
                held[end]! += 1
                if onto == "read" || onto == "write" { held[onto]! -= 1 }
            }
        case 4:
            call("fcntl", ["end": .string(end), "cmd": "F_GETFD"])
        case 5:
            call("fcntl", ["end": .string(end), "cmd": "F_SETFD", "closeOnExec": .bool(generator.chance(0.5))])
        case 6...7:
            let size = generator.next(in: 1...3000)
            call("write", ["data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator)), "nonblocking": true])
        case 8:
            call("read", ["max": .int(generator.next(in: 1...4096)), "nonblocking": true])
        default:
            call("close", ["end": .string(end)])
            held[end] = max(0, held[end]! - 1)
        }
    }

    /// Fragile: a writer that believes `pipe2(O_NONBLOCK)` leaves the write end blocking, so a write that fails
    /// `EAGAIN` on the full pipe it made is, to it, a pipe without reader (`EPIPE`).
    public static let eagainAsBrokenPipe = Scenario.real(
        name: "pipe-fragile-eagain-as-epipe", kind: PipeKind.self, implementation: "client.pipe-eagain-as-epipe",
        summary: "BROKEN: a writer that believes pipe2(O_NONBLOCK) leaves its write end blocking reports EAGAIN on its full pipe as EPIPE",
        isBroken: true,
        makeWorkload: { generator in nonblockingMadeWorkload(generator: &generator) })

    /// Robust twin: the writes report the `EAGAIN` (and short counts) the nonblocking write end gives.
    public static let madeNonblocking = Scenario.real(
        name: "pipe-robust-made-nonblocking", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "robust twin of pipe-fragile-eagain-as-epipe: a pipe made with pipe2(O_NONBLOCK) filled by writes, short and EAGAIN as they come",
        makeWorkload: { generator in nonblockingMadeWorkload(generator: &generator) })

    /// 1-2 processes each make a pipe with `pipe2(O_NONBLOCK)` and write into it without asking for `nonblocking`:
    /// the first four writes (17-30 KB) overfill its 64 KiB, then writes and nonblocking reads mix.
    static func nonblockingMadeWorkload(generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.eachMakesItsOwn(PipeKind.name, prefix: "p", most: 2, generator: &generator) { process, call, generator in
            call("pipe2", ["flags": generator.chance(0.5) ? ["O_NONBLOCK", "O_CLOEXEC"] : ["O_NONBLOCK"]])
            for sequence in 0..<generator.next(in: 5...9) {
                if sequence >= 4 && generator.chance(0.3) {
                    call("read", ["max": .int(generator.next(in: 1...20_000)), "nonblocking": true])
                } else {
                    let size = generator.next(in: 17_000...30_000)
                    call("write", ["data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator))])
                }
            }
        }
    }

    /// A pipe its one holder makes during the run: `pipe` or `pipe2` with random flags (some refused: an unknown bit,
    /// `O_NOTIFICATION_PIPE`), calls before it (`EBADF`), then nonblocking writes and reads through both ends (it
    /// holds both, so a blocking read of an empty pipe would wait for ever), `F_GETFL`, `dup`, closes.
    public static let madeDuringRun = Scenario.real(
        name: "pipe-made-during-run", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "1-3 processes each make their own pipe with pipe or pipe2 (O_NONBLOCK/O_DIRECT/O_CLOEXEC, some bad bits: EINVAL, ENOPKG), then write, read, F_GETFL, dup and close it",
        makeWorkload: { generator in madeDuringRunWorkload(generator: &generator) })

    static func madeDuringRunWorkload(generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.eachMakesItsOwn(PipeKind.name, prefix: "p", most: 3, generator: &generator) { process, call, generator in
            if generator.chance(0.3) { call("write", ["data": "x", "nonblocking": true]) }
            if generator.chance(0.3) { call("pipe2", ["flags": ["O_NONBLOCK"], "bits": .int(generator.pick([0x80, 0x10, 0x1_0000]))]) }
            if generator.chance(0.2) {
                call("pipe", nil)
            } else {
                let names = ["O_NONBLOCK", "O_DIRECT", "O_CLOEXEC"].filter { _ in generator.chance(0.5) }
                call("pipe2", ["flags": .array(names.map { .string($0) })])
            }
            for sequence in 0..<generator.next(in: 2...8) {
                switch generator.next(in: 0...9) {
                case 0...3:
                    let size = generator.next(in: generator.pick([1...100, 101...4096, 4097...20_000]))
                    call("write", ["data": Payload.json(PayloadMaker.make(process: process, sequence: sequence, count: size, generator: &generator)), "nonblocking": true])
                case 4...6:
                    call("read", ["max": .int(generator.next(in: generator.pick([1...64, 65...8192]))), "nonblocking": true])
                case 7:
                    call("fcntl", ["end": .string(generator.pick(["read", "write"])), "cmd": "F_GETFL"])
                case 8:
                    call("dup", ["end": .string(generator.pick(["read", "write"]))])
                default:
                    call("close", ["end": .string(generator.pick(["read", "write"]))])
                }
            }
        }
    }

    /// Every descriptor call the pipe model has, on descriptions some holders share.
    public static let descriptors = Scenario.real(
        name: "pipe-descriptors", kind: PipeKind.self, implementation: "kernel.pipe",
        summary: "3-4 processes, two of them sharing one description (as after fork): F_SETFL O_NONBLOCK/O_DIRECT, F_GETFL, F_GETPIPE_SZ/F_SETPIPE_SZ, lseek/pread/pwrite/fstat, poll/select, dup/F_DUPFD, pipe2 flags, reads and writes, readv/writev",
        makeWorkload: { generator in descriptorWorkload(generator: &generator) })

    /// Fragile: a reader that takes EAGAIN for end of file, whose forked sibling turns on O_NONBLOCK.
    public static let eofOnWouldBlock = Scenario.real(
        name: "pipe-fragile-eof-on-eagain", kind: PipeKind.self, implementation: "client.pipe-eof-on-eagain",
        summary: "BROKEN: a reader that takes EAGAIN for end of file; its forked sibling sets O_NONBLOCK with F_SETFL on the description they share",
        isBroken: true,
        makeWorkload: { generator in siblingReadersWorkload(generator: &generator) })

    /// Robust twin: on EAGAIN the reader polls and reads again.
    public static let pollingReader = Scenario.real(
        name: "pipe-robust-polling-reader", kind: PipeKind.self, implementation: "client.pipe-polling-reader",
        summary: "robust twin of pipe-fragile-eof-on-eagain: the reader polls for POLLIN before it reads, and again on EAGAIN",
        makeWorkload: { generator in siblingReadersWorkload(generator: &generator) })

    /// Fragile: the same reader, its sibling setting `O_NONBLOCK` with `ioctl(FIONBIO)` (libuv's way): a flag of the
    /// description they share, not of the sibling's descriptor.
    public static let eofOnWouldBlockByIoctl = Scenario.real(
        name: "pipe-fragile-eof-on-fionbio", kind: PipeKind.self, implementation: "client.pipe-eof-on-eagain",
        summary: "BROKEN: a reader that takes EAGAIN for end of file; its forked sibling sets O_NONBLOCK with ioctl(FIONBIO) on the description they share",
        isBroken: true,
        makeWorkload: { generator in siblingReadersWorkload(generator: &generator, byIoctl: true) })

    /// Robust twin: on EAGAIN the reader polls and reads again.
    public static let pollingReaderByIoctl = Scenario.real(
        name: "pipe-robust-polling-fionbio", kind: PipeKind.self, implementation: "client.pipe-polling-reader",
        summary: "robust twin of pipe-fragile-eof-on-fionbio: the reader polls for POLLIN before it reads, and again on EAGAIN",
        makeWorkload: { generator in siblingReadersWorkload(generator: &generator, byIoctl: true) })

    static func fcntl(_ process: Int, _ end: String, _ fields: JSONObject) -> Call {
        var value: JSONObject = ["end": .string(end)]
        for member in fields { value[member.key] = member.value }
        return Call(process: process, object: "p0", f: "fcntl", value: .object(value))
    }

    /// A `poll` or `select` of `end`: without a timeout only where something is sure to become ready (a reader's end
    /// while process 4, which holds both, is not the one asking: the writers' exits hang it up; a writer's end: the
    /// readers' exits put it in error), else with a zero or short timeout.
    static func readiness(_ process: Int, _ end: String, generator: inout SeededGenerator) -> Call {
        let timeout: JSONValue = process == 4 ? generator.pick([0, 20]) : generator.pick([0, 20, -1])
        if generator.chance(0.3) {
            return Call(process: process, object: "p0", f: "select", value: [
                "end": .string(end), "read": .bool(end == "read"), "write": .bool(end == "write" || generator.chance(0.3)), "timeout": timeout,
            ])
        }
        let events: [JSONValue] = end == "read" ? generator.pick([["POLLIN"], ["POLLIN", "POLLRDNORM"], ["POLLIN", "POLLOUT"]]) : generator.pick([["POLLOUT"], ["POLLOUT", "POLLWRNORM"], []])
        return Call(process: process, object: "p0", f: "poll", value: ["end": .string(end), "events": .array(events), "timeout": timeout])
    }

    /// Process 1 writes; 2 and 3 read, sharing one description when the generator says so; an optional process 4
    /// holds both ends. Reads and writes take no per-call `nonblocking`: whether they block is the description's.
    static func descriptorWorkload(generator: inout SeededGenerator) -> Workload {
        let count = generator.next(in: 3...4)
        var parameters: JSONObject = [:]
        if generator.chance(0.6) { parameters["shared"] = [[2, 3]] }
        if generator.chance(0.3) { parameters["nonblocking"] = true }
        if generator.chance(0.3) { parameters["packet"] = true }
        let sizes: [JSONValue] = [0, 4096, 5000, 8192, 16384, 65536, .int(1 << 20), .int((1 << 20) + 1), -1]
        var processes: [Workload.Process] = []
        for process in 1...count {
            let roles: [String] = process == 1 ? ["write"] : process == 4 ? ["read", "write"] : ["read"]
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 3...8) {
                let role = generator.pick(roles)
                switch generator.next(in: 0...9) {
                case 0:
                    program.append(fcntl(process, role, ["cmd": "F_SETFL", "nonblocking": .bool(generator.chance(0.5))]))
                case 1:
                    program.append(fcntl(process, "write" == role ? "write" : "read", ["cmd": "F_GETFL"]))
                    if role == "write" {
                        program.append(fcntl(process, "write", ["cmd": "F_SETFL", "nonblocking": .bool(generator.chance(0.5)), "direct": .bool(generator.chance(0.5))]))
                    }
                case 2:
                    program.append(fcntl(process, role, generator.chance(0.5) ? ["cmd": "F_GETPIPE_SZ"] : ["cmd": "F_SETPIPE_SZ", "size": generator.pick(sizes)]))
                case 3:
                    let call = generator.pick(["lseek", "pread", "pwrite", "fstat"])
                    var value: JSONObject = ["end": .string(role)]
                    if call == "pread" { value["max"] = 8 }
                    if call == "pwrite" { value["data"] = "x" }
                    if call != "fstat", generator.chance(0.3) { FilePosition.random(forSeek: call == "lseek", generator: &generator).record(into: &value, whence: call == "lseek") }
                    program.append(Call(process: process, object: "p0", f: call, value: .object(value)))
                case 4:
                    program.append(readiness(process, role, generator: &generator))
                case 5 where generator.chance(0.5):
                    // A duplicate, later closed (or left to the exit): the end stays held until both are gone.
                    program.append(generator.chance(0.5)
                        ? Call(process: process, object: "p0", f: "dup", value: ["end": .string(role)])
                        : fcntl(process, role, ["cmd": "F_DUPFD_CLOEXEC", "min": generator.pick([0, 10])]))
                    if generator.chance(0.5) { program.append(Call(process: process, object: "p0", f: "close", value: ["end": .string(role)])) }
                default:
                    if role == "write" {
                        let size = generator.pick(weighted: [(50, 1...200), (30, 201...4096), (20, 4097...9000)])
                        let data = PayloadMaker.make(process: process, sequence: sequence, count: generator.next(in: size), generator: &generator)
                        if generator.chance(0.25) {
                            // The same bytes as a writev of two or three vectors.
                            let cut = generator.next(in: 0...data.count), second = generator.next(in: cut...data.count)
                            let pieces = [data[..<cut], data[cut..<second], data[second...]].map { Payload.json(Array($0)) }
                            program.append(Call(process: process, object: "p0", f: "writev", value: ["iov": .array(pieces)]))
                        } else {
                            program.append(Call(process: process, object: "p0", f: "write", value: ["data": Payload.json(data)]))
                        }
                    } else if generator.chance(0.25) {
                        let sizes: [JSONValue] = [.int(generator.pick([1, 100, 4096])), .int(generator.pick([0, 50, 5000]))]
                        program.append(Call(process: process, object: "p0", f: "readv", value: ["iov": .array(sizes)]))
                    } else {
                        program.append(Call(process: process, object: "p0", f: "read", value: ["max": .int(generator.pick([1, 100, 4096, 9000]))]))
                    }
                }
            }
            processes.append(Workload.Process(id: process, holds: ["p0": roles], program: program))
        }
        return Workload(objects: [Workload.Object(name: "p0", kind: "pipe", parameters: parameters)], processes: processes)
    }

    /// Process 1 writes 3-6 messages; processes 2 and 3 share one description of the read end (as forked children
    /// of one parent would): process 2, an event loop, sets `O_NONBLOCK` on it with `F_SETFL` (and reads it back);
    /// process 3, written for a blocking descriptor, reads until the writer has gone.
    /// (`byIoctl`: the sibling sets `O_NONBLOCK` with `ioctl(FIONBIO)`, as libuv does, and marks its descriptor
    /// close-on-exec with `FIOCLEX`.)
    static func siblingReadersWorkload(generator: inout SeededGenerator, byIoctl: Bool = false) -> Workload {
        var writes: [Call] = []
        for sequence in 0..<generator.next(in: 3...6) {
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 10...3000), generator: &generator)
            writes.append(Call(process: 1, object: "p0", f: "write", value: ["data": Payload.json(data)]))
        }
        var processes = [Workload.Process(id: 1, holds: ["p0": ["write"]], program: writes)]
        processes.append(Workload.Process(
            id: 2, holds: ["p0": ["read"]],
            program: byIoctl
                ? [
                    Call(process: 2, object: "p0", f: "ioctl", value: ["end": "read", "request": "FIONBIO", "on": true]),
                    Call(process: 2, object: "p0", f: "ioctl", value: ["end": "read", "request": "FIOCLEX"]),
                    Call(process: 2, object: "p0", f: "ioctl", value: ["end": "read", "request": "FIONREAD"]),
                    fcntl(2, "read", ["cmd": "F_GETFL"]),
                ]
                : [fcntl(2, "read", ["cmd": "F_SETFL", "nonblocking": true]), fcntl(2, "read", ["cmd": "F_GETFL"])]))
        let reads = (0..<(writes.count + 2)).map { _ in
            Call(process: 3, object: "p0", f: "read", value: ["max": .int(generator.pick([512, 4096]))])
        }
        processes.append(Workload.Process(id: 3, holds: ["p0": ["read"]], program: reads))
        return Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: ["shared": [[2, 3]]])], processes: processes)
    }
}
