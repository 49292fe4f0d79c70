import IPCModels

/// Judges the order of an epoll instance's reports across the objects it holds — what the per-object split
/// (``SeveralObjectsEpollWaits``) cannot see — with a small model of the instance's one ready list, measured in
/// `EpollSeveralObjectsFactsTests` (`ep_poll_callback`, `ep_send_events`, `ep_insert`, `ep_modify` of
/// `fs/eventpoll.c`; LTP `epoll_wait14`):
///
/// - an item joins the list's tail when a wake finds it off the list (a write to a pipe or an eventfd wakes its
///   `EPOLLIN` registrations), or when an ADD or a MOD finds it ready; one already listed does not move, even when it
///   is no longer ready (it stays, and a later wake leaves it where it is);
/// - a wait walks the list from its head: an item that polls ready is reported — a level-triggered one then goes back
///   to the tail (behind the ones the walk did not reach), an `EPOLLET` one leaves the list, an `EPOLLONESHOT` one is
///   disarmed until a MOD — one that does not is dropped; the walk stops once `maxevents` are reported.
///
/// So a wait's reports are the listed items that are ready, in list order, up to `maxevents`: a report out of that
/// order, or one that skips an item known to be ready, or names one not listed, is a violation. (The order is a
/// several-object wait's, written in the kernel's order; a wait on one object's instance is written in any order —
/// the real binding sorts it — so there only which items were reported is judged.) Readiness comes from
/// the trace: a pipe's or FIFO's bytes (counted from `write`s and `read`s; an empty read end with a writer is not
/// ready), an eventfd's count, a registration reported and untouched since. Where the trace cannot tell — whether an
/// ADD found an object ready, whether a read woke a writer's registration — every possibility is kept (a set of
/// possible lists, pruned by the waits); where it cannot follow at all — operations of two processes overlapping, an
/// indeterminate operation, a kill, a close or a `dup` of a registered object, nested or shared or exclusive
/// registrations, another model — it stops judging for the rest of the trace: never a false verdict.
struct EpollReadyOrder {
    /// One registration: an object's end (`"read"`/`"write"` of a pipe or FIFO; `""` for an eventfd).
    struct Item: Hashable, CustomStringConvertible {
        var object: String
        var end: String
        var description: String { end.isEmpty ? object : "\(object) (\(end) end)" }
    }

    struct Registration: Hashable {
        var events: Set<String>
        var disarmed = false
        var edgeTriggered: Bool { events.contains("EPOLLET") }
        var oneShot: Bool { events.contains("EPOLLONESHOT") }
        var wantsInput: Bool { !events.isDisjoint(with: ["EPOLLIN", "EPOLLRDNORM"]) }
        var wantsOutput: Bool { !events.isDisjoint(with: ["EPOLLOUT", "EPOLLWRNORM"]) }
    }

    /// One possible state of an instance.
    struct Instance: Hashable {
        var registrations: [Item: Registration] = [:]
        var list: [Item] = []
        /// Readiness a wait showed (reported: ready; walked and dropped: not), until the next operation on the object.
        var shown: [Item: Bool] = [:]
    }

    /// What the trace says of an object's contents: a pipe's or FIFO's bytes, an eventfd's count.
    struct Contents: Hashable {
        var atLeast: Int64 = 0
        var exact = false
        /// Whether a writer holds the pipe (false: none, so its read end has `EPOLLHUP`); nil: not known.
        var writers: Bool? = nil
    }

    private enum Kind { case pipe, fifo, eventCounter }

    private struct InstanceKey: Hashable { var process: Int; var name: String? }

    /// How many possible lists an instance may have before the judge stops (each unknown wake or ADD doubles them).
    static let stateLimit = 256

    private let kind: Kind?
    private var semaphore: Set<String> = []
    private var contents: [String: Contents] = [:]
    private var instances: [InstanceKey: [Instance]] = [:]
    private var outstanding: [Int: Trace.Event] = [:]
    /// Why the judge stopped (nil: still judging).
    private(set) var stopped: String?
    /// How many waits it judged.
    private(set) var judged = 0
    private(set) var finding: InvariantFinding?

