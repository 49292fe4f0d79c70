import IPCModels

/// Derives a new run from a corpus entry, AFL- and HypoFuzz-style: by retiming a simulation (the same workload and
/// strategy under other timing, or rescheduled: another slow process and the strategy that does best), by changing
/// how it is run (a deeper PCT schedule, another set of faults) or by editing what was recorded — deleting or duplicating operations, changing
/// an argument's size, moving or adding a kill (only where the run's faults include kills), making a killed process
/// die just after its operation took effect and another do the same operation after it, moving an injected
/// fault, delaying a process for a stretch of steps (a preemption window), or splicing the moves of two entries of
/// the same workload. The edits work on the shrinker's views of a recorded run (``RealRunSpec``,
/// ``SimulationRunSpec``), so an edited run executes exactly as a shrinking candidate does, and its trace replays.
enum FuzzMutator {
    /// A run derived from `entry` (with `partners`, entries of the same workload, to splice with); `leads`: whether
    /// `entry` holds the highest value of a metric (``ScenarioCorpus/leaderIDs``), so is worth exploiting;
    /// `strategy`: the strategy a rescheduled run takes (``ScenarioCorpus/pickStrategy(from:_:)``), nil: keep.
    static func derive(
        from entry: CorpusEntry, partners: [CorpusEntry], scenario: Scenario, leads: Bool = false, strategy: StrategySpec? = nil,
        generator: inout SeededGenerator
    ) -> FuzzRun {
        var run = FuzzRun(
            seed: entry.seed, strategy: entry.strategy, mode: entry.mode, faults: entry.faults, timingSeed: entry.timingSeed,
            slowProcessSeed: entry.slowProcessSeed, slowProcess: entry.slowProcess)
        // A simulation its seed made (not an edited one), 60% of the time (85% for a leader): the same workload and
        // strategy with other timing — what a run that came close (a wide window, a long streak) most needs to
        // come closer, where an edit of its recorded steps would mostly break the timing that made it close (Zest's
        // "keep the structure, vary the rest"). Some keep the slow process too (the trait that likely made it
        // close: 6 in 7 for a leader, half for others); the rest draw it again (the entry may have come close
        // despite it). A PCT strategy keeps its depth and draws other change points. Measured on
        // `aba-tag8-broken` (10 seeds × 150 runs, past their first violation too): a leader retimed found the ABA in
        // 40% of its runs, rescheduled in 28% (random strategy) or never (PCT), edited in at most 10%, and a leader
        // turned into a PCT run never.
        if entry.mode == .sim, !entry.edited, generator.chance(leads ? 0.85 : 0.6) {
            run.timingSeed = generator.next()
            if generator.chance(leads ? 1.0 / 7.0 : 0.5) {
                // Rescheduled: the slow process drawn again, and the strategy the scenario's runs do best with.
                run.slowProcessSeed = generator.next()
                run.slowProcess = nil
                if let strategy { run.strategy = strategy }
                run.mutation = "reschedule"
            } else {
                run.mutation = "retime"
            }
            return run
        }
        // A third of the other derived runs vary how the same workload is run; the rest edit the recorded run,
        // where it can be. Not a leader: its strategy and faults are part of what made it lead (a random schedule's
        // preemption windows make the wide ones, a deeper PCT schedule has none; a run whose kill came close, rerun
        // from its seed under other faults or a deeper schedule, loses it — measured on
        // `ack-queue-fragile-forgets-unacked`, 20 seeds, before each one's first violation: 2 of 134 such runs of
        // leaders found the loss, fewer than fresh runs did, 12 of 526).
        if (generator.chance(1.0 / 3.0) && !leads) || entry.mode == .threads {
            return varied(run, scenario: scenario, generator: &generator)
        }
        switch entry.mode {
        case .real:
            guard let original = try? RealRunSpec(trace: entry.trace, setup: scenario.realSetup) else { break }
            // Kills are allowed where the run's faults had them, and in any real-mode run of a scenario the fuzzer
            // may kill (a swarm subset drawn without kills is one draw, not the scenario's limit): else the parents
            // a swarm run without kills left in the corpus could not be given the death the crash bugs need.
            let fuzzedKills = Fuzzer.fuzzedFaults(scenario).contains(.kill)
            let killsAllowed = (entry.faults ?? scenario.defaultFaults).kinds.contains(.kill) || fuzzedKills
            let partner = partners.compactMap { try? RealRunSpec(trace: $0.trace, setup: scenario.realSetup) }.first
            // An edit that is not faithful to the workload is drawn again, a few times, then given up for a variation.
            let takes = takes(in: entry.trace)
            for _ in 0..<4 {
                var spec = original
                guard let name = edit(&spec, killsAllowed: killsAllowed, partner: partner, leads: leads, takes: takes, generator: &generator)
                else { break }
                guard isFaithful(spec, to: original) else { continue }
                // A run that now dies says so in its header's faults, as a run that drew kills does.
                if spec.hasKills, !(entry.faults ?? scenario.defaultFaults).kinds.contains(.kill) {
                    spec.header.faults = Self.addingKill(to: spec.header.faults)
                }
                run.edit = .real(spec)
                run.mutation = name
                return run
            }
        case .sim:
            guard let original = try? SimulationRunSpec(trace: entry.trace) else { break }
            let partner = partners.compactMap { try? SimulationRunSpec(trace: $0.trace) }.first
            for _ in 0..<4 {
                var spec = original
                guard let name = edit(&spec, partner: partner, generator: &generator) else { break }
                guard isFaithful(spec, to: original) else { continue }
                run.edit = .sim(spec)
                run.mutation = name
                return run
            }
        case .threads:
            break
        }
        return varied(run, scenario: scenario, generator: &generator)
    }

