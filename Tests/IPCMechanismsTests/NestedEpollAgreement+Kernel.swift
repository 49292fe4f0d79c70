import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage

/// The kernel side of the nested-epoll agreement tests' instance calls (`PipeNestedEpollAgreementTests`,
/// `EventCounterNestedEpollAgreementTests`, `UnixSocketNestedEpollAgreementTests`, `FIFONestedEpollAgreementTests`,
/// `PosixMessageQueueNestedEpollAgreementTests`): process 1's creates and closes of kept instances, `epoll_ctl` of an
/// instance or a leaf by name, and zero-timeout waits, each made on a real instance and said as the model's output.
extension NestedEpollAgreement {
    /// One of process 1's calls on its implicit instance (`"epoll"`) or a kept one, as a test draws it.
    enum InstanceCall<Leaf: Hashable & Sendable & Comparable>: Sendable, CustomStringConvertible {
        case create(String)
        case closeInstance(String)
        case control(instance: String, operation: Epoll.Operation, target: NestedEpoll.Target<Leaf>, events: Epoll.Events)
        case wait(instance: String, maxEvents: Int)

        var description: String {
            switch self {
            case .create(let name): "create(\(name))"
            case .closeInstance(let name): "close(\(name))"
            case .control(let instance, let operation, let target, let events): "epoll_ctl(\(instance), \(operation.name), \(target.name), \(events))"
            case .wait(let instance, let maxEvents): "epoll_wait(\(instance), \(maxEvents))"
            }
        }

        /// The model's input, as a trace decodes the call (the implicit instance's own calls on leaves stay `epoll`).
        func input<Input: NestedEpollAgreementInput<Leaf>>() -> Input {
            let decoded: Decoded<Leaf> =
                switch self {
                case .create(let name): NestedEpollAgreement.create(name)
                case .closeInstance(let name): NestedEpollAgreement.closeInstance(name)
                case .control(let instance, let operation, let target, let events): NestedEpollAgreement.control(instance, operation, target, events)
                case .wait(let instance, let maxEvents): NestedEpollAgreement.wait(instance, maxEvents: maxEvents)
                }
            switch decoded {
            case .plain(let call): return .epoll(process: 1, call: call)
            case .nested(let call): return .nestedEpoll(process: 1, call: call)
            }
        }
    }

    /// Process 1's instances on the kernel: the implicit one (`"epoll"`) and the kept ones by name.
    struct Instances {
        let implicit: FileDescriptor
        private(set) var kept: [String: FileDescriptor] = [:]

        init() throws(Errno) { implicit = try KernelEpoll.create() }

        /// Closes every instance still open (a test's cleanup).
        func closeAll() {
            try? Syscall.close(implicit)
            for descriptor in kept.values { try? Syscall.close(descriptor) }
        }

        /// The number of instance `name`; -1 (EBADF) once closed, never its old number, which another file may have taken.
        func descriptor(of name: String) -> CInt { name == "epoll" ? implicit.rawValue : kept[name]?.rawValue ?? -1 }

        /// The number of `target`: a leaf's from `leaf`, an instance's from ``descriptor(of:)``.
        func descriptor<Leaf>(_ target: NestedEpoll.Target<Leaf>, leaf: (Leaf) -> CInt) -> CInt {
            switch target {
            case .end(let end): leaf(end)
            case .instance(let name): descriptor(of: name)
            }
        }

        /// `call` made on the kernel, its outcome as `model`'s output (an errno thrown). A create of a name still open
        /// closes the old instance first — a trace never names two open instances alike — and steps `states` past that
        /// close. A wait's events are named by the one of `targets` whose number they carry (``EpollAgreement/nestedWait``).
        mutating func perform<M: NestedEpollAgreementModel>(
            _ call: InstanceCall<M.Leaf>, model: M, states: inout [M.State], targets: [NestedEpoll.Target<M.Leaf>], leaf: (M.Leaf) -> CInt
        ) throws(Errno) -> M.Output {
            switch call {
            case .create(let name):
                if let old = kept[name] {
                    kept[name] = nil
                    try Syscall.close(old)
                    states = states.flatMap { model.step($0, .nestedEpoll(process: 1, call: .close(instance: name)), .closed).map(\.state) }
                }
                kept[name] = try KernelEpoll.create()
                return .epollCreated(closeOnExec: true)
            case .closeInstance(let name):
                guard let old = kept.removeValue(forKey: name) else { throw .badFileDescriptor }
                try Syscall.close(old)
                return .closed
            case .control(let instance, let operation, let target, let events):
                try EpollAgreement.control(descriptor(of: instance), operation, descriptor(target, leaf: leaf), events)
                return .epollControlled
            case .wait(let instance, let maxEvents):
                return M.epollOutput(
                    try EpollAgreement.nestedWait(descriptor(of: instance), maxEvents: maxEvents, targets: targets, descriptor: { descriptor($0, leaf: leaf) }))
            }
        }
    }

