import IPCModels

/// `epoll_ctl`, `epoll_wait`, `epoll_pwait` and `epoll_pwait2` on pipes, socket pairs, eventfds, FIFOs and POSIX
/// queues, as the `pipe`, `unix-socket`, `eventfd`, `fifo` and `posix-mq` models' epoll operations (a FIFO's only
/// while every open of a registered end the process holds was made by itself, each `epoll_ctl` goes through its latest
/// open of the end — the fifo model's `{"end"}` — and each registered open keeps one descriptor, its number: a process
/// holding two opens of one end has two registrations, both reported under the end's name; a queue's and an eventfd's only while the descriptor registered is still held through its number: see
/// ``registrationGone(_:object:pid:line:)``).
///
/// Each model keeps one implicit instance per process per object, holding only that object's ends
/// (`Models/Support/Epoll*`). So the calls on one of the log's instances are imported only where the instance is that:
/// every descriptor it was given is an end of one object (each end always through the same descriptor number), one
/// process made every call on it, and that process used no other instance for the object. A report names its end by
/// the `data` the end was registered with, which must tell the ends apart (an eventfd's report names nothing: its one
/// object). `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are not imported (whether a wake reached an exclusive registration
/// depends on registrations the log may not show). Where any of that fails, every call on the
/// instance is left out (the calls only look at the object: without them it is checked as before) and listed as not
/// imported. `epoll_create`/`epoll_create1` are not imported: the model's instance is made
/// before the trace. A call that failed `EINTR` (or another error that means it did nothing) is left out.
extension StraceSimulation {
    /// What the log does with one epoll instance (an open file description of `anon_inode:[eventpoll]`).
    struct LoggedEpollInstance {
        /// The processes that made calls on it.
        var pids: Set<Int> = []
        /// The objects (pipes, socket pairs, eventfds) whose ends were registered.
        var objects: Set<Int> = []
        /// The registrations' `data` (as `u64`), by end: the latest an ADD or MOD gave it.
        var data: [String: Int64] = [:]
        /// The descriptor number each end was given through: the kernel keys a registration by file and number, the
        /// model by end, so a call through another number of the same end (a `dup`'s MOD: `ENOENT`) is refused.
        var numbers: [String: Int] = [:]
        /// The open file description each end was registered through (POSIX queues: the posix-mq model drops a
        /// registration at its holder's close, which the importer does not record, so a later call through an instance
        /// whose registered descriptor is gone is refused).
        var files: [String: Int] = [:]
        /// Why its calls cannot be imported, if they cannot.
        var unusable: String?
        /// The lines of its calls, recorded or not (a refused call is not): all listed when it is left out.
        var lines: [Int] = []
    }

    static let epollCalls: Set<String> = ["epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2"]

    mutating func simulateEpoll(_ call: StraceLog.Call, _ arguments: [StraceValue]) {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        guard let number = argument(0)?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: number) else { return }
        let file = entry.file
        var instance = epollInstances[file] ?? LoggedEpollInstance()
        instance.pids.insert(call.pid)
        instance.lines.append(call.line)
        defer { epollInstances[file] = instance }
        func refuse(_ reason: String) { if instance.unusable == nil { instance.unusable = reason } }