    /// The same seed (so the same workload) under a deeper PCT schedule or, in real mode, another set of faults.
    static func varied(_ run: FuzzRun, scenario: Scenario, generator: inout SeededGenerator) -> FuzzRun {
        var run = run
        let fuzzed = Fuzzer.fuzzedFaults(scenario)
        if run.mode == .real, !fuzzed.isEmpty, generator.chance(0.5) {
            var kinds = (run.faults ?? scenario.defaultFaults).kinds
            let kind = generator.pick(fuzzed.sorted())
            if kinds.contains(kind) { kinds.remove(kind) } else { kinds.insert(kind) }
            run.faults = FaultOptions(kinds: kinds)
            run.mutation = "toggle-fault"
        } else {
            run.strategy = raised(run.strategy)
            run.mutation = "raise-pct-depth"
        }
        return run
    }

    /// One more PCT change point (random becomes PCT of depth 2), up to depth 10.
    static func raised(_ strategy: StrategySpec) -> StrategySpec {
        switch strategy {
        case .pct(let depth): .pct(depth: Swift.min(depth + 1, 10))
        default: .pct(depth: 2)
        }
    }

    // MARK: Real-mode runs

    /// The share of a real-mode run's edits that are `take-and-die` where it applies (kills allowed, a take in the
    /// run): a crash between taking work and finishing it is the bug kills exist to find, and the edit makes one
    /// on purpose; the other edits keep the rest.
    static let takeAndDieShare = 0.75

    /// The invokes of `trace` (by event index) whose operation returned something: a take (a receive that got a
    /// message, a read that got bytes, a lock that got its owner's state), the operation a crash right after most
    /// often leaves half done.
    static func takes(in trace: Trace) -> Set<Int> {
        var open: [Int: Int] = [:]
        var takes = Set<Int>()
        for event in trace.events {
            switch event.type {
            case .invoke:
                open[event.process] = event.index
            case .ok:
                if let invoke = open.removeValue(forKey: event.process), let value = event.value, value != .null { takes.insert(invoke) }
            case .fail, .info:
                open.removeValue(forKey: event.process)
            default:
                break
            }
        }
        return takes
    }