    /// `operations` run on the kernel and on `model` (from `initial`) side by side, for a test whose object's calls
    /// complete in one step (the eventfd's, the message queue's): each kernel output (an errno as `.failed`) must be
    /// one the model allows from one of the states (``nextStates(_:from:_:kernel:context:)``: else a disagreement is
    /// recorded and the run ends), and what it met is marked (``mark(_:waitedOn:registrations:seen:)``: "instance
    /// reported", an error's name). `objectCall` makes an operation of the object's own; `leaf` is the object's
    /// number (-1 once closed), an instance call's `.end` target.
    static func run<M: NestedEpollAgreementModel, Operation: NestedEpollAgreementOperation>(
        _ operations: [Operation], model: M, initial: M.State, targets: [NestedEpoll.Target<M.Leaf>], input: (Operation) -> M.Input,
        leaf: () -> CInt, objectCall: (Operation) throws(Errno) -> M.Output, seen: borrowing Mutex<Set<String>>
    ) throws(Errno) where Operation.Leaf == M.Leaf {
        var instances = try Instances()
        defer { instances.closeAll() }
        var states = [initial]
        for (index, operation) in operations.enumerated() {
            let input = input(operation)
            let kernel: M.Output
            do throws(Errno) {
                if let call = operation.instanceCall {
                    kernel = try instances.perform(call, model: model, states: &states, targets: targets) { _ in leaf() }
                } else {
                    kernel = try objectCall(operation)
                }
            } catch {
                kernel = .failed(ErrorCode(error.name))
            }
            guard let next = nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                return
            }
            seen.withLock { mark(kernel, waitedOn: operation.waitedOn, registrations: nil, seen: &$0) }
            states = next
        }
    }

    /// Records what a kernel output met: a failure's error name; a wait's reports naming an instance — with
    /// `registrations` (each state's nested ones before the call) as ``mark(_:waitedOn:registrations:seen:)`` does,
    /// without them "instance reported" alone.
    static func mark<Output: NestedEpollAgreementOutput>(
        _ kernel: Output, waitedOn instance: String?, registrations: [[NestedEpoll.Registration<Output.Leaf>]]?, seen: inout Set<String>
    ) {
        if let code = kernel.failure { seen.insert(code.rawValue) }
        guard let reports = kernel.nestedReports else { return }
        if let registrations {
            mark(reports, waitedOn: instance, registrations: registrations, seen: &seen)
        } else {
            seen.insert("instance reported")
        }
    }
}

/// A nested-epoll agreement test's operation: its object's own, or an instance call (``NestedEpollAgreement/InstanceCall``).
protocol NestedEpollAgreementOperation: Sendable {
    associatedtype Leaf: Hashable & Sendable & Comparable
    static func epoll(_ call: NestedEpollAgreement.InstanceCall<Leaf>) -> Self
    /// The instance call this is; nil for one of the object's own.
    var instanceCall: NestedEpollAgreement.InstanceCall<Leaf>? { get }
}

extension NestedEpollAgreementOperation {
    static func create(_ name: String) -> Self { epoll(.create(name)) }
    static func closeInstance(_ name: String) -> Self { epoll(.closeInstance(name)) }

    static func control(instance: String, operation: Epoll.Operation, target: NestedEpoll.Target<Leaf>, events: Epoll.Events) -> Self {
        epoll(.control(instance: instance, operation: operation, target: target, events: events))
    }

    static func wait(instance: String, maxEvents: Int) -> Self { epoll(.wait(instance: instance, maxEvents: maxEvents)) }

    /// A wait for up to 16 events.
    static func wait(_ instance: String) -> Self { wait(instance: instance, maxEvents: 16) }

    static func add(_ instance: String, _ target: NestedEpoll.Target<Leaf>, _ events: Epoll.Events = .input) -> Self {
        control(instance: instance, operation: .add, target: target, events: events)
    }

