import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// A reference implementation in a worker: the shared memory the driver created, mapped wherever this
/// process's kernel puts it, and this process's ends of the copy channels (of the kind the setup names). Each operation is the
/// construction's own, stepped to its end on real atomics.
struct ReferenceBinding: WorkerBinding {
    private let process: any ReferenceProcess
    private let access: MappedSharedAccess
    private let processID: Int
    private let object: String

    init(object: String, setup: JSONValue, implementation: String) throws(BindingError) {
        let construction = try ReferenceConstructions.make(implementation, setup: setup["setup"])
        let memory = try (setup as JSONValue?).descriptor("memory")
        let id = try (setup as JSONValue?).setupInteger("process")
        let kind: CopyChannelKind
        do {
            kind = try CopyChannelKind.named(setup["channel"])
        } catch {
            throw BindingError(error.message)
        }
        var channels: [Int: any CopyChannel] = [:]
        for channel in 0..<construction.channels {
            let ends = setup["channels"]?[String(channel)]
            channels[channel] = kind.adapter(receiveEnd: try? ends.descriptor("read"), sendEnd: try? ends.descriptor("write"))
        }
        do {
            access = try MappedSharedAccess(descriptor: memory, size: construction.size, channels: channels)
        } catch {
            throw BindingError("cannot map the shared memory: \(error)")
        }
        processID = id
        self.object = object
        process = construction.makeProcess(id)
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        let operation = try process.operation(for: Call(process: processID, object: object, f: f, value: value))
        access.clearChannelFailures()
        while true {
            if let completion = operation.step(access) {
                if let failure = access.channelFailure { return .fail(failure.name) }
                return completion
            }
        }
    }
}
