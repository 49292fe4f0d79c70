import IPCModels

/// Turning a simulated run into a trace, and a trace back into what its replay needs.
///
/// A simulation trace's header carries the `workload` (objects, kinds, parameters, who holds what — as a real-mode
/// trace's does) and `sim`, the simulation's options (`{"memory": "weak"}`); the programs are its invoke events, the
/// moves its schedule and kill events, and each load's choice of store its access's `stale`.
enum SimulationTrace {
    static func events(_ simulated: [SimEvent], regionNames: [String]) -> [Trace.Event] {
        var events: [Trace.Event] = []
        events.reserveCapacity(simulated.count)
        func add(_ process: Int, _ step: Int, _ type: Trace.EventType, _ fill: (inout Trace.Event) -> Void) {
            var event = Trace.Event(index: events.count, time: UInt64(step), process: process, type: type)
            fill(&event)
            events.append(event)
        }
        for event in simulated {
            switch event {
            case .schedule(let process, let step, let enabled, let access):
                add(process, step, .schedule) { event in
                    var value: JSONObject = ["enabled": .array(enabled.map { .int($0) })]
                    if let access { value["access"] = access.json(object: regionNames.count > 1 ? regionNames[access.region] : nil) }
                    event.value = .object(value)
                }
            case .invoke(let process, let step, let call):
                add(process, step, .invoke) {
                    $0.f = call.f
                    $0.object = call.object
                    $0.value = call.value
                }
            case .completion(let process, let step, let call, let outcome):
                switch outcome {
                case .ok(let value):
                    add(process, step, .ok) {
                        $0.f = call.f
                        $0.object = call.object
                        $0.value = value
                    }
                case .fail(let error):
                    add(process, step, .fail) {
                        $0.f = call.f
                        $0.object = call.object
                        $0.error = error.rawValue
                    }
                }
            case .kill(let process, let step, let during):
                add(process, step, .kill) {
                    $0.signal = "SIGKILL"
                    $0.point = during ? "during" : "before"
                }
            case .hung(let process, let step, let reason):
                add(process, step, .kill) {
                    $0.signal = "SIGKILL"
                    $0.point = "hung"
                    $0.value = ["reason": .string(reason)]
                }
            case .indeterminate(let process, let step, let call):
                add(process, step, .info) {
                    $0.f = call.f
                    $0.object = call.object
                }
            case .exit(let process, let step, let signal, let reason):
                add(process, step, .exit) {
                    if let signal {
                        var value: JSONObject = ["signal": .string(signal)]
                        if let reason, !reason.isEmpty { value["reason"] = .string(reason) }
                        $0.value = .object(value)
                    } else {
                        $0.value = ["code": 0]
                    }
                }
            }
        }
        return events
    }

    /// The moves of a recorded simulation: one step per schedule event (with the store its load read, if it had a
    /// choice), one kill per kill event (a process the run found hung was not killed by the plan).
    static func moves(of trace: Trace) -> [ReplaySimPlan.RecordedMove] {
        trace.events.compactMap { event in
            switch event.type {
            case .schedule:
                var stale: Int?
                if case .integer(let value)? = event.value?["access"]?["stale"] { stale = Int(value) }
                return ReplaySimPlan.RecordedMove(move: .step(event.process), stale: stale, eventIndex: event.index)
            case .kill where event.point != "hung":
                return ReplaySimPlan.RecordedMove(move: .kill(event.process), stale: nil, eventIndex: event.index)
            default:
                return nil
            }
        }
    }

    /// Each process's program for a replay, read from the invoke events, for the workload's processes. A process
    /// killed between two operations had already finished the last one it invoked: give it one more call, which
    /// the kill comes before (and which is never performed).
    static func programs(of trace: Trace, processes: [Int]) -> [Int: [Call]] {
        var calls: [Int: [Call]] = [:]
        for event in trace.events where event.type == .invoke {
            calls[event.process, default: []].append(
                Call(process: event.process, object: event.object ?? "", f: event.f ?? "", value: event.value))
        }
        let killedBetween = Set(trace.events.filter { $0.type == .kill && $0.point == "before" }.map(\.process))
        var programs: [Int: [Call]] = [:]
        for process in processes {
            var program = calls[process] ?? []
            if killedBetween.contains(process) { program.append(Call(process: process, object: "", f: "(killed before this)")) }
            programs[process] = program
        }
        return programs
    }

    /// The header's simulation options (`sim`).
    /// `slowProcess`: the random strategy's slow process (``PreemptionWindows``), recorded so that a reader (and
    /// coverage-guided fuzzing, ``GenerationArms``) knows which process the run's long preemption windows held back;
    /// a replay follows the recorded steps and does not read it.
    static func optionsJSON(_ options: SimulationOptions, slowProcess: Int? = nil) -> JSONValue {
        var json: JSONObject = ["memory": .string(options.memory.description)]
        if let slowProcess { json["slowProcess"] = .integer(Int64(slowProcess)) }
        return .object(json)
    }

    /// The slow process a header's `sim` names (``optionsJSON(_:slowProcess:)``), if any.
    static func slowProcess(from sim: JSONValue?) -> Int? {
        if case .integer(let process)? = sim?["slowProcess"] { return Int(process) }
        return nil
    }

    /// The options a header's `sim` gives.
    static func options(from sim: JSONValue?) throws(ModelError) -> SimulationOptions {
        var options = SimulationOptions()
        if let text = try sim.optional("memory")?.text("memory") {
            guard let memory = MemoryModel(text) else {
                throw ModelError("sim.memory must be \"sc\", \"weak\" or \"weak:N\" (N from 2 to 64), not \"\(text)\"")
            }
            options.memory = memory
        }
        return options
    }
}
