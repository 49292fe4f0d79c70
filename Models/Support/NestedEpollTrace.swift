// The trace form of nested epoll instances (``NestedEpoll``), the same for every model that has them (traces/README.md):
//
//   epoll_create/epoll_create1 {..., "keep": NAME}   keeps the new instance as NAME until close {"instance": NAME}
//   epoll_ctl {..., "instance": NAME?, "end": LEAF | "epoll" | NAME}   acts on NAME (absent: the implicit instance)
//   epoll_wait/epoll_pwait/epoll_pwait2 {..., "instance": NAME?}       a report's "end" may name an instance
//
// NAME: not a leaf's name, not "epoll", not empty. What a leaf is (a pipe's end, a socket pair's) is the model's.
extension NestedEpoll {
    /// A call on a kept instance or naming an instance as its target (nil: the implicit instance's own call, which the
    /// model parses as before). `leaf`: the model's leaf a trace name stands for (nil: not a leaf); `taken`: the leaves'
    /// names as an error message lists them.
    /// `field`: the field naming the target (`"end"`; the eventfd's `"target"`, absent standing for `absent`).
    static func call<Leaf>(
        of call: IPCModels.Call, leaf: (String) -> Leaf?, taken: String, field targetField: String = "end", absent: String? = nil
    ) throws(ModelError) -> Call<Leaf>? {
        let regularFile = Epoll.Descriptor<Leaf>.regularFileName
        func checked(_ name: String, field: String) throws(ModelError) -> String {
            guard !name.isEmpty, leaf(name) == nil, name != implicitInstance, name != regularFile else {
                throw ModelError("field '\(field)' must name a kept epoll instance, not \"\(name)\" (\(taken), \"epoll\" and \"\(regularFile)\" are taken)")
            }
            return name
        }
        // A call through another descriptor (`"epfd"`) or on a regular file meets no instance: the shared form's.
        if try call.value.optional("epfd") != nil { return nil }
        if call.f == "epoll_ctl", try call.value.optional(targetField)?.text(targetField) == regularFile { return nil }
        let kept = try call.value.optional("instance").map { (value) throws(ModelError) in try checked(try value.text("instance"), field: "instance") }
        switch call.f {
        case "epoll_create", "epoll_create1":
            guard kept == nil else { throw ModelError("\(call.f) has no 'instance' (a new instance is kept by 'keep')") }
            guard let keep = try call.value.optional("keep")?.text("keep") else { return nil }
            return .create(try Epoll.creation(call), keep: try checked(keep, field: "keep"))
        case "epoll_wait", "epoll_pwait", "epoll_pwait2":
            guard let kept, case .wait(let maxEvents, let timeout, let form) = try Epoll.wait(call) as Epoll.Call<Leaf> else { return nil }
            return .wait(instance: kept, maxEvents: maxEvents, timeout: timeout, form: form)
        case "epoll_ctl":
            guard let name = try call.value.optional(targetField)?.text(targetField) ?? absent else {
                _ = try call.value.required(targetField)
                return nil
            }
            let target: Target<Leaf> = leaf(name).map { .end($0) } ?? .instance(name)
            if kept == nil && (target.instanceName == nil || target.instanceName == implicitInstance) { return nil }
            if let name = target.instanceName, name != implicitInstance { _ = try checked(name, field: targetField) }
            let operation = try Epoll.operation(call.value)
            let acted = kept ?? implicitInstance
            return .control(
                instance: acted, operation: operation, target: target,
                events: try Epoll.controlEvents(call.value, operation: operation, onInstance: target == .instance(acted)))
        case "close":
            guard let kept else { return nil }  // a leaf's close: {"end": E}
            guard try call.value.optional(targetField) == nil else {
                throw ModelError("close takes '\(targetField)' (an end) or 'instance' (a kept epoll instance), not both")
            }
            return .close(instance: kept)
        default:
            return nil
        }
    }

    /// A recorded wait's events, each naming a leaf or an instance, sorted.
    /// `field`: the field naming each report's target (`"end"`; the eventfd's `"target"`, absent standing for `absent`).
    static func reports<Leaf>(
        _ value: JSONValue?, leaf: (String) -> Leaf?, field: String = "end", absent: String? = nil
    ) throws(ModelError) -> [Report<Leaf>] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> Report<Leaf> in
            let entry: JSONValue? = element
            let name: String
            if let absent, try entry.optional(field) == nil { name = absent } else { name = try entry.required(field).text(field) }
            guard !name.isEmpty else { throw ModelError("an epoll event's 'end' must name an end or an epoll instance") }
            return Report(target: leaf(name).map { .end($0) } ?? .instance(name), events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    /// A nested call as a trace writes it.
    static func value<Leaf>(of call: Call<Leaf>, field: String = "end") -> JSONValue {
        switch call {
        case .create(let creation, let keep):
            var value = Epoll.value(ofWaitOrCreation: Epoll.Call<Leaf>.create(creation))!
            value["keep"] = .string(keep)
            return .object(value)
        case .control(let instance, let operation, let target, let events):
            var value = Epoll.controlValue(operation, events: events)
            value[field] = .string(target.name)
            if instance != implicitInstance { value["instance"] = .string(instance) }
            return .object(value)
        case .wait(let instance, _, _, _):
            var value = Epoll.value(ofWaitOrCreation: call.plainWait!)!
            value["instance"] = .string(instance)
            return .object(value)
        case .close(let instance):
            return ["instance": .string(instance)]
        }
    }

    /// A wait's reports as a trace writes them.
    static func outcomeValue<Leaf>(_ reports: [Report<Leaf>], field: String = "end") -> JSONValue {
        ["events": .array(reports.map { [field: .string($0.target.name), "events": .array($0.events.names.map { .string($0) })] })]
    }
}
