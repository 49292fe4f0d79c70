import IPCModels

/// Converts an strace log of programs doing IPC into a trace of format 1, checked against the kernel models.
///
/// Record with `strace -f -ttt -T -yy -xx -X raw -s 1048576 -o LOG -- PROGRAM` (traces/README.md explains each
/// option; the importer also reads `-tt` and `--timestamps=unix,ns` stamps and logs without `-X raw` or `-xx`).
///
/// What becomes what:
/// - **Objects** are what the log creates: pipes (`pipe`, `pipe2`), socket pairs (`socketpair`), POSIX queues
///   (`mq_open` creating one), eventfds, System V queues (`msgget` creating one) and FIFOs (`mknod`), each checked
///   by its model; several kinds in one log give a mixed trace. Objects made before the log began are not checked
///   (their contents are unknown), nor is IPC the models do not cover (listed in the header's `notChecked`).
/// - **Operations** are the calls on them, with intervals from strace's stamps (see ``StraceLog``); a call that
///   failed `EINTR` or was restarted did nothing, and one still in the kernel when its process died is
///   indeterminate.
/// - **Processes.** The models know which process holds which end, and a process's exit releases its ends. A
///   descriptor table is followed through `fork`, `dup`, `SCM_RIGHTS`, `close`, close-on-exec and death; a table
///   holding an end at any time is one of the end's holders from the start (before it got the end, whoever gave it
///   held it, so the end was open either way). When a process lets go of an end it keeps running without it, which
///   the models' processes cannot do: the trace ends that process number there (an `exit` with status
///   `released`, from the call that let go until the process next enters the kernel, which is when the kernel
///   really drops the file) and continues the process under a new number holding what it kept.
public enum StraceImporter {
    public static func importTrace(path: String) throws(TraceError) -> Trace {
        try convert(try ImportedFile.read(path), path: path, defaults: .thisMachine())
    }

    static func convert(_ text: String, path: String?, defaults: StraceDefaults) throws(TraceError) -> Trace {
        let log = try StraceLog.read(text, path: path)
        var simulation = StraceSimulation(path: path, defaults: defaults)
        try simulation.run(log)
        var assembly = StraceAssembly(simulation: simulation, log: log, path: path)
        return assembly.trace()
    }
}

/// Turns what the simulation recorded into the trace: process numbers, events in time order, the header.
struct StraceAssembly {
    let simulation: StraceSimulation
    let log: StraceLog
    let path: String?

    /// Per pid: the starts of the calls after which it continues under a new process number.
    private var renewals: [Int: [Int64]] = [:]
    /// Process numbers by (pid, epoch), in order of first use.
    private var numbers: [Pair: Int] = [:]
    private var numbered: [(pid: Int, epoch: Int)] = []
    /// Per (sender pid, signal object id): the epoch of the sender's sends to it.
    private var senderEpochs: [Pair: Int] = [:]
    /// Per signal object id: the receiver's epoch in which all its operations fall.
    private var receiverEpochs: [Int: Int] = [:]
    /// Lines of epoll calls left out because their process renewed between them.
    private var droppedEpoll: [Int] = []

    private struct Pair: Hashable {
        var pid: Int
        var epoch: Int
    }

    init(simulation: StraceSimulation, log: StraceLog, path: String?) {
        self.simulation = simulation
        self.log = log
        self.path = path
    }

    private var objects: [StraceObject] { simulation.objects }

