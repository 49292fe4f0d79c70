import IPCModels
import IPCSyscalls
import SystemPackage

/// How one operation ended in a worker, as sent back to the driver and recorded in the trace.
enum Completion: Sendable, Hashable {
    case ok(JSONValue?)
    case fail(String)

    var json: JSONValue {
        switch self {
        case .ok(let value):
            var object: JSONObject = ["type": "ok"]
            if let value { object["value"] = value }
            return .object(object)
        case .fail(let error):
            return ["type": "fail", "error": .string(error)]
        }
    }
}

extension Completion {
    /// Runs one operation of a binding: an errno it throws is the operation's outcome (`fail`); a malformed command
    /// (a field missing or of the wrong type) is a ``BindingError``.
    static func performing(_ f: String, _ body: () throws -> Completion) throws(BindingError) -> Completion {
        do {
            return try body()
        } catch let error as Errno {
            return .fail(error.name)
        } catch let error as ModelError {
            throw BindingError("\(f): \(error.message)")
        } catch let error as BindingError {
            throw error
        } catch {
            throw BindingError("\(f): \(error)")
        }
    }
}

/// Runs trace-form operations against one object inside a worker: the glue between the harness's commands and a
/// mechanism's typed API (mechanisms know nothing of traces).
protocol WorkerBinding {
    /// Performs one operation and says how it ended. Errno failures are outcomes, not errors.
    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion
    /// Called when the process is told to exit: anything buffered must go out now.
    mutating func prepareForExit()
}

/// A command the binding cannot carry out at all (a harness bug or a malformed replay), as opposed to an errno.
struct BindingError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Builds the binding for an object kind from the setup the driver sends.
enum WorkerBindings {
    static func make(object: String, kind: String, setup: JSONValue, implementation: String) throws(BindingError) -> any WorkerBinding {
        switch kind {
        case "pipe": return try PipeBinding(setup: setup, implementation: implementation)
        case "fifo": return try FIFOBinding(setup: setup)
        case "reference": return try ReferenceBinding(object: object, setup: setup, implementation: implementation)
        default: throw BindingError("no worker binding for objects of kind '\(kind)'")
        }
    }
}
