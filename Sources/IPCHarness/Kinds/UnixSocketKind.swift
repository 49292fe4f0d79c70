import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Unix sockets (model `unix-socket`). Parameters: `type` (stream, dgram, seqpacket); `shape`: `pair` (roles `a`,
/// `b`), `listener` (roles `listen`, `connect`; `backlog`) or `bound` (role `bound`: one socket per holder);
/// `address`: `path` (a 0600 path from the run's namespace) or `abstract`; `files` to pass over the sockets
/// (roles `hold:F`, a descriptor of file F, and `read:F`, a pipe's read end), recognised on receipt by device and
/// inode. Every path is recorded in the run's ledger before it is bound; abstract names vanish with their sockets.
///
/// Implementations: `kernel.unix-socket` (one system call per operation, and the reading loop for
/// `receive-exactly`), and clients that frame messages on a stream, judged by `receive-exactly`: the fragile
/// `client.stream-framing-one-read` (one receive taken for the whole message) and its robust twin
/// `client.stream-framing-reader` (the loop), and the fragile `client.stream-framing-waitall` (one `MSG_WAITALL`
/// receive, which stops short at an out-of-band mark); and, judged by `bind`, the fragile
/// `client.bind-unlinks-taken-path` (on `EADDRINUSE` for a path it unlinks what is there and binds again) and its
/// robust twin `client.bind-leaves-taken-path` (the kernel's bind, reporting `EADDRINUSE`); and, judged by the owner's
/// `SIGURG` (parameter `ioSignals`: the signals every holder keeps blocked and may take with `sigtimedwait`), the fragile
/// `client.stream-urgent-when-signalled` (a `MSG_OOB` receive only after a `SIGURG` taken); and, judged by an accepted
/// socket's blocking receives, the fragile `client.accept-inherits-nonblocking` (BSD's rule on Linux: a socket accepted
/// from a listener it made nonblocking with `F_SETFL` is taken for nonblocking too); and, judged by its epoll waits, the
/// fragile `client.dgram-sticky-writable` (an event loop that keeps a datagram socket writable from its last `EPOLLOUT`
/// until its own send fails `EAGAIN`, blind to a connected peer's queue that others fill). A user's client composes
/// over ``UnixSocketBinding``: it handles the operations it is about and hands the rest to the kernel binding.
public enum UnixSocketKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["type", "shape", "backlog", "files", "address", "ioSignals"]
    public typealias Model = UnixSocketModel

    public static let implementations = [
        "kernel.unix-socket", "client.stream-framing-reader", "client.stream-framing-one-read",
        "client.stream-framing-waitall", "client.bind-unlinks-taken-path", "client.bind-leaves-taken-path",
        "client.stream-urgent-when-signalled", "client.accept-inherits-nonblocking", "client.dgram-sticky-writable",
        "client.unix-nested-dispatch", "client.unix-timeout-as-end-of-file", "client.recvmmsg-full-vector",
    ]

    /// Each object's type, shape, holders and files.
    public static func model(for workload: Workload) -> UnixSocketModel {
        UnixSocketModel(objects: workload.objects.filter { $0.kind == name }.map { object -> (name: String, setup: UnixSocketModel.Setup) in
            let typeName: String = if case .string(let name)? = object.parameters["type"] { name } else { "stream" }
            let type = UnixSocketModel.SocketType(rawValue: typeName) ?? .stream
            let shape: UnixSocketModel.Shape
            switch object.parameters["shape"] {
            case .string("listener")?:
                shape = .listener(holders: workload.holders(of: object.name, role: "listen"), backlog: object.integer("backlog") ?? 0)
            case .string("bound")?:
                shape = .bound(processes: workload.holders(of: object.name, role: "bound"))
            default:
                shape = .pair(a: workload.holders(of: object.name, role: "a"), b: workload.holders(of: object.name, role: "b"))
            }
            let files = (object.parameters["files"]?.objectValue ?? JSONObject()).map { member in
                let content: [UInt8]? = if case .string(let text)? = member.value["content"] { Array(text.utf8) } else { nil }
                return UnixSocketModel.FileSetup(
                    name: member.key, content: content, holders: workload.holders(of: object.name, role: "hold:\(member.key)"),
                    readers: workload.holders(of: object.name, role: "read:\(member.key)"))
            }
            // The provisioned sockets' addresses are paths unless the object asks for abstract names (a pair has none).
            var address: UnixSocketModel.AddressKind? = object.parameters["address"] == .string("abstract") ? .abstract : .path
            if case .pair = shape { address = nil }
            return (object.name, UnixSocketModel.Setup(type: type, shape: shape, files: files, address: address))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        do {
            try provisionSockets(object, workload, &objects)
        } catch let error as HarnessError {
            throw error
        } catch {
            throw HarnessError("cannot create unix-socket object \(object.name): \(error)")
        }
    }

    private static func provisionSockets(_ object: Workload.Object, _ workload: Workload, _ objects: inout ProvisionedObjects) throws {
        guard case .string(let typeName)? = object.parameters["type"], let type = UnixSocketType(rawValue: typeName) else {
            throw HarnessError("unix-socket object '\(object.name)' needs a 'type' (stream, dgram or seqpacket)")
        }
        let abstract = object.parameters["address"] == .string("abstract")
        let provisioned = objects
        /// A socket that `create` binds to a fresh address named after `stem`; a path is recorded in the ledger
        /// first (and withdrawn if binding fails), an abstract name goes with its socket.
        func bound(_ stem: String, _ create: (UnixAddress) throws(Errno) -> FileDescriptor) throws -> (FileDescriptor, UnixAddress) {
            if abstract {
                let at = UnixAddress.abstract(provisioned.namespace.stem + stem)
                return (try create(at), at)
            }
            let path = provisioned.namespace.path(stem)
            return (try provisioned.createNamed(.path, path) { () throws(Errno) in try create(.path(path)) }, .path(path))
        }
        let holders = workload.processes.filter { $0.holds[object.name] != nil }
        var setups: [Int: JSONObject] = [:]
        var sockets: [Int: JSONObject] = [:]
        for process in holders {
            // The fresh path this process's binds use (each removed at once), recorded so that a bind killed
            // before the removal leaves nothing after the run; fresh abstract names are numbered from the same stem.
            let freshPath = provisioned.namespace.path("\(object.name)-bind-p\(process.id)")
            try provisioned.namespace.record(.path, freshPath)
            setups[process.id] = [
                "type": .string(typeName), "bindPath": .string(freshPath),
                "bindAbstract": .string(provisioned.namespace.stem + "\(object.name)-bind-p\(process.id)"),
            ]
            if let signals = object.parameters["ioSignals"] { setups[process.id]!["ioSignals"] = signals }
        }

        switch object.parameters["shape"] ?? "pair" {
        case "pair":
            let (a, b) = try KernelUnixSocket.pair(type)
            objects.keepUntilStarted(a)
            objects.keepUntilStarted(b)
            for process in holders {
                for (role, descriptor) in [("a", a), ("b", b)] where process.holds[object.name]!.contains(role) {
                    sockets[process.id, default: [:]][role] = .int(objects.hand(descriptor, to: process.id))
                }
            }
        case "listener":
            let backlog = object.integer("backlog") ?? 0
            let (listener, at) = try bound(object.name) { (at) throws(Errno) in
                try KernelUnixSocket.listener(type, at: at, backlog: backlog)
            }
            objects.keepUntilStarted(listener)
            for process in holders {
                setups[process.id]!["address"] = UnixSocketBinding.json(at)
                if process.holds[object.name]!.contains("listen") {
                    sockets[process.id, default: [:]]["listen"] = .int(objects.hand(listener, to: process.id))
                }
            }
        case "bound":
            var addresses = JSONObject()
            for process in holders where process.holds[object.name]!.contains("bound") {
                let (socket, at) = try bound("\(object.name)-p\(process.id)") { (at) throws(Errno) in
                    try KernelUnixSocket.bound(type, to: at)
                }
                objects.keepUntilStarted(socket)
                addresses["p\(process.id)"] = UnixSocketBinding.json(at)
                sockets[process.id, default: [:]]["p\(process.id)"] = .int(objects.hand(socket, to: process.id))
            }
            for process in holders { setups[process.id]!["addresses"] = .object(addresses) }
        case let other:
            throw HarnessError("unix-socket object '\(object.name)': unknown shape \(other)")
        }

        var files: [Int: JSONObject] = [:]
        for member in object.parameters["files"]?.objectValue ?? JSONObject() {
            let name = member.key
            let writer: FileDescriptor
            var reader: FileDescriptor?
            if member.value["pipe"] == .bool(true) {
                let pipe = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
                (reader, writer) = (pipe.read, pipe.write)
                objects.keepUntilStarted(pipe.read)
                objects.keepUntilStarted(pipe.write)
            } else {
                guard case .string(let content)? = member.value["content"] else {
                    throw HarnessError("file '\(name)' of '\(object.name)' needs 'content' or \"pipe\": true")
                }
                writer = try Syscall.memfdCreate(name)
                objects.keepUntilStarted(writer)
                _ = try Array(content.utf8).withUnsafeBytes { (raw) throws(Errno) -> Int in try Syscall.write(writer, raw) }
                _ = lseek(writer.rawValue, 0, SEEK_SET)
            }
            let identity = try Syscall.fileIdentity(writer).description
            for process in holders {
                var entry: JSONObject = ["identity": .string(identity)]
                let roles = process.holds[object.name]!
                if roles.contains("hold:\(name)") { entry["fd"] = .int(objects.hand(writer, to: process.id)) }
                if let reader, roles.contains("read:\(name)") { entry["reader"] = .int(objects.hand(reader, to: process.id)) }
                files[process.id, default: [:]][name] = .object(entry)
            }
        }
        for process in holders {
            var setup = setups[process.id]!
            setup["sockets"] = .object(sockets[process.id] ?? [:])
            if let entries = files[process.id] { setup["files"] = .object(entries) }
            objects.tell(process.id, about: object.name, setup)
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<UnixSocketModel> {
        var binding = try UnixSocketBinding(object)
        if implementation == "client.stream-framing-one-read" { binding.framingReader = OneReadFramingReader() }
        if implementation == "client.stream-framing-waitall" { binding.framingReader = WaitAllFramingReader() }
        if implementation == "client.recvmmsg-full-vector" { binding.assumesFullVector = true }
        if implementation == "client.bind-unlinks-taken-path" { binding.unlinksTakenPath = true }
        if implementation == "client.stream-urgent-when-signalled" { binding.urgentWhenSignalled = true }
        if implementation == "client.accept-inherits-nonblocking" { binding.acceptInheritsNonblocking = true }
        if implementation == "client.dgram-sticky-writable" { binding.stickyWritable = true }
        if implementation == "client.unix-nested-dispatch" { binding.dispatchesNested = true }
        if implementation == "client.unix-timeout-as-end-of-file" { binding.timeoutAsEndOfFile = true }
        return binding
    }
}

/// Unix-socket operations on the sockets of one object, named as the unix-socket model names them: `a`/`b` (a
/// pair), `listen`, `client-P` and `server-P` (a listener and its connections), `pP` (bound datagram sockets); and
/// the files that may be passed over them.
///
/// Public so that a user's client can compose over it: handle the operations it is about (say `receive-exactly`
/// with its own framing reader over ``socket(_:)``) and pass the others to this binding.
public struct UnixSocketBinding: ObjectBinding {
    public typealias Model = UnixSocketModel

    let type: UnixSocketType
    /// The client that carries out `receive-exactly` (the kernel's loop unless a client says otherwise).
    var framingReader: any StreamFramingReader = FramingReader()
    /// `client.recvmmsg-full-vector`: a receiver that reads every entry of its `recvmmsg` vector as a datagram,
    /// whatever count the call returned (the entries past it: empty, as its zeroed buffers hold nothing).
    var assumesFullVector = false
    /// The stale-socket idiom, a bug: a bind that finds its path taken unlinks whatever is there and binds again —
    /// taking a live listener's path (`client.bind-unlinks-taken-path`).
    var unlinksTakenPath = false
    /// A bug: `MSG_OOB` receives only after a `SIGURG` taken since the last one, taking each signal for one urgent
    /// byte waiting and reporting none (`EINVAL`) without one (`client.stream-urgent-when-signalled`).
    var urgentWhenSignalled = false
    private var urgentSignalled = false
    /// A portability bug: BSD's rule on Linux — a socket accepted from a listener whose `O_NONBLOCK` is on is taken
    /// for nonblocking too, so its receives go with `MSG_DONTWAIT` and report the `EAGAIN` a blocking receive never
    /// gives (`client.accept-inherits-nonblocking`; measured: Linux's accepted socket starts blocking).
    var acceptInheritsNonblocking = false
    /// A bug: a reader that takes a blocking receive's `EAGAIN` under `SO_RCVTIMEO` for the peer's close, as a
    /// receive returning 0 — the classic "recv returned nothing, so the connection is over" (the ends it set a receive
    /// timeout on; `client.unix-timeout-as-end-of-file`).
    var timeoutAsEndOfFile = false
    private var receiveTimed: Set<String> = []
    /// The accepted sockets `acceptInheritsNonblocking` believes nonblocking.
    private var believedNonblocking: Set<String> = []
    /// A bug: an event loop that keeps a socket writable from the `EPOLLOUT` it last saw until a send of its own fails
    /// `EAGAIN`, as if only its own sends could fill what it writes to — true of its send buffer, not of a connected
    /// datagram socket's peer, whose queue other senders fill: its waits report `EPOLLOUT` for its level-triggered
    /// registrations the kernel withholds (`client.dgram-sticky-writable`; measured: `unix_dgram_poll` withholds it
    /// while the peer's queue is full).
    var stickyWritable = false
    /// The sockets `stickyWritable` believes writable, and those it registered level-triggered for `EPOLLOUT`.
    private var believedWritable: Set<String> = [], levelOutput: Set<String> = []
    private let context: WorkerContext
    /// The owner mapping and the I/O signals this process keeps blocked (`ioSignals`).
    private let ioSignals: IOSignalBinding
    var sockets: [String: FileDescriptor] = [:]
    /// This process's other descriptors of each socket, `dup`'s and `dup2`'s copies, newest last (see
    /// `UnixSocketKind+Descriptors`).
    var copies: [String: [FileDescriptor]] = [:]
    /// The listener's address (connect), or every bound socket's address (sendto, and naming senders).
    private let listenerAddress: UnixAddress?
    private let addresses: [String: UnixAddress]
    private var files: [String: [FileDescriptor]] = [:]
    private var pipeReaders: [String: FileDescriptor] = [:]
    private let fileNames: [FileIdentity: String]
    /// Where this process's `bind`s to a fresh address go: a path (removed after each bind) and the stem of
    /// abstract names (numbered, since a bound socket of the object keeps its name).
    private let bindPath: String?
    private let bindAbstract: String?
    private var abstractNamesUsed = 0
    /// This process's epoll instance for the object (see ``EpollInstance``): registrations name the socket.
    private let epoll = EpollInstance<String>()
    /// The epoll instances it keeps by name (``UnixSocketModel+NestedEpoll``).
    private var kept = KeptEpollInstances<String>()
    /// `client.unix-nested-dispatch`'s wrong belief (``KeptEpollInstances/wait``): a reported instance drained at once.
    var dispatchesNested = false
    /// The fresh abstract names this process's `bind`s gave the object's sockets, by socket.
    private var ownNames: [String: UnixAddress] = [:]

    /// The binding for this process's part of `object`, as the unix-socket kind provisioned it.
    public init(_ object: WorkerObject) throws(BindingError) {
        guard case .string(let typeName)? = object.setup["type"], let type = UnixSocketType(rawValue: typeName) else {
            throw BindingError("a unix-socket setup needs a 'type'")
        }
        self.type = type
        self.context = object.context
        self.ioSignals = IOSignalBinding(object)
        for member in object.setup["sockets"]?.objectValue ?? JSONObject() {
            guard case .integer(let fd) = member.value else { throw BindingError("socket '\(member.key)' needs a descriptor") }
            sockets[member.key] = FileDescriptor(rawValue: CInt(fd))
        }
        listenerAddress = try object.setup["address"].map(Self.address)
        var addresses: [String: UnixAddress] = [:]
        for member in object.setup["addresses"]?.objectValue ?? JSONObject() { addresses[member.key] = try Self.address(member.value) }
        self.addresses = addresses
        var names: [FileIdentity: String] = [:]
        for member in object.setup["files"]?.objectValue ?? JSONObject() {
            let file = member.value
            guard case .string(let identity)? = file["identity"], let parsed = Self.identity(identity) else {
                throw BindingError("file '\(member.key)' needs its 'identity'")
            }
            names[parsed] = member.key
            if case .integer(let fd)? = file["fd"] { files[member.key] = [FileDescriptor(rawValue: CInt(fd))] }
            if case .integer(let fd)? = file["reader"] { pipeReaders[member.key] = FileDescriptor(rawValue: CInt(fd)) }
        }
        fileNames = names
        if case .string(let path)? = object.setup["bindPath"] { bindPath = path } else { bindPath = nil }
        if case .string(let name)? = object.setup["bindAbstract"] { bindAbstract = name } else { bindAbstract = nil }
    }

    /// What `stickyWritable`'s event loop reports for a wait: the kernel's reports, noting each `EPOLLOUT`, plus
    /// `EPOLLOUT` for every level-triggered registration it still believes writable (room allowing).
    private mutating func believedWritability(_ kernel: [Epoll.Report<String>], maxEvents: Int) -> [Epoll.Report<String>] {
        var reports = kernel
        for report in kernel where report.events.contains(.output) { believedWritable.insert(report.target) }
        for end in believedWritable.intersection(levelOutput).sorted() where sockets[end] != nil {
            if let index = reports.firstIndex(where: { $0.target == end }) {
                reports[index].events.insert(.output)
            } else if reports.count < maxEvents {
                reports.append(Epoll.Report(target: end, events: .output))
            }
        }
        return reports.sorted()
    }

    /// This process's socket named `end` (`a`, `client-2`, …), while it is open.
    public func socket(_ end: String) -> FileDescriptor? { sockets[end] }

    /// The same, as the number C calls take.
    public func socketNumber(_ end: String) -> CInt? { sockets[end]?.rawValue }

    /// A call on a kept epoll instance, or one naming an instance as its target (a wait on the implicit instance too,
    /// once it holds one).
    private mutating func nested(_ call: UnixSocketModel.NestedEpollCall) throws(Errno) -> UnixSocketModel.Output {
        let sockets = self.sockets
        return UnixSocketModel.output(
            of: try kept.perform(call, implicit: epoll, leaf: { sockets[$0]?.rawValue ?? -1 }, unknown: "?", dispatchingNested: dispatchesNested))
    }

    public mutating func perform(_ input: UnixSocketModel.Input) throws(Errno) -> UnixSocketModel.Output {
        // A socket call on "regular-file" goes to the kernel on a memory file this process holds for the call
        // (`ENOTSOCK`, or `accept4`'s `EINVAL` first): the model's `regularFileFailure`.
        let onRegularFile = UnixSocketModel.regularFileFailure(input) != nil
        if onRegularFile {
            sockets[UnixSocketModel.regularFile] = try Syscall.memfdCreate("ipch-regular-file")
        }
        defer {
            if onRegularFile, let file = sockets.removeValue(forKey: UnixSocketModel.regularFile) { try? Syscall.close(file) }
        }
        switch input {
        case .refusedOption(_, let end, let set, let level, let option):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            if set {
                try Syscall.setSocketOption(socket, level: CInt(truncatingIfNeeded: level), CInt(truncatingIfNeeded: option), 1)
                return .closed
            }
            return .value(try Syscall.socketOption(socket, level: CInt(truncatingIfNeeded: level), CInt(truncatingIfNeeded: option)))
        case .socketName(_, let end, let peer):
            let socket = try heldOrNew(end, type: nil)
            defer { if end == nil { try? Syscall.close(socket) } }
            let address = try peer ? Syscall.peerAddress(socket) : Syscall.socketAddress(socket)
            return .address(addressName(address, call: peer ? "getpeername" : "getsockname"))
        case .epoll(_, .control(let operation, let end, let events)):
            try epoll.control(operation, target: end, descriptor: end.flatMap { sockets[$0] }, events: events)
            if let end {
                let level = events.contains(.output) && !events.contains(.edgeTriggered) && !events.contains(.oneShot)
                switch operation {
                case .add, .modify: if level { levelOutput.insert(end) } else { levelOutput.remove(end) }
                default: levelOutput.remove(end)
                }
            }
            return .epollControlled
        case .epoll(_, .misdirected(let call)):
            return try epoll.perform(call, descriptor: { sockets[$0] }, unknown: "?").map { .epollEvents($0) } ?? .epollControlled
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .epoll(_, .wait(let maxEvents, let timeout, let form)) where kept.implicitHoldsNested:
            return try nested(.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form))
        case .nestedEpoll(_, let call):
            return try nested(call)
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            var reports = try epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: "?")
            if stickyWritable { reports = believedWritability(reports, maxEvents: maxEvents) }
            return .epollEvents(reports)
        case .send(_, let end, let data, let nonblocking, let to, let passing):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            // A file this process does not hold goes as descriptor -1, and the kernel says EBADF.
            let passed = passing.map { files[$0]?.last ?? FileDescriptor(rawValue: -1) }
            // A path or name that is no socket's (`fresh-path`, …) is resolved as a connect's would be.
            var address: UnixAddress?
            if let to {
                if case let named = UnixSocketModel.BindAddress(name: to), !named.isSocket {
                    address = resolve(named, for: "send")
                } else if let bound = addresses[to] ?? ownNames[to] ?? (to == "listen" ? listenerAddress : nil) {
                    address = bound
                } else {
                    BindingFailure.abandon("send: no socket '\(to)' to send to")
                }
            }
            switch try KernelUnixSocket.send(socket, data, to: address, descriptors: passed, nonblocking: nonblocking) {
            case .completed(let count): return .sent(count)
            case .wouldBlock:
                believedWritable.remove(end)
                throw .wouldBlock
            }
        case .sendOutOfBand(_, let end, let data, let nonblocking):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.send(socket, data, nonblocking: nonblocking, outOfBand: true) {
            case .completed(let count): return .sent(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .receiveOutOfBand(_, let end, let max, let peek):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            if urgentWhenSignalled {
                guard urgentSignalled else { throw .invalidArgument }  // believed none: no SIGURG since the last
                if !peek { urgentSignalled = false }
            }
            // It never sleeps; MSG_DONTWAIT only keeps a binding mistake from hanging the worker.
            switch try KernelUnixSocket.receive(socket, maximum: max, nonblocking: true, peek: peek, outOfBand: true) {
            case .completed(let message):
                var received = try record(message)
                if message.length != message.data.count { received.length = message.length }
                return .received(received)
            case .wouldBlock: throw .wouldBlock
            }
        case .atMark(_, let end):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return .value(try Syscall.socketAtMark(socket))
        case .setOutOfBandInline(_, let end, let value):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.setSocketOption(socket, SO_OOBINLINE, CInt(truncatingIfNeeded: value))
            return .closed
        case .receive(_, let end, let max, let nonblocking, let room):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.receive(
                socket, maximum: max, descriptorRoom: room, wantSender: !addresses.isEmpty,
                nonblocking: nonblocking || believedNonblocking.contains(end))
            {
            case .completed(let message): return .received(try record(message))
            case .wouldBlock:
                if timeoutAsEndOfFile && !nonblocking && receiveTimed.contains(end) { return .received(.init(data: [])) }
                throw .wouldBlock
            }
        case .receiveTruncating(_, let end, let max, let nonblocking, let peek):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.receive(
                socket, maximum: max, wantSender: !addresses.isEmpty, nonblocking: nonblocking, peek: peek, truncating: true)
            {
            case .completed(let message):
                var received = try record(message)
                if message.length != message.data.count { received.length = message.length }
                return .received(received)
            case .wouldBlock: throw .wouldBlock
            }
        case .receiveWaitingAll(_, let end, let max, let nonblocking):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.receive(
                socket, maximum: max, wantSender: !addresses.isEmpty, nonblocking: nonblocking, waitingForAll: true)
            {
            case .completed(let message): return .received(try record(message))
            case .wouldBlock: throw .wouldBlock
            }
        case .peek(_, let end, let max, let nonblocking, let room):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.receive(
                socket, maximum: max, descriptorRoom: room, wantSender: !addresses.isEmpty, nonblocking: nonblocking, peek: true)
            {
            case .completed(let message): return .received(try record(message))
            case .wouldBlock: throw .wouldBlock
            }
        case .sendBatch(_, let end, let messages, let nonblocking, let to):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            var address: UnixAddress?
            if let to {
                guard let bound = addresses[to] ?? ownNames[to] else { BindingFailure.abandon("sendmmsg: no socket '\(to)' to send to") }
                address = bound
            }
            let sent = try Syscall.sendMessages(
                socket, Array(messages.prefix(UnixSocketModel.batchLimit)), to: address, flags: nonblocking ? Syscall.MessageFlags.dontWait : 0)
            return .sentBatch(sent)
        case .receiveBatch(_, let end, let max, let count, let nonblocking, let waitForOne, let timeout):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            let limit: Syscall.BatchTimeout? =
                switch timeout {
                case nil: nil
                case .zero?: .init(seconds: 0, nanoseconds: 0)
                case .positive?: .init(seconds: 1, nanoseconds: 0)
                case .invalid?: .init(seconds: 0, nanoseconds: 1_000_000_000)
                }
            let flags = (nonblocking ? Syscall.MessageFlags.dontWait : 0) | (waitForOne ? Syscall.messageWaitForOne : 0)
            let entries = try Syscall.receiveMessages(
                socket, maximum: max, vlen: count, wantSender: !addresses.isEmpty, timeout: limit, flags: flags)
            var received = entries.map { entry in
                UnixSocketModel.Received(
                    data: entry.data, truncated: entry.truncated, filesTruncated: entry.controlTruncated,
                    from: entry.sender.flatMap { sender in addresses.first { $0.value == sender }?.key })
            }
            if assumesFullVector {
                while received.count < count { received.append(UnixSocketModel.Received(data: [])) }
            }
            return .receivedBatch(received)
        case .receiveExactly(_, let end, let size):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            // A framing reader is for streams: a datagram or record socket keeps its own boundaries.
            guard type == .stream else { throw .invalidArgument }
            return .received(try record(try framingReader.receive(exactly: size, from: socket)))
        case .connect(_, let nonblocking):
            return try connect(nonblocking: nonblocking)
        case .connectPeer(_, let end, let to):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            guard let address = addresses[to] else { BindingFailure.abandon("connect: no socket '\(to)' to connect to") }
            try Syscall.connect(socket, to: address)
            return .closed
        case .connectTo(_, let end, let type, let address, let nonblocking):
            return try connect(end: end, type: type, to: address, nonblocking: nonblocking)
        case .disconnectPeer(_, let end):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.disconnect(socket)
            return .closed
        case .accept(_, let end, let nonblocking, let flags):
            guard let listener = sockets[end] else { throw .badFileDescriptor }
            switch try KernelUnixSocket.accept(listener, nonblocking: nonblocking, flags: CInt(truncatingIfNeeded: flags)) {
            case .wouldBlock:
                throw .wouldBlock
            case .completed(let socket):
                let peer = try Syscall.peerProcessID(socket)
                guard let process = context.process(of: peer) else {
                    try? Syscall.close(socket)
                    BindingFailure.abandon("accept: the peer \(peer) is not one of the run's workers")
                }
                sockets["server-\(process)"] = socket
                if acceptInheritsNonblocking, try Syscall.statusFlags(listener) & O_NONBLOCK != 0 {
                    believedNonblocking.insert("server-\(process)")
                }
                return .connected("server-\(process)")
            }
        case .socket(_, let domain, let type, let `protocol`):
            let made = try Syscall.socket(
                domain: CInt(domain), type: CInt(truncatingIfNeeded: type), protocol: CInt(`protocol`))
            defer { try? Syscall.close(made) }
            switch try Syscall.socketOption(made, SO_TYPE) {
            case 1: return .created(.stream)
            case 5: return .created(.seqpacket)
            default: return .created(.dgram)
            }
        case .socketPair(_, let domain, let type, let `protocol`):
            let (first, second) = try Syscall.socketPair(
                domain: CInt(truncatingIfNeeded: domain), type: CInt(truncatingIfNeeded: type), protocol: CInt(truncatingIfNeeded: `protocol`))
            defer { for end in [first, second] { try? Syscall.close(end) } }
            // Both ends get the same flags (measured, UnixSocketPairFactsTests): the first's stand for the pair.
            let kind: UnixSocketModel.SocketType = switch try Syscall.socketOption(first, SO_TYPE) {
            case 1: .stream
            case 5: .seqpacket
            default: .dgram
            }
            return .pairCreated(
                kind, nonblocking: try Syscall.statusFlags(first) & O_NONBLOCK != 0, closeOnExec: try Syscall.closesOnExec(first))
        case .bind(_, let end, let type, let address):
            return try bind(end: end, type: type, to: address)
        case .listen(_, let end, let backlog):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.listen(socket, backlog: backlog)
            return .closed
        case .close(_, let end):
            guard let socket = sockets.removeValue(forKey: end) else { throw .badFileDescriptor }
            if let copy = copies[end]?.popLast() { sockets[end] = copy }  // the socket stays open through its copy
            try Syscall.close(socket)
            return .closed
        case .shutdown(_, let end, let how):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.shutdown(socket, how: CInt(truncatingIfNeeded: how))
            return .closed
        case .poll(_, let end, let events, let timeout):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            let reported = try KernelUnixSocket.poll(socket, events: Self.kernelEvents(events), timeout: timeout)
            return .polled(Self.modelEvents(reported))
        case .select(_, let end, let read, let write, let timeout):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            let selected = try Syscall.select(socket, read: read, write: write, timeoutMilliseconds: timeout, retryOnInterrupt: false)
            return .selected(readable: selected.readable, writable: selected.writable)
        case .selectWithExceptions(_, let end, let read, let write, let timeout):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            let selected = try Syscall.select(
                socket, read: read, write: write, exceptional: true, timeoutMilliseconds: timeout,
                retryOnInterrupt: false)
            return .selectedWithExceptions(
                readable: selected.readable, writable: selected.writable, exceptional: selected.exceptional)
        case .getOption(_, let end, let option):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            switch option {
            case .error:
                let code = try Syscall.socketOption(socket, SO_ERROR)
                return .socketError(code == 0 ? nil : ErrorCode(Errno(rawValue: CInt(code)).name))
            case .type: return .value(try Syscall.socketOption(socket, SO_TYPE))
            case .sendBuffer: return .value(try Syscall.socketOption(socket, SO_SNDBUF))
            case .peekOffset: return .value(try Syscall.socketOption(socket, SO_PEEK_OFF))
            case .outOfBandInline: return .value(try Syscall.socketOption(socket, SO_OOBINLINE))
            case .passSecurity: return .value(try Syscall.socketOption(socket, SO_PASSSEC))
            case .receiveTimeout, .sendTimeout:
                let reported = try Syscall.socketTimeout(socket, option == .sendTimeout ? SO_SNDTIMEO : SO_RCVTIMEO)
                return .timeout(.init(seconds: reported.seconds, microseconds: reported.microseconds))
            case .peerCredentials:
                // Only the harness (which provisions pairs and listeners) and the run's workers make sockets here, so
                // a pid that is no worker's is the harness's.
                let credentials = try Syscall.peerCredentials(socket)
                let who: UnixSocketModel.Credentials =
                    credentials.pid == 0 ? .none : context.process(of: credentials.pid).map { .process($0) } ?? .harness
                return .peerCredentials(.init(who: who, uid: Int(credentials.uid), gid: Int(credentials.gid)))
            case .peerPidfd:
                // The pidfd names the process SO_PEERCRED does (a reaped one's pidfd reads pid -1): read whose it is
                // there, once the pidfd was given.
                try Syscall.close(try Syscall.peerPidfd(socket))
                let credentials = try Syscall.peerCredentials(socket)
                return .peerCredentials(.init(who: context.process(of: credentials.pid).map { .process($0) } ?? .harness))
            }
        case .setTimeout(_, let end, let send, let timeout):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.setSocketTimeout(socket, send ? SO_SNDTIMEO : SO_RCVTIMEO, seconds: timeout.seconds, microseconds: timeout.microseconds)
            if !send { receiveTimed.insert(end) }
            return .closed
        case .setPassPidfd:
            BindingFailure.abandon("setsockopt SO_PASSPIDFD: this binding's receives do not read SCM_PIDFD")
        case .setPassCredentials:
            BindingFailure.abandon("setsockopt SO_PASSCRED: this binding's receives do not read SCM_CREDENTIALS")
        case .setPassSecurity:
            BindingFailure.abandon("setsockopt SO_PASSSEC: this binding's receives do not read SCM_SECURITY")
        case .sendCredentials:
            BindingFailure.abandon("send with SCM_CREDENTIALS (and SCM_RIGHTS with them): a worker knows no other trace process's pid")
        case .setPeekOffset(_, let end, let value):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.setSocketOption(socket, SO_PEEK_OFF, CInt(truncatingIfNeeded: value))
            return .closed
        case .setSendBuffer(_, let end, let value):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            try Syscall.setSocketOption(socket, SO_SNDBUF, CInt(truncatingIfNeeded: value))
            return .closed
        case .queued(_, let end, let outgoing):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return .value(try outgoing ? Syscall.socketOutputQueue(socket) : Syscall.socketInputQueue(socket))
        case .readFile(_, let file, let max):
            guard let descriptor = files[file]?.last else { throw .badFileDescriptor }
            var buffer = [UInt8](repeating: 0, count: max)
            let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw))
            }
            return .fileData(Array(buffer[..<count]))
        case .closeFile(_, let file):
            guard let descriptor = files[file]?.popLast() else { throw .badFileDescriptor }
            try Syscall.close(descriptor)
            return .closed
        case .probe(_, let file):
            guard let reader = pipeReaders[file] else { throw .badFileDescriptor }
            return .probed(open: try KernelPipe.read(reader, max: 1, nonblocking: true) == .wouldBlock)
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        case .fileControl(_, let end, let command):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return try fileControl(command, on: socket)
        case .read, .write, .duplicate, .status:
            return try performOnDescriptor(input)
        case .takeSignal(_, let signals, let wait):
            let taken = try ioSignals.take(signals, wait: wait)
            if taken.signal == 23 { urgentSignalled = true }  // SIGURG
            return .signalTaken(taken)
        }
    }

    /// `fcntl`'s owner, signal, `O_ASYNC` and `O_NONBLOCK` commands on one of this process's sockets (`FIOASYNC`,
    /// `FIONBIO`: the `ioctl`s for the two flags).
    private func fileControl(_ command: UnixSocketModel.FileControl, on socket: FileDescriptor) throws(Errno) -> UnixSocketModel.Output {
        switch command {
        case .getFlags:
            // O_NONBLOCK marked with O_APPEND is a sibling's nonblocking accept for its one call
            // (KernelUnixSocket.accept), on a description whose own flag is off.
            let flags = try Syscall.statusFlags(socket)
            return .flags(nonblocking: flags & O_NONBLOCK != 0 && flags & O_APPEND == 0, async: flags & O_ASYNC != 0)
        case .setAsync(let on):
            let flags = try Syscall.statusFlags(socket)
            try Syscall.setStatusFlags(socket, on ? flags | O_ASYNC : flags & ~O_ASYNC)
        case .setAsyncByIoctl(let on): try Syscall.setAsyncByIoctl(socket, on)
        case .setNonblocking(let on): try Syscall.setNonblocking(socket, on)
        case .setNonblockingByIoctl(let on): try Syscall.control(socket, request: UInt(FIONBIO), argument: on ? 1 : 0)
        case .setFlags(let nonblocking, let async):
            let flags = try Syscall.statusFlags(socket) & ~(O_NONBLOCK | O_ASYNC)
            try Syscall.setStatusFlags(socket, flags | (nonblocking ? O_NONBLOCK : 0) | (async ? O_ASYNC : 0))
        case .getOwner: return .owner(ioSignals.report(try Syscall.owner(socket)))
        case .setOwner(let owner): try Syscall.setOwner(socket, ioSignals.argument(owner))
        case .getOwnerEx:
            let (type, report) = try ioSignals.ownerEx(socket)
            return .ownerEx(type, report)
        case .setOwnerEx(let type, let owner): try ioSignals.setOwnerEx(socket, type: type, owner: owner)
        case .getSignal: return .ioSignal(Int(try Syscall.ioSignal(socket)))
        case .setSignal(let signal): try Syscall.setIOSignal(socket, CInt(truncatingIfNeeded: signal))
        }
        return .closed
    }

    /// The model's `poll` events as the kernel's bits, and back (bits the model does not know are dropped: it asks
    /// for none of them).
    static func kernelEvents(_ events: UnixSocketModel.PollEvents) -> KernelUnixSocket.PollEvents {
        var bits: KernelUnixSocket.PollEvents = []
        for (model, kernel) in pollEventPairs where events.contains(model) { bits.insert(kernel) }
        return bits
    }

    static func modelEvents(_ bits: KernelUnixSocket.PollEvents) -> UnixSocketModel.PollEvents {
        var events: UnixSocketModel.PollEvents = []
        for (model, kernel) in pollEventPairs where bits.contains(kernel) { events.insert(model) }
        return events
    }

    static let pollEventPairs: [(UnixSocketModel.PollEvents, KernelUnixSocket.PollEvents)] = [
        (.input, .input), (.output, .output), (.readHangUp, .readHangUp), (.hangUp, .hangUp), (.error, .error),
        (.priority, .priority),
    ]

    /// `bind` of this process's socket `end`, or of a new socket of `type` (the object's if nil) closed at once. A
    /// bind that made a fresh path removes it at once: only the outcome is judged, and a socket of the object
    /// keeps its binding without the file.
    private mutating func bind(
        end: String?, type newType: UnixSocketModel.SocketType?, to address: UnixSocketModel.BindAddress
    ) throws(Errno) -> UnixSocketModel.Output {
        let target = resolve(address, for: "bind")
        let socket = try heldOrNew(end, type: newType)
        defer { if end == nil { try? Syscall.close(socket) } }
        do throws(Errno) {
            try Syscall.bind(socket, to: target)
        } catch .addressInUse where unlinksTakenPath {
            guard case .path(let path) = target else { throw .addressInUse }
            try Syscall.unlink(path)
            try Syscall.bind(socket, to: target)
        }
        if case .freshPath = address, case .path(let path) = target { try? Syscall.unlink(path) }
        if let end, case .freshAbstract = address { ownNames[end] = target }
        return .closed
    }

    /// This process's socket `end` (`EBADF` if it holds none), or (nil) a new socket of `type` (the object's if nil)
    /// for the caller to close.
    private func heldOrNew(_ end: String?, type newType: UnixSocketModel.SocketType?) throws(Errno) -> FileDescriptor {
        guard let end else { return try Syscall.unixSocket(newType.flatMap { UnixSocketType(rawValue: $0.rawValue) } ?? type) }
        guard let held = sockets[end] else { throw .badFileDescriptor }
        return held
    }

    /// Where `address` points for this process: a fresh path (removed after each bind, so absent otherwise), a
    /// fresh abstract name (numbered: never held before), a path in a missing directory, a file that is no socket
    /// (`/proc/self/status`: a bind there is `EADDRINUSE`, a connect `ECONNREFUSED`, measured), or a socket's
    /// address: the listener's, a bound socket's, or the fresh abstract name a `bind` of this process gave a socket.
    private mutating func resolve(_ address: UnixSocketModel.BindAddress, for call: String) -> UnixAddress {
        guard let bindPath, let bindAbstract else { BindingFailure.abandon("\(call): this setup has no fresh addresses") }
        switch address {
        case .freshPath: return .path(bindPath)
        case .freshAbstract:
            abstractNamesUsed += 1
            return .abstract("\(bindAbstract)-\(abstractNamesUsed)")
        case .missingDirectory: return .path("\(bindPath)-missing/socket")
        // A file that is no socket and that every user may write: a connect or sendto to one it may not write fails
        // EACCES before the kernel sees it is no socket (uid 65534 and /proc/self/status, mode 0444), which the
        // model's `existing-file` does not say.
        case .existingFile: return .path("/dev/null")
        case .of(let name):
            if name == "listen", let listenerAddress { return listenerAddress }
            if let bound = addresses[name] ?? ownNames[name] { return bound }
            BindingFailure.abandon("\(call): no socket '\(name)' with an address")
        }
    }

    /// The model's name for an address `getsockname` or `getpeername` reported: `unnamed`, or the socket whose bind
    /// made it — the listener, a bound socket, or a socket this process's `bind` gave a fresh abstract name. An
    /// address this process cannot attribute (another process's fresh name, a fresh path) is refused loudly.
    private func addressName(_ address: UnixAddress?, call: String) -> String {
        guard let address else { return UnixSocketModel.unnamed }
        if address == listenerAddress { return "listen" }
        if let bound = addresses.first(where: { $0.value == address }) ?? ownNames.first(where: { $0.value == address }) {
            return bound.key
        }
        BindingFailure.abandon("\(call): \(address) is no address this process can name")
    }

    /// `connect` of this process's socket `end`, or of a new socket of `type` closed at once, to `address` (the
    /// model's `connectTo`); a nonblocking one sets `O_NONBLOCK` on its own socket for the call.
    private mutating func connect(
        end: String?, type newType: UnixSocketModel.SocketType?, to address: UnixSocketModel.BindAddress, nonblocking: Bool
    ) throws(Errno) -> UnixSocketModel.Output {
        let target = resolve(address, for: "connect")
        let socket = try heldOrNew(end, type: newType)
        defer { if end == nil { try? Syscall.close(socket) } }
        // A held socket's description may be shared with other processes: see KernelUnixSocket.connect.
        let datagram = (newType.flatMap { UnixSocketType(rawValue: $0.rawValue) } ?? type) == .dgram
        try KernelUnixSocket.connect(socket, to: target, nonblocking: nonblocking, datagram: datagram)
        return .closed
    }

    /// Connects this process's client socket; a second connect while it is open goes to the kernel on the same
    /// socket (which says `EISCONN`, or why not).
    private mutating func connect(nonblocking: Bool) throws(Errno) -> UnixSocketModel.Output {
        let name = "client-\(context.process)"
        guard let address = listenerAddress else { BindingFailure.abandon("connect: this object has no listener address") }
        if let existing = sockets[name] {
            // This process's own client socket, connected again (the kernel says EISCONN, or why not).
            try KernelUnixSocket.connect(existing, to: address, nonblocking: nonblocking, datagram: type == .dgram)
            return .connected(name)
        }
        switch try KernelUnixSocket.connect(type, to: address, nonblocking: nonblocking) {
        case .wouldBlock:
            throw .wouldBlock
        case .completed(let socket):
            sockets[name] = socket
            return .connected(name)
        }
    }

    /// A receipt as the model names it; received descriptors are kept under their file's name.
    private mutating func record(_ message: ReceivedMessage) throws(Errno) -> UnixSocketModel.Received {
        var names: [String] = []
        for descriptor in message.descriptors {
            guard let name = fileNames[try Syscall.fileIdentity(descriptor)] else {
                try? Syscall.close(descriptor)
                BindingFailure.abandon("receive: a descriptor arrived that is none of the object's files")
            }
            files[name, default: []].append(descriptor)
            names.append(name)
        }
        let sender = message.sender.flatMap { sender in addresses.first { $0.value == sender }?.key }
        return UnixSocketModel.Received(
            data: message.data, truncated: message.truncated, files: names, filesTruncated: message.descriptorsTruncated, from: sender)
    }

    /// `{"path": "/tmp/..."}` or `{"abstract": "ipch-..."}`.
    static func address(_ value: JSONValue) throws(BindingError) -> UnixAddress {
        if case .string(let path)? = value["path"] { return .path(path) }
        if case .string(let name)? = value["abstract"] { return .abstract(name) }
        throw BindingError("an address is {\"path\": ...} or {\"abstract\": ...}")
    }

    static func json(_ address: UnixAddress) -> JSONValue {
        switch address {
        case .path(let path): ["path": .string(path)]
        case .abstract(let name): ["abstract": .string(name)]
        }
    }

    static func identity(_ text: String) -> FileIdentity? {
        let parts = text.split(separator: ":").compactMap { UInt64($0) }
        return parts.count == 2 ? FileIdentity(device: parts[0], inode: parts[1]) : nil
    }
}
