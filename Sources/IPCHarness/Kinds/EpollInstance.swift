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

    deinit { if let descriptor { try? Syscall.close(descriptor) } }

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
        let op: CInt =
            switch operation {
            case .add: KernelEpoll.add
            case .modify: KernelEpoll.modify
            case .delete: KernelEpoll.delete
            case .other(let raw): CInt(truncatingIfNeeded: raw)
            }
        try KernelEpoll.control(instance.rawValue, op, number, events: KernelEpoll.Events(rawValue: UInt32(truncatingIfNeeded: events.rawValue)))
        if case .add = operation, let target { targets[number] = target }
    }

    /// `epoll_wait`'s reports, sorted; a number never added (none is) reported as `unknown`.
    func wait(maxEvents: Int, timeout: Int, unknown: Target) throws(Errno) -> [Epoll.Report<Target>] {
        let events = try KernelEpoll.wait(try instance().rawValue, maxEvents: maxEvents, timeoutMilliseconds: timeout)
        return events.map { event in
            Epoll.Report(target: targets[event.descriptor] ?? unknown, events: Epoll.Events(rawValue: Int(event.events.rawValue)))
        }.sorted()
    }
}
