import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The kernel's anonymous pipe (model `pipe`). Roles: `read`, `write`; parameters `capacity` (bytes, set with
/// `F_SETPIPE_SZ`), `nonblocking` and `packet` (`pipe2`'s `O_NONBLOCK` and `O_DIRECT`: every description starts with
/// `O_NONBLOCK`, the write ends' with `O_DIRECT`), and `shared` (groups of processes, `[[1, 2]]`, that share one open
/// file description of each end they hold, as after a `fork`). Every other holder gets its own open file
/// description of each end it holds (reopened through `/proc/self/fd`), so `O_NONBLOCK` is its own and each counts
/// as a reader or writer. A pipe whose one holder has role `create` is not made beforehand: that process makes it
/// during the run with `pipe` or `pipe2` (its first operation on the object), and then holds both ends.
///
/// Implementations: `kernel.pipe` (one system call per operation), `client.write-all` (the poll-and-retry loop),
/// the broken twins `client.pipe-drops-tail` and `client.pipe-reorders`, and clients judged under faults: the
/// fragile `client.pipe-eof-on-eintr` (blocking reads) and `client.pipe-ignores-short-writes` (`write-all`), and
/// their robust twins `client.pipe-retrying-reader` and `client.write-all`; `client.pipe-spins-at-eof` busy-polls
/// and spins forever at end of file (for the watchdog); and the same reading pair written straight against libc
/// (`client.libc-eof-on-eintr`, `client.libc-retrying-reader`), which only the worker's interposer can fault; and a
/// pair for descriptions shared between processes: the fragile `client.pipe-eof-on-eagain`, which takes `EAGAIN` for
/// end of file (right only while nobody sets `O_NONBLOCK` on its description), and its robust twin
/// `client.pipe-polling-reader`, which polls and reads again; and, for a pipe made during the run, the fragile
/// `client.pipe-eagain-as-epipe`, a writer that believes `pipe2(O_NONBLOCK)` leaves the write end blocking, so that a
/// write recorded as blocking can never fail `EAGAIN` — when one does, it reports the reader gone (`EPIPE`); its
/// robust twin is `kernel.pipe`, which reports the `EAGAIN`; and the fragile `client.pipe-vmsplice-assumes-whole`, a
/// writer that takes a `vmsplice` to lend all its bytes (as a write of at most `PIPE_BUF` is atomic) and reports them all,
/// though the kernel lends only what fits once a slot is free; its robust twin is `kernel.pipe`, which reports the count;
/// and the fragile `client.pipe-dup3-emulated`, whose `dup3` is the fallback for systems without it — `dup2`, then
/// `F_SETFD(FD_CLOEXEC)` when asked — which succeeds onto the descriptor's own number where `dup3` fails `EINVAL`; its
/// robust twin is `kernel.pipe`; and, for `O_ASYNC` (parameter `ioSignals`: the signals every holder keeps blocked
/// from set-up on and takes with `sigtimedwait`), the fragile `client.pipe-reads-when-signalled`, a reader that takes
/// each I/O signal for one message waiting — after a read it believes the pipe empty (`EAGAIN`, without reading) until
/// it takes another signal, wrong when a standard signal coalesced two writes into one — and its robust twin
/// `kernel.pipe`, which reads until `EAGAIN`.
public enum PipeKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["capacity", "nonblocking", "packet", "shared", "ioSignals"]
    public typealias Model = PipeModel

    public static let implementations = [
        "kernel.pipe", "client.write-all", "client.pipe-drops-tail", "client.pipe-reorders",
        "client.pipe-eof-on-eintr", "client.pipe-retrying-reader", "client.pipe-ignores-short-writes",
        "client.pipe-spins-at-eof", "client.libc-eof-on-eintr", "client.libc-retrying-reader",
        "client.pipe-eof-on-eagain", "client.pipe-polling-reader", "client.pipe-eagain-as-epipe",
        "client.pipe-vmsplice-assumes-whole", "client.pipe-dup3-emulated", "client.pipe-reads-when-signalled", "client.pipe-nested-dispatch",
    ]

    /// `FIONREAD` on a read end: what a killed writer's write left in the pipe.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "available", role: "read")

    public static func model(for workload: Workload) -> PipeModel {
        let pipes = workload.objects.filter { $0.kind == name }.map { object in
            (
                name: object.name,
                setup: PipeModel.Setup(
                    capacity: object.integer("capacity") ?? 65536, readers: workload.holders(of: object.name, role: "read"),
                    writers: workload.holders(of: object.name, role: "write"), nonblocking: object.flag("nonblocking"),
                    packet: object.flag("packet"), shared: object.sharedGroups,
                    createdBy: workload.holders(of: object.name, role: "create").first)
            )
        }
        return PipeModel(pipes: pipes)
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let creators = workload.holders(of: object.name, role: "create")
        if !creators.isEmpty {
            guard creators.count == 1, workload.processes.filter({ $0.holds[object.name] != nil }).count == 1,
                workload.processes.first(where: { $0.id == creators[0] })?.holds[object.name] == ["create"]
            else {
                throw HarnessError("pipe \(object.name) made during the run needs one holder, in role 'create' alone")
            }
            objects.tell(creators[0], about: object.name, ["create": true])
            return
        }
        do {
            let (readEnd, writeEnd) = try KernelPipe.create()
            objects.keepUntilStarted(readEnd)
            objects.keepUntilStarted(writeEnd)
            if let capacity = object.integer("capacity"), capacity != 65536 { try Syscall.setPipeSize(writeEnd, capacity) }
            let shared = object.sharedGroups
            // One description per holder, or per group of holders sharing it.
            var descriptions: [String: FileDescriptor] = [:]
            for process in workload.processes {
                guard let roles = process.holds[object.name] else { continue }
                var setup = JSONObject()
                if object.mayCarryPackets(in: workload) { setup["packets"] = .bool(true) }
                if let signals = object.parameters["ioSignals"] { setup["ioSignals"] = signals }
                for role in roles {
                    let forWriting = role == "write"
                    let key = "\(shared.first { $0.contains(process.id) }?.min() ?? process.id)/\(role)"
                    let end: FileDescriptor
                    if let opened = descriptions[key] {
                        end = opened
                    } else {
                        end = try KernelPipe.openEnd(forWriting ? writeEnd : readEnd, forWriting: forWriting)
                        objects.keepUntilStarted(end)
                        descriptions[key] = end
                        if object.flag("nonblocking") || (forWriting && object.flag("packet")) {
                            try KernelPipe.setFlags(end, nonblocking: object.flag("nonblocking"), direct: forWriting && object.flag("packet"))
                        }
                    }
                    setup[role] = .int(objects.hand(end, to: process.id))
                }
                objects.tell(process.id, about: object.name, setup)
            }
        } catch {
            throw HarnessError("cannot create pipe \(object.name): \(error)")
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) -> any ObjectBinding<PipeModel> {
        let readEnd = object.optionalDescriptor("read")
        if object.flag("packets"), let readEnd { FaultFeasibility.mayCarryPackets(readEnd) }
        let ownership = IOSignalBinding(object, mechanism: "pipe")
        return PipeBinding(
            readEnd: readEnd, writeEnd: object.optionalDescriptor("write"), implementation: implementation, context: object.context,
            ioSignals: ownership.signals)
    }
}

