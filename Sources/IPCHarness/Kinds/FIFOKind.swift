import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// A FIFO (model `fifo`) at a fresh path from the run's namespace, created 0600; processes open it themselves
/// (role `open`), each open a new open file description. A `mode` parameter opens it up after creation, beyond what
/// the umask would allow (the `fifo-permission` scenario's 0666); holders in role `unprivileged` give up root for a
/// user id nobody else uses when they set up, so the kernel's permission checks apply to them, and such a FIFO lives
/// in a directory only this user and that id can enter (``RunNamespace/privateDirectory(_:group:)``); the holder in
/// role `owner` may `chmod` it.
///
/// `client.fifo-eof-after-unlink` is a reader with a plausible wrong belief: that `unlink` takes the FIFO away from
/// everyone, so once it has unlinked the name its reads report end of file without reading — wrong while bytes are
/// buffered or a writer still holds it (descriptors already open keep the FIFO).
///
/// `client.fifo-readwrite-expects-eof` is a keep-alive server with a plausible wrong belief: that once every client has
/// gone, a read through its `O_RDWR` descriptor sees end of file as a reader's would — so it reports a nonblocking
/// read's `EAGAIN` there as end of file. Its own descriptor is a writer: the kernel never says end of file to it.
///
/// `client.fifo-reads-when-signalled` is an `O_ASYNC` reader with a plausible wrong belief: that each I/O signal it
/// takes stands for one message waiting, so after a read it reports the FIFO empty (`EAGAIN`, without reading) until it
/// takes another — wrong when a standard signal, still pending, was not queued again for a second write. A FIFO's
/// `ioSignals` parameter names the signals every holder keeps blocked from set-up on and may take with `sigtimedwait`.
///
/// `client.fifo-epoll-hangup-is-final` is an epoll consumer with a plausible wrong belief: that `EPOLLHUP` on its read
/// end means the stream is over for good, as on a pipe whose writers are gone — so once a wait has reported it, its
/// reads report end of file without reading — wrong while bytes are left, and on a FIFO a new writer may open (and
/// write) after the hang-up.
///
/// `client.fifo-epoll-close-unregisters` is an epoll consumer with a plausible wrong belief: that closing the descriptor
/// it registered takes the registration away, though a `dup` of it keeps the open file description — so once it has
/// closed a registered descriptor it drops what its waits report for that end as stale. The kernel keeps reporting the
/// registration (under the closed number) until the description's last close (epoll(7)).
///
/// `client.fifo-nested-dispatch` is an event loop with nested epoll instances and a plausible wrong belief: that its
/// main instance's report of the connection's instance is that instance's events, so it drains the connection's
/// instance at once, unrecorded — taking the `EPOLLET` edge its recorded wait on the connection's instance then misses.
public enum FIFOKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``); `sharedEpoll` only to refuse it with
    /// its reason (``provision(_:in:into:)``), as the kinds that refuse `exists` read that.
    public static let parameterNames: Set<String>? = ["mode", "ioSignals", "sharedEpoll"]
    public typealias Model = FIFOModel

    public static let implementations = [
        "kernel.fifo", "client.fifo-eof-after-unlink", "client.fifo-readwrite-expects-eof", "client.fifo-reads-when-signalled",
        "client.fifo-epoll-hangup-is-final", "client.fifo-epoll-close-unregisters", "client.fifo-nested-dispatch",
    ]

    /// Each FIFO's mode (0600 unless the object names one), its owner (the holder in role `owner`) and, if some
    /// holders run `unprivileged`, every other process as privileged; every open close-on-exec, as the worker's are.
    public static func model(for workload: Workload) -> FIFOModel {
        FIFOModel(fifos: workload.objects.filter { $0.kind == name }.map { object in
            let unprivileged = workload.holders(of: object.name, role: "unprivileged")
            return (object.name, FIFOModel.Setup(
                mode: object.integer("mode") ?? 0o600, owner: workload.holders(of: object.name, role: "owner").first,
                privileged: unprivileged.isEmpty ? nil : workload.processes.map(\.id).filter { !unprivileged.contains($0) },
                closeOnExec: true))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        // Each worker opens the FIFO and makes its epoll instance itself, after it started: no two share one.
        guard object.parameters["sharedEpoll"] == nil else {
            throw HarnessError(
                "object \(object.name) (fifo): \"sharedEpoll\" is judged by the model only; the real workers each make their own epoll instance (started with posix_spawn, none inherits another's), so none can share one")
        }
        let unprivileged = workload.processes.contains { $0.holds[object.name]?.contains("unprivileged") == true }
        let user = unprivileged ? try UnusedUser.pick() : nil
        let path = try user.map { (user) throws(HarnessError) in "\(try objects.namespace.privateDirectory(object.name, group: user))/fifo" }
            ?? objects.namespace.path(object.name)
        try objects.createNamed(.path, path) { () throws(Errno) in try KernelFIFO.create(at: path) }
        if let mode = object.integer("mode") {
            do {
                try Syscall.changeMode(path, mode_t(mode))
            } catch {
                throw HarnessError("cannot chmod FIFO \(object.name): \(error)")
            }
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = ["path": .string(path)]
            if roles.contains("unprivileged"), let user { setup["user"] = .int(Int(user)) }
            if object.mayCarryPackets(in: workload) { setup["packets"] = .bool(true) }
            if let signals = object.parameters["ioSignals"] { setup["ioSignals"] = signals }
            objects.tell(process.id, about: object.name, setup)
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<FIFOModel> {
        var binding = FIFOBinding(path: try object.text("path"), endOfFileAfterUnlink: implementation == "client.fifo-eof-after-unlink")
        binding.readWriteExpectsEndOfFile = implementation == "client.fifo-readwrite-expects-eof"
        binding.ownership = IOSignalBinding(object, mechanism: "FIFO")
        binding.readsWhenSignalled = implementation == "client.fifo-reads-when-signalled"
        binding.hangUpIsFinal = implementation == "client.fifo-epoll-hangup-is-final"
        binding.closeUnregisters = implementation == "client.fifo-epoll-close-unregisters"
        binding.dispatchesNested = implementation == "client.fifo-nested-dispatch"
        if object.flag("packets") { FaultFeasibility.mayCarryPackets(path: try object.text("path")) }
        if let user = try? object.integer("user") {
            do {
                try Syscall.becomeUser(uid_t(user), group: gid_t(user))
            } catch {
                throw BindingError("cannot become user \(user): \(error)")
            }
        }
        return binding
    }
}

/// FIFO operations: `open` by path (`O_RDONLY`, `O_WRONLY` or `O_RDWR`, whose one descriptor is the latest of both
/// directions), then `read`, `write` and `close` on the most recently opened descriptor of each direction, and `chmod`, `unlink` and `mkfifo` of the path.
struct FIFOBinding: ObjectBinding {

    typealias Model = FIFOModel
    let path: String
    private var held: [PipeModel.End: [FileDescriptor]] = [:]
    /// `client.fifo-eof-after-unlink`'s wrong belief, and whether this process has unlinked the name.
    let endOfFileAfterUnlink: Bool
    private var unlinked = false
    /// `client.fifo-readwrite-expects-eof`'s wrong belief: `EAGAIN` through an `O_RDWR` descriptor means end of file.
    var readWriteExpectsEndOfFile = false
    /// The owner calls and `sigtimedwait` (the object's `ioSignals`, blocked from set-up on), as the pipe's.
    var ownership = IOSignalBinding(context: nil, signals: [])
    /// `client.fifo-reads-when-signalled`'s wrong belief: one I/O signal, one message waiting; and whether it took one
    /// since its last read.
    var readsWhenSignalled = false
    private var signalledSinceRead = false
    /// This process's epoll instance for the FIFO (see ``EpollInstance``): a registration names the newest descriptor
    /// of the end, as every other call does.
    private let epoll = EpollInstance<PipeModel.End>()
    /// `client.fifo-epoll-hangup-is-final`'s wrong belief: `EPOLLHUP` on the read end is the end of the stream; and
    /// whether a wait has reported it.
    var hangUpIsFinal = false
    private var sawHangUp = false
    /// `client.fifo-epoll-close-unregisters`'s wrong belief: closing a registered descriptor ends its registration; the
    /// numbers it registered (and as which end), and the ends whose registration it believes gone.
    var closeUnregisters = false
    private var registeredNumbers: [FileDescriptor: PipeModel.End] = [:]
    private var believedUnregistered: Set<PipeModel.End> = []
    /// The epoll instances this process keeps by name (``FIFOModel+NestedEpoll``), beside its implicit one.
    private var kept = KeptEpollInstances<PipeModel.End>()
    /// `client.fifo-nested-dispatch`'s wrong belief (``KeptEpollInstances/wait``): an event loop that, when its main
    /// instance reports a nested one, waits on the nested instance itself, unrecorded — as if the main instance's report
    /// had been the nested one's events.
    var dispatchesNested = false

    init(path: String, endOfFileAfterUnlink: Bool = false) {
        self.path = path
        self.endOfFileAfterUnlink = endOfFileAfterUnlink
    }

    mutating func perform(_ input: FIFOModel.Input) throws(Errno) -> FIFOModel.Output {
        switch input {
        case .open(_, let end, let nonblocking, let async):
            let descriptor = try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: nonblocking, async: async)
            held[end, default: []].append(descriptor)
            return .opened
        case .openReadWrite(_, let nonblocking, let async):
            // One descriptor, the latest of both ends: held once under each.
            let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: nonblocking, async: async)
            held[.read, default: []].append(descriptor)
            held[.write, default: []].append(descriptor)
            return .opened
        case .read(_, let max, let nonblocking):
            guard let descriptor = held[.read]?.last else { throw .badFileDescriptor }
            if endOfFileAfterUnlink && unlinked { return .read([]) }
            if hangUpIsFinal && sawHangUp { return .read([]) }  // believed over: "EPOLLHUP means no writer will come"
            if readsWhenSignalled && max > 0 {
                guard signalledSinceRead else { throw .wouldBlock }  // believed empty: no signal since the last message
                signalledSinceRead = false
            }
            // Nonblocking for this call only, or as the description says (its open's O_NONBLOCK, then F_SETFL).
            switch try KernelPipe.read(descriptor, max: max, nonblocking: nonblocking) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock:
                if readWriteExpectsEndOfFile && held[.write]?.contains(descriptor) == true { return .read([]) }
                throw .wouldBlock
            }
        case .write(_, let data, let nonblocking):
            guard let descriptor = held[.write]?.last else { throw .badFileDescriptor }
            switch try KernelPipe.write(descriptor, data, nonblocking: nonblocking) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .close(_, let end):
            guard let descriptor = held[end]?.popLast() else { throw .badFileDescriptor }
            // An O_RDWR descriptor is held under the other end too: closing it closes both (the model's rule).
            let other: PipeModel.End = end == .read ? .write : .read
            if let index = held[other]?.lastIndex(of: descriptor) { held[other]?.remove(at: index) }
            try Syscall.close(descriptor)
            if closeUnregisters, let registered = registeredNumbers.removeValue(forKey: descriptor) { believedUnregistered.insert(registered) }
            return .closed
        case .duplicate(_, let end):
            guard let descriptor = held[end]?.last else { throw .badFileDescriptor }
            hold(try Syscall.duplicate(descriptor, closeOnExec: false), copyOf: descriptor, end)  // dup: the copy's FD_CLOEXEC clear
            return .duplicated
        case .fcntl(_, let end, .duplicate(let minimum, let closeOnExec)):
            guard let descriptor = held[end]?.last else { throw .badFileDescriptor }
            // F_DUPFD clears the copy's FD_CLOEXEC, F_DUPFD_CLOEXEC sets it.
            hold(try Syscall.duplicate(descriptor, minimum: minimum ?? 0, closeOnExec: closeOnExec), copyOf: descriptor, end)
            return .duplicated
        case .fcntl(_, let end, .duplicateOnto(let call)):
            return try duplicate(end, onto: call)
        case .chmod(_, let mode):
            try Syscall.changeMode(path, mode_t(mode))
            return .modeChanged
        case .unlink:
            try Syscall.unlink(path)
            unlinked = true
            return .unlinked
        case .mkfifo(_, let mode, let umask, let missingDirectory):
            let target = missingDirectory ? "\(path)-missing-directory/fifo" : path
            let made = try KernelFIFO.make(at: target, mode: mode_t(mode), umask: mode_t(umask))
            // A new FIFO at the name the trace's FIFO had: not the object the trace follows, so it goes at once.
            try Syscall.unlink(target)
            return .made(mode: made)
        case .makeNode(_, let creation):
            return .made(mode: try FIFONodeCalls.make(creation, at: path))
        case .fchmod(_, let end, let mode):
            guard let descriptor = held[end]?.last else { throw .badFileDescriptor }
            try Syscall.changeMode(descriptor, mode_t(mode))
            return .modeChanged
        case .chown(let process, let call, let end, let owner):
            let user = FIFONodeCalls.user(owner, calledBy: process)
            if call == .fchown {
                guard let end, let descriptor = held[end]?.last else { throw .badFileDescriptor }
                try Syscall.changeOwner(descriptor, user: user, group: gid_t.max)
            } else {
                try Syscall.changeOwner(path, user: user, group: gid_t.max, following: call == .chown)
            }
            return .ownerChanged
        case .unseekable(_, let end, let call):
            return .positioned(try PipeBinding.unseekable(call, on: held[end]?.last))
        case .readiness(_, let end, let call):
            switch try PipeBinding.readiness(call, on: held[end]?.last) {
            case .ready(let events): return .ready(events)
            case .selected(let readable, let writable): return .selected(readable: readable, writable: writable)
            default: BindingFailure.abandon("a readiness call returns readiness")
            }
        case .fcntl(_, let end, let command):
            guard let descriptor = held[end]?.last else { throw .badFileDescriptor }
            let output = try IOSignalBinding.isOwnerCall(command)
                ? ownership.ownerCall(command, on: descriptor) : PipeBinding.fileControl(command, on: descriptor)
            switch output {
            case .owner(let report): return .owner(report)
            case .ownerEx(let type, let report): return .ownerEx(type, report)
            case .signal(let signal): return .signal(signal)
            case .flags(let nonblocking, let direct): return .flags(nonblocking: nonblocking, direct: direct)
            case .size(let size): return .size(size)
            case .flagsSet: return .flagsSet
            case .descriptorFlags(let closeOnExec): return .descriptorFlags(closeOnExec: closeOnExec)
            case .available(let count): return .available(count)  // ioctl FIONREAD, through either end
            default: BindingFailure.abandon("fcntl and ioctl return flags, a size, FD_CLOEXEC, an owner, a signal or a count")
            }
        case .available:
            guard let descriptor = held[.read]?.last else { throw .badFileDescriptor }
            return .available(try Syscall.bytesReadable(descriptor))
        case .writev(_, let pieces):
            guard let descriptor = held[.write]?.last else { throw .badFileDescriptor }
            switch try KernelPipe.write(descriptor, pieces: pieces) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .readv(_, let sizes):
            guard let descriptor = held[.read]?.last else { throw .badFileDescriptor }
            switch try KernelPipe.read(descriptor, sizes: sizes) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: throw .wouldBlock
            }
        case .status(_, let end):
            guard let descriptor = held[end]?.last else { throw .badFileDescriptor }
            let status = try KernelPipe.status(descriptor)
            return .status(type: status.type, mode: status.mode, size: status.size)
        case .takeSignal(_, let signals, let wait):
            let taken = try ownership.take(signals, wait: wait)
            signalledSinceRead = true
            return .signalTaken(taken)
        case .epoll(_, .control(let operation, let end, let events)):
            let descriptor = end.flatMap { held[$0]?.last }
            try epoll.control(operation, target: end, descriptor: descriptor, events: events)
            if closeUnregisters, let end, let descriptor {
                switch operation {
                case .add:
                    registeredNumbers[descriptor] = end
                    believedUnregistered.remove(end)
                case .delete: registeredNumbers[descriptor] = nil
                default: break
                }
            }
            return .epollControlled
        case .epoll(_, .misdirected(let call)):
            return try epoll.perform(call, descriptor: { held[$0]?.last }, unknown: .read).map { .epollEvents($0) } ?? .epollControlled
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .epoll(_, .wait(let maxEvents, let timeout, let form)) where kept.implicitHoldsNested:
            return try nested(.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form))
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            var reports = try epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: .read)
            if reports.contains(where: { $0.end == .read && $0.events.contains(.hangUp) }) { sawHangUp = true }
            // Believed stale: "that descriptor is closed, so its registration is gone".
            if closeUnregisters { reports.removeAll { believedUnregistered.contains($0.end) } }
            return .epollEvents(reports)
        case .nestedEpoll(_, let call):
            return try nested(call)
        case .sharedEpollWait:
            BindingFailure.abandon("a FIFO's 'sharedEpoll' is refused in real mode (FIFOKind.provision): each worker has its own instance")
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }

    /// A call on a kept epoll instance, or one naming an instance as its target: a leaf is the end's newest descriptor.
    private mutating func nested(_ call: PipeModel.NestedEpollCall) throws(Errno) -> FIFOModel.Output {
        let held = self.held  // the ends as they are now
        return FIFOModel.output(
            of: try kept.perform(call, implicit: epoll, leaf: { held[$0]?.last?.rawValue ?? -1 }, unknown: .read, dispatchingNested: dispatchesNested))
    }

    /// `copy`, a new descriptor of `descriptor`'s description, is the newest of `end`; a copy of an `O_RDWR` descriptor
    /// is one of both ends, held next to the original under the other end.
    private mutating func hold(_ copy: FileDescriptor, copyOf descriptor: FileDescriptor, _ end: PipeModel.End) {
        held[end, default: []].append(copy)
        let other: PipeModel.End = end == .read ? .write : .read
        if let index = held[other]?.lastIndex(of: descriptor) { held[other]?.insert(copy, at: index + 1) }
    }

    /// `dup2`/`dup3` of the newest descriptor of `end` (-1 when none: the kernel's order of errors decides) onto the
    /// number the call names (``PipeBinding/duplicateTarget(of:source:sameObject:placeholder:)``): another of this
    /// FIFO's descriptors is the newest of that end other than the old one, which the call closes.
    private mutating func duplicate(_ end: PipeModel.End, onto call: PipeModel.DuplicateCall) throws(Errno) -> FIFOModel.Output {
        let source = held[end]?.last ?? FileDescriptor(rawValue: -1)
        var sameObject: [FileDescriptor] = []
        if case .end(let replaced) = call.target { sameObject = held[replaced] ?? [] }
        var placeholder: FileDescriptor?
        defer { if let placeholder { try? Syscall.close(placeholder) } }
        let target = try PipeBinding.duplicateTarget(of: call, source: source, sameObject: sameObject, placeholder: &placeholder)
        let flags = call.closeOnExec.map { ($0 ? O_CLOEXEC : 0) | CInt(truncatingIfNeeded: call.otherBits) }
        let made = try Syscall.duplicate(source, onto: target.rawValue, flags: flags)
        placeholder = nil
        guard call.target != .itself else { return .duplicated }
        for end in [PipeModel.End.read, .write] { held[end]?.removeAll { $0 == made } }
        hold(made, copyOf: source, end)
        return .duplicated
    }
}
