import Foundation
import Glibc
import IPCHarness
import IPCModels
import Testing

/// Runs a built-in scenario for real with fixed seeds under the random and PCT strategies, expects no violation,
/// and collects the outcomes its runs reached, so a test can ask that a scenario exercises what it claims.
enum ScenarioRuns {
    /// What a set of traces showed: every errno a call failed with, plus named kinds of results (see
    /// ``marks(of:)``).
    /// How many runs of the broken scenario `name`, one per seed under a random schedule, were found violations.
    static func caught(_ name: String, seeds: Range<UInt64>, worker: WorkerCommand, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let scenario = try #require(Scenarios.named(name), sourceLocation: sourceLocation)
        #expect(scenario.isBroken, sourceLocation: sourceLocation)
        var caught = 0
        for seed in seeds {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            if result.report.result == .violation { caught += 1 }
        }
        return caught
    }

    /// The explanation of the first violation 30 runs of the broken scenario `name` from seed 4000 find, if any.
    static func firstViolation(_ name: String, worker: WorkerCommand, sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        let scenario = try #require(Scenarios.named(name), sourceLocation: sourceLocation)
        let directory = "/tmp/ipc-harness-\(name)-\(getpid())"
        defer { _ = try? FileManager.default.removeItem(atPath: directory) }
        let summary = try ScenarioRunner.run(
            scenario, options: RunOptions(seed: 4000, runs: 30, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60)),
            worker: worker)
        return summary.firstViolation?.explanation
    }

    /// The `value` of every successful `f` in one random run of `name` per seed (absent values left out).
    static func successValues(
        _ name: String, f: String, seeds: Range<UInt64>, worker: WorkerCommand, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [JSONValue] {
        let scenario = try #require(Scenarios.named(name), sourceLocation: sourceLocation)
        var values: [JSONValue] = []
        for seed in seeds {
            let result = try ScenarioRunner.runOnce(scenario, seed: seed, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 60))
            for event in result.trace.events where event.type == .ok && event.f == f {
                if let value = event.value { values.append(value) }
            }
        }
        return values
    }

    static func reached(
        _ name: String, seeds: Range<UInt64>, worker: WorkerCommand, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Set<String> {
        let scenario = try #require(Scenarios.named(name), sourceLocation: sourceLocation)
        #expect(!scenario.isBroken, sourceLocation: sourceLocation)
        var seen = Set<String>()
        for seed in seeds {
            for strategy in [StrategySpec.random, .pct(depth: 3)] {
                let result = try ScenarioRunner.runOnce(
                    scenario, seed: seed, strategy: strategy, worker: worker, checkBudget: CheckBudget(seconds: 60))
                #expect(
                    result.report.result == .ok, "\(name) seed \(seed) \(strategy): \(result.report.explanation)",
                    sourceLocation: sourceLocation)
                seen.formUnion(marks(of: result.trace.events))
            }
        }
        return seen
    }

    /// The errno names of failed calls (alone, and as `ERRNO:F` with the failed operation), and for the results
    /// worth asking about:
    /// - `short`: a write or send that took fewer bytes than it was given;
    /// - `empty`: a read or receive that returned no bytes (end of file, or an empty message);
    /// - `truncated`, `files`, `filesTruncated`, `from`: a receive with that field;
    /// - `SI_USER`, `SI_QUEUE`: a signal taken with that code;
    /// - `sent while pending`: a signal sent twice with no delivery of it in between; `taken twice`: a signal
    ///   delivered twice with no send of it in between (both were pending at once, so it queued);
    /// - `open`, `closed`: a probe's answer; `above 2^63`: a 64-bit value written or read past Int64's range;
    /// - `setmask delivered`: a `SIG_SETMASK` (`"how": "setmask"`) whose handlers ran; `sigmask interrupted`,
    ///   `sigmask ready`: a `ppoll`/`pselect` (or `epoll_pwait`) with a mask that handlers interrupted, or that found its
