import IPCModels

/// Replays an strace log's calls in the order the kernel returned them, following every descriptor, and records
/// for each IPC object created in the log the operations of its model and which descriptor tables held its ends.
///
/// What it cannot follow it does not guess: an object touched by a call the models do not have (`splice`,
/// `shutdown`, `setsockopt` of an option other than the timeouts, …), or whose descriptors moved in a way the tables did not follow, is excluded with
/// the reason, and the trace lists it as not checked.
struct StraceSimulation {
    let path: String?
    /// The kernel's defaults on this machine, for objects the log creates without saying their size.
    let defaults: StraceDefaults

    var descriptors = StraceDescriptors()
    var objects: [StraceObject] = []
    /// Per process: the starts of its calls in order, for bounding when a dropped file goes.
    var callStarts: [Int: [Int64]] = [:]
    /// The deaths of descriptor tables: when the death may have begun, when strace saw it, and how.
    var tableDeaths: [Int: (start: Int64, end: Int64, value: JSONValue)] = [:]
    /// Per process, the table it belonged to when it ended (or belongs to at the end of the log).
    var finalTable: [Int: Int] = [:]
    /// What the log shows of IPC the importer does not check, by kind: lines where it was seen.
    var unchecked: [String: [Int]] = [:]

    /// Children by pid: who made them and whether they share the parent's table, from every clone's result.
    private var parents: [Int: (parent: Int, sharesTable: Bool)] = [:]
    /// Processes sharing a System V undo list with another (clone with CLONE_SYSVSEM, as threads are made).
    var sharedUndo: Set<Int> = []
    /// Processes that made threads, and threads (clone with CLONE_THREAD): a signal to the group may go to any.
    var threadGroups: Set<Int> = []
    /// Every pid the log shows.
    var logPids: Set<Int> = []
    var signals = SignalState()
    /// The log's epoll instances by file, as the epoll calls on pipes use them.
    var epollInstances: [Int: LoggedEpollInstance] = [:]
    private var known: Set<Int> = []
    /// Per table: the latest start of a member's call, and the latest kill sent to a member.
    private var lastStart: [Int: Int64] = [:]
    var killStart: [Int: Int64] = [:]
    /// Objects by the identity strace shows for their files (`pipe:12`, `socket:34`).
    var byIdentity: [String: Int] = [:]
    /// POSIX queue names and System V queue ids: the object they name now, or `absent` when known not to exist.
    var queueNames: [String: NameState] = [:]
    var systemVIDs: [Int64: Int] = [:]
    var systemVSemaphoreIDs: [Int64: Int] = [:]
    /// FIFOs by absolute path.
    var fifoPaths: [String: Int] = [:]
    /// Per `"pid object end"`: whether the process's latest open of a FIFO's end was opened `O_NONBLOCK` (the fifo
    /// model's flag for its calls on the end; see ``fifoBlockingCallHidden(_:object:file:)``).
    var fifoLatestOpenNonblocking: [String: Bool] = [:]
    /// Socket pairs: descriptors in flight to each socket file, in the order they were sent.
    var inFlight: [Int: [Int]] = [:]
    /// Socket ends read with plain read/recv (no control buffer, no flags out): they cannot show passed files.
    var plainReceives: [(object: Int, end: String, line: Int)] = []
    /// Working directories strace showed (`-100<\x2f…>` with -yy), to resolve relative paths.
    var workingDirectory: [Int: String] = [:]

    enum NameState {
        case object(Int)
        case unlinked(Int)
        case absent
    }

    init(path: String?, defaults: StraceDefaults) {
        self.path = path
        self.defaults = defaults
    }

    func failure(_ line: Int, _ message: String) -> TraceError { TraceError(path: path, line: line, message) }

    // MARK: - Driving

