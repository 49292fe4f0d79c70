import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Unix-socket operations in a worker, on the sockets of one object, named as the unix-socket model names them:
/// `a`/`b` (a pair), `listen`, `client-P` and `server-P` (a listener and its connections), `pP` (bound datagram
/// sockets); and the files that may be passed over them, named by the object's setup and recognised on receipt by
/// their device and inode.
///
/// Implementations: `kernel.unix-socket` (one system call per operation, and the reading loop for
/// `receive-exactly`), and clients that frame messages on a stream, judged by `receive-exactly`: the fragile
/// `client.stream-framing-one-read` (one receive taken for the whole message) and its robust twin
/// `client.stream-framing-reader` (the loop). Every other operation is the kernel's under each.
struct UnixSocketBinding: WorkerBinding {
    private let type: UnixSocketType
    /// The client that carries out `receive-exactly`.
    private var framingReader: any StreamFramingReader
    private let context: WorkerContext
    private var sockets: [String: FileDescriptor] = [:]
    /// The listener's address (connect), or every bound socket's address (sendto, and naming senders).
    private let listenerAddress: UnixAddress?
    private let addresses: [String: UnixAddress]
    private var files: [String: [FileDescriptor]] = [:]
    private var pipeReaders: [String: FileDescriptor] = [:]
    private let fileNames: [FileIdentity: String]

