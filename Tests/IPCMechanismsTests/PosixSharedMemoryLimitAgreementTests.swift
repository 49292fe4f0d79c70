import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The posix-shm model's `RLIMIT_MEMLOCK` (``MemoryLockLimit``) against the kernel: the directed sequences of
/// `SharedMemoryMemoryLimitFactsTests`, run by an unprivileged forked child (a 2-page limit, and 0), each outcome judged
/// by the model as a history of process 1 — with `"locksNothingElse"` (the child locks nothing else: the count is
/// exact) and without (the object's pages a lower bound). Plausible wrong models fail on the same outcomes.
@Suite struct PosixSharedMemoryLimitAgreementTests {
    typealias Model = PosixSharedMemoryModel
    typealias Facts = SharedMemoryMemoryLimitFactsTests
    typealias Transitions = (Model.State, Model.Input) -> [Transition<Model.State, Model.Output>]

    /// The model for the child: one 4-page object (2048 words) mapped by process 1 under `limit` bytes.
    static func model(limit: Int, exact: Bool) -> Model {
        var setup = Model.Setup(words: 2048, mapped: [1])
        setup.memoryLockLimits = [1: MemoryLockLimit(bytes: limit, locksNothingElse: exact)]
        return Model(objects: [(name: "s", setup: setup)])
    }

    /// The output a child's outcome is: `msync(MS_INVALIDATE)`'s 1 is `EBUSY`.
    static func output(_ outcome: CInt, for input: Model.Input) -> Model.Output {
        if case .sync = input { return outcome == 1 ? .failed(ErrorCode("EBUSY")) : .done }
        return outcome == 0 ? .done : .failed(ErrorCode(Errno(rawValue: outcome).name))
    }

    /// The first outcome no state the model (or `transitions`, a wrong variant of it) reaches allows, if any.
    static func disagreement(_ inputs: [Model.Input], _ outcomes: Facts.Outcomes, _ model: Model, _ transitions: Transitions? = nil) -> String? {
        guard outcomes.count == inputs.count else { return "the child gave \(outcomes.count) outcomes for \(inputs.count) calls: \(outcomes)" }
        let transitions = transitions ?? model.transitions
        var states: Set<Model.State> = [model.initialState(of: "s")]
        for (index, (input, outcome)) in zip(inputs, outcomes).enumerated() {
            let observed = output(outcome, for: input)
            let next = Set(states.flatMap { state in transitions(state, input).filter { $0.output == observed }.map(\.state) })
            if next.isEmpty {
                let state = states.first!
                let allowed = transitions(state, input).compactMap(\.output).map { model.describe(input, $0) }
                return "call \(index): kernel \(model.describe(input, observed)); the model allows \(allowed) from \(model.describe(state))"
            }
            states = next
        }
        return nil
    }

    @Test func theKernelsOutcomesUnderALimitAreTheModels() throws {
        let two = try Facts.withObject("memlock-agree-two", Facts.twoPages)
        let zero = try Facts.withObject("memlock-agree-zero", Facts.zero)
        for exact in [true, false] {
            #expect(Self.disagreement(Facts.twoPagesInputs, two, Self.model(limit: 2 * 4096, exact: exact)) == nil)
            #expect(Self.disagreement(Facts.zeroInputs, zero, Self.model(limit: 0, exact: exact)) == nil)
        }
    }

    /// Wrong beliefs the same outcomes refute: a re-lock counting the locked pages again; `EPERM` past a limit that is
    /// not 0; `MAP_LOCKED` failing `ENOMEM` as `mlock` does; `mlockall(MCL_CURRENT)` counting the locked pages only.
    @Test func wrongModelsDisagreeWithTheKernel() throws {
        let two = try Facts.withObject("memlock-wrong", Facts.twoPages)
        try #require(two == Facts.twoPagesExpected)
        let model = Self.model(limit: 2 * 4096, exact: true)
        func lockedPages(_ state: Model.State) -> Int { state.mappings[1]?.reduce(0) { $0 + $1.locked.count } ?? 0 }
        let relockCountedTwice: Transitions = { state, input in
            if case .lock(_, .lock(let pages, let flags)) = input, flags?.otherBits ?? 0 == 0,
                lockedPages(state) + PosixSharedMemoryMapping.lockRange(pages).count > 2 {
                return [Transition(.failed(.ENOMEM), state)]
            }
            return model.transitions(state, input)
        }
        func renaming(_ from: ErrorCode, _ to: ErrorCode) -> Transitions {
            { state, input in
                model.transitions(state, input).map { transition in
                    transition.output == .failed(from) ? Transition(.failed(to), transition.state) : transition
                }
            }
        }
        let lockAllCountsLockedPagesOnly: Transitions = { state, input in
            let transitions = model.transitions(state, input)
            guard case .lock(_, .lockAll(let flags)) = input, flags.current, lockedPages(state) <= 2 else { return transitions }
            var next = state
            next.mappings[1] = state.mappings[1]?.map { mapping in
                var mapping = mapping
                mapping.locked = Set(mapping.pages.indices.filter { mapping.pages[$0] != nil })
                return mapping
            }
            return [Transition(.done, next)]
        }
        #expect(Self.disagreement(Facts.twoPagesInputs, two, model, relockCountedTwice) != nil)
        #expect(Self.disagreement(Facts.twoPagesInputs, two, model, renaming(.ENOMEM, .EPERM)) != nil)
        #expect(Self.disagreement(Facts.twoPagesInputs, two, model, renaming(.EAGAIN, .ENOMEM)) != nil)
        #expect(Self.disagreement(Facts.twoPagesInputs, two, model, lockAllCountsLockedPagesOnly) != nil)
        // And the model itself, given a limit the child did not have (3 pages), disagrees too.
        #expect(Self.disagreement(Facts.twoPagesInputs, two, Self.model(limit: 3 * 4096, exact: true)) != nil)
    }
}
