/// Epoll instances as targets on a message queue (``NestedEpoll``'s, measured on a queue in
/// `PosixMessageQueueEpollNestingFactsTests`): besides its implicit instance (``PosixMessageQueueModel+Epoll``, named
/// `"epoll"`), a process may keep further instances by name until it closes them or exits; any instance may hold the
/// process's queue descriptor and its other instances. What is the queue's:
///
/// - The queue's registration in a kept instance: its poll mask is `mqueue_poll_file`'s (``epollMask(_:)``), always
///   sure. An instance holding it polls `EPOLLIN | EPOLLRDNORM` for the outer, never `EPOLLOUT` — measured with an
///   empty, writable queue whose inner wait reports `EPOLLOUT`; a full queue's `EPOLLOUT` registration is not ready,
///   and the outer sees nothing. An `EPOLLEXCLUSIVE` registration in a kept instance reports a ready mask or not
///   (unmodelled, allowed).
/// - The news of an `EPOLLET` one is the implicit instance's: `ipc/mqueue.c` wakes `wait_q` without a key, so a send
///   that queued its message and a receive that took one are news to every registration asking any readiness bit
///   (perhaps only, with a sender asleep or a message handed to a sleeping receiver), and every such wake reaches the
///   instances holding its instance — unlike an eventfd's, whose keys the inner registration filters: measured, a
///   receive that leaves a message is news to an `EPOLLET` outer through an inner registration asking `EPOLLIN`, a
///   send that leaves room through one asking `EPOLLOUT`; the outer then reports only if the inner item is ready.
/// - Each `mq_open` is its own description: closing the process's only descriptor drops its registrations in every
///   instance; closing one of several stops judging the process's epoll calls, as the implicit instance's.
/// - Trace form: the pipe's (``NestedEpoll``'s `"keep"`, `"instance"`), the target named by `"target"` as the posix-mq
///   model's plain calls name it (`"queue"`, absent: the queue), an instance by its name; a report names its target the
///   same way (absent: the queue).
extension PosixMessageQueueModel {
    /// A registration in a kept instance, or of an instance in the implicit one.
    public typealias NestedEpollRegistration = NestedEpoll.Registration<EpollTarget>
    /// A report of a wait whose instance holds instances: the queue or an instance.
    public typealias NestedEpollReport = NestedEpoll.Report<EpollTarget>
    /// A call on a kept instance, or one naming an instance as a target.
    public typealias NestedEpollCall = NestedEpoll.Call<EpollTarget>

    /// The queue as a trace names it (nil: another name, an instance's).
    static func queueTarget(_ name: String) -> EpollTarget? { EpollTarget(rawValue: name) }

    /// A call on a kept instance or naming one as its target (nil: the implicit instance's own call).
    static func nestedEpollCall(of call: Call) throws(ModelError) -> NestedEpollCall? {
        try NestedEpoll.call(of: call, leaf: queueTarget, taken: "\"queue\"", field: "target", absent: EpollTarget.queue.rawValue)
    }

    /// A recorded wait's reports, each naming the queue (`"target"` absent or `"queue"`) or an instance.
    static func nestedEpollOutput(_ value: JSONValue?) throws(ModelError) -> Output {
        .reporting(try NestedEpoll.reports(value, leaf: queueTarget, field: "target", absent: EpollTarget.queue.rawValue))
    }

    /// A wait's reports as an output: `epollEvents` when each names the queue, else `nestedEpollEvents`.
    public static func epollOutput(_ reports: [NestedEpollReport]) -> Output { .reporting(reports) }

    /// A nested call's outcome as the model's output (what a worker performing it answers).
    public static func output(of outcome: NestedEpoll.Outcome<EpollTarget>) -> Output { .ending(outcome) }

    /// The news a call that took `before` to `after` brings the queue's `wait_q` (keyless: news to every registration
    /// asking a readiness bit), as ``epollAfter(_:before:after:)`` gives it to the implicit instance's.
    func queueWake(_ input: Input, before: State, after: State) -> Epoll.News {
        switch input {
        case .send(let process, _, _, _, _):
            if after.messages.count > before.messages.count { return before.sendersAsleep.contains(process) ? .perhaps : .certain }
            return after.handed.count > before.handed.count ? .perhaps : .none
        case .receive:
            guard after.messages.count < before.messages.count else { return .none }
            return before.sendersAsleep.isEmpty ? .certain : .perhaps
        default: return .none
        }
    }

    /// The kept instances and nested registrations after `input` (not an epoll call) took `before` to `after`: an exit
    /// ends them; a close of the process's only descriptor drops its registrations of the queue, a close of one of
    /// several stops judging the process; a send or receive's wake is news for the registrations asking any readiness
    /// bit, and wakes the instances that hold theirs.
    func nestedEpollAfter(_ input: Input, before: State, after: State) -> State {
        var exited: Int?
        if case .exit(let process) = input { exited = process }
        let news = queueWake(input, before: before, after: after)
        return nestedEpollAfter(
            before: before, after: after, exited: exited,
            fate: { registration in
                guard case .close(let process) = input, process == registration.process,
                    after.name.holders.count < before.name.holders.count
                else { return .kept }
                return after.name.holders.contains(process) ? .unjudged : .dropped
            },
            wake: { _, events in events.isDisjoint(with: Epoll.Events.readinessBits) ? .none : news })
    }
}

extension PosixMessageQueueModel.State: NestedEpollState {}

extension PosixMessageQueueModel.Output: NestedEpollOutput {
    typealias Leaf = PosixMessageQueueModel.EpollTarget
    /// A kept instance's close ends as any close of the model's: `done`.
    static var closed: Self { .done }
}

extension PosixMessageQueueModel: NestedEpollModel {
    func leafMask(_ registration: NestedEpollRegistration, in state: State) -> (mask: Epoll.Events?, sure: Epoll.News) {
        (Self.epollMask(state), .certain)
    }

    func leafContended(_ registration: NestedEpollRegistration, in state: State) -> Bool { true }

    func leafHeld(_ leaf: EpollTarget, process: Int, in state: State) -> Int { state.name.holders.filter { $0 == process }.count }
}
