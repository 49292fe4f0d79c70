import IPCModels

/// The checker's way of holding states (see ``SearchStates``): a ``StateTable`` that numbers states and memoises
/// steps, shared by every search of one object's history, and this search's own ``ConfigurationCache``.
struct InternedStates<M: Model>: SearchStates {
    typealias SetID = StateTable<M>.SetID

    private(set) var table: StateTable<M>
    private var cache: ConfigurationCache

    init(table: StateTable<M>, expectedOperations: Int) {
        self.table = table
        self.cache = ConfigurationCache(expected: expectedOperations * 2)
    }

    var empty: SetID { StateTable<M>.empty }
    func isEmpty(_ states: SetID) -> Bool { states == StateTable<M>.empty }
    mutating func initial(_ state: M.State) -> SetID { table.intern(state) }

    mutating func step(
        _ states: SetID, operation: SearchOperation<M.Input, M.Output>, limit: Int
    ) -> (completed: SetID, partial: SetID)? {
        let next = table.step(states, operation: operation.identity, operation.input, operation.output, limit: limit)
        return next.completed == StateTable<M>.tooMany ? nil : next
    }

    mutating func abandon(_ states: SetID, operation: SearchOperation<M.Input, M.Output>) -> SetID {
        table.abandon(states, operation: operation.identity, operation.input)
    }

    mutating func remember(_ linearized: LinearizedSet, _ states: SetID) -> Bool {
        cache.insert(linearized, states: states)
    }

    var estimatedBytes: Int { cache.bytes + table.bytes }

    func coverageHash(of states: SetID) -> Int { table.coverageHash(of: states) }
}
