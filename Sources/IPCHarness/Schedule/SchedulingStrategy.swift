/// Decides which process takes the next step, among those that can.
///
/// Strategies are deterministic given their generator, so the seed and the enabled sets fix every choice.
public protocol SchedulingStrategy {
    /// Picks one of `enabled` (process ids, ascending, never empty).
    mutating func choose(among enabled: [Int]) -> Int
}

/// Which strategy a run uses, as written in traces ("random", "pct:3") and on the command line.
public enum StrategySpec: Sendable, Hashable, CustomStringConvertible {
    case random
    /// Probabilistic concurrency testing with bug depth `depth`.
    case pct(depth: Int)
    /// Every schedule of one workload with at most `preemptions` preemptions, one per run (see
    /// ``ScheduleExplorer``).
    case exhaustive(preemptions: Int)

    public init?(_ text: String) {
        if text == "random" {
            self = .random
        } else if text == "pct" {
            self = .pct(depth: 3)
        } else if text.hasPrefix("pct:"), let depth = Int(text.dropFirst(4)), (1...64).contains(depth) {
            self = .pct(depth: depth)
        } else if text == "exhaustive" {
            self = .exhaustive(preemptions: 2)
        } else if text.hasPrefix("exhaustive:"), let bound = Int(text.dropFirst(11)), (0...16).contains(bound) {
            self = .exhaustive(preemptions: bound)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .random: "random"
        case .pct(let depth): "pct:\(depth)"
        case .exhaustive(let bound): "exhaustive:\(bound)"
        }
    }

    /// A strategy for `processes`, expecting about `steps` scheduling decisions.
    public func makeStrategy(processes: [Int], steps: Int, generator: SeededGenerator) -> any SchedulingStrategy {
        switch self {
        case .random: RandomStrategy(generator: generator)
        case .pct(let depth): PCTStrategy(depth: depth, processes: processes, steps: steps, generator: generator)
        case .exhaustive: ForcedStrategy(prefix: [])
        }
    }
}

/// Picks uniformly among the enabled processes.
public struct RandomStrategy: SchedulingStrategy {
    private var generator: SeededGenerator

    public init(generator: SeededGenerator) {
        self.generator = generator
    }

    public mutating func choose(among enabled: [Int]) -> Int {
        generator.pick(enabled)
    }
}

/// PCT (Burckhardt, Kothari, Musuvathi & Nagarakatte, "A randomized scheduler with probabilistic guarantees of
/// finding bugs", ASPLOS 2010): processes get distinct random priorities d, d+1, ..., d+n-1; d-1 change points
/// are drawn from the expected number of steps; the highest-priority enabled process runs; at the i-th change
/// point the running process drops to priority i, below every initial one. A bug of depth d is found with
/// probability at least 1/(n·k^(d-1)) per run.
public struct PCTStrategy: SchedulingStrategy {
    private var priorities: [Int: Int] = [:]
    private var changePoints: [Int: Int] = [:]
    private var step = 0

    public init(depth: Int, processes: [Int], steps: Int, generator: SeededGenerator) {
        var generator = generator
        var order = processes
        generator.shuffle(&order)
        for (offset, process) in order.enumerated() { priorities[process] = depth + offset }
        for change in 1..<Swift.max(1, depth) {
            changePoints[generator.next(in: 1...Swift.max(1, steps))] = change
        }
    }

    public mutating func choose(among enabled: [Int]) -> Int {
        step += 1
        var chosen = highest(enabled)
        if let change = changePoints[step] {
            priorities[chosen] = change
            chosen = highest(enabled)
        }
        return chosen
    }

    private func highest(_ enabled: [Int]) -> Int {
        enabled.max { (priorities[$0] ?? 0, -$0) < (priorities[$1] ?? 0, -$1) }!
    }
}
