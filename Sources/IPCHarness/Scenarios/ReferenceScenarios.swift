import IPCModels

/// Scenarios on the reference implementations of the seeds: each correct construction, and a broken twin the
/// harness must catch. They run in the simulation (weak memory unless `--memory-model sc`); those marked `sim real` also
/// run in worker processes over shared memory and kernel pipes (`--mode real`).
public enum ReferenceScenarios {
    public static let all: [Scenario] = [
        toctouCopy, toctouShm, revocationCommit, revocationEntryBroken, abaTagged64, abaTag8Broken, abaMailbox64,
        abaMailbox8Broken, queuesPerConsumer, holSharedRing, creditsRing, spscRing, spscRingBroken, spscRingRelaxedBroken,
        hybrid, hybridBroken, seqlock, seqlockBroken, seqlockNoFenceBroken,
    ]

    /// A process holding `object` in `roles` (every holder maps the region; `send:N`/`receive:N`: copy channel N).
    static func process(_ id: Int, _ object: String, _ program: [Call], roles: [String] = ["memory"]) -> Workload.Process {
        Workload.Process(id: id, holds: [object: roles], program: program)
    }

    // MARK: Time of check, time of use

    static let requestLimit = 100

    public static let toctouCopy = Scenario.simulated(
        name: "toctou-copy", kind: SnapshotServiceKind.self, implementation: "reference.snapshot-copy",
        summary: "a client sends requests over a copy channel (a kernel pipe in real mode) and rewrites its buffer; the service checks and uses its copy",
        modes: [.sim, .real], invariants: ["snapshot": [:]], makeWorkload: { toctouWorkload("reference.snapshot-copy", &$0) })

    public static let toctouShm = Scenario.simulated(
        name: "toctou-shm", kind: SnapshotServiceKind.self, implementation: "reference.snapshot-shm",
        summary: "BROKEN: requests in shared memory: the client rewrites its request between the service's check and its use",
        isBroken: true, invariants: ["snapshot": [:]], makeWorkload: { toctouWorkload("reference.snapshot-shm", &$0) })

    /// Client 1 submits valid requests and rewrites its buffer with invalid ones after each; service 2 serves. The
    /// object names its implementation: the model's room for requests depends on the path (one in shared memory,
    /// the channel's capacity on the copy path).
    static func toctouWorkload(_ implementation: String, _ generator: inout SeededGenerator) -> Workload {
        var client: [Call] = []
        let requests = generator.next(in: 3...6)
        for _ in 0..<requests {
            client.append(Call(process: 1, object: "r0", f: "submit", value: ["value": .int(generator.next(in: 1...requestLimit))]))
            for _ in 0..<generator.next(in: 1...2) {
                client.append(Call(process: 1, object: "r0", f: "tamper", value: ["value": .int(generator.next(in: 1_000...1_000_000))]))
            }
        }
        let service = (0..<(requests * 2 + 2)).map { _ in Call(process: 2, object: "r0", f: "serve") }
        return Workload(
            objects: [Workload.Object(
                name: "r0", kind: SnapshotServiceKind.self, parameters: ["limit": .int(requestLimit), "channelCapacity": 16],
                implementation: implementation)],
            processes: [process(1, "r0", client, roles: ["memory", "send:0"]), process(2, "r0", service, roles: ["memory", "receive:0"])])
    }

    // MARK: Commit-time revocation

    public static let revocationCommit = Scenario.simulated(
        name: "revocation-commit", kind: RevocableChannelKind.self, implementation: "reference.revocable-commit",
        summary: "a capability-guarded shared-memory channel authorises each send when it commits; a third process revokes",
        modes: [.sim, .real], makeWorkload: { revocationWorkload(&$0) })

    public static let revocationEntryBroken = Scenario.simulated(
        name: "revocation-entry-broken", kind: RevocableChannelKind.self, implementation: "reference.revocable-entry",
        summary: "BROKEN: sends are authorised at entry, so a send in flight across a revoke is delivered after it",
        isBroken: true, makeWorkload: { revocationWorkload(&$0) })

