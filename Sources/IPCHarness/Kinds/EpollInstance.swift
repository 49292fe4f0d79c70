import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The worker's epoll instance for one object (the models' "one instance per process per object": a pipe's, an
/// eventfd's): made at the process's first epoll call, closed with the binding. Each registration's data is the
/// descriptor's number, which the instance reports back and `targets` turns into what it was added as (a pipe's end).
final class EpollInstance<Target: Hashable & Sendable & Comparable> {
    private(set) var descriptor: FileDescriptor?
    /// What each registered number was added as.
    private var targets: [CInt: Target] = [:]

    /// A regular file the process holds open for the trace's `"regular-file"` (an anonymous one, `memfd_create`: it
    /// has no `poll`), made at the first call naming it.
    private var regularFile: CInt?

    deinit {
        if let descriptor { try? Syscall.close(descriptor) }
        if let regularFile { Glibc.close(regularFile) }
    }

    /// An epoll call that meets no registration (``Epoll/Misdirected``): through `epfd` (the instance, one of the
    /// object's descriptors — `descriptor` of its target, nil when not held: -1, `EBADF` — or the regular file), of
    /// `target` for `epoll_ctl`. It fails as the kernel says; if it ever returned, nil for `epoll_ctl`, else the wait's
    /// reports.
    func perform(_ call: Epoll.Misdirected<Target>, descriptor: (Target) -> FileDescriptor?, unknown: Target) throws(Errno) -> [Epoll.Report<Target>]? {
        func number(_ given: Epoll.Descriptor<Target>) throws(Errno) -> CInt {
            switch given {
            case .instance: return try instance().rawValue
            case .target(let target): return descriptor(target)?.rawValue ?? -1
            case .regularFile:
                if let regularFile { return regularFile }
                let made = ipc_memfd_create("ipch-regular-file")
                guard made >= 0 else { throw Errno(rawValue: Glibc.errno) }
                regularFile = made
                return made
            }
        }
        switch call {
        case .control(let epfd, let operation, let target, let events):
            try Self.control(try number(epfd), operation, try number(target), events: events)
            return nil
        case .wait(let epfd, let maxEvents, let timeout, let form):
            return reports(try Self.wait(try number(epfd), maxEvents: maxEvents, timeout: timeout, form: form), unknown: unknown)
        }
    }

    func instance() throws(Errno) -> FileDescriptor {
        if let descriptor { return descriptor }
        let made = try KernelEpoll.create()
        descriptor = made
        return made
    }

    /// `epoll_ctl` on `descriptor`, added as `target` (nil: the instance's own descriptor; a nil `descriptor` stands
    /// for one the process does not hold, -1, which the kernel answers `EBADF`).
    func control(_ operation: Epoll.Operation, target: Target?, descriptor: FileDescriptor?, events: Epoll.Events) throws(Errno) {
        let instance = try instance()
        let number = target == nil ? instance.rawValue : descriptor?.rawValue ?? -1
        try Self.control(instance.rawValue, operation, number, events: events)
        if case .add = operation, let target { targets[number] = target }
    }

    /// `epoll_ctl(instance, operation, number, events)` with the model's operation and bits.
    static func control(_ instance: CInt, _ operation: Epoll.Operation, _ number: CInt, events: Epoll.Events) throws(Errno) {
        let op: CInt =
            switch operation {
            case .add: KernelEpoll.add
            case .modify: KernelEpoll.modify
            case .delete: KernelEpoll.delete
            case .other(let raw): CInt(truncatingIfNeeded: raw)
            }
        try KernelEpoll.control(instance, op, number, events: KernelEpoll.Events(rawValue: UInt32(truncatingIfNeeded: events.rawValue)))
    }

    /// A wait on `instance` as `form` says: each report's number (its data) and bits.
    static func wait(_ instance: CInt, maxEvents: Int, timeout: Int, form: Epoll.WaitForm) throws(Errno) -> [(number: CInt, events: Epoll.Events)] {
        let events: [KernelEpoll.Event]
        switch form {
        case .plain: events = try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: timeout)
        case .pwait(let signals):
            events = try KernelEpoll.pwait(instance, maxEvents: maxEvents, timeoutMilliseconds: timeout, signals: signals?.map { CInt(clamping: $0) })
        case .pwait2(let given, let signals):
            events = try KernelEpoll.pwait2(
                instance, maxEvents: maxEvents, timeout: given.map { ($0.seconds, $0.nanoseconds) }, signals: signals?.map { CInt(clamping: $0) })
        }
        return events.map { ($0.descriptor, Epoll.Events(rawValue: Int($0.events.rawValue))) }
    }

    /// What `number` was added as on this instance (nil: never).
    func target(of number: CInt) -> Target? { targets[number] }

    /// `epoll_wait`'s reports, sorted; a number never added (none is) reported as `unknown`.
    /// `form` picks `epoll_wait`, `epoll_pwait` (its mask) or `epoll_pwait2` (its timespec; `timeout` then unused).
    func wait(maxEvents: Int, timeout: Int, form: Epoll.WaitForm = .plain, unknown: Target) throws(Errno) -> [Epoll.Report<Target>] {
        reports(try Self.wait(try instance().rawValue, maxEvents: maxEvents, timeout: timeout, form: form), unknown: unknown)
    }

    /// Events a wait returned as reports, sorted; a number never added (none is) reported as `unknown`.
    func reports(_ events: [(number: CInt, events: Epoll.Events)], unknown: Target) -> [Epoll.Report<Target>] {
        events.map { Epoll.Report(target: targets[$0.number] ?? unknown, events: $0.events) }.sorted()
    }
}

extension Epoll.Creation {
    /// `epoll_create(size)` or `epoll_create1(flags)`: a new instance (not this one), its `FD_CLOEXEC` read and the
    /// descriptor closed at once.
    func perform() throws(Errno) -> Bool {
        let made: FileDescriptor
        switch self {
        case .size(let size): made = try KernelEpoll.create(size: CInt(clamping: size))
        case .flags(let bits): made = try KernelEpoll.create(flags: CInt(truncatingIfNeeded: bits))
        }
        defer { try? Syscall.close(made) }
        return try KernelEpoll.closeOnExec(made.rawValue)
    }
}
