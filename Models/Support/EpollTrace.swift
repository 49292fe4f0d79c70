// The trace form of epoll calls, the same for every model (its `f` table in traces/README.md: `epoll_ctl`'s `op` and
// `events`, `epoll_wait`'s `maxevents` and `timeout`, a report's `events`); what names the target is the model's.
extension Epoll {
    /// An `epoll_ctl` or `epoll_wait` event as a call; the target is named by `field` (absent: `absent`, when it may
    /// be), `"epoll"` standing for the instance itself, any other name given to `target`.
    static func call<Target>(
        of call: IPCModels.Call, field: String, absent: String? = nil, target: (String) throws(ModelError) -> Target
    ) throws(ModelError) -> Call<Target> {
        for field in ["instance", "keep"] where try call.value.optional(field) != nil {
            throw ModelError("field '\(field)' (a nested epoll instance) is the pipe model's, a FIFO's, a socket pair's, an eventfd's and a message queue's only: this model has one instance per process")
        }
        let epfd = try descriptor(call, field: "epfd", absent: "epoll", target: target)
        switch call.f {
        case "epoll_wait", "epoll_pwait", "epoll_pwait2":
            guard epfd != .instance, case .wait(let maxEvents, let timeout, let form) = try wait(call) as Call<Target> else { return try wait(call) }
            return .misdirected(.wait(epfd: epfd, maxEvents: maxEvents, timeout: timeout, form: form))
        case "epoll_create", "epoll_create1":
            guard epfd == .instance else { throw ModelError("\(call.f) has no 'epfd'") }
            return .create(try creation(call))
        default: break
        }
        let operation = try operation(call.value)
        let given = try descriptor(call, field: field, absent: absent, target: target)
        let events = try controlEvents(call.value, operation: operation, onInstance: given == .instance)
        switch (epfd, given) {
        case (.instance, .instance): return .control(operation: operation, target: nil, events: events)
        case (.instance, .target(let named)): return .control(operation: operation, target: named, events: events)
        default: return .misdirected(.control(epfd: epfd, operation: operation, target: given, events: events))
        }
    }

    /// The descriptor `field` names (absent: `absent`, when it may be): `"epoll"` the instance, `"regular-file"` a
    /// regular file the process holds open, any other name given to `target`.
    static func descriptor<Target>(
        _ call: IPCModels.Call, field: String, absent: String?, target: (String) throws(ModelError) -> Target
    ) throws(ModelError) -> Descriptor<Target> {
        let name: String
        if let absent { name = try call.value.optional(field)?.text(field) ?? absent } else { name = try call.value.required(field).text(field) }
        switch name {
        case "epoll": return .instance
        case Descriptor<Target>.regularFileName: return .regularFile
        default: return .target(try target(name))
        }
    }

    /// A misdirected call as a trace writes it, the model naming its targets in `field` (`"end"`, `"target"`, ...).
    static func value<Target>(ofMisdirected call: Misdirected<Target>, field: String, name: (Target) -> String) -> JSONObject {
        switch call {
        case .control(let epfd, let operation, let target, let events):
            var value = controlValue(operation, events: events)
            value[field] = .string(target.name(name))
            if epfd != .instance { value["epfd"] = .string(epfd.name(name)) }
            return value
        case .wait(let epfd, let maxEvents, let timeout, let form):
            var value = Epoll.value(ofWaitOrCreation: Call<Target>.wait(maxEvents: maxEvents, timeout: timeout, form: form))!
            value["epfd"] = .string(epfd.name(name))
            return value
        }
    }