    /// The instance this waits on; nil for another call.
    var waitedOn: String? {
        if case .wait(let instance, _) = instanceCall { instance } else { nil }
    }
}

/// A nested-epoll agreement test, whose directed sequences say `add(…)` and `wait(…)` for its operations.
protocol NestedEpollAgreementSuite {
    associatedtype Operation: NestedEpollAgreementOperation
}

extension NestedEpollAgreementSuite {
    static func add(_ instance: String, _ target: NestedEpoll.Target<Operation.Leaf>, _ events: Epoll.Events = .input) -> Operation {
        .add(instance, target, events)
    }

    /// A wait for up to 16 events.
    static func wait(_ instance: String) -> Operation { .wait(instance) }
}

/// A model's input with process 1's plain and nested epoll calls (the model's enum cases witness these).
protocol NestedEpollAgreementInput<Leaf> {
    associatedtype Leaf: Hashable & Sendable & Comparable
    static func epoll(process: Int, call: Epoll.Call<Leaf>) -> Self
    static func nestedEpoll(process: Int, call: NestedEpoll.Call<Leaf>) -> Self
}

/// A model's output with the words of the instance calls (the model's enum cases witness most).
protocol NestedEpollAgreementOutput<Leaf> {
    associatedtype Leaf: Hashable & Sendable & Comparable
    static func epollCreated(closeOnExec: Bool?) -> Self
    static var epollControlled: Self { get }
    /// An instance's close.
    static var closed: Self { get }
    static func failed(_ code: ErrorCode) -> Self
    /// The error of a failed call.
    var failure: ErrorCode? { get }
    /// A wait's reports when one names an instance.
    var nestedReports: [NestedEpoll.Report<Leaf>]? { get }
}

/// A model the nested-epoll agreement tests judge the kernel with.
protocol NestedEpollAgreementModel: Model where Input: NestedEpollAgreementInput<Leaf>, Output: NestedEpollAgreementOutput<Leaf> {
    associatedtype Leaf: Hashable & Sendable & Comparable
    /// A wait's reports as an output.
    static func epollOutput(_ reports: [NestedEpoll.Report<Leaf>]) -> Output
}

extension PipeModel: NestedEpollAgreementModel {}
extension PipeModel.Input: NestedEpollAgreementInput {}
extension PipeModel.Output: NestedEpollAgreementOutput {
    var failure: ErrorCode? { if case .failed(let code) = self { code } else { nil } }
    var nestedReports: [NestedEpoll.Report<PipeModel.End>]? { if case .nestedEpollEvents(let reports) = self { reports } else { nil } }
}

extension FIFOModel: NestedEpollAgreementModel {}
extension FIFOModel.Input: NestedEpollAgreementInput {}
extension FIFOModel.Output: NestedEpollAgreementOutput {
    var failure: ErrorCode? { if case .failed(let code) = self { code } else { nil } }
    var nestedReports: [NestedEpoll.Report<PipeModel.End>]? { if case .nestedEpollEvents(let reports) = self { reports } else { nil } }
}

extension UnixSocketModel: NestedEpollAgreementModel {}
extension UnixSocketModel.Input: NestedEpollAgreementInput {}
extension UnixSocketModel.Output: NestedEpollAgreementOutput {
    var failure: ErrorCode? { if case .failed(let code) = self { code } else { nil } }
    var nestedReports: [NestedEpoll.Report<String>]? { if case .nestedEpollEvents(let reports) = self { reports } else { nil } }
}

extension EventCounterModel: NestedEpollAgreementModel {}
extension EventCounterModel.Input: NestedEpollAgreementInput {}
extension EventCounterModel.Output: NestedEpollAgreementOutput {
    var failure: ErrorCode? { if case .failed(let code) = self { code } else { nil } }
    var nestedReports: [NestedEpoll.Report<EventCounterModel.EpollTarget>]? { if case .nestedEpollEvents(let reports) = self { reports } else { nil } }
}

extension PosixMessageQueueModel: NestedEpollAgreementModel {}
extension PosixMessageQueueModel.Input: NestedEpollAgreementInput {}
extension PosixMessageQueueModel.Output: NestedEpollAgreementOutput {
    static var closed: Self { .done }
    var failure: ErrorCode? { if case .failed(let code) = self { code } else { nil } }
    var nestedReports: [NestedEpoll.Report<PosixMessageQueueModel.EpollTarget>]? { if case .nestedEpollEvents(let reports) = self { reports } else { nil } }
}
