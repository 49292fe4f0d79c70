import IPCModels

/// A trace a command acts on, read by one reader under one set of rules: `check`, `report`, `replay` and `shrink`
/// refuse exactly the same files, each with one line naming the file and the line, and accept the same ones.
///
/// Beyond what ``TraceReader`` and the history builder check (the format, then the history), a trace that can be
/// re-executed must be one the harness can set up again: a real-mode `workload` whose objects a provisioner knows
/// and the header's params declare; a simulation's construction and setup, and every invoke one that construction
/// can perform (a message that fits its slots). `check` asks the same, so a trace `replay` would refuse is never
/// judged a violation first.
public enum TraceInput {
    /// Reads the trace at `path` whole, with every rule `check` applies.
    public static func load(path: String) throws(TraceError) -> Trace {
        let trace = try Trace.load(path: path)
        try validateSetup(trace.header, events: trace.events, path: path)
        try TraceChecker.validate(trace, name: path)
        return trace
    }

    /// Checks the trace at `path` against its model, streaming it (twice: its setup first, then its history).
    public static func check(path: String, budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        let reader = try TraceReader(path: path)
        var setup = try SetupRules(header: reader.header, path: path)
        while let line = try reader.next() {
            guard case .event(let event) = line else { continue }
            try setup.check(event, line: reader.lineNumber)
        }
        return try TraceChecker.check(path: path, budget: budget)
    }

    /// Reads the history at `path` recorded in `format` (another tool's, converted; or a trace), with every rule
    /// `check` applies to the converted trace.
    public static func load(path: String, format: ForeignHistory.Format) throws(TraceError) -> Trace {
        guard format != .trace else { return try load(path: path) }
        let trace = try ForeignHistory.load(path: path, format: format)
        try validate(trace, name: path)
        return trace
    }

    /// Checks the history at `path` recorded in `format`: a trace streamed as ``check(path:budget:)`` does, another
    /// tool's history converted first.
    public static func check(path: String, format: ForeignHistory.Format, budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        guard format != .trace else { return try check(path: path, budget: budget) }
        let trace = try ForeignHistory.load(path: path, format: format)
        try validateSetup(trace.header, events: trace.events, path: path)
        return try TraceChecker.check(trace, name: path, budget: budget)
    }

    /// Checks a trace held in memory the way ``load(path:)`` does.
    public static func validate(_ trace: Trace, name: String = "trace") throws(TraceError) {
        try validateSetup(trace.header, events: trace.events, path: name)
        try TraceChecker.validate(trace, name: name)
    }

    private static func validateSetup(_ header: Trace.Header, events: [Trace.Event], path: String) throws(TraceError) {
        var setup = try SetupRules(header: header, path: path)
        // Line numbers: the header is line 1, event i is line i + 2.
        for event in events { try setup.check(event, line: event.index + 2) }
    }
}

/// What re-executing a trace needs from its header and invokes (see ``TraceInput``).
private struct SetupRules {
    let path: String
    /// Simulation: the construction, its object, and each process's side of it (made on first use).
    private var construction: (any ReferenceConstruction)?
    private var simulatedObject: String?
    private var processes: [Int: any ReferenceProcess] = [:]
    /// Real mode: the workload's object names, and what each process holds.
    private var workloadObjects: Set<String>?
    private var holdings: [Int: Set<String>] = [:]

    init(header: Trace.Header, path: String) throws(TraceError) {
        self.path = path
        func failure(_ message: String) -> TraceError { TraceError(path: path, line: 1, message) }
        let declared = Set(try MixedTrace.declaredObjects(header, path: path))
        switch header.mode {
        case "real":
            guard let setup = header.extra["workload"] else { return }
            let workload: Workload
            do {
                workload = try Workload(setupJSON: setup)
            } catch {
                throw failure("the header's workload: \(error.message)")
            }
            var names = Set<String>()
            for object in workload.objects {
                guard names.insert(object.name).inserted else {
                    throw failure("the header's workload names object '\(object.name)' twice")
                }
                guard KindRegistry.kind(named: object.kind) != nil else {
                    throw failure(
                        "the workload's object '\(object.name)' is of kind '\(object.kind)', which no provisioner creates (known: \(KindRegistry.kinds.map { $0.name }.sorted().joined(separator: ", ")); a user's kind is known to the command line built with its components)"
                    )
                }
                if object.kind == "reference" {
                    guard case .string(let implementation)? = object.parameters["implementation"] else {
                        throw failure("the workload's reference object '\(object.name)' names no implementation")
                    }
                    do {
                        _ = try ReferenceConstructions.make(implementation, setup: object.parameters["setup"])
                    } catch {
                        throw failure("the workload's reference object '\(object.name)': \(error.message)")
                    }
                }
            }
            for (position, process) in workload.processes.enumerated() {
                guard case .array(let entries)? = setup["processes"],
                    case .object(let holds)? = entries[position]["holds"],
                    holds.allSatisfy({ Self.isRoleList($0.value) })
                else {
                    throw failure(
                        "the workload's process \(process.id) needs 'holds', an object mapping its objects to role names"
                    )
                }
                for object in process.holds.keys where !names.contains(object) {
                    throw failure(
                        "the workload's process \(process.id) holds '\(object)', which the workload does not create")
                }
                holdings[process.id] = Set(process.holds.keys)
            }
            workloadObjects = names
            // The same refusal the driver makes: an implementation no object of the workload runs.
            do {
                _ = try workload.implementations(running: header.mechanism)
            } catch {
                throw failure("mechanism '\(header.mechanism)': \(error.message)")
            }
        case "sim":
            guard let sim = header.extra["sim"] else { return }
            do {
                let value: JSONValue? = sim
                _ = try value.required("channelCapacity").integer("channelCapacity", in: 1...1 << 20)
                simulatedObject = try value.required("object").text("object")
            } catch {
                throw failure("the header's sim setup: \(error.message)")
            }
            guard declared.contains(simulatedObject!) else {
                throw failure("the sim setup's object '\(simulatedObject!)' is not declared in the header's params")
            }
            do {
                construction = try ReferenceConstructions.make(header.mechanism, setup: sim["setup"])
            } catch {
                throw failure(
                    "the simulation of \(header.mechanism) cannot be set up from the header's sim.setup: \(error.message)"
                )
            }
        default:
            return
        }
    }

    static func isRoleList(_ value: JSONValue) -> Bool {
        guard case .array(let roles) = value else { return false }
        return roles.allSatisfy { if case .string = $0 { true } else { false } }
    }

    mutating func check(_ event: Trace.Event, line: Int) throws(TraceError) {
        guard event.type == .invoke, let object = event.object else { return }
        if let workloadObjects, !workloadObjects.contains(object) {
            throw TraceError(path: path, line: line, "object '\(object)' is not one the header's workload creates")
        }
        if workloadObjects != nil, holdings[event.process]?.contains(object) != true {
            throw TraceError(
                path: path, line: line,
                "process \(event.process) holds no '\(object)' in the header's workload, so it cannot invoke '\(event.f ?? "")' on it"
            )
        }
        guard let construction, let simulatedObject else { return }
        guard object == simulatedObject else {
            throw TraceError(
                path: path, line: line, "object '\(object)' is not the simulated object '\(simulatedObject)'")
        }
        let process = processes[event.process] ?? construction.makeProcess(event.process)
        processes[event.process] = process
        do {
            _ = try process.operation(
                for: Call(process: event.process, object: object, f: event.f ?? "", value: event.value))
        } catch {
            throw TraceError(path: path, line: line, "'\(event.f ?? "")' on \(object): \(error.message)")
        }
    }
}