        if call.name == "epoll_ctl" {
            guard let target = argument(2)?.descriptor, let targetEntry = descriptors.entry(pid: call.pid, fd: target),
                let object = descriptors[file: targetEntry.file].object, let namesEnds = Self.epollNamesEnds(objects[object].kind)
            else { return refuse("line \(call.line) registers a descriptor that is not a pipe's end, a socket pair's, an eventfd, a FIFO's end or a POSIX queue") }
            let end = descriptors[file: targetEntry.file].end
            // A FIFO's registrations are its opens' (a process may hold two opens of one end: two registrations, each
            // reported under the end's name); any other object's are its ends'.
            var key = end
            if case .fifo = objects[object].kind { key = Self.fifoRegistrationKey(end: end, file: targetEntry.file) }
            instance.objects.insert(object)
            if let earlier = instance.numbers[key], earlier != target {
                return refuse("line \(call.line) names the \(end) end by descriptor \(target), where it was \(earlier) before")
            }
            instance.numbers[key] = target
            if Self.registrationFollowsDescription(objects[object].kind) {
                if let reason = registrationGone(instance, object: object, pid: call.pid, line: call.line) { return refuse(reason) }
                instance.files[end] = targetEntry.file
            }
            if case .fifo = objects[object].kind, !fifoTargetIsLatestOpen(pid: call.pid, object: object, end: end, file: targetEntry.file) {
                return refuse("line \(call.line): the descriptor is not the process's latest open of the FIFO's \(end) end, its one descriptor, or the process holds an open of the end it did not make")
            }
            guard let operation = Self.epollOperation(argument(1)) else { return refuse("line \(call.line): an operation the importer cannot read") }
            var value: JSONObject = ["op": operation.json]
            if namesEnds { value["end"] = .string(end) }
            switch operation.kind {
            case .add, .modify: break
            case .delete, .other:
                record(object, call, f: "epoll_ctl", value: .object(value), outcome: outcome(call) { nil })
                // A deleted registration's data is kept: a report carrying it names that end, which the model then
                // judges (the kernel reports no deleted registration).
                tag(object, file)
                return
            }
            guard let event = argument(3), let events = Self.epollEvents(event["events"]),
                events.isDisjoint(with: [.exclusive, .wakeUp])
            else {
                return refuse("line \(call.line): events the \(objects[object].kind.model) model's import does not take, or that the importer cannot read")
            }
            let data = event["data"]?["u64"]?.integer
            value["events"] = .array(events.names.map { .string($0) })
            record(object, call, f: "epoll_ctl", value: .object(value), outcome: outcome(call) { nil })
            tag(object, file)
            if call.result == .value("0") {
                guard let data else { return refuse("line \(call.line): no data the importer can read") }
                instance.data[key] = data
                var ends: [Int64: String] = [:]
                for (registered, value) in instance.data {
                    let named = Self.registeredEnd(registered)
                    if let other = ends[value], other != named {
                        refuse("its registrations of both ends carry the same data (line \(call.line)): a report cannot name its end")
                    }
                    ends[value] = named
                }
            }
            return
        }

