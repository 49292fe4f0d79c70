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

/// Which operations are already linearized: a bit set whose cache key leaves out the leading all-ones words.
/// Linearization proceeds roughly in history order, so the key stays a few words long however long the history.
struct LinearizedSet {
    struct Key: Hashable {
        var fullWords: Int32
        var tail: [UInt64]
    }

    private var words: [UInt64]
    private var firstIncompleteWord = 0
    private var lastNonzeroWord = -1

    init(count: Int) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    mutating func insert(_ index: Int) {
        let word = index >> 6
        words[word] |= 1 << UInt64(index & 63)
        if word > lastNonzeroWord { lastNonzeroWord = word }
        while firstIncompleteWord < words.count && words[firstIncompleteWord] == ~0 { firstIncompleteWord += 1 }
    }

    mutating func remove(_ index: Int) {
        let word = index >> 6
        words[word] &= ~(1 << UInt64(index & 63))
        if word < firstIncompleteWord { firstIncompleteWord = word }
        while lastNonzeroWord >= 0 && words[lastNonzeroWord] == 0 { lastNonzeroWord -= 1 }
    }

    var key: Key {
        let tail = lastNonzeroWord >= firstIncompleteWord ? Array(words[firstIncompleteWord...lastNonzeroWord]) : []
        return Key(fullWords: Int32(firstIncompleteWord), tail: tail)
    }
}