    /// Edits a real-mode run's moves in place; returns the edit's name, or nil when none applies. `takes`: the
    /// invokes (by event index) whose operation returned something (``takes(in:)``).
    static func edit(
        _ spec: inout RealRunSpec, killsAllowed: Bool, partner: RealRunSpec?, leads: Bool = false, takes: Set<Int> = [],
        generator: inout SeededGenerator
    ) -> String? {
        let invokes = spec.moves.indices.filter { spec.moves[$0].isScheduling }
        guard !invokes.isEmpty else { return nil }
        var choices = ["delete", "insert", "argument"]
        if killsAllowed { choices += ["add-kill", "move-kill", "die-after"] }
        if !spec.injectedFaults.isEmpty { choices.append("move-fault") }
        if partner != nil { choices.append("splice") }
        // A process the run killed dies instead just after its last operation's calls returned, before it reports:
        // a kill that landed in or just before an operation lands after its effect (the death a crash-consistency
        // bug needs: work taken, not yet finished).
        let kills = spec.moves.indices.filter { index in
            guard case .kill(let process, _) = spec.moves[index] else { return false }
            return invokes.contains { $0 < index && spec.moves[$0].process == process }
        }
        if !kills.isEmpty { choices.append("die-later") }
        // A dying process dies just after its last operation took effect (as `die-later`), and another process
        // does the same operation right after: the operation that shows what the death left behind (a receive
        // after a consumer died holding a message, a lock after its owner died). The inserted operation takes the
        // directive (fault) of the survivor's next one. These two are half a leader's edits, where it has a death:
        // a leading run's death is the one that came close (``ModelMetrics``).
        var deaths = deathPoints(spec, invokes: invokes).filter { death in
            guard case .invoke(_, let call, _, _) = spec.moves[death.invoke] else { return false }
            return !survivors(spec, of: call, after: death.position).isEmpty
        }
        if !deaths.isEmpty { choices.append("follow") }
        // A process dies just after one of its takes took effect, and another process does the same operation
        // right after (as `follow` does for a death the run had): a crash between taking work and finishing it,
        // which no death of the run need have come near, and the survivor's operation that shows whether the work
        // was given back.
        let takeInvokes = killsAllowed ? invokes.filter { index in
            guard case .invoke(_, let call, _, let eventIndex) = spec.moves[index] else { return false }
            return takes.contains(eventIndex) && !survivors(spec, of: call, after: index).isEmpty
        } : []
        if !takeInvokes.isEmpty { choices.append("take-and-die") }
        var leading: [String] = []
        if !kills.isEmpty { leading.append("die-later") }
        if !deaths.isEmpty { leading.append("follow") }
        if !takeInvokes.isEmpty { leading.append("take-and-die") }
        var choice = leads && !leading.isEmpty && generator.chance(0.5) ? generator.pick(leading) : generator.pick(choices)
        // Most edits of a run with kills and takes are `take-and-die`: on `ack-queue-fragile-forgets-unacked` it
        // found the loss in 101 of 101 derived runs (seed 5), where fresh runs find it in about 1 of 12.
        if !takeInvokes.isEmpty, generator.chance(Self.takeAndDieShare) { choice = "take-and-die" }
        if choice == "take-and-die" {
            let invoke = generator.pick(takeInvokes)
            guard case .invoke(_, _, _, let eventIndex) = spec.moves[invoke] else { return nil }
            spec.directives[eventIndex, default: .none].dieAfter = true
            spec.directives[eventIndex]?.fault = nil
            deaths = [(invoke, invoke)]
        }
        switch choice {
        case "follow", "take-and-die":
            let death = generator.pick(deaths)
            guard case .invoke(_, var call, _, _) = spec.moves[death.invoke] else { return nil }
            let survivors = survivors(spec, of: call, after: death.position)
            guard !survivors.isEmpty else { return nil }
            call.process = generator.pick(survivors)
            guard let next = spec.moves[(death.position + 1)...].firstIndex(where: { $0.isScheduling && $0.process == call.process }),
                case .invoke(_, _, _, let eventIndex) = spec.moves[next]
            else { return nil }
            spec.moves.insert(.invoke(process: call.process, call: call, choices: [call.process], eventIndex: eventIndex), at: death.position + 1)
            if case .kill = spec.moves[death.position], case .invoke(_, _, _, let dying) = spec.moves[death.invoke] {
                spec.moves.remove(at: death.position)
                spec.directives[dying, default: .none].dieAfter = true
                spec.directives[dying]?.fault = nil
            }
        case "die-later":
            let kill = generator.pick(kills)
            let process = spec.moves[kill].process
            guard let last = invokes.last(where: { $0 < kill && spec.moves[$0].process == process }),
                case .invoke(_, _, _, let eventIndex) = spec.moves[last]
            else { return nil }
            spec.moves.remove(at: kill)
            spec.directives[eventIndex, default: .none].dieAfter = true
            spec.directives[eventIndex]?.fault = nil
        case "delete":
            spec.moves = deletingChunk(spec.moves, generator: &generator)
        case "insert":
            let from = generator.pick(invokes)
            let to = generator.next(in: (from + 1)...spec.moves.count)
            spec.moves.insert(spec.moves[from], at: to)
        case "argument":
            let candidates = invokes.filter { spec.moves[$0].callValue?.resizedCallValue(grow: false) != nil }
            guard let index = candidates.isEmpty ? nil : generator.pick(candidates),
                let value = spec.moves[index].callValue?.resizedCallValue(grow: generator.chance(0.5))
            else { return edit(&spec, killsAllowed: killsAllowed, partner: partner, leads: leads, generator: &generator) }
            spec.moves[index] = spec.moves[index].withCallValue(value)
        case "add-kill":
            // Right after one of a process's invocations, or a little later: the window a kill must land in.
            let after = generator.pick(invokes)
            let position = Swift.min(spec.moves.count, after + 1 + generator.next(below: 3))
            spec.moves.insert(.kill(process: spec.moves[after].process, eventIndex: -1), at: position)
        case "move-kill":
            let kills = spec.moves.indices.filter { if case .kill = spec.moves[$0] { true } else { false } }
            guard !kills.isEmpty else { return nil }
            let kill = spec.moves.remove(at: generator.pick(kills))
            spec.moves.insert(kill, at: generator.next(in: 0...spec.moves.count))
        case "die-after":
            // The worker kills itself after an operation's calls returned, before it reports: a take without its ack.
            guard case .invoke(_, _, _, let eventIndex) = spec.moves[generator.pick(invokes)] else { return nil }
            spec.directives[eventIndex, default: .none].dieAfter = true
        case "move-fault":
            let from = generator.pick(spec.injectedFaults)
            guard case .invoke(_, _, _, let to) = spec.moves[generator.pick(invokes)], to != from else { return nil }
            spec.directives[to, default: .none].fault = spec.directives[from]?.fault
            spec.directives[from]?.fault = nil
        default:  // splice
            guard let partner else { return nil }
            let cut = generator.next(in: 0...Swift.min(spec.moves.count, partner.moves.count))
            spec.moves = Array(spec.moves[..<cut]) + partner.moves[cut...]
            for (eventIndex, directive) in partner.directives where spec.directives[eventIndex] == nil { spec.directives[eventIndex] = directive }
        }
        return choice
    }