    init(header: Trace.Header) {
        switch header.model {
        case "pipe": kind = .pipe
        case "fifo": kind = .fifo
        case "eventfd": kind = .eventCounter
        default: kind = nil; stopped = "model \(header.model)"; return
        }
        guard case .object(let objects)? = header.parameters?["objects"] else { stopped = "no objects"; return }
        for member in objects {
            if member.value["sharedEpoll"] != nil { stopped = "sharedEpoll"; return }
            var known = Contents()
            switch kind {
            case .pipe:
                known.exact = true
                if case .array(let writers)? = member.value["writers"], !writers.isEmpty { known.writers = true }
            case .eventCounter:
                if case .integer(let initial)? = member.value["initial"] { known.atLeast = initial; known.exact = true }
                if member.value["semaphore"] == .bool(true) { semaphore.insert(member.key) }
            default: break
            }
            contents[member.key] = known
        }
        if header.parameters?["sharedEpoll"] != nil { stopped = "sharedEpoll" }
    }

    /// Sees the next event of the trace (before any split).
    mutating func observe(_ event: Trace.Event) {
        guard stopped == nil else { return }
        switch event.type {
        case .invoke:
            if let other = outstanding.keys.first(where: { $0 != event.process }) {
                return stop("operations of processes \(other) and \(event.process) overlap")
            }
            outstanding[event.process] = event
        case .ok, .fail:
            guard let invoke = outstanding.removeValue(forKey: event.process) else { return }
            complete(invoke, event)
        case .schedule, .fault, .spawn:
            return
        default:
            stop("a '\(event.type.rawValue)' event")
        }
    }

    private mutating func stop(_ reason: String) {
        if stopped == nil { stopped = reason }
        instances = [:]
    }

    private static let waits: Set<String> = ["epoll_wait", "epoll_pwait", "epoll_pwait2"]
    /// Operations that change neither contents nor registrations, nor wake anything.
    private static let neutral: Set<String> = ["poll", "select", "ioctl", "lseek", "available", "fstat", "pread", "pwrite", "epoll_create", "epoll_create1"]

    private mutating func complete(_ invoke: Trace.Event, _ completion: Trace.Event) {
        guard let f = invoke.f, let object = invoke.object else { return stop("an operation without an object") }
        if f == "epoll_ctl" { return control(invoke, completion, object: object) }
        if Self.waits.contains(f) { return wait(invoke, completion, object: object) }
        if Self.neutral.contains(f) || (f == "fcntl" && !Self.duplicates(invoke.value)) { return }
        if completion.type == .fail, ["EBADF", "EINVAL", "EFAULT", "ESPIPE", "ENOTTY"].contains(completion.error ?? "") { return }
        switch (kind, f) {
        case (.pipe, "write"), (.fifo, "write"):
            return writeToPipe(object, completion)
        case (.pipe, "read"), (.fifo, "read"):
            return readFromPipe(object, completion)
        case (.eventCounter, "write"), (.eventCounter, "eventfd_write"):
            return writeToEventCounter(object, invoke, completion)
        case (.eventCounter, "read"), (.eventCounter, "eventfd_read"):
            return readFromEventCounter(object, completion)
        default:
            if isRegistered(object) { return stop("'\(f)' on \(object), which an instance holds") }
            contents[object] = Contents()
        }
    }

    private static func duplicates(_ value: JSONValue?) -> Bool {
        guard case .string(let command)? = value?["cmd"] else { return true }
        return command.hasPrefix("F_DUPFD")
    }

    private func isRegistered(_ object: String) -> Bool {
        instances.values.contains { $0.contains { $0.registrations.keys.contains { $0.object == object } } }
    }

    // MARK: Operations on the objects

    private mutating func writeToPipe(_ object: String, _ completion: Trace.Event) {
        guard completion.type == .ok, case .integer(let written)? = completion.value?["written"], written > 0 else {
            // Nothing written. The kernel's EAGAIN still wakes the readers (measured), an injected one does not.
            if completion.type == .ok || completion.error != "EAGAIN" { contents[object] = Contents() }
            return touched(object, wakes: { _, _ in nil })
        }
        // A count no pipe write returns (above SSIZE_MAX's reach once added up) makes the contents unknown rather
        // than trap on overflow.
        let (sum, overflow) = contents[object, default: Contents()].atLeast.addingReportingOverflow(written)
        if overflow { contents[object] = Contents() } else { contents[object, default: Contents()].atLeast = sum }
        // pipe_write wakes the readers' queue with EPOLLIN (epoll's poll_usage: always); the writers' may be woken too.
        touched(object, wakes: { $0.end == "read" ? $1.wantsInput : nil })
    }

