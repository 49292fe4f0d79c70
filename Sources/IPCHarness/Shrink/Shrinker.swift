import IPCModels
import IPCSyscalls

/// What shrinking did.
public struct ShrinkResult: Sendable {
    /// The smallest failing run found, with its verdict.
    public var result: RunResult
    public var eventsBefore: Int
    public var eventsAfter: Int
    /// Candidate runs executed.
    public var candidates: Int
    /// Why nothing was shrunk, when nothing was: the trace has no violation (its own verdict stands), or replaying
    /// it did not reproduce the violation (the result is then unknown). Neither is bad input.
    public var unshrunk: String?
}

/// Makes a failing trace smaller while it still fails the same check — a violation on the same object, stuck at
/// the same kind of operation, or the same invariant broken, so shrinking does not slip from the bug it was given
/// to a different one — by delta debugging over the run and re-running every candidate (on the real kernel for a
/// real-mode trace, in the simulator for a simulation): whole processes first, then moves (operations, kills and,
/// in a simulation, single steps; in halving chunks, as ddmin does), payload sizes and pauses, and finally
/// schedule preemptions (a process's move brought up next to its previous one, fewer context switches first).
/// Repeats until a whole round removes nothing, or the time limit. The trace kept is the one its run recorded,
/// so `replay` reproduces it.
public enum Shrinker {
    public static func shrink(
        _ trace: Trace, path: String? = nil, worker: WorkerCommand, budget: CheckBudget = CheckBudget(seconds: 30),
        timeLimitSeconds: Double = 300, progress: (String) -> Void = { _ in }
    ) throws(ReplayError) -> ShrinkResult {
        let original: CheckReport
        do {
            try TraceInput.validate(trace, name: path ?? "trace")
            original = try TraceChecker.check(trace, name: path ?? "trace", budget: budget.withoutExplanations)
        } catch {
            throw .trace(error)
        }
        let targets = Set(signatures(of: original, in: trace))
        guard !targets.isEmpty else {
            return unshrunk(trace, original, "nothing to shrink: the trace has no violation (\(original.result.rawValue))")
        }
        let shrunk: ShrinkResult
        if trace.header.mode == "sim" {
            shrunk = try shrink(
                SimulationRunSpec(trace: trace, path: path), trace: trace, targets: targets, worker: worker, budget: budget,
                timeLimitSeconds: timeLimitSeconds, progress: progress)
        } else {
            let setup = trace.header.scenario.flatMap(Scenarios.named)?.realSetup
            shrunk = try shrink(
                RealRunSpec(trace: trace, setup: setup, path: path), trace: trace, targets: targets, worker: worker,
                budget: budget, timeLimitSeconds: timeLimitSeconds, progress: progress)
        }
        return shrunk.unshrunk.map { unshrunk(trace, original, $0, result: .unknown) } ?? shrunk
    }

    /// The trace given, with its own verdict (or `result`), for a shrink that changed nothing (see
    /// ``ShrinkResult/unshrunk``).
    static func unshrunk(_ trace: Trace, _ original: CheckReport, _ why: String, result: Trace.Verdict.Result? = nil) -> ShrinkResult {
        var report = original
        report.result = result ?? original.result
        var checked = trace
        checked.verdict = report.verdict
        return ShrinkResult(
            result: RunResult(seed: UInt64(trace.header.seed) ?? 0, trace: checked, report: report),
            eventsBefore: trace.events.count, eventsAfter: trace.events.count, candidates: 0, unshrunk: why)
    }

