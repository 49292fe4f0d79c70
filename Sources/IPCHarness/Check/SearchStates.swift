import IPCModels

/// How a ``LinearizabilitySearch`` holds the model's states and the configurations it has explored: the part of
/// the search that decides its speed and memory, apart from the algorithm, which is the same whatever holds them.
///
/// Two holders: ``StateTable`` (interned 32-bit ids, memoised steps, a flat cache: what the checker uses) and
/// ``PlainStates`` (the model's states in arrays and a `Set` of configurations: the first checker's, kept as the
/// specification the fast one is tested against).
protocol SearchStates {
    associatedtype M: Model
    /// A set of model states: one node of the power-set construction.
    associatedtype States: Equatable

    var empty: States { get }
    func isEmpty(_ states: States) -> Bool
    mutating func initial(_ state: M.State) -> States

    /// The states that may follow when operation `operation` (its ``SearchOperation/identity``) takes effect,
    /// split into completing steps and pieces; nil when together they would hold more than `limit` states.
    mutating func step(
        _ states: States, operation: SearchOperation<M.Input, M.Output>, limit: Int
    ) -> (completed: States, partial: States)?

    /// The states after each abandons `operation` part-way.
    mutating func abandon(_ states: States, operation: SearchOperation<M.Input, M.Output>) -> States

    /// Records a configuration; false when it was recorded before.
    mutating func remember(_ linearized: LinearizedSet, _ states: States) -> Bool

    /// About how many bytes the states and configurations hold.
    var estimatedBytes: Int { get }

    /// The hash fuzzing's coverage records for a set of states.
    func coverageHash(of states: States) -> Int
}

/// The first checker's way of holding states: each node's states as an array of the model's values, every
/// configuration in a `Set` keyed by its linearized set's key and those states, nothing memoised.
struct PlainStates<M: Model>: SearchStates {
    private struct CacheKey: Hashable {
        var linearized: LinearizedSet.Key
        var states: StateSet<M.State>
    }

    let model: M
    private var cache = Set<CacheKey>()
    private(set) var estimatedBytes = 0

    init(model: M) { self.model = model }

    var empty: StateSet<M.State> { StateSet() }
    func isEmpty(_ states: StateSet<M.State>) -> Bool { states.isEmpty }
    func initial(_ state: M.State) -> StateSet<M.State> { StateSet(state) }

    func step(
        _ states: StateSet<M.State>, operation: SearchOperation<M.Input, M.Output>, limit: Int
    ) -> (completed: StateSet<M.State>, partial: StateSet<M.State>)? {
        var completed = StateSet<M.State>()
        var partial = StateSet<M.State>()
        for state in states.states {
            for step in model.step(state, operation.input, operation.output) {
                switch step {
                case .completed(let next): completed.insert(next)
                case .partial(let next): partial.insert(next)
                }
            }
            if completed.count + partial.count > limit { return nil }
        }
        return (completed, partial)
    }

    func abandon(_ states: StateSet<M.State>, operation: SearchOperation<M.Input, M.Output>) -> StateSet<M.State> {
        var abandoned = StateSet<M.State>()
        for state in states.states { abandoned.insert(model.abandon(state, operation.input)) }
        return abandoned
    }

    mutating func remember(_ linearized: LinearizedSet, _ states: StateSet<M.State>) -> Bool {
        let key = CacheKey(linearized: linearized.key, states: states)
        guard cache.insert(key).inserted else { return false }
        // The cache entry, its arrays' headers and the hash table's slack.
        var bytes = 256 + key.linearized.tail.count * 8
        for state in states.states { bytes += model.estimatedSize(of: state) }
        estimatedBytes += bytes
        return true
    }

    func coverageHash(of states: StateSet<M.State>) -> Int { states.hashValue }
}
