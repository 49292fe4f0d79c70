import IPCModels

/// Splits a wait on an epoll instance that holds several objects' descriptors into one wait per object, each judged
/// by its object's model (the history stays partitioned by object: P-compositionality).
///
/// A trace writes such a wait once: its invoke names one of the objects in `"object"` and all of them in
/// `"objects": ["p0", "p1", ...]` (the instance's registrations are each object's, made by the object's own
/// `epoll_ctl` calls on the process's instance for it, which these objects share); each reported event names its
/// object (`{"object": "p1", "end": "read", "events": [...]}`). The kernel (`ep_send_events`, measured in
/// `EpollSeveralObjectsFactsTests`) walks the instance's one ready list in order, drops an item whose poll finds it
/// not ready, and stops once `maxevents` are reported, leaving the rest listed. So each object's share is:
///
/// - its own events, from a wait with room for `maxevents` less what the other objects reported — the room it had.
///   When fewer than `maxevents` came back the whole list was walked: every ready registration of each object is
///   reported (the object's model requires it). When `maxevents` came back the share names exactly the room its
///   events filled: which of an object's ready registrations came first is not known, so its model allows any of
///   them, the others keeping their news (``Epoll/waitOutcomes(_:process:maxEvents:contended:uncertain:mask:)``).
///   More than `maxevents` reported leaves a room below the object's own count: a violation.
/// - with a zero timeout when something was reported (the wait returned then, whatever its timeout); an empty, a
///   failed or an indeterminate wait goes to every object as it was.
/// - nothing at all for an object that reported nothing in a wait that returned `maxevents`: the walk may have
///   stopped before its registrations (they stay as they were — kept) or polled some not ready (the kernel drops
///   those from the list, and an `EPOLLET` one's news with them). A model keeps them as they were: a registration
///   polled not ready is ready again only after something wakes it, which brings news again — so what the model
///   keeps is what the kernel reports next, except where the model takes such a wake as uncertain (a blocking write
///   overlapping the next wait) or for an `EPOLLEXCLUSIVE` one that may miss wakes (both allowed either way by the
///   model; a report the model then requires could be missing — not seen in the measured shapes).
///
/// Anything but its completion (ok or fail) after such a wait's invoke is refused: an indeterminate wait (`info`, a
/// kill, no completion) would be one indeterminate wait per object, which a process doing one operation at a time
/// cannot have, and a fault would name one object's call. The split events keep the wait's trace indexes and times
/// (one object's invoke and completion, then the next object's), so a report points at the wait's lines.
struct SeveralObjectsEpollWaits {
    private static let waits: Set<String> = ["epoll_wait", "epoll_pwait", "epoll_pwait2"]

    private let path: String?
    /// Each process's wait on several objects, invoked and not yet complete, with its objects and its invoke's line.
    private var held: [Int: (invoke: Trace.Event, objects: [String], line: Int)] = [:]

    init(path: String?) { self.path = path }

    /// Whether `event` is a several-object wait's invoke or an event of a process inside one (the rest go to the
    /// history untouched, without ``split(_:line:)``).
    func concerns(_ event: borrowing Trace.Event) -> Bool {
        if !held.isEmpty && held[event.process] != nil { return true }
        guard event.type == .invoke, let f = event.f, Self.waits.contains(f) else { return false }
        return event.value?["objects"] != nil
    }

    /// The events to give the history for `event`: itself, or a several-object wait's per-object invokes and
    /// completions (none while such a wait is outstanding).
    mutating func split(_ event: Trace.Event, line: Int) throws(TraceError) -> [Trace.Event] {
        if event.type == .invoke, let f = event.f, Self.waits.contains(f), let listed = event.value?["objects"] {
            let objects = try Self.objects(listed, named: event.object, path: path, line: line)
            held[event.process] = (event, objects, line)
            return []
        }
        guard let (invoke, objects, invokeLine) = held[event.process] else { return [event] }
        switch event.type {
        case .ok, .fail:
            held[event.process] = nil
            guard event.f == invoke.f, event.object == invoke.object else {
                throw TraceError(path: path, line: line, "\(event.type.rawValue) of '\(event.f ?? "")' on '\(event.object ?? "")' does not match the several-object \(invoke.f ?? "") invoked at line \(invokeLine)")
            }
            return try shares(invoke, objects: objects, completion: event, line: line)
        default:
            throw TraceError(path: path, line: line, "a '\(event.type.rawValue)' event for process \(event.process) inside its several-object \(invoke.f ?? "") (line \(invokeLine)) is not supported: a wait on several objects must complete ok or fail (an indeterminate one would be one indeterminate wait per object, and a process has one operation at a time)")
        }
    }