    // MARK: Simulations

    /// Edits a simulation's steps in place; returns the edit's name, or nil when none applies.
    static func edit(_ spec: inout SimulationRunSpec, partner: SimulationRunSpec?, generator: inout SeededGenerator) -> String? {
        let steps = spec.moves.indices.filter { spec.moves[$0].isScheduling }
        guard !steps.isEmpty else { return nil }
        let withCalls = steps.filter { if case .step(_, let calls, _) = spec.moves[$0] { !calls.isEmpty } else { false } }
        let kills = spec.moves.indices.filter { !spec.moves[$0].isScheduling }
        var choices = ["delete", "preempt", "preempt"]
        if !withCalls.isEmpty { choices += ["insert", "argument"] }
        if !kills.isEmpty { choices.append("move-kill") }
        if partner != nil { choices.append("splice") }
        let choice = generator.pick(choices)
        switch choice {
        case "delete":
            spec.moves = deletingChunk(spec.moves, generator: &generator)
        case "preempt":
            // Hold one process back for a stretch of 8 to 4096 steps from a random point of its own: its steps
            // inside the window move after it, so everyone else runs meanwhile (the window an ABA or a stall
            // needs). The process is drawn first, each alike: drawn by step, the busiest would nearly always be
            // the one held, and a short program's process (often the victim) almost never.
            let process = generator.pick(Set(steps.map { spec.moves[$0].process }).sorted())
            let start = generator.pick(steps.filter { spec.moves[$0].process == process })
            let end = Swift.min(spec.moves.count, start + (1 << generator.next(in: 3...12)))
            let held = (start..<end).filter { spec.moves[$0].process == process }
            let kept = spec.moves[start..<end].filter { $0.process != process }
            spec.moves.replaceSubrange(start..<end, with: kept + held.map { spec.moves[$0] })
        case "insert":
            // The same operation started once more, later: the program gets one more call.
            let from = generator.pick(withCalls)
            guard case .step(let process, let calls, _) = spec.moves[from] else { return nil }
            let later = steps.filter { $0 > from && spec.moves[$0].process == process }
            let to = later.isEmpty ? from : generator.pick(later)
            guard case .step(_, let existing, let stale) = spec.moves[to] else { return nil }
            spec.moves[to] = .step(process: process, calls: existing + calls, stale: stale)
        case "argument":
            let index = generator.pick(withCalls)
            guard case .step(let process, var calls, let stale) = spec.moves[index] else { return nil }
            let call = generator.next(below: calls.count)
            guard let value = calls[call].value?.resizedCallValue(grow: generator.chance(0.5)) else {
                return edit(&spec, partner: partner, generator: &generator)
            }
            calls[call].value = value
            spec.moves[index] = .step(process: process, calls: calls, stale: stale)
        case "move-kill":
            let kill = spec.moves.remove(at: generator.pick(kills))
            spec.moves.insert(kill, at: generator.next(in: 0...spec.moves.count))
        default:  // splice
            guard let partner else { return nil }
            let cut = generator.next(in: 0...Swift.min(spec.moves.count, partner.moves.count))
            spec.moves = Array(spec.moves[..<cut]) + partner.moves[cut...]
        }
        return choice
    }