    private mutating func readFromPipe(_ object: String, _ completion: Trace.Event) {
        var known = contents[object] ?? Contents()
        if completion.type == .fail {
            if completion.error == "EAGAIN" { known = Contents(atLeast: 0, exact: true, writers: true) }
            contents[object] = known
            return touched(object, wakes: { _, _ in false })
        }
        guard let count = Self.byteCount(completion.value?["data"]) else {
            contents[object] = Contents()
            return touched(object, wakes: { _, _ in nil })
        }
        if count == 0 {
            // End of file: no writer — a pipe's read end has EPOLLHUP, a FIFO's perhaps not (an open made before any
            // writer reports no hang-up).
            known = Contents(atLeast: 0, exact: true, writers: kind == .pipe ? false : nil)
        } else if known.exact && known.atLeast >= count {
            known.atLeast -= count
        } else {
            known.atLeast = max(0, known.atLeast - count)
            known.exact = false
        }
        contents[object] = known
        // A read that did not sleep wakes no reader (measured: an EPOLLET read end after a partial read has no news);
        // one that found the pipe full wakes the writers.
        touched(object, wakes: { item, _ in item.end == "read" ? false : nil })
    }

    private mutating func writeToEventCounter(_ object: String, _ invoke: Trace.Event, _ completion: Trace.Event) {
        guard completion.type == .ok, case .integer(let value)? = invoke.value?["value"], value > 0, value < Int64.max / 4 else {
            contents[object] = Contents()
            return touched(object, wakes: { _, _ in nil })
        }
        var known = contents[object] ?? Contents()
        if known.atLeast > Int64.max / 2 { known = Contents() }
        known.atLeast += value
        contents[object] = known
        // eventfd_write wakes its queue with EPOLLIN.
        touched(object, wakes: { $1.wantsInput ? true : nil })
    }

    private mutating func readFromEventCounter(_ object: String, _ completion: Trace.Event) {
        var known = contents[object] ?? Contents()
        if completion.type == .fail {
            if completion.error == "EAGAIN" { known = Contents(atLeast: 0, exact: true) } else { known = Contents() }
        } else if semaphore.contains(object) {
            if known.exact && known.atLeast >= 1 { known.atLeast -= 1 } else { known = Contents() }
        } else {
            known = Contents(atLeast: 0, exact: true)
        }
        contents[object] = known
        touched(object, wakes: { _, _ in nil })
    }

    /// After an operation on `object`: what waits showed of its registrations no longer holds, and each of them off
    /// the list joins its tail when `wakes` says so, stays off when it says false, and either when it says nil.
    private mutating func touched(_ object: String, wakes: (Item, Registration) -> Bool?) {
        for key in instances.keys {
            var next: Set<Instance> = []
            for var state in instances[key]! {
                for item in state.shown.keys where item.object == object { state.shown[item] = nil }
                var branches = [state]
                for (item, registration) in state.registrations.sorted(by: { $0.key.end < $1.key.end })
                where item.object == object && !registration.disarmed && !state.list.contains(item) {
                    switch wakes(item, registration) {
                    case true?: for index in branches.indices { branches[index].list.append(item) }
                    case false?: break
                    case nil: branches += branches.map { var woken = $0; woken.list.append(item); return woken }
                    }
                }
                next.formUnion(branches)
            }
            guard next.count <= Self.stateLimit else { return stop("more than \(Self.stateLimit) possible ready lists") }
            instances[key] = Array(next)
        }
    }

    // MARK: The instance's calls

    private static func item(object: String, fields value: JSONValue?, ignoring: Set<String>) -> Item? {
        var end = ""
        for member in value?.objectValue ?? JSONObject() where !ignoring.contains(member.key) {
            switch (member.key, member.value) {
            case ("end", .string(let name)) where name == "read" || name == "write": end = name
            case ("target", .string(let name)) where name == "eventfd": break
            case ("fd", _): break
            default: return nil
            }
        }
        return Item(object: object, end: end)
    }

