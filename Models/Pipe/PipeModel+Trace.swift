// The pipe model's trace form (documented in traces/README.md):
//
//   f        invoke value                                  ok value            fail error
//   write    {"data": PAYLOAD, "nonblocking": BOOL?}       {"written": INT}    EAGAIN, EPIPE, EBADF, ...
//   write-all {"data": PAYLOAD}                            {"written": INT}    EPIPE, EBADF
//   read     {"max": INT, "nonblocking": BOOL?}            {"data": PAYLOAD}   EAGAIN, EBADF, ...
//   close    {"end": "read" | "write"}                     (none)              EBADF
//   fcntl    {"end": E, "cmd": "F_GETFL"}                  {"nonblocking": BOOL, "direct": BOOL}
//            {"end": E, "cmd": "F_SETFL", "nonblocking": BOOL, "direct": BOOL?, "async": BOOL?}   (none)
//            (absent "direct" or "async": left as it was; F_GETFL's ok value may carry "async": BOOL, O_ASYNC, judged then)
//            {"end": E, "cmd": "F_GETPIPE_SZ"}             {"size": INT}
//            {"end": E, "cmd": "F_SETPIPE_SZ", "size": INT} {"size": INT}      EBUSY, EPERM, EINVAL, EBADF
//            {"end": E, "cmd": "F_DUPFD" | "F_DUPFD_CLOEXEC", "min": INT}   (none; "fd" ignored)   EMFILE, EINVAL, EBADF
//            {"end": E, "cmd": "F_GETFD"}                  {"closeOnExec": BOOL}   EBADF
//            {"end": E, "cmd": "F_SETFD", "closeOnExec": BOOL}   (or "arg": INT: its FD_CLOEXEC bit)   (none)   EBADF
//            {"end": E, "cmd": "F_GETOWN"}                 {"owner": O, "process": P?}   EBADF
//            {"end": E, "cmd": "F_SETOWN", "owner": O | "missing" | "INT_MIN", "process": P?}   (none)   ESRCH, EINVAL, EBADF
//            (O: "none" (0), "process" (process P's pid), "group" (the process group of P; F_GETOWN gives no P),
//            "other" (a process outside the trace); "missing": a pid no process has)
//            {"end": E, "cmd": "F_GETOWN_EX"}              {"type": T, "owner": O, "process": P?}   EBADF
//            {"end": E, "cmd": "F_SETOWN_EX", "type": T | INT, "owner": "none" | "process" | "other" | "missing",
//             "process": P?}   (none)   EINVAL (a type not T), ESRCH, EBADF
//            (T: "tid" (F_OWNER_TID; "process" names P's main thread), "pid", "pgrp" ("process" names P's group))
//            {"end": E, "cmd": "F_GETSIG"}                 {"signal": INT}     EBADF
//            {"end": E, "cmd": "F_SETSIG", "signal": INT}  (none)              EINVAL, EBADF
//   dup      {"end": E}                                    (none; "fd" ignored) EMFILE, EBADF
//   dup2     {"end": E, "onto": "self" | "free" | "other" | "read" | "write", "newfd": INT?}   (none; "fd" ignored)   EBADF
//   dup3     as dup2, plus "flags": ["O_CLOEXEC"]?, "bits": INT? (other flag bits)   (none)   EINVAL, EBADF
//            ("onto": the number dup2/dup3 puts the copy on — the old descriptor's own, a free one, one holding
//            something else, or one holding another of the process's descriptors of this pipe's read or write end,
//            which the call closes; "newfd": the number, for the RLIMIT_NOFILE check)
//   lseek    {"end": E, "offset": INT?, "whence": INT | "SEEK_SET" | … | "SEEK_HOLE"?}   (never)   EBADF, EINVAL, ESPIPE
//   pread    {"end": E, "max": INT, "offset": INT?}        (never)             EINVAL, EBADF, ESPIPE
//   pwrite   {"end": E, "data": PAYLOAD, "offset": INT?}   (never)             EINVAL, EBADF, ESPIPE
//            (FilePosition: absent "offset" 0, "whence" SEEK_CUR; the errors in the order the kernel checks them)
//   writev   {"iov": [PAYLOAD, ...]}                        {"written": INT}    EAGAIN, EPIPE, EBADF, EINVAL, ...
//   readv    {"iov": [INT, ...]}                           {"data": PAYLOAD}   EAGAIN, EBADF, EINVAL, ...
//   fstat    {"end": E}                                    {"mode": "0600", "size": INT, "type": "S_IFIFO"?}   EBADF
//   splice   {"end": "read", "max": INT, "into": "sink" | "self"?, F}     {"count": INT}   EAGAIN, EBADF, ESPIPE, EINVAL, EINTR
//            {"end": "write", "max": INT, "data": PAYLOAD, "position": INT?, F}   {"count": INT}   EAGAIN, EPIPE, EBADF, ...
//   tee      {"max": INT, "room": INT?, "into": "private" | "self"?, F}  {"count": INT}   EAGAIN, EBADF, EINVAL, EINTR
//   vmsplice {"end": "write", "iov": [PAYLOAD, ...], "offsets": [INT, ...]?, F}   {"count": INT}   EAGAIN, EPIPE, ...
//            {"end": "read", "iov": [INT, ...], F}         {"data": PAYLOAD}   EAGAIN, EBADF, EINVAL, EINTR
//            (F: "nonblocking": BOOL? (SPLICE_F_NONBLOCK), "bits": INT? (other flag bits), "offset": BOOL? (splice:
//            an offset given for the pipe's side); see PipeModel+Splice.swift)
//   poll     {"end": E, "events": ["POLLIN", ...], "timeout": INT}   {"revents": ["POLLIN", "POLLHUP", ...]}   EINTR
//   select   {"end": E, "read": BOOL?, "write": BOOL?, "timeout": INT}   {"readable": BOOL, "writable": BOOL}   EBADF, EINTR
//            (timeout in milliseconds, negative: forever; an empty revents, or neither readable nor writable, is a
//            return of 0)
//   epoll_ctl {"op": "EPOLL_CTL_ADD" | "EPOLL_CTL_MOD" | "EPOLL_CTL_DEL" | INT, "end": E | "epoll", "events": ["EPOLLIN",
//            "EPOLLET", ...]}   (none)   EBADF, EINVAL, EEXIST, ENOENT   ("events" needed for ADD and MOD; "epoll":
//            the instance's own descriptor as the target)
//   sigtimedwait {"signals": [INT, ...], "timeout": INT?}   {"signal": INT, "code": INT, "band": INT, "fd": INT?}   EAGAIN, EINTR
//            (the process takes one of the I/O signals O_ASYNC sent it, which it keeps blocked; timeout 0 (absent): at
//            once, negative: sigwaitinfo, waiting; "fd" (si_fd) is not judged; see PipeModel+Async.swift)
//   epoll_wait {"maxevents": INT, "timeout": INT}   {"events": [{"end": E, "events": ["EPOLLIN", ...]}, ...]}   EINVAL, EINTR
//            (on the process's epoll instance for this pipe; an empty list is a return of 0)
//   epoll_pwait {"maxevents": INT, "timeout": INT, "sigmask": [SIG, ...]?}   as epoll_wait   (the mask for the call)
//   epoll_pwait2 {"maxevents": INT, "timeout": {"sec": INT, "nsec": INT} | null, "sigmask": [SIG, ...]?}   as epoll_wait
//            (null: forever; an invalid timespec EINVAL before anything, maxevents' EINVAL too)
//   epoll_create {"size": INT}, epoll_create1 {"flags": ["EPOLL_CLOEXEC"]?, "bits": INT?}   {"closeOnExec": BOOL}?
//            EINVAL, EMFILE   (a new instance, closed at once; not the process's instance for this pipe)
//   Nested instances (PipeModel+NestedEpoll.swift): epoll_create/epoll_create1 {..., "keep": NAME} keeps the new
//            instance as NAME until close {"instance": NAME} (EBADF when not kept) or the process's exit; epoll_ctl
//            {..., "instance": NAME?, "end": E | "epoll" | NAME} acts on NAME (absent or "epoll": the implicit instance)
//            and may name an instance as the target (EBADF, EINVAL, ELOOP, EEXIST, ENOENT); epoll_wait, epoll_pwait,
//            epoll_pwait2 {..., "instance": NAME?} wait on it; a report's "end" may name an instance. NAME: not
//            "read", "write" or "epoll".
//
// params: {"pageSize": 4096, "maxSize": 1048576, "objects": {"p0": {"capacity": 65536, "readers": [1, 2],
//          "writers": [1], "nonblocking": false, "packet": false, "shared": [[1, 2]],
//          "descriptorLimits": [{"process": 1, "free": 5, "limit": 64}], "createdBy": 1, "closeOnExec": BOOL?}}}
//   ("closeOnExec": FD_CLOEXEC of every descriptor the setup gives; absent: not known)
//   "userPages": {"others": N, "unprivileged": [P, ...], "soft": 16384?} (optional): the pages the pipe's user's other
//   pipes account and the unprivileged processes, for pipe-user-pages-soft (PipeModel+UserPages.swift)
//   "sharedEpoll": [[1, 2]] (optional): processes whose implicit epoll instance is one, made before a fork (each group
//   within one "shared" group): any of them adds, modifies, deletes and waits on the same registrations
//   A pipe with "createdBy" (and no readers or writers) is made during the run by that process:
//   pipe     (none)                                        (none)              EMFILE
//   pipe2    {"flags": ["O_NONBLOCK", "O_DIRECT", "O_CLOEXEC"], "bits": INT?}   (none)   EINVAL, ENOPKG, EMFILE
//            ("bits": any other flag bits, as given)
extension PipeModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let pageSize = try parameters.optional("pageSize")?.integer("pageSize", in: 64...1 << 20) ?? 4096
        let maxSize = try parameters.optional("maxSize")?.integer("maxSize", in: 0...1 << 31) ?? 1 << 20
        guard pageSize & (pageSize - 1) == 0 else { throw ModelError("field 'pageSize' must be a power of two") }
        guard case .object(let objects) = try parameters.required("objects") else {
            throw ModelError("field 'objects' must be an object mapping pipe names to their setup")
        }
        var pipes: [(name: String, setup: Setup)] = []
        for member in objects {
            let setup: JSONValue? = member.value
            let capacity = try setup.optional("capacity")?.integer("capacity", in: pageSize...1 << 30) ?? 65536
            guard capacity % pageSize == 0 else {
                throw ModelError("pipe '\(member.key)': capacity \(capacity) is not a multiple of the page size")
            }
            let readers = try setup.required("readers").elements("readers").map { (value) throws(ModelError) in
                try value.integer("readers")
            }
            let writers = try setup.required("writers").elements("writers").map { (value) throws(ModelError) in
                try value.integer("writers")
            }
            let nonblocking = try setup.optional("nonblocking")?.boolean("nonblocking") ?? false
            let packet = try setup.optional("packet")?.boolean("packet") ?? false
            let shared = try setup.optional("shared")?.elements("shared").map { (group) throws(ModelError) in
                try group.elements("shared").map { (process) throws(ModelError) in try process.integer("shared") }
            } ?? []
            let limits = try DescriptorLimit.list(from: setup)
            let createdBy = try setup.optional("createdBy")?.integer("createdBy", in: 1...10_000)
            let closeOnExec = try setup.optional("closeOnExec")?.boolean("closeOnExec")
            let userPages = try PipeUserPages.parse(setup, pipe: member.key)
            if userPages != nil, createdBy != nil, capacity != PipeUserPages.defaultSlots * pageSize || maxSize < capacity {
                throw ModelError("pipe '\(member.key)': with 'userPages' a pipe made during the run gets its size from the kernel's rule (16 pages or 2): give no other 'capacity'")
            }
            let sharedEpoll = try setup.optional("sharedEpoll")?.elements("sharedEpoll").map { (group) throws(ModelError) in
                try group.elements("sharedEpoll").map { (process) throws(ModelError) in try process.integer("sharedEpoll") }
            } ?? []
            for group in sharedEpoll where group.count > 1 {
                // A registration is on the adder's description of the end: the sharers must reach the same ones.
                guard shared.contains(where: { Set(group).isSubset(of: $0) }) else {
                    throw ModelError("pipe '\(member.key)': the processes \(group) of 'sharedEpoll' (one epoll instance, inherited through fork) must lie within one 'shared' group (the descriptions fork gave them)")
                }
            }
            if Set(sharedEpoll.flatMap { $0 }).count != sharedEpoll.flatMap({ $0 }).count {
                throw ModelError("pipe '\(member.key)': a process appears in two 'sharedEpoll' groups")
            }
            if createdBy != nil && !(readers.isEmpty && writers.isEmpty && !nonblocking && !packet && shared.isEmpty && sharedEpoll.isEmpty) {
                throw ModelError("pipe '\(member.key)': a pipe made during the run ('createdBy') starts with no readers, writers or flags: its pipe2 gives them")
            }
            pipes.append((
                member.key,
                Setup(
                    capacity: capacity, readers: readers, writers: writers, nonblocking: nonblocking, packet: packet, shared: shared,
                    descriptorLimits: limits, createdBy: createdBy, closeOnExec: closeOnExec, sharedEpoll: sharedEpoll, userPages: userPages)
            ))
        }
        self.init(pageSize: pageSize, maxSize: maxSize, pipes: pipes)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var object: JSONObject = [
                "capacity": .int(setup.capacity),
                "readers": .array(setup.readers.map { .int($0) }),
                "writers": .array(setup.writers.map { .int($0) }),
            ]
            if setup.nonblocking { object["nonblocking"] = true }
            if setup.packet { object["packet"] = true }
            if !setup.shared.isEmpty { object["shared"] = .array(setup.shared.map { .array($0.map { .int($0) }) }) }
            if !setup.sharedEpoll.isEmpty { object["sharedEpoll"] = .array(setup.sharedEpoll.map { .array($0.map { .int($0) }) }) }
            if let creator = setup.createdBy { object["createdBy"] = .int(creator) }
            if let closeOnExec = setup.closeOnExec { object["closeOnExec"] = .bool(closeOnExec) }
            if !setup.descriptorLimits.isEmpty { object["descriptorLimits"] = DescriptorLimit.json(setup.descriptorLimits) }
            if let userPages = setup.userPages { object["userPages"] = userPages.json }
            objects[name] = .object(object)
        }
        var parameters: JSONObject = ["pageSize": .int(pageSize), "objects": .object(objects)]
        if maxSize != 1 << 20 { parameters["maxSize"] = .int(maxSize) }
        return .object(parameters)
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
        switch call.f {
        case "write":
            return .write(process: call.process, data: try call.value.required("data").payload("data"), nonblocking: nonblocking)
        case "write-all":
            return .writeAll(process: call.process, data: try call.value.required("data").payload("data"))
        case "read":
            let max = try call.value.required("max").integer("max", in: 0...1 << 24)
            return .read(process: call.process, max: max, nonblocking: nonblocking)
        case "available":
            return .available(process: call.process)
        case "sigtimedwait":
            let signals = try call.value.required("signals").elements("signals").map { (value) throws(ModelError) in
                try value.integer("signals", in: 1...64)
            }
            let timeout = try call.value.optional("timeout")?.integer("timeout") ?? 0
            return .takeSignal(process: call.process, signals: signals.sorted(), wait: timeout < 0)
        case "pipe", "pipe2":
            guard let creator = setups.first(where: { $0.name == call.object })?.setup.createdBy else {
                throw ModelError("\(call.f) of \(call.object): the pipe was made before the trace began (its setup names no 'createdBy')")
            }
            guard creator == call.process else {
                throw ModelError("\(call.f) of \(call.object) by process \(call.process): the setup says process \(creator) makes it")
            }
            guard call.f == "pipe2" else { return .create(process: call.process, flags: CreationFlags(flagged: false)) }
            var flags = CreationFlags()
            for element in try call.value.optional("flags")?.elements("flags") ?? [] {
                switch try element.text("flags") {
                case "O_NONBLOCK": flags.nonblocking = true
                case "O_DIRECT": flags.direct = true
                case "O_CLOEXEC": flags.closeOnExec = true
                case let other: throw ModelError("field 'flags': unknown flag \"\(other)\" (give its bits in 'bits')")
                }
            }
            flags.otherBits = try call.value.optional("bits")?.integer("bits", in: 0...Int(UInt32.max)) ?? 0
            return .create(process: call.process, flags: flags)
        case "dup":
            return .fcntl(process: call.process, end: try Self.end(of: call), command: .duplicate(minimum: nil))
        case "dup2", "dup3":
            return .fcntl(process: call.process, end: try Self.end(of: call), command: .duplicateOnto(try Self.duplicateCall(of: call, sameObject: ["read": .end(.read), "write": .end(.write)])))
        case "close":
            if let nested = try Self.nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .close(process: call.process, end: try Self.end(of: call))
        case "fcntl":
            return .fcntl(process: call.process, end: try Self.end(of: call), command: try Self.fileControl(of: call))
        case "ioctl":
            return .fcntl(process: call.process, end: try Self.end(of: call), command: .ioctl(try Self.ioRequest(of: call)))
        case "lseek":
            let position = try FilePosition.parse(call.value, whence: true)
            return .unseekable(process: call.process, end: try Self.end(of: call), call: .lseek(position))
        case "pread":
            let max = try call.value.required("max").integer("max", in: 0...1 << 24)
            let position = try FilePosition.parse(call.value, whence: false)
            return .unseekable(process: call.process, end: try Self.end(of: call), call: .pread(max: max, at: position))
        case "pwrite":
            let data = try call.value.required("data").payload("data")
            let position = try FilePosition.parse(call.value, whence: false)
            return .unseekable(process: call.process, end: try Self.end(of: call), call: .pwrite(data: data, at: position))
        case "writev":
            let pieces = try call.value.required("iov").elements("iov").map { (piece) throws(ModelError) in try piece.payload("iov") }
            return .writev(process: call.process, pieces: pieces)
        case "readv":
            let sizes = try call.value.required("iov").elements("iov").map { (size) throws(ModelError) in try size.integer("iov", in: 0...1 << 24) }
            guard sizes.reduce(0, +) <= 1 << 24 else { throw ModelError("field 'iov': more than 16 MiB in all") }
            return .readv(process: call.process, sizes: sizes)
        case "fstat":
            return .status(process: call.process, end: try Self.end(of: call))
        case "poll", "select":
            return .readiness(process: call.process, end: try Self.end(of: call), call: try Self.readinessCall(of: call))
        case "splice", "tee", "vmsplice":
            return .splice(process: call.process, call: try Self.spliceCall(of: call))
        case "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_create", "epoll_create1":
            if let nested = try Self.nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .epoll(process: call.process, call: try Self.epollCall(of: call))
        default:
            throw ModelError(
                "the pipe model has no operation '\(call.f)' (it has write, write-all, writev, read, readv, close, available, fcntl, ioctl, dup, dup2, dup3, lseek, pread, pwrite, poll, select, fstat, splice, tee, vmsplice, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create and epoll_create1)")
        }
    }

    /// A `poll` or `select` call's arguments (shared with the FIFO model).
    static func readinessCall(of call: Call) throws(ModelError) -> ReadinessCall {
        let timeout = try call.value.required("timeout").integer("timeout", in: Int(Int32.min)...Int(Int32.max))
        if call.f == "select" {
            return .select(
                read: try call.value.optional("read")?.boolean("read") ?? false,
                write: try call.value.optional("write")?.boolean("write") ?? false, timeout: timeout)
        }
        return .poll(events: try pollEvents(try call.value.required("events"), field: "events"), timeout: timeout)
    }

    static func pollEvents(_ value: JSONValue, field: String) throws(ModelError) -> PollEvents {
        try namedBits(value, field: field, names: PollEvents.names, kind: "poll event")
    }

    /// A list of bit names (`poll`'s or `epoll`'s events) as the set they name; an unknown name is refused.
    static func namedBits<Bits: OptionSet>(
        _ value: JSONValue, field: String, names: [(name: String, event: Bits)], kind: String
    ) throws(ModelError) -> Bits where Bits.Element == Bits {
        var bits: Bits = []
        for element in try value.elements(field) {
            let name = try element.text(field)
            guard let bit = names.first(where: { $0.name == name })?.event else {
                throw ModelError("field '\(field)': unknown \(kind) \"\(name)\" (known: \(names.map(\.name).joined(separator: ", ")))")
            }
            bits.insert(bit)
        }
        return bits
    }

    /// A recorded `fstat`: `mode` (octal text or a number) and `size`; `type` (`S_IFIFO`, ...) may be left out.
    static func statusOutput(_ value: JSONValue?) throws(ModelError) -> Output {
        guard let mode = try Permissions.mode(in: value) else { throw ModelError("an fstat's result needs a 'mode'") }
        return .status(
            type: try value.optional("type")?.text("type") ?? "S_IFIFO", mode: mode, size: try value.required("size").integer("size", in: -(1 << 62)...(1 << 62)))
    }

    /// The recorded form of a readiness call's arguments, beside `end` when the object has ends (shared with the
    /// FIFO and eventfd models).
    static func readinessValue(_ call: ReadinessCall, end: End? = nil) -> JSONValue {
        var value: JSONObject = ["timeout": .int(call.timeout)]
        if let end { value["end"] = .string(end.rawValue) }
        switch call {
        case .poll(let events, _): value["events"] = .array(events.names.map { .string($0) })
        case .select(let read, let write, _):
            value["read"] = .bool(read)
            value["write"] = .bool(write)
        }
        return .object(value)
    }

    /// A readiness call's recorded result.
    static func readinessOutput(_ value: JSONValue?, for call: ReadinessCall) throws(ModelError) -> Output {
        switch call {
        case .poll: .ready(try pollEvents(try value.required("revents"), field: "revents"))
        case .select:
            .selected(
                readable: try value.required("readable").boolean("readable"), writable: try value.required("writable").boolean("writable"))
        }
    }

    /// The vectors a call cut to `count` bytes in all passes (as `Syscall`'s vectored calls cut them): the leading
    /// bytes, the vectors past them dropped.
    static func prefix(of pieces: [[UInt8]], _ count: Int) -> [[UInt8]] {
        zip(pieces, prefix(of: pieces.map(\.count), count)).map { Array($0.prefix($1)) }
    }

    static func prefix(of sizes: [Int], _ count: Int) -> [Int] {
        var result: [Int] = []
        var left = count
        for size in sizes {
            guard left > 0 else { break }
            result.append(Swift.min(size, left))
            left -= Swift.min(size, left)
        }
        return result
    }

    private static func end(of call: Call) throws(ModelError) -> End {
        let name = try call.value.required("end").text("end")
        guard let end = End(rawValue: name) else {
            throw ModelError("field 'end' must be \"read\" or \"write\", not \"\(name)\"")
        }
        return end
    }

    private static func fileControl(of call: Call) throws(ModelError) -> FileControl {
        let command = try call.value.required("cmd").text("cmd")
        switch command {
        case "F_GETFL": return .getFlags
        case "F_SETFL":
            if let async = try call.value.optional("async")?.boolean("async") {
                return .setFlagsWithAsync(
                    nonblocking: try call.value.required("nonblocking").boolean("nonblocking"),
                    direct: try call.value.optional("direct")?.boolean("direct"), async: async)
            }
            return .setFlags(
                nonblocking: try call.value.required("nonblocking").boolean("nonblocking"),
                direct: try call.value.optional("direct")?.boolean("direct"))
        case "F_GETPIPE_SZ": return .getPipeSize
        case "F_SETPIPE_SZ": return .setPipeSize(try call.value.required("size").integer("size", in: -(1 << 31)...(1 << 32) - 1))
        case "F_GETFD": return .getDescriptorFlags
        case "F_SETFD":
            if let argument = try call.value.optional("arg") {
                return .setDescriptorFlags(closeOnExec: try argument.integer("arg") & 1 != 0)
            }
            return .setDescriptorFlags(closeOnExec: try call.value.required("closeOnExec").boolean("closeOnExec"))
        case "F_GETOWN": return .getOwner
        case "F_SETOWN": return .setOwner(try IOSignalsTrace.ownerArgument(of: call.value))
        case "F_GETOWN_EX": return .getOwnerEx
        case "F_SETOWN_EX":
            let owner = try IOSignalsTrace.ownerArgument(of: call.value)
            switch owner {
            case .group, .invalid: throw ModelError("field 'owner' of F_SETOWN_EX must be \"none\", \"process\", \"other\" or \"missing\" (a group is \"type\": \"pgrp\")")
            default: return .setOwnerEx(try IOSignalsTrace.ownerType(of: call.value, allowingInvalid: true), owner)
            }
        case "F_GETSIG": return .getSignal
        case "F_SETSIG": return .setSignal(try call.value.required("signal").integer("signal", in: Int(Int32.min)...Int(Int32.max)))
        case "F_DUPFD", "F_DUPFD_CLOEXEC":
            return .duplicate(
                minimum: try call.value.required("min").integer("min", in: Int(Int32.min)...Int(Int32.max)), closeOnExec: command == "F_DUPFD_CLOEXEC")
        default:
            throw ModelError("field 'cmd' must be F_GETFL, F_SETFL, F_GETPIPE_SZ, F_SETPIPE_SZ, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX, F_GETSIG or F_SETSIG, not \"\(command)\"")
        }
    }

    /// `ioctl {"end", "request": "FIONREAD" | "FIONBIO" | "FIOASYNC" | "FIOCLEX" | "FIONCLEX", "on": BOOL}` (`"on"`
    /// for `FIONBIO` and `FIOASYNC` only) (shared with the FIFO model).
    static func ioRequest(of call: Call) throws(ModelError) -> IORequest {
        let request = try call.value.required("request").text("request")
        func on() throws(ModelError) -> Bool { try call.value.required("on").boolean("on") }
        switch request {
        case "FIONREAD": return .bytesAvailable
        case "FIONBIO": return .nonblocking(try on())
        case "FIOASYNC": return .async(try on())
        case "FIOCLEX", "FIONCLEX": return .closeOnExec(request == "FIOCLEX")
        default: throw ModelError("field 'request' of ioctl must be FIONREAD, FIONBIO, FIOASYNC, FIOCLEX or FIONCLEX (another request is ENOTTY, not an operation), not \"\(request)\"")
        }
    }

    /// `dup2`'s or `dup3`'s fields (shared with the eventfd model): `sameObject` names the targets that are another of
    /// the process's descriptors of this object (a pipe's `read` and `write`, an eventfd's `eventfd`).
    static func duplicateCall(of call: Call, sameObject: KeyValuePairs<String, DuplicateTarget>) throws(ModelError) -> DuplicateCall {
        let onto = try call.value.required("onto").text("onto")
        let targets: [(String, DuplicateTarget)] = [("self", .itself), ("free", .free), ("other", .other)] + sameObject.map { ($0.key, $0.value) }
        guard let target = targets.first(where: { $0.0 == onto })?.1 else {
            throw ModelError("field 'onto' must be \(targets.map { "\"\($0.0)\"" }.joined(separator: ", ")), not \"\(onto)\"")
        }
        let number = try call.value.optional("newfd")?.integer("newfd", in: 0...Int(Int32.max))
        guard call.f == "dup3" else { return DuplicateCall(target: target, number: number) }
        var closeOnExec = false
        for element in try call.value.optional("flags")?.elements("flags") ?? [] {
            let name = try element.text("flags")
            guard name == "O_CLOEXEC" else { throw ModelError("field 'flags': unknown flag \"\(name)\" (give its bits in 'bits')") }
            closeOnExec = true
        }
        let bits = try call.value.optional("bits")?.integer("bits", in: 0...Int(UInt32.max)) ?? 0
        return DuplicateCall(target: target, number: number, closeOnExec: closeOnExec, otherBits: bits)
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            return .failed(code)
        case (.ok(let value), .write(_, let data, _)), (.ok(let value), .writeAll(_, let data, _)):
            return .wrote(try value.required("written").integer("written", in: 0...data.count))
        case (.ok(let value), .read(_, let max, _)):
            let bytes = try value.required("data").payload("data")
            guard bytes.count <= max else { throw ModelError("read returned \(bytes.count) bytes, more than max \(max)") }
            return .read(bytes)
        case (.ok, .close):
            return .closed
        case (.ok, .create):
            return .created
        case (.ok(let value), .available):
            return .available(try value.required("bytes").integer("bytes"))
        case (.ok, .exit):
            return .exited
        case (.ok(let value), .fcntl(_, _, .getFlags)):
            if let async = try value.optional("async")?.boolean("async") {
                return .asyncFlags(
                    nonblocking: try value.required("nonblocking").boolean("nonblocking"),
                    direct: try value.optional("direct")?.boolean("direct") ?? false, async: async)
            }
            return .flags(
                nonblocking: try value.required("nonblocking").boolean("nonblocking"),
                direct: try value.optional("direct")?.boolean("direct") ?? false)
        case (.ok, .fcntl(_, _, .setFlags)), (.ok, .fcntl(_, _, .setFlagsWithAsync)):
            return .flagsSet
        case (.ok(let value), .takeSignal(_, let signals, _)):
            let signal = try value.required("signal").integer("signal")
            guard signals.contains(signal) else { throw ModelError("sigtimedwait returned signal \(signal), not one of \(signals)") }
            return .signalTaken(
                TakenSignal(signal: signal, code: try value.required("code").integer("code"), band: try value.optional("band")?.integer("band") ?? 0))
        case (.ok, .fcntl(_, _, .duplicate)), (.ok, .fcntl(_, _, .duplicateOnto)):
            return .duplicated
        case (.ok(let value), .fcntl(_, _, .getDescriptorFlags)):
            return .descriptorFlags(closeOnExec: try value.required("closeOnExec").boolean("closeOnExec"))
        case (.ok, .fcntl(_, _, .setDescriptorFlags)), (.ok, .fcntl(_, _, .setOwner)), (.ok, .fcntl(_, _, .setSignal)):
            return .flagsSet
        case (.ok(let value), .fcntl(_, _, .getOwner)):
            return .owner(try IOSignalsTrace.ownerReport(of: value))
        case (.ok(let value), .fcntl(_, _, .getOwnerEx)):
            return .ownerEx(try IOSignalsTrace.ownerType(of: value, allowingInvalid: false), try IOSignalsTrace.ownerReport(of: value))
        case (.ok, .fcntl(_, _, .setOwnerEx)):
            return .flagsSet
        case (.ok(let value), .fcntl(_, _, .ioctl(.bytesAvailable))):
            return .available(try value.required("bytes").integer("bytes"))
        case (.ok, .fcntl(_, _, .ioctl)):
            return .flagsSet
        case (.ok(let value), .fcntl(_, _, .getSignal)):
            return .signal(try value.required("signal").integer("signal"))
        case (.ok(let value), .fcntl(_, _, .getPipeSize)), (.ok(let value), .fcntl(_, _, .setPipeSize)):
            return .size(try value.required("size").integer("size"))
        case (.ok(let value), .writev(_, let pieces)):
            return .wrote(try value.required("written").integer("written", in: 0...pieces.reduce(0) { $0 + $1.count }))
        case (.ok(let value), .readv(_, let sizes)):
            let bytes = try value.required("data").payload("data")
            let max = sizes.reduce(0, +)
            guard bytes.count <= max else { throw ModelError("readv returned \(bytes.count) bytes, more than its buffers' \(max)") }
            return .read(bytes)
        case (.ok(let value), .status):
            return try Self.statusOutput(value)
        case (.ok(let value), .readiness(_, _, let call)):
            return try Self.readinessOutput(value, for: call)
        case (.ok(let value), .splice(_, let splice)):
            return try Self.spliceOutput(value, for: splice)
        case (.ok, .epoll(_, .control)), (.ok, .epoll(_, .misdirected(.control))):
            return .epollControlled
        case (.ok(let value), .epoll(_, .wait)), (.ok(let value), .nestedEpoll(_, .wait)), (.ok(let value), .epoll(_, .misdirected(.wait))):
            return Self.epollOutput(try Self.nestedEpollReports(value))
        case (.ok, .nestedEpoll(_, .control)):
            return .epollControlled
        case (.ok(let value), .nestedEpoll(_, .create)):
            return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok, .nestedEpoll(_, .close)):
            return .closed
        case (.ok(let value), .epoll(_, .create)):
            return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok(let value), .unseekable):
            let field = try value.optional("position") == nil ? "count" : "position"
            return .positioned(try value.required(field).integer(field))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .write(_, let data, let nonblocking):
            var value: JSONObject = ["data": Payload.json(data)]
            if nonblocking { value["nonblocking"] = true }
            return ("write", .object(value))
        case .writeAll(_, let data, _):
            return ("write-all", ["data": Payload.json(data)])
        case .read(_, let max, let nonblocking):
            var value: JSONObject = ["max": .int(max)]
            if nonblocking { value["nonblocking"] = true }
            return ("read", .object(value))
        case .close(_, let end):
            return ("close", ["end": .string(end.rawValue)])
        case .available:
            return ("available", nil)
        case .exit:
            return ("exit", nil)
        case .fcntl(_, let end, let command):
            var value: JSONObject = ["end": .string(end.rawValue)]
            switch command {
            case .ioctl(let request):
                value["request"] = .string(request.name)
                if case .nonblocking(let on) = request { value["on"] = .bool(on) }
                if case .async(let on) = request { value["on"] = .bool(on) }
                return ("ioctl", .object(value))
            case .getFlags: value["cmd"] = "F_GETFL"
            case .setFlags(let nonblocking, let direct):
                value["cmd"] = "F_SETFL"
                value["nonblocking"] = .bool(nonblocking)
                if let direct { value["direct"] = .bool(direct) }
            case .setFlagsWithAsync(let nonblocking, let direct, let async):
                value["cmd"] = "F_SETFL"
                value["nonblocking"] = .bool(nonblocking)
                if let direct { value["direct"] = .bool(direct) }
                value["async"] = .bool(async)
            case .getPipeSize: value["cmd"] = "F_GETPIPE_SZ"
            case .setPipeSize(let size):
                value["cmd"] = "F_SETPIPE_SZ"
                value["size"] = .int(size)
            case .duplicate(nil, _):
                return ("dup", .object(value))
            case .duplicate(let minimum?, let closeOnExec):
                value["cmd"] = .string(closeOnExec ? "F_DUPFD_CLOEXEC" : "F_DUPFD")
                value["min"] = .int(minimum)
            case .getDescriptorFlags: value["cmd"] = "F_GETFD"
            case .setDescriptorFlags(let closeOnExec):
                value["cmd"] = "F_SETFD"
                value["closeOnExec"] = .bool(closeOnExec)
            case .duplicateOnto(let call):
                call.addFields(to: &value)
                return (call.name, .object(value))
            case .getOwner: value["cmd"] = "F_GETOWN"
            case .getOwnerEx: value["cmd"] = "F_GETOWN_EX"
            case .setOwnerEx(let type, let owner):
                value["cmd"] = "F_SETOWN_EX"
                value["type"] = type.json
                switch owner {
                case .process(let process), .group(let process):
                    value["owner"] = "process"
                    value["process"] = .int(process)
                case .other: value["owner"] = "other"
                case .missing: value["owner"] = "missing"
                case .none, .invalid: value["owner"] = "none"
                }
            case .setOwner(let owner):
                value["cmd"] = "F_SETOWN"
                switch owner {
                case .none: value["owner"] = "none"
                case .other: value["owner"] = "other"
                case .missing: value["owner"] = "missing"
                case .invalid: value["owner"] = "INT_MIN"
                case .process(let process):
                    value["owner"] = "process"
                    value["process"] = .int(process)
                case .group(let process):
                    value["owner"] = "group"
                    value["process"] = .int(process)
                }
            case .getSignal: value["cmd"] = "F_GETSIG"
            case .setSignal(let signal):
                value["cmd"] = "F_SETSIG"
                value["signal"] = .int(signal)
            }
            return ("fcntl", .object(value))
        case .unseekable(_, let end, let unseekable):
            var value: JSONObject = ["end": .string(end.rawValue)]
            switch unseekable {
            case .lseek: break
            case .pread(let max, _): value["max"] = .int(max)
            case .pwrite(let data, _): value["data"] = Payload.json(data)
            }
            unseekable.position.record(into: &value, whence: unseekable.readsWhence)
            return (unseekable.name, .object(value))
        case .readiness(_, let end, let readiness):
            return (readiness.name, Self.readinessValue(readiness, end: end))
        case .status(_, let end):
            return ("fstat", ["end": .string(end.rawValue)])
        case .create(_, let flags):
            guard flags.flagged else { return ("pipe", nil) }
            var names: [JSONValue] = []
            if flags.nonblocking { names.append("O_NONBLOCK") }
            if flags.direct { names.append("O_DIRECT") }
            if flags.closeOnExec { names.append("O_CLOEXEC") }
            var value: JSONObject = ["flags": .array(names)]
            if flags.otherBits != 0 { value["bits"] = .int(flags.otherBits) }
            return ("pipe2", .object(value))
        case .writev(_, let pieces):
            return ("writev", ["iov": .array(pieces.map { Payload.json($0) })])
        case .readv(_, let sizes):
            return ("readv", ["iov": .array(sizes.map { .int($0) })])
        case .splice(_, let splice):
            return Self.spliceValue(splice)
        case .epoll(_, let epoll):
            return (epoll.name, Self.epollValue(epoll))
        case .nestedEpoll(_, let epoll):
            return (epoll.name, Self.nestedEpollValue(epoll))
        case .takeSignal(_, let signals, let wait):
            var value: JSONObject = ["signals": .array(signals.map { .int($0) })]
            if wait { value["timeout"] = -1 }
            return ("sigtimedwait", .object(value))
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .wrote(let count): .ok(["written": .int(count)])
        case .read(let bytes): .ok(["data": Payload.json(bytes)])
        case .closed, .exited, .created: .ok(nil)
        case .available(let count): .ok(["bytes": .int(count)])
        case .flags(let nonblocking, let direct): .ok(["nonblocking": .bool(nonblocking), "direct": .bool(direct)])
        case .size(let size): .ok(["size": .int(size)])
        case .flagsSet, .duplicated: .ok(nil)
        case .descriptorFlags(let closeOnExec): .ok(["closeOnExec": .bool(closeOnExec)])
        case .owner(.process(let process)): .ok(["owner": "process", "process": .int(process)])
        case .owner(let report): .ok(["owner": .string(report == .none ? "none" : report == .group ? "group" : "other")])
        case .ownerEx(let type, let report):
            .ok(.object({
                guard case .ok(let value) = outcome(for: .owner(report)), case .object(var fields)? = value else { return JSONObject() }
                fields["type"] = type.json
                return fields
            }()))
        case .signal(let signal): .ok(["signal": .int(signal)])
        case .positioned(let count): .ok(["position": .int(count)])
        case .moved(let count): .ok(["count": .int(count)])
        case .ready(let events): .ok(["revents": .array(events.names.map { .string($0) })])
        case .selected(let readable, let writable): .ok(["readable": .bool(readable), "writable": .bool(writable)])
        case .status(let type, let mode, let size): .ok(["type": .string(type), "mode": Permissions.text(ofMode: mode), "size": .int(size)])
        case .epollControlled: .ok(nil)
        case .epollCreated(let closeOnExec): .ok(closeOnExec.map { ["closeOnExec": .bool($0)] })
        case .epollEvents(let reports):
            .ok(["events": .array(reports.map { ["end": .string($0.end.rawValue), "events": .array($0.events.names.map { .string($0) })] })])
        case .nestedEpollEvents(let reports): .ok(NestedEpoll.outcomeValue(reports))
        case .asyncFlags(let nonblocking, let direct, let async):
            .ok(["nonblocking": .bool(nonblocking), "direct": .bool(direct), "async": .bool(async)])
        case .signalTaken(let taken): .ok(["signal": .int(taken.signal), "code": .int(taken.code), "band": .int(taken.band)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }

    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? {
        let own: Int
        switch input {
        case .write(_, let data, _), .writeAll(_, let data, _): own = data.count
        case .read(_, let max, _): own = max
        case .writev(_, let pieces): own = pieces.reduce(0) { $0 + $1.count }
        case .readv(_, let sizes): own = sizes.reduce(0, +)
        case .close, .available, .exit, .fcntl, .unseekable, .readiness, .status, .create, .splice, .epoll, .nestedEpoll, .takeSignal: return nil
        }
        if let requested, requested != own { return nil }
        return switch input {
        case .write(let process, let data, let nonblocking): .write(process: process, data: Array(data.prefix(count)), nonblocking: nonblocking)
        case .read(let process, let max, let nonblocking): .read(process: process, max: Swift.min(max, count), nonblocking: nonblocking)
        case .writeAll(let process, let data, nil): .writeAll(process: process, data: data, firstCall: Swift.min(count, data.count))
        case .writev(let process, let pieces): .writev(process: process, pieces: Self.prefix(of: pieces, count))
        case .readv(let process, let sizes): .readv(process: process, sizes: Self.prefix(of: sizes, count))
        case .writeAll, .close, .available, .exit, .fcntl, .unseekable, .readiness, .status, .create, .splice, .epoll, .nestedEpoll, .takeSignal: nil
        }
    }
}

