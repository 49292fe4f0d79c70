import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// The objects of one run as the driver creates them, and what each worker is given of them: the toolkit a kind's
/// ``ObjectKind/provision(_:in:into:)`` works with.
///
/// - Descriptors are handed to a process (``hand(_:to:)``) at a number of their own in its worker; the driver's
///   copies are closed once every worker has started (``keepUntilStarted(_:)``).
/// - Names come from the run's ``namespace`` (`ipch-<pid>-<random>-…`, unguessable) and are written to the run's
///   ledger *before* the object exists (``createNamed(_:_:_:)``, ``createKeyed(_:_:)``), so that nothing outlives
///   the run however it ends.
/// - What a process learns about an object (descriptor numbers, names, values) is its setup (``tell(_:about:_:)``),
///   read back in the worker through ``WorkerObject``.
public struct ProvisionedObjects {
    /// For each process: descriptors to install (source in the driver, target number in the worker).
    var descriptors: [Int: [(source: FileDescriptor, target: CInt)]] = [:]
    /// For each process: the setup of each object it holds, for its worker's bindings.
    var setups: [Int: JSONObject] = [:]
    /// Descriptors the driver must close once every worker has started.
    var driverCopies: [FileDescriptor] = []
    /// The next descriptor number to hand out in a worker (each handed descriptor gets its own).
    private var nextTarget: CInt = 100
    /// The run's names and ledger: everything created by name is recorded there first, and removed by the driver
    /// when the run ends, however it ends, after every worker has been reaped.
    public let namespace = RunNamespace()

    public init() {}

    /// Hands `process` a copy of `descriptor` (the same open file) at a descriptor number of its own in its
    /// worker, which it returns: put it in the process's setup. Keep the driver's copy with
    /// ``keepUntilStarted(_:)`` (or close it yourself after provisioning).
    public mutating func hand(_ descriptor: FileDescriptor, to process: Int) -> Int {
        let target = nextTarget
        descriptors[process, default: []].append((descriptor, target))
        nextTarget += 1
        return Int(target)
    }

    /// The driver's copy of a descriptor it created: closed once every worker has started (or the run failed to
    /// start), so that only the workers hold the object.
    public mutating func keepUntilStarted(_ descriptor: FileDescriptor) {
        driverCopies.append(descriptor)
    }

    /// Adds `setup` to what `process` is told about `object` (merging with what it was told before).
    public mutating func tell(_ process: Int, about object: String, _ setup: JSONObject) {
        var merged = setups[process]?[object]?.objectValue ?? JSONObject()
        for member in setup { merged[member.key] = member.value }
        setups[process, default: JSONObject()][object] = .object(merged)
    }

    /// Tells every process that holds `object` the same `setup`, and hands each its own copy of each of
    /// `descriptors` under its key.
    public mutating func tellHolders(
        of object: Workload.Object, in workload: Workload, _ setup: JSONObject = [:],
        handing descriptors: [String: FileDescriptor] = [:]
    ) {
        for process in workload.processes where process.holds[object.name] != nil {
            var processSetup = setup
            for (key, descriptor) in descriptors.sorted(by: { $0.key < $1.key }) {
                processSetup[key] = .int(hand(descriptor, to: process.id))
            }
            tell(process.id, about: object.name, processSetup)
        }
    }

    /// Records `name` in the ledger, then creates it with `create`; withdraws the record if creation fails.
    public func createNamed<T>(
        _ kind: RunNamespace.Kind, _ name: String, _ create: () throws(Errno) -> T
    ) throws(HarnessError) -> T {
        try namespace.record(kind, name)
        do {
            return try create()
        } catch {
            namespace.withdraw(kind, name)
            throw HarnessError("cannot create \(kind.rawValue) \(name): \(error)")
        }
    }

    /// Records a fresh tagged System V key, then creates the object with it; on `EEXIST` (another object has the
    /// key) withdraws the record and tries another key.
    public func createKeyed<T>(_ kind: RunNamespace.Kind, _ create: (key_t) throws(Errno) -> T) throws(HarnessError) -> T {
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

    /// A region of `size` bytes of anonymous shared memory (a `memfd`: it needs no name and vanishes with its last
    /// holder), initialised by `initialize` through a temporary mapping; hand its descriptor to the holders, and a
    /// worker maps it with ``WorkerObject/mapSharedMemory(_:size:)``. The driver's copy is closed once they have
    /// started.
    public mutating func shareMemory(
        size: Int, initialize: (UnsafeMutableRawPointer) throws -> Void = { _ in }
    ) throws(HarnessError) -> FileDescriptor {
        do {
            let descriptor = try Syscall.memfdCreate("\(RunNamespace.prefix)memory")
            keepUntilStarted(descriptor)
            try Syscall.truncate(descriptor, size: size)
            let address = try Syscall.mapShared(descriptor, size: size)
            defer { try? Syscall.unmap(address, size: size) }
            try initialize(address)
            return descriptor
        } catch let error as HarnessError {
            throw error
        } catch {
            throw HarnessError("cannot set up shared memory of \(size) bytes: \(error)")
        }
    }

    /// Closes the driver's copies; the workers' copies are theirs.
    mutating func closeDriverCopies() {
        for descriptor in driverCopies { try? Syscall.close(descriptor) }
        driverCopies.removeAll()
    }

    /// Removes the named objects (once).
    func removeNamedObjects() {
        namespace.removeAll()
    }
}

extension Workload.Object {
    /// An integer parameter, if present.
    public func integer(_ key: String) -> Int? {
        if case .integer(let value)? = parameters[key] { return Int(value) }
        return nil
    }
}

/// The real driver provisions every object before the run: a workload object of `"exists": false` (no queue,
/// semaphore or segment until a call of the trace makes it) is a form the models judge, which the real workers do not
/// run. Refused with the reason, never silently created (posix-shm's was once created anyway, the trace then judged as
/// of an object that existed from the start).
func refuseAbsent(_ object: Workload.Object) throws(HarnessError) {
    guard object.parameters["exists"] == .bool(false) else { return }
    throw HarnessError(
        "object \(object.name) (\(object.kind)): \"exists\": false is judged by the model only; the real driver creates every object it provisions before the run, so its workers cannot start from an object that does not exist yet")
}