/// Pipe operations on the ends this process holds, carried out by the implementation under test.
struct PipeBinding: ObjectBinding {

    typealias Model = PipeModel
    private var readEnd: FileDescriptor?
    private var writeEnd: FileDescriptor?
    /// Descriptors `dup` made of each end, newest last: the same open file description as the end's, so any of them
    /// serves a call; a `close` closes the newest first.
    private var duplicates: [PipeModel.End: [FileDescriptor]] = [:]
    private var writer: any PipeWriter
    /// The client that carries out blocking reads, when the implementation is a reading client.
    private var reader: (any PipeReader)?
    private let reordersWrites: Bool
    /// `client.pipe-eagain-as-epipe`'s wrong belief.
    private let eagainAsBrokenPipe: Bool
    /// `client.pipe-vmsplice-assumes-whole`'s wrong belief: a `vmsplice` lends all its bytes, as a small write is atomic.
    private let assumesWholeVmsplice: Bool
    /// `client.pipe-dup3-emulated`'s wrong belief: `dup3` is `dup2` and `F_SETFD`.
    private let emulatesDup3: Bool
    /// This process's epoll instance for the pipe (see ``EpollInstance``).
    private let epoll = EpollInstance<PipeModel.End>()
    /// The epoll instances it keeps by name (``PipeModel+NestedEpoll``), and what each instance's registrations of
    /// numbers were added as (the implicit instance's ends: ``epoll``'s).
    private var kept = KeptEpollInstances<PipeModel.End>()
    /// `client.pipe-nested-dispatch`'s wrong belief: an event loop that, when its main instance reports a nested one,
    /// dispatches it — waits on the nested instance itself, unrecorded — as if the main instance's report had been
    /// the nested one's events.
    private let dispatchesNested: Bool
    /// The owner calls and `sigtimedwait`, made as the FIFO binding makes them.
    private let ownership: IOSignalBinding
    /// `client.pipe-reads-when-signalled`'s wrong belief: one I/O signal, one message waiting.
    private let readsWhenSignalled: Bool
    /// Whether it took an I/O signal since its last read.
    private var signalledSinceRead = false

