import IPCModels

/// The calls that move data through the objects, as operations of their models.
extension StraceSimulation {
    mutating func simulateData(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        switch call.name {
        case "msgsnd", "msgrcv", "msgctl":
            try simulateSystemVQueue(call, arguments)
            return true
        case "semop", "semtimedop", "semctl":
            simulateSystemVSemaphores(call, arguments)
            return true
        case "read", "readv", "write", "writev", "send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg",
            "mq_timedsend", "mq_timedreceive", "mq_getsetattr":
            break
        default:
            return false
        }
        guard let fd = arguments.first?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: fd) else { return true }
        let file = descriptors[file: entry.file]
        guard let id = file.object else { return true }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return true }
        let object = objects[id]
        switch object.kind {
        case .pipe, .fifo:
            try simulateStream(call, arguments, object: id, file: file)
        case .socketPair(let type):
            try simulateSocket(call, arguments, object: id, file: entry.file, type: type)
        case .eventfd:
            try simulateEventfd(call, arguments, object: id)
        case .posixQueue:
            try simulatePosixQueue(call, arguments, object: id, file: entry.file)
        case .systemVQueue, .systemVSemaphores, .signals:
            break
        }
        return true
    }

    /// The ok value a call's result gives, or the failure; nil for a result that is not a number.
    private func count(_ call: StraceLog.Call) -> Int? {
        guard case .value(let text) = call.result else { return nil }
        return Int(text)
    }

    func outcome(_ call: StraceLog.Call, ok: () -> JSONValue?) -> StraceObject.Operation.Outcome {
        switch call.result {
        case .value: .ok(ok())
        case .error(let error): .fail(error)
        case .unknown: .indeterminate
        }
    }

    /// The bytes of a buffer argument: a string, or the iovec array of readv/writev/sendmsg/recvmsg. Nil (and the
    /// object excluded) when strace cut the data (`-s` was too small).
    private mutating func buffer(_ value: StraceValue?, object: Int, call: StraceLog.Call) -> (bytes: [UInt8], capacity: Int)? {
        var bytes: [UInt8] = []
        var capacity = 0
        var cut = false
        switch value {
        case .string(let data, let truncated)?:
            bytes = data
            capacity = data.count
            cut = truncated
        case .array(let vectors)?:
            for vector in vectors {
                if case .string(let data, let truncated)? = vector["iov_base"] {
                    bytes += data
                    cut = cut || truncated
                }
                capacity += Int(vector["iov_len"]?.integer ?? 0)
            }
        default:
            // An address (a failed call's buffer is not shown) or nothing.
            return ([], 0)
        }
        if cut {
            objects[object].exclude("strace cut the data of \(call.name) at line \(call.line): record with a larger -s")
            return nil
        }
        return (bytes, capacity)
    }

    // MARK: - Pipes and FIFOs

    /// Why a blocking read or write on a FIFO cannot be judged: the fifo model takes a call as nonblocking when it says
    /// so or when the process's latest open of the end was opened `O_NONBLOCK` (its flag as opened: the importer
    /// records no close of one of a process's opens, nor `F_SETFL` or `FIONBIO` on a FIFO, which it follows as state
    /// only). A blocking call — through an older open, or through that one with the flag cleared since — would be
    /// judged as nonblocking: a blocking read failing `EAGAIN` accepted, a blocking write larger than the room judged
    /// as one that writes part. Nil while the model's flag is the call's.
    func fifoBlockingCallHidden(_ call: StraceLog.Call, object: Int, file: StraceDescriptors.File) -> String? {
        guard fifoLatestOpenNonblocking["\(call.pid) \(object) \(file.end)"] == true else { return nil }
        return "a blocking \(call.name) at line \(call.line) while pid \(call.pid)'s latest open of the \(file.end) end was opened O_NONBLOCK (the fifo model's flag for the process's calls on the end): the call could be judged as nonblocking"
    }

    private mutating func simulateStream(_ call: StraceLog.Call, _ arguments: [StraceValue], object: Int, file: StraceDescriptors.File) throws(TraceError) {
        var value: JSONObject = [:]
        let nonblocking = file.nonblocking
        if case .fifo = objects[object].kind, !nonblocking, let reason = fifoBlockingCallHidden(call, object: object, file: file) {
            objects[object].exclude(reason)
            return
        }
        switch call.name {
        case "read", "readv":
            if call.result == .unknown {
                // How much it asked for is printed after the data, when the call returns: unknown here, and it
                // decides what the read took.
                objects[object].exclude("\(call.name) at line \(call.line) never returned, and strace prints its size only on return")
                return
            }
            guard let (data, capacity) = buffer(arguments.count > 1 ? arguments[1] : nil, object: object, call: call) else { return }
            let requested = call.name == "read" ? Int(arguments.count > 2 ? arguments[2].integer ?? 0 : 0) : capacity
            value["max"] = .int(requested)
            if nonblocking { value["nonblocking"] = true }
            let got = count(call) ?? 0
            record(object, call, f: "read", value: .object(value), outcome: outcome(call) { ["data": Payload.json(data.prefix(got))] })
        case "write", "writev":
            guard let (data, _) = buffer(arguments.count > 1 ? arguments[1] : nil, object: object, call: call) else { return }
            let size = call.name == "write" ? Int(arguments.count > 2 ? arguments[2].integer ?? Int64(data.count) : Int64(data.count)) : data.count
            guard size == data.count else {
                objects[object].exclude("write at line \(call.line) shows \(data.count) of its \(size) bytes")
                return
            }
            value["data"] = Payload.json(data)
            if nonblocking { value["nonblocking"] = true }
            record(object, call, f: "write", value: .object(value), outcome: outcome(call) { ["written": .int(count(call) ?? 0)] })
        default:
            objects[object].exclude("\(call.name) at line \(call.line) is not in the \(objects[object].kind.model) model")
        }
    }

    /// ioctl(FIONREAD): a pipe's `available` through its read end, its `ioctl` `FIONREAD` through its write end (the
    /// bytes in the pipe too); not modelled for other objects.
    mutating func simulateAvailable(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        guard let fd = arguments.first?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: fd),
            let object = descriptors[file: entry.file].object
        else { return true }
        let end = descriptors[file: entry.file].end
        guard case .pipe = objects[object].kind, end == "read" || end == "write" else {
            objects[object].exclude("ioctl(FIONREAD) at line \(call.line) is not in the \(objects[object].kind.model) model")
            return true
        }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return true }
        let bytes = arguments.count > 2 ? arguments[2].integer ?? 0 : 0
        if end == "write" {
            record(object, call, f: "ioctl", value: ["end": "write", "request": "FIONREAD"], outcome: outcome(call) { ["bytes": .int(Int(bytes))] })
        } else {
            record(object, call, f: "available", value: nil, outcome: outcome(call) { ["bytes": .int(Int(bytes))] })
        }
        return true
    }

    // MARK: - Socket pairs

    private mutating func simulateSocket(_ call: StraceLog.Call, _ arguments: [StraceValue], object: Int, file: Int, type: String) throws(TraceError) {
        let end = descriptors[file: file].end
        let nonblockingFile = descriptors[file: file].nonblocking
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        switch call.name {
        case "write", "writev", "send", "sendto", "sendmsg":
            var data: [UInt8]
            var flags: Int64 = 0
            var passed: [Int] = []
            switch call.name {
            case "sendmsg":
                guard let message = argument(1) else { return }
                if let name = message["msg_name"], !name.isNull {
                    objects[object].exclude("sendmsg with an address at line \(call.line) is not in its model")
                    return
                }
                guard let (bytes, _) = buffer(message["msg_iov"], object: object, call: call) else { return }
                data = bytes
                flags = argument(2)?.integer ?? 0
                if case .array(let messages)? = message["msg_control"] {
                    for control in messages {
                        guard control["cmsg_level"]?.integer == 1, control["cmsg_type"]?.integer == 1,
                            case .array(let fds)? = control["cmsg_data"]
                        else {
                            objects[object].exclude("a control message other than SCM_RIGHTS at line \(call.line) is not in its model")
                            return
                        }
                        for fd in fds {
                            guard let number = fd.descriptor, let entry = descriptors.entry(pid: call.pid, fd: number) else { continue }
                            passed.append(entry.file)
                        }
                    }
                }
            case "sendto":
                if let address = argument(4), !address.isNull {
                    objects[object].exclude("sendto with an address at line \(call.line) is not in its model")
                    return
                }
                fallthrough
            default:
                guard let (bytes, _) = buffer(argument(1), object: object, call: call) else { return }
                data = bytes
                if call.name == "send" || call.name == "sendto" { flags = argument(3)?.integer ?? 0 }
                if call.name == "write" || call.name == "send" || call.name == "sendto",
                    let size = argument(2)?.integer, Int(size) != data.count
                {
                    objects[object].exclude("\(call.name) at line \(call.line) shows \(data.count) of its \(size) bytes")
                    return
                }
            }
            guard flags & ~Int64(0x40 | 0x4000) == 0 else {
                objects[object].exclude("\(call.name) flags \(flags) at line \(call.line) are not in its model")
                return
            }
            var value: JSONObject = ["end": .string(end), "data": Payload.json(data)]
            if nonblockingFile || flags & 0x40 != 0 { value["nonblocking"] = true }
            if !passed.isEmpty {
                value["files"] = .array(passed.map { .string(objects[object].passedFileName(file: $0, sender: call.pid)) })
            }
            record(object, call, f: "send", value: .object(value), outcome: outcome(call) { ["sent": .int(count(call) ?? 0)] })
            // What went is in flight to the other end's socket (a stream send of 0 bytes sends nothing).
            if let sent = count(call), !passed.isEmpty, sent > 0 || type != "stream" {
                let peer = end == "a" ? "b" : "a"
                objects[object].endsReceivingFiles.insert(peer)
                if let peerFile = peerSocketFile(object: object, end: peer) { inFlight[peerFile, default: []] += passed }
            }
        case "read", "readv", "recv", "recvfrom", "recvmsg":
            if call.result == .unknown {
                // Its buffer and flags are printed only on return. A datagram or record is taken whole whatever the
                // buffer, so the receive is known enough; a stream receive takes as much as its buffer, unknown.
                guard type != "stream" else {
                    objects[object].exclude("\(call.name) at line \(call.line) never returned, and strace prints its size only on return")
                    return
                }
                if !(inFlight[file] ?? []).isEmpty {
                    objects[object].exclude("\(call.name) at line \(call.line) never returned while descriptors were in flight to it")
                }
                var value: JSONObject = ["end": .string(end), "max": .int(1 << 16)]
                if nonblockingFile { value["nonblocking"] = true }
                record(object, call, f: "receive", value: .object(value), outcome: .indeterminate)
                return
            }
            var flags: Int64 = 0
            var data: [UInt8]
            var capacity: Int
            var truncated: Bool?
            var received: [String] = []
            var maxFiles: Int?
            if call.name == "recvmsg" {
                guard let message = argument(1) else { return }
                guard let (bytes, room) = buffer(message["msg_iov"], object: object, call: call) else { return }
                data = bytes
                capacity = room
                flags = argument(2)?.integer ?? 0
                let returnedFlags = message["msg_flags"]?.integer ?? 0
                if case .value = call.result {
                    if returnedFlags & 0x8 != 0 {
                        objects[object].exclude("recvmsg at line \(call.line) had descriptors cut (MSG_CTRUNC) by a control buffer whose size strace does not show")
                        return
                    }
                    truncated = returnedFlags & 0x20 != 0
                    // Without MSG_CTRUNC every descriptor that came fitted: the room is at least what came, and
                    // the model's largest room (64) is enough unless more than that came in one message.
                    maxFiles = 64
                    if case .array(let messages)? = message["msg_control"] {
                        for control in messages {
                            guard case .array(let fds)? = control["cmsg_data"] else { continue }
                            for fd in fds {
                                guard let number = fd.descriptor else { continue }
                                received.append(receivePassed(fd: number, annotation: Self.annotation(fd) ?? "", object: object, file: file, call: call, closeOnExec: flags & 0x4000_0000 != 0))
                            }
                        }
                    }
                }
            } else {
                guard let (bytes, room) = buffer(argument(1), object: object, call: call) else { return }
                data = bytes
                capacity = call.name == "readv" ? room : Int(argument(2)?.integer ?? 0)
                if call.name == "recv" || call.name == "recvfrom" { flags = argument(3)?.integer ?? 0 }
                if call.name == "recvfrom", let address = argument(4), !address.isNull {
                    objects[object].exclude("recvfrom asking for the address at line \(call.line) is not in its model")
                    return
                }
                plainReceives.append((object, end, call.line))
                if type != "stream", let got = count(call), got == capacity, capacity > 0 {
                    objects[object].exclude("a \(call.name) at line \(call.line) filled its buffer; whether the \(type == "dgram" ? "datagram" : "record") was longer (and cut) is not in the log (recvmsg shows it)")
                    return
                }
            }
            guard flags & ~Int64(0x40 | 0x4000_0000) == 0 else {
                objects[object].exclude("\(call.name) flags \(flags) at line \(call.line) are not in its model")
                return
            }
            if received.count > 64 {
                objects[object].exclude("recvmsg at line \(call.line) received \(received.count) descriptors; the model's control room holds 64")
                return
            }
            var value: JSONObject = ["end": .string(end), "max": .int(capacity)]
            if nonblockingFile || flags & 0x40 != 0 { value["nonblocking"] = true }
            if let maxFiles { value["maxFiles"] = .int(maxFiles) }
            let got = count(call) ?? 0
            record(object, call, f: "receive", value: .object(value), outcome: outcome(call) {
                var result: JSONObject = ["data": Payload.json(data.prefix(got))]
                if truncated == true { result["truncated"] = true }
                if !received.isEmpty { result["files"] = .array(received.map { .string($0) }) }
                return .object(result)
            })
        default:
            objects[object].exclude("\(call.name) at line \(call.line) is not in the unix-socket model")
        }
    }

    /// The file of a socket pair's end (any descriptor of it in any table).
    private func peerSocketFile(object: Int, end: String) -> Int? {
        descriptors.files.indices.first { descriptors.files[$0].object == object && descriptors.files[$0].end == end }
    }

    /// A descriptor that came with recvmsg: the oldest in flight to this socket, now in the receiver's table.
    private mutating func receivePassed(
        fd: Int, annotation: String, object: Int, file: Int, call: StraceLog.Call, closeOnExec: Bool
    ) -> String {
        guard var queued = inFlight[file], !queued.isEmpty else {
            objects[object].exclude("a descriptor arrived at line \(call.line) that no send in the log carried")
            installOther(pid: call.pid, fd: fd, annotation: annotation, closeOnExec: closeOnExec)
            return "unknown"
        }
        let passed = queued.removeFirst()
        inFlight[file] = queued
        if let identity = Self.identity(annotation), let known = descriptors[file: passed].identity, identity != known {
            objects[object].exclude("the descriptor received at line \(call.line) is not the one the importer expected in flight")
        }
        descriptors.install(pid: call.pid, fd: fd, file: passed, closeOnExec: closeOnExec)
        return objects[object].passedFiles[passed]?.name ?? "unknown"
    }

    // MARK: - eventfd

    private mutating func simulateEventfd(_ call: StraceLog.Call, _ arguments: [StraceValue], object: Int) throws(TraceError) {
        func word(_ bytes: [UInt8]) -> JSONValue {
            var value: UInt64 = 0
            for (index, byte) in bytes.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
            return value > UInt64(Int64.max) ? .string(String(value)) : .integer(Int64(value))
        }
        if call.name == "read", call.result == .unknown {
            // Any read of at least 8 bytes takes the whole count (or one, as a semaphore); a smaller one fails.
            record(object, call, f: "read", value: nil, outcome: .indeterminate)
            return
        }
        guard call.name == "read" || call.name == "write", arguments.count > 2 else {
            objects[object].exclude("\(call.name) at line \(call.line) is not in the eventfd model")
            return
        }
        let size = Int(arguments[2].integer ?? 8)
        guard let (bytes, _) = buffer(arguments[1], object: object, call: call) else { return }
        if call.name == "write" {
            var value: JSONObject = ["value": word(bytes)]
            if size != 8 { value["size"] = .int(size) }
            record(object, call, f: "write", value: .object(value), outcome: outcome(call) { ["written": 8] })
        } else {
            let value: JSONValue? = size == 8 ? nil : ["size": .int(size)]
            record(object, call, f: "read", value: value, outcome: outcome(call) { ["value": word(bytes)] })
        }
    }

    // MARK: - POSIX queues

    private mutating func simulatePosixQueue(_ call: StraceLog.Call, _ arguments: [StraceValue], object: Int, file: Int) throws(TraceError) {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        let nonblocking = descriptors[file: file].nonblocking
        // A timed call that timed out found the queue full (or empty) at some moment, as a nonblocking one that
        // fails EAGAIN does; one that succeeded is a blocking call that did not have to wait too long.
        let timedOut = call.result == .error("ETIMEDOUT")
        switch call.name {
        case "mq_timedsend":
            guard let (data, _) = buffer(argument(1), object: object, call: call) else { return }
            var value: JSONObject = ["data": Payload.json(data), "priority": .int(Int(argument(3)?.integer ?? 0))]
            if nonblocking || timedOut { value["nonblocking"] = true }
            record(object, call, f: "send", value: .object(value), outcome: timedOut ? .fail("EAGAIN") : outcome(call) { nil })
        case "mq_timedreceive":
            if call.result == .unknown {
                // A receive takes one whole message whatever its buffer (or fails for a small one, taking nothing).
                guard case .posixQueue(_, _, let messageSize) = objects[object].kind else { return }
                var value: JSONObject = ["max": .int(messageSize)]
                if nonblocking { value["nonblocking"] = true }
                record(object, call, f: "receive", value: .object(value), outcome: .indeterminate)
                return
            }
            let size = Int(argument(2)?.integer ?? 0)
            var value: JSONObject = ["max": .int(size)]
            if nonblocking || timedOut { value["nonblocking"] = true }
            let got = count(call) ?? 0
            var data: [UInt8] = []
            if case .value = call.result {
                guard let (bytes, _) = buffer(argument(1), object: object, call: call) else { return }
                data = bytes
            }
            let priority = Int(argument(3)?.integer ?? 0)
            record(object, call, f: "receive", value: .object(value), outcome: timedOut ? .fail("EAGAIN") : outcome(call) {
                ["data": Payload.json(data.prefix(got)), "priority": .int(priority)]
            })
        case "mq_getsetattr":
            // Setting attributes changes only O_NONBLOCK of this descriptor's file; reading them changes nothing.
            if let attributes = argument(1), !attributes.isNull, case .value = call.result, let flags = attributes["mq_flags"]?.integer {
                descriptors[file: file].nonblocking = flags & 0o4000 != 0
            }
            // The attributes it read back are the model's `getattr`: the messages queued then, and the limits.
            // (Its `mq_flags` is left out: the importer follows O_NONBLOCK per call, not as the model's setattr.)
            if let old = argument(2), !old.isNull, case .value = call.result,
                let messages = old["mq_curmsgs"]?.integer, let maxMessages = old["mq_maxmsg"]?.integer,
                let messageSize = old["mq_msgsize"]?.integer {
                record(object, call, f: "getattr", value: nil, outcome: outcome(call) {
                    ["messages": .integer(messages), "maxMessages": .integer(maxMessages), "messageSize": .integer(messageSize)]
                })
            }
        default:
            objects[object].exclude("\(call.name) at line \(call.line) is not in the posix-mq model")
        }
    }

    // MARK: - System V queues

    private mutating func simulateSystemVQueue(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) {
        guard let id = arguments.first?.integer, let object = systemVIDs[id] else {
            unchecked["System V queues the log did not make", default: []].append(call.line)
            return
        }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        /// `{mtype=5, mtext="…"}` (with -X raw) or `{5, "…"}`.
        func message(_ value: StraceValue?) -> (type: Int64?, text: StraceValue?) {
            guard case .structure(let fields)? = value else { return (nil, nil) }
            let type = (value?["mtype"] ?? fields.first?.value)?.integer
            let text = value?["mtext"] ?? (fields.count > 1 ? fields[1].value : nil)
            return (type, text)
        }
        switch call.name {
        case "msgsnd":
            let (type, text) = message(argument(1))
            guard let type, let (bytes, _) = buffer(text, object: object, call: call) else { return }
            let size = Int(argument(2)?.integer ?? Int64(bytes.count))
            guard bytes.count >= size else {
                objects[object].exclude("msgsnd at line \(call.line) shows \(bytes.count) of its \(size) bytes")
                return
            }
            let flags = argument(3)?.integer ?? 0
            var value: JSONObject = ["type": .integer(type), "data": Payload.json(bytes.prefix(size))]
            if flags & 0o4000 != 0 { value["nonblocking"] = true }
            record(object, call, f: "send", value: .object(value), outcome: outcome(call) { nil })
        case "msgrcv":
            if call.result == .unknown {
                objects[object].exclude("msgrcv at line \(call.line) never returned, and strace prints its type and flags only on return")
                return
            }
            let flags = argument(4)?.integer ?? 0
            guard flags & 0o40000 == 0 else {
                objects[object].exclude("msgrcv with MSG_COPY at line \(call.line) is not in the sysv-msg model")
                return
            }
            var value: JSONObject = ["type": .integer(argument(3)?.integer ?? 0), "max": .int(Int(argument(2)?.integer ?? 0))]
            if flags & 0o20000 != 0 { value["except"] = true }
            if flags & 0o10000 != 0 { value["truncate"] = true }
            if flags & 0o4000 != 0 { value["nonblocking"] = true }
            var result: JSONValue?
            if case .value = call.result {
                let (type, text) = message(argument(1))
                guard let type, let (bytes, _) = buffer(text, object: object, call: call) else { return }
                result = ["type": .integer(type), "data": Payload.json(bytes.prefix(count(call) ?? 0))]
            }
            record(object, call, f: "receive", value: .object(value), outcome: outcome(call) { result })
        case "msgctl":
            guard let given = argument(1)?.integer else {
                objects[object].exclude("msgctl at line \(call.line): a command the importer cannot read")
                return
            }
            switch given & 0xff {
            case 0:
                record(object, call, f: "remove", value: nil, outcome: outcome(call) { nil })
            case 1:
                objects[object].exclude("msgctl(IPC_SET) at line \(call.line) is not in the sysv-msg model")
            default:
                break
            }
        default:
            break
        }
    }
}
