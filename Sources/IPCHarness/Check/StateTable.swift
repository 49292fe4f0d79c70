import IPCModels

/// Every model state and every set of states the search meets, numbered, and what each operation does to each
/// set, remembered.
///
/// This is how every model gets a compact state encoding with a cheap hash without writing one: a state is
/// hashed once, when first met, and from then on the search holds it as a 32-bit id; a set of states (the
/// power-set construction's node) is one id as well. So the configuration cache compares and hashes a few words
/// whatever the model's state holds (a queue's payloads, a pipe's bytes), and the search's frames hold no
/// reference-counted values. Stepping is memoised by (state set, operation): the backtracking search applies the
/// same operation to the same states under many linearized sets, and the model is asked once. One table serves
/// every search of an object's history (the check, then each search explaining a violation), which meet the same
/// states and operations again: operations are keyed by their ``SearchOperation/identity`` and whether their
/// output is known.
///
/// Set ids: a set of one state is that state's id (≥ 0); ``empty`` is -1; larger sets are -2, -3, ...
struct StateTable<M: Model> {
    typealias SetID = Int32

    static var empty: SetID { -1 }
    /// The memo's mark for "more than the maximum number of states".
    static var tooMany: SetID { Int32.min }

    let model: M
    private(set) var states: [M.State] = []
    /// Each state's hash, and an open-addressing index of state ids by hash (-1: empty slot). Not a
    /// `Dictionary<State, Int32>`: it compares the key at every occupied slot it probes, and comparing two queue
    /// states retains and releases every message; here states are compared only when their full hashes agree.
    private var hashes: [Int] = []
    private var index: [Int32]
    private var indexMask: Int
    /// The members of sets of several states, sorted, one after another; `setRanges[k]` is set -2-k's.
    private var setMembers: [Int32] = []
    private var setRanges: [(start: Int32, count: Int32)] = []
    private var setIDs: [[Int32]: SetID] = [:]
    private var memo: WordTable
    /// Scratch space for building successor sets, and per state the step that last added it to each (so a
    /// step adds a state once without hashing it again).
    private var scratchCompleted: [Int32] = []
    private var scratchPartial: [Int32] = []
    private var completedMarks: [UInt32] = []
    private var partialMarks: [UInt32] = []
    private var generation: UInt32 = 0
    private var stateBytes = 0

    init(model: M, expectedOperations: Int) {
        self.model = model
        memo = WordTable(expected: expectedOperations)
        var size = 64
        while size < expectedOperations * 2 { size <<= 1 }
        index = [Int32](repeating: -1, count: size)
        indexMask = size - 1
    }

    /// About how many bytes the table holds.
    var bytes: Int {
        stateBytes + states.capacity * (MemoryLayout<M.State>.stride + 16) + index.count * 4
            + setMembers.capacity * 4 + setRanges.count * 40 + memo.bytes
            + completedMarks.capacity * 8
    }

    /// The id of `state`, numbering it if it is new.
    mutating func intern(_ state: M.State) -> Int32 {
        let hash = state.hashValue
        var slot = hash & indexMask
        while true {
            let found = index[slot]
            if found < 0 { break }
            if hashes[Int(found)] == hash && states[Int(found)] == state { return found }
            slot = (slot + 1) & indexMask
        }
        let id = Int32(states.count)
        states.append(state)
        hashes.append(hash)
        index[slot] = id
        if states.count * 2 > index.count { growIndex() }
        completedMarks.append(0)
        partialMarks.append(0)
        stateBytes += model.estimatedSize(of: state)
        return id
    }

