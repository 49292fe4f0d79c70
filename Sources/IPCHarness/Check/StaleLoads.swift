import IPCModels

/// The loads of a simulation under weak memory that did not read the newest store (a `schedule` event whose access
/// has `"stale": k` with k > 0), and the store each one missed. When a run with some is a violation, the verdict says
/// which — preferring those made by the operations the checker blames —: a bug that needed a reordering to show
/// is explained by the store that was seen late.
struct StaleLoads {
    struct Load {
        var process: Int
        var line: Int
        var object: String?
        var offset: Int
        var ordering: String
        var value: JSONValue
        /// The newest store it did not see: its line, process, value and ordering.
        var missed: (line: Int, process: Int, value: JSONValue, ordering: String)?
        /// The index of the invoke of the operation it was made in.
        var operation: Int?
        /// Its own schedule event's index.
        var index: Int
    }

    private struct Store {
        var line: Int
        var process: Int
        var value: JSONValue
        var ordering: String
    }

    private var newest: [String: Store] = [:]
    private var loads: [Load] = []
    private var invoked: [Int: Int] = [:]
    /// The schedule event each process made last, and the stale load it made there (if any).
    private var lastStep: [Int: (index: Int, load: Int?)] = [:]

    private static func key(_ object: String?, _ offset: Int) -> String { "\(object ?? "")@\(offset)" }

    mutating func observe(_ event: Trace.Event) {
        switch event.type {
        case .invoke:
            invoked[event.process] = event.index
            // The step that starts an operation comes just before its invoke: its load was the operation's.
            if let step = lastStep[event.process], step.index == event.index - 1, let load = step.load { loads[load].operation = event.index }
        case .schedule:
            guard let access = event.value?["access"], case .string(let op)? = access["op"], case .integer(let at)? = access["at"] else {
                lastStep[event.process] = (event.index, nil)
                return
            }
            var object: String?
            if case .string(let name)? = access["object"] { object = name }
            let key = Self.key(object, Int(at))
            let ordering: String
            if case .string(let name)? = access["ordering"] { ordering = name } else { ordering = "" }
            var staleLoad: Int?
            switch op {
            case "load":
                if case .integer(let stale)? = access["stale"], stale > 0, let value = access["value"] {
                    let missed = newest[key].map { ($0.line, $0.process, $0.value, $0.ordering) }
                    loads.append(Load(
                        process: event.process, line: event.line, object: object, offset: Int(at), ordering: ordering, value: value,
                        missed: missed, operation: invoked[event.process], index: event.index))
                    staleLoad = loads.count - 1
                }
            case "store":
                if let value = access["value"] { newest[key] = Store(line: event.line, process: event.process, value: value, ordering: ordering) }
            case "cas":
                if access["exchanged"] == .bool(true), let value = access["desired"] {
                    newest[key] = Store(line: event.line, process: event.process, value: value, ordering: ordering)
                }
            case "add", "sub", "or", "and":
                newest[key] = Store(line: event.line, process: event.process, value: .string("(\(op))"), ordering: ordering)
            default:
                break
            }
            lastStep[event.process] = (event.index, staleLoad)
        default:
            break
        }
    }

    /// The note for a violation whose blamed operations were invoked at `core` (trace indices; or the events an
    /// invariant names); nil when no load read a stale store.
    func note(blaming core: [Int]) -> String? {
        guard !loads.isEmpty else { return nil }
        let blamed = loads.filter { load in core.contains(load.index) || (load.operation.map(core.contains) ?? false) }
        guard !blamed.isEmpty else {
            return "WEAK MEMORY: \(loads.count) load\(loads.count == 1 ? "" : "s") in this run read a store older than the newest, none in the operations blamed above (`--memory-model sc` shows whether the bug needs them)"
        }
        let named = blamed.prefix(3)
        let descriptions = named.map { load -> String in
            let place = "offset \(load.offset)" + (load.object.map { " of \($0)" } ?? "")
            var text = "process \(load.process)'s \(load.ordering) load at \(place) (line \(load.line)) read \(load.value)"
            if let missed = load.missed {
                text += " although process \(missed.process) had stored \(missed.value) there at line \(missed.line) (\(missed.ordering)): that store was seen late, as nothing synchronised the load with it"
            }
            return text
        }
        let count = blamed.count
        return "WEAK MEMORY: the operations above made \(count) load\(count == 1 ? "" : "s") that did not read the newest store: "
            + descriptions.joined(separator: "; ") + (count > named.count ? "; …" : "")
            + ". Under sequential consistency (`--memory-model sc`) they would have read it."
    }
}
