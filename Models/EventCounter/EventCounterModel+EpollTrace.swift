// The trace form of the eventfd model's epoll calls (traces/README.md's eventfd table; the shared part is
// Models/Support/EpollTrace.swift):
//
//   epoll_ctl   {"op": "EPOLL_CTL_ADD"|"EPOLL_CTL_MOD"|"EPOLL_CTL_DEL"|N, "events": [...], "target": "eventfd"|"epoll"?}
//               (none)                       EBADF, EINVAL, EEXIST, ENOENT
//   epoll_wait  {"maxevents": N, "timeout": MS}   {"events": [{"events": ["EPOLLIN", ...]}]}   EINVAL, EINTR
extension EventCounterModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        try Epoll.call(of: call, field: "target", absent: "eventfd") { (name) throws(ModelError) -> EpollTarget in
            guard let target = EpollTarget(rawValue: name) else { throw ModelError("field 'target' must be \"eventfd\" or \"epoll\", not \"\(name)\"") }
            return target
        }
    }

    /// A recorded `epoll_wait` result: its events (each the eventfd's; a `target` other than "eventfd" is refused).
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> EpollReport in
            let entry: JSONValue? = element
            if let target = try entry.optional("target")?.text("target"), target != "eventfd" {
                throw ModelError("an epoll event's 'target' must be \"eventfd\", not \"\(target)\"")
            }
            return EpollReport(target: .eventfd, events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    static func epollValue(_ call: EpollCall) -> JSONValue {
        switch call {
        case .control(let operation, let target, let events):
            var value = Epoll.controlValue(operation, events: events)
            if target == nil { value["target"] = "epoll" }
            return .object(value)
        case .wait(let maxEvents, let timeout):
            return ["maxevents": .int(maxEvents), "timeout": .int(timeout)]
        }
    }

    static func epollOutcomeValue(_ reports: [EpollReport]) -> JSONValue {
        ["events": .array(reports.map { ["events": .array($0.events.names.map { .string($0) })] })]
    }
}
