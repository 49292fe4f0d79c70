import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The seeds' reference constructions run for real (kind `reference`): the object's `implementation` parameter
/// names the construction (`reference.spsc-ring`, …) and `setup` configures it. The driver creates its shared
/// memory (an anonymous memory file, initialised here, handed to every holder of the `memory` role) and its copy
/// channels (a pipe each by default: `send:N` holders get a write end, `receive:N` holders a read end, each its own
/// open file description, of the ``CopyChannelKind`` the `channel` parameter names).
///
/// The one family that conforms to ``ObjectKind`` directly: which model an object's operations are checked
/// against (queue, stack, register, snapshot) depends on the construction it names, and the constructions — shared
/// with the simulation — read their operations from trace form themselves.
public enum ReferenceKind: ObjectKind {
    public static let name = "reference"

    public static var implementations: [String] { ReferenceConstructions.implementations }

    /// The constructions' models are the scenarios' (the header names them); a worker decodes nothing through one.
    public static func modelParameters(for workload: Workload) -> JSONValue { .null }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        do {
            try provisionConstruction(object, workload, &objects)
        } catch let error as HarnessError {
            throw error
        } catch {
            throw HarnessError("cannot create reference object \(object.name): \(error)")
        }
    }

    private static func provisionConstruction(
        _ object: Workload.Object, _ workload: Workload, _ objects: inout ProvisionedObjects
    ) throws {
        guard case .string(let implementation)? = object.parameters["implementation"] else {
            throw HarnessError("reference object \(object.name) names no implementation")
        }
        let construction: any ReferenceConstruction
        do {
            construction = try ReferenceConstructions.make(implementation, setup: object.parameters["setup"])
        } catch {
            throw HarnessError("reference object \(object.name): \(error.message)")
        }
        let memory = try objects.shareMemory(size: construction.size)
        do {
            let mapping = try MappedSharedAccess(descriptor: memory, size: construction.size)
            for (offset, value) in construction.initialWords { mapping.store(offset, value, .sequentiallyConsistent) }
        }
        let kind = try CopyChannelKind.named(object.parameters["channel"])
        var channels: [(receive: FileDescriptor, send: FileDescriptor)] = []
        for _ in 0..<construction.channels {
            let channel = try kind.create()
            objects.keepUntilStarted(channel.receive)
            objects.keepUntilStarted(channel.send)
            channels.append(channel)
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = [
                "setup": object.parameters["setup"] ?? .null, "implementation": .string(implementation),
                "channel": .string(kind.rawValue),
            ]
            if roles.contains("memory") { setup["memory"] = .int(objects.hand(memory, to: process.id)) }
            var ends = JSONObject()
            for role in roles {
                let parts = role.split(separator: ":")
                guard parts.count == 2, let channel = Int(parts[1]), channels.indices.contains(channel) else { continue }
                let forWriting = parts[0] == "send"
                let end = try kind.openEnd(forWriting ? channels[channel].send : channels[channel].receive, forSending: forWriting)
                objects.keepUntilStarted(end)
                var pair = ends[String(channel)]?.objectValue ?? JSONObject()
                pair[forWriting ? "write" : "read"] = .int(objects.hand(end, to: process.id))
                ends[String(channel)] = .object(pair)
                if forWriting {
                    // The sender also holds (and never uses) a read end: a channel lives as long as anyone who
                    // holds it, as the simulation's does, so a receiver that finished its program early does not
                    // turn the sender's next send into EPIPE.
                    let keeper = try kind.openEnd(channels[channel].receive, forSending: false)
                    objects.keepUntilStarted(keeper)
                    _ = objects.hand(keeper, to: process.id)
                }
            }
            setup["channels"] = .object(ends)
            objects.tell(process.id, about: object.name, setup)
        }
    }

    public static func workerBinding(for object: WorkerObject, implementation: String) throws(BindingError) -> any WorkerBinding {
        let named = try object.text("implementation")
        guard named == implementation else {
            throw BindingError("reference object \(object.name) is a \(named), not the \(implementation) this worker was asked to run")
        }
        return try ReferenceBinding(object)
    }
}

/// A reference construction in a worker: the shared memory the driver created, mapped wherever this process's
/// kernel puts it, and this process's ends of the copy channels. Each operation is the construction's own, stepped
/// to its end on real atomics.
struct ReferenceBinding: WorkerBinding {
    private let process: any ReferenceProcess
    private let access: MappedSharedAccess
    private let processID: Int
    private let object: String

    init(_ object: WorkerObject) throws(BindingError) {
        let construction = try ReferenceConstructions.make(try object.text("implementation"), setup: object.setup["setup"])
        let kind: CopyChannelKind
        do {
            kind = try CopyChannelKind.named(object.setup["channel"])
        } catch {
            throw BindingError(error.message)
        }
        var channels: [Int: any CopyChannel] = [:]
        for channel in 0..<construction.channels {
            let ends = object.setup["channels"]?[String(channel)]
            channels[channel] = kind.adapter(receiveEnd: try? ends.descriptor("read"), sendEnd: try? ends.descriptor("write"))
        }
        do {
            access = try MappedSharedAccess(descriptor: try object.descriptor("memory"), size: construction.size, channels: channels)
        } catch let error as BindingError {
            throw error
        } catch {
            throw BindingError("cannot map the shared memory: \(error)")
        }
        processID = object.process
        self.object = object.name
        process = construction.makeProcess(object.process)
    }

    mutating func perform(_ call: Call) throws(BindingError) -> Outcome {
        let operation = try process.operation(for: Call(process: processID, object: object, f: call.f, value: call.value))
        access.clearChannelFailures()
        while true {
            if let completion = operation.step(access) {
                if let failure = access.channelFailure { return .fail(ErrorCode(failure.name)) }
                return completion.outcome
            }
        }
    }

    mutating func prepareForExit() {}
}
