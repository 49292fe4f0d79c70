// The trace form of the pipe model's epoll calls (see PipeModel+Trace.swift's table and PipeModel+Epoll.swift).
extension PipeModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        try Epoll.call(of: call, field: "end") { (name) throws(ModelError) -> End in
            guard let end = End(rawValue: name) else { throw ModelError("field 'end' must be \"read\", \"write\" or \"epoll\", not \"\(name)\"") }
            return end
        }
    }

    /// A call on a kept instance or naming an instance as its target (nil: the implicit instance's own call).
    static func nestedEpollCall(of call: Call) throws(ModelError) -> NestedEpollCall? {
        try NestedEpoll.call(of: call, leaf: { End(rawValue: $0) }, taken: "\"read\", \"write\"")
    }

    /// A recorded wait's events, each naming an end or an instance, sorted.
    static func nestedEpollReports(_ value: JSONValue?) throws(ModelError) -> [NestedEpollReport] {
        try NestedEpoll.reports(value, leaf: { End(rawValue: $0) })
    }

    static func nestedEpollValue(_ call: NestedEpollCall) -> JSONValue { NestedEpoll.value(of: call) }

    static func epollValue(_ call: EpollCall) -> JSONValue {
        switch call {
        case .control(let operation, let end, let events):
            var value = Epoll.controlValue(operation, events: events)
            value["end"] = .string(end?.rawValue ?? "epoll")
            return .object(value)
        case .wait, .create:
            return .object(Epoll.value(ofWaitOrCreation: call)!)
        case .misdirected(let misdirected):
            return .object(Epoll.value(ofMisdirected: misdirected, field: "end") { $0.rawValue })
        }
    }
}
