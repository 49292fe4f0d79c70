import IPCHarness
import IPCModels

/// The example's scenarios: each correct implementation beside its broken twin, under the faults that matter to
/// it. A scenario says which kind of object a run uses, which implementation it runs, and how the seed makes a
/// workload (who holds what, each process's program in the model's typed inputs).
public enum ExampleScenarios {
    /// Signals arriving while a receiver waits (without `SA_RESTART`, so its `read` fails `EINTR`; with it, or
    /// with a short count), and `EINTR` injected into the first call of an operation at the libc boundary.
    public static let interruptions = FaultOptions(kinds: [.eintr, .signal, .signalRestart], rate: 0.3)
    /// Holders killed before, during and after their operations.
    public static let kills = FaultOptions(kinds: [.kill], killRate: 0.2)

    public static let framedChannel = framing(
        "example-framed-channel", "example.framed-channel",
        "a sender sends 3-8 messages of 1 B to 64 KB over the framed channel; a receiver takes each whole")

    public static let fragileFramedChannel = framing(
        "example-fragile-framed-channel", "example.fragile-framed-channel",
        "BROKEN under signals: the receiver's read loop takes EINTR for the end of the stream", isBroken: true)

    public static let tokenPool = pool(
        "example-token-pool", "example.pool-sysv-undo",
        "2-4 processes acquire and release 1-2 tokens of a pool on a SEM_UNDO semaphore; holders are killed")

    public static let leakyTokenPool = pool(
        "example-leaky-token-pool", "example.pool-posix-sem",
        "BROKEN under kills: the pool on a POSIX semaphore loses the token of a holder killed before it releases",
        isBroken: true)

    public static let all = [framedChannel, fragileFramedChannel, tokenPool, leakyTokenPool]

    static func framing(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false) -> Scenario {
        Scenario.real(
            name: name, kind: FramedChannelKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            defaultFaults: interruptions,
            makeWorkload: { generator in
                let model = QueueModel()
                let sizes = (0..<generator.next(in: 3...8)).map { _ in
                    generator.chance(0.5) ? generator.next(in: 1...64) : generator.next(in: 1...65_536)
                }
                let messages = sizes.enumerated().map { sequence, size in
                    PayloadMaker.make(process: 1, sequence: sequence, count: size, generator: &generator)
                }
                return Workload(
                    objects: [Workload.Object(name: "c0", kind: FramedChannelKind.self)],
                    processes: [
                        Workload.Process(id: 1, holds: ["c0": ["send"]], model: model, program: messages.map { message in
                            ("c0", .send(process: 1, to: nil, data: message))
                        }),
                        Workload.Process(id: 2, holds: ["c0": ["receive"]], model: model, program: messages.map { _ in
                            ("c0", .receive(process: 2))
                        }),
                    ])
            })
    }

    static func pool(_ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false) -> Scenario {
        Scenario.real(
            name: name, kind: TokenPoolKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            defaultFaults: kills,
            makeWorkload: { generator in
                let model = TokenPoolModel(pools: [])
                let tokens = generator.next(in: 1...2)
                let processes = (1...generator.next(in: 2...4)).map { process in
                    let program = (0..<generator.next(in: 2...5)).flatMap { _ -> [(object: String, input: TokenPoolModel.Input)] in
                        [("t0", .acquire(process: process)), ("t0", .release(process: process))]
                    }
                    return Workload.Process(id: process, holds: ["t0": ["use"]], model: model, program: program)
                }
                return Workload(
                    objects: [Workload.Object(name: "t0", kind: TokenPoolKind.self, parameters: ["tokens": .int(tokens)])],
                    processes: processes)
            })
    }
}

/// Everything the example adds to the harness, given to its worker, its command line and its tests alike.
public enum ExampleComponents {
    public static let all = HarnessComponents(
        kinds: [FramedChannelKind.self, TokenPoolKind.self, LockFreeStackKind.self, OneSlotMailboxKind.self, HandoffSlotKind.self],
        clients: [ExampleClients.framingReader],
        scenarios: ExampleScenarios.all + [ExampleClients.framingReaderScenario] + SharedMemoryExampleScenarios.all)
}
