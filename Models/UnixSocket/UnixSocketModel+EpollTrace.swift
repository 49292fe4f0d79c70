// The trace form of the unix-socket model's epoll calls (traces/README.md's unix-socket table; the shared part is
// Models/Support/EpollTrace.swift), on a `socketpair` of any type, a listener's sockets and bound datagram sockets:
//
//   epoll_ctl   {"op": "EPOLL_CTL_ADD"|"EPOLL_CTL_MOD"|"EPOLL_CTL_DEL"|N, "end": S|"epoll", "events": [...]}
//               (none)                       EBADF, EINVAL, EEXIST, ENOENT
//   epoll_wait  {"maxevents": N, "timeout": MS}   {"events": [{"end": "a", "events": ["EPOLLIN", ...]}, ...]}   EINVAL, EINTR
extension UnixSocketModel {
    func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        guard setup(of: call.object) != nil else { throw ModelError("no unix-socket object '\(call.object)'") }
        return try Epoll.call(of: call, field: "end") { (name) throws(ModelError) -> String in name }
    }

    /// A call on a kept instance or naming one as its target (nil: the implicit instance's own call): on a socket pair
    /// only, its ends named `"a"` and `"b"`.
    func nestedEpollCall(of call: Call) throws(ModelError) -> NestedEpollCall? {
        guard let setup = setup(of: call.object) else { throw ModelError("no unix-socket object '\(call.object)'") }
        guard case .pair = setup.shape else {
            // Every name is a socket's here (`listen`, `client-2`, `p1`, …): only the nested fields make a nested call.
            for field in ["instance", "keep"] where try call.value.optional(field) != nil {
                throw ModelError("nested epoll instances ('keep', 'instance' or an instance as a target) are modelled on a socket pair only")
            }
            return nil
        }
        return try NestedEpoll.call(of: call, leaf: Self.pairEnd, taken: "\"a\", \"b\"")
    }

    /// A socket pair's end as a trace names it (nil: another name, an instance's).
    static func pairEnd(_ name: String) -> String? { name == "a" || name == "b" ? name : nil }

    /// A recorded `epoll_wait` result: its events, sorted (the kernel's order is its ready list's).
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> EpollReport in
            let entry: JSONValue? = element
            return EpollReport(target: try entry.required("end").text("end"), events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    static func epollValue(_ call: EpollCall) -> JSONValue {
        switch call {
        case .control(let operation, let end, let events):
            var value = Epoll.controlValue(operation, events: events)
            value["end"] = .string(end ?? "epoll")
            return .object(value)
        case .wait, .create:
            return .object(Epoll.value(ofWaitOrCreation: call)!)
        case .misdirected(let misdirected):
            return .object(Epoll.value(ofMisdirected: misdirected, field: "end") { $0 })
        }
    }

    static func epollOutcomeValue(_ reports: [EpollReport]) -> JSONValue {
        ["events": .array(reports.map { ["end": .string($0.target), "events": .array($0.events.names.map { .string($0) })] })]
    }
}
