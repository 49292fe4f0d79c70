import IPCHarness
import IPCMechanisms
import IPCModels
import SystemPackage

/// Small shared-memory constructions written the way a user writes theirs, for the simulation's own tests, checked
/// against the queue model (a counting semaphore is a queue of identical tokens "t", room for 64, more than any
/// scenario here gives):
///
/// - `test.futex-token`: a counting semaphore over the protocol's futex: `receive` takes a token, sleeping in `wait`
///   while there is none; `send` adds one and wakes a sleeper. Its twin `test.futex-token-lost-wakeup` never wakes
///   anybody: a taker asleep before the token comes sleeps for ever.
/// - `test.trusting-index`: `send` counts the tokens sent; `receive` counts those it took and reads the token from a
///   Swift array of four, subscripted with that count: the fifth receive traps.
/// - `test.outside-region`: every operation loads a word past the end of its region.
enum TestTokenKind: SharedMemoryKind {
    typealias Model = QueueModel
    static let name = "test-token"
    static let implementations = ["test.futex-token", "test.futex-token-lost-wakeup", "test.trusting-index", "test.outside-region"]

    static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects(of: self).map { ($0, .init(order: .fifo, capacity: 64)) })
    }

    static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: 256)
    }

    static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(memory: memory, implementation: object.implementation)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let memory: Memory
        let implementation: String

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch (implementation, input) {
            case ("test.trusting-index", .send):
                memory.wrappingAdd(8, 1, .releasing)
                return .sent
            case ("test.trusting-index", .receive):
                let taken = memory.load(16, .relaxed)
                guard memory.load(8, .acquiring) != taken else { throw .resourceTemporarilyUnavailable }
                let tokens = Array("tttt".utf8)
                memory.store(16, taken + 1, .relaxed)
                return .received([tokens[Int(taken)]])  // traps at the fifth
            case ("test.outside-region", _):
                _ = memory.load(4096, .relaxed)
                return .sent
            case (_, .receive):
                // Take a token (word 0 counts them), sleeping while there is none.
                var tokens = memory.load(0, .acquiring)
                while true {
                    if tokens == 0 {
                        memory.wait(0, whileEquals: 0)
                        tokens = memory.load(0, .acquiring)
                        continue
                    }
                    let taken = memory.compareExchange(0, expected: tokens, desired: tokens - 1, .acquiring)
                    if taken.exchanged { return .received(Array("t".utf8)) }
                    tokens = taken.original
                }
            case (_, .send):
                memory.wrappingAdd(0, 1, .releasing)
                if implementation == "test.futex-token" { memory.wake(0, count: 1) }
                return .sent
            case (_, .revoke):
                throw .invalidArgument
            }
        }
    }
}

extension TestTokenKind {
    /// Process 1 takes `rounds` tokens (sleeping until each comes, or refused while there is none); process 2 gives
    /// `rounds`.
    static func scenario(_ implementation: String, rounds: Int = 3) -> Scenario {
        Scenario.simulated(
            name: "test-\(implementation)", kind: TestTokenKind.self, implementation: implementation, summary: "",
            isBroken: implementation != "test.futex-token",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "t0", kind: TestTokenKind.self)],
                    processes: [
                        Workload.Process(id: 1, holds: ["t0": ["memory"]], program: (0..<rounds).map { _ in Call(process: 1, object: "t0", f: "receive") }),
                        Workload.Process(id: 2, holds: ["t0": ["memory"]], program: (0..<rounds).map { _ in Call(process: 2, object: "t0", f: "send", value: ["data": "t"]) }),
                    ])
            })
    }
}
