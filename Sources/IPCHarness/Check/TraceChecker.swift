import IPCModels

/// Checks trace files against the model their header names.
public enum TraceChecker {
    /// Streams the trace at `path` into a history (never holding the file's text in memory) and checks it.
    /// Malformed traces throw a ``TraceError`` naming the line.
    public static func check(path: String, budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        try check(TraceReader(path: path), budget: budget)
    }

    /// Checks a trace held in memory; errors name it `name`.
    public static func check(_ trace: Trace, name: String = "trace", budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        try check(TraceReader(bytes: trace.serialized(), name: name), budget: budget)
    }

    /// The model a header names, configured by its parameters.
    public static func model(for header: Trace.Header, path: String? = nil) throws(TraceError) -> any TraceModel {
        guard let type = ModelRegistry.model(named: header.model) else {
            throw TraceError(path: path, line: 1, "unknown model '\(header.model)' (known: \(ModelRegistry.names.joined(separator: ", ")))")
        }
        do {
            return try type.init(parameters: header.parameters)
        } catch {
            throw TraceError(path: path, line: 1, "the header's params do not fit the \(header.model) model: \(error.message)")
        }
    }

    /// Reads a trace held in memory into its history, with every rule `check` applies, without deciding it: what
    /// `replay`, `shrink` and `report` ask before they act on a trace, so that they refuse exactly what `check` refuses.
    public static func validate(_ trace: Trace, name: String = "trace") throws(TraceError) {
        let reader = try TraceReader(bytes: trace.serialized(), name: name)
        try validate(try model(for: reader.header, path: reader.path), reader: reader)
    }

    private static func validate<M: TraceModel>(_ model: M, reader: TraceReader) throws(TraceError) {
        var invariants = try InvariantRegistry.make(for: reader.header, path: reader.path)
        _ = try history(model, reader: reader, invariants: &invariants)
    }

    static func check(_ reader: TraceReader, budget: CheckBudget) throws(TraceError) -> CheckReport {
        let model = try model(for: reader.header, path: reader.path)
        return try check(model, reader: reader, budget: budget)
    }

    private static func check<M: TraceModel>(_ model: M, reader: TraceReader, budget: CheckBudget) throws(TraceError) -> CheckReport {
        var invariants = try InvariantRegistry.make(for: reader.header, path: reader.path)
        var staleLoads = StaleLoads()
        let history = try history(model, reader: reader, invariants: &invariants, staleLoads: &staleLoads)
        var report = LinearizabilityChecker.check(history, budget: budget)
        report.add(invariants.map { InvariantCheck(name: type(of: $0).name, finding: $0.finish()) })
        report.hazards = history.hazards
        // A hang is never a pass: what the hung operation would have done is unknown.
        if !history.hangs.isEmpty {
            report.hangs = history.hangs
            if report.result == .ok { report.result = .unknown }
        }
        // A crash of the code under test is a failure whatever the history says.
        if !history.crashes.isEmpty {
            report.crashes = history.crashes
            report.result = .violation
        }
        if report.result == .violation {
            let core = report.objects.flatMap(\.coreEventIndices) + report.invariants.flatMap { $0.finding?.eventIndices ?? [] }
            report.weakMemory = staleLoads.note(blaming: core)
        }
        return report
    }

    /// Reads the rest of `reader` into a typed history, showing every event to `invariants` on the way.
    static func history<M: TraceModel>(
        _ model: M, reader: TraceReader, invariants: inout [any TraceInvariant]
    ) throws(TraceError) -> History<M> {
        var staleLoads = StaleLoads()
        return try history(model, reader: reader, invariants: &invariants, staleLoads: &staleLoads)
    }

    static func history<M: TraceModel>(
        _ model: M, reader: TraceReader, invariants: inout [any TraceInvariant], staleLoads: inout StaleLoads
    ) throws(TraceError) -> History<M> {
        var builder = HistoryBuilder(model: model, path: reader.path)
        while let line = try reader.next() {
            guard case .event(let event) = line else { continue }
            try builder.add(event, line: reader.lineNumber)
            for index in invariants.indices { invariants[index].observe(event) }
            if event.type == .schedule || event.type == .invoke { staleLoads.observe(event) }
        }
        return builder.finish()
    }
}
