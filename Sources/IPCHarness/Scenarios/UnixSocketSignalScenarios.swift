import IPCModels

extension UnixSocketScenarios {
    /// Owners and I/O signals on a stream pair: the receiving process makes itself `b`'s owner (at some point, perhaps
    /// after the first `MSG_OOB` byte came), perhaps sets `F_SETSIG` and `O_ASYNC`, and takes its `SIGURG` (and
    /// `SIGIO` or the real-time signal) with zero-timeout `sigtimedwait`s between `MSG_OOB` and ordinary receives.
    public static let urgentSignals = Scenario.real(
        name: "unix-stream-urgent-signals", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary:
            "a stream pair's receiver owns its socket (F_SETOWN_EX, F_SETSIG, O_ASYNC) and takes SIGURG, SIGIO and a real-time signal with sigtimedwait between MSG_OOB and ordinary receives",
        makeWorkload: { generator in urgentSignalWorkload(generator: &generator, blockingChance: 3) })

    /// Fragile: a receiver that takes each `SIGURG` for one urgent byte waiting, and believes none waits without
    /// one — but a byte sent before it became the owner sent no `SIGURG`, and a second byte while the first signal
    /// is pending sends none more.
    public static let urgentByteWhenSignalled = Scenario.real(
        name: "unix-stream-fragile-urgent-per-sigurg", kind: UnixSocketKind.self, implementation: "client.stream-urgent-when-signalled",
        summary:
            "BROKEN: a receiver that takes each SIGURG for one out-of-band byte waiting and reports none (EINVAL) without calling when it has taken no SIGURG since its last MSG_OOB receive",
        isBroken: true,
        makeWorkload: { generator in urgentSignalWorkload(generator: &generator, asyncChance: 0) })

    /// Robust twin: the same receiver's `MSG_OOB` receives made as they are, each reporting what the kernel holds.
    public static let urgentByteAsItIs = Scenario.real(
        name: "unix-stream-robust-urgent-as-it-is", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary: "robust twin of unix-stream-fragile-urgent-per-sigurg: every MSG_OOB receive asks the kernel, SIGURG or not",
        makeWorkload: { generator in urgentSignalWorkload(generator: &generator, asyncChance: 0) })

    /// Process 2's `fcntl` of its socket `b`.
    static func receiverControl(_ value: JSONObject) -> Call {
        var value = value
        value["end"] = "b"
        return Call(process: 2, object: "s0", f: "fcntl", value: .object(value))
    }

    /// Process 1 sends on `a` (nonblocking, many with `MSG_OOB`, perhaps shutting or closing at the end); process 2
    /// holds `b`: it makes itself the owner (`F_SETOWN` or `F_SETOWN_EX` of its thread) after 0-2 of its calls, with
    /// `asyncChance` sets `F_SETSIG` (0, `SIGIO` or `SIGRTMIN`) and `O_ASYNC`, then takes signals and receives
    /// (`MSG_OOB` and ordinary, nonblocking — with `blockingChance` some blocking ones, asleep while data comes, which
    /// the kernel's stream wakes skip and the model leaves unjudged), with `F_GETOWN_EX`, `F_GETSIG` and `F_GETFL` now
    /// and then.
    static func urgentSignalWorkload(generator: inout SeededGenerator, asyncChance: Double = 0.6, blockingChance: Int = 0) -> Workload {
        let realtime = 34
        let signal = generator.pick([0, 29, realtime])
        let taken = [23, 29, realtime]
        var ownership: [Call] = [
            generator.chance(0.5)
                ? receiverControl(["cmd": "F_SETOWN", "owner": "process", "process": 2])
                : receiverControl(["cmd": "F_SETOWN_EX", "type": "tid", "owner": "process", "process": 2])
        ]
        if generator.chance(asyncChance) {
            if signal != 0 { ownership.append(receiverControl(["cmd": "F_SETSIG", "signal": .int(signal)])) }
            ownership.append(receiverControl(["cmd": "F_SETFL", "async": true]))
        }
        var receiver: [Call] = []
        for _ in 0..<generator.next(in: 5...12) {
            let call: Call = generator.pick(weighted: [
                (4, Call(process: 2, object: "s0", f: "sigtimedwait", value: ["signals": .array(generator.pick([[23], taken, [23, 29]]).map { .int($0) })])),
                (4, Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": 1, "oob": true])),
                (3, Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": .int(generator.next(in: 1...16)), "nonblocking": true])),
                (blockingChance, Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": .int(generator.next(in: 1...16))])),
                (1, receiverControl(["cmd": generator.pick(["F_GETOWN_EX", "F_GETSIG", "F_GETFL"])])),
            ])
            receiver.append(call)
        }
        receiver.insert(contentsOf: ownership, at: min(generator.next(in: 0...2), receiver.count))
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 2...6) {
            var value: JSONObject = [
                "end": "a", "nonblocking": true,
                "data": Payload.json(
                    PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 1...24), generator: &generator)),
            ]
            if generator.chance(0.7) { value["oob"] = true }
            sender.append(Call(process: 1, object: "s0", f: "send", value: .object(value)))
        }
        if generator.chance(0.3) {
            sender.append(Call(process: 1, object: "s0", f: "shutdown", value: ["end": "a", "how": .string(generator.pick(["SHUT_WR", "SHUT_RDWR"]))]))
        }
        // The sender's close ends a blocking receive that found nothing (end of file).
        if generator.chance(blockingChance > 0 ? 0.7 : 0.3) { sender.append(Call(process: 1, object: "s0", f: "close", value: ["end": "a"])) }
        return Workload(
            objects: [
                Workload.Object(
                    name: "s0", kind: "unix-socket",
                    parameters: ["type": "stream", "shape": "pair", "ioSignals": .array(taken.map { .int($0) })])
            ],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: receiver),
            ])
    }
}

