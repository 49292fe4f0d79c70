import IPCModels

/// Follows a given sequence of choices, then never preempts: the process that went last goes again while it can,
/// otherwise the lowest. One run of bounded exhaustive exploration (``ScheduleExplorer`` chooses the prefix).
///
/// Only real choices consume the prefix (more than one process enabled), as only they are recorded as `schedule`
/// events.
public struct ForcedStrategy: SchedulingStrategy {
    private var prefix: [Int]
    private var position = 0
    private var last: Int?

    public init(prefix: [Int]) {
        self.prefix = prefix
    }

    public mutating func choose(among enabled: [Int]) -> Int {
        var choice = enabled[0]
        if enabled.count > 1 {
            if position < prefix.count, enabled.contains(prefix[position]) {
                choice = prefix[position]
            } else if let last, enabled.contains(last) {
                choice = last
            }
            position += 1
        }
        last = choice
        return choice
    }
}

/// Bounded exhaustive exploration of one workload's schedules, one run each, as a depth-first search over the
/// choice points the runs record (CHESS's iterative context bounding, without the state caching): each run
/// follows a prefix of choices and then runs without preempting; after it, the deepest choice point with an
/// untried alternative within the preemption bound is changed, and the next run follows that new prefix.
///
/// A preemption is a choice of another process while the one that went last could have gone again. The tree is
/// the one the kernel presents: which processes are enabled at a point depends on what blocked, so it is only
/// known as runs discover it.
public struct ScheduleExplorer: Sendable {
    /// A choice point of the current path: who could go, who went before it, which alternatives were tried.
    struct Node: Sendable {
        var enabled: [Int]
        var previous: Int?
        var tried: [Int]
        var chosen: Int
    }

    public let preemptionBound: Int
    private var path: [Node] = []
    /// The prefix the next run must follow; nil once the search is complete.
    public private(set) var nextPrefix: [Int]? = []

    public init(preemptionBound: Int) {
        self.preemptionBound = preemptionBound
    }

    public var isComplete: Bool { nextPrefix == nil }

    /// Takes in a run's trace (its `schedule` events and the invokes that follow them) and moves to the next
    /// prefix.
    public mutating func record(_ trace: Trace) {
        var points: [(enabled: [Int], previous: Int?, chosen: Int)] = []
        var pendingEnabled: [Int]?
        var previous: Int?
        for event in trace.events {
            switch event.type {
            case .schedule:
                if let enabled = event.enabledProcesses { pendingEnabled = enabled }
            case .invoke:
                if let enabled = pendingEnabled {
                    points.append((enabled, previous, event.process))
                    pendingEnabled = nil
                }
                previous = event.process
            default:
                break
            }
        }
        // The run followed the prefix (the kernel permitting): keep the nodes it shares with the path, with their
        // tried sets, and add the rest.
        let kept = nextPrefix?.count ?? 0
        var newPath = Array(path.prefix(Swift.min(kept, points.count)))
        for index in newPath.indices where newPath[index].chosen != points[index].chosen || newPath[index].enabled != points[index].enabled {
            // The kernel took another branch than before at this point: start that subtree afresh.
            newPath[index] = Node(enabled: points[index].enabled, previous: points[index].previous, tried: [points[index].chosen], chosen: points[index].chosen)
            newPath.removeSubrange((index + 1)...)
            break
        }
        for point in points.dropFirst(newPath.count) {
            newPath.append(Node(enabled: point.enabled, previous: point.previous, tried: [point.chosen], chosen: point.chosen))
        }
        path = newPath
        advance()
    }

    /// Backtracks to the deepest point with an alternative within the bound.
    private mutating func advance() {
        while let node = path.last {
            let depth = path.count - 1
            let spent = preemptions(in: path.prefix(depth))
            if let alternative = node.enabled.first(where: { candidate in
                !node.tried.contains(candidate) && spent + (isPreemption(candidate, node) ? 1 : 0) <= preemptionBound
            }) {
                path[depth].tried.append(alternative)
                path[depth].chosen = alternative
                nextPrefix = path.map(\.chosen)
                return
            }
            path.removeLast()
        }
        nextPrefix = nil
    }

    private func isPreemption(_ choice: Int, _ node: Node) -> Bool {
        guard let previous = node.previous else { return false }
        return choice != previous && node.enabled.contains(previous)
    }

    private func preemptions(in nodes: ArraySlice<Node>) -> Int {
        nodes.reduce(0) { $0 + (isPreemption($1.chosen, $1) ? 1 : 0) }
    }
}

extension Trace.Event {
    /// A `schedule` event's `enabled` list: the processes that could have gone.
    var enabledProcesses: [Int]? {
        guard case .array(let enabled)? = value?["enabled"] else { return nil }
        return enabled.compactMap { value -> Int? in
            if case .integer(let process) = value { return Int(process) }
            return nil
        }
    }
}