    private mutating func growIndex() {
        index = [Int32](repeating: -1, count: index.count * 2)
        indexMask = index.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = hash & indexMask
            while index[slot] >= 0 { slot = (slot + 1) & indexMask }
            index[slot] = Int32(id)
        }
    }

    /// How many states `set` holds.
    @inline(__always) func count(of set: SetID) -> Int {
        set >= 0 ? 1 : set == Self.empty ? 0 : Int(setRanges[Int(-2 - set)].count)
    }

    /// The `index`th state id of `set`.
    @inline(__always) func member(_ index: Int, of set: SetID) -> Int32 {
        set >= 0 ? set : setMembers[Int(setRanges[Int(-2 - set)].start) + index]
    }

    /// The states of `set`.
    func members(of set: SetID) -> [M.State] {
        (0..<count(of: set)).map { states[Int(member($0, of: set))] }
    }

    /// The id of the set of states the step being built added to its completed (or partial) scratch set.
    private mutating func internScratch(partial: Bool) -> SetID {
        var ids = partial ? scratchPartial : scratchCompleted
        switch ids.count {
        case 0: return Self.empty
        case 1: return ids[0]
        default:
            ids.sort()
            if let id = setIDs[ids] { return id }
            let id = SetID(-2 - setRanges.count)
            setRanges.append((Int32(setMembers.count), Int32(ids.count)))
            setMembers.append(contentsOf: ids)
            setIDs[ids] = id
            return id
        }
    }

    /// The sets of states that may follow `set` when `input` takes effect with `output` (operation `operation`
    /// of the history, which the memo is keyed by): completing steps and pieces. `tooMany` as the completed set
    /// when together they would hold more than `limit` states.
    mutating func step(
        _ set: SetID, operation: Int, _ input: M.Input, _ output: M.Output?, limit: Int
    ) -> (completed: SetID, partial: SetID) {
        let key = UInt64(UInt32(bitPattern: set)) << 32 | UInt64(operation) << 2 | (output == nil ? 1 : 0)
        if let found = memo[key] { return Self.unpack(found) }
        nextGeneration()
        var result: (completed: SetID, partial: SetID)?
        for index in 0..<count(of: set) {
            let state = states[Int(member(index, of: set))]
            for next in model.step(state, input, output) {
                switch next {
                case .completed(let after): add(intern(after), partial: false)
                case .partial(let after): add(intern(after), partial: true)
                }
            }
            if scratchCompleted.count + scratchPartial.count > limit {
                result = (Self.tooMany, Self.empty)
                break
            }
        }
        let outcome = result ?? (internScratch(partial: false), internScratch(partial: true))
        memo.insert(key, Self.pack(outcome))
        return outcome
    }

    /// The set of states after each state of `set` abandons `input` part-way (operation `operation`).
    mutating func abandon(_ set: SetID, operation: Int, _ input: M.Input) -> SetID {
        let key = UInt64(UInt32(bitPattern: set)) << 32 | UInt64(operation) << 2 | 2
        if let found = memo[key] { return Self.unpack(found).completed }
        nextGeneration()
        for index in 0..<count(of: set) {
            add(intern(model.abandon(states[Int(member(index, of: set))], input)), partial: false)
        }
        let outcome = internScratch(partial: false)
        memo.insert(key, Self.pack((outcome, Self.empty)))
        return outcome
    }

    /// Starts building a step's sets: no state is marked as added to them.
    private mutating func nextGeneration() {
        if generation == UInt32.max {
            // Wrapped: an old mark could pass for the new generation's.
            for index in completedMarks.indices {
                completedMarks[index] = 0
                partialMarks[index] = 0
            }
            generation = 0
        }
        generation += 1
        scratchCompleted.removeAll(keepingCapacity: true)
        scratchPartial.removeAll(keepingCapacity: true)
    }

    /// Adds a state to the scratch set being built, once.
    @inline(__always)
    private mutating func add(_ id: Int32, partial: Bool) {
        if partial {
            guard partialMarks[Int(id)] != generation else { return }
            partialMarks[Int(id)] = generation
            scratchPartial.append(id)
        } else {
            guard completedMarks[Int(id)] != generation else { return }
            completedMarks[Int(id)] = generation
            scratchCompleted.append(id)
        }
    }

    private static func pack(_ sets: (completed: SetID, partial: SetID)) -> UInt64 {
        UInt64(UInt32(bitPattern: sets.completed)) | UInt64(UInt32(bitPattern: sets.partial)) << 32
    }

    private static func unpack(_ word: UInt64) -> (completed: SetID, partial: SetID) {
        (Int32(bitPattern: UInt32(truncatingIfNeeded: word)), Int32(bitPattern: UInt32(truncatingIfNeeded: word >> 32)))
    }

    /// The hash the fuzzer's coverage records for a set: as ``StateSet``'s, so figures stay comparable.

    func coverageHash(of set: SetID) -> Int {
        var hasher = Hasher()
        let count = count(of: set)
        hasher.combine(count)
        if count == 1 {
            hasher.combine(states[Int(member(0, of: set))])
        } else {
            var sum = 0
            for index in 0..<count { sum = sum &+ states[Int(member(index, of: set))].hashValue }
            hasher.combine(sum)
        }
        return hasher.finalize()
    }
}
