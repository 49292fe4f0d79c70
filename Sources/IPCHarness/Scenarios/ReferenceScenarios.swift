import IPCModels

/// Scenarios on the reference implementations of the seeds: each correct construction, and a broken twin the
/// harness must catch. They run in the simulation; those marked `sim real` also run in worker processes over
/// shared memory and kernel pipes (`--mode real`).
public enum ReferenceScenarios {
    public static let all: [Scenario] = [
        toctouCopy, toctouShm, revocationCommit, revocationEntryBroken, abaTagged64, abaTag8Broken, abaMailbox64,
        abaMailbox8Broken, queuesPerConsumer, holSharedRing, creditsRing, spscRing, spscRingBroken, hybrid, hybridBroken,
        seqlock, seqlockBroken,
    ]

    // MARK: Time of check, time of use

    static let requestLimit = 100

    public static let toctouCopy = Scenario.reference(
        name: "toctou-copy", model: SnapshotModel.name, implementation: "reference.snapshot-copy",
        summary: "a client sends requests over a copy channel (a kernel pipe in real mode) and rewrites its buffer; the service checks and uses its copy",
        modes: [.sim, .real], invariants: ["snapshot": [:]],
        makeWorkload: { toctouWorkload(&$0) }, modelParameters: SnapshotModel(limit: requestLimit, objects: [("r0", 16)]).parameters)

    public static let toctouShm = Scenario.reference(
        name: "toctou-shm", model: SnapshotModel.name, implementation: "reference.snapshot-shm",
        summary: "BROKEN: requests in shared memory: the client rewrites its request between the service's check and its use",
        isBroken: true, invariants: ["snapshot": [:]],
        makeWorkload: { toctouWorkload(&$0) }, modelParameters: SnapshotModel(limit: requestLimit, objects: [("r0", 1)]).parameters)

    /// Client 1 submits valid requests and rewrites its buffer with invalid ones after each; service 2 serves.
    static func toctouWorkload(_ generator: inout SeededGenerator) -> ReferenceWorkload {
        var client: [Call] = []
        let requests = generator.next(in: 3...6)
        for _ in 0..<requests {
            client.append(Call(process: 1, object: "r0", f: "submit", value: ["value": .int(generator.next(in: 1...requestLimit))]))
            for _ in 0..<generator.next(in: 1...2) {
                client.append(Call(process: 1, object: "r0", f: "tamper", value: ["value": .int(generator.next(in: 1_000...1_000_000))]))
            }
        }
        let service = (0..<(requests * 2 + 2)).map { _ in Call(process: 2, object: "r0", f: "serve") }
        return ReferenceWorkload(
            setup: ["limit": .int(requestLimit)], object: "r0",
            processes: [
                Workload.Process(id: 1, holds: ["r0": ["memory", "send:0"]], program: client),
                Workload.Process(id: 2, holds: ["r0": ["memory", "receive:0"]], program: service),
            ],
            channelCapacity: 16)
    }

    // MARK: Commit-time revocation

    public static let revocationCommit = Scenario.reference(
        name: "revocation-commit", model: QueueModel.name, implementation: "reference.revocable-commit",
        summary: "a capability-guarded shared-memory channel authorises each send when it commits; a third process revokes",
        modes: [.sim, .real],
        makeWorkload: { revocationWorkload(&$0) },
        modelParameters: QueueModel(objects: [("c0", .init(capacity: 3, revocable: true))]).parameters)

    public static let revocationEntryBroken = Scenario.reference(
        name: "revocation-entry-broken", model: QueueModel.name, implementation: "reference.revocable-entry",
        summary: "BROKEN: sends are authorised at entry, so a send in flight across a revoke is delivered after it",
        isBroken: true,
        makeWorkload: { revocationWorkload(&$0) },
        modelParameters: QueueModel(objects: [("c0", .init(capacity: 3, revocable: true))]).parameters)