    mutating func trace() -> Trace {
        let representatives = chooseRepresentatives()
        findRenewals(representatives)
        excludeFIFOsAcrossRenewals(representatives)
        excludeUndoAcrossRenewals()
        excludePipesWhoseNonblockingTheModelCannotFollow()
        dropEpollAcrossRenewals()
        findSignalSenders()
        // The first pass finds the process numbers in use; they are then numbered by pid (in the order the log
        // shows them) and epoch, and the second pass writes the trace with them.
        _ = build(representatives)
        let pidOrder = Dictionary(log.pids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        numbered.sort { (pidOrder[$0.pid] ?? Int.max, $0.pid, $0.epoch) < (pidOrder[$1.pid] ?? Int.max, $1.pid, $1.epoch) }
        numbers = Dictionary(uniqueKeysWithValues: numbered.enumerated().map { (Pair(pid: $1.pid, epoch: $1.epoch), $0 + 1) })
        return build(representatives)
    }

    private mutating func build(_ representatives: [Int: [Int: Int]]) -> Trace {
        let checked = objects.filter { $0.exclusions.isEmpty && !$0.operations.isEmpty }
        var events: [Placed] = []
        for object in checked {
            for operation in object.operations { events += place(operation, object: object) }
        }
        let parts = parameters(checked, representatives: representatives)
        events += lifecycleEvents()
        let ordered = order(events)
        let model: String
        let params: JSONValue
        if parts.count == 1, let only = parts.first {
            model = only.key
            params = only.value
        } else {
            model = "mixed"
            var object = JSONObject()
            for (name, value) in parts.sorted(by: { $0.key < $1.key }) { object[name] = value }
            params = ["parts": .object(object)]
        }
        var header = Trace.Header(model: model, parameters: params, mechanism: "strace", seed: "0", strategy: "imported")
        var source: JSONObject = ["format": "strace"]
        if let path { source["file"] = .string(String(path.split(separator: "/").last ?? Substring(path))) }
        var processes = JSONObject()
        for (index, entry) in numbered.enumerated() {
            processes[String(index + 1)] = ["pid": .int(entry.pid), "epoch": .int(entry.epoch)]
        }
        source["processes"] = .object(processes)
        header.extra["source"] = .object(source)
        var notChecked = self.notChecked()
        if checked.isEmpty {
            // Nothing checked is never "no violation".
            notChecked.insert("the log shows no IPC object it created that the importer could check", at: 0)
        }
        if !notChecked.isEmpty { header.extra["notChecked"] = .array(notChecked.map { .string($0) }) }
        return Trace(header: header, events: ordered)
    }

    // MARK: - Processes

    /// The process that stands for a descriptor table towards an object: the one thread of it that uses the
    /// object, or the table's leader when none does. Two threads using one object are not followed.
    private func chooseRepresentatives() -> [Int: [Int: Int]] {
        var users: [Int: [Int: Set<Int>]] = [:]  // object → table → pids
        for object in objects {
            for operation in object.operations {
                guard let table = operation.table else { continue }
                users[object.id, default: [:]][table, default: []].insert(operation.pid)
            }
        }
        var chosen: [Int: [Int: Int]] = [:]
        for object in objects {
            var tables = Set(object.holdings.map(\.table))
            tables.formUnion(users[object.id]?.keys ?? [:].keys)
            for table in tables {
                let pids = users[object.id]?[table] ?? []
                if pids.count > 1 {
                    object.exclude("threads \(pids.sorted().map(String.init).joined(separator: " and ")) of one process both use it; the models' processes act one call at a time")
                }
                chosen[object.id, default: [:]][table] = pids.min() ?? simulation.descriptors.tables[table]?.leader
            }
        }
        return chosen
    }

    private mutating func findRenewals(_ representatives: [Int: [Int: Int]]) {
        var points: [Int: Set<Int64>] = [:]
        for object in objects where object.kind.releasesMatter {
            for holding in object.holdings {
                guard case .closed(let closer, let start, _, _)? = holding.released else { continue }
                let representative = representatives[object.id]?[holding.table]
                if representative != closer {
                    object.exclude("a thread let go of it while another thread of the process was its user")
                    continue
                }
                points[closer, default: []].insert(start)
            }
        }
        renewals = points.mapValues { $0.sorted() }
    }

    /// FIFO opens belong to the process that opened them: one still open when its process renews cannot move to
    /// the new number.
    private func excludeFIFOsAcrossRenewals(_ representatives: [Int: [Int: Int]]) {
        for object in objects {
            guard case .fifo = object.kind else { continue }
            for holding in object.holdings {
                guard let pid = representatives[object.id]?[holding.table] else { continue }
                let releasedAt: Int64
                switch holding.released {
                case .closed(_, let start, _, _)?: releasedAt = start
                case .died?, nil: releasedAt = Int64.max
                }
                if renewals[pid, default: []].contains(where: { $0 > holding.gained && $0 < releasedAt }) {
                    object.exclude("a process let go of another object while it had it open; the fifo model cannot carry the open over")
                }
            }
        }
    }

    /// The epoll calls of a process on an object act on the model's instance of one process number: a process that
    /// renews between them (its first and last) would find a new number's empty instance. Its calls on that object are
    /// left out (and listed): the object is checked without them.
    private mutating func dropEpollAcrossRenewals() {
        for object in objects {
            var epochs: [Int: Set<Int>] = [:]
            for operation in object.operations where operation.epollInstance != nil {
                epochs[operation.pid, default: []].formUnion([
                    epoch(of: operation.pid, at: operation.start), epoch(of: operation.pid, at: operation.end ?? Int64.max),
                ])
            }
            for (pid, seen) in epochs where seen.count > 1 {
                let dropped = object.operations.filter { $0.pid == pid && $0.epollInstance != nil }
                object.operations.removeAll { $0.pid == pid && $0.epollInstance != nil }
                droppedEpoll += dropped.map(\.line)
            }
        }
    }

    /// The pipe model keeps `O_NONBLOCK` per process and end from its `F_SETFL` operations (the importer records
    /// those that touch `O_ASYNC`) and its `ioctl` `FIONBIO` operations, and adds it to each call's own; the log's flag
    /// is the open file description's, which an `F_SETFL` without `O_ASYNC` or another process sharing it may clear
    /// unseen by the model.
    /// A blocking read or write of a process whose recorded `F_SETFL` left its end nonblocking would be judged as a
    /// nonblocking one: its object leaves the check.
    private func excludePipesWhoseNonblockingTheModelCannotFollow() {
        for object in objects {
            guard case .pipe = object.kind else { continue }
            var nonblocking: Set<String> = []
            for operation in object.operations.sorted(by: { $0.start < $1.start }) {
                guard case .object(let value)? = operation.value else { continue }
                let key: String
                switch operation.f {
                case "fcntl":
                    guard case .string(let end)? = value["end"], case .bool(let set)? = value["nonblocking"] else { continue }
                    if set { nonblocking.insert("\(operation.pid) \(end)") } else { nonblocking.remove("\(operation.pid) \(end)") }
                    continue
                case "ioctl":
                    guard case .string(let end)? = value["end"], value["request"] == "FIONBIO", case .bool(let set)? = value["on"],
                        case .ok = operation.outcome
                    else { continue }
                    if set { nonblocking.insert("\(operation.pid) \(end)") } else { nonblocking.remove("\(operation.pid) \(end)") }
                    continue
                case "read": key = "\(operation.pid) read"
                case "write": key = "\(operation.pid) write"
                default: continue
                }
                if nonblocking.contains(key), value["nonblocking"] != .bool(true) {
                    object.exclude("the \(operation.f) at line \(operation.line) is blocking, but pid \(operation.pid)'s fcntl(F_SETFL, O_ASYNC|O_NONBLOCK) or ioctl(FIONBIO) left it nonblocking in the model (its O_NONBLOCK changed in a way the model does not follow)")
                    break
                }
            }
        }
    }

    /// A process's SEM_UNDO adjustments are applied when it exits: one that renews (continues under a new number)
    /// would have them applied at the renewal, and threads sharing an undo list (CLONE_SYSVSEM) apply them when the
    /// last one exits, neither of which the model's processes can say.
    private func excludeUndoAcrossRenewals() {
        for object in objects {
            guard case .systemVSemaphores = object.kind else { continue }
            for operation in object.operations where operation.usesUndo {
                if !renewals[operation.pid, default: []].isEmpty {
                    object.exclude("pid \(operation.pid) used SEM_UNDO (line \(operation.line)) and let go of another object; the model would apply its adjustments there")
                    break
                }
                if simulation.sharedUndo.contains(operation.pid) {
                    object.exclude("pid \(operation.pid) used SEM_UNDO (line \(operation.line)) sharing its undo list with another (CLONE_SYSVSEM)")
                    break
                }
            }
        }
    }

    /// A receiver's number is the model's for the whole trace, and a signal taken names its sender by number: a
    /// receiver that renews cannot be checked, nor a sender whose sends to it fall in different epochs.
    private mutating func findSignalSenders() {
        for object in objects {
            guard case .signals(let receiver) = object.kind else { continue }
            // Every operation within one of the receiver's epochs: it is that number's object, and the number's
            // end (a renewal) comes after all of them.
            let epochs = Set(object.operations.flatMap { operation in
                [epoch(of: receiver, at: operation.start), epoch(of: receiver, at: operation.end ?? Int64.max)]
            })
            guard epochs.count <= 1 else {
                object.exclude("pid \(receiver) let go of another object while signals were sent to it, and went on under a new number; the model's receiver is one process")
                continue
            }
            receiverEpochs[object.id] = epochs.first ?? 0
            senders: for operation in object.operations {
                guard case .ok(let value?) = operation.outcome else { continue }
                for sender in Self.senderPids(in: value) {
                    let sends = object.operations.filter { $0.pid == sender && $0.f != "wait" && $0.f != "signalfd-read" }
                    let epochs = Set(sends.map { epoch(of: sender, at: $0.start) })
                    guard epochs.count == 1, let only = epochs.first else {
                        object.exclude(epochs.isEmpty
                            ? "a signal taken at line \(operation.line) came from pid \(sender), whose send the log does not show as one the model has"
                            : "pid \(sender) sent to it under several process numbers (it let go of another object between sends)")
                        break senders
                    }
                    senderEpochs[Pair(pid: sender, epoch: object.id)] = only
                }
            }
        }
    }

    /// The senders a taken signal names by pid: a `wait`'s one, or each of a `signalfd-read`'s deliveries.
    static func senderPids(in value: JSONValue) -> [Int] {
        let taken = value.objectValue.map { [$0] } ?? []
        let delivered: [JSONObject] = if case .array(let list)? = value.objectValue?["deliveries"] { list.compactMap(\.objectValue) } else { [] }
        return (taken + delivered).compactMap { if case .integer(let pid)? = $0["senderPid"] { Int(pid) } else { nil } }
    }

    /// `value` with each `senderPid` (see `senderPids(in:)`) replaced by the model's `sender`, the process number
    /// `number` gives.
    static func numberingSenders(in value: JSONValue, _ number: (Int) -> Int) -> JSONValue {
        func numbered(_ taken: JSONObject) -> JSONObject {
            guard case .integer(let pid)? = taken["senderPid"] else { return taken }
            var taken = taken
            taken["senderPid"] = nil
            taken["sender"] = .int(number(Int(pid)))
            return taken
        }
        guard var taken = value.objectValue else { return value }
        taken = numbered(taken)
        if case .array(let list)? = taken["deliveries"] {
            taken["deliveries"] = .array(list.map { $0.objectValue.map { .object(numbered($0)) } ?? $0 })
        }
        return .object(taken)
    }

    private func epoch(of pid: Int, at time: Int64) -> Int {
        renewals[pid, default: []].count { $0 < time }
    }

    /// The trace's process number for `pid` in `epoch`.
    private mutating func number(_ pid: Int, _ epoch: Int) -> Int {
        let key = Pair(pid: pid, epoch: epoch)
        if let known = numbers[key] { return known }
        numbered.append((pid, epoch))
        numbers[key] = numbered.count
        return numbered.count
    }

    // MARK: - Events

    private struct Placed {
        var time: Int64
        var process: Int
        /// 0 invoke and kill, 1 completion, 2 exit: the order at equal times that keeps intervals wide.
        var rank: Int
        /// The order within the process.
        var sequence: Int64
        var event: Trace.Event
    }

    private mutating func place(_ operation: StraceObject.Operation, object: StraceObject) -> [Placed] {
        let process = number(operation.pid, epoch(of: operation.pid, at: operation.start))
        var invoke = Trace.Event(index: 0, time: 0, process: process, type: .invoke)
        invoke.f = operation.f
        invoke.object = object.name
        invoke.value = operation.value
        if case .object(var value)? = operation.value, case .integer(let owner)? = value["ownerPid"] {
            // F_SETOWN of a process of the log: its number at the call (see `simulateOwnerOrSignal`).
            value["ownerPid"] = nil
            value["process"] = .int(number(Int(owner), epoch(of: Int(owner), at: operation.start)))
            invoke.value = .object(value)
        }
        invoke.extra["line"] = .int(operation.line)
        var placed = [Placed(time: operation.start, process: process, rank: 0, sequence: operation.start * 4, event: invoke)]
        var completion = Trace.Event(index: 0, time: 0, process: process, type: .ok)
        completion.f = operation.f
        completion.object = object.name
        switch operation.outcome {
        case .ok(var value):
            // A signal's sender, by its process number (see `findSignalSenders`).
            value = value.map { Self.numberingSenders(in: $0) { pid in number(pid, senderEpochs[Pair(pid: pid, epoch: object.id)] ?? 0) } }
            completion.value = value
        case .fail(let error):
            completion.type = .fail
            completion.error = error
        case .indeterminate:
            // Died in the call: its process's death ends it (or the log ended first: left open).
            return placed
        }
        if let end = operation.end {
            placed.append(Placed(time: max(end, operation.start), process: process, rank: 1, sequence: operation.start * 4 + 1, event: completion))
        }
        return placed
    }

    /// Each process number's end: a renewal (the call that let go of an end, until the process next entered the
    /// kernel) or its table's death (from its last call or the kill that was sent to it, until strace saw it).
    private mutating func lifecycleEvents() -> [Placed] {
        var placed: [Placed] = []
        let used = numbered
        for (pid, epoch) in used {
            let process = number(pid, epoch)
            let points = renewals[pid, default: []]
            if epoch < points.count {
                let start = points[epoch]
                let starts = simulation.callStarts[pid, default: []]
                let next = starts.first { $0 > start }
                let death = simulation.finalTable[pid].flatMap { simulation.tableDeaths[$0]?.end }
                let end = next ?? death ?? start
                placed += exit(process: process, start: start, end: end, value: ["status": "released"], signal: nil)
            } else if let table = simulation.finalTable[pid], let death = simulation.tableDeaths[table] {
                var signal: String?
                if case .object(let object) = death.value, case .string(let name)? = object["signal"] { signal = name }
                placed += exit(process: process, start: death.start, end: death.end, value: death.value, signal: signal)
            }
        }
        return placed
    }

    private func exit(process: Int, start: Int64, end: Int64, value: JSONValue, signal: String?) -> [Placed] {
        var kill = Trace.Event(index: 0, time: 0, process: process, type: .kill)
        kill.signal = signal
        kill.point = signal == nil ? "exiting" : "during"
        var exit = Trace.Event(index: 0, time: 0, process: process, type: .exit)
        exit.value = value
        return [
            Placed(time: start, process: process, rank: 0, sequence: start * 4 + 2, event: kill),
            Placed(time: max(start, end), process: process, rank: 2, sequence: Int64.max, event: exit),
        ]
    }

    /// Events in time order; at equal times invokes before completions and exits (the wider reading), each
    /// process's own events in their order. Times start at 1 µs.
    private func order(_ placed: [Placed]) -> [Trace.Event] {
        let origin = (placed.map(\.time).min() ?? 0) - 1000
        let sorted = placed.sorted { ($0.time, $0.process, $0.sequence) < ($1.time, $1.process, $1.sequence) }
        var events: [Trace.Event] = []
        var start = 0
        while start < sorted.count {
            var end = start
            while end < sorted.count, sorted[end].time == sorted[start].time { end += 1 }
            // One time: each process's events in sequence; take the lowest rank among the processes' next ones.
            var queues: [Int: ArraySlice<Placed>] = [:]
            for item in sorted[start..<end] { queues[item.process, default: []].append(item) }
            while let (process, head) = queues.compactMap({ key, queue in queue.first.map { (key, $0) } })
                .min(by: { ($0.1.rank, $0.0) < ($1.1.rank, $1.0) })
            {
                queues[process] = queues[process]?.dropFirst()
                var event = head.event
                event.index = events.count
                event.time = UInt64(max(0, head.time - origin))
                events.append(event)
            }
            start = end
        }
        return events
    }

    // MARK: - Parameters

    private mutating func parameters(_ checked: [StraceObject], representatives: [Int: [Int: Int]]) -> [String: JSONValue] {
        var parts: [String: JSONObject] = [:]
        let defaults = simulation.defaults
        for object in checked {
            let model = object.kind.model
            var setup = JSONObject()
            switch object.kind {
            case .pipe:
                setup = ["capacity": .int(defaults.pipeCapacity), "readers": .ints(holders(object, end: "read", representatives)),
                         "writers": .ints(holders(object, end: "write", representatives))]
                if object.packet { setup["packet"] = true }
            case .socketPair(let type):
                setup = ["type": .string(type), "pair": [
                    "a": .ints(holders(object, end: "a", representatives)), "b": .ints(holders(object, end: "b", representatives)),
                ]]
                var files = JSONObject()
                for (file, entry) in object.passedFiles.sorted(by: { $0.value.name < $1.value.name }) {
                    _ = file
                    var senders: [Int] = []
                    for operation in object.operations where operation.f == "send" {
                        guard case .object(let value)? = operation.value, case .array(let names)? = value["files"],
                            names.contains(.string(entry.name))
                        else { continue }
                        senders.append(number(operation.pid, epoch(of: operation.pid, at: operation.start)))
                    }
                    files[entry.name] = ["content": "", "holders": .ints(Array(Set(senders)).sorted())]
                }
                if files.count > 0 { setup["files"] = .object(files) }
            case .posixQueue(_, let maxMessages, let messageSize):
                setup = ["maxMessages": .int(maxMessages), "messageSize": .int(messageSize), "holders": .ints(users(object))]
            case .eventfd(let initial, let semaphore, let nonblocking):
                setup = ["initial": .integer(Int64(initial)), "semaphore": .bool(semaphore), "nonblocking": .bool(nonblocking),
                         "holders": .ints(users(object))]
            case .systemVQueue(_, let capacity, let maxMessageSize):
                setup = ["capacity": .int(capacity), "maxMessageSize": .int(maxMessageSize)]
            case .fifo(_, let mode):
                setup = ["capacity": .int(defaults.pipeCapacity), "mode": .int(mode)]
            case .signals(let receiver):
                setup = ["receiver": .int(number(receiver, receiverEpochs[object.id] ?? 0))]
            case .systemVSemaphores(_, let count):
                // semget makes every semaphore 0 (Linux; POSIX leaves it unspecified).
                setup = ["values": .ints(Array(repeating: 0, count: count))]
            }
            var part = parts[model] ?? JSONObject()
            var declared = part["objects"]?.objectValue ?? JSONObject()
            declared[object.name] = .object(setup)
            part["objects"] = .object(declared)
            switch object.kind {
            case .pipe, .fifo: part["pageSize"] = 4096
            case .socketPair: part["sendBuffer"] = .int(defaults.socketSendBuffer); part["datagramQueue"] = .int(defaults.datagramQueue)
            default: break
            }
            parts[model] = part
        }
        return parts.mapValues { .object($0) }
    }

    /// The process numbers holding an end: every epoch of the representative of every table that held it.
    private mutating func holders(_ object: StraceObject, end: String, _ representatives: [Int: [Int: Int]]) -> [Int] {
        var result: Set<Int> = []
        for holding in object.holdings where holding.end == end {
            guard let pid = representatives[object.id]?[holding.table] else { continue }
            let first = epoch(of: pid, at: holding.gained)
            let last: Int
            switch holding.released {
            case .closed(_, let start, _, _)?: last = epoch(of: pid, at: start)
            case .died?, nil: last = renewals[pid, default: []].count
            }
            for epoch in first...max(first, last) { result.insert(number(pid, epoch)) }
        }
        return result.sorted()
    }

    /// The process numbers that act on an object (holding a descriptor is what lets them: POSIX queues, eventfds).
    private mutating func users(_ object: StraceObject) -> [Int] {
        var result: Set<Int> = []
        for operation in object.operations { result.insert(number(operation.pid, epoch(of: operation.pid, at: operation.start))) }
        return result.sorted()
    }

    // MARK: - What was not checked

    private func notChecked() -> [String] {
        var lines: [String] = []
        for object in objects where !object.exclusions.isEmpty {
            lines.append("\(object.description) (made at line \(object.created.line)): \(object.exclusions.joined(separator: "; "))")
        }
        var unchecked = simulation.unchecked
        if !droppedEpoll.isEmpty {
            unchecked["epoll calls on a pipe, socket pair, eventfd, FIFO or POSIX queue by a process that let go of another object between them", default: []] += droppedEpoll.sorted()
        }
        for (kind, calls) in unchecked.sorted(by: { $0.key < $1.key }) {
            let shown = calls.prefix(5).map(String.init).joined(separator: ", ") + (calls.count > 5 ? ", …" : "")
            lines.append("\(kind): \(calls.count) call\(calls.count == 1 ? "" : "s") (line\(calls.count == 1 ? "" : "s") \(shown)) not imported")
        }
        return lines
    }
}

extension StraceObject.Kind {
    /// Whether letting go of its descriptors changes what the model allows (an end closed: end of file, EPIPE).
    var releasesMatter: Bool {
        switch self {
        case .pipe, .socketPair, .fifo: true
        case .posixQueue, .eventfd, .systemVQueue, .systemVSemaphores, .signals: false
        }
    }
}
