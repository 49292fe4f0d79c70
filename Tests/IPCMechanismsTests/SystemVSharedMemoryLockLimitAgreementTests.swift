import Glibc
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// The sysv-shm model's `SHM_LOCK` under `RLIMIT_MEMLOCK` (the setup's `"memlock"`) against the kernel, on random
/// sequences of `SHM_LOCK`, `SHM_UNLOCK` and `setrlimit` over three segments (1 page, 2 pages, and 3 pages less 104
/// bytes) of a user of the test's own, run by an unprivileged forked child of that user (as
/// `SystemVSharedMemoryLockLimitFactsTests`). The kernel counts locked segments per *user*, which a trace never sees
/// whole, so the model judges only the sure cases — `EPERM` under a limit of 0, a segment locked already taken again,
/// a segment whose pages alone pass the limit `ENOMEM`, `SHM_UNLOCK` always — and allows success or `ENOMEM` otherwise;
/// the property judges each segment's calls by that segment's model, as a trace's checker does (one object each), and
/// every `setrlimit` in each. Wrong beliefs fail on sequences from a fixed seed (``theRandomPropertyFailsWrongModels()``).
/// Run only as root (the child changes its user).
@Suite struct SystemVSharedMemoryLockLimitAgreementTests {
    typealias Model = SystemVSharedMemoryModel
    typealias Facts = SharedMemoryMemoryLimitFactsTests
    typealias Transitions = (Model.State, Model.Input) -> [Transition<Model.State, Model.Output>]

    static let page = 4096
    /// The segments' sizes in 8-byte words: 1 page, 2 pages, 3 pages less 104 bytes (3 pages counted: rounded up).
    static let segmentWords = [512, 1024, 1523]
    /// A user of this test's own: no other test locks segments as it (the facts use 20000… and 40000…).
    static let user = uid_t(60000 + getpid() % 5000)

    /// One call of a sequence by the child (process 1).
    enum Step: Hashable, Sendable, CustomStringConvertible {
        case lock(segment: Int)
        case unlock(segment: Int)
        case setLimit(soft: Int, hard: Int)

        var description: String {
            switch self {
            case .lock(let segment): "SHM_LOCK(\(segment))"
            case .unlock(let segment): "SHM_UNLOCK(\(segment))"
            case .setLimit(let soft, let hard): "setrlimit(\(soft), \(hard))"
            }
        }
    }

    static let softLimits = [0, 100, page, 2 * page, 3 * page, 4 * page, 6 * page, 8 * page, MemoryLockLimit.unlimited]
    static let hardLimits = [page, 4 * page, 8 * page, 16 * page, MemoryLockLimit.unlimited]
    /// The soft limits a sequence starts from (its hard limit is 8 pages).
    static let initialLimits = [0, page, 2 * page, 3 * page, 4 * page, 6 * page, 8 * page]

    /// A step from three random numbers (kind 0…7, a 0…8, b 0…4).
    static func step(_ kind: Int, _ a: Int, _ b: Int) -> Step {
        switch kind {
        case 0...3: .lock(segment: a % 3)
        case 4, 5: .unlock(segment: a % 3)
        default: .setLimit(soft: softLimits[a % softLimits.count], hard: hardLimits[b % hardLimits.count])
        }
    }

    /// The model's input for a step, and the segment it concerns (nil: every one, a `setrlimit`).
    static func input(_ step: Step) -> (segment: Int?, input: Model.Input) {
        switch step {
        case .lock(let segment): (segment, .lock(process: 1, locked: true))
        case .unlock(let segment): (segment, .lock(process: 1, locked: false))
        case .setLimit(let soft, let hard): (nil, .setMemoryLockLimit(process: 1, soft: soft, hard: hard))
        }
    }

