import CIPCShims
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
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

    /// A zero-timeout wait on a nested test's `instance`, each event named by the one target (of `targets`, which may
    /// repeat one to weigh draws) whose descriptor it reported, sorted as the model's reports are; an event for a
    /// number no target has, or two distinct ones share, throws errno 10000 — a disagreement, never a model's answer.
    static func nestedWait<Leaf>(
        _ instance: CInt, maxEvents: Int, targets: [NestedEpoll.Target<Leaf>], descriptor: (NestedEpoll.Target<Leaf>) -> CInt
    ) throws(Errno) -> [NestedEpoll.Report<Leaf>] {
        var reports: [NestedEpoll.Report<Leaf>] = []
        for event in try wait(instance, maxEvents: maxEvents) {
            let names = Set(targets.filter { descriptor($0) == event.descriptor })
            guard let target = names.first, names.count == 1 else { throw Errno(rawValue: 10_000) }
            reports.append(.init(target: target, events: event.events))
        }
        return reports.sorted()
    }

    /// A zero-timeout `epoll_wait`: each report's descriptor (its data) and bits in the model's terms.
    /// `form`: `epoll_pwait` with its mask, or `epoll_pwait2` with its timespec (which a caller keeps to zero or
    /// invalid ones: nothing here may sleep), instead of `epoll_wait`.
    static func wait(_ instance: CInt, maxEvents: Int, form: Epoll.WaitForm = .plain) throws(Errno) -> [(descriptor: CInt, events: Epoll.Events)] {
        let events: [KernelEpoll.Event]
        switch form {
        case .plain: events = try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0)
        case .pwait(let signals):
            events = try KernelEpoll.pwait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0, signals: signals?.map { CInt($0) })
        case .pwait2(let timeout, let signals):
            precondition(timeout.map { !$0.isValid || $0.milliseconds == 0 } ?? false, "a zero or invalid timespec only")
            events = try KernelEpoll.pwait2(instance, maxEvents: maxEvents, timeout: timeout.map { ($0.seconds, $0.nanoseconds) }, signals: signals?.map { CInt($0) })
        }
        return events.map { ($0.descriptor, Epoll.Events(rawValue: Int($0.events.rawValue))) }
    }

    /// A single-object model's epoll `call` made on a holder's `instance` for its `descriptor` (-1: none held): nil for
    /// an `epoll_ctl` done, a zero-timeout wait's reports (sorted, each named by the call's target).
    static func perform<Target>(_ call: Epoll.Call<Target>, target: Target, instance: CInt, descriptor: CInt) throws(Errno) -> [Epoll.Report<Target>]? {
        switch call {
        case .control(let operation, let named, let events):
            try control(instance, operation, named == nil ? instance : descriptor, events)
            return nil
        case .wait(let maxEvents, _, let form):
            return try wait(instance, maxEvents: maxEvents, form: form).map { Epoll.Report(target: target, events: $0.events) }.sorted()
        case .create:
            preconditionFailure("a creation call is judged by itself (PipeEpollAgreementTests draws them)")
        case .misdirected(let misdirected):
            return try perform(misdirected, instance: instance, descriptor: { _ in descriptor }).map { $0.map { Epoll.Report(target: target, events: $0.events) }.sorted() }
        }
    }

    /// A regular file the test process holds open (an anonymous one, `memfd_create`, close-on-exec: no `poll`), the
    /// trace's `"regular-file"`.
    static let regularFile: CInt = ipc_memfd_create("ipch-test-regular-file")

    /// A misdirected call (``Epoll/Misdirected``) through the numbers it names (`descriptor` of a target, -1: none
    /// held): nil for an `epoll_ctl` that returned, a wait's raw reports (a zero timeout, whatever it says).
    static func perform<Target>(
        _ call: Epoll.Misdirected<Target>, instance: CInt, descriptor: (Target) -> CInt
    ) throws(Errno) -> [(descriptor: CInt, events: Epoll.Events)]? {
        func number(_ given: Epoll.Descriptor<Target>) -> CInt {
            switch given {
            case .instance: instance
            case .target(let target): descriptor(target)
            case .regularFile: regularFile
            }
        }
        switch call {
        case .control(let epfd, let operation, let target, let events):
            try control(number(epfd), operation, number(target), events)
            return nil
        case .wait(let epfd, let maxEvents, _, let form):
            return try wait(number(epfd), maxEvents: maxEvents, form: form)
        }
    }

    /// `maxevents` around the limits: 16, 0, `EP_MAX_EVENTS` (a wait: the buffer is 16, and no more are ready) and one
    /// over it (`EINVAL`).
    static let edgeMaxEvents = [16, 0, Epoll.maxEventsLimit, Epoll.maxEventsLimit + 1]

    /// A misdirected call by either of two holders (``Epoll/Misdirected``) on an object whose descriptors are
    /// `targets`: `epoll_ctl` through the instance of a regular file (`EPERM`, any op and events), or through one of
    /// the object's descriptors or a regular file (of an object's descriptor, the instance or a regular file); a
    /// zero-timeout wait of any form through an object's descriptor or a regular file, `maxevents` around the limits
    /// (``edgeMaxEvents``); and the plain wait on the instance with those.
    static func misdirections<Target, Operation>(
        _ targets: [Target], _ make: @escaping @Sendable (_ holder: Int, _ call: Epoll.Call<Target>) -> Operation
    ) -> Generator<Operation, AnySequence<Any>> where Target: Sendable {
        let named: [Epoll.Descriptor<Target>] = [.instance] + targets.map { .target($0) } + [.regularFile]
        let pairs = named.flatMap { epfd in named.map { (epfd, $0) } }.filter { $0.0 != .instance || $0.1 == .regularFile }
        let epfds = Array(named.dropFirst())
        return Gen.int(in: 0...4_799).map { value in
            let holder = 1 + value % 2
            let choice = value / 2
            switch choice % 3 {
            case 0:  // epoll_ctl: a pair (epfd, target) but the instance's own calls, × 5 ops × 9 events
                let (epfd, on) = pairs[(choice / 3) % pairs.count]
                let operation = PipeEpollAgreementTests.operationChoices[(choice / 3 / pairs.count) % 5]
                let events = PipeEpollAgreementTests.eventChoices[(choice / 3 / pairs.count / 5) % 9]
                return make(holder, .misdirected(.control(epfd: epfd, operation: operation, target: on, events: events)))
            case 1:  // a wait through an object's descriptor or a regular file, of any form
                let epfd = epfds[(choice / 3) % epfds.count]
                let maxEvents = edgeMaxEvents[(choice / 3 / epfds.count) % 4]
                let forms: [Epoll.WaitForm] = [.plain] + PipeEpollAgreementTests.waitForms
                let form = forms[(choice / 3 / epfds.count / 4) % forms.count]
                return make(holder, .misdirected(.wait(epfd: epfd, maxEvents: maxEvents, timeout: 0, form: form)))
            default:  // the instance's own wait, maxevents around the limits
                return make(holder, .wait(maxEvents: edgeMaxEvents[(choice / 3) % 4], timeout: 0))
            }
        }.eraseToAny()
    }

    /// An `epoll_ctl` by either of two holders on an object with one kind of descriptor (an eventfd, a queue), with
    /// the pipe's choices of op and events (`PipeEpollAgreementTests`), one in 20 on the instance itself.
    static func controls<Operation>(
        _ make: @escaping @Sendable (_ holder: Int, _ operation: Epoll.Operation, _ onInstance: Bool, _ events: Epoll.Events) -> Operation
    ) -> Generator<Operation, AnySequence<Any>> {
        Gen.int(in: 0...359).map { value in
            make(1 + value % 2, PipeEpollAgreementTests.operationChoices[(value / 2) % 5], value % 20 == 19, PipeEpollAgreementTests.eventChoices[(value / 40) % 9])
        }.eraseToAny()
    }

    /// An `epoll_ctl` by either of two holders with `EPOLLEXCLUSIVE` or `EPOLLWAKEUP` (``PipeEpollAgreementTests/exclusiveChoices``:
    /// the bits ADD takes with the flag, and refused ones): ADD twice as often as MOD or DEL. Both holders are in the
    /// test process and wait with a zero timeout, so no instance sleeps: the kernel reports every ready exclusive
    /// registration, and the model must allow it (it judges the first one fully).
    static func exclusiveControls<Operation>(
        _ make: @escaping @Sendable (_ holder: Int, _ operation: Epoll.Operation, _ onInstance: Bool, _ events: Epoll.Events) -> Operation
    ) -> Generator<Operation, AnySequence<Any>> {
        Gen.int(in: 0...71).map { value in
            make(1 + value % 2, [Epoll.Operation.add, .add, .modify, .delete][(value / 2) % 4], false, PipeEpollAgreementTests.exclusiveChoices[(value / 8) % 9])
        }.eraseToAny()
    }

    /// A zero-timeout `epoll_wait` by either of two holders, `maxevents` mostly 16, some 1 or 0.
    static func waits<Operation>(_ make: @escaping @Sendable (_ holder: Int, _ maxEvents: Int) -> Operation) -> Generator<Operation, AnySequence<Any>> {
        Gen.int(in: 0...9).map { make(1 + $0 % 2, $0 < 6 ? [1, 16, 0][$0 / 2] : 16) }.eraseToAny()
    }

    /// An `epoll_pwait` or `epoll_pwait2` (``PipeEpollAgreementTests/waitForms``: a mask or none, a zero or an invalid
    /// timespec) by either of two holders, `maxevents` 16, 1 or 0.
    static func otherWaits<Operation>(_ make: @escaping @Sendable (_ holder: Int, _ maxEvents: Int, _ form: Epoll.WaitForm) -> Operation) -> Generator<Operation, AnySequence<Any>> {
        Gen.int(in: 0...47).map { make(1 + $0 % 2, [16, 1, 0][($0 / 2) % 3], PipeEpollAgreementTests.waitForms[$0 / 6]) }.eraseToAny()
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
        await checkProperty(count: 200, input: random) { operations throws in try check(operations, seen) }
        let missing = marks.subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the sequences never met \(missing.sorted())", sourceLocation: sourceLocation)
    }
}

