import CIPCShims
import Glibc
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// The posix-shm model's `RLIMIT_MEMLOCK` (``MemoryLockLimit``) against the kernel: the directed sequences of
/// `SharedMemoryMemoryLimitFactsTests`, run by an unprivileged forked child (a 2-page limit, and 0), each outcome judged
/// by the model as a history of process 1 — with `"locksNothingElse"` (the child locks nothing else: the count is
/// exact) and without (the object's pages a lower bound), `setrlimit` in mid-sequence among them; and random sequences
/// of the same calls (``randomSequencesUnderALimitAgree()``). Plausible wrong models fail on the same outcomes.
@Suite struct PosixSharedMemoryLimitAgreementTests {
    typealias Model = PosixSharedMemoryModel
    typealias Facts = SharedMemoryMemoryLimitFactsTests
    typealias Transitions = (Model.State, Model.Input) -> [Transition<Model.State, Model.Output>]

    /// The model for the child: one 4-page object (2048 words) mapped by process 1 under `limit` bytes.
    static func model(limit: Int, exact: Bool, hard: Int? = nil, capSysResource: Bool? = nil) -> Model {
        var setup = Model.Setup(words: 2048, mapped: [1])
        setup.memoryLockLimits = [1: MemoryLockLimit(bytes: limit, locksNothingElse: exact, hard: hard, capSysResource: capSysResource)]
        return Model(objects: [(name: "s", setup: setup)])
    }

    /// The output a child's outcome is: `msync(MS_INVALIDATE)`'s 1 is `EBUSY`.
    static func output(_ outcome: CInt, for input: Model.Input) -> Model.Output {
        if case .sync = input, outcome == 0 || outcome == 1 { return outcome == 1 ? .failed(ErrorCode("EBUSY")) : .done }
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
        let lowered = try Facts.withObject("memlock-agree-lowered", Facts.lowered)
        for exact in [true, false] {
            #expect(Self.disagreement(Facts.twoPagesInputs, two, Self.model(limit: 2 * 4096, exact: exact)) == nil)
            #expect(Self.disagreement(Facts.zeroInputs, zero, Self.model(limit: 0, exact: exact)) == nil)
            // setrlimit in mid-sequence: judged exactly with the hard limit and CAP_SYS_RESOURCE known, loosely without.
            #expect(Self.disagreement(Facts.loweredInputs, lowered, Self.model(limit: 4 * 4096, exact: exact, hard: 8 * 4096, capSysResource: false)) == nil)
            #expect(Self.disagreement(Facts.loweredInputs, lowered, Self.model(limit: 4 * 4096, exact: exact)) == nil)
        }
    }

