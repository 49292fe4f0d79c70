import IPCModels

/// What replaying a trace found.
public struct ReplayResult: Sendable {
    /// The verdict recorded in the trace, if it has one.
    public var recordedVerdict: Trace.Verdict.Result?
    /// The replayed run, checked.
    public var result: RunResult
    /// Where the replay did not go as recorded, first divergence first: moves that could not be made, then
    /// operations whose outcome differed.
    public var divergences: [String]
}

/// Re-executes a recorded run: the same workload, the same invocations in the same order, the same kills.
public enum Replayer {
    /// Whether the trace at `path` carries what a replay needs (a real-mode workload or a simulation setup in its
    /// header).
    public static func isReplayable(path: String) -> Bool {
        guard let header = try? TraceReader(path: path).header else { return false }
        return (header.mode == "real" && header.extra["workload"] != nil) || (header.mode == "sim" && header.extra["sim"] != nil)
    }

    public static func replay(path: String, worker: WorkerCommand, checkBudget: CheckBudget) throws(ReplayError) -> ReplayResult {
        let trace: Trace
        do {
            trace = try Trace.load(path: path)
        } catch {
            throw .trace(error)
        }
        return try replay(trace, path: path, worker: worker, checkBudget: checkBudget)
    }

    public static func replay(
        _ original: Trace, path: String? = nil, worker: WorkerCommand, checkBudget: CheckBudget
    ) throws(ReplayError) -> ReplayResult {
        do {
            try TraceInput.validate(original, name: path ?? "trace")
        } catch {
            throw .trace(error)
        }
        let header = original.header
        if header.mode == "sim" { return try SimulationReplayer.replay(original, path: path, checkBudget: checkBudget) }
        guard header.mode == "real" else {
            throw .trace(TraceError(path: path, line: 1, "only real-mode and simulation traces can be replayed (mode is \(header.mode.map { "'\($0)'" } ?? "missing"))"))
        }
        guard let setup = header.extra["workload"] else {
            throw .trace(TraceError(path: path, line: 1, "the header has no 'workload'; only traces recorded by `ipc-harness run` can be replayed"))
        }
        let workload: Workload
        do {
            workload = try Workload(setupJSON: setup)
        } catch {
            throw .trace(TraceError(path: path, line: 1, "the header's workload: \(error.message)"))
        }
        var plan = ReplayPlan(moves: moves(of: original), directives: directives(of: original))
        let driver = RealDriver(
            workload: workload, implementation: header.mechanism, worker: worker, options: driverOptions(of: header))
        let events: [Trace.Event]
        do {
            events = try driver.run(&plan)
        } catch {
            throw .located(error, path: path, lastInvoke: plan.lastInvoke)
        }
        var replayedHeader = header
        replayedHeader.extra["replayOf"] = .string(path ?? "trace")
        let seed = UInt64(header.seed) ?? 0
        let result: RunResult
        do {
            result = try ScenarioRunner.check(Trace(header: replayedHeader, events: events), seed: seed, budget: checkBudget)
        } catch {
            throw .harness(error)
        }
        return ReplayResult(
            recordedVerdict: original.verdict?.result, result: result,
            divergences: plan.divergences + outcomeDivergences(original.events, events))
    }

    /// The driver's recorded moves, in order.
    static func moves(of trace: Trace) -> [ReplayPlan.Move] {
        var moves: [ReplayPlan.Move] = []
        var killed = Set<Int>()
        var choices: [Int]? = nil
        for event in trace.events {
            switch event.type {
            case .schedule:
                if let enabled = event.enabledProcesses { choices = enabled }
            case .invoke:
                let call = Call(process: event.process, object: event.object ?? "", f: event.f ?? "", value: event.value)
                moves.append(.invoke(process: event.process, call: call, choices: choices ?? [event.process], eventIndex: event.index))
                choices = nil
            case .kill:
                killed.insert(event.process)
                // A worker killed "after" killed itself, as its invoke's directive told it to; one killed as hung
                // is the replay's watchdog's business.
                if event.point != "after" && event.point != "hung" {
                    moves.append(.kill(process: event.process, eventIndex: event.index))
                }
            case .fault where event.fault == "signal":
                moves.append(.signal(process: event.process, eventIndex: event.index))
            case .exit where !killed.contains(event.process):
                moves.append(.exit(process: event.process, eventIndex: event.index))
            default:
                break
            }
        }
        return moves
    }

