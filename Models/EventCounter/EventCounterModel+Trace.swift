// The eventfd model's trace form (documented in traces/README.md):
//
//   f       invoke value                               ok value                fail error
//   write   {"value": U64, "size": INT?}               {"written": 8}          EAGAIN, EINVAL, EBADF, EINTR (asleep)
//   read    {"size": INT?}                             {"value": U64}          EAGAIN, EINVAL, EBADF, EINTR (asleep)
//   close   (none)                                     (none)                  EBADF
//   fcntl   {"cmd": "F_GETFL"}                         {"nonblocking": BOOL}   EBADF
//           {"cmd": "F_SETFL", "nonblocking": BOOL}    (none)                  EBADF
//   lseek   {"offset": INT?, "whence": INT | "SEEK_SET" | … | "SEEK_HOLE"?}   {"position": 0}   EBADF, EINVAL
//   pread   {"size": INT?, "offset": INT?}             (never)                 EINVAL, EBADF, ESPIPE
//   pwrite  {"size": INT?, "offset": INT?}             (never)                 EINVAL, EBADF, ESPIPE
//           (FilePosition: absent "offset" 0, "whence" SEEK_CUR; the errors in the order the kernel checks them)
//   ioctl   {"request": "FIONREAD"|"FIOCLEX"|"FIONCLEX"}    (none)             ENOTTY (FIONREAD), EBADF
//           {"request": "FIONBIO"|"FIOASYNC", "on": BOOL}  (none)             ENOTTY (FIOASYNC on), EBADF
//   poll    {"events": ["POLLIN", ...], "timeout": MS} {"revents": [...]}     EINTR (nothing ready)
//   select  {"read": BOOL?, "write": BOOL?, "timeout": MS}  {"readable": BOOL, "writable": BOOL}  EBADF, EINTR
//   eventfd_read, eventfd_write: glibc's wrappers, an 8-byte read and write; read and write in the model
//   eventfd_signal (none)                              (none)                  EBADF
//           the kernel's eventfd_signal on the process's descriptor (an AIO completion of an iocb with
//           IOCB_FLAG_RESFD, io_uring's registered eventfd): adds 1, up to 2^64 - 1 (then POLLERR)
//   epoll_ctl, epoll_wait: see EventCounterModel+EpollTrace.swift
//
// U64 is a JSON integer, or a decimal string for values above 2^63 − 1 (JSON integers here are 64-bit signed).
//           {"cmd": "F_GETFD"}                         {"closeOnExec": BOOL}   EBADF
//           {"cmd": "F_SETFD", "closeOnExec": BOOL}    (or "arg": INT)   (none)   EBADF
//           {"cmd": "F_DUPFD" | "F_DUPFD_CLOEXEC", "min": INT}   (none)   EBADF, EINVAL, EMFILE
//   dup     (none)                                     (none)                  EBADF, EMFILE
//   dup2    {"onto": "self" | "free" | "other" | "eventfd", "newfd": INT?}   (none)   EBADF ("eventfd": another of the
//           process's descriptors of this eventfd, which the call closes; the rest as the pipe model's dup2)
//   dup3    as dup2, plus "flags": ["O_CLOEXEC"]?, "bits": INT?   (none)   EINVAL, EBADF
// params: {"objects": {"e0": {"initial": 0, "semaphore": false, "nonblocking": true, "holders": [1, 2],
//          "closeOnExec": BOOL (optional: every holder's descriptor's FD_CLOEXEC; absent: not known)}}}
//   or {"holders": [], "createdBy": P}: an eventfd P makes during the run (EventCounterModel+Creation.swift):
//   eventfd {"initial": U32?, "flags": ["EFD_SEMAPHORE", "EFD_NONBLOCK", "EFD_CLOEXEC"]?, "bits": INT?}   (none)
//           EINVAL (other bits), EMFILE
extension EventCounterModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var counters: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "eventfd") {
            let initial = try setup.optional("initial")?.unsigned64("initial") ?? 0
            guard initial <= UInt64(UInt32.max) else {
                throw ModelError("eventfd '\(name)': field 'initial' is \(initial); eventfd(2) takes an unsigned int")
            }
            let createdBy = try setup.optional("createdBy")?.integer("createdBy", in: 1...10_000)
            let holderCount = try setup.required("holders").elements("holders").count
            var flagsGiven = false
            for field in ["semaphore", "nonblocking", "closeOnExec", "sharedEpoll"] where try setup.optional(field) != nil { flagsGiven = true }
            if createdBy != nil, holderCount != 0 || initial != 0 || flagsGiven {
                throw ModelError("eventfd '\(name)': one made during the run ('createdBy') starts with no holders, count or flags: its eventfd call gives them")
            }
            counters.append((name, Setup(
                initial: initial,
                semaphore: try setup.optional("semaphore")?.boolean("semaphore") ?? false,
                nonblocking: try setup.optional("nonblocking")?.boolean("nonblocking") ?? false,
                holders: try setup.required("holders").elements("holders").map { (value) throws(ModelError) in
                    try value.integer("holders")
                },
                closeOnExec: try setup.optional("closeOnExec")?.boolean("closeOnExec"),
                sharedEpoll: try Self.sharedEpoll(setup, name: name), createdBy: createdBy)))
        }
        self.init(counters: counters)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var object: JSONObject = [
                "initial": Self.json(setup.initial), "semaphore": .bool(setup.semaphore),
                "nonblocking": .bool(setup.nonblocking), "holders": .array(setup.holders.map { .int($0) }),
            ]
            if let closeOnExec = setup.closeOnExec { object["closeOnExec"] = .bool(closeOnExec) }
            if !setup.sharedEpoll.isEmpty { object["sharedEpoll"] = .array(setup.sharedEpoll.map { .array($0.map { .int($0) }) }) }
            if let creator = setup.createdBy {
                object = ["holders": [], "createdBy": .int(creator)]
            }
            objects[name] = .object(object)
        }
        return ["objects": .object(objects)]
    }

    /// `"sharedEpoll": [[1, 2]]`: holders sharing one implicit instance, each in one group at most.
    static func sharedEpoll(_ setup: JSONValue?, name: String) throws(ModelError) -> [[Int]] {
        let groups = try setup.optional("sharedEpoll")?.elements("sharedEpoll").map { (group) throws(ModelError) in
            try group.elements("sharedEpoll").map { (process) throws(ModelError) in try process.integer("sharedEpoll") }
        } ?? []
        let holders = try setup.required("holders").elements("holders").map { (value) throws(ModelError) in try value.integer("holders") }
        for member in groups.joined() where !holders.contains(member) {
            throw ModelError("eventfd '\(name)': process \(member) of 'sharedEpoll' (one epoll instance, inherited through fork, or a thread) must be a holder")
        }
        if Set(groups.joined()).count != groups.joined().count {
            throw ModelError("eventfd '\(name)': a process appears twice in 'sharedEpoll'")
        }
        return groups
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        // A buffer's size (epoll_create's "size" is its own: any int).
        let size = call.f == "epoll_create" ? 8 : try call.value.optional("size")?.integer("size", in: 0...64) ?? 8
        switch call.f {
        case "write":
            return .write(process: call.process, value: try call.value.required("value").unsigned64("value"), size: size)
        case "read":
            return .read(process: call.process, size: size)
        case "eventfd_read":
            // glibc's `read(fd, &value, 8) != 8 ? -1 : 0`: the same call, the same errno.
            return .read(process: call.process, size: 8)
        case "eventfd_write":
            return .write(process: call.process, value: try call.value.required("value").unsigned64("value"), size: 8)
        case "poll", "select":
            return .readiness(process: call.process, call: try PipeModel.readinessCall(of: call))
        case "close":
            if let nested = try Self.nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .close(process: call.process)
        case "fcntl":
            let command = try call.value.required("cmd").text("cmd")
            switch command {
            case "F_GETFL": return .fcntl(process: call.process, setNonblocking: nil)
            case "F_SETFL":
                return .fcntl(process: call.process, setNonblocking: try call.value.required("nonblocking").boolean("nonblocking"))
            case "F_GETFD": return .descriptorFlags(process: call.process, setCloseOnExec: nil)
            case "F_SETFD":
                if let argument = try call.value.optional("arg") {
                    return .descriptorFlags(process: call.process, setCloseOnExec: try argument.integer("arg") & 1 != 0)
                }
                return .descriptorFlags(process: call.process, setCloseOnExec: try call.value.required("closeOnExec").boolean("closeOnExec"))
            case "F_DUPFD", "F_DUPFD_CLOEXEC":
                return .duplicate(
                    process: call.process, minimum: try call.value.required("min").integer("min", in: Int(Int32.min)...Int(Int32.max)),
                    closeOnExec: command == "F_DUPFD_CLOEXEC")
            default: throw ModelError("field 'cmd' must be F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD or F_DUPFD_CLOEXEC, not \"\(command)\"")
            }
        case "dup":
            return .duplicate(process: call.process, minimum: nil, closeOnExec: false)
        case "dup2", "dup3":
            return .duplicateOnto(process: call.process, call: try PipeModel.duplicateCall(of: call, sameObject: ["eventfd": .same]))
        case "lseek":
            return .lseek(process: call.process, at: try FilePosition.parse(call.value, whence: true))
        case "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_create", "epoll_create1":
            if let nested = try Self.nestedEpollCall(of: call) {
                if setup(of: call.object).sharedEpoll.contains(where: { $0.count > 1 && $0.contains(call.process) }) {
                    throw ModelError("kept epoll instances of a process in a 'sharedEpoll' group are not followed (which sharer's instance holds what)")
                }
                return .nestedEpoll(process: call.process, call: nested)
            }
            return .epoll(process: call.process, call: try Self.epollCall(of: call))
        case "eventfd_signal":
            // The kernel's eventfd_signal on the process's descriptor (an AIO completion with IOCB_FLAG_RESFD, ...).
            return .signal(process: call.process)
        case "pread":
            return .pread(process: call.process, size: size, at: try FilePosition.parse(call.value, whence: false))
        case "pwrite":
            return .pwrite(process: call.process, size: size, at: try FilePosition.parse(call.value, whence: false))
        case "ioctl":
            let request = try call.value.required("request").text("request")
            switch request {
            case "FIONREAD": return .ioctl(process: call.process, request: .fionread)
            case "FIOCLEX": return .ioctl(process: call.process, request: .fioclex)
            case "FIONCLEX": return .ioctl(process: call.process, request: .fionclex)
            case "FIONBIO": return .ioctl(process: call.process, request: .fionbio(try call.value.required("on").boolean("on")))
            case "FIOASYNC": return .ioctl(process: call.process, request: .fioasync(try call.value.required("on").boolean("on")))
            default: throw ModelError("field 'request' must be FIONREAD, FIONBIO, FIOASYNC, FIOCLEX or FIONCLEX, not \"\(request)\"")
            }
        case "eventfd":
            guard setup(of: call.object).createdBy != nil else {
                throw ModelError("eventfd '\(call.object)' was made before the trace: an 'eventfd' call would make another; a setup with 'createdBy' names the process that makes it")
            }
            return try Self.creation(of: call)
        default:
            throw ModelError("the eventfd model has no operation '\(call.f)' (it has eventfd, write, read, eventfd_write, eventfd_read, eventfd_signal, close, fcntl, dup, dup2, dup3, lseek, pread, pwrite, ioctl, poll, select, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create and epoll_create1)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .write):
            // glibc's eventfd_write returns 0, not a count: a success without one is the 8 bytes every success writes.
            return .wrote(try value.optional("written")?.integer("written", in: 0...64) ?? 8)
        case (.ok(let value), .read): return .read(try value.required("value").unsigned64("value"))
        case (.ok, .close), (.ok, .exit): return .closed
        case (.ok, .create): return .created
        case (.ok(let value), .fcntl(_, nil)): return .flags(nonblocking: try value.required("nonblocking").boolean("nonblocking"))
        case (.ok, .fcntl), (.ok, .ioctl), (.ok, .descriptorFlags(_, _?)), (.ok, .signal): return .flagsSet
        case (.ok(let value), .descriptorFlags(_, nil)): return .closeOnExec(try value.required("closeOnExec").boolean("closeOnExec"))
        case (.ok, .duplicate), (.ok, .duplicateOnto): return .duplicated
        case (.ok, .epoll(_, .control)), (.ok, .epoll(_, .misdirected(.control))): return .epollControlled
        case (.ok(let value), .epoll(_, .misdirected(.wait))): return .epollEvents(try Self.epollReports(value))
        case (.ok(let value), .epoll(_, .wait)): return try Self.nestedEpollOutput(value)  // a report may name an instance
        case (.ok(let value), .nestedEpoll(_, .wait)): return try Self.nestedEpollOutput(value)
        case (.ok, .nestedEpoll(_, .control)): return .epollControlled
        case (.ok(let value), .nestedEpoll(_, .create)): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok, .nestedEpoll(_, .close)): return .closed
        case (.ok(let value), .epoll(_, .create)): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok(let value), .readiness(_, .poll)):
            return .ready(try PipeModel.pollEvents(try value.required("revents"), field: "revents"))
        case (.ok(let value), .readiness(_, .select)):
            return .selected(
                readable: try value.required("readable").boolean("readable"),
                writable: try value.required("writable").boolean("writable"))
        case (.ok(let value), .lseek), (.ok(let value), .pread), (.ok(let value), .pwrite):
            // A success of pread or pwrite never happens; read it as lseek's, so a trace that records one is judged.
            let field = try value.optional("position") == nil ? "count" : "position"
            return .position(try value.required(field).integer(field))
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .write(_, let value, let size):
            var object: JSONObject = ["value": Self.json(value)]
            if size != 8 { object["size"] = .int(size) }
            return ("write", .object(object))
        case .read(_, let size):
            return ("read", size == 8 ? nil : ["size": .int(size)])
        case .close:
            return ("close", nil)
        case .fcntl(_, nil):
            return ("fcntl", ["cmd": "F_GETFL"])
        case .fcntl(_, let on?):
            return ("fcntl", ["cmd": "F_SETFL", "nonblocking": .bool(on)])
        case .lseek(_, let position):
            var value: JSONObject = [:]
            position.record(into: &value, whence: true)
            return ("lseek", value.members.isEmpty ? nil : .object(value))
        case .pread(_, let size, let position):
            return ("pread", Self.positionedValue(size: size, at: position))
        case .readiness(_, let readinessCall):
            return (readinessCall.name, PipeModel.readinessValue(readinessCall))
        case .pwrite(_, let size, let position):
            return ("pwrite", Self.positionedValue(size: size, at: position))
        case .ioctl(_, let request):
            switch request {
            case .fionbio(let on), .fioasync(let on): return ("ioctl", ["request": .string(request.name), "on": .bool(on)])
            default: return ("ioctl", ["request": .string(request.name)])
            }
        case .descriptorFlags(_, nil):
            return ("fcntl", ["cmd": "F_GETFD"])
        case .descriptorFlags(_, let on?):
            return ("fcntl", ["cmd": "F_SETFD", "closeOnExec": .bool(on)])
        case .duplicate(_, nil, _):
            return ("dup", nil)
        case .duplicate(_, let minimum?, let closeOnExec):
            return ("fcntl", ["cmd": .string(closeOnExec ? "F_DUPFD_CLOEXEC" : "F_DUPFD"), "min": .int(minimum)])
        case .duplicateOnto(_, let duplicateCall):
            var value = JSONObject()
            duplicateCall.addFields(to: &value)
            return (duplicateCall.name, .object(value))
        case .epoll(_, let epollCall):
            return (epollCall.name, Epoll.value(ofSingleTarget: epollCall))
        case .nestedEpoll(_, let nested):
            return (nested.name, NestedEpoll.value(of: nested, field: "target"))
        case .exit:
            return ("exit", nil)
        case .signal:
            return ("eventfd_signal", nil)
        case .create(_, let initial, let flags):
            return ("eventfd", Self.creationValue(initial: initial, flags: flags))
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .wrote(let count): .ok(["written": .int(count)])
        case .read(let value): .ok(["value": Self.json(value)])
        case .closed, .flagsSet, .duplicated, .epollControlled, .created: .ok(nil)
        case .epollEvents(let reports): .ok(Epoll.outcomeValue(ofSingleTarget: reports))
        case .nestedEpollEvents(let reports): .ok(NestedEpoll.outcomeValue(reports, field: "target"))
        case .epollCreated(let closeOnExec): .ok(closeOnExec.map { ["closeOnExec": .bool($0)] })
        case .closeOnExec(let on): .ok(["closeOnExec": .bool(on)])
        case .flags(let nonblocking): .ok(["nonblocking": .bool(nonblocking)])
        case .position(let position): .ok(["position": .int(position)])
        case .ready(let events): .ok(["revents": .array(events.names.map { .string($0) })])
        case .selected(let readable, let writable): .ok(["readable": .bool(readable), "writable": .bool(writable)])
        case .failed(let code): .fail(code)
        }
    }

    /// A process's death closes its descriptors (the count stays while anyone holds the eventfd): what the last
    /// close releases matters to epoll registrations (measured in `eventfd-epoll` runs: a registration's reports end
    /// once every holder has exited).
    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }

    /// A read or write the fault plan cut to `count` bytes passes that buffer size: below 8 the kernel refuses it
    /// (`EINVAL`).
    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? {
        switch input {
        case .write(let process, let value, let size) where requested == nil || requested == size:
            .write(process: process, value: value, size: Swift.min(size, count))
        case .read(let process, let size) where requested == nil || requested == size:
            .read(process: process, size: Swift.min(size, count))
        default: nil
        }
    }

    /// A 64-bit unsigned value in trace form: an integer when it fits, else its decimal digits as a string.
    public static func json(_ value: UInt64) -> JSONValue {
        value <= UInt64(Int64.max) ? .integer(Int64(value)) : .string(String(value))
    }
}