    static func revocationWorkload(_ generator: inout SeededGenerator) -> Workload {
        let (sender, receiver) = producerAndConsumer(object: "c0", sizes: { _ in 6...16 }, &generator)
        return Workload(
            objects: [Workload.Object(name: "c0", kind: RevocableChannelKind.self, parameters: ["capacity": 3, "maximumMessage": 16])],
            processes: [process(1, "c0", sender), process(2, "c0", receiver), process(3, "c0", [Call(process: 3, object: "c0", f: "revoke")])])
    }

    // MARK: ABA

    public static let abaTagged64 = Scenario.simulated(
        name: "aba-tagged64", kind: TreiberStackKind.self,
        summary: "Treiber stack, top = node index + 48-bit tag in one 64-bit word; a popper is slow (preempted for up to 4096 steps)",
        invariants: ["aba": ["words": [0]]], makeWorkload: { stackWorkload(tagBits: 48, &$0) })

    public static let abaTag8Broken = Scenario.simulated(
        name: "aba-tag8-broken", kind: TreiberStackKind.self,
        summary: "BROKEN: the same stack with an 8-bit tag: 256 updates in a preemption window bring the top back (A→B→A)",
        isBroken: true, invariants: ["aba": ["words": [0]]], makeWorkload: { stackWorkload(tagBits: 8, &$0) })

    /// Process 1 pushes two values, then keeps popping and pushing (each pop a window for ABA when it is the slow
    /// process); process 2 keeps popping and pushing back, two updates of the top per round.
    static func stackWorkload(tagBits: Int, _ generator: inout SeededGenerator) -> Workload {
        func call(_ process: Int, _ input: StackModel.Input) -> Call {
            let (f, value) = StackModel(objects: []).call(for: input)
            return Call(process: process, object: "s0", f: f, value: value)
        }
        var victim = [call(1, .push(1)), call(1, .push(2))]
        for round in 0..<generator.next(in: 8...12) { victim += [call(1, .pop), call(1, .push(10 + round))] }
        var antagonist = [call(2, .push(100))]
        for round in 1...300 { antagonist += [call(2, .pop), call(2, .push(100 + round))] }
        return Workload(
            objects: [Workload.Object(name: "s0", kind: TreiberStackKind.self, parameters: ["tagBits": .int(tagBits), "nodesPerProcess": 4, "processes": [1, 2]])],
            processes: [process(1, "s0", victim), process(2, "s0", antagonist)])
    }

    public static let abaMailbox64 = Scenario.simulated(
        name: "aba-mailbox-seq64", kind: SequenceMailboxKind.self,
        summary: "one-slot mailbox guarded by a 64-bit sequence number (CAS to post and to take); a taker is slow",
        invariants: ["aba": ["words": [0]]], makeWorkload: { mailboxWorkload(sequenceBits: 64, &$0) })

    public static let abaMailbox8Broken = Scenario.simulated(
        name: "aba-mailbox-seq8-broken", kind: SequenceMailboxKind.self,
        summary: "BROKEN: the same mailbox with an 8-bit sequence: it wraps inside a preemption window, a stale take succeeds",
        isBroken: true, invariants: ["aba": ["words": [0]]], makeWorkload: { mailboxWorkload(sequenceBits: 8, &$0) })

    /// Process 1 posts, processes 2 and 3 take; a slow taker's window between copying and swapping is the ABA's.
    static func mailboxWorkload(sequenceBits: Int, _ generator: inout SeededGenerator) -> Workload {
        // Posts and takes that find the box full or empty fail at once and use up their program: about a third
        // succeed, so the programs are long enough to fill the longest windows with more than 256 updates.
        let posts = (0..<1200).map { Call(process: 1, object: "b0", f: "send", value: ["data": .string("m\($0)")]) }
        let victim = (0..<generator.next(in: 12...16)).map { _ in Call(process: 2, object: "b0", f: "receive") }
        let taker = (0..<1200).map { _ in Call(process: 3, object: "b0", f: "receive") }
        return Workload(
            objects: [Workload.Object(name: "b0", kind: SequenceMailboxKind.self, parameters: ["sequenceBits": .int(sequenceBits), "buffers": 4])],
            processes: [process(1, "b0", posts), process(2, "b0", victim), process(3, "b0", taker)])
    }