///   descriptor ready (`sigmask nothing`: an `epoll_pwait` with a mask that reported nothing);
    /// - `asleep`: an operation that completed after another process had invoked one since it began;
    /// - `killed`: the driver killed a process (every process was asleep);
    /// - `ok:F`: some call of operation F succeeded.
    static func marks(of events: [Trace.Event]) -> Set<String> {
        var marks = Set<String>()
        var pending: [Int: (event: Trace.Event, othersSince: Bool)] = [:]
        var sendsSinceDelivery: [String: Int] = [:]
        var deliveriesSinceSend: [String: Int] = [:]
        for event in events {
            switch event.type {
            case .invoke:
                for process in pending.keys where process != event.process { pending[process]!.othersSince = true }
                pending[event.process] = (event, false)
            case .ok, .fail, .info:
                guard let (invoke, othersSince) = pending.removeValue(forKey: event.process) else { continue }
                if othersSince && event.type != .info { marks.insert("asleep") }
                if let error = event.error {
                    marks.insert(error)
                    marks.insert("\(error):\(event.f ?? "")")
                }
                guard event.type == .ok else { continue }
                marks.insert("ok:\(event.f ?? "")")
                marks.formUnion(resultMarks(invoke.value, event.value))
                if event.f == "kill" || event.f == "sigqueue", case .string(let signal)? = invoke.value?["signal"] {
                    sendsSinceDelivery[signal, default: 0] += 1
                    deliveriesSinceSend[signal] = 0
                    if sendsSinceDelivery[signal]! >= 2 { marks.insert("sent while pending") }
                }
                // Handlers ran nested within one sigsuspend; or recorded a higher signal before a lower one (with
                // no tgkill or synchronous signal in the workload: handlers with an empty sa_mask, nested).
                if event.f == "sigsuspend" || event.f == "sigprocmask" || event.f == "pthread_sigmask",
                    case .array(let deliveries)? = event.value?["deliveries"]
                {
                    if event.f == "sigsuspend" && deliveries.count >= 2 { marks.insert("nested") }
                    let numbers = deliveries.compactMap { delivery -> Int? in
                        guard case .string(let name)? = delivery["signal"] else { return nil }
                        return SignalModel.number(of: name)
                    }
                    if zip(numbers, numbers.dropFirst()).contains(where: { $0 > $1 }) { marks.insert("out of order") }
                    if deliveries.contains(where: { $0["onStack"] == .bool(true) }) { marks.insert("on the alternate stack") }
                    // What handlers' own sigaltstack calls got: a change refused on the stack, one taken off it.
                    for delivery in deliveries {
                        guard case .object(let call)? = delivery["sigaltstack"] else { continue }
                        marks.insert("handler's sigaltstack")
                        if case .string(let result)? = call["set"] { marks.insert("handler's change \(result)") }
                    }
                }
                if event.f == "wait", case .string(let signal)? = event.value?["signal"] {
                    deliveriesSinceSend[signal, default: 0] += 1
                    sendsSinceDelivery[signal] = 0
                    if deliveriesSinceSend[signal]! >= 2 { marks.insert("taken twice") }
                }
            case .kill:
                marks.insert("killed")
            default:
                continue
            }
        }
        return marks
    }

    private static func resultMarks(_ arguments: JSONValue?, _ result: JSONValue?) -> [String] {
        var marks: [String] = []
        if case .integer(let count)? = result?["written"] ?? result?["sent"],
            let data = try? arguments?["data"]?.payload("data"), count < data.count
        {
            marks.append("short")
        }
        if case .string("")? = result?["data"] { marks.append("empty") }
        for field in ["truncated", "filesTruncated"] where result?[field] == .bool(true) { marks.append(field) }
        for field in ["files", "from"] where result?[field] != nil { marks.append(field) }
        if case .string(let code)? = result?["code"] { marks.append(code) }
        if case .bool(let open)? = result?["open"] { marks.append(open ? "open" : "closed") }
        if case .string? = result?["value"] ?? arguments?["value"] { marks.append("above 2^63") }
        if arguments?["how"] == .string("setmask"), case .array(let deliveries)? = result?["deliveries"], !deliveries.isEmpty {
            marks.append("setmask delivered")
        }
        if arguments?["sigmask"] != nil {
            if case .array(let deliveries)? = result?["deliveries"], !deliveries.isEmpty { marks.append("sigmask interrupted") }
            if result?["revents"] == .array(["POLLIN"]) || result?["readable"] == .bool(true) { marks.append("sigmask ready") }
            if case .array(let events)? = result?["events"] { marks.append(events.isEmpty ? "sigmask nothing" : "sigmask ready") }
        }
        return marks
    }
}
