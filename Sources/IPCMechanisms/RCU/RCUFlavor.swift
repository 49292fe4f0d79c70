import CURCU

/// A callback run after a grace period, as liburcu's `call_rcu` takes it: a C function given the record embedded
/// in the object to reclaim.
public typealias RCUCallback = @convention(c) (UnsafeMutablePointer<curcu_head>?) -> Void

/// One RCU implementation as the harness drives it: the project's own (``SwiftRCU``) or liburcu's memb and qsbr
/// flavours (``URCUMemb``, ``URCUQSBR``). Every OS thread that reads registers first and unregisters before it
/// ends; a read-side section never spans an `await` (these are OS threads, never tasks).
///
/// The read-side calls are generic requirements so that code written against the protocol and specialised for
/// ``SwiftRCU`` inlines them; liburcu's go through the CURCU shim's functions ("library calls").
public protocol RCUFlavor: AnyObject, Sendable {
    /// What a registered reading thread holds (liburcu keeps it in thread-local storage: then it is empty).
    associatedtype Reader

    /// The implementation's name in traces (`"swift.rcu"`, `"liburcu.memb"`).
    var name: String { get }
    /// True when readers must announce quiescent states (QSBR): an online reader is protected from going online
    /// (``threadOnline(_:)``) until going offline, and each ``quiescentState(_:)`` ends one such extended section
    /// and begins the next; ``readLock(_:)`` and ``readUnlock(_:)`` cost nothing.
    var hasQuiescentStates: Bool { get }

    /// Registers the calling thread as a reader, outside any read-side section.
    func registerReader() -> Reader
    func unregisterReader(_ reader: Reader)
    /// Registers the calling thread as an updater (it may synchronize, queue callbacks and wait for them).
    func registerUpdater()
    func unregisterUpdater()

    /// rcu_read_lock and rcu_read_unlock.
    func readLock(_ reader: Reader)
    func readUnlock(_ reader: Reader)
    /// QSBR only (no-ops elsewhere): rcu_quiescent_state, rcu_thread_online, rcu_thread_offline.
    func quiescentState(_ reader: Reader)
    func threadOnline(_ reader: Reader)
    func threadOffline(_ reader: Reader)

    /// The pointer published in `slot`, for use inside a read-side section.
    func dereference(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UnsafeMutableRawPointer?
    /// Publishes `value` in `slot` and returns what it replaces.
    func exchange(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ value: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?

    /// Waits for a grace period: every reader in a section when it began has left it.
    func synchronize()
    /// Runs `callback(head)` after a grace period.
    func callRCU(_ head: UnsafeMutablePointer<curcu_head>, _ callback: RCUCallback)
    /// Waits until every callback queued before has run.
    func barrier()
}

extension RCUFlavor {
    public var hasQuiescentStates: Bool { false }
    @inlinable public func quiescentState(_ reader: Reader) {}
    @inlinable public func threadOnline(_ reader: Reader) {}
    @inlinable public func threadOffline(_ reader: Reader) {}
}
