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

/// What a worker knows about the run beyond its own objects: who it is and the process ids of every worker (for
/// mechanisms that name processes, such as signals, or report them, such as a socket's peer credentials).
struct WorkerContext: Sendable {
    /// This worker's process number in the workload.
    var process: Int
    /// Every worker's process id, by process number.
    var pids: [Int: Int32]

    /// The process number of `pid`, if it is one of the run's workers.
    func process(of pid: Int32) -> Int? {
        pids.first { $0.value == pid }?.key
    }

    /// The setup message's form: `"process": 1, "pids": {"1": 4101, "2": 4102}`.
    var json: JSONObject {
        var table = JSONObject()
        for (process, pid) in pids.sorted(by: { $0.key < $1.key }) { table[String(process)] = .int(Int(pid)) }
        return ["process": .int(process), "pids": .object(table)]
    }

    init(process: Int, pids: [Int: Int32]) {
        self.process = process
        self.pids = pids
    }

    init(setup message: JSONValue) throws(BindingError) {
        guard case .integer(let process)? = message["process"], case .object(let table)? = message["pids"] else {
            throw BindingError("a setup message needs 'process' and 'pids'")
        }
        var pids: [Int: Int32] = [:]
        for member in table {
            guard let number = Int(member.key), case .integer(let pid) = member.value else {
                throw BindingError("'pids' must map process numbers to process ids")
            }
            pids[number] = Int32(pid)
        }
        self.init(process: Int(process), pids: pids)
    }
}

/// Builds the binding for an object kind from the setup the driver sends.
enum WorkerBindings {
    static func make(
        object: String, kind: String, setup: JSONValue, implementation: String, context: WorkerContext
    ) throws(BindingError) -> any WorkerBinding {
        switch kind {
        case "pipe": return try PipeBinding(setup: setup, implementation: implementation)
        case "fifo": return try FIFOBinding(setup: setup)
        case "unix-socket": return try UnixSocketBinding(setup: setup, implementation: implementation, context: context)
        case "eventfd": return try EventCounterBinding(setup: setup)
        case "signal": return try SignalBinding(setup: setup, context: context)
        case "posix-mq": return try PosixMessageQueueBinding(setup: setup)
        case "sysv-msg": return try SystemVMessageQueueBinding(setup: setup)
        case "posix-shm": return try PosixSharedMemoryBinding(setup: setup)
        case "sysv-shm": return try SystemVSharedMemoryBinding(setup: setup)
        case "posix-sem": return try PosixSemaphoreBinding(setup: setup)
        case "sysv-sem": return try SystemVSemaphoreBinding(setup: setup)
        case "robust-mutex": return try RobustMutexBinding(setup: setup, implementation: implementation)
        case "ack-queue": return try AckQueueBinding(setup: setup, implementation: implementation, context: context)
        case "reference": return try ReferenceBinding(object: object, setup: setup, implementation: implementation)
        default: throw BindingError("no worker binding for objects of kind '\(kind)'")
        }
    }
}

extension WorkerBinding {
    /// Runs `body` for operation `f`, turning an errno into a `fail` completion and a malformed value into a
    /// ``BindingError``.
    func completing(_ f: String, _ body: () throws -> Completion) throws(BindingError) -> Completion {
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

    func flag(_ value: JSONValue?, _ name: String) throws(ModelError) -> Bool {
        try value.optional(name)?.boolean(name) ?? false
    }

    mutating func prepareForExit() {}
}

extension JSONValue? {
    /// The descriptor number a setup names under `key`.
    func descriptor(_ key: String) throws(BindingError) -> FileDescriptor {
        guard case .integer(let fd)? = self?[key] else { throw BindingError("the setup has no descriptor '\(key)'") }
        return FileDescriptor(rawValue: CInt(fd))
    }

    /// The integer a setup names under `key`.
    func setupInteger(_ key: String) throws(BindingError) -> Int {
        guard case .integer(let value)? = self?[key] else { throw BindingError("the setup has no integer '\(key)'") }
        return Int(value)
    }

    /// The string a setup names under `key`.
    func setupText(_ key: String) throws(BindingError) -> String {
        guard case .string(let value)? = self?[key] else { throw BindingError("the setup has no string '\(key)'") }
        return value
    }
}
