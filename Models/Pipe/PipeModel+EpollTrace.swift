// The trace form of the pipe model's epoll calls (see PipeModel+Trace.swift's table and PipeModel+Epoll.swift).
extension PipeModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        try Epoll.call(of: call, field: "end") { (name) throws(ModelError) -> End in
            guard let end = End(rawValue: name) else { throw ModelError("field 'end' must be \"read\", \"write\" or \"epoll\", not \"\(name)\"") }
            return end
        }
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
        case .wait, .create:
            return .object(Epoll.value(ofWaitOrCreation: call)!)
        }
    }
}
