// The FIFO model's trace form (documented in traces/README.md): the pipe model's read, write and close, plus open
// and chmod.
//
//   f       invoke value                                        ok value            fail error
//   open    {"end": "read" | "write" | "readwrite",             (none)              EACCES, ENXIO
//            "nonblocking": BOOL?,   ("readwrite": O_RDWR, one description for both ends)
//            "async": BOOL?}         (O_ASYNC: F_GETFL reports it for good; never signalled, see FIFOModel+Async.swift)
//   write   {"data": PAYLOAD, "nonblocking": BOOL?}             {"written": INT}    EAGAIN, EPIPE, EBADF
//   read    {"max": INT, "nonblocking": BOOL?}                  {"data": PAYLOAD}   EAGAIN, EBADF
//   close   {"end": "read" | "write"}                           (none)              EBADF
//   chmod   {"mode": INT}                                       (none)              EPERM, ENOENT
//   unlink  (none)                                              (none)              ENOENT, EACCES
//   mkfifo  {"mode": INT (0…07777), "umask": INT?,               {"mode": INT}       EEXIST, ENOENT, EACCES
//            "missingDirectory": BOOL?}
//   mknod, mknodat, mkfifoat, fchmod, chown, lchown, fchown: see FIFOModel+CreationTrace.swift
//   lseek, pread, pwrite: as on a pipe (ESPIPE)
//   poll, select: as on a pipe
//   fcntl   as on a pipe: F_GETFL, F_SETFL (with O_ASYNC), F_GETPIPE_SZ, F_SETPIPE_SZ, F_GETFD, F_SETFD, F_GETOWN,
//           F_SETOWN, F_GETOWN_EX, F_SETOWN_EX, F_GETSIG, F_SETSIG, F_DUPFD, F_DUPFD_CLOEXEC, each on the latest open
//   dup, dup2, dup3: as on a pipe ({"end": E}, dup2/dup3's "onto": "self" | "free" | "other" | "read" | "write")
//   sigtimedwait: as on a pipe (the I/O signals O_ASYNC sent the process)
//   writev, readv: as on a pipe
//   epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create, epoll_create1: as on a pipe ({"end": E}: the latest open of E; see FIFOModel+Epoll.swift),
//           kept instances too ("keep", "instance", an instance as "end"; see FIFOModel+NestedEpoll.swift)
//   close   {"instance": NAME}: a kept epoll instance's
//   epoll_wait, epoll_pwait, epoll_pwait2 by a member of a "sharedEpoll" group: on the group's one instance, each
//           reported event naming whose open it is: {"events": [{"process": P, "end": E, "events": [...]}, ...]}
//           (FIFOModel+SharedEpoll.swift); such a member's kept instances are refused
//   fstat   as on a pipe ({"mode": the FIFO's mode now})
//   available (none)                                            {"bytes": INT}      EBADF (FIONREAD on the read end)
//
// params: {"pageSize": 4096, "objects": {"f0": {"capacity": 65536, "mode": 438, "owner": 3, "privileged": [3],
//          "descriptorLimits": [{"process": 1, "free": 5, "limit": 64}], "closeOnExec": BOOL}}} (descriptorLimits as a
//          pipe's: an open takes a number, a close gives one back; without a process's entry, EMFILE may always happen;
//          closeOnExec: whether every open is made with O_CLOEXEC — absent, F_GETFD may report either until known);
//          "sharedEpoll": [[1, 2]] (optional): processes whose implicit epoll instance for the FIFO is one;
//          "userPages": as a pipe's (optional; capacity then 65536): the first opener's buffer (FIFOModel+UserPages.swift).
// Nobody has a FIFO open at the start. Without "privileged", every process passes permission checks.
extension FIFOModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let pageSize = try parameters.optional("pageSize")?.integer("pageSize", in: 64...1 << 20) ?? 4096
        guard pageSize & (pageSize - 1) == 0 else { throw ModelError("field 'pageSize' must be a power of two") }
        var fifos: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "fifo") {
            let capacity = try setup.optional("capacity")?.integer("capacity", in: pageSize...1 << 30) ?? 65536
            guard capacity % pageSize == 0 else {
                throw ModelError("FIFO '\(name)': capacity \(capacity) is not a multiple of the page size")
            }
            let sharedEpoll = try setup.optional("sharedEpoll")?.elements("sharedEpoll").map { (group) throws(ModelError) in
                try group.elements("sharedEpoll").map { (process) throws(ModelError) in try process.integer("sharedEpoll", in: 1...10_000) }
            } ?? []
            guard Set(sharedEpoll.joined()).count == sharedEpoll.joined().count else {
                throw ModelError("FIFO '\(name)': a process appears twice in 'sharedEpoll' (each process has one implicit instance)")
            }
            let userPages = try PipeUserPages.parse(setup, pipe: name)
            guard userPages == nil || capacity == PipeUserPages.defaultSlots * pageSize else {
                throw ModelError("FIFO '\(name)': with 'userPages' the first opener's buffer gets its size from the kernel's rule (16 pages or 2): give no other 'capacity'")
            }
            fifos.append((name, Setup(
                capacity: capacity, mode: try setup.optional("mode")?.integer("mode", in: 0...0o7777) ?? 0o600,
                owner: try setup.optional("owner")?.integer("owner", in: 1...10_000),
                privileged: try setup.optional("privileged") == nil ? nil : try setup.processes("privileged"),
                descriptorLimits: try PipeModel.DescriptorLimit.list(from: setup),
                closeOnExec: try setup.optional("closeOnExec")?.boolean("closeOnExec"), sharedEpoll: sharedEpoll, userPages: userPages)))
        }
        self.init(pageSize: pageSize, fifos: fifos)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var entry: JSONObject = ["capacity": .int(setup.capacity), "mode": .int(setup.mode)]
            if let owner = setup.owner { entry["owner"] = .int(owner) }
            if let privileged = setup.privileged { entry["privileged"] = .array(privileged.map { .int($0) }) }
            if !setup.descriptorLimits.isEmpty { entry["descriptorLimits"] = PipeModel.DescriptorLimit.json(setup.descriptorLimits) }
            if let closeOnExec = setup.closeOnExec { entry["closeOnExec"] = .bool(closeOnExec) }
            if !setup.sharedEpoll.isEmpty { entry["sharedEpoll"] = .array(setup.sharedEpoll.map { .array($0.map { .int($0) }) }) }
            if let userPages = setup.userPages { entry["userPages"] = userPages.json }
            objects[name] = .object(entry)
        }
        return ["pageSize": .int(pipes.pageSize), "objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        if call.f == "chmod" {
            return .chmod(process: call.process, mode: try call.value.required("mode").integer("mode", in: 0...0o7777))
        }
        if let input = try Self.creationInput(from: call) { return input }
        if let input = try Self.ownershipInput(from: call) { return input }
        if call.f == "unlink" { return .unlink(process: call.process) }
        if call.f == "mkfifo" {
            return .mkfifo(
                process: call.process, mode: try call.value.required("mode").integer("mode", in: 0...0o7777),
                umask: try call.value.optional("umask")?.integer("umask", in: 0...0o777) ?? 0,
                missingDirectory: try call.value.optional("missingDirectory")?.boolean("missingDirectory") ?? false)
        }
        if call.f == "open" {
            let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
            let async = try call.value.optional("async")?.boolean("async") ?? false
            if try call.value.required("end").text("end") == "readwrite" {
                return .openReadWrite(process: call.process, nonblocking: nonblocking, async: async)
            }
            return .open(process: call.process, end: try Self.end(call.value), nonblocking: nonblocking, async: async)
        }
        guard call.f != "write-all" else { throw ModelError("the fifo model has no operation 'write-all'") }
        do throws(ModelError) {
            switch try pipes.input(from: call) {
            case .write(let process, let data, let nonblocking): return .write(process: process, data: data, nonblocking: nonblocking)
            case .read(let process, let max, let nonblocking): return .read(process: process, max: max, nonblocking: nonblocking)
            case .close(let process, let end): return .close(process: process, end: end)
            case .unseekable(let process, let end, let call): return .unseekable(process: process, end: end, call: call)
            case .readiness(let process, let end, let call): return .readiness(process: process, end: end, call: call)
            case .fcntl(let process, let end, let command):
                switch command {
                case .duplicate(nil, false):
                    return .duplicate(process: process, end: end)
                default: break
                }
                return .fcntl(process: process, end: end, command: command)
            case .available(let process): return .available(process: process)
            case .status(let process, let end): return .status(process: process, end: end)
            case .writev(let process, let pieces): return .writev(process: process, pieces: pieces)
            case .readv(let process, let sizes): return .readv(process: process, sizes: sizes)
            case .writeAll, .exit: break
            case .create: throw ModelError("the fifo model has no operation '\(call.f)': a FIFO is made with mkfifo")
            case .splice: throw ModelError("the fifo model has no operation '\(call.f)' yet: only the pipe model's splice, tee and vmsplice are measured")
            case .epoll(let process, let epoll):
                if case .wait = epoll, sharesEpoll(call) { return .sharedEpollWait(process: process, call: epoll) }
                return .epoll(process: process, call: epoll)
            case .nestedEpoll(let process, let epoll):
                guard !sharesEpoll(call) else {
                    throw ModelError("FIFO '\(call.object)': kept epoll instances of a process in a 'sharedEpoll' group are not followed (which sharer's instance holds what)")
                }
                return .nestedEpoll(process: process, call: epoll)
            case .takeSignal(let process, let signals, let wait): return .takeSignal(process: process, signals: signals, wait: wait)
            }
        } catch {
            if error.message.hasPrefix("the pipe model has no operation") {
                throw ModelError("the fifo model has no operation '\(call.f)' (it has open, write, writev, read, readv, close, chmod, fchmod, chown, lchown, fchown, unlink, mkfifo, mknod, mknodat, mkfifoat, lseek, pread, pwrite, poll, select, fcntl, available, fstat sigtimedwait, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create and epoll_create1)")
            }
            throw error
        }
        throw ModelError("the fifo model has no operation '\(call.f)' (it has open, write, writev, read, readv, close, chmod, fchmod, chown, lchown, fchown, unlink, mkfifo, mknod, mknodat, mkfifoat, lseek, pread, pwrite, poll, select, fcntl, available, fstat sigtimedwait, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create and epoll_create1)")
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok, .open), (.ok, .openReadWrite): return .opened
        case (.ok, .chmod), (.ok, .fchmod): return .modeChanged
        case (.ok, .chown): return .ownerChanged
        case (.ok(let value), .makeNode): return .made(mode: try value.required("mode").integer("mode", in: 0...0o7777))
        case (.ok, .unlink): return .unlinked
        case (.ok(let value), .mkfifo): return .made(mode: try value.required("mode").integer("mode", in: 0...0o7777))
        case (.ok, .exit): return .exited
        case (.ok, .duplicate): return .duplicated
        case (_, .write(let process, let data, let nonblocking)):
            return Self.output(from: try pipes.output(from: outcome, for: .write(process: process, data: data, nonblocking: nonblocking)))
        case (_, .read(let process, let max, let nonblocking)):
            return Self.output(from: try pipes.output(from: outcome, for: .read(process: process, max: max, nonblocking: nonblocking)))
        case (_, .close(let process, let end)):
            return Self.output(from: try pipes.output(from: outcome, for: .close(process: process, end: end)))
        case (_, .unseekable(let process, let end, let call)):
            return Self.output(from: try pipes.output(from: outcome, for: .unseekable(process: process, end: end, call: call)))
        case (_, .readiness(let process, let end, let call)):
            return Self.output(from: try pipes.output(from: outcome, for: .readiness(process: process, end: end, call: call)))
        case (_, .fcntl(let process, let end, let command)):
            return Self.output(from: try pipes.output(from: outcome, for: .fcntl(process: process, end: end, command: command)))
        case (_, .available(let process)):
            return Self.output(from: try pipes.output(from: outcome, for: .available(process: process)))
        case (.ok(let value), .status):
            // The pipe's form, with the set-ID and sticky bits a FIFO's mode may have (chmod, mknod): up to 07777.
            guard let mode = try Permissions.mode(in: value, upTo: 0o7777) else { throw ModelError("an fstat's result needs a 'mode'") }
            return .status(type: try value.optional("type")?.text("type") ?? "S_IFIFO", mode: mode, size: try value.required("size").integer("size", in: -(1 << 62)...(1 << 62)))
        case (_, .status(let process, let end)):
            return Self.output(from: try pipes.output(from: outcome, for: .status(process: process, end: end)))
        case (_, .writev(let process, let pieces)):
            return Self.output(from: try pipes.output(from: outcome, for: .writev(process: process, pieces: pieces)))
        case (_, .readv(let process, let sizes)):
            return Self.output(from: try pipes.output(from: outcome, for: .readv(process: process, sizes: sizes)))
        case (_, .takeSignal(let process, let signals, let wait)):
            return Self.output(from: try pipes.output(from: outcome, for: .takeSignal(process: process, signals: signals, wait: wait)))
        case (_, .epoll(let process, let call)):
            return Self.output(from: try pipes.output(from: outcome, for: .epoll(process: process, call: call)))
        case (_, .nestedEpoll(let process, let call)):
            return Self.output(from: try pipes.output(from: outcome, for: .nestedEpoll(process: process, call: call)))
        case (.ok(let value), .sharedEpollWait):
            return .sharedEpollEvents(try Self.sharedEpollReports(value))
        }
    }

    /// Whether `call`'s process is in a ``Setup/sharedEpoll`` group of its FIFO.
    private func sharesEpoll(_ call: Call) -> Bool {
        setups.first { $0.name == call.object }?.setup.sharedEpoll.contains { $0.contains(call.process) } ?? false
    }

    /// A wait's events on a shared instance: `{"events": [{"process": P, "end": E, "events": [...]}, ...]}`, each naming
    /// the sharer whose open the registration is (an `"object"`, from a wait on several objects, is its object's).
    static func sharedEpollReports(_ value: JSONValue?) throws(ModelError) -> [SharedEpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> SharedEpollReport in
            let entry: JSONValue? = element
            guard try entry.optional("process") != nil else {
                throw ModelError("an event of a wait on a shared epoll instance ('sharedEpoll') must name the 'process' whose open it is")
            }
            return SharedEpollReport(
                process: try entry.required("process").integer("process", in: 1...10_000), end: try end(entry),
                events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        if let call = Self.creationOrOwnershipCall(for: input) { return call }
        switch input {
        case .open(_, let end, let nonblocking, let async):
            var value: JSONObject = ["end": .string(end.rawValue)]
            if nonblocking { value["nonblocking"] = true }
            if async { value["async"] = true }
            return ("open", .object(value))
        case .openReadWrite(_, let nonblocking, let async):
            var value: JSONObject = ["end": "readwrite"]
            if nonblocking { value["nonblocking"] = true }
            if async { value["async"] = true }
            return ("open", .object(value))
        case .chmod(_, let mode):
            return ("chmod", ["mode": .int(mode)])
        case .unlink:
            return ("unlink", nil)
        case .mkfifo(_, let mode, let umask, let missingDirectory):
            var value: JSONObject = ["mode": .int(mode), "umask": .int(umask)]
            if missingDirectory { value["missingDirectory"] = true }
            return ("mkfifo", .object(value))
        case .write(let process, let data, let nonblocking):
            return pipes.call(for: .write(process: process, data: data, nonblocking: nonblocking))
        case .read(let process, let max, let nonblocking):
            return pipes.call(for: .read(process: process, max: max, nonblocking: nonblocking))
        case .close(let process, let end):
            return pipes.call(for: .close(process: process, end: end))
        case .duplicate(let process, let end):
            return pipes.call(for: .fcntl(process: process, end: end, command: .duplicate(minimum: nil)))
        case .unseekable(let process, let end, let call):
            return pipes.call(for: .unseekable(process: process, end: end, call: call))
        case .readiness(let process, let end, let call):
            return pipes.call(for: .readiness(process: process, end: end, call: call))
        case .fcntl(let process, let end, let command):
            return pipes.call(for: .fcntl(process: process, end: end, command: command))
        case .available(let process):
            return pipes.call(for: .available(process: process))
        case .status(let process, let end):
            return pipes.call(for: .status(process: process, end: end))
        case .writev(let process, let pieces):
            return pipes.call(for: .writev(process: process, pieces: pieces))
        case .readv(let process, let sizes):
            return pipes.call(for: .readv(process: process, sizes: sizes))
        case .takeSignal(let process, let signals, let wait):
            return pipes.call(for: .takeSignal(process: process, signals: signals, wait: wait))
        case .epoll(let process, let call):
            return pipes.call(for: .epoll(process: process, call: call))
        case .nestedEpoll(let process, let call):
            return pipes.call(for: .nestedEpoll(process: process, call: call))
        case .sharedEpollWait(let process, let call):
            return pipes.call(for: .epoll(process: process, call: call))
        case .exit:
            return ("exit", nil)
        case .makeNode, .fchmod, .chown:
            return Self.creationOrOwnershipCall(for: input)!  // taken first
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .opened, .modeChanged, .ownerChanged, .unlinked: .ok(nil)
        case .made(let mode): .ok(["mode": .int(mode)])
        case .sharedEpollEvents(let reports):
            .ok(["events": .array(reports.map { report in
                ["process": .int(report.process), "end": .string(report.end.rawValue), "events": .array(report.events.names.map { .string($0) })]
            })])
        default: pipes.outcome(for: Self.pipeOutput(output)!)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }

    /// A read or write the fault plan cut to `count` bytes is the shorter call, as for the pipe (see
    /// ``PipeModel/shortened(_:to:requested:)``).
    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? {
        // A vectored call is cut as the pipe's is.
        if case .writev(let process, let pieces) = input {
            guard case .writev(_, let cut)? = pipes.shortened(.writev(process: process, pieces: pieces), to: count, requested: requested) else { return nil }
            return .writev(process: process, pieces: cut)
        }
        if case .readv(let process, let sizes) = input {
            guard case .readv(_, let cut)? = pipes.shortened(.readv(process: process, sizes: sizes), to: count, requested: requested) else { return nil }
            return .readv(process: process, sizes: cut)
        }
        return switch input {
        case .write(let process, let data, let nonblocking) where requested == nil || requested == data.count:
            .write(process: process, data: Array(data.prefix(count)), nonblocking: nonblocking)
        case .read(let process, let max, let nonblocking) where requested == nil || requested == max:
            .read(process: process, max: Swift.min(max, count), nonblocking: nonblocking)
        default: nil
        }
    }

    private static func end(_ value: JSONValue?) throws(ModelError) -> PipeModel.End {
        let name = try value.required("end").text("end")
        guard let end = PipeModel.End(rawValue: name) else {
            throw ModelError("field 'end' must be \"read\", \"write\" or (for open) \"readwrite\", not \"\(name)\"")
        }
        return end
    }
}
