import IPCMechanisms
import IPCModels

/// An operation of a reference implementation in trace form: each call of ``step`` makes at most one access
/// to the ``SharedAccess`` and returns the completion once the operation is over.
struct SteppedOperation {
    let step: (any SharedAccess) -> Completion?

    /// Wraps a typed operation and the translation of its result into trace form.
    init<Operation: SharedOperation>(_ operation: Operation, _ finish: @escaping (Operation.Result) -> Completion) {
        var operation = operation
        step = { shared in
            guard case .finished(let result) = operation.step(shared) else { return nil }
            return finish(result)
        }
    }
}

/// One reference implementation laid out in one shared-memory region with its copy channels: the glue between
/// trace-form calls and the typed operations of IPCMechanisms. The same construction serves the simulation and
/// worker processes; only the ``SharedAccess`` behind it differs.
protocol ReferenceConstruction {
    /// Bytes of shared memory it needs.
    var size: Int { get }
    /// How many copy channels it uses (numbered from 0).
    var channels: Int { get }
    /// Words set before any process runs.
    var initialWords: [(offset: Int, value: UInt64)] { get }
    /// A process's side of it: its private state and how its calls become operations.
    func makeProcess(_ process: Int) -> any ReferenceProcess
}

extension ReferenceConstruction {
    var channels: Int { 0 }
    var initialWords: [(offset: Int, value: UInt64)] { [] }
}

/// One process's view of a construction: private state (free nodes, sequence numbers) lives here, never in
/// shared memory.
protocol ReferenceProcess: AnyObject {
    func operation(for call: Call) throws(BindingError) -> SteppedOperation
}

/// The common trace translations.
extension Completion {
    static let again = Completion.fail("EAGAIN")

    static func data(_ bytes: [UInt8]?) -> Completion {
        bytes.map { .ok(["data": Payload.json($0)]) } ?? .again
    }

    static func sent(_ accepted: Bool) -> Completion { accepted ? .ok(nil) : .again }
}

extension Optional where Wrapped == JSONValue {
    // Field reads for bindings: a malformed command is a binding error (a harness bug or a bad replay), not an
    // outcome of the operation.

    func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(BindingError) -> Int {
        do { return try required(key).integer(key, in: range) } catch { throw BindingError(error.message) }
    }

    /// An optional non-negative count (0 when absent).
    func optionalInt(_ key: String) throws(BindingError) -> Int {
        do { return try optional(key)?.integer(key, in: 0...1 << 24) ?? 0 } catch { throw BindingError(error.message) }
    }

    func bytes(_ key: String) throws(BindingError) -> [UInt8] {
        do { return try required(key).payload(key) } catch { throw BindingError(error.message) }
    }

    func ints(_ key: String) throws(BindingError) -> [Int] {
        do {
            return try required(key).elements(key).map { (value) throws(ModelError) in try value.integer(key, in: Int.min...Int.max) }
        } catch {
            throw BindingError(error.message)
        }
    }

    func processList(_ key: String) throws(BindingError) -> [Int] {
        do { return try processes(key) } catch { throw BindingError(error.message) }
    }
}
