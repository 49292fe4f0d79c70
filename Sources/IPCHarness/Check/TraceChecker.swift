import IPCModels
import IPCSyscalls

/// Checks trace files against the model their header names.
public enum TraceChecker {
    /// Streams the trace at `path` into a history (never holding the file's text in memory) and checks it.
    /// Malformed traces throw a ``TraceError`` naming the line.
    public static func check(path: String, budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        var timings = CheckTimings()
        return try check(TraceReader(path: path), budget: budget, timings: &timings)
    }

    /// Checks the trace at `path` as ``check(path:budget:)`` does, saying how long reading it into a history and
    /// searching it took (`ipc-harness bench check`).
    public static func check(path: String, budget: CheckBudget, timings: inout CheckTimings) throws(TraceError) -> CheckReport {
        try check(TraceReader(path: path), budget: budget, timings: &timings)
    }

    /// Checks a trace held in memory; errors name it `name`.
    public static func check(_ trace: Trace, name: String = "trace", budget: CheckBudget = .standard) throws(TraceError) -> CheckReport {
        var timings = CheckTimings()
        return try check(TraceReader(trace: trace, name: name), budget: budget, timings: &timings)
    }

    /// The model a header names, configured by its parameters.
    public static func model(for header: Trace.Header, path: String? = nil) throws(TraceError) -> any TraceModel {
        guard let type = ModelRegistry.model(named: header.model) else {
            throw TraceError(path: path, line: 1, "unknown model '\(header.model)' (known: \(ModelRegistry.names.joined(separator: ", ")))")
        }
        do {
            // A built-in model's params are read strictly (a member it never asks for is refused: see
            // ``ParameterReading``); a user's model may read its own in ways the reading does not see.
            guard ModelRegistry.isBuiltIn(type) else { return try type.init(parameters: header.parameters) }
            return try ParameterReading.read(header.parameters) { () throws(ModelError) in try type.init(parameters: header.parameters) }
        } catch {
            throw TraceError(path: path, line: 1, "the header's params do not fit the \(header.model) model: \(error.message)")
        }
    }

    /// Reads a trace held in memory into its history, with every rule `check` applies, without deciding it: what
    /// `replay`, `shrink` and `report` ask before they act on a trace, so that they refuse exactly what `check` refuses.
    public static func validate(_ trace: Trace, name: String = "trace") throws(TraceError) {
        let reader = try TraceReader(trace: trace, name: name)
        if MixedTrace.isMixed(reader.header) { return try MixedTrace.validate(reader) }
        try validate(try model(for: reader.header, path: reader.path), reader: reader)
    }

    private static func validate<M: TraceModel>(_ model: M, reader: TraceReader) throws(TraceError) {
        var invariants = try InvariantRegistry.make(for: reader.header, path: reader.path)
        _ = try history(model, reader: reader, invariants: &invariants)
    }

    static func check(_ reader: TraceReader, budget: CheckBudget, timings: inout CheckTimings) throws(TraceError) -> CheckReport {
        var report: CheckReport
        if MixedTrace.isMixed(reader.header) {
            report = try MixedTrace.check(reader, budget: budget)
        } else {
            report = try checkSpecialized(try model(for: reader.header, path: reader.path), reader: reader, budget: budget, timings: &timings)
        }
        report.note(notChecked: NotChecked.entries(of: reader.header))
        return report
    }

    /// Checks with the model's concrete type in hand, so that the compiler specializes the history builder and
    /// the search for each built-in model: the generic code a model reached through `any TraceModel` runs asks the
    /// runtime for type metadata at every generic use (13 % of a search's time, measured). Other models (a
    /// user's) run the generic code.
    private static func checkSpecialized(
        _ model: any TraceModel, reader: TraceReader, budget: CheckBudget, timings: inout CheckTimings
    ) throws(TraceError) -> CheckReport {
        switch model {
        case let model as RegisterModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as QueueModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as PipeModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as FIFOModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as UnixSocketModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as PosixMessageQueueModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SystemVMessageQueueModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as PosixSharedMemoryModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SystemVSharedMemoryModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as PosixSemaphoreModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SystemVSemaphoreModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as RobustMutexModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as StackModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SnapshotModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SignalModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as EventCounterModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as RCUModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as AckQueueModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as CASRegisterModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as KeyValueModel: try check(model, reader: reader, budget: budget, timings: &timings)
        case let model as SetModel: try check(model, reader: reader, budget: budget, timings: &timings)
        default: try check(model, reader: reader, budget: budget, timings: &timings)
        }
    }

    private static func check<M: TraceModel>(
        _ model: M, reader: TraceReader, budget: CheckBudget, timings: inout CheckTimings
    ) throws(TraceError) -> CheckReport {
        let started = MonotonicClock.nanoseconds()
        var invariants = try InvariantRegistry.make(for: reader.header, path: reader.path)
        var staleLoads = StaleLoads()
        let history = try history(model, reader: reader, invariants: &invariants, staleLoads: &staleLoads)
        let read = MonotonicClock.nanoseconds()
        var report = LinearizabilityChecker.check(history, budget: budget)
        timings.parseSeconds = Double(read - started) / 1e9
        timings.searchSeconds = Double(MonotonicClock.nanoseconds() - read) / 1e9
        report.add(invariants.map { InvariantCheck(
            name: type(of: $0).name, finding: $0.finish(), coverageFeatures: $0.coverageFeatures, coverageMetrics: $0.coverageMetrics) })
        if let finding = history.epollReadyOrder { report.add([InvariantCheck(name: "epoll-ready-order", finding: finding)]) }
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
        // The real-mode driver settles every worker before each move (`RealDriver.settle()`).
        var builder = HistoryBuilder(model: model, path: reader.path, killsAreSettled: reader.header.mode == "real")
        var references = TraceReferences(header: reader.header)
        // A wait on an instance holding several objects' descriptors goes to each object's history as its share.
        var severalObjects = SeveralObjectsEpollWaits(path: reader.path)
        // The order of an instance's reports across its objects, which no object's share shows.
        var readyOrder = EpollReadyOrder(header: reader.header)
        func take(_ event: borrowing Trace.Event) throws(TraceError) {
            try builder.add(event, line: reader.lineNumber)
            references.note(event)
            for index in invariants.indices { invariants[index].observe(event) }
            if event.type == .schedule || event.type == .invoke { staleLoads.observe(event) }
        }
        try reader.forEachEvent { (event) throws(TraceError) in
            readyOrder.observe(event)
            guard severalObjects.concerns(event) else { return try take(event) }
            for share in try severalObjects.split(copy event, line: reader.lineNumber) { try take(share) }
        }
        try severalObjects.finish()
        var history = builder.finish()
        history.references = references
        history.epollReadyOrder = readyOrder.finding
        return history
    }
}

/// How long the phases of one check took, in seconds.
public struct CheckTimings: Sendable, Hashable {
    /// Reading the trace into a typed history (the header was read before).
    public var parseSeconds = 0.0
    /// Searching every object, explaining violations, and the invariants.
    public var searchSeconds = 0.0

    public init() {}
}