extension EventCounterModel.Input {
    public var process: Int {
        switch self {
        case .write(let process, _, _), .read(let process, _), .close(let process), .fcntl(let process, _),
            .lseek(let process, _), .pread(let process, _, _), .readiness(let process, _), .pwrite(let process, _, _),
            .ioctl(let process, _), .descriptorFlags(let process, _), .duplicate(let process, _, _), .duplicateOnto(let process, _),
            .epoll(let process, _), .nestedEpoll(let process, _), .exit(let process), .signal(let process),
            .create(let process, _, _):
            process
        }
    }
}

extension JSONValue {
    /// This value as a `UInt64`: a non-negative integer, or a string of decimal digits (for values above 2^63 − 1).
    public func unsigned64(_ field: String) throws(ModelError) -> UInt64 {
        switch self {
        case .integer(let value) where value >= 0: return UInt64(value)
        case .string(let text):
            guard let value = UInt64(text) else { throw ModelError("field '\(field)' is \"\(text)\", not a decimal 64-bit unsigned integer") }
            return value
        default:
            throw ModelError("field '\(field)' must be a non-negative integer or a decimal string, not \(typeName)")
        }
    }
}

extension EventCounterModel {
    /// The value of a `pread` or `pwrite`: the buffer's size unless 8, the offset unless 0 (none: the harness's own call).
    static func positionedValue(size: Int, at position: FilePosition) -> JSONValue? {
        var value: JSONObject = [:]
        if size != 8 { value["size"] = .int(size) }
        position.record(into: &value, whence: false)
        return value.members.isEmpty ? nil : .object(value)
    }
}