    /// Wrong beliefs about `setrlimit` in mid-sequence that the kernel's outcomes refute: lowering the soft limit below
    /// the locked pages fails (`EINVAL`); a re-lock of locked pages needs no room; a hard limit may be raised again; the
    /// setrlimit changes nothing until the next process.
    @Test func wrongModelsOfSetrlimitDisagreeWithTheKernel() throws {
        let lowered = try Facts.withObject("memlock-wrong-lowered", Facts.lowered)
        try #require(lowered == Facts.loweredExpected)
        let model = Self.model(limit: 4 * 4096, exact: true, hard: 8 * 4096, capSysResource: false)
        func lockedPages(_ state: Model.State) -> Int { state.mappings[1]?.reduce(0) { $0 + $1.locked.count } ?? 0 }
        let loweringBelowLockedFails: Transitions = { state, input in
            if case .setMemoryLockLimit(_, let soft, _) = input, soft / 4096 < lockedPages(state) { return [Transition(.failed(.EINVAL), state)] }
            return model.transitions(state, input)
        }
        let relockNeedsNoRoom: Transitions = { state, input in
            if case .lock(_, .lock(let pages, let flags)) = input, flags?.otherBits ?? 0 == 0, state.memoryLockLimits[1]?.bytes != 0,
                let mapping = state.mappings[1]?.last, PosixSharedMemoryMapping.lockRange(pages).allSatisfy(mapping.locked.contains) {
                return [Transition(.done, state)]
            }
            return model.transitions(state, input)
        }
        let hardLimitRaisable: Transitions = { state, input in
            guard case .setMemoryLockLimit(_, let soft, let hard) = input, soft <= hard else { return model.transitions(state, input) }
            var next = state
            next.memoryLockLimits[1]?.bytes = soft
            next.memoryLockLimits[1]?.hard = hard
            return [Transition(.done, next)]
        }
        let setrlimitIgnored: Transitions = { state, input in
            let transitions = model.transitions(state, input)
            guard case .setMemoryLockLimit = input else { return transitions }
            return transitions.map { Transition($0.output, state) }
        }
        #expect(Self.disagreement(Facts.loweredInputs, lowered, model) == nil)
        #expect(Self.disagreement(Facts.loweredInputs, lowered, model, loweringBelowLockedFails) != nil)
        #expect(Self.disagreement(Facts.loweredInputs, lowered, model, relockNeedsNoRoom) != nil)
        #expect(Self.disagreement(Facts.loweredInputs, lowered, model, hardLimitRaisable) != nil)
        #expect(Self.disagreement(Facts.loweredInputs, lowered, model, setrlimitIgnored) != nil)
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

    // MARK: Random sequences

    /// One call of a random sequence, on the newest of the child's mappings (each 4 pages of the object).
    enum Step: Hashable, Sendable {
        case lock(first: Int, count: Int, onFault: Bool)
        case unlock(first: Int, count: Int)
        /// `mmap` of 4 pages, with `MAP_LOCKED` or not (after `MCL_FUTURE` it counts all the same).
        case map(locked: Bool)
        /// `munmap` of the newest mapping.
        case unmap
        case lockAll(Int)
        case unlockAll
        case setLimit(soft: Int, hard: Int)
        /// `msync(MS_INVALIDATE)` of a page: `EBUSY` where it is locked.
        case invalidate(page: Int)
    }

    static let page = 4096
    static let softLimits = [0, 100, page, 2 * page, 3 * page, 4 * page, 8 * page, MemoryLockLimit.unlimited]
    static let hardLimits = [page, 2 * page, 4 * page, 8 * page, 16 * page, MemoryLockLimit.unlimited]
    /// `mlockall`'s flags: the bits and the model's. `MCL_ONFAULT` is 4; 0 fails `EINVAL`.
    static let lockAllFlags: [(CInt, Model.LockFlags)] = [
        (CInt(MCL_CURRENT), .init(current: true)), (CInt(MCL_FUTURE), .init(future: true)),
        (CInt(MCL_CURRENT | MCL_FUTURE), .init(current: true, future: true)), (CInt(MCL_FUTURE) | 4, .init(future: true, onFault: true)), (0, .init()),
    ]

    /// A step from three random numbers (kind 0…9, a and b 0…7).
    static func step(_ kind: Int, _ a: Int, _ b: Int) -> Step {
        let first = a % 4
        switch kind {
        case 0, 1: return .lock(first: first, count: b % (5 - first), onFault: kind == 1)
        case 2: return .unlock(first: first, count: b % (5 - first))
        case 3, 4: return .map(locked: kind == 3)
        case 5: return .unmap
        case 6: return .lockAll(a % lockAllFlags.count)
        case 7: return .unlockAll
        case 8: return .setLimit(soft: softLimits[a], hard: hardLimits[b % hardLimits.count])
        default: return .invalidate(page: first)
        }
    }

    /// The model's input for a step (process 1).
    static func input(_ step: Step) -> Model.Input {
        switch step {
        case .lock(let first, let count, let onFault):
            return .lock(process: 1, .lock(.init(first: first, count: count), flags: onFault ? .init(onFault: true) : nil))
        case .unlock(let first, let count): return .lock(process: 1, .unlock(.init(first: first, count: count)))
        case .map(let locked):
            var opening = Model.Opening()
            opening.mapFlags = locked ? .locked : []
            opening.length = 4 * page
            return .open(process: 1, opening)
        case .unmap: return .unmap(process: 1)
        case .lockAll(let index): return .lock(process: 1, .lockAll(lockAllFlags[index].1))
        case .unlockAll: return .lock(process: 1, .unlockAll)
        case .setLimit(let soft, let hard): return .setMemoryLockLimit(process: 1, soft: soft, hard: hard)
        case .invalidate(let page): return .sync(process: 1, .init(first: page, count: 1), .init(invalidate: true))
        }
    }

    /// Runs `steps` in an unprivileged child (soft limit `soft`, hard 8 pages), as the worker would: on the newest
    /// mapping, and without one the worker's answers (no call). `msync`'s `EBUSY` is recorded as 1.
    /// The soft limits stay within 8 pages (a hard limit is never raised), so `mlockall(MCL_CURRENT)` never locks the
    /// whole test process's memory in the child: it fails `ENOMEM`.
    static func run(_ steps: [Step], soft: Int) throws -> Facts.Outcomes {
        try Facts.withObject("memlock-random") { base, fd in
            let mappings = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: steps.count + 1)
            defer { mappings.deallocate() }
            mappings[0] = base
            return Facts.outcomesInChild(limit: soft, hard: 8 * page) { record in
                var count = 1
                for step in steps {
                    let newest: UnsafeMutableRawPointer? = count > 0 ? mappings[count - 1] : nil
                    switch step {
                    case .lock(let first, let pages, let onFault):
                        guard let newest else { record(pages == 0 ? 0 : ENOMEM); continue }
                        let address = newest + first * page
                        record(Facts.outcome(onFault ? ipc_mlock2(address, pages * page, 1) : mlock(address, pages * page)))
                    case .unlock(let first, let pages):
                        guard let newest else { record(pages == 0 ? 0 : ENOMEM); continue }
                        record(Facts.outcome(munlock(newest + first * page, pages * page)))
                    case .map(let locked):
                        let address = mmap(nil, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | (locked ? MAP_LOCKED : 0), fd, 0)
                        guard let address, address != MAP_FAILED else { record(errno); continue }
                        mappings[count] = address
                        count += 1
                        record(0)
                    case .unmap:
                        guard let newest else { record(EINVAL); continue }
                        record(Facts.outcome(munmap(newest, 4 * page)))
                        count -= 1
                    case .lockAll(let index): record(Facts.outcome(mlockall(lockAllFlags[index].0)))
                    case .unlockAll: record(Facts.outcome(munlockall()))
                    case .setLimit(let soft, let hard):
                        record(Facts.limited(soft: soft == MemoryLockLimit.unlimited ? nil : soft, hard: hard == MemoryLockLimit.unlimited ? nil : hard))
                    case .invalidate(let first):
                        guard let newest else { record(ENOMEM); continue }
                        record(msync(newest + first * page, page, MS_INVALIDATE) == 0 ? 0 : errno == EBUSY ? 1 : errno)
                    }
                }
            }
        }
    }

