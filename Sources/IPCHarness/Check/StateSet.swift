/// A set of model states, used as the checker's state: nondeterministic models are checked by stepping every
/// state the history could be in at once (porcupine's power-set construction), so one search node covers every
/// nondeterministic choice made so far. Usually holds one state; kept as a small array for speed.
struct StateSet<State: Hashable>: Hashable {
    private(set) var states: [State]
    /// Built once the set is large, so inserting stays O(1).
    private var index: Set<State>?

    init() { states = [] }
    init(_ state: State) { states = [state] }

    var isEmpty: Bool { states.isEmpty }
    var count: Int { states.count }

    mutating func insert(_ state: State) {
        if index == nil {
            if states.contains(state) { return }
            states.append(state)
            if states.count >= 16 { index = Set(states) }
        } else if index!.insert(state).inserted {
            states.append(state)
        }
    }

    static func == (lhs: StateSet, rhs: StateSet) -> Bool {
        guard lhs.states.count == rhs.states.count else { return false }
        if lhs.states.count == 1 { return lhs.states[0] == rhs.states[0] }
        if let index = rhs.index { return lhs.states.allSatisfy(index.contains) }
        return lhs.states.allSatisfy(rhs.states.contains)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(states.count)
        if states.count == 1 {
            hasher.combine(states[0])
        } else {
            // Order-independent: equal sets built in different orders hash alike.
            var sum = 0
            for state in states { sum = sum &+ state.hashValue }
            hasher.combine(sum)
        }
    }
}