    static func revocationWorkload(_ generator: inout SeededGenerator) -> ReferenceWorkload {
        let (sender, receiver) = producerAndConsumer(object: "c0", sizes: { _ in 6...16 }, &generator)
        return ReferenceWorkload(
            setup: ["capacity": 3, "maximumMessage": 16], object: "c0",
            processes: [
                Workload.Process(id: 1, holds: ["c0": ["memory"]], program: sender),
                Workload.Process(id: 2, holds: ["c0": ["memory"]], program: receiver),
                Workload.Process(id: 3, holds: ["c0": ["memory"]], program: [Call(process: 3, object: "c0", f: "revoke")]),
            ])
    }

    // MARK: ABA

    public static let abaTagged64 = Scenario.reference(
        name: "aba-tagged64", model: StackModel.name, implementation: "reference.treiber-stack",
        summary: "Treiber stack, top = node index + 48-bit tag in one 64-bit word; a popper is preempted for up to 2400 steps",
        invariants: ["aba": ["words": [0]]],
        makeWorkload: { stackWorkload(tagBits: 48, &$0) }, modelParameters: StackModel(objects: ["s0"]).parameters)

    public static let abaTag8Broken = Scenario.reference(
        name: "aba-tag8-broken", model: StackModel.name, implementation: "reference.treiber-stack",
        summary: "BROKEN: the same stack with an 8-bit tag: 256 updates in a preemption window bring the top back (A→B→A)",
        isBroken: true, invariants: ["aba": ["words": [0]]],
        makeWorkload: { stackWorkload(tagBits: 8, &$0) }, modelParameters: StackModel(objects: ["s0"]).parameters)

