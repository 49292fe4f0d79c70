/// `epoll_ctl` and `epoll_wait` on an eventfd, as measured in `KernelEventCounterEpollFactsTests` (`fs/eventpoll.c`
/// over `eventfd_poll`): what every object shares is ``Epoll``'s; this is what is the eventfd's.
///
/// - Each process has one epoll instance for this eventfd (made before the trace, holding only it): at most one
///   registration, of the process's descriptor.
/// - Level-triggered, a wait reports `eventfd_poll`'s mask for the events asked: `EPOLLIN` above 0, `EPOLLOUT` below
///   the ceiling; never `EPOLLRDNORM`/`EPOLLWRNORM`, `EPOLLERR` or `EPOLLHUP` (no user call reaches them).
/// - `EPOLLET` news is what `eventfd_write` and `eventfd_read` wake the queue with: every successful write with
///   `EPOLLIN` (a write of 0 too, and one that leaves the count as ready as before), every successful read with
///   `EPOLLOUT`; a failed call (`EAGAIN`, `EINVAL`, `EBADF`) wakes nothing, nor does any other call. A wake is news
///   to a registration whose events meet its key: a write is no news to one asking only `EPOLLOUT`. Blocking calls
///   wake the same way as they complete, so every news is certain.
/// - `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are ``Epoll``'s (measured on an eventfd too, `EpollExclusiveFactsTests`):
///   an exclusive registration behind another process's may miss a wake for good; nothing else of the eventfd's
///   sleeps exclusively on its queue (a blocking `read` or `write` waits there non-exclusively), so alone it is judged
///   fully.
/// - One instance shared by processes (`params` `sharedEpoll`: `[[1, 2]]`, holders that got the instance and the
///   eventfd through a `fork`, or threads of one process; selftest `epoll59`, LTP `epoll_wait11`'s shape): any sharer's
///   ADD, MOD, DEL and waits reach the same registrations (kept under the group's first member), `EBADF` only for a
///   caller holding no descriptor; the instance ends with the last sharer's exit (measured,
///   `EventCounterSharedEpollTests`). Kept instances of a sharer are refused (not followed).
/// - A registration is the eventfd's one open description and the number it was added with. Closing a process's
///   last descriptor while another holder keeps the description open leaves the registration reporting (measured);
///   the last close of all releases it. Closing one of several (which one is not recorded), or an `epoll_ctl` by a
///   process holding several (which one it names is not recorded): from then on the model judges nothing of that
///   process's epoll calls (``State/epollUnjudged``).
extension EventCounterModel {
    /// What a registration names: the eventfd (an object with one kind of descriptor).
    public enum EpollTarget: String, Hashable, Sendable, Comparable {
        case eventfd
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public typealias EpollRegistration = Epoll.Registration<EpollTarget>
    public typealias EpollReport = Epoll.Report<EpollTarget>

    /// A call on the process's epoll instance for this eventfd (target nil: the instance itself).
    public typealias EpollCall = Epoll.Call<EpollTarget>

    /// `eventfd_poll`'s mask, whoever holds it (a registration outliving its process's descriptors still sees it).
    public static func epollMask(_ state: State) -> Epoll.Events {
        var mask: Epoll.Events = []
        if state.count > 0 { mask.insert(.input) }
        if state.count < maximum { mask.insert(.output) }
        if state.count == .max { mask.insert(.error) }  // only eventfd_signal gets there (measured: EPOLLIN | EPOLLERR)
        return mask
    }

    /// Every way an epoll call may end: its output (nil: not judged, any goes) and the state after it. A wait that
    /// reports nothing may also end `EINTR` (leaving the same state); with a negative timeout it can end no other way.
    ///
    /// A process of a ``State/sharedEpoll`` group calls on its group's instance: its owner's registrations, the caller's
    /// own descriptors counted for `EBADF`.
    func epollOutcomes(_ state: State, process caller: Int, call: EpollCall) -> [(output: Output?, next: State)] {
        let process = state.epollOwner(caller)
        return Epoll.outcomes(
            of: call, process: process, in: state, registrations: \.epoll, unjudged: \.epollUnjudged,
            held: { _ in state.holders.filter { $0 == caller }.count }, mask: { _ in Self.epollMask(state) },
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

    /// The registrations after `input` (not an epoll call) took `before` to `after`: what a close does to them, and
    /// the news a successful write or read brings.
    func epollAfter(_ input: Input, before: State, after: State) -> State {
        let next = plainEpollAfter(input, before: before, after: after)
        return before.hasNesting ? nestedEpollAfter(input, before: before, after: next) : next
    }

    private func plainEpollAfter(_ input: Input, before: State, after: State) -> State {
        var next = after
        if case .exit(let process) = input {
            // A shared instance ends with the last of its sharers.
            let owner = after.epollOwner(process)
            let group = after.sharedEpoll.first { $0.contains(process) } ?? [process]
            if group.count > 1 { next.exitedSharers = (next.exitedSharers + [process]).sorted() }
            if group.allSatisfy({ $0 == process || next.exitedSharers.contains($0) }) {
                next.epoll.removeAll { $0.process == owner }
                next.epollUnjudged.removeAll { $0 == owner }
            }
        }
        if after.holders.isEmpty {
            next.epoll.removeAll()  // the description released: eventpoll_release drops every registration
        } else if case .close(let process) = input, after.holders.count < before.holders.count,
            after.holders.contains(process), next.epoll.contains(where: { $0.process == after.epollOwner(process) })
        {
            // One of several descriptors closed: which number the registration was added with is not recorded (a
            // sharer's copy has the number its owner added, fork having copied the table).
            Epoll.unjudge(after.epollOwner(process), registrations: &next.epoll, unjudged: &next.epollUnjudged)
        }
        guard next.epoll.contains(where: \.edgeTriggered), let (result, _) = outcome(of: input, in: before) else { return next }
        let key: Epoll.Events
        switch (input, result) {
        case (.write, .wrote), (.signal, .flagsSet): key = .input  // eventfd_signal wakes with EPOLLIN too
        case (.read, .read): key = .output
        default: return next
        }
        for index in next.epoll.indices { next.epoll[index].hear(key, .certain) }
        return next
    }
}
