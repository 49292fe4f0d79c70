import IPCModels

/// Chooses moves with a scheduling strategy from the run's seed; kills, preemption windows and the stores weak
/// loads read from generators split off the same seed.
struct GeneratedSimPlan: SimPlan {
    var strategy: any SchedulingStrategy
    var generator: SeededGenerator
    var storeGenerator: SeededGenerator
    /// The chance, at each scheduling point, that the chosen process is killed instead of stepped.
    var killChance: Double
    var killsLeft: Int
    var windows: PreemptionWindows?

    /// `preemptionWindows`: the processes of the run, one of which is slow (see ``PreemptionWindows``); nil for none.
    /// `timingSeed`: the kills, the windows' timing and the weak loads' stores drawn from it instead (the slow
    /// process stays `generator`'s unless `slowProcessSeed` is given; see ``ScenarioRun/timingSeed``).
    /// `slowProcess`: the slow process chosen (``ScenarioRun/slowProcess``), when it is one of `processes`.
    init(
        strategy: any SchedulingStrategy, generator: SeededGenerator, killChance: Double = 0, killsLeft: Int = 0,
        preemptionWindows processes: [Int]? = nil, timingSeed: UInt64? = nil, slowProcessSeed: UInt64? = nil,
        slowProcess: Int? = nil
    ) {
        self.strategy = strategy
        var generator = generator
        storeGenerator = generator.split()
        var timing = timingSeed.map { SeededGenerator(seed: $0) }
        if let processes, !processes.isEmpty {
            let windowsGenerator = generator.split()
            windows = PreemptionWindows(
                processes: processes, generator: timing == nil ? windowsGenerator : slowProcessSeed.map { SeededGenerator(seed: $0) } ?? windowsGenerator,
                timing: timing?.split(), slow: slowProcess)
        }
        if timing != nil {
            storeGenerator = timing!.split()
            generator = timing!.split()
        }
        self.generator = generator
        self.killChance = killChance
        self.killsLeft = killsLeft
    }

    mutating func next(enabled: [Int], pending: [PendingAccess?], step: Int) -> SimMove? {
        var process: Int
        if windows != nil {
            process = windows!.choose(among: enabled, pending: pending, step: step, strategy: &strategy)
        } else {
            process = strategy.choose(among: enabled)
        }
        if killsLeft > 0 && killChance > 0 && generator.chance(killChance) {
            killsLeft -= 1
            return .kill(process)
        }
        return .step(process)
    }

    mutating func chooseStore(among choices: Int, step: Int) -> Int {
        storeGenerator.next(below: choices)
    }
}

/// The random strategy's preemption windows in a simulation: one process of each run, drawn from the seed, is
/// *slow* — each time it is chosen, with chance ``chance`` it is instead left waiting before its access for a
/// number of steps drawn log-uniformly up to ``longest``, while the others go.
///
/// Uniform choices alone almost never keep one process away for hundreds of steps, and some bugs need exactly
/// that: a compare-and-swap whose tag or sequence wraps only after 2^b updates by others (the seed's 2^b > r·Δt), a
/// reader that sleeps through a writer's whole update. One slow process per run (rather than windows for every
/// process) keeps the others running at full speed through its windows, as a descheduled process's peers do.
///
/// A window in front of a compare-and-swap ends early at the first step where the word, having changed, holds the
/// value the swap expects again — the moment an A→B→A change can fool it — and may last up to ``longestForSwap``
/// steps, the room for 2^b updates.
struct PreemptionWindows {
    static let chance = 0.25
    /// The longest window, in steps (a power of two).
    static let longest = 4096
    static let longestForSwap = 16384

    private var generator: SeededGenerator
    let slow: Int
    /// The step the slow process may go again, while it waits.
    private var waitingUntil: Int?
    /// While it waits before a compare-and-swap: the value it expects, and whether the word has changed since.
    private var watched: (expected: UInt64, changed: Bool)?

    /// `timing`: where and how long the windows are, when not from `generator` (which picks the slow process).
    /// `slow`: the slow process chosen instead, when it is one of `processes` (the draw still happens, so the
    /// windows' timing is the one the seed gives either way).
    init(processes: [Int], generator: SeededGenerator, timing: SeededGenerator? = nil, slow chosen: Int? = nil) {
        var generator = generator
        let drawn = generator.pick(processes)
        slow = chosen.flatMap { processes.contains($0) ? $0 : nil } ?? drawn
        self.generator = timing ?? generator
    }

