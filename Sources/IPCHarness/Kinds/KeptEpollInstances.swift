import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The epoll instances a worker keeps by name (``NestedEpoll``: `epoll_create1 {"keep"}`) beside its implicit one
/// (``EpollInstance``), and what each instance's registrations of numbers were added as — for any object whose model
/// has nested instances (a pipe's ends, a socket pair's). `leaf` gives the number a call names a leaf by (-1: not held,
/// which the kernel answers `EBADF`).
struct KeptEpollInstances<Leaf: Hashable & Sendable & Comparable> {
    private var kept: [String: FileDescriptor] = [:]
    private var targets: [String: [CInt: NestedEpoll.Target<Leaf>]] = [:]

    /// Whether the implicit instance holds what a nested call added (an instance): its waits go through ``wait``.
    var implicitHoldsNested: Bool { targets[NestedEpoll.implicitInstance]?.isEmpty == false }

    /// The number a nested call names `target` by (-1: not held).
    func number(of target: NestedEpoll.Target<Leaf>, implicit: EpollInstance<Leaf>, leaf: (Leaf) -> CInt) throws(Errno) -> CInt {
        switch target {
        case .end(let end): leaf(end)
        case .instance(let name): name == NestedEpoll.implicitInstance ? try implicit.instance().rawValue : kept[name]?.rawValue ?? -1
        }
    }

    /// A call on a kept instance, or one naming an instance as its target (a wait: ``wait``).
    mutating func perform(
        _ call: NestedEpoll.Call<Leaf>, implicit: EpollInstance<Leaf>, leaf: (Leaf) -> CInt, unknown: Leaf, dispatchingNested: Bool = false
    ) throws(Errno) -> NestedEpoll.Outcome<Leaf> {
        switch call {
        case .create(let creation, let name):
            guard kept[name] == nil else { BindingFailure.abandon("epoll instance \(name) is kept already: close it first") }
            let made: FileDescriptor
            switch creation {
            case .size(let size): made = try KernelEpoll.create(size: CInt(clamping: size))
            case .flags(let bits): made = try KernelEpoll.create(flags: CInt(truncatingIfNeeded: bits))
            }
            kept[name] = made
            targets[name] = [:]
            return .created(closeOnExec: try KernelEpoll.closeOnExec(made.rawValue))
        case .close(let name):
            guard let descriptor = kept.removeValue(forKey: name) else { throw .badFileDescriptor }
            targets[name] = nil
            for instance in targets.keys { targets[instance] = targets[instance]!.filter { $0.key != descriptor.rawValue } }
            try Syscall.close(descriptor)
            return .closed
        case .control(let instance, let operation, let target, let events):
            let number = try number(of: target, implicit: implicit, leaf: leaf)
            try EpollInstance<Leaf>.control(try self.number(of: .instance(instance), implicit: implicit, leaf: leaf), operation, number, events: events)
            if case .add = operation { targets[instance, default: [:]][number] = target }
            return .controlled
        case .wait(let instance, let maxEvents, let timeout, let form):
            return .reported(try wait(instance, maxEvents: maxEvents, timeout: timeout, form: form, implicit: implicit, leaf: leaf, unknown: unknown, dispatchingNested: dispatchingNested))
        }
    }

    /// A wait on `instance` whose reports may name instances, sorted: each number as it was added (the implicit
    /// instance's leaves as `implicit` added them; a number never added, none is, as `unknown`). `dispatchingNested`:
    /// a wrong belief's event loop (`client.pipe-nested-dispatch`, `client.unix-nested-dispatch`) that, when an
    /// instance is reported, waits on it at once, unrecorded — as if the outer report had been the inner's events —
    /// so the inner edge is gone before the recorded wait on the inner instance.
    func wait(
        _ instance: String, maxEvents: Int, timeout: Int, form: Epoll.WaitForm, implicit: EpollInstance<Leaf>, leaf: (Leaf) -> CInt, unknown: Leaf,
        dispatchingNested: Bool = false
    ) throws(Errno) -> [NestedEpoll.Report<Leaf>] {
        let reports = try EpollInstance<Leaf>.wait(try number(of: .instance(instance), implicit: implicit, leaf: leaf), maxEvents: maxEvents, timeout: timeout, form: form).map { report in
            let target = targets[instance]?[report.number] ?? implicit.target(of: report.number).map { .end($0) } ?? .end(unknown)
            return NestedEpoll.Report(target: target, events: report.events)
        }.sorted()
        if dispatchingNested {
            for case .instance(let inner) in reports.map(\.target) where inner != instance {
                _ = try? EpollInstance<Leaf>.wait(try number(of: .instance(inner), implicit: implicit, leaf: leaf), maxEvents: 16, timeout: 0, form: .plain)
            }
        }
        return reports
    }
}
