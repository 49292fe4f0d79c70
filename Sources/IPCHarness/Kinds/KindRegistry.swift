import IPCModels
import Synchronization

/// The kinds of object and the client implementations a process knows: the built-in ones and those registered
/// by a user's components. The driver, the worker, replay and shrink look kinds up here by the name a workload or
/// trace gives; registering a kind also registers its model with the checker (``ModelRegistry``).
///
/// Registration only adds, and is idempotent: the same kind or client registered twice is one. A different type
/// under a name already taken is refused, since a name must mean one thing in a trace.
public enum KindRegistry {
    private struct Entries {
        var kinds: [any ObjectKind.Type] = BuiltInKinds.all
        var clients: [any AnyClientImplementation] = []
    }

    private static let entries = Mutex(Entries())

    /// Every kind known in this process, built-in first.
    public static var kinds: [any ObjectKind.Type] { entries.withLock { $0.kinds } }

    /// Every registered client implementation.
    public static var clients: [any AnyClientImplementation] { entries.withLock { $0.clients } }

    public static func kind(named name: String) -> (any ObjectKind.Type)? {
        entries.withLock { entries in entries.kinds.first { $0.name == name } }
    }

    /// The kind named `name`, or an error that names the kinds there are.
    static func requireKind(named name: String) throws(HarnessError) -> any ObjectKind.Type {
        guard let kind = kind(named: name) else {
            throw HarnessError("no kind of object is named '\(name)' (known: \(kinds.map { $0.name }.joined(separator: ", "))); a user's kind must be registered in the process that runs it (its worker, its CLI, its test)")
        }
        return kind
    }

    /// Adds `kind` (and its model, for the checker).
    public static func register(_ kind: any ObjectKind.Type) throws(HarnessError) {
        try entries.withLock { (entries) throws(HarnessError) in
            if let existing = entries.kinds.first(where: { $0.name == kind.name }) {
                guard ObjectIdentifier(existing) == ObjectIdentifier(kind) else {
                    throw HarnessError("the kind name '\(kind.name)' is taken by \(existing); \(kind) needs another")
                }
                return
            }
            entries.kinds.append(kind)
        }
        if let typed = kind as? any MechanismKind.Type { try registerModel(of: typed) }
    }

    private static func registerModel<Kind: MechanismKind>(of kind: Kind.Type) throws(HarnessError) {
        try ModelRegistry.register(Kind.Model.self)
    }

    /// Adds a client implementation of an existing kind.
    public static func register<Kind: MechanismKind>(_ client: ClientImplementation<Kind>) throws(HarnessError) {
        try entries.withLock { (entries) throws(HarnessError) in
            if entries.clients.contains(where: { $0.name == client.name }) { return }
            if Kind.implementations.contains(client.name) {
                throw HarnessError("'\(client.name)' is already an implementation of the built-in kind \(Kind.name)")
            }
            entries.clients.append(client)
        }
    }

    /// The registered client named `name` for `kind`, if any.
    static func client<Kind: MechanismKind>(named name: String, for kind: Kind.Type) -> ClientImplementation<Kind>? {
        entries.withLock { entries in
            entries.clients.lazy.compactMap { $0 as? ClientImplementation<Kind> }.first { $0.name == name }
        }
    }

    /// The registered clients of the kind named `kindName`.
    public static func clients(for kindName: String) -> [any AnyClientImplementation] {
        entries.withLock { $0.clients.filter { $0.kindName == kindName } }
    }

    /// Why objects of `kind` do not run `implementation`, naming what they run.
    static func refusal(of implementation: String, by kind: any ObjectKind.Type) -> String {
        let runs = kind.implementations + clients(for: kind.name).map(\.name)
        return "objects of kind '\(kind.name)' do not run implementation '\(implementation)' (they run: \(runs.joined(separator: ", ")))"
    }

    /// Whether objects of `kind` can run `implementation`: one of its own, or a client registered for it.
    public static func runs(_ kind: any ObjectKind.Type, _ implementation: String) -> Bool {
        kind.implementations.contains(implementation) || clients(for: kind.name).contains { $0.name == implementation }
    }
}