    mutating func choose(among enabled: [Int], pending: [PendingAccess?], step: Int, strategy: inout any SchedulingStrategy) -> Int {
        if waitingUntil != nil, let position = enabled.firstIndex(of: slow) {
            if var watch = watched, let access = pending[position], access.expected == watch.expected {
                if access.current != watch.expected { watch.changed = true }
                watched = watch
                if watch.changed && access.current == watch.expected {
                    // A→B→A: now, before the word moves on.
                    waitingUntil = nil
                    watched = nil
                    return slow
                }
            }
            if waitingUntil! <= step || enabled == [slow] {
                waitingUntil = nil
                watched = nil
            }
        }
        let candidates = waitingUntil == nil ? enabled : enabled.filter { $0 != slow }
        let chosen = strategy.choose(among: candidates)
        guard chosen == slow, candidates.count > 1, generator.chance(Self.chance) else { return chosen }
        let swap = enabled.firstIndex(of: slow).flatMap { pending[$0] }.flatMap { access in access.expected.map { ($0, access.current) } }
        // Log-uniform: windows of every order of magnitude are as likely.
        let longest = swap == nil ? Self.longest : Self.longestForSwap
        let length = 1 << generator.next(in: 0...longest.trailingZeroBitCount)
        waitingUntil = step + generator.next(in: max(1, length / 2)...length)
        watched = swap.map { (expected: $0.0, changed: $0.1 != $0.0) }
        return strategy.choose(among: candidates.filter { $0 != slow })
    }
}

/// Repeats a recorded run's moves and store choices exactly; the first move that cannot be made ends the replay as
/// a divergence.
struct ReplaySimPlan: SimPlan {
    struct RecordedMove: Hashable {
        var move: SimMove
        /// The store the step's load read (how many newer ones it did not see), when it had a choice.
        var stale: Int?
        /// The trace event it came from (for reports).
        var eventIndex: Int
    }

    let moves: [RecordedMove]
    private var index = 0
    private(set) var divergence: String?

    init(moves: [RecordedMove]) {
        self.moves = moves
    }

    var isExhausted: Bool { index == moves.count }

    mutating func next(enabled: [Int], pending: [PendingAccess?], step: Int) -> SimMove? {
        guard index < moves.count else {
            divergence = divergence ?? "after the recorded moves, processes \(enabled) had not ended"
            return nil
        }
        let recorded = moves[index]
        let process: Int
        switch recorded.move {
        case .step(let id), .kill(let id): process = id
        }
        guard enabled.contains(process) else {
            divergence = divergence ?? "event \(recorded.eventIndex): process \(process) could not move (it had ended, or was asleep)"
            return nil
        }
        index += 1
        return recorded.move
    }

    mutating func chooseStore(among choices: Int, step: Int) -> Int {
        guard index > 0, let stale = moves[index - 1].stale else { return 0 }
        guard stale < choices else {
            divergence = divergence ?? "event \(moves[index - 1].eventIndex): the load read a store \(stale) older than the newest; the replay offered only \(choices)"
            return choices - 1
        }
        return stale
    }
}

/// One run of bounded exhaustive exploration in the simulation: follows a prefix of decisions (which process goes
/// at a point where several can; which store a load with several choices reads), then decides without preempting
/// (the process that went last goes again while it can, else the lowest) and with every load reading the newest
/// store, recording every decision point for ``SimulationExplorer``.
struct ForcedSimPlan: SimPlan {
    struct Point: Hashable {
        /// The processes that could go (a scheduling point), or nil for a load's choice of store.
        var enabled: [Int]?
        /// A load's number of choices.
        var choices: Int
        var previous: Int?
        var chosen: Int
    }

    private let prefix: [Int]
    private(set) var points: [Point] = []
    private var last: Int?

    init(prefix: [Int]) { self.prefix = prefix }

    mutating func next(enabled: [Int], pending: [PendingAccess?], step: Int) -> SimMove? {
        var choice = enabled[0]
        if enabled.count > 1 {
            if points.count < prefix.count, enabled.contains(prefix[points.count]) {
                choice = prefix[points.count]
            } else if let last, enabled.contains(last) {
                choice = last
            }
            points.append(Point(enabled: enabled, choices: enabled.count, previous: last, chosen: choice))
        }
        last = choice
        return .step(choice)
    }

    mutating func chooseStore(among choices: Int, step: Int) -> Int {
        var choice = 0
        if points.count < prefix.count, (0..<choices).contains(prefix[points.count]) { choice = prefix[points.count] }
        points.append(Point(enabled: nil, choices: choices, previous: nil, chosen: choice))
        return choice
    }
}
