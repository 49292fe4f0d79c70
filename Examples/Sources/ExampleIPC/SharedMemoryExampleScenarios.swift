import IPCHarness
import IPCModels

/// The user's shared-memory constructions under the simulation, each correct one beside its broken twin. The
/// workloads give the bug its chance: one process is the victim (a pop or a take that can be preempted between
/// reading the word and swapping it) and another keeps updating the word, so that a preemption window holds
/// enough updates to bring it back to the value the victim read. The `aba` invariant watches that word (offset 0)
/// and says, on a violation, when it came back. The correct twins also run in worker processes (`--mode real`), the
/// same code over a `MAP_SHARED` memory file.
public enum SharedMemoryExampleScenarios {
    public static let stack = stackScenario(
        "example-stack", "example.stack", "the user's Treiber stack with a 48-bit tag on its top word", modes: [.sim, .real])
    public static let untaggedStack = stackScenario(
        "example-stack-untagged", "example.stack-untagged", "BROKEN: the user's Treiber stack without a tag: ABA", isBroken: true)
    public static let mailbox = mailboxScenario(
        "example-mailbox", "example.mailbox", "the user's one-slot mailbox with a 64-bit sequence", modes: [.sim, .real])
    public static let mailboxSequence8 = mailboxScenario(
        "example-mailbox-seq8", "example.mailbox-seq8", "BROKEN: the user's one-slot mailbox with an 8-bit sequence: it wraps, a stale take succeeds",
        isBroken: true)

    public static let handoff = handoffScenario(
        "example-handoff", "example.handoff", "the user's SPSC hand-off slot, its flag raised with a releasing store", modes: [.sim, .real])
    public static let relaxedHandoff = handoffScenario(
        "example-handoff-relaxed", "example.handoff-relaxed",
        "BROKEN under weak memory: the user's hand-off slot raises its flag with a relaxed store; the message can be seen late",
        isBroken: true)

    public static let all = [stack, untaggedStack, mailbox, mailboxSequence8, handoff, relaxedHandoff]

    /// Process 1 hands 12 messages over, process 2 takes; a put or take that finds the slot full or empty fails at
    /// once and uses up its call, so both programs are longer than the messages.
    static func handoffScenario(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false, modes: [Scenario.Mode] = [.sim]
    ) -> Scenario {
        Scenario.simulated(
            name: name, kind: HandoffSlotKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            modes: modes,
            makeWorkload: { generator in
                let puts = (0..<generator.next(in: 12...24)).map { Call(process: 1, object: "h0", f: "send", value: ["data": .string("m\($0)")]) }
                let takes = (0..<puts.count * 2).map { _ in Call(process: 2, object: "h0", f: "receive") }
                return Workload(
                    objects: [Workload.Object(name: "h0", kind: HandoffSlotKind.self)],
                    processes: [
                        Workload.Process(id: 1, holds: ["h0": ["memory"]], program: puts),
                        Workload.Process(id: 2, holds: ["h0": ["memory"]], program: takes),
                    ])
            })
    }

    /// Process 1 pushes two values, then pops and pushes; process 2 pops and pushes back, two updates of the top
    /// each round.
    static func stackScenario(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false, modes: [Scenario.Mode] = [.sim]
    ) -> Scenario {
        Scenario.simulated(
            name: name, kind: LockFreeStackKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            modes: modes,
            invariants: ["aba": ["words": [0]]],
            makeWorkload: { generator in
                let model = StackModel(objects: [])
                func call(_ process: Int, _ input: StackModel.Input) -> Call {
                    let (f, value) = model.call(for: input)
                    return Call(process: process, object: "s0", f: f, value: value)
                }
                var victim = [call(1, .push(1)), call(1, .push(2))]
                for round in 0..<generator.next(in: 8...12) { victim += [call(1, .pop), call(1, .push(10 + round))] }
                var antagonist = [call(2, .push(100))]
                for round in 1...300 { antagonist += [call(2, .pop), call(2, .push(100 + round))] }
                return Workload(
                    objects: [Workload.Object(name: "s0", kind: LockFreeStackKind.self, parameters: ["processes": [1, 2], "nodesPerProcess": 4])],
                    processes: [
                        Workload.Process(id: 1, holds: ["s0": ["memory"]], program: victim),
                        Workload.Process(id: 2, holds: ["s0": ["memory"]], program: antagonist),
                    ])
            })
    }

    /// Process 1 posts, processes 2 and 3 take. Posts and takes that find the box full or empty fail at once, so
    /// the programs are long enough to fill a window with more than 256 updates.
    static func mailboxScenario(
        _ name: String, _ implementation: String, _ summary: String, isBroken: Bool = false, modes: [Scenario.Mode] = [.sim]
    ) -> Scenario {
        Scenario.simulated(
            name: name, kind: OneSlotMailboxKind.self, implementation: implementation, summary: summary, isBroken: isBroken,
            modes: modes,
            invariants: ["aba": ["words": [0]]],
            makeWorkload: { generator in
                let posts = (0..<1200).map { Call(process: 1, object: "b0", f: "send", value: ["data": .string("m\($0)")]) }
                let victim = (0..<generator.next(in: 12...16)).map { _ in Call(process: 2, object: "b0", f: "receive") }
                let taker = (0..<1200).map { _ in Call(process: 3, object: "b0", f: "receive") }
                return Workload(
                    objects: [Workload.Object(name: "b0", kind: OneSlotMailboxKind.self)],
                    processes: [
                        Workload.Process(id: 1, holds: ["b0": ["memory"]], program: posts),
                        Workload.Process(id: 2, holds: ["b0": ["memory"]], program: victim),
                        Workload.Process(id: 3, holds: ["b0": ["memory"]], program: taker),
                    ])
            })
    }
}
