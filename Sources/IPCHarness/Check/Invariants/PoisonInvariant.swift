import IPCModels

/// Readers see whole versions only: no completed `f` (default `read`) returns `{"poisoned": true}` (memory that was
/// reclaimed: liburcu's own test technique poisons a version when it is freed, and readers check every block) or
/// `{"torn": true}` (words that belong to no one version). The model forbids both as well, but only as "no
/// linearization exists"; the invariant names each such read and its lines, with no search.
///
/// Parameters: `{"f": "read"}`, optional.
public struct PoisonInvariant: TraceInvariant {
    public static let name = "poison"

    let f: String
    private var invoked: [Int: Trace.Event] = [:]
    /// Each bad read: the process, its invoke (if recorded) and its completion, and what it saw.
    private var bad: [(invoke: Trace.Event?, completion: Trace.Event, what: String)] = []

    public init(parameters: JSONValue?) throws(ModelError) {
        f = try parameters.optional("f")?.text("f") ?? "read"
    }

    public mutating func observe(_ event: Trace.Event) {
        guard event.f == f else { return }
        if event.type == .invoke { invoked[event.process] = event }
        guard event.type == .ok else { return }
        if event.value?["poisoned"] == .bool(true) {
            bad.append((invoked[event.process], event, "reclaimed memory (poisoned): it was reclaimed before the reader's grace period ended"))
        } else if event.value?["torn"] == .bool(true) {
            bad.append((invoked[event.process], event, "a torn version: its words do not all belong to one published version"))
        }
    }

    public func finish() -> InvariantFinding? {
        guard let first = bad.first else { return nil }
        let lines = first.invoke.map { "\($0.line)–\(first.completion.line)" } ?? "\(first.completion.line)"
        var explanation = "poison: process \(first.completion.process)'s \(f) on \(first.completion.object ?? "?") [lines \(lines)] saw \(first.what)"
        if bad.count > 1 { explanation += " (and \(bad.count - 1) more \(f)s saw poisoned or torn memory)" }
        return InvariantFinding(
            explanation: explanation, eventIndices: bad.flatMap { [$0.invoke?.index, $0.completion.index].compactMap { $0 } })
    }
}