    /// Process 1 pushes two values, then pops with long pauses between reading the top and swapping it (its
    /// preemption window); process 2 keeps popping and pushing back, two updates of the top per round.
    static func stackWorkload(tagBits: Int, _ generator: inout SeededGenerator) -> ReferenceWorkload {
        var victim = [Call(process: 1, object: "s0", f: "push", value: ["value": 1]), Call(process: 1, object: "s0", f: "push", value: ["value": 2])]
        for _ in 0..<3 {
            victim.append(Call(process: 1, object: "s0", f: "pop", value: ["pause": .int(generator.next(in: 0...2400))]))
        }
        var antagonist = [Call(process: 2, object: "s0", f: "push", value: ["value": 100])]
        for round in 1...300 {
            antagonist.append(Call(process: 2, object: "s0", f: "pop"))
            antagonist.append(Call(process: 2, object: "s0", f: "push", value: ["value": .int(100 + round)]))
        }
        return ReferenceWorkload(
            setup: ["tagBits": .int(tagBits), "nodesPerProcess": 4, "processes": [1, 2]], object: "s0",
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["memory"]], program: victim),
                Workload.Process(id: 2, holds: ["s0": ["memory"]], program: antagonist),
            ])
    }

    public static let abaMailbox64 = Scenario.reference(
        name: "aba-mailbox-seq64", model: QueueModel.name, implementation: "reference.sequence-mailbox",
        summary: "one-slot mailbox guarded by a 64-bit sequence number (CAS to post and to take); a taker is preempted",
        invariants: ["aba": ["words": [0]]],
        makeWorkload: { mailboxWorkload(sequenceBits: 64, &$0) },
        modelParameters: QueueModel(objects: [("b0", .init(capacity: 1))]).parameters)

    public static let abaMailbox8Broken = Scenario.reference(
        name: "aba-mailbox-seq8-broken", model: QueueModel.name, implementation: "reference.sequence-mailbox",
        summary: "BROKEN: the same mailbox with an 8-bit sequence: it wraps inside a preemption window, a stale take succeeds",
        isBroken: true, invariants: ["aba": ["words": [0]]],
        makeWorkload: { mailboxWorkload(sequenceBits: 8, &$0) },
        modelParameters: QueueModel(objects: [("b0", .init(capacity: 1))]).parameters)

    /// Process 1 posts, processes 2 and 3 take; process 2's takes pause between copying and swapping.
    static func mailboxWorkload(sequenceBits: Int, _ generator: inout SeededGenerator) -> ReferenceWorkload {
        // Posts and takes that find the box full or empty fail at once and use up their program: about a third
        // succeed, so the programs are long enough to fill the longest windows with more than 256 updates.
        let posts = (0..<1200).map { Call(process: 1, object: "b0", f: "send", value: ["data": .string("m\($0)")]) }
        let victim = (0..<4).map { _ in
            Call(process: 2, object: "b0", f: "receive", value: ["pause": .int(generator.next(in: 0...2400))])
        }
        let taker = (0..<1200).map { _ in Call(process: 3, object: "b0", f: "receive") }
        return ReferenceWorkload(
            setup: ["sequenceBits": .int(sequenceBits), "buffers": 4], object: "b0",
            processes: [
                Workload.Process(id: 1, holds: ["b0": ["memory"]], program: posts),
                Workload.Process(id: 2, holds: ["b0": ["memory"]], program: victim),
                Workload.Process(id: 3, holds: ["b0": ["memory"]], program: taker),
            ])
    }

    // MARK: Ordering and flow control: one producer, three receivers, receiver 2 stalled

    public static let queuesPerConsumer = Scenario.reference(
        name: "queues-per-consumer", model: QueueModel.name, implementation: "reference.queue-per-receiver",
        summary: "one producer, a shared-memory queue per consumer; consumer 2 stalls, the others keep receiving",
        invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(setup: ["receivers": [2, 3, 4], "capacity": 2, "maximumMessage": 16], &$0) },
        modelParameters: QueueModel(objects: [("r0", .init(order: .perReceiver, credits: 2))]).parameters)

    public static let holSharedRing = Scenario.reference(
        name: "hol-shared-ring", model: QueueModel.name, implementation: "reference.hol-ring",
        summary: "BROKEN (unfair): one shared FIFO ring for all consumers: stalled consumer 2's message at the head blocks the rest",
        isBroken: true, invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(setup: ["capacity": 4, "maximumMessage": 16], &$0) },
        modelParameters: QueueModel(objects: [("r0", .init(order: .fifo, capacity: 4))]).parameters)

    public static let creditsRing = Scenario.reference(
        name: "credits-ring", model: QueueModel.name, implementation: "reference.credit-ring",
        summary: "the shared ring with 2 credits per consumer, each consumer taking its own messages: consumer 2's stall blocks nobody",
        invariants: ["starvation": ["bound": 3]],
        makeWorkload: { flowWorkload(setup: ["receivers": [2, 3, 4], "credits": 2, "maximumMessage": 16], &$0) },
        modelParameters: QueueModel(objects: [("r0", .init(order: .perReceiver, credits: 2))]).parameters)

    static func flowWorkload(setup: JSONValue, _ generator: inout SeededGenerator) -> ReferenceWorkload {
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
        return ReferenceWorkload(
            setup: setup, object: "r0",
            processes: [
                Workload.Process(id: 1, holds: ["r0": ["memory"]], program: producer),
                Workload.Process(id: 2, holds: ["r0": ["memory"]], program: []),
                Workload.Process(id: 3, holds: ["r0": ["memory"]], program: receiver(3)),
                Workload.Process(id: 4, holds: ["r0": ["memory"]], program: receiver(4)),
            ])
    }

    // MARK: The SPSC ring and the hybrid channel

    public static let spscRing = Scenario.reference(
        name: "spsc-ring", model: QueueModel.name, implementation: "reference.spsc-ring",
        summary: "shared-memory SPSC ring, release/acquire publication, producer and consumer indices on separate cache lines",
        modes: [.sim, .real],
        makeWorkload: { spscWorkload(&$0) }, modelParameters: QueueModel(objects: [("q0", .init(capacity: 3))]).parameters)

    public static let spscRingBroken = Scenario.reference(
        name: "spsc-ring-broken", model: QueueModel.name, implementation: "reference.spsc-ring-publish-first",
        summary: "BROKEN: the producer publishes the new tail before writing the slot (what relaxed publication permits)",
        isBroken: true,
        makeWorkload: { spscWorkload(&$0) }, modelParameters: QueueModel(objects: [("q0", .init(capacity: 3))]).parameters)

    static func spscWorkload(_ generator: inout SeededGenerator) -> ReferenceWorkload {
        let (producer, consumer) = producerAndConsumer(object: "q0", sizes: { _ in 1...24 }, &generator)
        return ReferenceWorkload(
            setup: ["capacity": 3, "maximumMessage": 24], object: "q0",
            processes: [
                Workload.Process(id: 1, holds: ["q0": ["memory"]], program: producer),
                Workload.Process(id: 2, holds: ["q0": ["memory"]], program: consumer),
            ],
            killChance: 0.004, maximumKills: 1)
    }

    public static let hybrid = Scenario.reference(
        name: "hybrid", model: QueueModel.name, implementation: "reference.hybrid",
        summary: "hybrid channel: messages up to T=16 bytes by copy channel (a pipe in real mode), larger by shared memory + notification",
        modes: [.sim, .real],
        makeWorkload: { hybridWorkload(&$0) }, modelParameters: QueueModel(objects: [("h0", .init(refusable: true))]).parameters)

    public static let hybridBroken = Scenario.reference(
        name: "hybrid-broken", model: QueueModel.name, implementation: "reference.hybrid-reuse-buffer",
        summary: "BROKEN: large messages reuse one staging buffer without waiting for the receiver to free it",
        isBroken: true,
        makeWorkload: { hybridWorkload(&$0) }, modelParameters: QueueModel(objects: [("h0", .init(refusable: true))]).parameters)

    static func hybridWorkload(_ generator: inout SeededGenerator) -> ReferenceWorkload {
        let (sender, receiver) = producerAndConsumer(
            object: "h0", sizes: { generator in generator.pick(weighted: [(1, 1...16), (1, 17...64)]) }, &generator)
        return ReferenceWorkload(
            setup: ["threshold": 16, "buffers": 2, "bufferBytes": 64], object: "h0",
            processes: [
                Workload.Process(id: 1, holds: ["h0": ["memory", "send:0"]], program: sender),
                Workload.Process(id: 2, holds: ["h0": ["memory", "receive:0"]], program: receiver),
            ],
            channelCapacity: 4)
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

    public static let seqlock = Scenario.reference(
        name: "seqlock", model: RegisterModel.name, implementation: "reference.seqlock",
        summary: "seqlock / version mailbox of 4 words: writers bump an odd version, readers re-check it and never return a torn value",
        modes: [.sim, .real],
        makeWorkload: { seqlockWorkload(&$0) }, modelParameters: RegisterModel(objects: [("m0", 4)]).parameters)

    public static let seqlockBroken = Scenario.reference(
        name: "seqlock-broken", model: RegisterModel.name, implementation: "reference.seqlock-no-recheck",
        summary: "BROKEN: readers skip the version re-check and can return a torn value",
        isBroken: true,
        makeWorkload: { seqlockWorkload(&$0) }, modelParameters: RegisterModel(objects: [("m0", 4)]).parameters)

    static func seqlockWorkload(_ generator: inout SeededGenerator) -> ReferenceWorkload {
        let writers = generator.next(in: 1...2)
        var processes: [Workload.Process] = []
        for writer in 1...writers {
            let program = (0..<generator.next(in: 3...5)).map { sequence in
                let base = writer * 1000 + sequence * 10
                return Call(process: writer, object: "m0", f: "write", value: ["words": .array((0..<4).map { .int(base + $0) })])
            }
            processes.append(Workload.Process(id: writer, holds: ["m0": ["memory"]], program: program))
        }
        for reader in (writers + 1)...(writers + 2) {
            let program = (0..<generator.next(in: 4...6)).map { _ in Call(process: reader, object: "m0", f: "read") }
            processes.append(Workload.Process(id: reader, holds: ["m0": ["memory"]], program: program))
        }
        return ReferenceWorkload(setup: ["words": 4], object: "m0", processes: processes, killChance: 0.003, maximumKills: 1)
    }
}
