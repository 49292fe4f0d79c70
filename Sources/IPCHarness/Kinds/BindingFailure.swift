import Synchronization

/// The way out for a binding asked to do what it never can — an input its model decodes but no command of the
/// driver's ever carries (`exit`), or a kernel that handed back something that is none of the run's objects. Not an
/// outcome of the operation (that would be judged, and could be a false verdict): the worker reports it and ends,
/// and the run stops with an error naming it.
public enum BindingFailure {
    private static let handler = Mutex<(@Sendable (String) -> Never)?>(nil)

    /// Ends the operation, and the worker, with `message`.
    public static func abandon(_ message: String) -> Never {
        if let handler = handler.withLock({ $0 }) { handler(message) }
        fatalError("binding failure: \(message)")
    }

    /// How a worker reports such a failure before it ends (set once, by the worker's main loop).
    static func install(_ reporter: @escaping @Sendable (String) -> Never) {
        handler.withLock { $0 = reporter }
    }
}
