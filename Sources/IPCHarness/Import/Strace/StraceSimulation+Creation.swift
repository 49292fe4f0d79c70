import IPCModels

/// The calls that make (or name) the IPC objects the importer checks.
extension StraceSimulation {
    mutating func simulateCreation(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        let succeeded = if case .value = call.result { true } else { false }
        switch call.name {
        case "pipe", "pipe2":
            guard succeeded, case .array(let ends)? = argument(0), ends.count == 2, let read = ends[0].descriptor,
                let write = ends[1].descriptor
            else { return true }
            let flags = call.name == "pipe2" ? argument(1)?.integer ?? 0 : 0
            let identity = Self.annotation(ends[0]).flatMap(Self.identity)
            let object = newObject(
                .pipe, name: identity.map { "pipe-\($0.dropFirst(5))" } ?? "pipe-\(objects.count)",
                description: identity.map { "pipe \($0.dropFirst(5))" } ?? "a pipe", call: call)
            if let identity { byIdentity[identity] = object }
            objects[object].packet = flags & 0o40000 != 0  // O_DIRECT: the model's "packet"
            for (fd, end) in [(read, "read"), (write, "write")] {
                var file = StraceDescriptors.File(
                    object: object, end: end, nonblocking: flags & 0o4000 != 0, identity: identity,
                    description: "the \(end) end of \(objects[object].description)")
                file.direct = flags & 0o40000 != 0
                let fileID = descriptors.newFile(file)
                descriptors.install(pid: call.pid, fd: fd, file: fileID, closeOnExec: flags & 0o2000000 != 0)
            }
        case "socketpair":
            guard succeeded, let domain = argument(0)?.integer, case .array(let ends)? = argument(3), ends.count == 2,
                let a = ends[0].descriptor, let b = ends[1].descriptor
            else { return true }
            let typeFlags = argument(1)?.integer ?? 0
            let type: String
            switch typeFlags & 0xf {
            case 1: type = "stream"
            case 2: type = "dgram"
            case 5: type = "seqpacket"
            default: type = "type \(typeFlags & 0xf)"
            }
            let identities = ends.map { Self.annotation($0).flatMap(Self.identity) }
            let inode = identities[0].map { String($0.dropFirst(7)) }
            let object = newObject(
                .socketPair(type: type), name: "socketpair-\(inode ?? String(objects.count))",
                description: "a \(type) socket pair\(inode.map { " (\($0))" } ?? "")", call: call)
            if domain != 1 || type.hasPrefix("type") { objects[object].exclude("only AF_UNIX socket pairs of stream, dgram or seqpacket type are modelled") }
            for (index, (fd, end)) in [(a, "a"), (b, "b")].enumerated() {
                if let identity = identities[index] { byIdentity[identity] = object }
                let file = descriptors.newFile(.init(
                    object: object, end: end, nonblocking: typeFlags & 0o4000 != 0, identity: identities[index],
                    description: "end \(end) of \(objects[object].description)"))
                descriptors.install(pid: call.pid, fd: fd, file: file, closeOnExec: typeFlags & 0o2000000 != 0)
            }
        case "eventfd", "eventfd2":
            guard let fd = returnedDescriptor(call), let initial = argument(0)?.integer else { return true }
            let flags = call.name == "eventfd2" ? argument(1)?.integer ?? 0 : 0
            let object = newObject(
                .eventfd(initial: UInt64(max(0, initial)), semaphore: flags & 1 != 0, nonblocking: flags & 0o4000 != 0),
                name: "eventfd-\(objects.count)", description: "an eventfd (line \(call.line))", call: call)
            let file = descriptors.newFile(.init(
                object: object, end: "use", nonblocking: flags & 0o4000 != 0, identity: nil, description: objects[object].description))
            descriptors.install(pid: call.pid, fd: fd, file: file, closeOnExec: flags & 0o2000000 != 0)
        case "mq_open":
            try simulateQueueOpen(call, arguments)
        case "mq_unlink":
            guard let name = argument(0)?.bytes.map({ String(decoding: $0, as: UTF8.self) }) else { return true }
            switch (queueNames[name], call.result) {
            case (.object(let object)?, .value):
                record(object, call, f: "unlink", value: nil, outcome: .ok(nil))
                queueNames[name] = .unlinked(object)
            case (.unlinked(let object)?, .error("ENOENT")):
                record(object, call, f: "unlink", value: nil, outcome: .fail("ENOENT"))
            case (_, .error("ENOENT")), (_, .value):
                if case .object = queueNames[name] {} else { queueNames[name] = .absent }
            default:
                break
            }
        case "msgget":
            guard case .value(let text) = call.result, let id = Int64(text), let key = argument(0)?.integer else { return true }
            let flags = argument(1)?.integer ?? 0
            let fresh = key == 0 || flags & 0o3000 == 0o3000  // IPC_PRIVATE, or IPC_CREAT | IPC_EXCL
            if fresh {
                systemVIDs[id] = newObject(
                    .systemVQueue(id: id, capacity: defaults.systemVQueueBytes, maxMessageSize: defaults.systemVMessageMax),
                    name: "sysv-msg-\(id)", description: "System V queue \(id)", call: call)
            } else if systemVIDs[id] == nil {
                unchecked["System V queues that existed before the log began", default: []].append(call.line)
            }
        case "semget":
            guard case .value(let text) = call.result, let id = Int64(text), let key = argument(0)?.integer,
                let count = argument(1)?.integer
            else { return true }
            let flags = argument(2)?.integer ?? 0
            if key == 0 || flags & 0o3000 == 0o3000 {  // IPC_PRIVATE, or IPC_CREAT | IPC_EXCL
                systemVSemaphoreIDs[id] = newObject(
                    .systemVSemaphores(id: id, count: Int(count)), name: "sysv-sem-\(id)",
                    description: "System V semaphore set \(id)", call: call)
            } else if systemVSemaphoreIDs[id] == nil {
                unchecked["System V semaphore sets that existed before the log began", default: []].append(call.line)
            }
        case "mknod", "mknodat":
            let pathIndex = call.name == "mknodat" ? 1 : 0
            guard succeeded, let bytes = argument(pathIndex)?.bytes, let mode = argument(pathIndex + 1)?.integer,
                mode & 0o170000 == 0o10000
            else { return call.name == "mknod" ? true : false }
            let path = resolve(String(decoding: bytes, as: UTF8.self), directory: call.name == "mknodat" ? argument(0) : nil, pid: call.pid)
            fifoPaths[path] = newObject(
                .fifo(path: path, mode: Int(mode & 0o7777)), name: "fifo-\(path)", description: "FIFO \(path)", call: call)
        case "open", "openat", "openat2", "creat":
            if try simulateReopen(call, arguments) { return true }
            return try simulateFIFOOpen(call, arguments)
        case "unlink", "unlinkat":
            let pathIndex = call.name == "unlinkat" ? 1 : 0
            if succeeded, let bytes = argument(pathIndex)?.bytes {
                fifoPaths[resolve(String(decoding: bytes, as: UTF8.self), directory: call.name == "unlinkat" ? argument(0) : nil, pid: call.pid)] = nil
            }
        default:
            return false
        }
        return true
    }

