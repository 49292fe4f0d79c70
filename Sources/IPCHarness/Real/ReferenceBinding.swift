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
        guard case .integer(let memory)? = setup["memory"], case .integer(let id)? = setup["process"] else {
            throw BindingError("a reference object's setup needs 'memory' and 'process'")
        }
        let kind: CopyChannelKind
        do {
            kind = try CopyChannelKind.named(setup["channel"])
        } catch {
            throw BindingError(error.message)
        }
        var channels: [Int: any CopyChannel] = [:]
        for channel in 0..<construction.channels {
            let ends = setup["channels"]?[String(channel)]
            let readEnd: FileDescriptor? = if case .integer(let fd)? = ends?["read"] { FileDescriptor(rawValue: CInt(fd)) } else { nil }
            let writeEnd: FileDescriptor? = if case .integer(let fd)? = ends?["write"] { FileDescriptor(rawValue: CInt(fd)) } else { nil }
            channels[channel] = kind.adapter(receiveEnd: readEnd, sendEnd: writeEnd)
        }
        do {
            access = try MappedSharedAccess(descriptor: FileDescriptor(rawValue: CInt(memory)), size: construction.size, channels: channels)
        } catch {
            throw BindingError("cannot map the shared memory: \(error)")
        }
        processID = Int(id)
        self.object = object
        process = construction.makeProcess(Int(id))
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        let operation = try process.operation(for: Call(process: processID, object: object, f: f, value: value))
        while true {
            if let completion = operation.step(access) {
                if let failure = access.channelFailure { return .fail(failure.name) }
                return completion
            }
        }
    }

    mutating func prepareForExit() {}
}
