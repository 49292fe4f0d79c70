// The trace form of the pipe model's epoll calls (see PipeModel+Trace.swift's table and PipeModel+Epoll.swift).
extension PipeModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        if call.f == "epoll_wait" {
            let (maxEvents, timeout) = try Epoll.waitArguments(call.value)
            return .wait(maxEvents: maxEvents, timeout: timeout)
        }
        let operation = try Epoll.operation(call.value)
        let endName = try call.value.required("end").text("end")
        let end: End?
        if endName == "epoll" {
            end = nil
        } else {
            guard let known = End(rawValue: endName) else { throw ModelError("field 'end' must be \"read\", \"write\" or \"epoll\", not \"\(endName)\"") }
            end = known
        }
        let events = try Epoll.controlEvents(call.value, operation: operation, onInstance: end == nil)
        return .control(operation: operation, end: end, events: events)
    }

    /// A recorded `epoll_wait` result: its events, sorted (the kernel's order is its ready list's).
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> EpollReport in
            let entry: JSONValue? = element
            let name = try entry.required("end").text("end")
            guard let end = End(rawValue: name) else { throw ModelError("an epoll event's 'end' must be \"read\" or \"write\", not \"\(name)\"") }
            return EpollReport(end: end, events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    static func epollValue(_ call: EpollCall) -> JSONValue {
        switch call {
        case .control(let operation, let end, let events):
            var value = Epoll.controlValue(operation, events: events)
            value["end"] = .string(end?.rawValue ?? "epoll")
            return .object(value)
        case .wait(let maxEvents, let timeout):
            return ["maxevents": .int(maxEvents), "timeout": .int(timeout)]
        }
    }
}