    /// The model for a random sequence: the child's limits known exactly (it locks nothing else, its hard limit is 8
    /// pages and it has no `CAP_SYS_RESOURCE`).
    static func randomModel(soft: Int) -> Model { model(limit: soft, exact: true, hard: 8 * page, capSysResource: false) }

    /// Random sequences of locks, unlocks, `MAP_LOCKED` and plain maps, unmaps, `mlockall` and `munlockall`, and
    /// `setrlimit` of soft and hard limits (`RLIM_INFINITY` too), from a random soft limit, run by an unprivileged
    /// child: the model judges every outcome. A disagreement counts only when a second run repeats it.
    @Test func randomSequencesUnderALimitAgree() async {
        let steps = zip(Gen.int(in: 0...9), Gen.int(in: 0...7), Gen.int(in: 0...7)).map { Self.step($0, $1, $2) }
        await checkProperty(count: 200, input: zip(Gen.int(in: 0...6), steps.array(of: 1...30))) { soft, steps throws in
            try PipeAgreement.repeatingDisagreements {
                let outcomes = try Self.run(steps, soft: Self.softLimits[soft])
                if let problem = Self.disagreement(steps.map(Self.input), outcomes, Self.randomModel(soft: Self.softLimits[soft])) {
                    PipeAgreement.disagreement("soft limit \(Self.softLimits[soft]), steps \(steps): \(problem)")
                }
            }
        }
    }

