// The POSIX message queue model's trace form (documented in traces/README.md):
//
//   f        invoke value                                              ok value                       fail error
//   send     {"data": PAYLOAD, "priority": INT, "nonblocking": BOOL?,  (none)                         EAGAIN, EMSGSIZE, EINVAL, EBADF,
//             "timeout": MS | "invalid"?}                                                              EINTR, ETIMEDOUT
//   receive  {"max": INT, "nonblocking": BOOL?, "timeout": ...?}       {"data": PAYLOAD, "priority": INT}  EAGAIN, EMSGSIZE, EBADF,
//                                                                                                      EINVAL, EINTR, ETIMEDOUT
//   getattr  (none)                                                    {"messages": INT, "maxMessages": INT, "messageSize": INT}  EBADF
//   setattr  {"nonblocking": BOOL} (mq_setattr of O_NONBLOCK)        {"nonblocking": BOOL}: the old flag  EBADF
//            or {"flags": INT} (a raw mq_flags: any bit but O_NONBLOCK fails EINVAL, before the descriptor)
//   (getattr's ok value may also hold "nonblocking": mq_flags' O_NONBLOCK)
//   notify   {"register": BOOL, "signal": "invalid"?, "how": "signal" | "thread" | "none"?, "value": INT?} (mq_notify
//            with a sigevent, its sigev_value.sival_int "value", or NULL)  (none)  EBADF, EBUSY, EINVAL
//   notified {"rearm": BOOL?, "how": ...?}                             {"count": INT, "rearmed": BOOL (with rearm),
//            "deliveries": [{"code": "SI_MESGQ", "sender": P, "value": INT, "uid": UID?}]? (each SIGEV_SIGNAL one's
//            siginfo: the process whose send notified, the registration's value, the sender's user), "threadValues":
//            [INT]? (the sigev_value.sival_int each SIGEV_THREAD function taken was given, in any order)}
//   open     {"access": "read-write" | "read" | "write" | "invalid"?, "create": BOOL?, "exclusive": BOOL?, "maxMessages": INT?,
//            "messageSize": INT?, "mode": "0644"?} (O_RDWR, O_RDONLY, O_WRONLY; O_CREAT, O_EXCL, mq_attr, the mode argument:
//            0600 unless given, up to 07777, with "create" only)  (none)  ENOENT, EEXIST, EINVAL, EACCES
//   umask    {"umask": "0077"} (octal text or a number)  {"old": "0022"}: the process's mask for its later creates
//            (Models/Support/Umasks.swift; a trace with one queue only)
//   close    (none); {"instance": NAME}: a kept epoll instance's close (none)                         EBADF
//   unlink   (none)                                                    (none)                         ENOENT
//   fork     {"child": N}: the process forks; N starts with copies of its descriptors (their open descriptions shared)
//            and no mq_notify registration (PosixMessageQueueModel+Fork.swift)  (none)
//   poll     {"events": ["POLLIN", ...], "timeout": MS}                {"revents": [...]}             EINTR (nothing ready)
//   select   {"read": BOOL?, "write": BOOL?, "timeout": MS}            {"readable": BOOL, "writable": BOOL}  EBADF, EINTR
//   (send, receive, getattr, setattr, notify, close: "descriptor": "unopened" | "other-file", a number that is no queue
//   descriptor: EBADF after the argument checks; close of another file: ok)
//   epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create, epoll_create1: see PosixMessageQueueModel+EpollTrace.swift
//            (kept instances, "keep" and "instance": Models/Support/NestedEpollTrace.swift)
//
// params: {"objects": {"q0": {"maxMessages": 4, "messageSize": 64, "holders": [1, 2], "exists": BOOL? (false: the queue does
//   not exist until an open with "create" makes it, with its attributes and its mode less "umask": "0022" (the creators';
//   or per process, {"1": "0022", "2": "0077"}; with "exists" false only); then no holders, maxMessages, messageSize, mode, owner or group;
//   PosixMessageQueueModel+Creation.swift), "mode", "owner", "group", "users"
//   (Permissions), "descriptorLimits": [{"process": 2, "free": 5, "limit": 64}] (as a pipe's; without a process's
//   entry an mq_open may always fail EMFILE of a full descriptor table)}},
//   "ipcNamespace": {"queues": K, "queuesMax": N?, "capSysResource": 0 | 1?}? (the trace's own IPC namespace, one
//   object: queues_max's ENOSPC judged; PosixMessageQueueModel+Namespace.swift)}
extension PosixMessageQueueModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var queues: [(name: String, setup: Setup)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            let holders = try setup.optional("holders")?.integers("holders") ?? []
            let exists = try setup.optional("exists")?.boolean("exists") ?? true
            if !exists { try Self.checkNotExisting(name, setup: setup, holders: holders) }
            var queue = Setup(
                maxMessages: try setup.optional("maxMessages")?.integer("maxMessages", in: 1...65536) ?? 10,
                messageSize: try setup.optional("messageSize")?.integer("messageSize", in: 1...1 << 24) ?? 8192,
                holders: holders, permissions: try Permissions(setup: setup),
                descriptorLimits: try PipeModel.DescriptorLimit.list(from: setup), exists: exists)
            if let umask = try Umasks(setup: setup) {
                // An existing queue's mode is the setup's; a create after its unlink makes a queue the trace does not follow.
                guard !exists else { throw ModelError("queue \(name): 'umask' is the creators' for a queue the trace creates ('exists': false); an existing queue's mode is its 'mode'") }
                queue.umask = umask
            }
            queues.append((name, queue))
        }
        self.init(
            queues: queues,
            namespace: try IPCNamespace.parse(parameters, model: Self.name, objects: queues.count, fields: Self.namespaceFields))
    }

    public var parameters: JSONValue {
        namespace.json(adding: ModelParameters.json(setups.map { name, setup in
            // A queue the trace creates has no attributes before its create: "exists": false in their place.
            let attributes: [(String, JSONValue)] = setup.exists
                ? [("maxMessages", .int(setup.maxMessages)), ("messageSize", .int(setup.messageSize))]
                : [("exists", .bool(false))] + (setup.umask.json.map { [("umask", $0)] } ?? [])
            let limits: [(String, JSONValue)] = setup.descriptorLimits.isEmpty ? [] : [("descriptorLimits", PipeModel.DescriptorLimit.json(setup.descriptorLimits))]
            return (name, .object(JSONObject(attributes + [("holders", .ints(setup.holders))] + setup.permissions.json + limits)))
        }))
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        if let text = try call.value.optional("descriptor")?.text("descriptor") {
            guard let descriptor = ForeignDescriptor(rawValue: text) else {
                throw ModelError("field 'descriptor' must be \"unopened\" or \"other-file\", not \"\(text)\"")
            }
            guard ["send", "receive", "getattr", "setattr", "notify", "close"].contains(call.f) else {
                throw ModelError("field 'descriptor' is taken by send, receive, getattr, setattr, notify and close, not \(call.f)")
            }
            var inner = call
            if case .object(var fields)? = call.value {
                fields["descriptor"] = nil
                inner.value = fields.count == 0 ? nil : .object(fields)
            }
            let input = try input(from: inner)
            if case .nestedEpoll = input { throw ModelError("field 'descriptor' is not taken by a kept instance's close") }
            return .elsewhere(descriptor, input)
        }
        let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
        switch call.f {
        case "send":
            return .send(
                process: call.process, data: try call.value.required("data").payload("data"),
                priority: try call.value.required("priority").integer("priority", in: Int(Int32.min)...Int(UInt32.max)),
                nonblocking: nonblocking, timeout: try Timeout.field(of: call.value))
        case "receive":
            return .receive(
                process: call.process, max: try call.value.required("max").integer("max", in: 0...1 << 24), nonblocking: nonblocking,
                timeout: try Timeout.field(of: call.value))
        case "getattr": return .getAttributes(process: call.process)
        case "fork": return .fork(process: call.process, child: try call.forkedChild())
        case "setattr":
            // A raw mq_flags: O_NONBLOCK or nothing is a plain setattr; any other bit is refused.
            if let flags = try call.value.optional("flags")?.integer("flags", in: Int(Int64.min)...Int(Int64.max)) {
                if flags & ~Self.nonblockingFlag != 0 { return .setFlagsRefused(process: call.process, flags: flags) }
                return .setNonblocking(process: call.process, nonblocking: flags != 0)
            }
            return .setNonblocking(process: call.process, nonblocking: try call.value.required("nonblocking").boolean("nonblocking"))
        case "notify" where { if case .integer? = call.value?["how"] { true } else { false } }():
            // A raw sigev_notify number: the kernel knows 0 (SIGEV_SIGNAL), 1 (SIGEV_NONE) and 2 (SIGEV_THREAD), which
            // the trace names; any other number is refused.
            guard try call.value.required("register").boolean("register") else { throw ModelError("notify: a NULL notification ('register': false) has no 'how'") }
            let how = try call.value.required("how").integer("how", in: Int(Int32.min)...Int(Int32.max))
            guard !(0...2).contains(how) else { throw ModelError("notify: 'how' \(how) is a known kind: name it \"signal\", \"none\" or \"thread\"") }
            return .notifyUnknownKind(process: call.process, how: how)
        case "notify":
            let invalid: Bool
            var kind = try notificationKind(call.value)
            switch try call.value.optional("signal") {
            case nil: invalid = false
            case .string("invalid")?: invalid = true
            case .integer(0)? where kind == .signal:
                invalid = false
                kind = .signalZero
            default: throw ModelError("field 'signal' of notify can only be \"invalid\" (a signal number outside 1…64) or 0 (SIGEV_SIGNAL with signal 0)")
            }
            return .notify(
                process: call.process, register: try call.value.required("register").boolean("register"), invalidSignal: invalid,
                kind: kind,
                value: try call.value.optional("value")?.integer("value", in: Int(Int32.min)...Int(Int32.max)) ?? 0)
        case "notified":
            return .takeNotifications(
                process: call.process, rearm: try call.value.optional("rearm")?.boolean("rearm") ?? false, kind: try notificationKind(call.value))
        case "open", "unlink":
            if let name = try RefusedName.field(of: call.value, allowed: [.withSlash, .empty, .tooLong, .overNameMax, .noSlash]) {
                return .refusedName(process: call.process, open: call.f == "open", name: name)
            }
            if call.f == "unlink" { return .unlink(process: call.process) }
            // A plain open carries no value (or null).
            if case .null? = call.value { return .open(process: call.process) }
            var access = Access.readWrite
            if let field = try call.value.optional("access") {
                guard case .string(let name) = field, let mode = Access(rawValue: name) else {
                    throw ModelError("field 'access' must be \"read-write\", \"read\", \"write\" or \"invalid\" (O_ACCMODE)")
                }
                access = mode
            }
            var creation: Creation?
            if try call.value.optional("create")?.boolean("create") == true {
                creation = Creation(
                    exclusive: try call.value.optional("exclusive")?.boolean("exclusive") ?? false,
                    maxMessages: try call.value.optional("maxMessages")?.integer("maxMessages", in: Int(Int32.min)...Int(Int32.max)),
                    messageSize: try call.value.optional("messageSize")?.integer("messageSize", in: Int(Int32.min)...Int(Int32.max)),
                    mode: try Permissions.mode(in: call.value, upTo: 0o7777))
            } else if try call.value.optional("mode") != nil {
                throw ModelError("open: 'mode' is O_CREAT's mode argument; give it with \"create\": true")
            }
            return .open(process: call.process, access: access, creation: creation, nonblocking: try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false)
        case "umask":
            return .umask(process: call.process, mask: try Umasks.argument(of: call.value, model: Self.name, objects: setups.count))
        case "close":
            if let nested = try Self.nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .close(process: call.process)
        case "poll", "select": return .readiness(process: call.process, call: try PipeModel.readinessCall(of: call))
        case "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_create", "epoll_create1":
            if let nested = try Self.nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .epoll(process: call.process, call: try Self.epollCall(of: call))
        default:
            throw ModelError("the posix-mq model has no operation '\(call.f)' (it has send, receive, getattr, setattr, notify, notified, open, close, unlink, umask, poll, select, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create, epoll_create1 and fork)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .elsewhere(_, let inner)): return try output(from: outcome, for: inner)
        case (.ok, .send): return .sent
        case (.ok(let value), .umask): return .oldUmask(try Umasks.old(in: value))
        case (.ok(let value), .takeNotifications(_, let rearm, _)):
            var deliveries: [Delivery]?
            if let recorded = try value.optional("deliveries") {
                deliveries = []
                for element in try recorded.elements("deliveries") {
                    let delivery: JSONValue? = element
                    if case .string(let code)? = try delivery.optional("code"), code != "SI_MESGQ" {
                        throw ModelError("notified: a notification's si_code is SI_MESGQ, not \(code)")
                    }
                    deliveries?.append(Delivery(
                        sender: try delivery.required("sender").integer("sender"), value: try delivery.optional("value")?.integer("value") ?? 0,
                        uid: try delivery.optional("uid")?.integer("uid")))
                }
            }
            return .notifications(
                try value.required("count").integer("count"), rearmed: rearm ? try value.required("rearmed").boolean("rearmed") : nil,
                deliveries: deliveries, threadValues: try value.optional("threadValues")?.integers("threadValues", in: Int(Int32.min)...Int(Int32.max)).sorted())
        case (.ok(let value), .getAttributes):
            return .attributes(Attributes(
                messages: try value.required("messages").integer("messages"),
                maxMessages: try value.required("maxMessages").integer("maxMessages"),
                messageSize: try value.required("messageSize").integer("messageSize"),
                nonblocking: try value.optional("nonblocking")?.boolean("nonblocking")))
        case (.ok(let value), .setNonblocking): return .oldFlags(nonblocking: try value.required("nonblocking").boolean("nonblocking"))
        case (.ok(let value), .receive(_, let max, _, _)):
            let data = try value.required("data").payload("data")
            guard data.count <= max else { throw ModelError("received \(data.count) bytes, more than max \(max)") }
            return .received(Message(data: data, priority: try value.required("priority").integer("priority")))
        case (.ok(let value), .readiness(_, .poll)):
            return .ready(try PipeModel.pollEvents(try value.required("revents"), field: "revents"))
        case (.ok(let value), .readiness(_, .select)):
            return .selected(
                readable: try value.required("readable").boolean("readable"),
                writable: try value.required("writable").boolean("writable"))
        case (.ok, .epoll(_, .control)), (.ok, .epoll(_, .misdirected(.control))): return .epollControlled
        case (.ok(let value), .epoll(_, .misdirected(.wait))): return .epollEvents(try Self.epollReports(value))
        case (.ok(let value), .epoll(_, .wait)): return try Self.nestedEpollOutput(value)  // a report may name an instance
        case (.ok(let value), .nestedEpoll(_, .wait)): return try Self.nestedEpollOutput(value)
        case (.ok, .nestedEpoll(_, .control)): return .epollControlled
        case (.ok(let value), .nestedEpoll(_, .create)): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok, .nestedEpoll(_, .close)): return .done
        case (.ok(let value), .epoll(_, .create)): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .send(_, let data, let priority, let nonblocking, let timeout):
            var value: JSONObject = ["data": Payload.json(data), "priority": .int(priority)]
            if nonblocking { value["nonblocking"] = true }
            if let timeout { value["timeout"] = timeout.json }
            return ("send", .object(value))
        case .receive(_, let max, let nonblocking, let timeout):
            var value: JSONObject = ["max": .int(max)]
            if nonblocking { value["nonblocking"] = true }
            if let timeout { value["timeout"] = timeout.json }
            return ("receive", .object(value))
        case .getAttributes: return ("getattr", nil)
        case .setNonblocking(_, let nonblocking): return ("setattr", ["nonblocking": .bool(nonblocking)])
        case .setFlagsRefused(_, let flags): return ("setattr", ["flags": .int(flags)])
        case .notifyUnknownKind(_, let how): return ("notify", ["register": true, "how": .int(how)])
        case .notify(_, let register, let invalid, let kind, let sigval):
            var value: JSONObject = ["register": .bool(register)]
            if invalid { value["signal"] = "invalid" }
            if sigval != 0 { value["value"] = .int(sigval) }
            if kind == .signalZero { value["signal"] = 0 } else if kind != .signal { value["how"] = .string(kind.rawValue) }
            return ("notify", .object(value))
        case .takeNotifications(_, let rearm, let kind):
            var value = JSONObject()
            if rearm { value["rearm"] = true }
            if rearm && kind != .signal { value["how"] = .string(kind.rawValue) }
            return ("notified", value.count == 0 ? nil : .object(value))
        case .open(_, let access, let creation, let nonblocking):
            var value = JSONObject()
            if access != .readWrite { value["access"] = .string(access.rawValue) }
            if nonblocking { value["nonblocking"] = true }
            if let creation {
                value["create"] = true
                if creation.exclusive { value["exclusive"] = true }
                if let messages = creation.maxMessages { value["maxMessages"] = .int(messages) }
                if let size = creation.messageSize { value["messageSize"] = .int(size) }
                if let mode = creation.mode { value["mode"] = Permissions.text(ofMode: mode) }
            }
            return ("open", value.count == 0 ? nil : .object(value))
        case .close: return ("close", nil)
        case .unlink: return ("unlink", nil)
        case .refusedName(_, let open, let name): return (open ? "open" : "unlink", ["name": .string(name.rawValue)])
        case .exit: return ("exit", nil)
        case .fork(_, let child): return ("fork", ["child": .int(child)])
        case .umask(_, let mask): return ("umask", Umasks.argumentJSON(mask))
        case .readiness(_, let readinessCall): return (readinessCall.name, PipeModel.readinessValue(readinessCall))
        case .epoll(_, let epollCall): return (epollCall.name, Epoll.value(ofSingleTarget: epollCall))
        case .nestedEpoll(_, let nested): return (nested.name, NestedEpoll.value(of: nested, field: "target"))
        case .elsewhere(let descriptor, let inner):
            let (f, value) = call(for: inner)
            var fields: JSONObject = if case .object(let object)? = value { object } else { JSONObject() }
            fields["descriptor"] = .string(descriptor.rawValue)
            return (f, .object(fields))
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .sent, .done: .ok(nil)
        case .received(let message): .ok(["data": Payload.json(message.data), "priority": .int(message.priority)])
        case .attributes(let attributes):
            .ok(.object(Self.attributesValue(attributes)))
        case .oldFlags(let nonblocking): .ok(["nonblocking": .bool(nonblocking)])
        case .notifications(let count, let rearmed, let deliveries, let threadValues):
            .ok(.object({
                var value: JSONObject = ["count": .int(count)]
                if let rearmed { value["rearmed"] = .bool(rearmed) }
                if let threadValues { value["threadValues"] = .ints(threadValues) }
                if let deliveries {
                    value["deliveries"] = .array(deliveries.map { delivery in
                        var fields: JSONObject = ["code": "SI_MESGQ", "sender": .int(delivery.sender), "value": .int(delivery.value)]
                        if let uid = delivery.uid { fields["uid"] = .int(uid) }
                        return .object(fields)
                    })
                }
                return value
            }()))
        case .ready(let events): .ok(["revents": .array(events.names.map { .string($0) })])
        case .selected(let readable, let writable): .ok(["readable": .bool(readable), "writable": .bool(writable)])
        case .epollControlled: .ok(nil)
        case .oldUmask(let old): .ok(Umasks.oldJSON(old))
        case .epollEvents(let reports): .ok(Epoll.outcomeValue(ofSingleTarget: reports))
        case .nestedEpollEvents(let reports): .ok(NestedEpoll.outcomeValue(reports, field: "target"))
        case .epollCreated(let closeOnExec): .ok(closeOnExec.map { ["closeOnExec": .bool($0)] })
        case .failed(let code): .fail(code)
        }
    }

    static func attributesValue(_ attributes: Attributes) -> JSONObject {
        var value: JSONObject = [
            "messages": .int(attributes.messages), "maxMessages": .int(attributes.maxMessages),
            "messageSize": .int(attributes.messageSize),
        ]
        if let nonblocking = attributes.nonblocking { value["nonblocking"] = .bool(nonblocking) }
        return value
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }
}

/// The `"how"` of a `notify` or `notified`: `SIGEV_SIGNAL` (the default), `SIGEV_THREAD` or `SIGEV_NONE`.
private func notificationKind(_ value: JSONValue?) throws(ModelError) -> PosixMessageQueueModel.NotificationKind {
    guard let text = try value.optional("how")?.text("how") else { return .signal }
    guard let kind = PosixMessageQueueModel.NotificationKind(rawValue: text) else {
        throw ModelError("field 'how' must be \"signal\", \"thread\" or \"none\", not \"\(text)\"")
    }
    return kind
}
