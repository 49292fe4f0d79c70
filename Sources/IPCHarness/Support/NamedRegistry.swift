import Synchronization

/// A process-wide list of named types — models, invariants — built-in first, that takes a user's registrations.
/// Registering is idempotent (the same type twice is one) and a name means one type: another type under a taken
/// name is refused, since a trace names the type by it.
final class NamedRegistry<Entry: Sendable>: Sendable {
    private let builtIn: [Entry]
    private let registered = Mutex<[Entry]>([])
    private let name: @Sendable (Entry) -> String
    private let identity: @Sendable (Entry) -> ObjectIdentifier
    /// What the entries are, for messages ("model").
    private let what: String

    init(
        _ what: String, builtIn: [Entry], name: @escaping @Sendable (Entry) -> String,
        identity: @escaping @Sendable (Entry) -> ObjectIdentifier
    ) {
        self.what = what
        self.builtIn = builtIn
        self.name = name
        self.identity = identity
    }

    /// Every entry, built-in first.
    var all: [Entry] { builtIn + registered.withLock { $0 } }

    func named(_ wanted: String) -> Entry? { all.first { name($0) == wanted } }

    func register(_ entry: Entry) throws(HarnessError) {
        try registered.withLock { (registered) throws(HarnessError) in
            if let existing = (builtIn + registered).first(where: { name($0) == name(entry) }) {
                guard identity(existing) == identity(entry) else {
                    throw HarnessError("the \(what) name '\(name(entry))' is taken by \(existing); \(entry) needs another")
                }
                return
            }
            registered.append(entry)
        }
    }
}
