import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The memory the driver initialises a semaphore or mutex in (a `memfd`, one page) and hands to each holder.
enum SharedObjectMemory {
    static let size = 4096
}

/// Creating the named and System V objects of issue 3: every name from the run's namespace, recorded in its
/// ledger before creation (and withdrawn if creation fails), created exclusively with mode 0600. Workers get
/// names, ids or descriptors, and open, attach or map the object themselves while setting up.
extension ObjectProvisioner {
    static func provisionPosixMessageQueue(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects
    ) throws {
        let name = provisioned.namespace.posixName(object.name)
        let queue = try createNamed(.posixMessageQueue, name, in: provisioned.namespace) { () throws(Errno) in
            try PosixMessageQueue.create(
                name, maximumMessages: object.integer("maxMessages") ?? 10, messageSize: object.integer("messageSize") ?? 8192)
        }
        try? Syscall.close(queue)
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            provisioned.setups[process.id, default: JSONObject()][object.name] = [
                "kind": "posix-mq", "name": .string(name), "open": .bool(roles.contains("open")),
            ]
        }
    }

    static func provisionSystemVMessageQueue(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects
    ) throws {
        let queue = try createKeyed(.sysvMessageQueue, in: provisioned.namespace) { (key) throws(Errno) in
            try SystemVMessageQueues.create(key: key, capacity: object.integer("capacity"))
        }
        for process in workload.processes where process.holds[object.name] != nil {
            provisioned.setups[process.id, default: JSONObject()][object.name] = ["kind": "sysv-msg", "id": .int(Int(queue.id))]
        }
    }

    static func provisionPosixSharedMemory(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        let name = provisioned.namespace.posixName(object.name)
        let words = object.integer("words") ?? 8
        let descriptor = try createNamed(.posixSharedMemory, name, in: provisioned.namespace) { () throws(Errno) in
            try PosixSharedMemory.create(name, size: words * 8)
        }
        provisioned.driverCopies.append(descriptor)
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = ["kind": "posix-shm", "name": .string(name), "words": .int(words)]
            if roles.contains("map") {
                setup["fd"] = .integer(Int64(nextTarget))
                provisioned.descriptors[process.id, default: []].append((descriptor, nextTarget))
                nextTarget += 1
            }
            provisioned.setups[process.id, default: JSONObject()][object.name] = .object(setup)
        }
    }

    static func provisionSystemVSharedMemory(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects
    ) throws {
        let words = object.integer("words") ?? 8
        let segment = try createKeyed(.sysvSharedMemory, in: provisioned.namespace) { (key) throws(Errno) in
            try SystemVSharedMemorySegments.create(key: key, size: words * 8)
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            provisioned.setups[process.id, default: JSONObject()][object.name] = [
                "kind": "sysv-shm", "id": .int(Int(segment.id)), "words": .int(words), "attach": .bool(roles.contains("attach")),
            ]
        }
    }

    static func provisionPosixSemaphore(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        let value = object.integer("value") ?? 0
        var setup: JSONObject = ["kind": "posix-sem"]
        var memory: FileDescriptor?
        if case .bool(true)? = object.parameters["named"] {
            let name = provisioned.namespace.posixName(object.name)
            let semaphore = try createNamed(.posixSemaphore, name, in: provisioned.namespace) { () throws(Errno) in
                try PosixSemaphore.create(name, value: value)
            }
            try? semaphore.close()
            setup["name"] = .string(name)
        } else {
            memory = try sharedObjectMemory(&provisioned) { (address) throws(Errno) in
                _ = try PosixSemaphore.initialize(at: address, value: value)
            }
        }
        handToHolders(object, workload, setup: setup, memory: memory, &provisioned, &nextTarget)
    }

    static func provisionSystemVSemaphore(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects
    ) throws {
        var values = [0]
        if case .array(let array)? = object.parameters["values"] {
            values = array.compactMap { if case .integer(let value) = $0 { Int(value) } else { nil } }
        }
        let set = try createKeyed(.sysvSemaphore, in: provisioned.namespace) { (key) throws(Errno) in
            try SystemVSemaphores.create(key: key, values: values)
        }
        for process in workload.processes where process.holds[object.name] != nil {
            provisioned.setups[process.id, default: JSONObject()][object.name] = [
                "kind": "sysv-sem", "id": .int(Int(set.id)), "count": .int(values.count),
            ]
        }
    }

    static func provisionRobustMutex(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        let memory = try sharedObjectMemory(&provisioned) { (address) throws(Errno) in
            _ = try RobustMutex.initialize(at: address)
        }
        handToHolders(object, workload, setup: ["kind": "robust-mutex"], memory: memory, &provisioned, &nextTarget)
    }

    /// The ack queue's page, laid out once; each holder joins it (taking its lease) while setting up.
    static func provisionAckQueue(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        let capacity = object.integer("capacity") ?? 8
        guard (1...SharedAckQueue.maximumCapacity).contains(capacity) else {
            throw HarnessError("an ack queue holds 1 to \(SharedAckQueue.maximumCapacity) messages, not \(capacity)")
        }
        let memory = try sharedObjectMemory(&provisioned) { (address) throws(Errno) in
            try SharedAckQueue.initialize(at: address, capacity: capacity)
        }
        handToHolders(object, workload, setup: ["kind": "ack-queue"], memory: memory, &provisioned, &nextTarget)
    }

    /// Tells every holder of `object` its `setup`; with `memory` (the object's shared page), also gives each its
    /// own descriptor of the page at its next slot, named in the setup as `fd`.
    private static func handToHolders(
        _ object: Workload.Object, _ workload: Workload, setup: JSONObject, memory: FileDescriptor?,
        _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) {
        for process in workload.processes where process.holds[object.name] != nil {
            var processSetup = setup
            if let memory {
                processSetup["fd"] = .integer(Int64(nextTarget))
                provisioned.descriptors[process.id, default: []].append((memory, nextTarget))
                nextTarget += 1
            }
            provisioned.tell(process.id, about: object.name, processSetup)
        }
    }

    /// Records `name`, then creates it; withdraws the record if creation fails.
    static func createNamed<T>(
        _ kind: RunNamespace.Kind, _ name: String, in namespace: RunNamespace, _ create: () throws(Errno) -> T
    ) throws -> T {
        try namespace.record(kind, name)
        do {
            return try create()
        } catch {
            namespace.withdraw(kind, name)
            throw HarnessError("cannot create \(kind.rawValue) \(name): \(error)")
        }
    }

    /// Records a fresh tagged key, then creates the object; on `EEXIST` (another object has the key) withdraws
    /// the record and tries another key.
    private static func createKeyed<T>(
        _ kind: RunNamespace.Kind, in namespace: RunNamespace, _ create: (key_t) throws(Errno) -> T
    ) throws -> T {
        for _ in 0..<8 {
            let key = namespace.sysvKey()
            let name = RunNamespace.keyName(key)
            try namespace.record(kind, name)
            do {
                return try create(key)
            } catch .fileExists {
                namespace.withdraw(kind, name)
            } catch {
                namespace.withdraw(kind, name)
                throw HarnessError("cannot create \(kind.rawValue) with key \(name): \(error)")
            }
        }
        throw HarnessError("cannot create \(kind.rawValue): 8 random keys were all taken")
    }

    /// A page of anonymous shared memory (`memfd`), initialised by `initialize` through a temporary mapping;
    /// the descriptor goes to the holders, and the driver's copy is closed once they have started.
    private static func sharedObjectMemory(
        _ provisioned: inout ProvisionedObjects, _ initialize: (UnsafeMutableRawPointer) throws(Errno) -> Void
    ) throws(Errno) -> FileDescriptor {
        let descriptor = try Syscall.memfdCreate("ipc-harness-object")
        provisioned.driverCopies.append(descriptor)
        try Syscall.truncate(descriptor, size: SharedObjectMemory.size)
        let address = try Syscall.mapShared(descriptor, size: SharedObjectMemory.size)
        defer { try? Syscall.unmap(address, size: SharedObjectMemory.size) }
        try initialize(address)
        return descriptor
    }
}

extension Workload.Object {
    /// An integer parameter, if present.
    func integer(_ key: String) -> Int? {
        if case .integer(let value)? = parameters[key] { return Int(value) }
        return nil
    }
}