extension PipeModel.DescriptorLimit {
    /// An object's `"descriptorLimits"` (`[{"process": 1, "free": 5, "limit": 64}]`), none when absent.
    static func list(from setup: JSONValue?) throws(ModelError) -> [Self] {
        try setup.optional("descriptorLimits")?.elements("descriptorLimits").map { (element) throws(ModelError) -> Self in
            let entry: JSONValue? = element
            let limit = try entry.required("limit").integer("limit", in: 1...1 << 30)
            return Self(
                process: try entry.required("process").integer("process"), free: try entry.required("free").integer("free", in: 0...limit),
                limit: limit)
        } ?? []
    }

    /// `limits` in their trace form.
    static func json(_ limits: [Self]) -> JSONValue {
        .array(limits.map { ["process": .int($0.process), "free": .int($0.free), "limit": .int($0.limit)] })
    }
}

extension PipeModel.DuplicateCall {
    /// `dup2`'s or `dup3`'s fields in a trace (shared with the eventfd model): `onto`, `newfd`, `flags`, `bits`.
    func addFields(to value: inout JSONObject) {
        value["onto"] = .string(target.description)
        if let number { value["newfd"] = .int(number) }
        if closeOnExec == true { value["flags"] = ["O_CLOEXEC"] }
        if otherBits != 0 { value["bits"] = .int(otherBits) }
    }
}
