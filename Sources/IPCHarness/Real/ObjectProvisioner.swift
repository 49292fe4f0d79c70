import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The kernel objects of one run, created by the driver and shared out to the workers.
struct ProvisionedObjects {
    /// For each process: descriptors to install (source in the driver, target number in the worker).
    var descriptors: [Int: [(source: FileDescriptor, target: CInt)]] = [:]
    /// For each process: the setup of each object it holds, for its worker's bindings.
    var setups: [Int: JSONObject] = [:]
    /// Descriptors the driver must close once every worker has started.
    var driverCopies: [FileDescriptor] = []
    /// The run's names and ledger: everything created by name is recorded there first, and removed by the driver
    /// when the run ends, however it ends, after every worker has been reaped.
    let namespace = RunNamespace()

    /// Closes the driver's copies; the workers' copies are theirs.
    mutating func closeDriverCopies() {
        for descriptor in driverCopies { try? Syscall.close(descriptor) }
        driverCopies.removeAll()
    }

    /// Removes the named objects (once).
    func removeNamedObjects() {
        namespace.removeAll()
    }

    /// Hands `process` a copy of `descriptor` (the same open file), installed at the next free target number,
    /// which it returns. The driver's copy is closed once the workers have started.
    mutating func hand(_ descriptor: FileDescriptor, to process: Int, _ nextTarget: inout CInt) -> CInt {
        let target = nextTarget
        descriptors[process, default: []].append((descriptor, target))
        nextTarget += 1
        return target
    }

    /// Adds `setup` as what `process` is told about `object`.
    mutating func tell(_ process: Int, about object: String, _ setup: JSONObject) {
        setups[process, default: JSONObject()][object] = .object(setup)
    }
}

/// Creates the objects of a workload, kind by kind.
enum ObjectProvisioner {
    static func provision(_ workload: Workload) throws(HarnessError) -> ProvisionedObjects {
        var provisioned = ProvisionedObjects()
        var nextTarget: CInt = 100
        do {
            for object in workload.objects {
                switch object.kind {
                case "pipe": try provisionPipe(object, workload, &provisioned, &nextTarget)
                case "fifo": try provisionFIFO(object, workload, &provisioned)
                case "unix-socket": try provisionUnixSocket(object, workload, &provisioned, &nextTarget)
                case "eventfd": try provisionEventCounter(object, workload, &provisioned, &nextTarget)
                case "signal": try provisionSignal(object, workload, &provisioned)
                case "posix-mq": try provisionPosixMessageQueue(object, workload, &provisioned)
                case "sysv-msg": try provisionSystemVMessageQueue(object, workload, &provisioned)
                case "posix-shm": try provisionPosixSharedMemory(object, workload, &provisioned, &nextTarget)
                case "sysv-shm": try provisionSystemVSharedMemory(object, workload, &provisioned)
                case "posix-sem": try provisionPosixSemaphore(object, workload, &provisioned, &nextTarget)
                case "sysv-sem": try provisionSystemVSemaphore(object, workload, &provisioned)
                case "robust-mutex": try provisionRobustMutex(object, workload, &provisioned, &nextTarget)
                case "ack-queue": try provisionAckQueue(object, workload, &provisioned, &nextTarget)
                case "reference": try provisionReference(object, workload, &provisioned, &nextTarget)
                default: throw HarnessError("no provisioner for objects of kind '\(object.kind)'")
                }
            }
        } catch let error as HarnessError {
            provisioned.closeDriverCopies()
            provisioned.removeNamedObjects()
            throw error
        } catch {
            provisioned.closeDriverCopies()
            provisioned.removeNamedObjects()
            throw HarnessError("cannot create the run's objects: \(error)")
        }
        return provisioned
    }

    /// One pipe; each holder gets its own open file description of each end it holds.
    private static func provisionPipe(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws(Errno) {
        let (readEnd, writeEnd) = try KernelPipe.create()
        provisioned.driverCopies += [readEnd, writeEnd]
        if case .integer(let capacity)? = object.parameters["capacity"], capacity != 65536 {
            try Syscall.setPipeSize(writeEnd, Int(capacity))
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = ["kind": "pipe"]
            for role in roles {
                let forWriting = role == "write"
                let descriptor = try KernelPipe.openEnd(forWriting ? writeEnd : readEnd, forWriting: forWriting)
                provisioned.driverCopies.append(descriptor)
                provisioned.descriptors[process.id, default: []].append((descriptor, nextTarget))
                setup[role] = .integer(Int64(nextTarget))
                nextTarget += 1
            }
            provisioned.setups[process.id, default: JSONObject()][object.name] = .object(setup)
        }
    }
}

/// A failure of the harness itself or of its setup (not a finding about the system under test).
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    /// What in a run's input the failure is about, when it is about the input (a replayed trace's header or one of its
    /// operations) rather than the harness: `replay` and `shrink` then name the trace's file and line.
    public enum Input: Sendable, Hashable {
        /// The workload (objects, who holds what) could not be set up.
        case setup
        /// The worker of this process refused its operation.
        case operation(process: Int)
    }

    public var message: String
    public var input: Input?
    public init(_ message: String, input: Input? = nil) {
        self.message = message
        self.input = input
    }
    public var description: String { message }
}