    mutating func newObject(_ kind: StraceObject.Kind, name: String, description: String, call: StraceLog.Call) -> Int {
        var unique = name
        var suffix = 2
        while objects.contains(where: { $0.name == unique }) {
            unique = "\(name)#\(suffix)"
            suffix += 1
        }
        objects.append(StraceObject(
            id: objects.count, kind: kind, name: unique, description: description, created: (call.pid, call.line, call.end)))
        return objects.count - 1
    }

    func returnedDescriptor(_ call: StraceLog.Call) -> Int? {
        guard case .value(let text) = call.result else { return nil }
        return (try? StraceValueReader.values(text[...]))?.first?.descriptor
    }

    static func annotation(_ value: StraceValue) -> String? {
        if case .descriptor(_, let annotation) = value { return annotation }
        return nil
    }

    /// An absolute path for `path`, relative to the directory descriptor strace annotated, or to the process's
    /// working directory as strace last showed it.
    func resolve(_ path: String, directory: StraceValue?, pid: Int) -> String {
        var base: String?
        if !path.hasPrefix("/") {
            if case .descriptor(let number, let annotation)? = directory, !annotation.isEmpty, number != -100 {
                base = annotation
            } else {
                base = workingDirectory[pid]
            }
        }
        let joined = base.map { $0 + "/" + path } ?? path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == "..", !parts.isEmpty, parts.last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return (joined.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// mq_open(name, flags, mode, attr): a new queue (created with O_EXCL, or where the name was known to be free),
    /// another descriptor of a queue the log made (the model's `open`), or a queue from before the log (not checked).
    private mutating func simulateQueueOpen(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) {
        guard let bytes = arguments.first?.bytes else { return }
        let name = String(decoding: bytes, as: UTF8.self)
        let flags = arguments.count > 1 ? arguments[1].integer ?? 0 : 0
        let creates = flags & 0o100 != 0
        let exclusive = flags & 0o200 != 0
        switch call.result {
        case .value:
            guard let fd = returnedDescriptor(call) else { return }
            let object: Int
            var isNew = false
            switch queueNames[name] {
            case .object(let existing)? where !(creates && exclusive):
                object = existing
            case .absent?, .unlinked?:
                guard creates else { return }
                isNew = true
                object = 0
            case nil where creates && exclusive:
                isNew = true
                object = 0
            default:
                unchecked["POSIX queues that existed before the log began", default: []].append(call.line)
                installOther(pid: call.pid, fd: fd, annotation: "/" + name, closeOnExec: flags & 0o2000000 != 0)
                return
            }
            var id = object
            if isNew {
                var maxMessages = defaults.posixQueueMessages
                var messageSize = defaults.posixQueueMessageSize
                if arguments.count > 3, let attributes = Optional(arguments[3]), !attributes.isNull {
                    if let value = attributes["mq_maxmsg"]?.integer { maxMessages = Int(value) }
                    if let value = attributes["mq_msgsize"]?.integer { messageSize = Int(value) }
                }
                id = newObject(
                    .posixQueue(name: name, maxMessages: maxMessages, messageSize: messageSize), name: "mq-\(name)",
                    description: "POSIX queue /\(name)", call: call)
                queueNames[name] = .object(id)
            } else {
                record(id, call, f: "open", value: nil, outcome: .ok(nil))
            }
            let file = descriptors.newFile(.init(
                object: id, end: "use", nonblocking: flags & 0o4000 != 0, identity: nil, description: objects[id].description))
            descriptors.install(pid: call.pid, fd: fd, file: file, closeOnExec: flags & 0o2000000 != 0)
        case .error("ENOENT"):
            if case .unlinked(let object)? = queueNames[name] {
                record(object, call, f: "open", value: nil, outcome: .fail("ENOENT"))
            } else if queueNames[name] == nil {
                queueNames[name] = .absent
            }
        default:
            break
        }
    }

    /// The flags of an open-like call (`creat` is `O_CREAT|O_WRONLY|O_TRUNC`; openat2 carries them in its `how`).
    private func openFlags(_ call: StraceLog.Call, _ arguments: [StraceValue], pathIndex: Int) -> Int64 {
        if call.name == "creat" { return 0o1101 }
        guard pathIndex + 1 < arguments.count else { return 0 }
        if call.name == "openat2" { return arguments[pathIndex + 1]["flags"]?.integer ?? 0 }
        return arguments[pathIndex + 1].integer ?? 0
    }

    /// open of `/proc/self/fd/N` (or `/proc/PID/fd/N`, `/proc/thread-self/fd/N`) naming a pipe the log made: a new
    /// open file description of the same pipe, its end the access mode (what the harness's own driver does to hand
    /// each worker its own description). A pipe reopened O_RDWR holds both ends at once, which the pipe model's
    /// holders cannot say: the pipe is not checked then.
    private mutating func simulateReopen(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        let pathIndex = call.name == "open" || call.name == "creat" ? 0 : 1
        guard pathIndex < arguments.count, let bytes = arguments[pathIndex].bytes else { return false }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "proc", parts[3] == "fd", Int(parts[4]) != nil,
            parts[2] == "self" || parts[2] == "thread-self" || Int(parts[2]) != nil
        else { return false }
        guard case .value(let text) = call.result, let value = (try? StraceValueReader.values(text[...]))?.first,
            case .descriptor(let fd, let shown) = value, fd >= 0, let identity = Self.identity(shown),
            let object = byIdentity[identity]
        else { return false }
        guard case .pipe = objects[object].kind else {
            objects[object].exclude("reopened through \(String(decoding: bytes, as: UTF8.self)) at line \(call.line), which its model does not have")
            installOther(pid: call.pid, fd: fd, annotation: shown, closeOnExec: false)
            return true
        }
        let flags = openFlags(call, arguments, pathIndex: pathIndex)
        let access = flags & 3
        if access == 2 {
            objects[object].exclude("reopened O_RDWR through /proc at line \(call.line): one description holding both ends is not in the pipe model")
        }
        let end = access == 0 ? "read" : "write"
        let file = descriptors.newFile(.init(
            object: access == 2 ? nil : object, end: end, nonblocking: flags & 0o4000 != 0, identity: identity,
            description: "the \(end) end of \(objects[object].description)"))
        descriptors.install(pid: call.pid, fd: fd, file: file, closeOnExec: flags & 0o2000000 != 0)
        return true
    }

    /// open of a FIFO the log made: the fifo model's `open`. An `O_RDWR` open (the model's `"readwrite"`) leaves the
    /// FIFO out: the importer's descriptor table gives each descriptor one end, and such a descriptor is both.
    private mutating func simulateFIFOOpen(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        let pathIndex = call.name == "open" || call.name == "creat" ? 0 : 1
        guard pathIndex < arguments.count, let bytes = arguments[pathIndex].bytes else { return false }
        let path = resolve(String(decoding: bytes, as: UTF8.self), directory: pathIndex == 1 ? arguments[0] : nil, pid: call.pid)
        var fifo = fifoPaths[path]
        // Opened by another path (a link, a relative path from an unknown directory): strace's -yy shows the FIFO's own.
        if fifo == nil, case .value(let text) = call.result,
            case .descriptor(_, let shown)? = (try? StraceValueReader.values(text[...]))?.first
        {
            fifo = fifoPaths[shown]
        }
        guard let object = fifo else { return false }
        let flags = openFlags(call, arguments, pathIndex: pathIndex)
        let access = flags & 3
        guard access != 2 else {
            objects[object].exclude("opened O_RDWR at line \(call.line); the importer follows a FIFO's descriptors by end, and an O_RDWR one is both")
            return true
        }
        let end = access == 0 ? "read" : "write"
        var value: JSONObject = ["end": .string(end)]
        if flags & 0o4000 != 0 { value["nonblocking"] = true }
        switch call.result {
        case .value:
            guard let fd = returnedDescriptor(call) else { return true }
            record(object, call, f: "open", value: .object(value), outcome: .ok(nil))
            let table = descriptors.tableOf[call.pid]
            let file = descriptors.newFile(.init(
                object: object, end: end, nonblocking: flags & 0o4000 != 0, identity: nil,
                description: "the \(end) end of \(objects[object].description)", openerTable: table))
            descriptors.install(pid: call.pid, fd: fd, file: file, closeOnExec: flags & 0o2000000 != 0)
            fifoLatestOpenNonblocking["\(call.pid) \(object) \(end)"] = flags & 0o4000 != 0
        case .error("EACCES"):
            objects[object].exclude("an open failed EACCES (line \(call.line)); the importer does not know the processes' users")
        case .error(let error):
            guard !Self.withoutEffect.contains(error), error != "ENOENT" else { return true }
            record(object, call, f: "open", value: .object(value), outcome: .fail(error))
        case .unknown:
            record(object, call, f: "open", value: .object(value), outcome: .indeterminate)
        }
        return true
    }

    /// Errors that mean the call did nothing to the object: interrupted before it acted (the kernel restarts or
    /// reports `EINTR` only when nothing was transferred), or refused for its arguments.
    static let withoutEffect: Set<String> = [
        "EINTR", "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK", "EBADF", "EFAULT",
        "ENOTSOCK", "ESPIPE",
    ]

    /// Records an operation of the object's model; `outcome` is the call's, `ok` carrying the model's value.
    mutating func record(
        _ object: Int, _ call: StraceLog.Call, f: String, value: JSONValue?, outcome: StraceObject.Operation.Outcome
    ) {
        var end: Int64? = call.end
        if case .indeterminate = outcome { end = nil }
        objects[object].operations.append(StraceObject.Operation(
            pid: call.pid, f: f, value: value, outcome: outcome, start: call.start, end: end, line: call.line,
            table: descriptors.tableOf[call.pid]))
    }
}
