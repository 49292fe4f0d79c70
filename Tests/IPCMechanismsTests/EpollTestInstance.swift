import Glibc
import IPCMechanisms
import SystemPackage
import Testing

/// An epoll instance a facts test owns (closed when it goes), and the two calls the single-object facts make on it
/// (`KernelEventCounterEpollFactsTests`, `MessageQueueEpollFactsTests`).
final class EpollTestInstance {
    let descriptor: CInt

    init() throws(Errno) { descriptor = try KernelEpoll.create().rawValue }

    deinit { Glibc.close(descriptor) }

    /// `epoll_ctl(instance, operation, target, events)`: nil when it succeeded, else its error.
    func ctl(_ operation: CInt, _ target: CInt, _ events: KernelEpoll.Events) -> Errno? {
        do throws(Errno) { try KernelEpoll.control(descriptor, operation, target, events: events); return nil } catch { return error }
    }

    /// The bits a zero-timeout wait reports for the one object registered (nil: nothing reported).
    func reported() throws -> KernelEpoll.Events? {
        let events = try KernelEpoll.wait(descriptor, maxEvents: 16, timeoutMilliseconds: 0)
        #expect(events.count <= 1)
        return events.first?.events
    }

    /// `epoll_ctl`'s errors on `target` in the pipe's order (`KernelEpollFactsTests`), from no registration back to
    /// none: MOD/DEL of none `ENOENT`, ADD, ADD twice `EEXIST`, an unknown op `EINVAL`, the instance itself `EINVAL`,
    /// DEL, DEL again `ENOENT`.
    func expectThePipesControlErrors(on target: CInt, sourceLocation: SourceLocation = #_sourceLocation) {
        let steps: [(CInt, CInt, Errno?)] = [
            (KernelEpoll.modify, target, .noSuchFileOrDirectory), (KernelEpoll.delete, target, .noSuchFileOrDirectory),
            (KernelEpoll.add, target, nil), (KernelEpoll.add, target, .fileExists), (99, target, .invalidArgument),
            (KernelEpoll.add, descriptor, .invalidArgument), (KernelEpoll.delete, target, nil), (KernelEpoll.delete, target, .noSuchFileOrDirectory),
        ]
        for (index, (operation, on, expected)) in steps.enumerated() {
            #expect(ctl(operation, on, .input) == expected, "step \(index)", sourceLocation: sourceLocation)
        }
    }
}