    /// What the driver injected into each invoke (by the invoke's event index): the call fault its worker
    /// reported, and a kill after the call returned.
    static func directives(of trace: Trace) -> [Int: OperationDirective] {
        var directives: [Int: OperationDirective] = [:]
        var outstanding: [Int: Int] = [:]
        for event in trace.events {
            switch event.type {
            case .invoke:
                outstanding[event.process] = event.index
                if case .integer(let process)? = event.extra["resolves"] {
                    directives[event.index, default: .none].resolves = Int(process)
                }
            case .fault where event.fault == "short":
                guard let invoke = outstanding[event.process], case .integer(let count)? = event.value?["count"] else { break }
                directives[invoke, default: .none].fault = .short(Int(count))
            case .fault where event.fault == "delay":
                guard let invoke = outstanding[event.process], case .integer(let microseconds)? = event.value?["microseconds"] else { break }
                directives[invoke, default: .none].fault = .delay(microseconds: Int(microseconds))
            case .fault where event.fault != "signal":
                guard let invoke = outstanding[event.process], let name = event.fault else { break }
                directives[invoke, default: .none].fault = .errno(name)
            case .kill where event.point == "after":
                guard let invoke = outstanding[event.process] else { break }
                directives[invoke, default: .none].dieAfter = true
            case .ok, .fail, .info:
                outstanding[event.process] = nil
            default:
                break
            }
        }
        return directives
    }

    /// The driver's options a recorded run had: how its workers handled signals.
    static func driverOptions(of header: Trace.Header) -> RealDriver.Options {
        var options = RealDriver.Options()
        // The recorded probes are moves like any other; the replay makes no probes of its own.
        options.resolvesIndeterminate = false
        if case .bool(let restart)? = header.faults?["sa-restart"] { options.signalRestarts = restart }
        return options
    }

    /// Operations whose completion differs, matched by process and position in that process's program.
    static func outcomeDivergences(_ recorded: [Trace.Event], _ replayed: [Trace.Event]) -> [String] {
        func completions(_ events: [Trace.Event]) -> [Int: [Trace.Event]] {
            var byProcess: [Int: [Trace.Event]] = [:]
            for event in events where [.ok, .fail, .info].contains(event.type) {
                byProcess[event.process, default: []].append(event)
            }
            return byProcess
        }
        let before = completions(recorded)
        let after = completions(replayed)
        var found: [(Int, String)] = []
        for (process, expected) in before {
            let got = after[process] ?? []
            for (position, event) in expected.enumerated() {
                let describe = { (event: Trace.Event) -> String in
                    switch event.type {
                    case .ok: "ok \(event.value.map { "\($0)" } ?? "")"
                    case .fail: "fail \(event.error ?? "")"
                    default: event.type.rawValue
                    }
                }
                guard position < got.count else {
                    found.append((event.index, "event \(event.index): process \(process)'s '\(event.f ?? "")' completed as \(describe(event)) when recorded, but never completed in the replay"))
                    break
                }
                let other = got[position]
                if other.type != event.type || other.value != event.value || other.error != event.error {
                    found.append((event.index, "event \(event.index): process \(process)'s '\(event.f ?? "")' was recorded as \(describe(event)); the replay got \(describe(other))"))
                    break
                }
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// Why a trace could not be replayed.
public enum ReplayError: Error, CustomStringConvertible {
    case trace(TraceError)
    case harness(HarnessError)

    /// A failure re-executing a trace: about the trace when the driver says it is about the run's input (naming
    /// the file, and the line of the operation a worker refused, or the header), else the harness's own.
    static func located(_ error: HarnessError, path: String?, lastInvoke: [Int: Int]) -> ReplayError {
        switch error.input {
        case .setup?:
            return .trace(TraceError(path: path, line: 1, "the header's workload cannot be set up: \(error.message)"))
        case .operation(let process)?:
            return .trace(TraceError(path: path, line: lastInvoke[process].map { $0 + 2 }, error.message))
        case nil:
            return .harness(error)
        }
    }

    public var description: String {
        switch self {
        case .trace(let error): "\(error)"
        case .harness(let error): "\(error)"
        }
    }
}
