import IPCModels

/// A trace a command acts on, read by one reader under one set of rules: `check`, `report`, `replay` and `shrink`
/// refuse exactly the same files, each with one line naming the file and the line, and accept the same ones.
///
/// Beyond what ``TraceReader`` and the history builder check (the format, then the history), a trace that can be
/// re-executed must be one the harness can set up again: a `workload` whose objects a provisioner knows and the
/// header's params declare; in a simulation, objects of shared-memory kinds set up from their parameters, and every
/// invoke one its object can perform (a message that fits its slots). `check` asks the same, so a trace `replay` would refuse is never
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
    /// The workload's object names, and what each process holds (real mode and simulation).
    private var workloadObjects: Set<String>?
    private var holdings: [Int: Set<String>] = [:]
    /// Each shared-memory object's kind and setup, to ask whether it can perform an invoke: a simulation and a
    /// real-mode worker would both reach the construction's precondition (see
    /// ``Workload/refuseCallsItsObjectsCannotPerform(implementations:modelParameters:)``).
    private var sharedMemory: [String: (kind: any SharedMemoryKind.Type, setup: SharedObjectSetup)] = [:]
    private let modelParameters: JSONValue?

    init(header: Trace.Header, path: String) throws(TraceError) {
        self.path = path
        self.modelParameters = header.parameters
        func failure(_ message: String) -> TraceError { TraceError(path: path, line: 1, message) }
        _ = try MixedTrace.declaredObjects(header, path: path)
        guard header.mode == "real" || header.mode == "sim", let setup = header.extra["workload"] else { return }
        let workload: Workload
        do {
            workload = try Workload(setupJSON: setup)
        } catch {
            throw failure("the header's workload: \(error.message)")
        }
        var names = Set<String>()
        var implementations: [String: String] = [:]
        for object in workload.objects {
            guard names.insert(object.name).inserted else {
                throw failure("the header's workload names object '\(object.name)' twice")
            }
            guard let kind = KindRegistry.kind(named: object.kind) else {
                throw failure(
                    "the workload's object '\(object.name)' is of kind '\(object.kind)', which no provisioner creates (known: \(KindRegistry.kinds.map { $0.name }.sorted().joined(separator: ", ")); a user's kind is known to the command line built with its components)"
                )
            }
            if let shared = kind as? any SharedMemoryKind.Type {
                sharedMemory[object.name] = (shared, SharedObjectSetup(object, implementations: [:]))
            } else if header.mode == "sim" {
                throw failure("the workload's object '\(object.name)' is of kind '\(object.kind)', which does not run in the simulation (only shared-memory kinds do)")
            }
        }
        // The same refusals the driver and the simulator make: a parameter its kind does not read, an implementation
        // no object of the workload runs.
        do {
            try workload.refuseUnknownParameters()
        } catch {
            throw failure("the header's workload: \(error.message)")
        }
        do {
            implementations = try workload.implementations(running: header.mechanism)
        } catch {
            throw failure("mechanism '\(header.mechanism)': \(error.message)")
        }
        for (name, entry) in sharedMemory {
            var objectSetup = entry.setup
            objectSetup.implementation = implementations[name] ?? ""
            do {
                _ = try entry.kind.layout(of: objectSetup)
            } catch {
                throw failure("\(name) cannot be set up from its parameters: \(error.message)")
            }
            sharedMemory[name] = (entry.kind, objectSetup)
        }
        for (position, process) in workload.processes.enumerated() {
            guard case .array(let entries)? = setup["processes"],
                case .object(let holds)? = entries[position]["holds"],
                holds.allSatisfy({ Self.isRoleList($0.value) })
            else {
                throw failure("the workload's process \(process.id) needs 'holds', an object mapping its objects to role names")
            }
            for object in process.holds.keys where !names.contains(object) {
                throw failure("the workload's process \(process.id) holds '\(object)', which the workload does not create")
            }
            holdings[process.id] = Set(process.holds.keys)
        }
        workloadObjects = names
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
        guard let (kind, setup) = sharedMemory[object] else { return }
        let call = Call(process: event.process, object: object, f: event.f ?? "", value: event.value)
        if let refusal = kind.refusal(of: call, by: setup, modelParameters: modelParameters) {
            throw TraceError(path: path, line: line, "'\(event.f ?? "")' on \(object): \(refusal)")
        }
    }
}