        // A wait: on the instance's object (nothing registered yet: nothing of an object to import).
        guard let object = instance.objects.first else { return }
        if Self.registrationFollowsDescription(objects[object].kind),
            let reason = registrationGone(instance, object: object, pid: call.pid, line: call.line)
        {
            return refuse(reason)
        }
        if case .fifo = objects[object].kind,
            let key = instance.numbers.keys.sorted().first(where: { !fifoRegistrationHolds(pid: call.pid, object: object, key: $0, number: instance.numbers[$0]!) })
        {
            return refuse("line \(call.line): the process holds an open of the FIFO's \(Self.registeredEnd(key)) end it did not make, or the registered open no longer has one descriptor, its number")
        }
        guard let maxEvents = argument(2)?.integer else { return refuse("line \(call.line): maxevents unreadable") }
        var value: JSONObject = ["maxevents": .integer(maxEvents)]
        if call.name == "epoll_pwait2" {
            let timeout = argument(3)
            if timeout?.isNull == true {
                value["timeout"] = .null
            } else if let seconds = timeout?["tv_sec"]?.integer, let nanoseconds = timeout?["tv_nsec"]?.integer {
                value["timeout"] = ["sec": .integer(seconds), "nsec": .integer(nanoseconds)]
            } else {
                return refuse("line \(call.line): a timeout the importer cannot read")
            }
        } else {
            guard let timeout = argument(3)?.integer else { return refuse("line \(call.line): a timeout the importer cannot read") }
            value["timeout"] = .integer(timeout)
        }
        if call.name != "epoll_wait", let mask = argument(4), !mask.isNull {
            guard let signals = Self.signalSet(mask) else { return refuse("line \(call.line): a signal mask the importer cannot read") }
            value["sigmask"] = .array(signals.sorted().map { .int($0) })
        }
        var reports: [JSONValue] = []
        if case .value(let text) = call.result {
            var given: [StraceValue] = []
            if case .array(let shown)? = argument(1) { given = shown }
            guard let count = Int(text), given.count == count else { return refuse("line \(call.line): reports the importer cannot read") }
            for report in given.prefix(count) {
                guard let events = Self.epollEvents(report["events"]), events.isSubset(of: .readinessBits),
                    let data = report["data"]?["u64"]?.integer, let end = instance.data.first(where: { $0.value == data }).map({ Self.registeredEnd($0.key) })
                else { return refuse("line \(call.line) reports what the importer cannot tie to an end of the object") }
                var entry: JSONObject = ["events": .array(events.names.map { .string($0) })]
                if Self.epollNamesEnds(objects[object].kind) != false { entry["end"] = .string(end) }
                reports.append(.object(entry))
            }
        }
        record(object, call, f: call.name, value: .object(value), outcome: outcome(call) { ["events": .array(reports)] })
        tag(object, file)
    }

    /// How the model of a kind of object takes epoll calls: a pipe's and a socket pair's name the end (`"end"`,
    /// in a registration and a report), an eventfd's have one object and name nothing; nil: the kind's epoll calls
    /// are not imported.
    static func epollNamesEnds(_ kind: StraceObject.Kind) -> Bool? {
        switch kind {
        case .pipe, .socketPair, .fifo: true
        case .eventfd, .posixQueue: false
        default: nil
        }
    }

    /// A FIFO registration's key in ``LoggedEpollInstance``: its end and its open (file).
    static func fifoRegistrationKey(end: String, file: Int) -> String { "\(end)@\(file)" }

    /// The end a registration key names (`read@12` → `read`; a pipe's or socket's key is its end).
    static func registeredEnd(_ key: String) -> String { String(key.prefix { $0 != "@" }) }

    /// The FIFO opens of `end` the process's descriptor table holds, and whether the table made each.
    private func fifoOpens(pid: Int, object: Int, end: String) -> (files: Set<Int>, allOwn: Bool)? {
        guard let table = descriptors.tableOf[pid], let held = descriptors.tables[table]?.fds.values else { return nil }
        let opens = Set(held.map(\.file).filter { descriptors[file: $0].object == object && descriptors[file: $0].end == end })
        return (opens, opens.allSatisfy { descriptors[file: $0].openerTable == table })
    }

    /// How many descriptors of `file` the process's table holds.
    private func descriptorCount(pid: Int, file: Int) -> Int {
        guard let table = descriptors.tableOf[pid], let held = descriptors.tables[table]?.fds.values else { return 0 }
        return held.count { $0.file == file }
    }

    /// Whether an `epoll_ctl` through `file` is the fifo model's `{"end"}`: that names the process's latest open of the
    /// end (its newest descriptor), so the file must be the latest of the opens the process holds of it — every one
    /// made by the process itself (an inherited one the model does not have) — and have one descriptor (the model's
    /// copies of an open are not followed by the importer).
    func fifoTargetIsLatestOpen(pid: Int, object: Int, end: String, file: Int) -> Bool {
        guard let (opens, allOwn) = fifoOpens(pid: pid, object: object, end: end), allOwn, opens.max() == file else { return false }
        return descriptorCount(pid: pid, file: file) == 1
    }

    /// At a wait: the process still holds the registered open through its number as its one descriptor, and every open
    /// of the end it holds is its own (the model follows a process's opens of an end, newest last, not inherited ones).
    func fifoRegistrationHolds(pid: Int, object: Int, key: String, number: Int) -> Bool {
        let end = Self.registeredEnd(key)
        guard let file = Int(key.drop { $0 != "@" }.dropFirst()), let (_, allOwn) = fifoOpens(pid: pid, object: object, end: end), allOwn else {
            return false
        }
        return descriptors.entry(pid: pid, fd: number)?.file == file && descriptorCount(pid: pid, file: file) == 1
    }

    /// Whether the import of a kind's epoll calls ties a registration to the open description it was made through
    /// (``registrationGone(_:object:pid:line:)``): a POSIX queue's and an eventfd's (a pipe's, a socket pair's and a
    /// FIFO's are followed otherwise).
    static func registrationFollowsDescription(_ kind: StraceObject.Kind) -> Bool {
        switch kind {
        case .posixQueue, .eventfd: true
        default: false
        }
    }

    /// Why a call through an instance holding a POSIX queue or an eventfd cannot be judged: the descriptor number a
    /// registration was made through no longer names the open description registered (closed, or another file now —
    /// `dup2` over it, or the number reused by a later open): the kernel drops the registration once that description
    /// is released (measured: an eventfd's only descriptor closed, a wait then reports nothing though the count is
    /// not 0), the posix-mq and eventfd models only at their holder's close, which the importer does not record. Nil
    /// while every registered number still names its description.
    func registrationGone(_ instance: LoggedEpollInstance, object: Int, pid: Int, line: Int) -> String? {
        let what = objects[object].kind.model == "eventfd" ? "eventfd" : "queue"
        for (end, file) in instance.files.sorted(by: { $0.key < $1.key }) {
            guard let number = instance.numbers[end], descriptors.entry(pid: pid, fd: number)?.file == file else {
                return "line \(line): the \(what) descriptor registered before is no longer held through its number; the kernel drops the registration when its open description is released, the \(objects[object].kind.model) model at a close the importer does not record"
            }
        }
        return nil
    }

    private mutating func tag(_ object: Int, _ instance: Int) {
        objects[object].operations[objects[object].operations.count - 1].epollInstance = instance
    }

    /// `epoll_ctl`'s operation: 1 ADD, 2 DEL, 3 MOD (or their names); another number as itself (the model's `EINVAL`).
    static func epollOperation(_ value: StraceValue?) -> (kind: Epoll.Operation, json: JSONValue)? {
        guard case .atom(let text)? = value else { return nil }
        let names: [String: Int64] = ["EPOLL_CTL_ADD": 1, "EPOLL_CTL_DEL": 2, "EPOLL_CTL_MOD": 3]
        guard let number = names[text] ?? value?.integer else { return nil }
        switch number {
        case 1: return (.add, "EPOLL_CTL_ADD")
        case 2: return (.delete, "EPOLL_CTL_DEL")
        case 3: return (.modify, "EPOLL_CTL_MOD")
        default: return (.other(Int(number)), .integer(number))
        }
    }

    /// Event bits as strace prints them (`0x80000001` with `-X raw`, `EPOLLIN|EPOLLET` without); nil for bits the
    /// models do not know (`EPOLLMSG`, …) or text it cannot read (`EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are read, and
    /// refused by `epoll_ctl`'s import).
    static func epollEvents(_ value: StraceValue?) -> Epoll.Events? {
        guard case .atom(let text)? = value else { return nil }
        var bits = 0
        for part in text.split(separator: "|") {
            if let named = Epoll.Events.names.first(where: { $0.name == part }) {
                bits |= named.event.rawValue
            } else if part.hasPrefix("0x"), let number = Int(part.dropFirst(2), radix: 16) {
                bits |= number
            } else if let number = Int(part) {
                bits |= number
            } else {
                return nil
            }
        }
        let known = Epoll.Events.names.reduce(0) { $0 | $1.event.rawValue }
        guard bits & ~known == 0 else { return nil }
        return Epoll.Events(rawValue: bits)
    }

    /// Leaves out every call on an instance that is not one process's for one object alone (see above), listing them.
    mutating func finishEpoll() {
        var invalid: Set<Int> = []
        for (file, instance) in epollInstances where instance.unusable != nil || instance.objects.count > 1 || instance.pids.count > 1 {
            invalid.insert(file)
        }
        // One process, one instance per object.
        var used: [String: Set<Int>] = [:]
        for object in objects {
            for operation in object.operations {
                guard let instance = operation.epollInstance else { continue }
                used["\(operation.pid) \(object.id)", default: []].insert(instance)
            }
        }
        for instances in used.values where instances.count > 1 { invalid.formUnion(instances) }
        var listed: Set<Int> = []
        for object in objects {
            let dropped = object.operations.filter { $0.epollInstance.map(invalid.contains) ?? false }
            guard !dropped.isEmpty else { continue }
            object.operations.removeAll { $0.epollInstance.map(invalid.contains) ?? false }
            listed.formUnion(dropped.map(\.line))
        }
        // Its calls that were refused before they were recorded too (an instance given one of these objects).
        for file in invalid { if let instance = epollInstances[file], !instance.objects.isEmpty { listed.formUnion(instance.lines) } }
        if !listed.isEmpty {
            unchecked["epoll calls on an instance that is not one process's for one object alone (a pipe, a socket pair, an eventfd, a FIFO or a POSIX queue)", default: []] += listed.sorted()
        }
    }
}
