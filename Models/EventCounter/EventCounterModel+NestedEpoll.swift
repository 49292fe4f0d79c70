/// Epoll instances as targets on an eventfd (``NestedEpoll``'s, measured on an eventfd in
/// `EventCounterEpollNestingFactsTests`): besides its implicit instance (``EventCounterModel+Epoll``, named `"epoll"`),
/// a process may keep further instances by name until it closes them or exits; any instance may hold the eventfd and
/// the process's other instances. What is the eventfd's:
///
/// - The eventfd's registration in a kept instance: its poll mask is `eventfd_poll`'s (``epollMask(_:)``), always sure
///   (no release is late: the last close drops every registration at its step). An instance holding it polls
///   `EPOLLIN | EPOLLRDNORM` for the outer, never `EPOLLOUT` — measured with a writable, unreadable eventfd whose inner
///   wait reports `EPOLLOUT`. An `EPOLLEXCLUSIVE` registration in a kept instance reports a ready mask or not
///   (unmodelled, allowed).
/// - The news of an `EPOLLET` one is the implicit instance's: a successful write wakes with `EPOLLIN`, a successful
///   read with `EPOLLOUT`, each news only to a registration whose events meet it — and only such a registration's wake
///   reaches the instances holding its instance (measured: a read is no news to an `EPOLLET` outer through an inner
///   registration asking `EPOLLIN` alone).
/// - The registration goes with the eventfd's release (the last close of all); a close of one of several of the
///   process's descriptors stops judging the process's epoll calls, as the implicit instance's.
/// - Trace form: the pipe's (``NestedEpoll``'s `"keep"`, `"instance"`), the target named by `"target"` as the eventfd
///   model's plain calls name it (`"eventfd"`, absent: the eventfd), an instance by its name; a report names its target
///   the same way (absent: the eventfd).
extension EventCounterModel {
    /// A registration in a kept instance, or of an instance in the implicit one.
    public typealias NestedEpollRegistration = NestedEpoll.Registration<EpollTarget>
    /// A report of a wait whose instance holds instances: the eventfd or an instance.
    public typealias NestedEpollReport = NestedEpoll.Report<EpollTarget>
    /// A call on a kept instance, or one naming an instance as a target.
    public typealias NestedEpollCall = NestedEpoll.Call<EpollTarget>

    /// The eventfd as a trace names it (nil: another name, an instance's).
    static func eventfdTarget(_ name: String) -> EpollTarget? { EpollTarget(rawValue: name) }

    /// A call on a kept instance or naming one as its target (nil: the implicit instance's own call).
    static func nestedEpollCall(of call: Call) throws(ModelError) -> NestedEpollCall? {
        try NestedEpoll.call(of: call, leaf: eventfdTarget, taken: "\"eventfd\"", field: "target", absent: EpollTarget.eventfd.rawValue)
    }

    /// A recorded wait's reports, each naming the eventfd (`"target"` absent or `"eventfd"`) or an instance.
    static func nestedEpollOutput(_ value: JSONValue?) throws(ModelError) -> Output {
        .reporting(try NestedEpoll.reports(value, leaf: eventfdTarget, field: "target", absent: EpollTarget.eventfd.rawValue))
    }

    /// A nested call's outcome as an output (a worker's answer).
    public static func output(of outcome: NestedEpoll.Outcome<EpollTarget>) -> Output { .ending(outcome) }

    /// A wait's reports as an output: `epollEvents` when each names the eventfd, else `nestedEpollEvents`.
    public static func epollOutput(_ reports: [NestedEpollReport]) -> Output { .reporting(reports) }

    /// The kept instances and nested registrations after `input` (not an epoll call) took `before` to `after`: an exit
    /// ends them; the eventfd's release drops its registrations, a close of one of several descriptors stops judging
    /// the process; a successful write (`EPOLLIN`) or read (`EPOLLOUT`) is news for the registrations asking it, and
    /// wakes the instances that hold theirs.
    func nestedEpollAfter(_ input: Input, before: State, after: State) -> State {
        var exited: Int?
        if case .exit(let process) = input { exited = process }
        var key: Epoll.Events = []
        if let (result, _) = outcome(of: input, in: before) {
            switch (input, result) {
            case (.write, .wrote), (.signal, .flagsSet): key = .input  // eventfd_signal wakes with EPOLLIN too
            case (.read, .read): key = .output
            default: break
            }
        }
        return nestedEpollAfter(
            before: before, after: after, exited: exited,
            fate: { registration in
                if after.holders.isEmpty { return .dropped }
                if case .close(let process) = input, process == registration.process, after.holders.count < before.holders.count,
                    after.holders.contains(process)
                {
                    return .unjudged
                }
                return .kept
            },
            wake: { _, events in events.isDisjoint(with: key) ? .none : .certain })
    }
}

extension EventCounterModel.State: NestedEpollState {}

extension EventCounterModel.Output: NestedEpollOutput {
    typealias Leaf = EventCounterModel.EpollTarget
}

extension EventCounterModel: NestedEpollModel {
    func leafMask(_ registration: NestedEpollRegistration, in state: State) -> (mask: Epoll.Events?, sure: Epoll.News) {
        (Self.epollMask(state), .certain)
    }

    func leafContended(_ registration: NestedEpollRegistration, in state: State) -> Bool { true }

    func leafHeld(_ leaf: EpollTarget, process: Int, in state: State) -> Int { state.holders.filter { $0 == process }.count }
}
