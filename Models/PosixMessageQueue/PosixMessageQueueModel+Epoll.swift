/// `epoll_ctl` and `epoll_wait` on a message queue descriptor, as measured in `MessageQueueEpollFactsTests`
/// (`fs/eventpoll.c` over `mqueue_poll_file`): what every object shares is ``Epoll``'s; this is what is the queue's.
///
/// - Each process has one epoll instance for this queue (made before the trace, holding only it): at most one
///   registration, of the process's descriptor.
/// - Level-triggered, a wait reports `mqueue_poll_file`'s mask for the events asked — `EPOLLIN | EPOLLRDNORM` while a
///   message is queued, `EPOLLOUT | EPOLLWRNORM` while there is room — whatever the descriptor's access mode; never
///   `EPOLLPRI`, `EPOLLERR` or `EPOLLHUP`.
/// - `EPOLLET` news is what `ipc/mqueue.c` wakes the queue's `wait_q` with, and it wakes it *without a key*, so each
///   wake is news to every registration whatever it asks (a send is news to one asking only `EPOLLOUT`, unlike an
///   eventfd's write): a send that queues its message (every one, into a non-empty queue too) and a receive that
///   takes one (every one, one that leaves messages too). Failed calls, `mq_getattr`, `mq_setattr`, `mq_notify`
///   and `mq_unlink` wake nothing (measured).
/// - A receive from the full queue is news as any other (measured), unless a sender sleeps there: then, from the
///   source and not measured, it takes that sender's message in (`pipelined_receive`) and wakes nothing, and so is
///   the sender's completion — both allowed rather than required (``Epoll/News/perhaps``), as is a send handed
///   straight to a sleeping receiver (`pipelined_send`). So the model follows who sleeps in a send
///   (``State/sendersAsleep``), as it does receivers.
/// - `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are ``Epoll``'s: an exclusive registration behind another process's may miss a
///   wake for good; a blocked send or receive sleeps on its own list, not on `wait_q`, so alone it is judged fully.
/// - Each `mq_open` is its own open description: closing the process's only descriptor releases its registration
///   (measured); `mq_unlink` leaves it. Closing one of several (which one was registered is not recorded), or an
///   `epoll_ctl` by a process holding several: from then on the model judges none of that process's epoll calls
///   (``State/epollUnjudged``).
extension PosixMessageQueueModel {
    /// What a registration names: the queue (an object with one kind of descriptor).
    public enum EpollTarget: String, Hashable, Sendable, Comparable {
        case queue
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public typealias EpollRegistration = Epoll.Registration<EpollTarget>
    public typealias EpollReport = Epoll.Report<EpollTarget>
    /// A call on the process's epoll instance for this queue (target nil: the instance itself).
    public typealias EpollCall = Epoll.Call<EpollTarget>

    /// `mqueue_poll_file`'s mask in epoll's bits.
    public static func epollMask(_ state: State) -> Epoll.Events {
        var mask: Epoll.Events = []
        if !state.messages.isEmpty { mask.formUnion([.input, .readNormal]) }
        if state.messages.count < state.maxMessages { mask.formUnion([.output, .writeNormal]) }
        return mask
    }

    /// Every way an epoll call may end: its output (nil: not judged, any goes) and the state after it.
    func epollOutcomes(_ state: State, process: Int, call: EpollCall) -> [(output: Output?, next: State)] {
        Epoll.outcomes(
            of: call, process: process, in: state, registrations: \.epoll, unjudged: \.epollUnjudged,
            held: { _ in state.name.holders.filter { $0 == process }.count }, mask: { _ in Self.epollMask(state) },
            controlled: Output.epollControlled, reported: { .epollEvents($0) }, failed: { .failed($0) },
            created: { .epollCreated(closeOnExec: $0) }
        ).flatMap { outcome in
            // An ADD or MOD may wake the kept instances that hold the implicit one, and an ADD give a leaf too many
            // wakeup paths (``NestedEpoll``).
            guard state.hasNesting, outcome.output == .epollControlled, case .control(let operation, let target, _) = call,
                operation == .add || operation == .modify
            else { return [outcome] }
            return outcome.next.wakingParentsOfImplicit(after: operation, of: target, process: process, before: state, controlled: Output.epollControlled, failed: .failed(.EINVAL))
        }
    }

    /// The registrations after `input` (not an epoll call) took `before` to `after`: what a close or an exit does to
    /// them, and the news of a send that queued or handed its message and of a receive that took one from the queue.
    func epollAfter(_ input: Input, before: State, after: State) -> State {
        let next = plainEpollAfter(input, before: before, after: after)
        return before.hasNesting ? nestedEpollAfter(input, before: before, after: next) : next
    }

    private func plainEpollAfter(_ input: Input, before: State, after: State) -> State {
        guard !before.epoll.isEmpty || !before.epollUnjudged.isEmpty else { return after }
        var next = after
        switch input {
        case .exit(let process):
            next.epoll.removeAll { $0.process == process }
            next.epollUnjudged.removeAll { $0 == process }
        case .close(let process) where after.name.holders.count < before.name.holders.count:
            // Its only descriptor: the description, and the registration with it, released; one of several: which
            // was registered is not recorded.
            if !after.name.holders.contains(process) {
                next.epoll.removeAll { $0.process == process }
            } else if next.epoll.contains(where: { $0.process == process }) {
                Epoll.unjudge(process, registrations: &next.epoll, unjudged: &next.epollUnjudged)
            }
        case .send(let process, _, _, _, _):
            if after.messages.count > before.messages.count {
                // A sender that slept: a receive took its message in (pipelined_receive), waking nothing.
                hearWake(&next, before.sendersAsleep.contains(process) ? .perhaps : .certain)
            } else if after.handed.count > before.handed.count {
                hearWake(&next, .perhaps)
            }
        case .receive:
            if after.messages.count < before.messages.count {
                // With a sender asleep, the receive takes its message in and wakes nothing.
                hearWake(&next, before.sendersAsleep.isEmpty ? .certain : .perhaps)
            }
        default: break
        }
        return next
    }

    /// A wake of the queue's `wait_q` without a key: news to every armed `EPOLLET` registration (`ep_poll_callback`
    /// filters by key only when there is one; a registration asking no events at all is skipped).
    private func hearWake(_ state: inout State, _ news: Epoll.News) {
        for index in state.epoll.indices where state.epoll[index].edgeTriggered && !state.epoll[index].disabled {
            guard !state.epoll[index].events.intersection(Epoll.Events.readinessBits).isEmpty else { continue }
            state.epoll[index].news = max(state.epoll[index].news, news)
        }
    }
}
