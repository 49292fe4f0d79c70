// The System V message queue model's trace form (documented in traces/README.md):
//
//   f        invoke value                                                    ok value                       fail error
//   send     {"type": INT, "data": PAYLOAD, "nonblocking": BOOL?, "size": INT? (msgsz apart from the data: a prefix
//             of it, or negative or above msgmax: EINVAL first)}             (none)                         EAGAIN, EINVAL, EIDRM
//   receive  {"type": INT, "max": INT, "except": BOOL?, "truncate": BOOL?,   {"type": INT, "data": PAYLOAD}  ENOMSG, E2BIG, EINVAL, EIDRM
//             "nonblocking": BOOL?, "copy": BOOL? (MSG_COPY: "type" is a position)}
//   remove   (none)                                                          (none)                         EINVAL
//   stat     (none)      {"messages": INT, "bytes": INT, "capacity": INT, "lastSender": INT?, "lastReceiver": INT?}  EINVAL
//   set      {"capacity": INT?, "mode": "0604"?, "owner": UID?} (IPC_SET)       (none)                         EPERM, EINVAL
//   info     {"command": "IPC_INFO" | "MSG_INFO"}   {"index": INT, "msgmax": INT, … (struct msginfo's fields, each optional)}
//   stat     {"command": "MSG_STAT" | "MSG_STAT_ANY"}? (of the queue's own index; IPC_STAT without)
//   (stat's ok value may also hold "mode", "owner", "group", and "sendTime", "receiveTime", "changeTime": msg_stime,
//   msg_rtime, msg_ctime in seconds)
//   (send and receive without "nonblocking" may also fail EINTR)
//   control  {"command": INT} (msgctl with a command it does not have)  (never)  EINVAL
//   ("id": a negative INT beside send's, receive's, remove's, stat's, set's or info's fields: that call made with
//   a negative id, EINVAL; SystemVInvalidCall)
// fork {"child": N}: the process forks; N is a new process with its credentials (nothing of the queue is inherited)
//
// params: {"objects": {"m0": {"exists": BOOL? (false: no queue until a get with "create" makes it, msg_qbytes 16384, the
//   mode asked, the creator's; then no "capacity"; SystemVMessageQueueModel+Creation.swift), "capacity": 16384, "maxMessageSize": 8192, "mode": "0600"?, "owner": UID?, "group": GID?,
//   "users": {"2": UID | {"uid": UID, "gid": GID}}?}} (Permissions), "ipcNamespace": {"queues": K, "msgmni": N?}? (the
//   trace's own IPC namespace, one object: msgmni's ENOSPC judged; SystemVMessageQueueModel+Namespace.swift)
extension SystemVMessageQueueModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var queues: [(name: String, setup: Setup)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            let exists = try setup.optional("exists")?.boolean("exists") ?? true
            if !exists { try Self.checkNotExisting(name, setup: setup) }
            queues.append((name, Setup(
                capacity: try setup.optional("capacity")?.integer("capacity", in: 0...1 << 24) ?? 16384,
                maxMessageSize: try setup.optional("maxMessageSize")?.integer("maxMessageSize", in: 0...1 << 24) ?? 8192,
                permissions: try Permissions(setup: setup), exists: exists)))
        }
        self.init(
            queues: queues,
            namespace: try IPCNamespace.parse(parameters, model: Self.name, objects: queues.count, fields: Self.namespaceFields))
    }

    public var parameters: JSONValue {
        namespace.json(adding: ModelParameters.json(setups.map { name, setup in
            let capacity: [(String, JSONValue)] = setup.exists ? [("capacity", .int(setup.capacity))] : [("exists", .bool(false))]
            return (name, .object(JSONObject(capacity + [("maxMessageSize", .int(setup.maxMessageSize))] + setup.permissions.json)))
        }))
    }

    /// `msgctl`'s commands: `IPC_RMID`, `IPC_SET`, `IPC_STAT`, `IPC_INFO`, `MSG_STAT`, `MSG_INFO`, `MSG_STAT_ANY`.
    public static let controlCommands: Set<Int> = SystemVInvalidCall.commonCommands.union([11, 12, 13])

    public func input(from call: Call) throws(ModelError) -> Input {
        if let invalid = try SystemVInvalidCall.parse(
            call, commands: Self.controlCommands, idCalls: ["send", "receive", "remove", "stat", "set", "info"]) {
            return .invalid(process: call.process, call: invalid)
        }
        func flag(_ name: String) throws(ModelError) -> Bool { try call.value.optional(name)?.boolean(name) ?? false }
        switch call.f {
        case "send":
            let type = try call.value.required("type").integer("type", in: Int.min...Int.max)
            var data = try call.value.required("data").payload("data")
            if let size = try call.value.optional("size")?.integer("size", in: Int.min...Int.max), size != data.count {
                // msgsz apart from the data: a prefix of it is the message; a size the kernel refuses is EINVAL
                // unread; a size past the data up to msgmax would send bytes the trace does not have.
                let maxMessageSize = setups.first { $0.name == call.object }?.setup.maxMessageSize ?? Setup().maxMessageSize
                if size < 0 || size > maxMessageSize {
                    return .oversizedSend(process: call.process, type: type, size: size, nonblocking: try flag("nonblocking"))
                }
                guard size < data.count else {
                    throw ModelError("send's 'size' \(size) is past its \(data.count) bytes of 'data' and within msgmax (\(maxMessageSize)): the message's other bytes are not in the trace")
                }
                data.removeLast(data.count - size)
            }
            return .send(process: call.process, type: type, data: data, nonblocking: try flag("nonblocking"))
        case "receive" where try flag("copy"):
            return .copy(
                process: call.process, index: try call.value.required("type").integer("type", in: Int.min...Int.max),
                max: try call.value.required("max").integer("max", in: -(1 << 24)...1 << 24), except: try flag("except"),
                truncate: try flag("truncate"), nonblocking: try flag("nonblocking"))
        case "receive":
            return .receive(
                process: call.process, type: try call.value.required("type").integer("type", in: Int.min...Int.max),
                max: try call.value.required("max").integer("max", in: -(1 << 24)...1 << 24), except: try flag("except"),
                truncate: try flag("truncate"), nonblocking: try flag("nonblocking"))
        case "remove":
            return .remove(process: call.process)
        case "fork":
            return .fork(process: call.process, child: try call.forkedChild())
        case "stat":
            guard let any = try SystemVCommand.statAtIndex(call.value, prefix: "MSG") else { return .stat(process: call.process) }
            return .statAtIndex(process: call.process, any: any)
        case "info":
            return .info(process: call.process, counts: try SystemVCommand.infoCounts(call.value, prefix: "MSG"))
        case "get":
            return .get(process: call.process, create: try flag("create"), exclusive: try flag("exclusive"), mode: try Permissions.mode(in: call.value))
        case "set":
            let mode = try Permissions.mode(in: call.value)
            let owner = try call.value.optional("owner")?.integer("owner")
            let group = try call.value.optional("group")?.integer("group")
            if mode != nil || owner != nil || group != nil {
                return .setPermissions(
                    process: call.process, capacity: try call.value.optional("capacity")?.integer("capacity", in: 0...Int(UInt32.max)),
                    mode: mode, owner: owner, group: group)
            }
            return .setCapacity(process: call.process, capacity: try call.value.required("capacity").integer("capacity", in: 0...Int(UInt32.max)))
        default:
            throw ModelError("the sysv-msg model has no operation '\(call.f)' (it has send, receive, remove, stat, info, set, get, control and fork)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .send), (.ok, .oversizedSend): return .sent
        case (.ok(let value), .receive(_, _, let max, _, _, _)), (.ok(let value), .copy(_, _, let max, _, _, _)):
            let data = try value.required("data").payload("data")
            guard data.count <= max else { throw ModelError("received \(data.count) bytes, more than max \(max)") }
            return .received(Message(type: try value.required("type").integer("type", in: 1...Int.max), data: data))
        case (.ok, .remove): return .removed
        case (.ok, .setCapacity), (.ok, .setPermissions): return .capacitySet
        case (.ok, .get), (.ok, .invalid): return .found
        case (.ok, .fork): return .forked
        case (.ok(let value), .info):
            var fields: [String: Int] = [:]
            for name in Self.infoLimits.keys { if let field = try value.optional(name) { fields[name] = try field.integer(name) } }
            return .info(Info(index: try value.required("index").integer("index", in: Int.min...Int.max), fields: fields))
        case (.ok(let value), .stat), (.ok(let value), .statAtIndex):
            return .status(Status(
                messages: try value.required("messages").integer("messages"), bytes: try value.required("bytes").integer("bytes"),
                capacity: try value.required("capacity").integer("capacity"),
                lastSender: try value.optional("lastSender")?.integer("lastSender"),
                lastReceiver: try value.optional("lastReceiver")?.integer("lastReceiver"), mode: try Permissions.mode(in: value),
                owner: try value.optional("owner")?.integer("owner"), group: try value.optional("group")?.integer("group"),
                sendTime: try value.optional("sendTime")?.integer("sendTime"),
                receiveTime: try value.optional("receiveTime")?.integer("receiveTime"),
                changeTime: try value.optional("changeTime")?.integer("changeTime")))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .send(_, let type, let data, let nonblocking):
            var value: JSONObject = ["type": .int(type), "data": Payload.json(data)]
            if nonblocking { value["nonblocking"] = true }
            return ("send", .object(value))
        case .receive(_, let type, let max, let except, let truncate, let nonblocking):
            var value: JSONObject = ["type": .int(type), "max": .int(max)]
            if except { value["except"] = true }
            if truncate { value["truncate"] = true }
            if nonblocking { value["nonblocking"] = true }
            return ("receive", .object(value))
        case .copy(_, let index, let max, let except, let truncate, let nonblocking):
            var value: JSONObject = ["type": .int(index), "max": .int(max), "copy": true]
            if except { value["except"] = true }
            if truncate { value["truncate"] = true }
            if nonblocking { value["nonblocking"] = true }
            return ("receive", .object(value))
        case .remove:
            return ("remove", nil)
        case .stat:
            return ("stat", nil)
        case .statAtIndex(_, let any):
            return ("stat", ["command": any ? "MSG_STAT_ANY" : "MSG_STAT"])
        case .info(_, let counts):
            return ("info", ["command": counts ? "MSG_INFO" : "IPC_INFO"])
        case .setCapacity(_, let capacity):
            return ("set", ["capacity": .int(capacity)])
        case .setPermissions(_, let capacity, let mode, let owner, let group):
            var value = JSONObject()
            if let capacity { value["capacity"] = .int(capacity) }
            if let mode { value["mode"] = Permissions.text(ofMode: mode) }
            if let owner { value["owner"] = .int(owner) }
            if let group { value["group"] = .int(group) }
            return ("set", .object(value))
        case .get(_, let create, let exclusive, let mode):
            var value = JSONObject()
            if create { value["create"] = true }
            if exclusive { value["exclusive"] = true }
            if let mode { value["mode"] = Permissions.text(ofMode: mode) }
            return ("get", value.count == 0 ? nil : .object(value))
        case .invalid(_, let invalid):
            return (invalid.f, invalid.value)
        case .oversizedSend(_, let type, let size, let nonblocking):
            var value: JSONObject = ["type": .int(type), "data": "", "size": .int(size)]
            if nonblocking { value["nonblocking"] = true }
            return ("send", .object(value))
        case .fork(_, let child):
            return ("fork", ["child": .int(child)])
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .sent, .removed, .capacitySet, .found, .forked: .ok(nil)
        case .received(let message): .ok(["type": .int(message.type), "data": Payload.json(message.data)])
        case .status(let status): .ok(.object(status.json))
        case .info(let info):
            .ok(.object(JSONObject([("index", .int(info.index))] + info.fields.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) })))
        case .failed(let code): .fail(code)
        }
    }

    /// A process's death does nothing to a System V message queue.
    public func exitInput(process: Int, object: String) -> Input? { nil }
}

extension SystemVMessageQueueModel.Status {
    /// The ok value of a `stat`, the process numbers only when known.
    var json: JSONObject {
        var value: JSONObject = ["messages": .int(messages), "bytes": .int(bytes), "capacity": .int(capacity)]
        if let lastSender { value["lastSender"] = .int(lastSender) }
        if let lastReceiver { value["lastReceiver"] = .int(lastReceiver) }
        if let mode { value["mode"] = Permissions.text(ofMode: mode) }
        if let owner { value["owner"] = .int(owner) }
        if let group { value["group"] = .int(group) }
        for (name, time) in zip(SystemVMessageQueueModel.timeFields, times) { if let time { value[name] = .int(time) } }
        return value
    }
}