    mutating func run(_ log: StraceLog) throws(TraceError) {
        logPids = Set(log.pids)
        for call in log.calls {
            guard let child = Self.cloneChild(call) else { continue }
            parents[child] = (call.pid, Self.cloneFlags(call) & 0x400 != 0)  // CLONE_FILES
            if Self.cloneFlags(call) & 0x40000 != 0 { sharedUndo.formUnion([call.pid, child]) }  // CLONE_SYSVSEM
            if Self.cloneFlags(call) & 0x10000 != 0 { threadGroups.formUnion([call.pid, child]) }  // CLONE_THREAD
        }
        enum Step { case call(StraceLog.Call), end(StraceLog.End), delivery(StraceLog.Delivery) }
        var steps: [(order: Int, step: Step)] = log.calls.map { ($0.passesDescriptors ? $0.startOrder : $0.order, .call($0)) }
        steps += log.ends.map { ($0.order, .end($0)) }
        steps += log.deliveries.map { ($0.order, .delivery($0)) }
        steps.sort { $0.order < $1.order }
        for pid in log.pids where log.calls.contains(where: { $0.pid == pid }) == false { meet(pid) }
        for (_, step) in steps {
            switch step {
            case .call(let call):
                meet(call.pid)
                callStarts[call.pid, default: []].append(call.start)
                if let table = descriptors.tableOf[call.pid] { lastStart[table] = max(lastStart[table] ?? call.start, call.start) }
                try simulate(call)
                recordHoldingChanges(time: call.start, release: .closed(pid: call.pid, start: call.start, end: call.end, line: call.line))
            case .end(let end):
                meet(end.pid)
                let table = descriptors.tableOf[end.pid]
                if let table { finalTable[end.pid] = table }
                if let table, descriptors.end(pid: end.pid) != nil {
                    let value: JSONValue = end.signal.map { ["signal": .string($0)] } ?? ["code": .int(end.code ?? 0)]
                    let start = max(lastStart[table] ?? end.time, killStart[table] ?? Int64.min)
                    tableDeaths[table] = (min(start, end.time), end.time, value)
                }
                recordHoldingChanges(time: end.time, release: .died)
            case .delivery:
                break
            }
        }
        for (pid, table) in descriptors.tableOf where finalTable[pid] == nil { finalTable[pid] = table }
        finishSignals(log)
        finishEpoll()
        finish()
    }

    /// A process seen for the first time: the child of the clone that returned its pid, or a root.
    private mutating func meet(_ pid: Int) {
        guard known.insert(pid).inserted else { return }
        if let (parent, shares) = parents[pid], known.contains(parent) {
            descriptors.addChild(pid: pid, parent: parent, sharesTable: shares)
        } else {
            descriptors.addRoot(pid: pid)
        }
    }

    /// The process that made `pid` (by fork or clone), if the log shows it.
    func parentOf(_ pid: Int) -> Int? { parents[pid]?.parent }

    /// Whether `pid` is a thread or has threads.
    func sharesSignals(_ pid: Int) -> Bool { threadGroups.contains(pid) }

    private static func cloneChild(_ call: StraceLog.Call) -> Int? {
        guard ["clone", "clone3", "fork", "vfork"].contains(call.name), case .value(let text) = call.result,
            let child = Int(text), child > 0
        else { return nil }
        return child
    }

    /// A clone's flags (0 for fork and vfork, whose children share nothing but what vfork lends).
    private static func cloneFlags(_ call: StraceLog.Call) -> Int64 {
        guard call.name == "clone" || call.name == "clone3", let arguments = try? StraceValueReader.values(call.arguments) else {
            return 0
        }
        if call.name == "clone3" { return arguments.first?["flags"]?.integer ?? 0 }
        return arguments.compactMap { $0["flags"] }.first?.integer ?? (arguments.count > 2 ? arguments[2].integer ?? 0 : 0)
    }