    /// The model of the three segments, owned by the user, locked by process 1 (that user, no `CAP_IPC_LOCK` nor
    /// `CAP_SYS_RESOURCE`) under a soft limit of `soft` bytes and a hard one of 8 pages.
    static func model(soft: Int) throws -> Model {
        let memlock: JSONValue = ["1": ["soft": .int(soft), "hard": .int(8 * page), "capIpcLock": false, "capSysResource": false]]
        let objects = JSONObject(segmentWords.enumerated().map { index, words -> (String, JSONValue) in
            ("q\(index)", [
                "words": .int(words), "attached": [], "mode": "0600", "owner": .int(Int(user)), "users": ["1": .int(Int(user))],
                "memlock": memlock,
            ])
        })
        return try Model(parameters: ["objects": .object(objects)])
    }

    /// Runs `steps` in an unprivileged child of ``user`` (soft limit `soft`, hard 8 pages) on three fresh segments
    /// owned by that user, destroyed afterwards (their locks given back with them). Each outcome is 0 or errno.
    static func run(_ steps: [Step], soft: Int) throws -> Facts.Outcomes {
        var segments: [CInt] = []
        defer { for segment in segments { shmctl(segment, IPC_RMID, nil) } }
        for words in segmentWords {
            let segment = shmget(IPC_PRIVATE, words * 8, IPC_CREAT | 0o600)
            try #require(segment >= 0)
            segments.append(segment)
            var status = shmid_ds()
            try #require(shmctl(segment, IPC_STAT, &status) == 0)
            status.shm_perm.uid = user
            try #require(shmctl(segment, IPC_SET, &status) == 0)
        }
        let ids = segments
        return Syscall.withoutConcurrentSpawns {
            Facts.outcomesInChild(limit: soft == MemoryLockLimit.unlimited ? Int(bitPattern: UInt(rlim_t.max)) : soft, hard: 8 * page, user: user) { record in
                for step in steps {
                    switch step {
                    case .lock(let segment): record(Facts.outcome(shmctl(ids[segment], SHM_LOCK, nil)))
                    case .unlock(let segment): record(Facts.outcome(shmctl(ids[segment], SHM_UNLOCK, nil)))
                    case .setLimit(let soft, let hard):
                        record(Facts.limited(soft: soft == MemoryLockLimit.unlimited ? nil : soft, hard: hard == MemoryLockLimit.unlimited ? nil : hard))
                    }
                }
            }
        }
    }

    /// The first outcome the model (or `transitions`, a wrong variant of it) does not allow, if any: each segment's
    /// calls judged by its own states, a `setrlimit` by every segment's.
    static func disagreement(_ steps: [Step], _ outcomes: Facts.Outcomes, _ model: Model, _ transitions: Transitions? = nil) -> String? {
        guard outcomes.count == steps.count else { return "the child gave \(outcomes.count) outcomes for \(steps.count) calls: \(outcomes)" }
        let transitions = transitions ?? model.transitions
        var states: [Set<Model.State>] = segmentWords.indices.map { [model.initialState(of: "q\($0)")] }
        for (index, (step, outcome)) in zip(steps, outcomes).enumerated() {
            let (segment, input) = Self.input(step)
            let observed: Model.Output = outcome == 0 ? .done : .failed(ErrorCode(Errno(rawValue: outcome).name))
            for judged in segment.map({ [$0] }) ?? Array(segmentWords.indices) {
                let next = Set(states[judged].flatMap { state in transitions(state, input).filter { $0.output == observed }.map(\.state) })
                if next.isEmpty {
                    let state = states[judged].first!
                    let allowed = transitions(state, input).map { model.describe(input, $0.output) }
                    return "call \(index) \(step) on segment \(judged): kernel \(model.describe(input, observed)); the model allows \(allowed) from \(model.describe(state))"
                }
                states[judged] = next
            }
        }
        return nil
    }

