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
        // A call through another descriptor (`"epfd"`) or of a regular file meets no instance: the shared form's.
        if try call.value.optional("epfd") != nil { return nil }
        if call.f == "epoll_ctl", try call.value.optional("end")?.text("end") == Epoll.Descriptor<End>.regularFileName { return nil }
        let instance = try call.value.optional("instance")?.text("instance")
        if let instance { try checkInstanceName(instance, field: "instance") }  // the implicit instance: no 'instance'
        let kept = instance
        switch call.f {
        case "epoll_create", "epoll_create1":
            guard instance == nil else { throw ModelError("\(call.f) has no 'instance' (a new instance is kept by 'keep')") }
            guard let keep = try call.value.optional("keep")?.text("keep") else { return nil }
            try checkInstanceName(keep, field: "keep")
            return .create(try Epoll.creation(call), keep: keep)
        case "epoll_wait", "epoll_pwait", "epoll_pwait2":
            guard let kept, case .wait(let maxEvents, let timeout, let form) = try Epoll.wait(call) as EpollCall else { return nil }
            return .wait(instance: kept, maxEvents: maxEvents, timeout: timeout, form: form)
        case "epoll_ctl":
            let target = EpollTarget(name: try call.value.required("end").text("end"))
            if kept == nil && (target.instanceName == nil || target.instanceName == implicitEpoll) { return nil }
            if let name = target.instanceName, name != implicitEpoll { try checkInstanceName(name, field: "end") }
            let operation = try Epoll.operation(call.value)
            let acted = kept ?? implicitEpoll
            return .control(
                instance: acted, operation: operation, target: target,
                events: try Epoll.controlEvents(call.value, operation: operation, onInstance: target == .instance(acted)))
        case "close":
            guard let kept else { return nil }  // an end's close: {"end": E}
            guard try call.value.optional("end") == nil else { throw ModelError("close takes 'end' (an end) or 'instance' (a kept epoll instance), not both") }
            return .close(instance: kept)
        default:
            return nil
        }
    }

    /// A kept instance's name: not an end's, nor the implicit instance's, nor empty.
    static func checkInstanceName(_ name: String, field: String) throws(ModelError) {
        guard !name.isEmpty, End(rawValue: name) == nil, name != implicitEpoll, name != Epoll.Descriptor<End>.regularFileName else {
            throw ModelError("field '\(field)' must name a kept epoll instance, not \"\(name)\" (\"read\", \"write\", \"epoll\" and \"regular-file\" are taken)")
        }
    }

    /// A recorded wait's events, each naming an end or an instance, sorted.
    static func nestedEpollReports(_ value: JSONValue?) throws(ModelError) -> [NestedEpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> NestedEpollReport in
            let entry: JSONValue? = element
            let name = try entry.required("end").text("end")
            guard !name.isEmpty else { throw ModelError("an epoll event's 'end' must name an end or an epoll instance") }
            return NestedEpollReport(target: EpollTarget(name: name), events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    static func nestedEpollValue(_ call: NestedEpollCall) -> JSONValue {
        switch call {
        case .create(let creation, let keep):
            var value = Epoll.value(ofWaitOrCreation: EpollCall.create(creation))!
            value["keep"] = .string(keep)
            return .object(value)
        case .control(let instance, let operation, let target, let events):
            var value = Epoll.controlValue(operation, events: events)
            value["end"] = .string(target.name)
            if instance != implicitEpoll { value["instance"] = .string(instance) }
            return .object(value)
        case .wait:
            var value = Epoll.value(ofWaitOrCreation: call.plainWait!)!
            if case .wait(let instance, _, _, _) = call { value["instance"] = .string(instance) }
            return .object(value)
        case .close(let instance):
            return ["instance": .string(instance)]
        }
    }

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