    init(readEnd: FileDescriptor?, writeEnd: FileDescriptor?, implementation: String, context: WorkerContext? = nil, ioSignals: [Int32] = []) {
        ownership = IOSignalBinding(context: context, signals: ioSignals)
        readsWhenSignalled = implementation == "client.pipe-reads-when-signalled"
        self.readEnd = readEnd
        self.writeEnd = writeEnd
        reordersWrites = implementation == "client.pipe-reorders"
        eagainAsBrokenPipe = implementation == "client.pipe-eagain-as-epipe"
        assumesWholeVmsplice = implementation == "client.pipe-vmsplice-assumes-whole"
        emulatesDup3 = implementation == "client.pipe-dup3-emulated"
        dispatchesNested = implementation == "client.pipe-nested-dispatch"
        switch implementation {
        case "client.pipe-drops-tail": writer = TailDroppingWriter()
        case "client.pipe-reorders": writer = ReorderingWriter()
        case "client.pipe-ignores-short-writes": writer = ShortWriteIgnoringWriter()
        default: writer = WriteAllWriter()
        }
        switch implementation {
        case "client.pipe-eof-on-eintr": reader = EndOfFileOnInterruptReader()
        case "client.pipe-retrying-reader": reader = RetryingReader()
        case "client.pipe-spins-at-eof": reader = SpinningReader()
        case "client.libc-eof-on-eintr": reader = LibcEndOfFileOnInterruptReader()
        case "client.libc-retrying-reader": reader = LibcRetryingReader()
        case "client.pipe-eof-on-eagain": reader = EndOfFileOnWouldBlockReader()
        case "client.pipe-polling-reader": reader = PollingReader()
        default: reader = nil
        }
    }

