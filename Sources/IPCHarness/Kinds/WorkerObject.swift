import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// What a worker is told about one object it holds: what the kind's ``ObjectKind/provision(_:in:into:)`` handed
/// this process (descriptors at fixed numbers, names, values), the roles it holds the object in, and who it is.
/// A binding reads its part from here while it sets up.
public struct WorkerObject: Sendable {
    /// The object's name in the workload ("p0").
    public let name: String
    /// Its kind's name.
    public let kind: String
    /// The roles this process holds it in ("read", "write").
    public let roles: [String]
    /// What the provisioner told this process (``ProvisionedObjects/tell(_:about:_:)``).
    public let setup: JSONObject
    /// The parameters of the kind's model for the run (the model decodes this object's commands).
    public let modelParameters: JSONValue
    /// The run: this process's number and every worker's process id.
    public let context: WorkerContext

    public init(
        name: String, kind: String, roles: [String], setup: JSONObject, modelParameters: JSONValue, context: WorkerContext
    ) {
        self.name = name
        self.kind = kind
        self.roles = roles
        self.setup = setup
        self.modelParameters = modelParameters
        self.context = context
    }

    /// This process's number in the workload.
    public var process: Int { context.process }

    /// The descriptor the provisioner handed over under `key` (``ProvisionedObjects/hand(_:to:)``).
    public func descriptor(_ key: String) throws(BindingError) -> FileDescriptor {
        guard case .integer(let fd)? = setup[key] else { throw BindingError("\(name): the setup has no descriptor '\(key)'") }
        return FileDescriptor(rawValue: CInt(fd))
    }

    /// The descriptor under `key`, or nil when this process was given none.
    public func optionalDescriptor(_ key: String) -> FileDescriptor? {
        guard case .integer(let fd)? = setup[key] else { return nil }
        return FileDescriptor(rawValue: CInt(fd))
    }

    public func integer(_ key: String) throws(BindingError) -> Int {
        guard case .integer(let value)? = setup[key] else { throw BindingError("\(name): the setup has no integer '\(key)'") }
        return Int(value)
    }

    public func text(_ key: String) throws(BindingError) -> String {
        guard case .string(let value)? = setup[key] else { throw BindingError("\(name): the setup has no string '\(key)'") }
        return value
    }

    public func flag(_ key: String) -> Bool { setup[key] == .bool(true) }

    /// Maps `size` bytes of the memory file handed over under `key` (``ProvisionedObjects/shareMemory(size:with:initialize:)``),
    /// shared with every other holder, and closes the descriptor. The mapping lasts as long as the process.
    public func mapSharedMemory(_ key: String, size: Int) throws(BindingError) -> UnsafeMutableRawPointer {
        let descriptor = try descriptor(key)
        defer { try? Syscall.close(descriptor) }
        do {
            return try Syscall.mapShared(descriptor, size: size)
        } catch {
            throw BindingError("\(name): cannot map the shared memory '\(key)': \(error)")
        }
    }
}

/// What a worker knows about the run beyond its own objects: who it is and the process ids of every worker (for
/// mechanisms that name processes, such as signals, or report them, such as a socket's peer credentials).
public struct WorkerContext: Sendable, Hashable {
    /// This worker's process number in the workload.
    public var process: Int
    /// Every worker's process id, by process number.
    public var pids: [Int: Int32]

    /// The process number of `pid`, if it is one of the run's workers.
    public func process(of pid: Int32) -> Int? {
        pids.first { $0.value == pid }?.key
    }

    /// The setup message's form: `"process": 1, "pids": {"1": 4101, "2": 4102}`.
    var json: JSONObject {
        var table = JSONObject()
        for (process, pid) in pids.sorted(by: { $0.key < $1.key }) { table[String(process)] = .int(Int(pid)) }
        return ["process": .int(process), "pids": .object(table)]
    }

    public init(process: Int, pids: [Int: Int32]) {
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