    static func shrink<Run: ShrinkableRun>(
        _ run: Run, trace: Trace, targets: Set<String>, worker: WorkerCommand, budget: CheckBudget,
        timeLimitSeconds: Double, progress: (String) -> Void
    ) throws(ReplayError) -> ShrinkResult {
        var spec = run
        let quick = budget.withoutExplanations
        let deadline = MonotonicClock.nanoseconds() + UInt64(timeLimitSeconds * 1e9)
        var candidates = 0
        var best: RunResult?

        /// Runs a candidate; true (and it becomes the best) when it still fails the same check.
        func fails(_ candidate: Run) -> Bool {
            candidates += 1
            guard let result = try? candidate.run(worker: worker, budget: quick) else { return false }
            guard signatures(of: result.report, in: result.trace).contains(where: targets.contains) else { return false }
            best = result
            return true
        }

        // The original must reproduce before anything is removed (the kernel may race; try it a few times). A run
        // that fails on the trace's own input (a worker refusing an operation) is bad input, as `replay` says.
        do {
            _ = try spec.run(worker: worker, budget: quick)
        } catch {
            if case .trace = error { throw error }
        }
        guard (0..<3).contains(where: { _ in fails(spec) }) else {
            return ShrinkResult(
                result: RunResult(seed: 0, trace: trace, report: CheckReport(model: trace.header.model, result: .unknown, objects: [])),
                eventsBefore: trace.events.count,
                eventsAfter: trace.events.count, candidates: 0,
                unshrunk: "not shrunk: replaying the trace did not reproduce its violation in 3 attempts")
        }
        var changed = true
        while changed && MonotonicClock.nanoseconds() < deadline {
            changed = false
            // Whole processes.
            for process in spec.invokingProcesses.reversed() where MonotonicClock.nanoseconds() < deadline {
                if let candidate = spec.removing(process: process), fails(candidate) {
                    spec = candidate
                    changed = true
                    progress("removed process \(process): \(spec.moves.count) moves")
                }
            }
            // Moves, ddmin-style: chunks of halving size.
            var chunk = Swift.max(1, spec.moves.count / 2)
            while chunk >= 1 && MonotonicClock.nanoseconds() < deadline {
                var start = 0
                while start < spec.moves.count && MonotonicClock.nanoseconds() < deadline {
                    var candidate = spec
                    let removed = candidate.moves[start..<Swift.min(start + chunk, candidate.moves.count)]
                    guard removed.contains(where: \.isRemovable) else {
                        start += chunk
                        continue
                    }
                    candidate.moves.removeSubrange(start..<Swift.min(start + chunk, candidate.moves.count))
                    candidate.moves += removed.filter { !$0.isRemovable }
                    if fails(candidate) {
                        spec = candidate
                        changed = true
                        progress("removed \(removed.count) moves: \(spec.moves.count) left")
                    } else {
                        start += chunk
                    }
                }
                chunk /= 2
            }
            // Injected call faults, one at a time (kills and signals are moves, removed above).
            for eventIndex in spec.injectedFaults where MonotonicClock.nanoseconds() < deadline {
                let candidate = spec.removingInjectedFault(eventIndex)
                if fails(candidate) {
                    spec = candidate
                    changed = true
                    progress("removed the fault injected at event \(eventIndex)")
                }
            }
            // Payload sizes and pauses: halve each while it still fails.
            for index in spec.moves.indices where MonotonicClock.nanoseconds() < deadline {
                while let smaller = spec.moves[index].halved() {
                    var candidate = spec
                    candidate.moves[index] = smaller
                    guard fails(candidate) else { break }
                    spec = candidate
                    changed = true
                }
            }
            // Preemptions: move a scheduling move up next to its process's previous one.
            var index = 1
            while index < spec.moves.count && MonotonicClock.nanoseconds() < deadline {
                let process = spec.moves[index].process
                guard spec.moves[index].isScheduling,
                    let previous = spec.moves[..<index].lastIndex(where: { $0.isScheduling && $0.process == process }),
                    previous + 1 < index
                else {
                    index += 1
                    continue
                }
                var candidate = spec
                let move = candidate.moves.remove(at: index)
                candidate.moves.insert(move, at: previous + 1)
                if candidate.contextSwitches < spec.contextSwitches && fails(candidate) {
                    spec = candidate
                    changed = true
                }
                index += 1
            }
        }
        guard var best else { throw .harness(HarnessError("shrinking lost the failing run")) }
        // Explain the one that is kept.
        if let explained = try? TraceChecker.check(best.trace, budget: budget) {
            best.report = explained
            best.trace.verdict = explained.verdict
        }
        // A shrunk trace is a regression input: it is expected to keep failing until the bug is fixed.
        best.trace.header.extra[Trace.expectationKey] = .string(Trace.Verdict.Result.violation.rawValue)
        return ShrinkResult(result: best, eventsBefore: trace.events.count, eventsAfter: best.trace.events.count, candidates: candidates, unshrunk: nil)
    }
}

extension Shrinker {
    /// What "the same check" means: each violating object with the name of the operation the checker could not
    /// get past (so a reorder caught at a read does not slip into an unrelated failure caught at a write), and each
    /// invariant that failed.
    public static func signatures(of report: CheckReport, in trace: Trace) -> [String] {
        report.objects.filter { $0.result == .violation }.map { object in
            let stuck = object.stuckEventIndex.flatMap { trace.events.indices.contains($0) ? trace.events[$0].f : nil }
            return object.object + ":" + (stuck ?? "?")
        } + report.invariants.filter { $0.finding != nil }.map { "invariant:" + $0.name }
    }
}

extension ReplayPlan.Move: ShrinkMove {
    /// The process the move concerns.
    var process: Int {
        switch self {
        case .invoke(let process, _, _, _), .kill(let process, _), .exit(let process, _), .signal(let process, _): process
        }
    }

    /// Invocations and kills can be removed; exits are where processes end and stay.
    var isRemovable: Bool {
        if case .exit = self { return false }
        return true
    }

    /// The driver schedules a process by invoking its next operation.
    var isScheduling: Bool {
        if case .invoke = self { return true }
        return false
    }

    /// The move without `process` among the choices it records (after that process was removed).
    func forgetting(_ removed: Int) -> ReplayPlan.Move {
        guard case .invoke(let process, let call, let choices, let eventIndex) = self else { return self }
        return .invoke(process: process, call: call, choices: choices.filter { $0 != removed }, eventIndex: eventIndex)
    }

    /// The same invocation with its payload or read size halved; nil when there is nothing left to halve.
    func halved() -> ReplayPlan.Move? {
        guard case .invoke(let process, var call, _, let eventIndex) = self, let value = call.value?.halvedCallValue() else {
            return nil
        }
        call.value = value
        return .invoke(process: process, call: call, choices: [process], eventIndex: eventIndex)
    }
}