    /// Turns the tables' changes into holdings of objects' ends.
    private mutating func recordHoldingChanges(time: Int64, release: StraceObject.Holding.Release) {
        for change in descriptors.takeChanges() {
            let file = descriptors[file: change.file]
            guard let id = file.object else { continue }
            let object = objects[id]
            if change.gained {
                // Only a table that holds the end through no other description has let go of it: one that opens
                // a second description of an end it still holds (the harness's nonblocking calls on a private
                // description, reopened through /proc and closed after the call) held it all along.
                let holds = { (released: Bool) in
                    object.holdings.contains { $0.table == change.table && $0.end == file.end && ($0.released != nil) == released }
                }
                if holds(true), !holds(false), !isFIFO(object) {
                    object.exclude("a process got a descriptor of its \(file.end) end again after letting go of it; the importer cannot say whether it held it in between")
                }
                if isFIFO(object), let opener = file.openerTable, opener != change.table {
                    object.exclude("a descriptor opened by one process reached another (fork or SCM_RIGHTS); the fifo model knows only the process that opened it")
                }
                object.holdings.append(StraceObject.Holding(table: change.table, end: file.end, gained: time, released: nil))
            } else if let index = object.holdings.lastIndex(where: { $0.table == change.table && $0.end == file.end && $0.released == nil }) {
                object.holdings[index].released = release
            }
            if !change.gained, case .socketPair = object.kind, let queued = inFlight[change.file], !queued.isEmpty,
                descriptors.holders(of: change.file).isEmpty
            {
                // The receiving socket closed with descriptors still in flight to it: the kernel drops them.
                discardInFlight(to: change.file, reason: "descriptors sent to it were dropped unreceived")
            }
        }
    }

    private func isFIFO(_ object: StraceObject) -> Bool {
        if case .fifo = object.kind { return true }
        return false
    }

    /// What is left when the log ends: descriptors still in flight, and plain receives of ends that got files.
    private mutating func finish() {
        for (socket, queued) in inFlight where !queued.isEmpty {
            discardInFlight(to: socket, reason: "a descriptor of it was sent and never received in the log")
        }
        for (object, end, line) in plainReceives where objects[object].endsReceivingFiles.contains(end) {
            objects[object].exclude("its end \(end) received descriptors, and a plain read or recv of it (line \(line)) cannot show whether it met them")
        }
    }

    mutating func discardInFlight(to socket: Int, reason: String) {
        for file in inFlight[socket] ?? [] {
            if let object = descriptors[file: file].object { objects[object].exclude(reason) }
        }
        inFlight[socket] = []
    }

    // MARK: - Calls

    private mutating func simulate(_ call: StraceLog.Call) throws(TraceError) {
        let arguments: [StraceValue]
        if call.result == .unknown {
            // The call never came back: strace printed only what it knew at entry.
            arguments = StraceValueReader.leadingValues(call.arguments)
        } else {
            do {
                arguments = try StraceValueReader.values(call.arguments)
            } catch {
                throw failure(call.line, "\(call.name)'s arguments: \(error.message)")
            }
        }
        checkDescriptors(call, inputs: Self.inputDescriptors(call, arguments))
        var handled = try simulateLifecycle(call, arguments)
        if !handled { handled = simulateSignals(call, arguments) }
        if !handled { handled = try simulateCreation(call, arguments) }
        if !handled, call.name == "setsockopt" || call.name == "getsockopt" { handled = simulateSocketTimeoutOption(call, arguments) }
        if !handled { handled = try simulateData(call, arguments) }
        if !handled, Self.epollCalls.contains(call.name) { simulateEpoll(call, arguments) }
        guard !handled else { return }
        noteUnhandled(call, arguments)
        // A call returning a new descriptor of something the importer leaves alone (a file, a socket, …).
        if Self.returnsDescriptor.contains(call.name), case .value(let text) = call.result,
            let value = (try? StraceValueReader.values(text[...]))?.first, let number = value.descriptor, number >= 0
        {
            var annotation = ""
            if case .descriptor(_, let shown) = value { annotation = shown }
            if let identity = Self.identity(annotation), let object = byIdentity[identity] {
                // A new descriptor of a checked object, by a way the importer does not read: its operations
                // through it would be missed.
                objects[object].exclude("\(call.name) at line \(call.line) gave pid \(call.pid) a descriptor of it in a way the importer does not follow")
            }
            installOther(pid: call.pid, fd: number, annotation: annotation, closeOnExec: false)
        }
    }

