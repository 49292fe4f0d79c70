// The trace form of the pipe model's epoll calls (see PipeModel+Trace.swift's table and PipeModel+Epoll.swift).
extension PipeModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        if call.f == "epoll_wait" {
            return .wait(
                maxEvents: try call.value.required("maxevents").integer("maxevents", in: Int(Int32.min)...Int(Int32.max)),
                timeout: try call.value.required("timeout").integer("timeout", in: Int(Int32.min)...Int(Int32.max)))
        }
        let operation: EpollOperation
        let op = try call.value.required("op")
        if case .string(let name) = op {
            guard let known = [EpollOperation.add, .modify, .delete].first(where: { $0.name == name }) else {
                throw ModelError("field 'op' must be EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL or a number, not \"\(name)\"")
            }
            operation = known
        } else {
            let value = try op.integer("op", in: Int(Int32.min)...Int(Int32.max))
            // EPOLL_CTL_ADD 1, EPOLL_CTL_DEL 2, EPOLL_CTL_MOD 3.
            operation = [1: EpollOperation.add, 2: .delete, 3: .modify][value] ?? .other(value)
        }
        let endName = try call.value.required("end").text("end")
        let end: End?
        if endName == "epoll" {
            end = nil
        } else {
            guard let known = End(rawValue: endName) else { throw ModelError("field 'end' must be \"read\", \"write\" or \"epoll\", not \"\(endName)\"") }
            end = known
        }
        let events: EpollEvents
        if let given = try call.value.optional("events") {
            events = try epollEvents(given, field: "events")
        } else {
            guard operation == .delete || end == nil || { if case .other = operation { true } else { false } }() else {
                throw ModelError("epoll_ctl \(operation.name) needs 'events' (a null event pointer is EFAULT, not modelled)")
            }
            events = []
        }
        return .control(operation: operation, end: end, events: events)
    }

    static func epollEvents(_ value: JSONValue, field: String) throws(ModelError) -> EpollEvents {
        try namedBits(value, field: field, names: EpollEvents.names, kind: "or unmodelled epoll event")
    }

    /// A recorded `epoll_wait` result: its events, sorted (the kernel's order is its ready list's).
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> EpollReport in
            let entry: JSONValue? = element
            let name = try entry.required("end").text("end")
            guard let end = End(rawValue: name) else { throw ModelError("an epoll event's 'end' must be \"read\" or \"write\", not \"\(name)\"") }
            let events = try epollEvents(try entry.required("events"), field: "events")
            guard events.subtracting(EpollEvents.readinessBits).isEmpty else { throw ModelError("an epoll event reports readiness bits only") }
            return EpollReport(end: end, events: events)
        }.sorted()
    }

    static func epollValue(_ call: EpollCall) -> JSONValue {
        switch call {
        case .control(let operation, let end, let events):
            var value: JSONObject = ["end": .string(end?.rawValue ?? "epoll"), "events": .array(events.names.map { .string($0) })]
            if case .other(let raw) = operation { value["op"] = .int(raw) } else { value["op"] = .string(operation.name) }
            return .object(value)
        case .wait(let maxEvents, let timeout):
            return ["maxevents": .int(maxEvents), "timeout": .int(timeout)]
        }
    }
}
