import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The worker's epoll instance for one pipe object (the model's "one instance per process per pipe"): made at the
/// process's first epoll call, closed with the binding. Each registration's data is the descriptor's number, which
/// the instance reports back and `ends` turns into the end it was added as.
final class PipeEpollInstance {
    private(set) var descriptor: FileDescriptor?
    /// The end each registered number was added as.
    private var ends: [CInt: PipeModel.End] = [:]

    deinit { if let descriptor { try? Syscall.close(descriptor) } }

    func instance() throws(Errno) -> FileDescriptor {
        if let descriptor { return descriptor }
        let made = try KernelEpoll.create()
        descriptor = made
        return made
    }

    /// `epoll_ctl` on `target` (nil: the instance's own descriptor; -1 stands for an end the process does not hold,
    /// which the kernel answers `EBADF`).
    func control(_ operation: PipeModel.EpollOperation, end: PipeModel.End?, target: FileDescriptor?, events: PipeModel.EpollEvents) throws(Errno) {
        let instance = try instance()
        let number = end == nil ? instance.rawValue : target?.rawValue ?? -1
        let op: CInt =
            switch operation {
            case .add: KernelEpoll.add
            case .modify: KernelEpoll.modify
            case .delete: KernelEpoll.delete
            case .other(let raw): CInt(truncatingIfNeeded: raw)
            }
        try KernelEpoll.control(instance.rawValue, op, number, events: KernelEpoll.Events(rawValue: UInt32(truncatingIfNeeded: events.rawValue)))
        if case .add = operation, let end { ends[number] = end }
    }

    func wait(maxEvents: Int, timeout: Int) throws(Errno) -> PipeModel.Output {
        let events = try KernelEpoll.wait(try instance().rawValue, maxEvents: maxEvents, timeoutMilliseconds: timeout)
        return .epollEvents(events.map { event in
            PipeModel.EpollReport(end: ends[event.descriptor] ?? .read, events: PipeModel.EpollEvents(rawValue: Int(event.events.rawValue)))
        }.sorted())
    }
}