    /// `epoll_wait {"maxevents", "timeout"}`, `epoll_pwait {"maxevents", "timeout", "sigmask": [SIG, ...]?}` (absent:
    /// a null mask) or `epoll_pwait2 {"maxevents", "timeout": {"sec": S, "nsec": N} | null, "sigmask"?}`.
    static func wait<Target>(_ call: IPCModels.Call) throws(ModelError) -> Call<Target> {
        let signals = try call.value.optional("sigmask").map { (mask) throws(ModelError) -> [Int] in
            try mask.elements("sigmask").map { (value) throws(ModelError) in try SignalModel.signal(value, field: "sigmask") }
        }
        if call.f == "epoll_pwait2" {
            let maxEvents = try call.value.required("maxevents").integer("maxevents", in: Int(Int32.min)...Int(Int32.max))
            let given = try call.value.required("timeout")
            var timeout: Timespec?
            if case .object = given {
                let entry: JSONValue? = given
                timeout = Timespec(
                    seconds: try entry.required("sec").integer("sec", in: Int(Int64.min)...Int(Int64.max)),
                    nanoseconds: try entry.required("nsec").integer("nsec", in: Int(Int64.min)...Int(Int64.max)))
            } else if case .null = given {
                timeout = nil
            } else {
                throw ModelError("field 'timeout' of epoll_pwait2 must be {\"sec\": S, \"nsec\": N} or null")
            }
            return .wait(maxEvents: maxEvents, timeout: timeout?.milliseconds ?? -1, form: .pwait2(timeout: timeout, signals: signals))
        }
        let (maxEvents, timeout) = try waitArguments(call.value)
        if call.f == "epoll_wait" {
            guard signals == nil else { throw ModelError("epoll_wait has no 'sigmask' (epoll_pwait has)") }
            return .wait(maxEvents: maxEvents, timeout: timeout)
        }
        return .wait(maxEvents: maxEvents, timeout: timeout, form: .pwait(signals: signals))
    }

    /// `epoll_create {"size": N}` or `epoll_create1 {"flags": ["EPOLL_CLOEXEC"], "bits": INT}` (either may be absent).
    static func creation(_ call: IPCModels.Call) throws(ModelError) -> Creation {
        if call.f == "epoll_create" { return .size(try call.value.required("size").integer("size", in: Int(Int32.min)...Int(Int32.max))) }
        var bits = try call.value.optional("bits")?.integer("bits", in: Int(Int32.min)...Int(Int32.max)) ?? 0
        for name in try call.value.optional("flags")?.elements("flags") ?? [] {
            guard case .string("EPOLL_CLOEXEC") = name else { throw ModelError("field 'flags' of epoll_create1 may name EPOLL_CLOEXEC only (other bits: 'bits')") }
            bits |= Creation.closeOnExec
        }
        return .flags(bits)
    }

    /// A created instance's recorded value: `{"closeOnExec": BOOL}`, or nil when not recorded (not judged).
    static func createdCloseOnExec(_ value: JSONValue?) throws(ModelError) -> Bool? {
        guard let given = try value.optional("closeOnExec") else { return nil }
        guard case .bool(let flag) = given else { throw ModelError("field 'closeOnExec' must be true or false") }
        return flag
    }

    /// A wait's or a creation's arguments as a trace writes them (nil: an `epoll_ctl`, which each model writes).
    static func value<Target>(ofWaitOrCreation call: Call<Target>) -> JSONObject? {
        switch call {
        case .control, .misdirected: return nil
        case .wait(let maxEvents, let timeout, let form):
            var value: JSONObject = ["maxevents": .int(maxEvents)]
            switch form {
            case .plain: value["timeout"] = .int(timeout)
            case .pwait(let signals):
                value["timeout"] = .int(timeout)
                if let signals { value["sigmask"] = .array(signals.map(SignalModel.json)) }
            case .pwait2(let given, let signals):
                value["timeout"] = given.map { ["sec": .int($0.seconds), "nsec": .int($0.nanoseconds)] } ?? .null
                if let signals { value["sigmask"] = .array(signals.map(SignalModel.json)) }
            }
            return value
        case .create(.size(let size)): return ["size": .int(size)]
        case .create(.flags(let bits)):
            var value: JSONObject = [:]
            if bits & Creation.closeOnExec != 0 { value["flags"] = ["EPOLL_CLOEXEC"] }
            if bits & ~Creation.closeOnExec != 0 { value["bits"] = .int(bits & ~Creation.closeOnExec) }
            return value
        }
    }

    /// `epoll_wait`'s `maxevents` and `timeout` (milliseconds, negative: forever).
    static func waitArguments(_ value: JSONValue?) throws(ModelError) -> (maxEvents: Int, timeout: Int) {
        (try value.required("maxevents").integer("maxevents", in: Int(Int32.min)...Int(Int32.max)),
         try value.required("timeout").integer("timeout", in: Int(Int32.min)...Int(Int32.max)))
    }

