import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// POSIX message queue operations in a worker (model `posix-mq`): `send`, `receive`, `open`, `close` and
/// `unlink` of the queue named in the setup. A holder opens its descriptor while setting up; `open` adds one,
/// `close` closes the newest. With no descriptor, `send` and `receive` fail `EBADF` as the kernel would.
struct PosixMessageQueueBinding: WorkerBinding {
    private let name: String
    private var descriptors: [FileDescriptor] = []

    init(setup: JSONValue) throws(BindingError) {
        let setup: JSONValue? = setup
        name = try setup.setupText("name")
        if case .bool(true)? = setup?["open"] {
            do {
                descriptors.append(try PosixMessageQueue.open(name))
            } catch {
                throw BindingError("cannot open message queue \(name): \(error)")
            }
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "send":
                let priority = try value.required("priority").integer("priority", in: Int(Int32.min)...Int(UInt32.max))
                guard priority >= 0 && priority < PosixMessageQueueModel.priorityLimit else { return .fail("EINVAL") }
                guard let queue = descriptors.last else { return .fail("EBADF") }
                let data = try value.required("data").payload("data")
                switch try PosixMessageQueue.send(queue, data, priority: priority, nonblocking: try flag(value, "nonblocking")) {
                case .completed: return .ok(nil)
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "receive":
                guard let queue = descriptors.last else { return .fail("EBADF") }
                let max = try value.required("max").integer("max", in: 0...1 << 24)
                switch try PosixMessageQueue.receive(queue, maximum: max, nonblocking: try flag(value, "nonblocking")) {
                case .completed(let message): return .ok(["data": Payload.json(message.data), "priority": .int(message.priority)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "open":
                descriptors.append(try PosixMessageQueue.open(name))
                return .ok(nil)
            case "close":
                guard let queue = descriptors.popLast() else { return .fail("EBADF") }
                try PosixMessageQueue.close(queue)
                return .ok(nil)
            case "unlink":
                try PosixMessageQueue.unlink(name)
                return .ok(nil)
            default:
                throw BindingError("the posix-mq binding has no operation '\(f)'")
            }
        }
    }
}

/// System V message queue operations in a worker (model `sysv-msg`): `send`, `receive` and `remove` on the
/// queue id in the setup. The binding reports the kernel's `ENOMSG` for a nonblocking receive that finds nothing.
struct SystemVMessageQueueBinding: WorkerBinding {
    private let queue: SystemVMessageQueue

    init(setup: JSONValue) throws(BindingError) {
        queue = SystemVMessageQueue(id: CInt(try (setup as JSONValue?).setupInteger("id")))
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "send":
                let result = try SystemVMessageQueues.send(
                    queue, type: try value.required("type").integer("type", in: Int.min...Int.max),
                    try value.required("data").payload("data"), nonblocking: try flag(value, "nonblocking"))
                return result == .wouldBlock ? .fail("EAGAIN") : .ok(nil)
            case "receive":
                let type = try value.required("type").integer("type", in: Int.min...Int.max)
                let result = try SystemVMessageQueues.receive(
                    queue, maximum: try value.required("max").integer("max", in: -(1 << 24)...1 << 24),
                    selector: try flag(value, "except") ? .except(type) : .type(type), truncate: try flag(value, "truncate"),
                    nonblocking: try flag(value, "nonblocking"))
                switch result {
                case .completed(let message): return .ok(["type": .int(message.type), "data": Payload.json(message.data)])
                case .wouldBlock: return .fail("ENOMSG")
                }
            case "remove":
                try SystemVMessageQueues.remove(queue)
                return .ok(nil)
            default:
                throw BindingError("the sysv-msg binding has no operation '\(f)'")
            }
        }
    }
}