    /// Refuses a several-object wait still outstanding at the trace's end (see ``split(_:line:)``).
    func finish() throws(TraceError) {
        guard let (process, (invoke, _, line)) = held.min(by: { $0.key < $1.key }) else { return }
        throw TraceError(path: path, line: line, "the several-object \(invoke.f ?? "") of process \(process) never completes: a wait on several objects must complete ok or fail")
    }

    private func shares(_ invoke: Trace.Event, objects: [String], completion: Trace.Event, line: Int) throws(TraceError) -> [Trace.Event] {
        let asInvoked = Self.withoutObjects(invoke.value)
        guard completion.type == .ok else {
            return objects.flatMap { [Self.event(invoke, on: $0, value: asInvoked), Self.event(completion, on: $0, value: completion.value)] }
        }
        guard case .array(let reported)? = completion.value?["events"] else {
            throw TraceError(path: path, line: line, "a several-object \(invoke.f ?? "") needs {\"events\": [...]} in its ok value")
        }
        var byObject: [String: [JSONValue]] = [:]
        for entry in reported {
            guard case .object(var fields) = entry, case .string(let object)? = fields["object"] else {
                throw TraceError(path: path, line: line, "each event of a several-object \(invoke.f ?? "") names its object: {\"object\": NAME, ...}")
            }
            guard objects.contains(object) else {
                throw TraceError(path: path, line: line, "an event names object '\(object)', which the wait's 'objects' do not list")
            }
            fields["object"] = nil
            byObject[object, default: []].append(.object(fields))
        }
        // An `int`, as the call takes it: the room left for each object is computed from it (no overflow to trap on).
        guard case .integer(let given)? = invoke.value?["maxevents"], let maxEvents = Int32(exactly: given).map(Int.init) else {
            throw TraceError(path: path, line: line, "a several-object \(invoke.f ?? "") needs an integer 'maxevents' (an int: -2147483648 to 2147483647)")
        }
        if reported.isEmpty {
            return objects.flatMap { [Self.event(invoke, on: $0, value: asInvoked), Self.event(completion, on: $0, value: completion.value)] }
        }
        var events: [Trace.Event] = []
        for object in objects {
            let own = byObject[object] ?? []
            let room = maxEvents - (reported.count - own.count)
            if own.isEmpty && room == 0 { continue }  // the walk may not have reached it: no step (see above)
            guard case .object(var value)? = asInvoked else { continue }
            value["maxevents"] = .int(room)
            value["timeout"] = invoke.f == "epoll_pwait2" ? .object(["sec": .int(0), "nsec": .int(0)]) : .int(0)
            var result = completion.value?.objectValue ?? JSONObject()
            result["events"] = .array(own)
            events.append(Self.event(invoke, on: object, value: .object(value)))
            events.append(Self.event(completion, on: object, value: .object(result)))
        }
        return events
    }

    private static func objects(_ listed: JSONValue, named: String?, path: String?, line: Int) throws(TraceError) -> [String] {
        guard case .array(let entries) = listed, !entries.isEmpty else {
            throw TraceError(path: path, line: line, "field 'objects' must be a list of the objects whose descriptors the instance holds")
        }
        var objects: [String] = []
        for entry in entries {
            guard case .string(let name) = entry, !objects.contains(name) else {
                throw TraceError(path: path, line: line, "field 'objects' must list distinct object names")
            }
            objects.append(name)
        }
        guard let named, objects.contains(named) else {
            throw TraceError(path: path, line: line, "a several-object wait's 'object' must be one of its 'objects'")
        }
        return objects
    }

    private static func withoutObjects(_ value: JSONValue?) -> JSONValue? {
        guard case .object(var fields)? = value else { return value }
        fields["objects"] = nil
        return .object(fields)
    }

    /// `event` (an invoke or a completion) on `object` alone.
    private static func event(_ event: Trace.Event, on object: String, value: JSONValue?) -> Trace.Event {
        var split = event
        split.object = object
        split.value = value
        return split
    }

}
