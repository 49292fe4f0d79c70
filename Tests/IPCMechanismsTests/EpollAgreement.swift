import IPCMechanisms
import IPCModels
import SystemPackage

/// The kernel side of the epoll agreement tests (`PipeEpollAgreementTests`, `EventCounterEpollAgreementTests`,
/// `UnixSocketEpollAgreementTests`):
/// a model's `epoll_ctl` and `epoll_wait` made on a real instance.
enum EpollAgreement {
    /// `epoll_ctl(instance, operation, target, events)` with the model's operation and bits.
    static func control(_ instance: CInt, _ operation: Epoll.Operation, _ target: CInt, _ events: Epoll.Events) throws(Errno) {
        let op: CInt =
            switch operation {
            case .add: KernelEpoll.add
            case .modify: KernelEpoll.modify
            case .delete: KernelEpoll.delete
            case .other(let raw): CInt(raw)
            }
        try KernelEpoll.control(instance, op, target, events: KernelEpoll.Events(rawValue: UInt32(truncatingIfNeeded: events.rawValue)))
    }

    /// A zero-timeout `epoll_wait`: each report's descriptor (its data) and bits in the model's terms.
    static func wait(_ instance: CInt, maxEvents: Int) throws(Errno) -> [(descriptor: CInt, events: Epoll.Events)] {
        try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0).map { ($0.descriptor, Epoll.Events(rawValue: Int($0.events.rawValue))) }
    }
}
