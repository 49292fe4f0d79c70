import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Provisioning of FIFOs, Unix sockets, eventfds and signal receivers. Every path (a FIFO, a bound socket) gets an
/// unguessable `ipch-` name from the run's namespace, is recorded in the run's ledger before it is created (and
/// withdrawn if creation fails), and is created exclusively with mode 0600; abstract socket names also come from
/// the namespace, and vanish with their sockets.
extension ObjectProvisioner {
    /// A FIFO at a fresh path, created 0600; processes open it themselves (role `open`). A `mode` parameter opens
    /// it up after creation, beyond what the umask would allow (the `fifo-permission` scenario's 0666), and
    /// holders in role `unprivileged` give up root for a user id nobody else uses when they set up; such a FIFO
    /// lives in a directory only this user and that id can enter (see ``RunNamespace/privateDirectory(_:group:)``).
    static func provisionFIFO(_ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects) throws {
        let unprivileged = workload.processes.contains { $0.holds[object.name]?.contains("unprivileged") == true }
        let user = unprivileged ? try UnusedUser.pick() : nil
        let path = try user.map { "\(try provisioned.namespace.privateDirectory(object.name, group: $0))/fifo" }
            ?? provisioned.namespace.path(object.name)
        try createNamed(.path, path, in: provisioned.namespace) { () throws(Errno) in try KernelFIFO.create(at: path) }
        if let mode = object.parameters.integer("mode") { try Syscall.changeMode(path, mode_t(mode)) }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = ["kind": "fifo", "path": .string(path)]
            if roles.contains("unprivileged"), let user { setup["user"] = .int(Int(user)) }
            provisioned.tell(process.id, about: object.name, setup)
        }
    }

    /// An eventfd (params `initial`, `semaphore`, `nonblocking`); holders (role `hold`) share its open file.
    static func provisionEventCounter(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        let descriptor = try KernelEventCounter.create(
            initial: UInt32(clamping: object.parameters.integer("initial") ?? 0), semaphore: object.parameters["semaphore"] == .bool(true),
            nonblocking: object.parameters["nonblocking"] == .bool(true))
        provisioned.driverCopies.append(descriptor)
        for process in workload.processes where process.holds[object.name] != nil {
            let target = provisioned.hand(descriptor, to: process.id, &nextTarget)
            provisioned.tell(process.id, about: object.name, ["kind": "eventfd", "fd": .int(Int(target))])
        }
    }

    /// A receiving process's pending signals: nothing to create; the receiver (role `receive`) blocks `signals` at
    /// setup, senders (role `send`) learn its pid from the run's context.
    static func provisionSignal(_ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects) throws {
        let receivers = workload.holders(of: object.name, role: "receive")
        guard receivers.count == 1 else {
            throw HarnessError("signal object '\(object.name)' needs exactly one receiving process, not \(receivers.count)")
        }
        var setup: JSONObject = ["kind": "signal", "receiver": .int(receivers[0]), "signals": object.parameters["signals"] ?? .array([])]
        if let limit = object.parameters["queueLimit"] { setup["queueLimit"] = limit }
        for process in workload.processes where process.holds[object.name] != nil {
            provisioned.tell(process.id, about: object.name, setup)
        }
    }

    /// Unix sockets (params `type`; `shape`: `pair`, `listener` or `bound`; `address`: `path` or `abstract`;
    /// `backlog`; `files` to pass). Roles: `a`/`b` (pair), `listen`/`connect` (listener), `bound`; files:
    /// `hold:F` (a descriptor of F) and `read:F` (a pipe's read end).
    static func provisionUnixSocket(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        guard case .string(let typeName)? = object.parameters["type"], let type = UnixSocketType(rawValue: typeName) else {
            throw HarnessError("unix-socket object '\(object.name)' needs a 'type' (stream, dgram or seqpacket)")
        }
        let abstract = object.parameters["address"] == .string("abstract")
        let namespace = provisioned.namespace
        /// A socket that `create` binds to a fresh address named after `stem`; a path is recorded in the ledger
        /// first (and withdrawn if binding fails), an abstract name goes with its socket.
        func bound(_ stem: String, _ create: (UnixAddress) throws(Errno) -> FileDescriptor) throws -> (FileDescriptor, UnixAddress) {
            if abstract {
                let at = UnixAddress.abstract(namespace.stem + stem)
                return (try create(at), at)
            }
            let path = namespace.path(stem)
            return (try createNamed(.path, path, in: namespace) { () throws(Errno) in try create(.path(path)) }, .path(path))
        }
        let holders = workload.processes.filter { $0.holds[object.name] != nil }
        var setups: [Int: JSONObject] = [:]
        var sockets: [Int: JSONObject] = [:]
        for process in holders { setups[process.id] = ["kind": "unix-socket", "type": .string(typeName)] }

        switch object.parameters["shape"] ?? "pair" {
        case "pair":
            let (a, b) = try KernelUnixSocket.pair(type)
            provisioned.driverCopies += [a, b]
            for process in holders {
                for (role, descriptor) in [("a", a), ("b", b)] where process.holds[object.name]!.contains(role) {
                    sockets[process.id, default: [:]][role] = .int(Int(provisioned.hand(descriptor, to: process.id, &nextTarget)))
                }
            }
        case "listener":
            let backlog = object.parameters.integer("backlog") ?? 0
            let (listener, at) = try bound(object.name) { (at) throws(Errno) in
                try KernelUnixSocket.listener(type, at: at, backlog: backlog)
            }
            provisioned.driverCopies.append(listener)
            for process in holders {
                setups[process.id]!["address"] = UnixSocketBinding.json(at)
                if process.holds[object.name]!.contains("listen") {
                    sockets[process.id, default: [:]]["listen"] = .int(Int(provisioned.hand(listener, to: process.id, &nextTarget)))
                }
            }
        case "bound":
            var addresses = JSONObject()
            for process in holders where process.holds[object.name]!.contains("bound") {
                let (socket, at) = try bound("\(object.name)-p\(process.id)") { (at) throws(Errno) in
                    try KernelUnixSocket.bound(type, to: at)
                }
                provisioned.driverCopies.append(socket)
                addresses["p\(process.id)"] = UnixSocketBinding.json(at)
                sockets[process.id, default: [:]]["p\(process.id)"] = .int(Int(provisioned.hand(socket, to: process.id, &nextTarget)))
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
                provisioned.driverCopies += [pipe.read, pipe.write]
            } else {
                guard case .string(let content)? = member.value["content"] else {
                    throw HarnessError("file '\(name)' of '\(object.name)' needs 'content' or \"pipe\": true")
                }
                writer = try Syscall.memfdCreate(name)
                provisioned.driverCopies.append(writer)
                _ = try Array(content.utf8).withUnsafeBytes { (raw) throws(Errno) -> Int in try Syscall.write(writer, raw) }
                _ = lseek(writer.rawValue, 0, SEEK_SET)
            }
            let identity = try Syscall.fileIdentity(writer).description
            for process in holders {
                var entry: JSONObject = ["identity": .string(identity)]
                let roles = process.holds[object.name]!
                if roles.contains("hold:\(name)") { entry["fd"] = .int(Int(provisioned.hand(writer, to: process.id, &nextTarget))) }
                if let reader, roles.contains("read:\(name)") {
                    entry["reader"] = .int(Int(provisioned.hand(reader, to: process.id, &nextTarget)))
                }
                files[process.id, default: [:]][name] = .object(entry)
            }
        }
        for process in holders {
            var setup = setups[process.id]!
            setup["sockets"] = .object(sockets[process.id] ?? [:])
            if let entries = files[process.id] { setup["files"] = .object(entries) }
            provisioned.tell(process.id, about: object.name, setup)
        }
    }
}