    /// `epoll_ctl`'s `op`: a name or a number (EPOLL_CTL_ADD 1, EPOLL_CTL_DEL 2, EPOLL_CTL_MOD 3, others `EINVAL`).
    static func operation(_ value: JSONValue?) throws(ModelError) -> Operation {
        let op = try value.required("op")
        if case .string(let name) = op {
            guard let known = [Operation.add, .modify, .delete].first(where: { $0.name == name }) else {
                throw ModelError("field 'op' must be EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL or a number, not \"\(name)\"")
            }
            return known
        }
        let raw = try op.integer("op", in: Int(Int32.min)...Int(Int32.max))
        return [1: Operation.add, 2: .delete, 3: .modify][raw] ?? .other(raw)
    }

    /// `epoll_ctl`'s `events`: needed for ADD and MOD of a target (a null event pointer is `EFAULT`, not modelled).
    static func controlEvents(_ value: JSONValue?, operation: Operation, onInstance: Bool) throws(ModelError) -> Events {
        if let given = try value.optional("events") { return try events(given, field: "events") }
        guard operation == .delete || onInstance || { if case .other = operation { true } else { false } }() else {
            throw ModelError("epoll_ctl \(operation.name) needs 'events' (a null event pointer is EFAULT, not modelled)")
        }
        return []
    }

    static func events(_ value: JSONValue, field: String) throws(ModelError) -> Events {
        try PipeModel.namedBits(value, field: field, names: Events.names, kind: "or unmodelled epoll event")
    }

    /// A reported event's `events`: readiness bits only.
    static func reportedEvents(_ entry: JSONValue?) throws(ModelError) -> Events {
        let events = try events(try entry.required("events"), field: "events")
        guard events.subtracting(Events.readinessBits).isEmpty else { throw ModelError("an epoll event reports readiness bits only") }
        return events
    }

    /// `epoll_ctl`'s `op` and `events` as a trace writes them.
    static func controlValue(_ operation: Operation, events: Events) -> JSONObject {
        var value: JSONObject = ["events": .array(events.names.map { .string($0) })]
        if case .other(let raw) = operation { value["op"] = .int(raw) } else { value["op"] = .string(operation.name) }
        return value
    }
}

// The trace form of an object with one kind of descriptor (an eventfd, a message queue): `"target"` names it (absent:
// it) or `"epoll"`, and a reported event's optional `"target"` must name it.
extension Epoll {
    /// An `epoll_ctl` or `epoll_wait` event as a call on the object `only`.
    static func call<Target: RawRepresentable<String>>(of call: IPCModels.Call, only: Target) throws(ModelError) -> Call<Target> {
        try Epoll.call(of: call, field: "target", absent: only.rawValue) { (name) throws(ModelError) -> Target in
            guard name == only.rawValue else { throw ModelError("field 'target' must be \"\(only.rawValue)\" or \"epoll\", not \"\(name)\"") }
            return only
        }
    }

    /// A recorded `epoll_wait` result: its events, each the object's.
    static func reports<Target: RawRepresentable<String>>(_ value: JSONValue?, only: Target) throws(ModelError) -> [Report<Target>] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> Report<Target> in
            let entry: JSONValue? = element
            if let target = try entry.optional("target")?.text("target"), target != only.rawValue {
                throw ModelError("an epoll event's 'target' must be \"\(only.rawValue)\", not \"\(target)\"")
            }
            return Report(target: only, events: try reportedEvents(entry))
        }.sorted()
    }

    /// A call on the object as a trace writes it (the target left out unless it is the instance itself).
    static func value<Target: RawRepresentable<String>>(ofSingleTarget call: Call<Target>) -> JSONValue {
        switch call {
        case .control(let operation, let target, let events):
            var value = controlValue(operation, events: events)
            if target == nil { value["target"] = "epoll" }
            return .object(value)
        case .wait, .create:
            return .object(value(ofWaitOrCreation: call)!)
        case .misdirected(let misdirected):
            return .object(value(ofMisdirected: misdirected, field: "target") { $0.rawValue })
        }
    }

    /// A wait's reports as a trace writes them (no target: there is one).
    static func outcomeValue<Target>(ofSingleTarget reports: [Report<Target>]) -> JSONValue {
        ["events": .array(reports.map { ["events": .array($0.events.names.map { .string($0) })] })]
    }
}