    /// Random sequences from a random soft limit, each judged by the model. A disagreement counts only when a second
    /// run repeats it.
    @Test(.enabled(if: geteuid() == 0)) func randomSequencesUnderALimitAgree() async {
        let steps = zip(Gen.int(in: 0...7), Gen.int(in: 0...8), Gen.int(in: 0...4)).map { Self.step($0, $1, $2) }
        await checkProperty(count: 100, input: zip(Gen.int(in: 0...6), steps.array(of: 1...30))) { soft, steps throws in
            try PipeAgreement.repeatingDisagreements {
                let limit = Self.initialLimits[soft]
                let outcomes = try Self.run(steps, soft: limit)
                if let problem = Self.disagreement(steps, outcomes, try Self.model(soft: limit)) {
                    PipeAgreement.disagreement("soft limit \(limit), steps \(steps): \(problem)")
                }
            }
        }
    }

    /// Sequences from a fixed seed, for the wrong models below.
    static func seededSequences(_ count: Int) -> [(soft: Int, steps: [Step])] {
        var generator = SplitMix(state: 0x7379_7376_0000_0016)
        func next(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        return (0..<count).map { _ in
            (initialLimits[next(initialLimits.count)], (0..<(5 + next(25))).map { _ in step(next(8), next(9), next(5)) })
        }
    }

    /// The random property fails a wrong model: over sequences from a fixed seed, on which the model agrees with the
    /// kernel, each wrong belief — a segment locked already counted again, a limit of 0 failing `ENOMEM`, `SHM_UNLOCK`
    /// refused under a limit of 0, `setrlimit` taking no effect, the count taken per segment (any segment that fits
    /// alone locks) — disagrees somewhere.
    @Test(.enabled(if: geteuid() == 0)) func theRandomPropertyFailsWrongModels() throws {
        var agreed: [(soft: Int, steps: [Step], outcomes: Facts.Outcomes)] = []
        for (soft, steps) in Self.seededSequences(40) {
            let outcomes = try Self.run(steps, soft: soft)
            if Self.disagreement(steps, outcomes, try Self.model(soft: soft)) == nil { agreed.append((soft, steps, outcomes)) }
        }
        try #require(agreed.count >= 36)
        let reached = Set(agreed.flatMap(\.outcomes))
        #expect(reached.isSuperset(of: [0, ENOMEM, EPERM, EINVAL]), "reached only \(reached.sorted())")
        func pages(_ state: Model.State) -> Int { (state.size + Self.page - 1) / Self.page }
        let wrong: [(String, (Model) -> Transitions)] = [
            ("a segment locked already counted again", { model in { state, input in
                if case .lock(1, true) = input, state.locked, let limit = state.memoryLockLimits[1], limit.bytes != 0,
                    limit.bytes != MemoryLockLimit.unlimited, pages(state) > limit.bytes / Self.page {
                    return [Transition(.failed(.ENOMEM), state)]
                }
                return model.transitions(state, input)
            } }),
            ("a limit of 0 failing ENOMEM", { model in { state, input in
                model.transitions(state, input).map { $0.output == .failed(.EPERM) ? Transition(.failed(.ENOMEM), $0.state) : $0 }
            } }),
            ("SHM_UNLOCK refused under a limit of 0", { model in { state, input in
                if case .lock(1, false) = input, state.memoryLockLimits[1]?.bytes == 0 { return [Transition(.failed(.EPERM), state)] }
                return model.transitions(state, input)
            } }),
            ("setrlimit taking no effect", { model in { state, input in
                let transitions = model.transitions(state, input)
                guard case .setMemoryLockLimit = input else { return transitions }
                return transitions.map { Transition($0.output, state) }
            } }),
            ("the count taken per segment", { model in { state, input in
                // A segment whose pages fit the limit alone always locks: the user's other segments forgotten.
                model.transitions(state, input).filter { !(input == .lock(process: 1, locked: true) && $0.output == .failed(.ENOMEM) && !state.locked
                    && pages(state) <= (state.memoryLockLimits[1]?.bytes ?? 0) / Self.page) }
            } }),
        ]
        for (belief, transitions) in wrong {
            let caught = try agreed.contains { soft, steps, outcomes in
                let model = try Self.model(soft: soft)
                return Self.disagreement(steps, outcomes, model, transitions(model)) != nil
            }
            #expect(caught, "the wrong belief \(belief) was never caught")
        }
    }
}
