@testable import IPCHarness
import IPCModels
import PropertyBased
import TestSupport
import Testing

/// The checker's way of holding states and configurations (``InternedStates``: interned ids, memoised steps, a
/// flat cache) against the first checker's (``PlainStates``), under the same search: on many generated histories, linearizable, mutated and with indeterminate operations, with
/// operations relaxed as explanations relax them, and with budgets that run out, both must reach the same
/// verdict, the same longest linearization and the same operation they could not get past.
@Suite struct SearchDifferentialTests {
    /// Both searches' outcomes on every object of `trace`, with `relax` choosing operations to relax.
    static func compare(
        _ trace: Trace, budget: CheckBudget = CheckBudget(seconds: 60, memoryBytes: 1 << 30),
        relax: (Int) -> Bool = { _ in false }, relaxedMayNotHappen: Bool = true
    ) throws -> [(plain: String, fast: String)] {
        let reader = try TraceReader(bytes: trace.serialized())
        var invariants: [any TraceInvariant] = []
        switch try TraceChecker.model(for: reader.header) {
        case let model as RegisterModel: return try compare(model, reader, &invariants, budget, relax, relaxedMayNotHappen)
        case let model as QueueModel: return try compare(model, reader, &invariants, budget, relax, relaxedMayNotHappen)
        default: throw TraceError("not a generated history")
        }
    }

    private static func compare<M: TraceModel>(
        _ model: M, _ reader: TraceReader, _ invariants: inout [any TraceInvariant], _ budget: CheckBudget,
        _ relax: (Int) -> Bool, _ relaxedMayNotHappen: Bool
    ) throws -> [(plain: String, fast: String)] {
        let history = try TraceChecker.history(model, reader: reader, invariants: &invariants)
        return history.partitions().map { object, operations in
            let explainer = ViolationExplainer(model: model, object: object, operations: operations)
            let relaxed = Set(operations.indices.filter { relax($0) && operations[$0].output != nil })
            let included = explainer.searchOperations(cutoff: nil, relaxed: relaxed, relaxedMayNotHappen: relaxedMayNotHappen)
            var plain = LinearizabilitySearch(
                holder: PlainStates(model: model), initialState: model.initialState(of: object), operations: included,
                budget: budget)
            var fast = LinearizabilitySearch(
                holder: InternedStates(table: StateTable(model: model, expectedOperations: included.count), expectedOperations: included.count),
                initialState: model.initialState(of: object), operations: included, budget: budget)
            return (describe(plain.run()), describe(fast.run()))
        }
    }

    static func describe(_ outcome: SearchOutcome) -> String {
        switch outcome {
        case .linearizable: "linearizable"
        case .notLinearizable(let progress):
            "violation \(progress.longestLinearization) stuck at \(progress.stuckOperation.map(String.init) ?? "-")"
        case .unknown(_, let reason): "unknown: " + reason.split(separator: " ").prefix(3).joined(separator: " ")
        }
    }

    static let shapes = [
        GeneratedHistory(kind: .register, operations: 12, processes: 3, objects: 1),
        GeneratedHistory(kind: .queue, operations: 12, processes: 3, objects: 1),
        GeneratedHistory(kind: .register, operations: 30, processes: 4, objects: 2, mutations: 1, deaths: 0.3),
        GeneratedHistory(kind: .queue, operations: 30, processes: 4, objects: 2, mutations: 1, deaths: 0.3),
        GeneratedHistory(kind: .queue, operations: 40, processes: 5, objects: 1, stress: true, mutations: 2),
        GeneratedHistory(kind: .register, operations: 60, processes: 6, objects: 1, stress: true, deaths: 0.2),
        GeneratedHistory(kind: .queue, operations: 120, processes: 8, objects: 3, mutations: 3, deaths: 0.1),
    ]

    @Test func bothSearchesAgreeOnGeneratedHistories() async {
        await checkProperty(count: 400, input: Gen.int(in: 0...Self.shapes.count - 1), Gen.int(in: 0...Int(Int32.max))) { which, seed in
            let shape = Self.shapes[which]
            let trace = shape.trace(seed: UInt64(seed))
            for (plain, fast) in try Self.compare(trace) {
                #expect(plain == fast, "\(shape) seed \(seed)")
            }
        }
    }

    @Test func bothSearchesAgreeWithOperationsRelaxed() async {
        await checkProperty(count: 200, input: Gen.int(in: 0...Self.shapes.count - 1), Gen.int(in: 0...Int(Int32.max)), Gen.bool) {
            which, seed, mayNotHappen in
            let shape = Self.shapes[which]
            let trace = shape.trace(seed: UInt64(seed))
            // Relax about a third of the operations, chosen by the seed.
            let relax: (Int) -> Bool = { ($0 &* 2_654_435_761 &+ seed) % 3 == 0 }
            for (plain, fast) in try Self.compare(trace, relax: relax, relaxedMayNotHappen: mayNotHappen) {
                #expect(plain == fast, "\(shape) seed \(seed), relaxed may not happen: \(mayNotHappen)")
            }
        }
    }

    @Test func bothSearchesRunOutOfTheSameBudgets() throws {
        // Wide enough to need more than one round of 1024 steps, where both look at their budgets.
        let shape = GeneratedHistory(kind: .queue, operations: 400, processes: 8, objects: 1, stress: true)
        for seed: UInt64 in 1...5 {
            let trace = shape.trace(seed: seed)
            let budgets = [CheckBudget(seconds: 0, memoryBytes: 1 << 30), CheckBudget(seconds: 60, memoryBytes: 1)]
            for budget in budgets {
                for (plain, fast) in try Self.compare(trace, budget: budget) {
                    #expect(plain == fast, "seed \(seed), budget \(budget)")
                    #expect(plain.hasPrefix("unknown") == fast.hasPrefix("unknown"))
                }
            }
        }
    }

    @Test func thePerformanceGeneratorsMutantsAreFoundByBoth() throws {
        // As gen_history.py's --mutate: a phantom value, and in the queue two receives exchanging messages.
        for kind in GeneratedHistory.Kind.allCases {
            for seed: UInt64 in 1...20 {
                var trace = GeneratedHistory(kind: kind, operations: 150, processes: 6, objects: 1).trace(seed: seed)
                guard let index = trace.events.lastIndex(where: { $0.type == .ok && $0.value != nil && ($0.f == "read" || $0.f == "receive") })
                else { continue }
                trace.events[index].value = kind == .register ? ["words": [1_000_000_007]] : ["data": "m1000000007"]
                for (plain, fast) in try Self.compare(trace) {
                    #expect(plain == fast)
                    #expect(fast.hasPrefix("violation"))
                }
            }
        }
    }

    @Test func operationNamesAreTheRecordedOnes() {
        let register = RegisterModel(objects: [("m0", 1)])
        for input: RegisterModel.Input in [.write([1]), .read] {
            #expect(register.operationName(of: input) == register.call(for: input).f)
        }
        let queue = QueueModel(capacity: 2)
        for input: QueueModel.Input in [.send(process: 1, to: nil, data: [1]), .receive(process: 1), .revoke(process: 1)] {
            #expect(queue.operationName(of: input) == queue.call(for: input).f)
        }
    }
}
