import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// An eventfd (model `eventfd`); parameters `initial`, `semaphore`, `nonblocking`. Holders (role `hold`) share its
/// one open file, so its blocking mode is every holder's (an eventfd cannot be reopened through `/proc/self/fd`).
/// An eventfd whose one holder has role `create` is not made beforehand: that process makes it with its `eventfd`
/// call, the object's first operation, with the call's count and flags.
///
/// `client.eventfd-exclusive-mod-unchecked` is an epoll consumer with a plausible wrong belief: that a registration
/// added with `EPOLLEXCLUSIVE` can be changed by MOD like any other (switching its events without the flag), so it does
/// not check MOD's result and takes it as done — the kernel refuses it `EINVAL` (it modifies only plain registrations).
/// `client.eventfd-regular-file-unchecked` is an event loop that registers every descriptor it is handed, a regular
/// file too (a log, a redirected input), believing ADD works for any file and not checking it: the kernel refuses a
/// file with no `poll` `EPERM`.
/// `client.eventfd-nested-dispatch` is an event loop with a nested epoll instance whose dispatcher, when the main
/// instance reports the nested one, waits on the nested instance at once, unrecorded (``KeptEpollInstances/wait``) —
/// believing the main instance's report was the nested one's events — so an `EPOLLET` edge is gone before the
/// recorded wait on the nested instance.
public enum EventCounterKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["initial", "semaphore", "nonblocking"]
    public typealias Model = EventCounterModel

    public static let implementations = [
        "kernel.eventfd", "client.eventfd-exclusive-mod-unchecked", "client.eventfd-regular-file-unchecked", "client.eventfd-nested-dispatch",
    ]

    public static func model(for workload: Workload) -> EventCounterModel {
        EventCounterModel(counters: workload.objects.filter { $0.kind == name }.map { object in
            (object.name, EventCounterModel.Setup(
                initial: UInt64(object.integer("initial") ?? 0),
                semaphore: object.parameters["semaphore"] == .bool(true),
                nonblocking: object.parameters["nonblocking"] == .bool(true),
                holders: workload.holders(of: object.name, role: "hold"),
                createdBy: workload.holders(of: object.name, role: "create").first))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let creators = workload.holders(of: object.name, role: "create")
        if !creators.isEmpty {
            guard creators.count == 1, workload.processes.filter({ $0.holds[object.name] != nil }).count == 1,
                  workload.processes.first(where: { $0.id == creators[0] })?.holds[object.name] == ["create"],
                  object.parameters.members.isEmpty
            else {
                throw HarnessError("eventfd \(object.name) made during the run needs one holder, in role 'create' alone, and no parameters (its eventfd call gives them)")
            }
            objects.tell(creators[0], about: object.name, ["create": true])
            return
        }
        let descriptor: FileDescriptor
        do {
            descriptor = try KernelEventCounter.create(
                initial: UInt32(clamping: object.integer("initial") ?? 0), semaphore: object.parameters["semaphore"] == .bool(true),
                nonblocking: object.parameters["nonblocking"] == .bool(true))
        } catch {
            throw HarnessError("cannot create eventfd \(object.name): \(error)")
        }
        objects.keepUntilStarted(descriptor)
        objects.tellHolders(of: object, in: workload, handing: ["fd": descriptor])
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<EventCounterModel> {
        var binding = EventCounterBinding(descriptor: object.flag("create") ? nil : try object.descriptor("fd"))
        binding.exclusiveModificationUnchecked = implementation == "client.eventfd-exclusive-mod-unchecked"
        binding.regularFileUnchecked = implementation == "client.eventfd-regular-file-unchecked"
        binding.dispatchesNested = implementation == "client.eventfd-nested-dispatch"
        return binding
    }
}

/// eventfd operations on the one descriptor this process was given.
struct EventCounterBinding: ObjectBinding {

    typealias Model = EventCounterModel
    var descriptor: FileDescriptor?
    /// Copies `dup` and `F_DUPFD` made, newest last: a `close` closes the newest first.
    var duplicates: [FileDescriptor] = []
    /// This process's epoll instance for the eventfd: registrations name the newest descriptor.
    let epoll = EpollInstance<EventCounterModel.EpollTarget>()
    /// `client.eventfd-exclusive-mod-unchecked`'s wrong belief: MOD of its `EPOLLEXCLUSIVE` registration is done.
    var exclusiveModificationUnchecked = false
    /// `client.eventfd-regular-file-unchecked`'s wrong belief: ADD of a regular file is done like any other.
    var regularFileUnchecked = false
    /// Whether this process's registration was added with `EPOLLEXCLUSIVE` (for the belief above).
    var registeredExclusive = false
    /// The epoll instances it keeps by name (``EventCounterModel+NestedEpoll``), and what each instance's
    /// registrations of numbers were added as (the implicit instance's: ``epoll``'s).
    var kept = KeptEpollInstances<EventCounterModel.EpollTarget>()
    /// `client.eventfd-nested-dispatch`'s wrong belief (``KeptEpollInstances/wait``): a reported instance drained at once.
    var dispatchesNested = false

    mutating func perform(_ input: EventCounterModel.Input) throws(Errno) -> EventCounterModel.Output {
        switch input {
        case .create(_, let initial, let flags):
            guard descriptor == nil else { BindingFailure.abandon("a second eventfd for one eventfd object: each one made is an object of its own") }
            var raw = CInt(truncatingIfNeeded: flags.otherBits)
            if flags.semaphore { raw |= 1 }  // EFD_SEMAPHORE
            if flags.nonblocking { raw |= O_NONBLOCK }  // EFD_NONBLOCK
            if flags.closeOnExec { raw |= O_CLOEXEC }  // EFD_CLOEXEC
            descriptor = try Syscall.eventCounter(initial: UInt32(initial), exactFlags: raw)
            return .created
        case .close where !duplicates.isEmpty:
            try Syscall.close(duplicates.removeLast())
            return .closed
        case .duplicate(_, let minimum, let closeOnExec):
            guard let descriptor else { throw .badFileDescriptor }
            let made = Glibc.fcntl(descriptor.rawValue, closeOnExec ? F_DUPFD_CLOEXEC : F_DUPFD, CInt(clamping: minimum ?? 0))
            guard made >= 0 else { throw Errno(rawValue: errno) }
            duplicates.append(FileDescriptor(rawValue: made))
            return .duplicated
        case .duplicateOnto(_, let call):
            return try duplicate(onto: call)
        case .descriptorFlags(_, let setCloseOnExec):
            guard let newest = duplicates.last ?? descriptor else { throw .badFileDescriptor }
            guard let setCloseOnExec else { return .closeOnExec(try Syscall.closesOnExec(newest)) }
            try Syscall.setClosesOnExec(newest, setCloseOnExec)
            return .flagsSet
        case .write(_, let value, let size):
            guard let descriptor else { throw .badFileDescriptor }
            switch try KernelEventCounter.write(descriptor, value, size: size) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .read(_, let size):
            guard let descriptor else { throw .badFileDescriptor }
            switch try KernelEventCounter.read(descriptor, size: size) {
            case .completed(let value): return .read(value)
            case .wouldBlock: throw .wouldBlock
            }
        case .close:
            guard let open = descriptor else { throw .badFileDescriptor }
            descriptor = nil
            try Syscall.close(open)
            return .closed
        case .fcntl(_, let setNonblocking):
            guard let descriptor else { throw .badFileDescriptor }
            guard let setNonblocking else { return .flags(nonblocking: try KernelPipe.flags(descriptor).nonblocking) }
            try Syscall.setNonblocking(descriptor, setNonblocking)
            return .flagsSet
        case .lseek(_, let position):
            guard let descriptor else { throw .badFileDescriptor }
            return .position(try KernelPipe.position(descriptor, offset: position.offset, whence: Int32(truncatingIfNeeded: position.whence)))
        case .pread(_, let size, let position):
            // Made on −1 without a descriptor, so the kernel orders a negative offset's EINVAL and EBADF itself.
            return .position(try KernelPipe.readAt(descriptor ?? FileDescriptor(rawValue: -1), max: size, offset: position.offset))
        case .pwrite(_, let size, let position):
            return .position(try KernelPipe.writeAt(descriptor ?? FileDescriptor(rawValue: -1), [UInt8](repeating: 0, count: size), offset: position.offset))
        case .ioctl(_, let request):
            guard let descriptor else { throw .badFileDescriptor }
            switch request {
            case .fionread: _ = try Syscall.bytesReadable(descriptor)
            case .fionbio(let on): try Syscall.control(descriptor, request: UInt(FIONBIO), argument: on ? 1 : 0)
            case .fioasync(let on): try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: on ? 1 : 0)
            case .fioclex: try Syscall.control(descriptor, request: UInt(FIOCLEX))
            case .fionclex: try Syscall.control(descriptor, request: UInt(FIONCLEX))
            }
            return .flagsSet
        case .nestedEpoll(_, let call):
            return try nested(call)
        case .epoll(_, .wait(let maxEvents, let timeout, let form)) where kept.implicitHoldsNested:
            return try nested(.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form))
        case .epoll(_, .control(let operation, let target, let events)):
            do throws(Errno) {
                try epoll.control(operation, target: target, descriptor: duplicates.last ?? descriptor, events: events)
            } catch {
                if exclusiveModificationUnchecked && registeredExclusive && operation == .modify && target != nil { return .epollControlled }
                throw error
            }
            if target != nil {
                if operation == .add { registeredExclusive = events.contains(.exclusive) }
                if operation == .delete { registeredExclusive = false }
            }
            return .epollControlled
        case .exit:
            return .closed  // the checker's step for a death, never a call a worker makes
        case .signal:
            guard let descriptor else { throw .badFileDescriptor }
            try KernelEventCounter.signalByAsyncIO(descriptor)
            return .flagsSet
        case .epoll(_, .misdirected(let call)):
            let newest = duplicates.last ?? descriptor
            do throws(Errno) {
                return try epoll.perform(call, descriptor: { _ in newest }, unknown: .eventfd).map { .epollEvents($0) } ?? .epollControlled
            } catch {
                if regularFileUnchecked, case .control(.instance, .add, .regularFile, _) = call { return .epollControlled }
                throw error
            }
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            return .epollEvents(try epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: .eventfd))
        case .readiness(_, let call):
            switch try PipeBinding.readiness(call, on: descriptor) {
            case .ready(let events): return .ready(events)
            case .selected(let readable, let writable): return .selected(readable: readable, writable: writable)
            default: throw .badFileDescriptor
            }
        }
    }
}