    private func readiness(_ item: Item, _ registration: Registration) -> Bool? {
        let known = contents[item.object] ?? Contents()
        switch kind {
        case .pipe?, .fifo?:
            guard item.end == "read" else { return nil }
            let hangUp: Bool? = known.writers.map { !$0 }
            let data: Bool? = !registration.wantsInput ? false : known.atLeast > 0 ? true : known.exact ? false : nil
            if data == true || hangUp == true { return true }
            // A FIFO's read end may be an O_RDWR open, which is writable too: not ready only when nothing but input is asked.
            let inputOnly = registration.events.isSubset(of: ["EPOLLIN", "EPOLLRDNORM", "EPOLLET", "EPOLLONESHOT", "EPOLLWAKEUP"])
            return data == false && hangUp == false && (kind == .pipe || inputOnly) ? false : nil
        case .eventCounter?:
            guard item.end.isEmpty else { return nil }
            let input: Bool? = !registration.wantsInput ? false : known.atLeast > 0 ? true : known.exact ? false : nil
            let output: Bool? = !registration.wantsOutput ? false : known.exact ? true : nil
            if input == true || output == true { return true }
            return input == false && output == false ? false : nil
        case nil:
            return nil
        }
    }

    private mutating func control(_ invoke: Trace.Event, _ completion: Trace.Event, object: String) {
        guard completion.type == .ok else { return }
        let value = invoke.value
        guard value?["epfd"] == nil else { return stop("epoll_ctl through 'epfd'") }
        let name: String?
        switch value?["instance"] {
        case nil: name = nil
        case .string(let kept)?: name = kept
        default: return stop("an unreadable 'instance'")
        }
        guard let item = Self.item(object: object, fields: value, ignoring: ["op", "events", "instance"]) else {
            return stop("an epoll_ctl target the order judge does not follow (nested, the instance itself, a regular file)")
        }
        guard case .string(let op)? = value?["op"] else { return stop("an epoll_ctl op given as a number") }
        var events: Set<String> = []
        if case .array(let names)? = value?["events"] {
            for case .string(let event) in names { events.insert(event) }
        }
        if events.contains("EPOLLEXCLUSIVE") { return stop("EPOLLEXCLUSIVE") }
        let key = InstanceKey(process: invoke.process, name: name)
        var next: Set<Instance> = []
        for var state in instances[key] ?? [Instance()] {
            state.shown[item] = nil
            switch op {
            case "EPOLL_CTL_ADD", "EPOLL_CTL_MOD":
                if (op == "EPOLL_CTL_ADD") != (state.registrations[item] == nil) { return stop("an \(op) the judge cannot place") }
                let registration = Registration(events: events)
                state.registrations[item] = registration
                if state.list.contains(item) {
                    next.insert(state)  // a listed item does not move (ep_modify)
                    continue
                }
                switch readiness(item, registration) {
                case true?: state.list.append(item); next.insert(state)
                case false?: next.insert(state)
                case nil:
                    next.insert(state)
                    state.list.append(item)
                    next.insert(state)
                }
            case "EPOLL_CTL_DEL":
                state.registrations[item] = nil
                state.list.removeAll { $0 == item }
                next.insert(state)
            default:
                return stop("epoll_ctl op \(op)")
            }
        }
        guard next.count <= Self.stateLimit else { return stop("more than \(Self.stateLimit) possible ready lists") }
        instances[key] = Array(next)
    }