    // MARK: Ordering and flow control: one producer, three receivers, receiver 2 stalled

    public static let queuesPerConsumer = Scenario.simulated(
        name: "queues-per-consumer", kind: QueuePerReceiverKind.self,
        summary: "one producer, a shared-memory queue per consumer; consumer 2 stalls, the others keep receiving",
        invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(QueuePerReceiverKind.self, ["receivers": [2, 3, 4], "capacity": 2, "maximumMessage": 16], &$0) })

    public static let holSharedRing = Scenario.simulated(
        name: "hol-shared-ring", kind: HeadOfLineRingKind.self,
        summary: "BROKEN (unfair): one shared FIFO ring for all consumers: stalled consumer 2's message at the head blocks the rest",
        isBroken: true, invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(HeadOfLineRingKind.self, ["capacity": 4, "maximumMessage": 16], &$0) })

    public static let creditsRing = Scenario.simulated(
        name: "credits-ring", kind: CreditRingKind.self,
        summary: "the shared ring with 2 credits per consumer, each consumer taking its own messages: consumer 2's stall blocks nobody",
        invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(CreditRingKind.self, ["receivers": [2, 3, 4], "credits": 2, "maximumMessage": 16], &$0) })

    static func flowWorkload(_ kind: any ObjectKind.Type, _ parameters: JSONObject, _ generator: inout SeededGenerator) -> Workload {
        let sends = generator.next(in: 7...10)
        let producer = (0..<sends).map { sequence in
            Call(process: 1, object: "r0", f: "send", value: [
                "to": .int(2 + sequence % 3),
                "data": Payload.json(PayloadMaker.make(process: 1, sequence: sequence, count: generator.next(in: 6...16), generator: &generator)),
            ])
        }
        func receiver(_ process: Int) -> [Call] {
            (0..<generator.next(in: 5...7)).map { _ in Call(process: process, object: "r0", f: "receive") }
        }
        return Workload(
            objects: [Workload.Object(name: "r0", kind: kind, parameters: parameters)],
            processes: [process(1, "r0", producer), process(2, "r0", []), process(3, "r0", receiver(3)), process(4, "r0", receiver(4))])
    }

    // MARK: The SPSC ring and the hybrid channel

    public static let spscRing = Scenario.simulated(
        name: "spsc-ring", kind: SharedRingKind.self, implementation: "reference.spsc-ring",
        summary: "shared-memory SPSC ring, release/acquire publication, producer and consumer indices on separate cache lines",
        modes: [.sim, .real], killChance: 0.004, maximumKills: 1, makeWorkload: { spscWorkload(&$0) })

    public static let spscRingBroken = Scenario.simulated(
        name: "spsc-ring-broken", kind: SharedRingKind.self, implementation: "reference.spsc-ring-publish-first",
        summary: "BROKEN: the producer publishes the new tail before writing the slot (wrong in program order)",
        isBroken: true, killChance: 0.004, maximumKills: 1, makeWorkload: { spscWorkload(&$0) })

    public static let spscRingRelaxedBroken = Scenario.simulated(
        name: "spsc-ring-relaxed-broken", kind: SharedRingKind.self, implementation: "reference.spsc-ring-relaxed-publication",
        summary: "BROKEN under weak memory: the producer publishes the new tail with a relaxed store, so the slot's stores may be seen late",
        isBroken: true, makeWorkload: { spscWorkload(&$0) })

    static func spscWorkload(_ generator: inout SeededGenerator) -> Workload {
        let (producer, consumer) = producerAndConsumer(object: "q0", sizes: { _ in 1...24 }, &generator)
        return Workload(
            objects: [Workload.Object(name: "q0", kind: SharedRingKind.self, parameters: ["capacity": 3, "maximumMessage": 24])],
            processes: [process(1, "q0", producer), process(2, "q0", consumer)])
    }

    public static let hybrid = Scenario.simulated(
        name: "hybrid", kind: HybridChannelKind.self, implementation: "reference.hybrid",
        summary: "hybrid channel: messages up to T=16 bytes by copy channel (a pipe in real mode), larger by shared memory + notification",
        modes: [.sim, .real], makeWorkload: { hybridWorkload(&$0) })

    public static let hybridBroken = Scenario.simulated(
        name: "hybrid-broken", kind: HybridChannelKind.self, implementation: "reference.hybrid-reuse-buffer",
        summary: "BROKEN: large messages reuse one staging buffer without waiting for the receiver to free it",
        isBroken: true, makeWorkload: { hybridWorkload(&$0) })

    static func hybridWorkload(_ generator: inout SeededGenerator) -> Workload {
        let (sender, receiver) = producerAndConsumer(
            object: "h0", sizes: { generator in generator.pick(weighted: [(1, 1...16), (1, 17...64)]) }, &generator)
        return Workload(
            objects: [Workload.Object(name: "h0", kind: HybridChannelKind.self, parameters: ["threshold": 16, "buffers": 2, "bufferBytes": 64, "channelCapacity": 4])],
            processes: [process(1, "h0", sender, roles: ["memory", "send:0"]), process(2, "h0", receiver, roles: ["memory", "receive:0"])])
    }

    /// Process 1 sends 4 to 8 messages of `sizes` bytes (tagged so that a lost, duplicated or reordered one
    /// shows); process 2 receives 3 more times than that.
    static func producerAndConsumer(
        object: String, sizes: (inout SeededGenerator) -> ClosedRange<Int>, _ generator: inout SeededGenerator
    ) -> (producer: [Call], consumer: [Call]) {
        let sends = generator.next(in: 4...8)
        let producer = (0..<sends).map { sequence in
            let count = generator.next(in: sizes(&generator))
            return Call(process: 1, object: object, f: "send", value: [
                "data": Payload.json(PayloadMaker.make(process: 1, sequence: sequence, count: count, generator: &generator))
            ])
        }
        return (producer, (0..<(sends + 3)).map { _ in Call(process: 2, object: object, f: "receive") })
    }

    // MARK: The seqlock

    public static let seqlock = Scenario.simulated(
        name: "seqlock", kind: SeqlockKind.self, implementation: "reference.seqlock",
        summary: "seqlock / version mailbox of 4 words: writers bump an odd version and fence, readers fence and re-check it, never a torn value",
        modes: [.sim, .real], killChance: 0.003, maximumKills: 1, makeWorkload: { seqlockWorkload(&$0) })

    public static let seqlockBroken = Scenario.simulated(
        name: "seqlock-broken", kind: SeqlockKind.self, implementation: "reference.seqlock-no-recheck",
        summary: "BROKEN: readers skip the version re-check and can return a torn value",
        isBroken: true, killChance: 0.003, maximumKills: 1, makeWorkload: { seqlockWorkload(&$0) })

    public static let seqlockNoFenceBroken = Scenario.simulated(
        name: "seqlock-no-fence-broken", kind: SeqlockKind.self, implementation: "reference.seqlock-no-fence",
        summary: "BROKEN under weak memory: readers re-check the version but without an acquire fence, so the re-check can miss a writer",
        isBroken: true, makeWorkload: { seqlockWorkload(&$0) })

    static func seqlockWorkload(_ generator: inout SeededGenerator) -> Workload {
        let writers = generator.next(in: 1...2)
        var processes: [Workload.Process] = []
        for writer in 1...writers {
            let program = (0..<generator.next(in: 3...5)).map { sequence in
                let base = writer * 1000 + sequence * 10
                return Call(process: writer, object: "m0", f: "write", value: ["words": .array((0..<4).map { .int(base + $0) })])
            }
            processes.append(process(writer, "m0", program))
        }
        for reader in (writers + 1)...(writers + 2) {
            processes.append(process(reader, "m0", (0..<generator.next(in: 4...6)).map { _ in Call(process: reader, object: "m0", f: "read") }))
        }
        return Workload(objects: [Workload.Object(name: "m0", kind: SeqlockKind.self, parameters: ["words": 4])], processes: processes)
    }
}
