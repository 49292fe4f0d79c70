// The trace form of epoll calls, the same for every model (its `f` table in traces/README.md: `epoll_ctl`'s `op` and
// `events`, `epoll_wait`'s `maxevents` and `timeout`, a report's `events`); what names the target is the model's.
extension Epoll {
    /// An `epoll_ctl` or `epoll_wait` event as a call; the target is named by `field` (absent: `absent`, when it may
    /// be), `"epoll"` standing for the instance itself, any other name given to `target`.
    static func call<Target>(
        of call: IPCModels.Call, field: String, absent: String? = nil, target: (String) throws(ModelError) -> Target
    ) throws(ModelError) -> Call<Target> {
        if call.f == "epoll_wait" {
            let (maxEvents, timeout) = try waitArguments(call.value)
            return .wait(maxEvents: maxEvents, timeout: timeout)
        }
        let operation = try operation(call.value)
        let name: String
        if let absent { name = try call.value.optional(field)?.text(field) ?? absent } else { name = try call.value.required(field).text(field) }
        let named: Target? = name == "epoll" ? nil : try target(name)
        return .control(operation: operation, target: named, events: try controlEvents(call.value, operation: operation, onInstance: named == nil))
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
    static func value<Target>(ofSingleTarget call: Call<Target>) -> JSONValue {
        switch call {
        case .control(let operation, let target, let events):
            var value = controlValue(operation, events: events)
            if target == nil { value["target"] = "epoll" }
            return .object(value)
        case .wait(let maxEvents, let timeout):
            return ["maxevents": .int(maxEvents), "timeout": .int(timeout)]
        }
    }

    /// A wait's reports as a trace writes them (no target: there is one).
    static func outcomeValue<Target>(ofSingleTarget reports: [Report<Target>]) -> JSONValue {
        ["events": .array(reports.map { ["events": .array($0.events.names.map { .string($0) })] })]
    }
}
