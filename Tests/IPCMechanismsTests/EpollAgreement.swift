import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

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

    /// One epoll agreement property: the directed sequences, then 200 random ones, each run by `check` on the kernel
    /// and the model side by side; then every mark in `marks` (what a sequence met, which `check` records) must have
    /// been met, or the sequences proved little.
    static func agree<Operation, Shrinks: Sequence>(
        directed: [[Operation]], random: Generator<[Operation], Shrinks>, marks: Set<String>,
        check: ([Operation], borrowing Mutex<Set<String>>) throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for operations in directed { try check(operations, seen) }
        await propertyCheck(count: 200, input: random) { operations throws in try check(operations, seen) }
        let missing = marks.subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the sequences never met \(missing.sorted())", sourceLocation: sourceLocation)
    }
}
