import IPCModels

/// What a simulated (or, for reference constructions that support it, real) run of a reference implementation
/// does: the construction's setup, and each process's program.
public struct ReferenceWorkload: Sendable, Hashable {
    /// The construction's parameters (capacities, tag bits, receivers...).
    public var setup: JSONValue
    /// The model object the construction is (calls name it).
    public var object: String
    /// Each process, its program, and (real mode) the roles it holds: `send:N`/`receive:N` for copy channel N.
    public var processes: [Workload.Process]
    /// Messages a simulated copy channel holds.
    public var channelCapacity: Int
    /// The kernel mechanism behind the copy channels in real mode (a ``CopyChannelKind``: `pipe`).
    public var channelKind = "pipe"
    /// The chance that the process chosen at a scheduling point is killed instead (simulation).
    public var killChance: Double
    public var maximumKills: Int

    public init(
        setup: JSONValue, object: String, processes: [Workload.Process], channelCapacity: Int = 4, killChance: Double = 0,
        maximumKills: Int = 0
    ) {
        self.setup = setup
        self.object = object
        self.processes = processes
        self.channelCapacity = channelCapacity
        self.killChance = killChance
        self.maximumKills = maximumKills
    }

    var programs: [(process: Int, calls: [Call])] { processes.map { ($0.id, $0.program) } }

    /// What a simulation trace's header records (`sim`), enough to set the run up again.
    var headerJSON: JSONValue {
        [
            "setup": setup, "object": .string(object), "processes": .array(processes.map { .int($0.id) }),
            "channelCapacity": .int(channelCapacity),
        ]
    }
}

/// Turning a simulated run into a trace, and a trace back into what its replay needs.
enum SimulationTrace {
    static func events(_ simulated: [SimEvent]) -> [Trace.Event] {
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
                    if let access { value["access"] = json(access) }
                    event.value = .object(value)
                }
            case .invoke(let process, let step, let call):
                add(process, step, .invoke) {
                    $0.f = call.f
                    $0.object = call.object
                    $0.value = call.value
                }
            case .completion(let process, let step, let call, let completion):
                switch completion {
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
                        $0.error = error
                    }
                }
            case .kill(let process, let step, let during):
                add(process, step, .kill) {
                    $0.signal = "SIGKILL"
                    $0.point = during ? "during" : "before"
                }
            case .indeterminate(let process, let step, let call):
                add(process, step, .info) {
                    $0.f = call.f
                    $0.object = call.object
                }
            case .exit(let process, let step, let killed):
                add(process, step, .exit) { $0.value = killed ? ["signal": "SIGKILL"] : ["code": 0] }
            }
        }
        return events
    }

    /// An access as a schedule event records it. Words are written as signed 64-bit integers (their bit pattern).
    static func json(_ access: SimulatedAccess) -> JSONValue {
        func word(_ value: UInt64) -> JSONValue { .integer(Int64(bitPattern: value)) }
        switch access.kind {
        case .load:
            return ["op": "load", "at": .int(access.location), "ordering": .string(access.ordering), "value": word(access.found)]
        case .store:
            return [
                "op": "store", "at": .int(access.location), "ordering": .string(access.ordering), "value": word(access.operand),
                "found": word(access.found),
            ]
        case .compareExchange:
            return [
                "op": "cas", "at": .int(access.location), "ordering": .string(access.ordering), "expected": word(access.operand),
                "desired": word(access.desired), "found": word(access.found), "exchanged": .bool(access.succeeded),
            ]
        case .add:
            return [
                "op": "add", "at": .int(access.location), "ordering": .string(access.ordering), "delta": word(access.operand),
                "found": word(access.found),
            ]
        case .send:
            return ["op": "send", "channel": .int(access.location), "bytes": .int(Int(access.operand)), "accepted": .bool(access.succeeded)]
        case .receive:
            var value: JSONObject = ["op": "receive", "channel": .int(access.location)]
            if access.succeeded { value["bytes"] = .int(Int(access.found)) } else { value["empty"] = true }
            return .object(value)
        }
    }

    /// The moves of a recorded simulation: one step per schedule event, one kill per kill event.
    static func moves(of trace: Trace) -> [(move: SimMove, eventIndex: Int)] {
        trace.events.compactMap { event in
            switch event.type {
            case .schedule: (.step(event.process), event.index)
            case .kill: (.kill(event.process), event.index)
            default: nil
            }
        }
    }

    /// Each process's program, read from the invoke events, for the processes the header lists.
    static func programs(of trace: Trace, processes: [Int]) -> [(process: Int, calls: [Call])] {
        var calls: [Int: [Call]] = [:]
        for event in trace.events where event.type == .invoke {
            calls[event.process, default: []].append(
                Call(process: event.process, object: event.object ?? "", f: event.f ?? "", value: event.value))
        }
        // A process that was killed stays alive in the replay until its kill: give it one more call than it
        // invoked, which the kill comes before.
        let killed = Set(trace.events.filter { $0.type == .kill }.map(\.process))
        return processes.map { process in
            var program = calls[process] ?? []
            if killed.contains(process) { program.append(Call(process: process, object: "", f: "(killed before this)")) }
            return (process, program)
        }
    }
}
