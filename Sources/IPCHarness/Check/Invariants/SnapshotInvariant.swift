import IPCModels

/// Snapshot semantics, time of check to time of use: in every completed operation `f` (default `serve`), the
/// value used (`used`) is the value checked (`checked`). A service that reads its request in place from shared
/// memory can be made to approve one value and act on another.
///
/// Parameters: `{"f": "serve", "checked": "checked", "used": "used"}`, each optional.
public struct SnapshotInvariant: TraceInvariant {
    public static let name = "snapshot"

    let f: String
    let checked: String
    let used: String
    private var invoked: [Int: Trace.Event] = [:]
    private var finding: InvariantFinding?

    public init(parameters: JSONValue?) throws(ModelError) {
        f = try parameters.optional("f")?.text("f") ?? "serve"
        checked = try parameters.optional("checked")?.text("checked") ?? "checked"
        used = try parameters.optional("used")?.text("used") ?? "used"
    }

    public mutating func observe(_ event: Trace.Event) {
        guard finding == nil, event.f == f else { return }
        if event.type == .invoke { invoked[event.process] = event }
        guard event.type == .ok, let checkedValue = event.value?[checked], let usedValue = event.value?[used],
            checkedValue != usedValue
        else { return }
        let invoke = invoked[event.process]
        finding = InvariantFinding(
            explanation: "snapshot: process \(event.process)'s \(f) on \(event.object ?? "?") [lines \(invoke.map { "\($0.line)–" } ?? "")\(event.line)] checked \(checkedValue) but used \(usedValue): what was checked is not what was used (the request changed between the time of check and the time of use)",
            eventIndices: [invoke?.index, event.index].compactMap { $0 })
    }

    public func finish() -> InvariantFinding? { finding }
}