    private mutating func wait(_ invoke: Trace.Event, _ completion: Trace.Event, object: String) {
        let value = invoke.value
        guard value?["epfd"] == nil else { return stop("a wait through 'epfd'") }
        if completion.type == .fail {
            if ["EINVAL", "EBADF", "EFAULT"].contains(completion.error ?? "") { return }
            return stop("a wait that failed \(completion.error ?? "")")
        }
        let name: String?
        switch value?["instance"] {
        case nil: name = nil
        case .string(let kept)?: name = kept
        default: return stop("an unreadable 'instance'")
        }
        var objects: Set<String> = [object]
        if case .array(let listed)? = value?["objects"] {
            for case .string(let listedObject) in listed { objects.insert(listedObject) }
        }
        let key = InstanceKey(process: invoke.process, name: name)
        guard let states = instances[key] else { return }  // nothing registered: nothing to order
        if states.contains(where: { $0.registrations.keys.contains { !objects.contains($0.object) } }) {
            return stop("a wait whose objects leave out one the instance holds")
        }
        guard case .integer(let given)? = value?["maxevents"], let maxEvents = Int(exactly: given), maxEvents > 0 else { return }
        guard case .array(let entries)? = completion.value?["events"] else { return stop("a wait without events") }
        var reported: [Item] = []
        for entry in entries {
            var reportedObject = object
            if case .string(let named)? = entry["object"] { reportedObject = named }
            guard let item = Self.item(object: reportedObject, fields: entry, ignoring: ["events", "object"]),
                states.contains(where: { $0.registrations[item] != nil })
            else { return stop("a reported event the order judge cannot place") }
            reported.append(item)
        }
        guard reported.count <= maxEvents else { return stop("more reports than maxevents") }
        judged += 1
        var next: Set<Instance> = []
        var failures: [String] = []
        // A wait on one object's instance reports in any order (the binding sorts them): only which were reported is
        // judged, each state taking them in its list's order. A several-object wait's are the kernel's order.
        let ordered = value?["objects"] != nil
        for state in states {
            let taken = ordered ? reported : reported.sorted { (state.list.firstIndex(of: $0) ?? .max) < (state.list.firstIndex(of: $1) ?? .max) }
            switch walk(state, reported: taken, maxEvents: maxEvents) {
            case .success(let after): next.insert(after)
            case .failure(let why): failures.append(why.text)
            }
        }
        guard next.isEmpty else {
            instances[key] = Array(next)
            return
        }
        let shown = reported.map(\.description).joined(separator: ", ")
        let why = failures.count == 1 ? failures[0] : "none of the \(failures.count) ready lists the trace allows gives it (one: \(failures[0]))"
        finding = InvariantFinding(
            explanation: "epoll ready order: process \(invoke.process)'s \(invoke.f ?? "wait") (maxevents \(maxEvents)) at index \(invoke.index) reported [\(shown)]; the instance reports its ready list in order — objects in the order they became ready, a reported level-triggered one moved to the tail — and \(why)",
            eventIndices: [invoke.index, completion.index])
        stop("a violation found")
    }

    private struct WalkFailure: Error { var text: String }

    /// `state` after a wait that reported `reported`, or why its list could not give them.
    private func walk(_ state: Instance, reported: [Item], maxEvents: Int) -> Result<Instance, WalkFailure> {
        var after = state
        var requeued: [Item] = []
        var walked = 0
        var count = 0
        let listed = "the list was [\(state.list.map(\.description).joined(separator: ", "))]"
        while walked < state.list.count && count < maxEvents {
            let item = state.list[walked]
            walked += 1
            guard let registration = state.registrations[item] else { continue }
            let ready = readiness(item, registration) ?? state.shown[item]
            if count < reported.count && reported[count] == item {
                if ready == false { return .failure(WalkFailure(text: "\(item) was not ready (\(listed))")) }
                count += 1
                after.shown[item] = true
                if registration.oneShot {
                    after.registrations[item]?.disarmed = true
                } else if !registration.edgeTriggered {
                    requeued.append(item)
                }
            } else {
                if ready == true {
                    let instead = count < reported.count ? "\(reported[count]) in its place" : "nothing in its place"
                    return .failure(WalkFailure(text: "\(item), ready, came first (\(listed)), but the wait reported \(instead)"))
                }
                after.shown[item] = false
            }
        }
        if count < reported.count {
            return .failure(WalkFailure(text: "\(reported[count]) was not listed there (\(listed))"))
        }
        after.list = Array(state.list[walked...]) + requeued
        return .success(after)
    }

    /// The bytes a payload holds: a JSON string's UTF-8 bytes, or `{"base64": ...}` decoded.
    private static func byteCount(_ payload: JSONValue?) -> Int64? {
        switch payload {
        case .string(let text)?: return Int64(text.utf8.count)
        case .object(let fields)?:
            guard case .string(let encoded)? = fields["base64"] else { return nil }
            let padding = encoded.reversed().prefix { $0 == "=" }.count
            return Int64(encoded.utf8.count / 4 * 3 - padding)
        default: return nil
        }
    }
}
