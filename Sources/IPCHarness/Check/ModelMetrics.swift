import IPCModels

/// How close a run came to a bug that a model's check catches (not an invariant): the model's counterpart of
/// ``TraceInvariant/coverageMetrics``, numbers where more is closer, read from the recorded trace. Models stay pure
/// (they know states and steps, not runs), so the measures live here, keyed by the model's name; coverage-guided
/// fuzzing climbs them as it climbs invariants' metrics, named `model.metric` (``ScenarioCorpus``).
enum ModelMetrics {
    /// The measures of each model that has one.
    static let measures: [String: @Sendable (Trace) -> [String: Int]] = [
        AckQueueModel.name: { ["unacked-at-death": unackedAtDeath($0)] },
    ]

    /// The metrics of `trace`'s model, named `model.metric`; empty when the model has no measure.
    static func metrics(of trace: Trace) -> [String: Int] {
        guard let measure = measures[trace.header.model] else { return [:] }
        return Dictionary(uniqueKeysWithValues: measure(trace).map { (trace.header.model + "." + $0.key, $0.value) })
    }

    /// An acknowledging queue (``AckQueueModel``) loses a message only if a process dies holding one — between a
    /// `receive` that took it and its `ack` — and the queue then fails to give it back, which a later `receive`
    /// shows. The closer a run came: the most operations the other processes invoked after a process died (or exited)
    /// holding a message; 0 when none did. A death with nobody left to act after it is no nearer than none (no
    /// edit of the run can make a survivor show the loss); one with others still at work, a `receive` to come, is
    /// the bug's whole precondition. A `receive` its process died inside (`info`)
    /// counts as holding when a message was there to take (more sends than receives had completed): the queue may
    /// have handed it over.
    static func unackedAtDeath(_ trace: Trace) -> Int {
        var inside: [Int: String] = [:]
        var holding = Set<Int>()
        var dead = Set<Int>()
        /// Per death while holding: operations the others invoked since.
        var after: [Int] = []
        var deathOf: [Int: Int] = [:]
        /// Messages sent and not yet taken, as far as completed operations say: a receive that died on an empty
        /// queue held nothing.
        var queued = 0
        func mayHaveTaken(_ process: Int) {
            guard queued > 0 else { return }
            queued -= 1
            holding.insert(process)
        }
        for event in trace.events {
            let process = event.process
            switch event.type {
            case .invoke:
                inside[process] = event.f
                if event.f == "ack" { holding.remove(process) }
                for (victim, death) in deathOf where victim != process && !dead.contains(process) { after[death] += 1 }
            case .ok:
                switch inside.removeValue(forKey: process) {
                case "receive":
                    holding.insert(process)
                    queued = Swift.max(0, queued - 1)
                case "send":
                    queued += 1
                default:
                    break
                }
            case .fail:
                inside.removeValue(forKey: process)
            case .info:
                if inside.removeValue(forKey: process) == "receive" { mayHaveTaken(process) }
            case .kill, .exit:
                // Killed (inside a receive too: the queue may have handed its message over, if it had one), or
                // exited with a message in flight (which the queue must give back too).
                if inside.removeValue(forKey: process) == "receive" { mayHaveTaken(process) }
                if holding.remove(process) != nil, !dead.contains(process) {
                    deathOf[process] = after.count
                    after.append(0)
                }
                dead.insert(process)
            default:
                break
            }
        }
        return after.max() ?? 0
    }
}
