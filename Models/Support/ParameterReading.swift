import Synchronization

/// Which member names a built-in model asked for while it read a trace header's `params`, so that a member it never
/// asked for — a misspelt `"sharedEpol"`, a `"queueLimt"`, a field another model knows — is refused instead of being
/// silently ignored.
///
/// Why: a model that ignores a member judges the trace under assumptions its author did not make. The FIFO model
/// once dropped `"sharedEpoll"` this way and judged each sharer's waits as on an instance of its own; a misspelt
/// limit would be judged as no limit. Either can turn into a false verdict, which is worse than a refusal.
///
/// How: every lookup by name (``JSONObject/subscript(_:)``, ``JSONValue/subscript(_:)``, `required`, `optional`)
/// notes its key in the reading in progress on this thread, if any. Reading costs one relaxed atomic load per
/// lookup when no reading is in progress (checking events, the hot path), which is always the case but while a
/// header's params are read.
public final class ParameterReading: @unchecked Sendable {
    /// The reading in progress on this thread (task), if any.
    @TaskLocal static var current: ParameterReading?

    /// How many readings are in progress in the process: lookups skip the task-local unless one is.
    private static let inProgress = Atomic<Int>(0)

    /// Touched by one thread only: the one running `read`'s body (a task-local is not shared across threads).
    private var asked: Set<String> = []

    private init() {}

    /// Notes that `key` was asked for, when a reading is in progress.
    @inline(__always)
    static func note(_ key: String) {
        guard inProgress.load(ordering: .relaxed) > 0, let reading = current else { return }
        reading.asked.insert(key)
    }

    /// Runs `body` (a model's `init(parameters:)`), then refuses `parameters` if it has a member `body` never asked
    /// for: at the top level, and in each object's set-up when the params have the common shape
    /// `{"objects": {"name": {set-up}}}` (the object names themselves are data, as are the members of deeper maps,
    /// which are not looked at).
    public static func read<Result>(
        _ parameters: JSONValue?, _ body: () throws(ModelError) -> Result
    ) throws(ModelError) -> Result {
        let reading = ParameterReading()
        inProgress.add(1, ordering: .relaxed)
        defer { inProgress.subtract(1, ordering: .relaxed) }
        let outcome: Swift.Result<Result, ModelError> = $current.withValue(reading) {
            Swift.Result { () throws(ModelError) -> Result in try body() }
        }
        let result = try outcome.get()
        if let unknown = reading.unasked(in: parameters).first {
            throw ModelError("params has \(unknown), which this model does not know (misspelt, or meant for another model): it would be ignored, and the trace judged without it")
        }
        return result
    }

    /// The members of `parameters` nobody asked for, each described with where it is.
    func unasked(in parameters: JSONValue?) -> [String] {
        guard case .object(let top)? = parameters else { return [] }
        var found = top.keys.filter { !asked.contains($0) }.map { "the member '\($0)'" }
        if case .object(let objects)? = top.members.first(where: { $0.key == "objects" })?.value {
            for object in objects.members {
                guard case .object(let setup) = object.value else { continue }
                found += setup.keys.filter { !asked.contains($0) }.map { "'\($0)' in object \(object.key)'s set-up" }
            }
        }
        return found
    }
}
