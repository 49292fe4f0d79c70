/// One epoll instance shared by processes that each open the FIFO themselves (`params` `sharedEpoll`: `[[1, 2]]`, an
/// instance made before a `fork`, LTP `epoll_wait11`'s shape, or threads of one process), as measured in
/// `KernelFIFOSharedEpollFactsTests` (a C probe first):
/// - The kernel keys a registration by `(file, fd)`. Each sharer's open is a description of its own, so each sharer's
///   `epoll_ctl` reaches only the registrations of its own opens — the same number in both processes names two files:
///   ADD through it succeeds while the other's is registered, MOD and DEL of it fail `ENOENT` (`EBADF` without an
///   open of the end), and never touch the other's. So `epoll_ctl` is the single-process rule (``FIFOModel+Epoll``),
///   each registration carrying its sharer as its process.
/// - A wait by any sharer reports every sharer's registrations: one ready list, one `maxevents`, `EPOLLET` news and
///   `EPOLLONESHOT` consumed for all. The trace names whose open each report is (`{"process": P, "end": E, ...}`).
/// - A registration lasts until its own description's last close — the registering sharer's close of its open, or its
///   exit — whoever else still holds the instance or the FIFO; the instance lasts until its last sharer is gone.
///
/// The wait is ``Epoll/waitOutcomes(_:process:maxEvents:contended:uncertain:mask:)`` over the group's registrations
/// as one instance's, each target naming whose open it is (``SharedTarget``). What the model leaves out: a sharer's
/// kept instances (refused by the trace form), and any wait of the group while a sharer's registrations are not
/// followed (``PipeModel/State/epollUnjudged``: its waits would report them).
extension FIFOModel {
    /// One event a wait on a shared instance reports: whose open the registration is, its end and its bits.
    public struct SharedEpollReport: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var process: Int
        public var end: PipeModel.End
        public var events: Epoll.Events

        public init(process: Int, end: PipeModel.End, events: Epoll.Events) {
            self.process = process
            self.end = end
            self.events = events
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.process, lhs.end, lhs.events.rawValue) < (rhs.process, rhs.end, rhs.events.rawValue)
        }

        public var description: String { "process \(process)'s \(end.rawValue) end \(events)" }
    }

    /// A sharer's registration as a target of the one instance: whose open, which end, and (``Epoll/Registration/hidden``)
    /// which of that sharer's opens of the end.
    struct SharedTarget: Hashable, Sendable, Comparable {
        var process: Int
        var end: PipeModel.End
        var hidden: Int?

        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.end, lhs.hidden ?? -1) < (rhs.process, rhs.end, rhs.hidden ?? -1) }
    }

    func sharedEpollWaitTransitions(_ state: State, process: Int, call: PipeModel.EpollCall) -> [(output: Output?, step: Step<State>)] {
        guard case .wait(let maxEvents, let timeout, _) = call else { return [] }
        if let refusal = call.waitRefusal { return [(.failed(refusal), .completed(state))] }
        return sharedEpollWaitOutcomes(state, process: process, maxEvents: maxEvents).compactMap { outcome in
            if outcome.reports.isEmpty && timeout < 0 { return nil }  // asleep until something is reported
            return (.sharedEpollEvents(outcome.reports), .completed(outcome.state))
        }
    }

    /// Every way a wait by `process` on its group's instance with room for `maxEvents` may end, with the state after it.
    func sharedEpollWaitOutcomes(_ state: State, process: Int, maxEvents: Int) -> [(reports: [SharedEpollReport], state: State)] {
        let group = state.setup.epollGroup(of: process)
        let instance = group.first ?? process
        let combined = state.pipe.epoll.filter { group.contains($0.process) }.map { registration in
            Self.registration(registration, in: instance)
        }
        let outcomes = Epoll.waitOutcomes(
            combined, process: instance, maxEvents: maxEvents,
            contended: { pipes.epollContended(Self.registration(of: $0), in: state.pipe) }
        ) { registration in
            let own = Self.registration(of: registration)
            return epollMask(state, of: own.process)(own).map { Epoll.Events(rawValue: $0.rawValue) }
        }
        return outcomes.map { outcome in
            var next = state
            next.pipe.epoll = (state.pipe.epoll.filter { !group.contains($0.process) } + outcome.registrations.map(Self.registration(of:))).sorted()
            let reports = outcome.reports.map { SharedEpollReport(process: $0.target.process, end: $0.target.end, events: $0.events) }
            return (reports.sorted(), next)
        }
    }

    /// A sharer's registration as one of the instance's (keyed by `instance`), with all it has left.
    static func registration(_ registration: PipeModel.EpollRegistration, in instance: Int) -> Epoll.Registration<SharedTarget> {
        var shared = Epoll.Registration(
            process: instance, target: SharedTarget(process: registration.process, end: registration.end, hidden: registration.hidden),
            events: registration.events)
        (shared.disabled, shared.news, shared.missable, shared.listed) = (registration.disabled, registration.news, registration.missable, registration.listed)
        return shared
    }

    /// The sharer's registration back from the instance's.
    static func registration(of shared: Epoll.Registration<SharedTarget>) -> PipeModel.EpollRegistration {
        var registration = PipeModel.EpollRegistration(process: shared.target.process, target: shared.target.end, events: shared.events)
        registration.hidden = shared.target.hidden
        (registration.disabled, registration.news, registration.missable, registration.listed) = (shared.disabled, shared.news, shared.missable, shared.listed)
        return registration
    }
}

extension FIFOModel.Setup {
    /// The ``sharedEpoll`` group `process` is in, or just itself.
    func epollGroup(of process: Int) -> [Int] { sharedEpoll.first { $0.contains(process) } ?? [process] }
}

extension FIFOModel.State {
    /// Whether a wait on `process`'s shared instance is not judged: a sharer's registrations are not followed.
    func sharedEpollUnjudged(_ process: Int) -> Bool {
        setup.epollGroup(of: process).contains { pipe.epollUnjudged.contains($0) }
    }
}