    /// Where processes of a real-mode run die: each kill (after an invoke of its process) and each invoke whose
    /// worker kills itself after it (`dieAfter`), as the dying process's last invoke and the position of the death.
    /// A header's faults with `kill` among its kinds.
    static func addingKill(to faults: JSONValue?) -> JSONValue {
        guard case .object(var object)? = faults else { return ["kinds": ["kill"]] }
        var kinds: [JSONValue] = if case .array(let kinds)? = object["kinds"] { kinds } else { [] }
        if !kinds.contains(.string("kill")) { kinds.append(.string("kill")) }
        object["kinds"] = .array(kinds)
        return .object(object)
    }

    /// The processes that could make `call` in a dying process's stead after move `position`: scheduled after it, and
    /// making that call themselves somewhere in the run. Given to any other process the run would test a program
    /// nobody wrote (``isFaithful(_:to:)`` refuses it): `take-and-die` picked such survivors in 4 of 4 tries of the
    /// first derived run of `ack-queue-fragile-forgets-unacked` seed 8 (a producer made to receive), and the edit was
    /// lost for a variation.
    static func survivors(_ spec: RealRunSpec, of call: Call, after position: Int) -> [Int] {
        let callers = Set(calls(of: spec).filter { $0.object == call.object && $0.f == call.f }.map(\.process))
        return Set(spec.moves[(position + 1)...].filter(\.isScheduling).map(\.process))
            .subtracting([call.process]).intersection(callers).sorted()
    }

    static func deathPoints(_ spec: RealRunSpec, invokes: [Int]) -> [(invoke: Int, position: Int)] {
        var deaths: [(invoke: Int, position: Int)] = []
        for index in spec.moves.indices {
            switch spec.moves[index] {
            case .kill(let process, _):
                if let last = invokes.last(where: { $0 < index && spec.moves[$0].process == process }) { deaths.append((last, index)) }
            case .invoke(_, _, _, let eventIndex) where spec.directives[eventIndex]?.dieAfter == true:
                deaths.append((index, index))
            default:
                break
            }
        }
        return deaths
    }

    /// The moves without a chunk of 1 to an eighth of them; moves that may not go (a process's exit) stay, at the end.
    static func deletingChunk<Move: ShrinkMove>(_ moves: [Move], generator: inout SeededGenerator) -> [Move] {
        guard !moves.isEmpty else { return moves }
        let length = generator.next(in: 1...Swift.max(1, moves.count / 8))
        let start = generator.next(below: moves.count)
        let range = start..<Swift.min(moves.count, start + length)
        var kept = moves
        kept.removeSubrange(range)
        return kept + moves[range].filter { !$0.isRemovable }
    }
}

extension ReplayPlan.Move {
    /// An invocation's arguments; nil for other moves.
    var callValue: JSONValue? {
        if case .invoke(_, let call, _, _) = self { return call.value }
        return nil
    }

    /// The invocation with other arguments.
    func withCallValue(_ value: JSONValue) -> ReplayPlan.Move {
        guard case .invoke(let process, var call, let choices, let eventIndex) = self else { return self }
        call.value = value
        return .invoke(process: process, call: call, choices: choices, eventIndex: eventIndex)
    }
}

extension JSONValue {
    /// A call's value with its payload (`data`) or read size (`max`) halved or doubled (a payload doubled by
    /// repeating it, so its bytes stay the kind the workload writes); nil when it has neither.
    func resizedCallValue(grow: Bool) -> JSONValue? {
        guard case .object(var value) = self else { return nil }
        if let data = value["data"], let bytes = try? data.payload("data"), !bytes.isEmpty {
            guard grow || bytes.count > 1 else { return nil }
            value["data"] = Payload.json(grow ? bytes + bytes : Array(bytes.prefix(bytes.count / 2)))
        } else if case .integer(let max)? = value["max"], max >= 1 {
            guard grow || max > 1 else { return nil }
            value["max"] = .integer(grow ? Swift.min(max * 2, 1 << 20) : max / 2)
        } else {
            return nil
        }
        return .object(value)
    }
}
