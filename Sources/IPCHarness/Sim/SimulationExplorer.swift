import IPCModels

/// Bounded exhaustive exploration of one simulated workload, one run per path, as a depth-first search over the
/// decisions the runs record (CHESS's iterative context bounding, without state caching): which process goes where
/// several can, and — under weak memory — which store a load reads where it may read several. Each run follows a
/// prefix of decisions and then decides without preempting and with every load reading the newest store
/// (``ForcedSimPlan``); after it, the deepest decision with an untried alternative within the bounds is changed, and
/// the next run follows that new prefix.
///
/// Bounds: at most `bound` preemptions (choosing another process while the one that went last could go again) and
/// at most `bound` stale loads per run. The decisions are read back from the run's trace: a `schedule` event whose
/// `enabled` lists several processes, and a load whose access has `choices` above one.
public struct SimulationExplorer: Sendable {
    struct Node: Sendable {
        var enabled: [Int]?
        var choices: Int
        var previous: Int?
        var tried: [Int]
        var chosen: Int
    }

    public let bound: Int
    private var path: [Node] = []
    /// The prefix the next run must follow; nil once the search is complete.
    public private(set) var nextPrefix: [Int]? = []

    public init(bound: Int) { self.bound = bound }

    public var isComplete: Bool { nextPrefix == nil }

    /// Takes in a run's trace and moves to the next prefix.
    public mutating func record(_ trace: Trace) {
        var points: [Node] = []
        var previous: Int?
        for event in trace.events where event.type == .schedule {
            if let enabled = event.enabledProcesses, enabled.count > 1 {
                points.append(Node(enabled: enabled, choices: enabled.count, previous: previous, tried: [event.process], chosen: event.process))
            }
            if case .integer(let choices)? = event.value?["access"]?["choices"], choices > 1,
                case .integer(let stale)? = event.value?["access"]?["stale"]
            {
                points.append(Node(enabled: nil, choices: Int(choices), previous: nil, tried: [Int(stale)], chosen: Int(stale)))
            }
            previous = event.process
        }
        // The run followed the prefix: keep the nodes it shares with the path, with their tried sets.
        let kept = min(nextPrefix?.count ?? 0, points.count, path.count)
        var newPath = Array(path.prefix(kept))
        for index in newPath.indices where newPath[index].chosen != points[index].chosen || newPath[index].choices != points[index].choices {
            newPath[index] = points[index]
            newPath.removeSubrange((index + 1)...)
            break
        }
        newPath += points.dropFirst(newPath.count)
        path = newPath
        advance()
    }

    private mutating func advance() {
        while let node = path.last {
            let depth = path.count - 1
            let spent = cost(path.prefix(depth))
            let alternatives = node.enabled ?? Array(0..<node.choices)
            if let alternative = alternatives.first(where: { candidate in
                guard !node.tried.contains(candidate) else { return false }
                var trial = node
                trial.chosen = candidate
                let added = cost([trial][...])
                return spent.preemptions + added.preemptions <= bound && spent.stale + added.stale <= bound
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

    private func cost(_ nodes: ArraySlice<Node>) -> (preemptions: Int, stale: Int) {
        var preemptions = 0
        var stale = 0
        for node in nodes {
            if let enabled = node.enabled {
                if let previous = node.previous, node.chosen != previous, enabled.contains(previous) { preemptions += 1 }
            } else if node.chosen > 0 {
                stale += 1
            }
        }
        return (preemptions, stale)
    }
}