extension UnixSocketScenarios {
    /// Owners and `O_ASYNC` on a datagram or seqpacket pair (drawn per run): the receiver makes itself `b`'s owner,
    /// sets `F_SETSIG` (0, `SIGIO` or `SIGRTMIN`) and `O_ASYNC` (or `FIOASYNC`), and takes its signals between
    /// receives — blocking ones too on a seqpacket pair, whose reader asleep suppresses nothing (measured).
    public static let packetSignals = Scenario.real(
        name: "unix-packet-async-signals", kind: UnixSocketKind.self, implementation: "kernel.unix-socket",
        summary:
            "a datagram or seqpacket pair's receiver owns its socket (F_SETOWN, F_SETSIG, O_ASYNC or FIOASYNC) and takes a POLL_IN per message, POLL_HUP at a seqpacket peer's close",
        makeWorkload: { generator in packetSignalWorkload(generator: &generator) })

    /// Process 1 sends 2-6 messages on `a` (some empty), perhaps shuts it (`SHUT_WR`) and closes it; process 2 owns `b`
    /// after 0-2 of its calls and takes signals, receives (nonblocking; on seqpacket some blocking) and reads its flags.
    static func packetSignalWorkload(generator: inout SeededGenerator) -> Workload {
        let type = generator.pick(["dgram", "seqpacket"])
        let signal = generator.pick([0, 29, 34])
        let taken = [29, 34]
        var ownership = [receiverControl(["cmd": "F_SETOWN", "owner": "process", "process": 2])]
        if signal != 0 { ownership.append(receiverControl(["cmd": "F_SETSIG", "signal": .int(signal)])) }
        ownership.append(
            generator.chance(0.3)
                ? Call(process: 2, object: "s0", f: "ioctl", value: ["end": "b", "request": "FIOASYNC", "on": true])
                : receiverControl(["cmd": "F_SETFL", "async": true]))
        var receiver: [Call] = []
        for _ in 0..<generator.next(in: 5...12) {
            receiver.append(generator.pick(weighted: [
                (4, Call(process: 2, object: "s0", f: "sigtimedwait", value: ["signals": .array(generator.pick([taken, [29], [34]]).map { .int($0) })])),
                (4, Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": .int(generator.next(in: 0...16)), "nonblocking": true])),
                (type == "seqpacket" ? 2 : 0, Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": .int(generator.next(in: 1...16))])),
                (1, receiverControl(["cmd": generator.pick(["F_GETOWN", "F_GETSIG", "F_GETFL"])])),
            ]))
        }
        receiver.insert(contentsOf: ownership, at: min(generator.next(in: 0...2), receiver.count))
        var sender: [Call] = []
        for sequence in 0..<generator.next(in: 2...6) {
            let count = generator.chance(0.2) ? 0 : generator.next(in: 1...24)
            let data = PayloadMaker.make(process: 1, sequence: sequence, count: count, generator: &generator)
            sender.append(Call(process: 1, object: "s0", f: "send", value: ["end": "a", "nonblocking": true, "data": Payload.json(data)]))
        }
        if generator.chance(0.3) { sender.append(Call(process: 1, object: "s0", f: "shutdown", value: ["end": "a", "how": "SHUT_WR"])) }
        // A seqpacket sender's close ends a blocking receive that found nothing (end of file).
        if type == "seqpacket" || generator.chance(0.3) { sender.append(Call(process: 1, object: "s0", f: "close", value: ["end": "a"])) }
        return Workload(
            objects: [
                Workload.Object(
                    name: "s0", kind: "unix-socket",
                    parameters: ["type": .string(type), "shape": "pair", "ioSignals": .array(taken.map { .int($0) })])
            ],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["a"]], program: sender),
                Workload.Process(id: 2, holds: ["s0": ["b"]], program: receiver),
            ])
    }
}