/// One holder's epoll call in a single-object agreement test (an eventfd's, a queue's): an `epoll_ctl`, or an
/// `epoll_wait` with a zero timeout.
struct HolderEpollCall<Target: Hashable & Sendable & Comparable & RawRepresentable<String>>: Sendable, CustomStringConvertible {
    var holder: Int
    var call: Epoll.Call<Target>

    /// The holder of a wait, nil for a ctl.
    var waiter: Int? { if case .wait = call { holder } else { nil } }

    var description: String {
        switch call {
        case .control(let operation, let target, let events): "epoll_ctl\(holder)(\(operation.name), \(target?.rawValue ?? "epoll"), \(events))"
        case .wait(let maxEvents, _, let form): "\(form.name)\(holder)(\(maxEvents))"
        case .create(let creation): "\(creation)@\(holder)"
        case .misdirected(let misdirected): "\(misdirected)@\(holder)"
        }
    }
}

/// The operations of a single-object epoll agreement test: the object's own, and its holders' epoll calls (`epoll`),
/// made with `control` and `wait`.
protocol SingleObjectEpollOperation {
    associatedtype Target: Hashable & Sendable & Comparable & RawRepresentable<String>
    /// What a registration names: the object.
    static var target: Target { get }
    static func epoll(_ call: HolderEpollCall<Target>) -> Self
}

extension SingleObjectEpollOperation {
    static func control(holder: Int, operation: Epoll.Operation, onInstance: Bool, events: Epoll.Events) -> Self {
        epoll(HolderEpollCall(holder: holder, call: .control(operation: operation, target: onInstance ? nil : target, events: events)))
    }

    static func wait(holder: Int, maxEvents: Int) -> Self { epoll(HolderEpollCall(holder: holder, call: .wait(maxEvents: maxEvents, timeout: 0))) }

    static func wait(holder: Int, maxEvents: Int, form: Epoll.WaitForm) -> Self {
        epoll(HolderEpollCall(holder: holder, call: .wait(maxEvents: maxEvents, timeout: 0, form: form)))
    }
}