    /// Sequences from a fixed seed, for the wrong models below.
    static func seededSequences(_ count: Int) -> [(soft: Int, steps: [Step])] {
        var generator = SplitMix(state: 0x6d6c_696d_3200_0015)
        func next(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        return (0..<count).map { _ in
            (softLimits[next(7)], (0..<(5 + next(25))).map { _ in step(next(10), next(8), next(8)) })
        }
    }

    /// The random property fails a wrong model: over sequences from a fixed seed, on which the model agrees with the
    /// kernel, each wrong belief — a re-lock counting its pages again, `setrlimit` taking no effect, a soft limit
    /// below the locked pages refused, a hard limit raised without `CAP_SYS_RESOURCE` — disagrees somewhere.
    @Test func theRandomPropertyFailsWrongModels() throws {
        var agreed: [(soft: Int, steps: [Step], outcomes: Facts.Outcomes)] = []
        for (soft, steps) in Self.seededSequences(40) {
            let outcomes = try Self.run(steps, soft: soft)
            if Self.disagreement(steps.map(Self.input), outcomes, Self.randomModel(soft: soft)) == nil { agreed.append((soft, steps, outcomes)) }
        }
        try #require(agreed.count >= 30)
        // The sequences reach every outcome the limits give (1: msync's EBUSY over a locked page).
        let reached = Set(agreed.flatMap(\.outcomes))
        #expect(reached.isSuperset(of: [0, 1, ENOMEM, EPERM, EAGAIN, EINVAL]), "reached only \(reached.sorted())")
        func lockedPages(_ state: Model.State) -> Int { state.mappings[1]?.reduce(0) { $0 + $1.locked.count } ?? 0 }
        let wrong: [(String, (Model) -> Transitions)] = [
            ("a re-lock counted again", { model in { state, input in
                if case .lock(_, .lock(let pages, let flags)) = input, flags?.otherBits ?? 0 == 0, let limit = state.memoryLockLimits[1], limit.bytes != 0,
                    lockedPages(state) + PosixSharedMemoryMapping.lockRange(pages).count > limit.bytes / 4096 {
                    return [Transition(.failed(.ENOMEM), state)]
                }
                return model.transitions(state, input)
            } }),
            ("setrlimit taking no effect", { model in { state, input in
                let transitions = model.transitions(state, input)
                guard case .setMemoryLockLimit = input else { return transitions }
                return transitions.map { Transition($0.output, state) }
            } }),
            ("a soft limit below the locked pages refused", { model in { state, input in
                if case .setMemoryLockLimit(_, let soft, _) = input, soft / 4096 < lockedPages(state) { return [Transition(.failed(.EINVAL), state)] }
                return model.transitions(state, input)
            } }),
            ("a hard limit raised", { model in { state, input in
                guard case .setMemoryLockLimit(_, let soft, let hard) = input, soft <= hard else { return model.transitions(state, input) }
                var next = state
                next.memoryLockLimits[1]?.bytes = soft
                next.memoryLockLimits[1]?.hard = hard
                return [Transition(.done, next)]
            } }),
        ]
        for (belief, transitions) in wrong {
            let caught = agreed.contains { soft, steps, outcomes in
                let model = Self.randomModel(soft: soft)
                return Self.disagreement(steps.map(Self.input), outcomes, model, transitions(model)) != nil
            }
            #expect(caught, "the wrong belief \(belief) was never caught")
        }
    }
}