    mutating func perform(_ input: PipeModel.Input) throws(Errno) -> PipeModel.Output {
        switch input {
        case .create(_, let flags):
            guard readEnd == nil, writeEnd == nil else { BindingFailure.abandon("a second pipe for one pipe object: each pipe made is an object of its own") }
            var raw = CInt(truncatingIfNeeded: flags.otherBits)
            if flags.nonblocking { raw |= O_NONBLOCK }
            if flags.direct { raw |= Syscall.directFlag }
            if flags.closeOnExec { raw |= O_CLOEXEC }
            let (read, write) = try Syscall.pipe(flags: raw)
            readEnd = read
            writeEnd = write
            // Its reads may meet packets: never cut them short (see FaultFeasibility.mayCarryPackets).
            if flags.direct { FaultFeasibility.mayCarryPackets(read) }
            return .created
        case .read(_, let max, _) where readsWhenSignalled && max > 0:
            guard let readEnd else { throw .badFileDescriptor }
            guard signalledSinceRead else { throw .wouldBlock }  // believed empty: no signal since the last message
            signalledSinceRead = false
            switch try KernelPipe.read(readEnd, max: max, nonblocking: true) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: throw .wouldBlock
            }
        case .read(_, let max, let nonblocking):
            guard let readEnd else { throw .badFileDescriptor }
            if !nonblocking, var client = reader {
                defer { reader = client }
                return .read(try client.read(max: max, from: readEnd))
            }
            switch try KernelPipe.read(readEnd, max: max, nonblocking: nonblocking) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: throw .wouldBlock
            }
        case .write(_, let data, _) where reordersWrites:
            guard let writeEnd else { throw .badFileDescriptor }
            return .wrote(try writer.write(data, to: writeEnd))
        case .write(_, let data, let nonblocking):
            guard let writeEnd else { throw .badFileDescriptor }
            switch try KernelPipe.write(writeEnd, data, nonblocking: nonblocking) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw eagainAsBrokenPipe && !nonblocking ? .brokenPipe : .wouldBlock
            }
        case .writeAll(_, let data, _):
            guard let writeEnd else { throw .badFileDescriptor }
            return .wrote(try writer.write(data, to: writeEnd))
        case .available:
            guard let readEnd else { throw .badFileDescriptor }
            return .available(try Syscall.bytesReadable(readEnd))
        case .close(_, let end) where duplicates[end]?.isEmpty == false:
            try Syscall.close(duplicates[end]!.removeLast())
            return .closed
        case .close(_, .read):
            guard let readEnd else { throw .badFileDescriptor }
            self.readEnd = nil
            try Syscall.close(readEnd)
            return .closed
        case .close(_, .write):
            guard let writeEnd else { throw .badFileDescriptor }
            try? writer.flush(to: writeEnd)
            self.writeEnd = nil
            try Syscall.close(writeEnd)
            return .closed
        case .fcntl(_, let end, .duplicateOnto(let call)):
            return try duplicate(end, onto: call)
        case .fcntl(_, let end, .getDescriptorFlags):
            guard let descriptor = newest(end) else { throw .badFileDescriptor }
            return .descriptorFlags(closeOnExec: try Syscall.closesOnExec(descriptor))
        case .fcntl(_, let end, .setDescriptorFlags(let closeOnExec)):
            guard let descriptor = newest(end) else { throw .badFileDescriptor }
            try Syscall.setClosesOnExec(descriptor, closeOnExec)
            return .flagsSet
        case .fcntl(_, let end, .ioctl(.closeOnExec(let on))):
            // FIOCLEX/FIONCLEX: the newest descriptor's flag, as F_SETFD's.
            guard let descriptor = newest(end) else { throw .badFileDescriptor }
            return try Self.fileControl(.ioctl(.closeOnExec(on)), on: descriptor)
        case .fcntl(_, let end, let command) where IOSignalBinding.isOwnerCall(command):
            guard let descriptor = newest(end) else { throw .badFileDescriptor }
            return try ownership.ownerCall(command, on: descriptor)
        case .fcntl(_, let end, let command):
            guard let descriptor = end == .read ? readEnd : writeEnd else { throw .badFileDescriptor }
            if case .duplicate(let minimum, let closeOnExec) = command {
                // dup and F_DUPFD clear the copy's FD_CLOEXEC, F_DUPFD_CLOEXEC sets it: the call the trace names.
                duplicates[end, default: []].append(try Syscall.duplicate(descriptor, minimum: minimum ?? 0, closeOnExec: closeOnExec))
                return .duplicated
            }
            return try Self.fileControl(command, on: descriptor)
        case .unseekable(_, let end, let call):
            return .positioned(try Self.unseekable(call, on: end == .read ? readEnd : writeEnd))
        case .readiness(_, let end, let call):
            return try Self.readiness(call, on: end == .read ? readEnd : writeEnd)
        case .status(_, let end):
            guard let descriptor = end == .read ? readEnd : writeEnd else { throw .badFileDescriptor }
            let status = try KernelPipe.status(descriptor)
            return .status(type: status.type, mode: status.mode, size: status.size)
        case .writev(_, let pieces):
            guard let writeEnd else { throw .badFileDescriptor }
            switch try KernelPipe.write(writeEnd, pieces: pieces) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .readv(_, let sizes):
            guard let readEnd else { throw .badFileDescriptor }
            switch try KernelPipe.read(readEnd, sizes: sizes) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: throw .wouldBlock
            }
        case .splice(_, let call):
            let output = try Self.splice(call, readEnd: readEnd, writeEnd: writeEnd)
            if assumesWholeVmsplice, case .gather = call.direction, case .moved = output { return .moved(call.requested) }
            return output
        case .epoll(_, .control(let operation, let end, let events)):
            try epoll.control(operation, target: end, descriptor: end.flatMap(newest), events: events)
            return .epollControlled
        case .epoll(_, .misdirected(let call)):
            return try epoll.perform(call, descriptor: newest, unknown: .read).map { .epollEvents($0) } ?? .epollControlled
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .epoll(_, .wait(let maxEvents, let timeout, let form)) where kept.implicitHoldsNested:
            return try nested(.wait(instance: PipeModel.implicitEpoll, maxEvents: maxEvents, timeout: timeout, form: form))
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            return .epollEvents(try epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: .read))
        case .nestedEpoll(_, let call):
            return try nested(call)
        case .takeSignal(_, let signals, let wait):
            let taken = try ownership.take(signals, wait: wait)
            signalledSinceRead = true
            return .signalTaken(taken)
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }

    /// A call on a kept epoll instance, or one naming an instance as its target.
    private mutating func nested(_ call: PipeModel.NestedEpollCall) throws(Errno) -> PipeModel.Output {
        let binding = self  // the ends as they are now, apart from the instances the call changes
        return PipeModel.output(
            of: try kept.perform(call, implicit: epoll, leaf: { binding.newest($0)?.rawValue ?? -1 }, unknown: .read, dispatchingNested: dispatchesNested))
    }

    /// The descriptor of `end` a `close` would close next: the newest duplicate, else the end itself.
    private func newest(_ end: PipeModel.End) -> FileDescriptor? {
        duplicates[end]?.last ?? (end == .read ? readEnd : writeEnd)
    }

    /// `dup2`/`dup3` of the newest descriptor of `end` (-1 when none: the kernel's own order of errors then decides)
    /// onto the number the call names: its own; a free one (the number given, else the lowest free); one opened on
    /// `/dev/null` for the purpose (`other`); or another of this process's descriptors of the pipe, which the call
    /// closes — so its bookkeeping moves to `end`.
    private mutating func duplicate(_ end: PipeModel.End, onto call: PipeModel.DuplicateCall) throws(Errno) -> PipeModel.Output {
        let source = newest(end) ?? FileDescriptor(rawValue: -1)
        let flags = call.closeOnExec.map { ($0 ? O_CLOEXEC : 0) | CInt(truncatingIfNeeded: call.otherBits) }
        var placeholder: FileDescriptor?
        defer { if let placeholder { try? Syscall.close(placeholder) } }
        var sameObject: [FileDescriptor] = []
        if case .end(let replaced) = call.target {
            sameObject = [replaced == .read ? readEnd : writeEnd].compactMap { $0 } + (duplicates[replaced] ?? [])
        }
        let target = try Self.duplicateTarget(of: call, source: source, sameObject: sameObject, placeholder: &placeholder)
        let made: FileDescriptor
        if emulatesDup3, let flags, flags & ~O_CLOEXEC == 0 {
            made = try Syscall.duplicate(source, onto: target.rawValue, flags: nil)
            if flags & O_CLOEXEC != 0 { try Syscall.setClosesOnExec(made, true) }
        } else {
            made = try Syscall.duplicate(source, onto: target.rawValue, flags: flags)
        }
        placeholder = nil
        guard call.target != .itself else { return .duplicated }
        for held in [PipeModel.End.read, .write] {
            duplicates[held]?.removeAll { $0 == made }
        }
        if readEnd == made { readEnd = nil }
        if writeEnd == made { writeEnd = nil }
        duplicates[end, default: []].append(made)
        // Reads and writes go through the end itself: when the copy replaced it, its oldest duplicate takes its place.
        if readEnd == nil, duplicates[.read]?.isEmpty == false { readEnd = duplicates[.read]!.removeFirst() }
        if writeEnd == nil, duplicates[.write]?.isEmpty == false { writeEnd = duplicates[.write]!.removeFirst() }
        return .duplicated
    }

    /// The number `dup2`/`dup3` of `source` goes onto (shared with the eventfd binding): its own; a free one (the number
    /// given, else the lowest free); one opened on `/dev/null` for the purpose (`other`, left in `placeholder` for the
    /// caller to close should the call fail); or the newest of `sameObject` — the process's other descriptors of the
    /// object the target names — other than `source`.
    static func duplicateTarget(
        of call: PipeModel.DuplicateCall, source: FileDescriptor, sameObject: [FileDescriptor], placeholder: inout FileDescriptor?
    ) throws(Errno) -> FileDescriptor {
        switch call.target {
        case .itself:
            return source
        case .free:
            if let number = call.number { return FileDescriptor(rawValue: CInt(clamping: number)) }
            let lowest = try Syscall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
            try Syscall.close(lowest)
            return lowest
        case .other:
            let other = try Syscall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
            placeholder = other
            return other
        case .end, .same:
            // Holding none, the old descriptor is not open: any number gives EBADF, as the model says.
            if source.rawValue < 0 && sameObject.isEmpty { return FileDescriptor(rawValue: 1000) }
            guard let other = sameObject.last(where: { $0 != source }) else {
                BindingFailure.abandon("dup2 onto another descriptor of the object (\(call.target)): the process holds none")
            }
            return other
        }
    }

    /// `lseek`, `pread` or `pwrite` on a pipe's or FIFO's descriptor: what it returned, if it ever succeeds.
    ///
    /// A process holding no descriptor of the end makes the call on −1 all the same, so the kernel says which of
    /// its argument checks comes first (a negative `pread` offset's `EINVAL` before `EBADF`: ``FilePosition``).
    static func unseekable(_ call: PipeModel.UnseekableCall, on held: FileDescriptor?) throws(Errno) -> Int {
        let descriptor = held ?? FileDescriptor(rawValue: -1)
        let position = call.position
        return switch call {
        case .lseek: try KernelPipe.position(descriptor, offset: position.offset, whence: Int32(truncatingIfNeeded: position.whence))
        case .pread(let max, _): try KernelPipe.readAt(descriptor, max: max, offset: position.offset)
        case .pwrite(let data, _): try KernelPipe.writeAt(descriptor, data, offset: position.offset)
        }
    }

    /// `fcntl` on a pipe's or FIFO's description: its flags and the pipe's size (not `F_DUPFD`, which makes a descriptor
    /// its binding must keep).
    static func fileControl(_ command: PipeModel.FileControl, on descriptor: FileDescriptor) throws(Errno) -> PipeModel.Output {
        switch command {
        case .getFlags:
            let flags = try KernelPipe.flags(descriptor)
            return .flags(nonblocking: flags.nonblocking, direct: flags.direct)
        case .setFlags(let nonblocking, let direct):
            try KernelPipe.setFlags(descriptor, nonblocking: nonblocking, direct: direct)
            return .flagsSet
        case .setFlagsWithAsync(let nonblocking, let direct, let async):
            try KernelPipe.setFlags(descriptor, nonblocking: nonblocking, direct: direct, async: async)
            return .flagsSet
        case .getPipeSize:
            return .size(try Syscall.pipeSize(descriptor))
        case .setPipeSize(let size):
            return .size(try Syscall.setPipeSize(descriptor, size))
        case .duplicate, .duplicateOnto:
            BindingFailure.abandon("F_DUPFD, dup2 and dup3 are their binding's to make")
        case .getDescriptorFlags:
            return .descriptorFlags(closeOnExec: try Syscall.closesOnExec(descriptor))
        case .setDescriptorFlags(let closeOnExec):
            try Syscall.setClosesOnExec(descriptor, closeOnExec)
            return .flagsSet
        case .getOwner, .setOwner, .getOwnerEx, .setOwnerEx:
            BindingFailure.abandon("F_GETOWN and F_SETOWN name workers: the pipe binding's to map")
        case .getSignal:
            return .signal(Int(try Syscall.ioSignal(descriptor)))
        case .setSignal(let signal):
            try Syscall.setIOSignal(descriptor, CInt(truncatingIfNeeded: signal))
            return .flagsSet
        case .ioctl(.bytesAvailable):
            return .available(try Syscall.bytesReadable(descriptor))
        case .ioctl(.nonblocking(let on)):
            try Syscall.control(descriptor, request: UInt(FIONBIO), argument: on ? 1 : 0)
            return .flagsSet
        case .ioctl(.async(let on)):
            try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: on ? 1 : 0)
            return .flagsSet
        case .ioctl(.closeOnExec(let on)):
            try Syscall.control(descriptor, request: UInt(on ? FIOCLEX : FIONCLEX))
            return .flagsSet
        }
    }

    /// `poll` or `select` on a pipe's or FIFO's descriptor (nil: the process holds none of that end).
    static func readiness(_ call: PipeModel.ReadinessCall, on descriptor: FileDescriptor?) throws(Errno) -> PipeModel.Output {
        switch call {
        case .poll(let events, let timeout):
            // A descriptor not open is POLLNVAL (measured); polling its old number, which another file may have
            // taken since, would not say so.
            guard let descriptor else { return .ready(.invalid) }
            let revents = try KernelPipe.poll(descriptor, events: Int16(truncatingIfNeeded: events.rawValue), timeoutMilliseconds: timeout)
            return .ready(PipeModel.PollEvents(rawValue: Int(UInt16(bitPattern: revents))))
        case .select(let read, let write, let timeout):
            guard let descriptor else { throw .badFileDescriptor }
            let (readable, writable) = try KernelPipe.select(descriptor, read: read, write: write, timeoutMilliseconds: timeout)
            return .selected(readable: readable, writable: writable)
        }
    }

    mutating func prepareForExit() {
        if let writeEnd { try? writer.flush(to: writeEnd) }
    }
}

extension Workload.Object {
    /// Whether a write to this pipe or FIFO may be a packet: created with `packet`, or a program sets `O_DIRECT` on
    /// it with `F_SETFL` (see ``FaultFeasibility/mayCarryPackets(_:)``, which keeps reads of it whole).
    func mayCarryPackets(in workload: Workload) -> Bool {
        flag("packet") || workload.processes.contains { process in
            process.program.contains { call in
                guard call.object == name, call.f == "fcntl", case .object(let value)? = call.value else { return false }
                return value["direct"] == .bool(true)
            }
        }
    }

    /// The boolean parameter `key` (false when absent).
    func flag(_ key: String) -> Bool {
        parameters[key] == .bool(true)
    }

    /// The `shared` parameter of a pipe: groups of processes sharing one description of each end they hold.
    var sharedGroups: [[Int]] {
        guard case .array(let groups)? = parameters["shared"] else { return [] }
        return groups.map { group in
            guard case .array(let members) = group else { return [] }
            return members.compactMap { if case .integer(let id) = $0 { Int(id) } else { nil } }
        }
    }
}