    /// The descriptors a call is given (not those it hands out: pipe's pair, recvmsg's passed descriptors).
    private static func inputDescriptors(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> [(number: Int, annotation: String)] {
        switch call.name {
        case "pipe", "pipe2", "socketpair": return []
        case "recvmsg": return arguments.first?.descriptors ?? []
        default: return arguments.flatMap(\.descriptors)
        }
    }

    /// Calls that return a descriptor of something the importer leaves alone.
    static let returnsDescriptor: Set<String> = [
        "open", "openat", "openat2", "creat", "socket", "accept", "accept4", "memfd_create", "epoll_create",
        "epoll_create1", "signalfd", "signalfd4", "timerfd_create", "inotify_init", "inotify_init1", "pidfd_open",
        "fanotify_init", "userfaultfd", "perf_event_open", "open_by_handle_at", "pidfd_getfd",
    ]

    /// A descriptor strace shows as a file the tables do not have there: the tables missed how it came, so the
    /// objects involved cannot be checked.
    private mutating func checkDescriptors(_ call: StraceLog.Call, inputs: [(number: Int, annotation: String)]) {
        for (number, annotation) in inputs {
            if number == -100 {
                // AT_FDCWD with -yy: the process's working directory.
                if !annotation.isEmpty { workingDirectory[call.pid] = annotation }
                continue
            }
            guard number >= 0 else { continue }
            let identity = Self.identity(annotation)
            if let entry = descriptors.entry(pid: call.pid, fd: number) {
                let file = descriptors[file: entry.file]
                guard let identity, let known = file.identity, known != identity else { continue }
                if let object = file.object {
                    objects[object].exclude("at line \(call.line) pid \(call.pid)'s descriptor \(number) is \(annotation), not this object: the importer lost track of it")
                }
                if let other = byIdentity[identity] {
                    objects[other].exclude("a descriptor of it reached pid \(call.pid) in a way the importer did not follow (line \(call.line))")
                }
                installOther(pid: call.pid, fd: number, annotation: annotation, closeOnExec: entry.closeOnExec)
            } else {
                if let identity, let other = byIdentity[identity] {
                    objects[other].exclude("a descriptor of it reached pid \(call.pid) in a way the importer did not follow (line \(call.line))")
                }
                installOther(pid: call.pid, fd: number, annotation: annotation, closeOnExec: false)
            }
        }
    }

    mutating func installOther(pid: Int, fd: Int, annotation: String, closeOnExec: Bool) {
        let file = descriptors.newFile(.init(
            object: nil, end: "use", nonblocking: false, identity: Self.identity(annotation),
            description: annotation.isEmpty ? "descriptor \(fd)" : annotation))
        descriptors.install(pid: pid, fd: fd, file: file, closeOnExec: closeOnExec)
    }

    /// `pipe:[12]` → `pipe:12`; `UNIX-STREAM:[34->35]`, `UNIX:[34]`, `socket:[34]` → `socket:34`.
    static func identity(_ annotation: String) -> String? {
        guard let open = annotation.firstIndex(of: "["), annotation.hasSuffix("]") || annotation.contains("->") else { return nil }
        var kind = annotation[..<open]
        if kind.last == ":" { kind = kind.dropLast() }
        let inode = annotation[annotation.index(after: open)...].prefix(while: \.isNumber)
        guard !inode.isEmpty else { return nil }
        if kind == "pipe" { return "pipe:\(inode)" }
        if kind.hasPrefix("UNIX") || kind == "socket" { return "socket:\(inode)" }
        return nil
    }

    /// A call the importer has no reading of: if it names a descriptor of a checked object, that object cannot be
    /// checked; IPC of kinds the importer does not check is listed.
    private mutating func noteUnhandled(_ call: StraceLog.Call, _ arguments: [StraceValue]) {
        if let kind = Self.uncheckedKinds[call.name] { unchecked[kind, default: []].append(call.line) }
        if Self.neutral.contains(call.name) { return }
        for (number, _) in arguments.flatMap(\.descriptors) {
            guard let entry = descriptors.entry(pid: call.pid, fd: number), let object = descriptors[file: entry.file].object else { continue }
            objects[object].exclude("\(call.name) at line \(call.line) is not in its model")
        }
    }

    /// Calls that name a descriptor without changing the object behind it (they look at it, or at another file).
    static let neutral: Set<String> = [
        "fstat", "newfstatat", "statx", "fstatfs", "lseek", "poll", "ppoll", "select", "pselect6", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "getsockopt", "getsockname", "getpeername", "fsync", "fdatasync",
        "flock", "fadvise64", "readlinkat", "faccessat", "faccessat2", "openat", "openat2", "mkdirat", "unlinkat",
        "renameat", "renameat2", "fchownat", "fchmodat", "utimensat", "getdents64", "getdents", "fchdir", "wait4",
        "waitid", "mmap", "futex", "sched_getaffinity", "name_to_handle_at", "inotify_add_watch", "linkat", "symlinkat",
        "mknodat",
    ]

    /// IPC of kinds the importer does not check, named for the list of what was not checked.
    static let uncheckedKinds: [String: String] = [
        "shmget": "shared memory", "shmat": "shared memory", "shmdt": "shared memory",
        "shmctl": "shared memory", "connect": "Unix sockets made by socket() (socketpair is checked)",
        "bind": "Unix sockets made by socket() (socketpair is checked)",
        "listen": "Unix sockets made by socket() (socketpair is checked)",
        "accept": "Unix sockets made by socket() (socketpair is checked)",
        "accept4": "Unix sockets made by socket() (socketpair is checked)", "mq_notify": "POSIX queue notifications",
    ]

    // MARK: - Descriptors

    /// close, dup, fcntl, ioctl's descriptor flags, execve, close_range, exit, kill.
    private mutating func simulateLifecycle(_ call: StraceLog.Call, _ arguments: [StraceValue]) throws(TraceError) -> Bool {
        let pid = call.pid
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        func returned() -> Int64? {
            guard case .value(let text) = call.result else { return nil }
            return (try? StraceValueReader.values(text[...]).first)??.integer
        }
        switch call.name {
        case "close":
            if let fd = argument(0)?.descriptor, call.result != .error("EBADF") { descriptors.close(pid: pid, fd: fd) }
        case "close_range":
            guard returned() == 0, let first = argument(0)?.integer, let last = argument(1)?.integer else { return true }
            let flags = argument(2)?.integer ?? 0
            if flags & 2 != 0 { noteUnsharing(call) }
            descriptors.closeRange(pid: pid, first: Int(first), last: Int(min(last, Int64(Int32.max))), markOnly: flags & 4 != 0)
        case "dup", "dup2", "dup3":
            guard let old = argument(0)?.descriptor, let new = returned(), let entry = descriptors.entry(pid: pid, fd: old) else {
                return true
            }
            let closeOnExec = call.name == "dup3" && (argument(2)?.integer ?? 0) & 0o2000000 != 0
            if Int(new) != old { descriptors.install(pid: pid, fd: Int(new), file: entry.file, closeOnExec: closeOnExec) }
        case "fcntl", "fcntl64":
            try simulateFcntl(call, arguments, returned: returned())
        case "ioctl":
            guard let fd = argument(0)?.descriptor, let request = argument(1)?.integer else { return true }
            switch request {
            case 0x5451, 0x5450:  // FIOCLEX, FIONCLEX
                recordPipeIoctl(call, fd: fd, ["request": request == 0x5451 ? "FIOCLEX" : "FIONCLEX"])
                if returned() == 0 { descriptors.setCloseOnExec(pid: pid, fd: fd, request == 0x5451) }
            case 0x5421:  // FIONBIO
                let value = argument(2)?.integer
                if let value { recordPipeIoctl(call, fd: fd, ["request": "FIONBIO", "on": .bool(value != 0)]) }
                if returned() == 0, let value { setNonblocking(pid: pid, fd: fd, value != 0, line: call.line) }
            case 0x541b:  // FIONREAD
                return try simulateAvailable(call, arguments)
            case 0x5401:  // TCGETS: asks whether it is a terminal
                break
            default:
                return false
            }
        case "execve", "execveat":
            if returned() == 0 { descriptors.exec(pid: pid) }
        case "unshare":
            if returned() == 0, let flags = argument(0)?.integer, flags & 0x400 != 0 { noteUnsharing(call) }
        case "kill", "tgkill", "tkill":
            // A fatal signal to a traced process: its death can begin from this call on.
            let target = call.name == "tgkill" ? argument(1)?.integer : argument(0)?.integer
            let signal = (call.name == "tgkill" ? argument(2) : argument(1)).flatMap { value -> Int? in
                // Signal 0 (`kill(pid, 0)`: checks only, sends nothing) is read too.
                if case .atom(let text) = value { return text == "0" ? 0 : StraceConstants.signal(text) }
                return nil
            }
            if let target, target > 0, let table = descriptors.tableOf[Int(target)], signal != 0 {
                killStart[table] = max(killStart[table] ?? call.start, call.start)
            }
            // A SIGKILL to a process of the log is its death, which the trace has; other signals are the signal
            // model's (see StraceSimulation+Signals).
            if signal == nil, let target {
                unreadableSignal(call, target: target)
            } else if let signal {
                if call.name == "kill", let target {
                    simulateKillSignal(call, target: target, signal: signal)
                } else {
                    simulateThreadSignal(call, target: target, signal: Int64(signal), group: call.name == "tgkill" ? argument(0)?.integer : nil)
                }
            }
        case "clone", "clone3", "fork", "vfork":
            // The child's table is the parent's as it is now (the parent did nothing else meanwhile), unless the
            // child already made calls that returned before the clone did, and met it then.
            if let child = Self.cloneChild(call) { meet(child) }
        case "exit", "exit_group", "wait4", "waitid":
            break
        default:
            return false
        }
        return true
    }

    private mutating func noteUnsharing(_ call: StraceLog.Call) {
        guard let table = descriptors.tableOf[call.pid], (descriptors.tables[table]?.members.count ?? 0) > 1 else { return }
        for object in objects where object.holdings.contains(where: { $0.table == table }) {
            object.exclude("a thread unshared its descriptor table (line \(call.line)), which the importer does not follow")
        }
    }

    private mutating func simulateFcntl(_ call: StraceLog.Call, _ arguments: [StraceValue], returned: Int64?) throws(TraceError) {
        let pid = call.pid
        guard arguments.count >= 2, let fd = arguments[0].descriptor, let command = arguments[1].integer, let result = returned else { return }
        switch command {
        case 0, 1030:  // F_DUPFD, F_DUPFD_CLOEXEC
            if let entry = descriptors.entry(pid: pid, fd: fd) {
                descriptors.install(pid: pid, fd: Int(result), file: entry.file, closeOnExec: command == 1030)
            }
        case 2:  // F_SETFD
            descriptors.setCloseOnExec(pid: pid, fd: fd, (arguments.count > 2 ? arguments[2].integer ?? 0 : 0) & 1 != 0)
        case 4:  // F_SETFL
            let flags = arguments.count > 2 ? arguments[2].integer ?? 0 : 0
            setNonblocking(pid: pid, fd: fd, flags & 0o4000 != 0, line: call.line)
            simulatePacketMode(call, fd: fd, flags: flags)
            simulateAsyncFlag(call, fd: fd, flags: flags, succeeded: result == 0)
        case 8, 10:  // F_SETOWN, F_SETSIG
            simulateOwnerOrSignal(call, fd: fd, command: command, argument: arguments.count > 2 ? arguments[2].integer : nil)
        case 1, 3, 5, 6, 7, 9, 11, 1032, 1034, 36, 37, 38:  // getters and record locks
            break
        default:
            if let entry = descriptors.entry(pid: pid, fd: fd), let object = descriptors[file: entry.file].object {
                objects[object].exclude("fcntl command \(command) at line \(call.line) is not in its model")
            }
        }
    }

    /// `ioctl(FIONBIO)`, `ioctl(FIOCLEX)` or `ioctl(FIONCLEX)` on a pipe's end: the pipe model's `ioctl` operation
    /// (``PipeModel/IORequest``), with its outcome, besides the descriptor state the importer follows (`O_NONBLOCK` for
    /// the calls after it, `FD_CLOEXEC` for `execve`). The model keeps `O_NONBLOCK` per process and end, the log's is the
    /// description's: `StraceImporter`'s `excludePipesWhoseNonblockingTheModelCannotFollow` counts these too. A FIFO's
    /// are followed as state only: the fifo model's flag is its latest open's, and the importer does not know which
    /// of a process's opens of an end a descriptor is the latest of.
    private mutating func recordPipeIoctl(_ call: StraceLog.Call, fd: Int, _ request: JSONObject) {
        guard let entry = descriptors.entry(pid: call.pid, fd: fd), let object = descriptors[file: entry.file].object,
            case .pipe = objects[object].kind
        else { return }
        let end = descriptors[file: entry.file].end
        guard end == "read" || end == "write" else { return }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        var value = request
        value["end"] = .string(end)
        record(object, call, f: "ioctl", value: .object(value), outcome: outcome(call) { nil })
    }

    /// O_NONBLOCK belongs to the open file, so every descriptor of it (and every process sharing it) sees the change.
    private mutating func setNonblocking(pid: Int, fd: Int, _ value: Bool, line: Int) {
        guard let entry = descriptors.entry(pid: pid, fd: fd) else { return }
        guard descriptors[file: entry.file].nonblocking != value else { return }
        descriptors[file: entry.file].nonblocking = value
        if let object = descriptors[file: entry.file].object, case .eventfd = objects[object].kind {
            objects[object].exclude("its O_NONBLOCK changed at line \(line); the eventfd model has it fixed at creation")
        }
    }
}

/// The kernel's defaults the importer assumes for what the log does not say (read from this machine).
struct StraceDefaults: Sendable {
    var pipeCapacity = 65536
    var posixQueueMessages = 10
    var posixQueueMessageSize = 8192
    var systemVQueueBytes = 16384
    var systemVMessageMax = 8192
    var socketSendBuffer = 212_992
    var datagramQueue = 10

    static func thisMachine() -> StraceDefaults {
        var defaults = StraceDefaults()
        func read(_ path: String) -> Int? {
            guard let text = try? ImportedFile.read(path) else { return nil }
            return Int(text.filter { !$0.isWhitespace })
        }
        if let value = read("/proc/sys/fs/mqueue/msg_default") { defaults.posixQueueMessages = value }
        if let value = read("/proc/sys/fs/mqueue/msgsize_default") { defaults.posixQueueMessageSize = value }
        if let value = read("/proc/sys/kernel/msgmnb") { defaults.systemVQueueBytes = value }
        if let value = read("/proc/sys/kernel/msgmax") { defaults.systemVMessageMax = value }
        if let value = read("/proc/sys/net/core/wmem_default") { defaults.socketSendBuffer = value }
        if let value = read("/proc/sys/net/unix/max_dgram_qlen") { defaults.datagramQueue = value }
        return defaults
    }
}

extension StraceLog.Call {
    /// A send with `SCM_RIGHTS` that succeeded: its descriptors are in flight from its start on (for the order of
    /// simulation).
    var passesDescriptors: Bool {
        name == "sendmsg" && arguments.contains("cmsg_data") && { if case .value = result { true } else { false } }()
    }
}