    /// `implementation` names what the run tests, which may be another object's (a workload of several kinds):
    /// only the fragile framing client changes what this binding does.
    init(setup: JSONValue, implementation: String, context: WorkerContext) throws(BindingError) {
        framingReader = implementation == "client.stream-framing-one-read" ? OneReadFramingReader() : FramingReader()
        guard case .string(let typeName)? = setup["type"], let type = UnixSocketType(rawValue: typeName) else {
            throw BindingError("a unix-socket setup needs a 'type'")
        }
        self.type = type
        self.context = context
        for member in setup["sockets"]?.objectValue ?? JSONObject() {
            guard case .integer(let fd) = member.value else { throw BindingError("socket '\(member.key)' needs a descriptor") }
            sockets[member.key] = FileDescriptor(rawValue: CInt(fd))
        }
        listenerAddress = try setup["address"].map(Self.address)
        var addresses: [String: UnixAddress] = [:]
        for member in setup["addresses"]?.objectValue ?? JSONObject() { addresses[member.key] = try Self.address(member.value) }
        self.addresses = addresses
        var names: [FileIdentity: String] = [:]
        for member in setup["files"]?.objectValue ?? JSONObject() {
            let file = member.value
            guard case .string(let identity)? = file["identity"], let parsed = Self.identity(identity) else {
                throw BindingError("file '\(member.key)' needs its 'identity'")
            }
            names[parsed] = member.key
            if case .integer(let fd)? = file["fd"] { files[member.key] = [FileDescriptor(rawValue: CInt(fd))] }
            if case .integer(let fd)? = file["reader"] { pipeReaders[member.key] = FileDescriptor(rawValue: CInt(fd)) }
        }
        fileNames = names
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            let nonblocking = try value.optional("nonblocking")?.boolean("nonblocking") ?? false
            switch f {
            case "send":
                guard let socket = sockets[try value.required("end").text("end")] else { return .fail("EBADF") }
                let to = try value.optional("to")?.text("to")
                let passed = try value.optional("files")?.elements("files").map { file in
                    // A file this process does not hold goes as descriptor -1, and the kernel says EBADF.
                    files[try file.text("files")]?.last ?? FileDescriptor(rawValue: -1)
                } ?? []
                let address = try to.map { (name) throws(BindingError) -> UnixAddress in
                    guard let address = addresses[name] else { throw BindingError("send: no socket '\(name)' to send to") }
                    return address
                }
                switch try KernelUnixSocket.send(
                    socket, try value.required("data").payload("data"), to: address, descriptors: passed,
                    nonblocking: nonblocking)
                {
                case .completed(let count): return .ok(["sent": .int(count)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "receive":
                guard let socket = sockets[try value.required("end").text("end")] else { return .fail("EBADF") }
                let max = try value.required("max").integer("max", in: 0...1 << 24)
                let room = try value.optional("maxFiles")?.integer("maxFiles", in: 0...64) ?? 0
                switch try KernelUnixSocket.receive(
                    socket, maximum: max, descriptorRoom: room, wantSender: !addresses.isEmpty, nonblocking: nonblocking)
                {
                case .completed(let message): return .ok(try record(message))
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "receive-exactly":
                guard let socket = sockets[try value.required("end").text("end")] else { return .fail("EBADF") }
                let size = try value.required("size").integer("size", in: 0...1 << 24)
                // A framing reader is for streams: a datagram or record socket keeps its own boundaries.
                guard type == .stream else { return .fail("EINVAL") }
                return .ok(try record(try framingReader.receive(exactly: size, from: socket)))
            case "connect":
                return try connect(nonblocking: nonblocking)
            case "accept":
                guard let listener = sockets[try value.optional("end")?.text("end") ?? "listen"] else { return .fail("EBADF") }
                switch try KernelUnixSocket.accept(listener, nonblocking: nonblocking) {
                case .wouldBlock:
                    return .fail("EAGAIN")
                case .completed(let socket):
                    let peer = try Syscall.peerProcessID(socket)
                    guard let process = context.process(of: peer) else {
                        try? Syscall.close(socket)
                        throw BindingError("accept: the peer \(peer) is not one of the run's workers")
                    }
                    sockets["server-\(process)"] = socket
                    return .ok(["end": .string("server-\(process)")])
                }
            case "close":
                guard let socket = sockets.removeValue(forKey: try value.required("end").text("end")) else { return .fail("EBADF") }
                try Syscall.close(socket)
                return .ok(nil)
            case "read-file":
                guard let file = files[try value.required("file").text("file")]?.last else { return .fail("EBADF") }
                var buffer = [UInt8](repeating: 0, count: try value.required("max").integer("max", in: 0...1 << 24))
                let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.read(file, into: UnsafeMutableRawBufferPointer(raw))
                }
                return .ok(["data": Payload.json(buffer[..<count])])
            case "close-file":
                guard let file = files[try value.required("file").text("file")]?.popLast() else { return .fail("EBADF") }
                try Syscall.close(file)
                return .ok(nil)
            case "probe":
                guard let reader = pipeReaders[try value.required("file").text("file")] else { return .fail("EBADF") }
                let open = try KernelPipe.read(reader, max: 1, nonblocking: true) == .wouldBlock
                return .ok(["open": .bool(open)])
            default:
                throw BindingError("the unix-socket binding has no operation '\(f)'")
            }
        }
    }

    /// Connects this process's client socket; a second connect while it is open goes to the kernel on the same
    /// socket (which says `EISCONN`, or why not).
    private mutating func connect(nonblocking: Bool) throws -> Completion {
        let name = "client-\(context.process)"
        guard let address = listenerAddress else { throw BindingError("connect: this object has no listener address") }
        if let existing = sockets[name] {
            try Syscall.setNonblocking(existing, nonblocking)
            defer { try? Syscall.setNonblocking(existing, false) }
            try Syscall.connect(existing, to: address)
            return .ok(["end": .string(name)])
        }
        switch try KernelUnixSocket.connect(type, to: address, nonblocking: nonblocking) {
        case .wouldBlock:
            return .fail("EAGAIN")
        case .completed(let socket):
            sockets[name] = socket
            return .ok(["end": .string(name)])
        }
    }

    /// A receipt in trace form; received descriptors are kept under their file's name.
    private mutating func record(_ message: ReceivedMessage) throws -> JSONValue {
        var result: JSONObject = ["data": Payload.json(message.data)]
        if message.truncated { result["truncated"] = true }
        var names: [String] = []
        for descriptor in message.descriptors {
            guard let name = fileNames[try Syscall.fileIdentity(descriptor)] else {
                try? Syscall.close(descriptor)
                throw BindingError("receive: a descriptor arrived that is none of the object's files")
            }
            files[name, default: []].append(descriptor)
            names.append(name)
        }
        if !names.isEmpty { result["files"] = .array(names.map { .string($0) }) }
        if message.descriptorsTruncated { result["filesTruncated"] = true }
        if let sender = message.sender, let name = addresses.first(where: { $0.value == sender })?.key {
            result["from"] = .string(name)
        }
        return .object(result)
    }

    mutating func prepareForExit() {}

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
