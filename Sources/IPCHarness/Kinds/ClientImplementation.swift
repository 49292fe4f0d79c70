import IPCModels

/// A user's client of an existing kind: their code run on the kind's objects as the kind provisions them, judged
/// by the kind's model. For example a framing reader over the `unix-socket` kind's stream sockets, or a pool
/// over the `posix-sem` kind's semaphore.
///
/// ```swift
/// let framing = ClientImplementation("mine.framing-reader", of: UnixSocketKind.self) { object in
///     try MyFramingBinding(sockets: UnixSocketKind.Sockets(object))
/// }
/// ```
///
/// Register it (``KindRegistry/register(_:)``, or in the ``HarnessComponents`` a worker and a CLI are built with),
/// and name it as a scenario's implementation: the objects of that kind run it, everything else runs as usual.
public struct ClientImplementation<Kind: MechanismKind>: Sendable {
    /// The implementation's name, as scenarios and trace headers write it ("mine.framing-reader").
    public let name: String
    private let make: @Sendable (WorkerObject) throws(BindingError) -> any ObjectBinding<Kind.Model>

    public init(
        _ name: String, of kind: Kind.Type,
        _ make: @escaping @Sendable (WorkerObject) throws(BindingError) -> any ObjectBinding<Kind.Model>
    ) {
        self.name = name
        self.make = make
    }

    /// The client's binding for this process's part of `object`.
    public func binding(for object: WorkerObject) throws(BindingError) -> any ObjectBinding<Kind.Model> {
        try make(object)
    }
}

/// A client implementation of any kind, as the registry keeps it.
public protocol AnyClientImplementation: Sendable {
    var name: String { get }
    /// The name of the kind it runs on.
    var kindName: String { get }
    /// Adds it to the ``KindRegistry``.
    func register() throws(HarnessError)
}

extension ClientImplementation: AnyClientImplementation {
    public var kindName: String { Kind.name }

    public func register() throws(HarnessError) { try KindRegistry.register(self) }
}