extension EventCounterBinding {
    /// A call on a kept epoll instance, or one naming an instance as its target; the eventfd as its newest
    /// descriptor (-1 when none is held: the kernel's `EBADF`).
    mutating func nested(_ call: EventCounterModel.NestedEpollCall) throws(Errno) -> EventCounterModel.Output {
        let newest = (duplicates.last ?? descriptor)?.rawValue ?? -1
        return EventCounterModel.output(
            of: try kept.perform(call, implicit: epoll, leaf: { _ in newest }, unknown: .eventfd, dispatchingNested: dispatchesNested))
    }

    /// `dup2`/`dup3` of the newest descriptor onto the number the call names (``PipeBinding/duplicateTarget(of:source:sameObject:placeholder:)``):
    /// the copy is the newest, and one it replaced — the eventfd itself or an older copy — is no longer held as such.
    mutating func duplicate(onto call: PipeModel.DuplicateCall) throws(Errno) -> EventCounterModel.Output {
        let source = duplicates.last ?? descriptor ?? FileDescriptor(rawValue: -1)
        let flags = call.closeOnExec.map { ($0 ? O_CLOEXEC : 0) | CInt(truncatingIfNeeded: call.otherBits) }
        var placeholder: FileDescriptor?
        defer { if let placeholder { try? Syscall.close(placeholder) } }
        let sameObject = [descriptor].compactMap { $0 } + duplicates
        let target = try PipeBinding.duplicateTarget(of: call, source: source, sameObject: sameObject, placeholder: &placeholder)
        let made = try Syscall.duplicate(source, onto: target.rawValue, flags: flags)
        placeholder = nil
        guard call.target != .itself else { return .duplicated }
        duplicates.removeAll { $0 == made }
        // The eventfd's own descriptor, which reads and writes use, replaced: its oldest copy takes its place.
        if descriptor == made { descriptor = duplicates.isEmpty ? nil : duplicates.removeFirst() }
        duplicates.append(made)
        if descriptor == nil { descriptor = duplicates.removeFirst() }
        return .duplicated
    }
}
