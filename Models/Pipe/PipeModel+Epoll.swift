/// `epoll_ctl` and `epoll_wait` on a pipe's ends, as measured in `KernelEpollFactsTests` (`fs/eventpoll.c` of this
/// kernel over `pipe_poll`). Each process has one epoll instance for this pipe (made before the trace, holding only
/// this pipe's ends): a registration is a process's read or write end, its events, and what `EPOLLET` and
/// `EPOLLONESHOT` have left of it.
///
/// - `epoll_ctl`: `EBADF` when the process holds no such end (before anything else, even an unknown op); the instance
///   itself as the target, or an unknown op, `EINVAL`; ADD of a registered end `EEXIST`; MOD or DEL of one not
///   registered `ENOENT`. ADD and MOD arm the registration (a disabled `EPOLLONESHOT` one too).
/// - `epoll_wait`: `maxevents` ≤ 0 is `EINVAL`. Level-triggered, a registration reports the pipe's poll mask for its
///   events plus `EPOLLHUP` and `EPOLLERR` whether asked for or not, at every wait. With `EPOLLET` it reports only
///   after something new: its ADD or MOD, each write call of some bytes, even one that wrote nothing (for `EPOLLIN`), a read that starts on a full pipe (for
///   `EPOLLOUT`), a close while one side is empty and the other not (the last writer's, or any writer's once the
///   readers are gone, and the reverse) — and a wait consumes that
///   news whether or not the mask was then ready. A nonblocking read that leaves bytes is not news. Where the kernel
///   may or may not wake the registration (a blocking read or write, which may have slept; splice, tee, vmsplice,
///   `F_SETPIPE_SZ`; a wake whose key only the registration's unusual events match) the model allows both. With
///   `EPOLLONESHOT` a report disables the registration until MOD (it stays registered: ADD is `EEXIST`).
///   `EPOLLEXCLUSIVE` (ADD only; ``Epoll/control(_:process:target:operation:events:unjudged:)``'s errors) reports as a
///   plain registration unless a wake may have stopped before its entry (``Epoll/Registration/missable``):
///   another process's exclusive registration added before it, or another holder of the same end — a blocking `read`
///   sleeps exclusively on the readers' queue and a blocking `write` on the writers', and one queued before the
///   registration takes a write's wake; it passes the wake on when bytes remain, but only once it has read (measured
///   in /tmp with the reader kept off the CPU: the registration's wait in between reported nothing over 2 bytes, 50 of
///   50 runs) — then a ready one may go unreported. `EPOLLWAKEUP` changes nothing.
///   At most `maxevents` are reported; which, when more are ready, is the kernel's ready-list order: any. Nothing to
///   report returns 0 at once with a timeout of 0 or more (the model keeps no time) and sleeps with a negative one; a
///   signal then ends it with `EINTR`, even with `SA_RESTART` (measured asleep), but never one with a zero timeout:
///   `ep_poll` returns 0 before it looks for a signal (measured, `KernelSignalFactsTests+MaskedEpoll`).
/// - A registration is keyed by the open file description and the descriptor number it was added with. Closing the
///   process's only descriptor of the end (with no sharer holding the description) removes it. When the description
///   stays open (a `dup`, a sharer after `fork`), the kernel keeps the registration under the closed number, which
///   the model does not follow (it has no descriptor numbers): from then on it judges nothing of that process's epoll
///   calls (``State/epollUnjudged``), and likewise after an `epoll_ctl` by a process holding two descriptors of the end
///   (which one it names is not recorded). A process's exit ends its instance.
extension PipeModel.End: Comparable {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Epoll.Registration where Target == PipeModel.End {
    public var end: PipeModel.End { target }
}

extension Epoll.Call where Target == PipeModel.End {
    /// `epoll_ctl` of a pipe's end (nil: the instance itself), as the pipe's calls name it.
    public static func control(operation: Epoll.Operation, end: PipeModel.End?, events: Epoll.Events) -> Self {
        .control(operation: operation, target: end, events: events)
    }
}

extension Epoll.Report where Target == PipeModel.End {
    public init(end: PipeModel.End, events: Epoll.Events) { self.init(target: end, events: events) }
    public var end: PipeModel.End { target }
}

extension PipeModel {
    /// The epoll parts every object shares (`Models/Support/EpollRegistration.swift`), under the pipe's names.
    public typealias EpollEvents = Epoll.Events
    public typealias EpollOperation = Epoll.Operation
    public typealias EpollNews = Epoll.News
    /// One process's registration of one of its ends.
    public typealias EpollRegistration = Epoll.Registration<End>
    /// One event `epoll_wait` reports: the registered end and its bits.
    public typealias EpollReport = Epoll.Report<End>

    /// A call on the process's epoll instance for this pipe (target: the end; nil: the instance itself).
    public typealias EpollCall = Epoll.Call<End>

    /// The state after an epoll call the model does not judge (any output goes), or nil when it judges it: the process
    /// is unjudged already, or its `epoll_ctl` names an end it holds two descriptors of (which one is not recorded).
    func epollUnjudged(_ state: State, process: Int, call: EpollCall) -> State? {
        switch call {
        case .create, .misdirected: return nil  // a new instance of its own, or no instance: judged whatever the implicit one's state
        default: break
        }
        let owner = state.epollOwner(process)
        if state.epollUnjudged.contains(owner) { return state }
        guard case .control(_, let end?, _) = call,
            (end == .read ? state.readers : state.writers).filter({ $0 == process }).count > 1
        else { return nil }
        return state.stoppingEpoll(of: owner)
    }

    /// `mask`: each registration's poll mask, when it is not the pipe's for its end (a FIFO's: a reader that has seen no
    /// writer, an `O_RDWR` open; the FIFO model's one hook here, see ``FIFOModel+Epoll``).
    func epollTransitions(
        _ state: State, process: Int, call: EpollCall, mask: ((EpollRegistration) -> PollEvents?)? = nil
    ) -> [(output: Output?, step: Step<State>)] {
        switch call {
        case .control(let operation, let end, let events):
            return epollControl(state, process: process, operation: operation, end: end, events: events)
        case .misdirected(let misdirected):  // the ends' holders alone say how it fails
            let failure = misdirected.failure { end in (end == .read ? state.readers : state.writers).filter { $0 == process }.count }
            return [(.failed(failure), .completed(state))]
        case .create(let creation):
            return creation.outcomes(free: state.descriptorLimits.first { $0.process == process }?.free).flatMap { outcome -> [(output: Output?, step: Step<State>)] in
                switch outcome {
                case .created(let closeOnExec):
                    [(.epollCreated(closeOnExec: closeOnExec), .completed(state)), (.epollCreated(closeOnExec: nil), .completed(state))]
                case .failed(let code): [(.failed(code), .completed(state))]
                }
            }
        case .wait(let maxEvents, let timeout, _):
            if let refusal = call.waitRefusal { return [(.failed(refusal), .completed(state))] }
            let owner = state.epollOwner(process)  // a shared instance's registrations carry its owner
            if mask == nil && state.implicitHoldsInstances(process: owner) {
                return nestedEpollTransitions(state, process: owner, call: .wait(instance: Self.implicitEpoll, maxEvents: maxEvents, timeout: timeout, form: .plain))
            }
            return epollWaitOutcomes(state, process: owner, maxEvents: maxEvents, mask: mask).compactMap { outcome in
                if outcome.reports.isEmpty && timeout < 0 { return nil }  // asleep until something is reported
                return (.epollEvents(outcome.reports), .completed(outcome.state))
            }
        }
    }

    private func epollControl(
        _ state: State, process: Int, operation: EpollOperation, end: End?, events: EpollEvents
    ) -> [(output: Output?, step: Step<State>)] {
        guard let end else { return [(.failed(.EINVAL), .completed(state))] }
        guard (end == .read ? state.readers : state.writers).contains(process) else { return [(.failed(.EBADF), .completed(state))] }
        // The caller's descriptor names the end (EBADF above); the instance is its sharing group's (``State/sharedEpoll``).
        let process = state.epollOwner(process)
        switch Epoll.control(
            state.epoll, process: process, target: end, operation: operation, events: events, unjudged: state.epollUnjudged,
            contended: { epollContended($0, in: state) })
        {
        case (let code?, _): return [(.failed(code), .completed(state))]
        case (nil, let registrations):
            var next = state
            next.epoll = registrations
            // The implicit instance may be nested: reverse_path_check (``NestedEpoll/wakeupPathLimits``).
            var refusal: [(output: Output?, step: Step<State>)] = []
            if operation == .add, let sure = next.wakeupPathRefusal(afterAdding: .end(end), process: process, before: state) {
                if sure { return [(.failed(.EINVAL), .completed(state))] }
                refusal = [(.failed(.EINVAL), .completed(state))]
            }
            if operation == .add || operation == .modify {  // an inner instance's ADD or MOD may wake those holding it
                next = next.wakingParents(of: Self.implicitEpoll, process: process, level: .perhaps)
            }
            return [(.epollControlled, .completed(next))] + refusal
        }
    }

    /// Every way a wait with room for `maxEvents` may end (its reports sorted), with the state after it.
    func epollWaitOutcomes(
        _ state: State, process: Int, maxEvents: Int, mask: ((EpollRegistration) -> PollEvents?)? = nil
    ) -> [(reports: [EpollReport], state: State)] {
        Epoll.waitOutcomes(state.epoll, process: process, maxEvents: maxEvents, contended: { epollContended($0, in: state) }) { registration in
            (mask.map { $0(registration) } ?? readiness(of: epollHolder(state, owner: process, end: registration.end), registration.end, in: state))
                .map { EpollEvents(rawValue: $0.rawValue) }
        }.map { outcome in
            var next = state
            next.epoll = outcome.registrations
            return (outcome.reports, next)
        }
    }

    /// The process through whose descriptor a registration of `owner`'s instance is polled: the owner while it holds
    /// the end, else a member of its `shared` group that does (a shared instance's registration lives on while the
    /// description does — measured: a forked child's close of its copy leaves the parent's wait reporting it).
    func epollHolder(_ state: State, owner: Int, end: End) -> Int {
        let holders = end == .read ? state.readers : state.writers
        if holders.contains(owner) { return owner }
        let group = state.shared.first { $0.contains(owner) } ?? []
        return holders.first { group.contains($0) } ?? owner
    }

    /// A registration in an instance several processes share (``State/sharedEpoll``, after a `fork`), after `closer`
    /// closed descriptors: the kernel keys it by the description and the number it was added with, and every sharer's
    /// table has that number for the description (fork copied them). So it goes when the description does (no member
    /// of the `shared` group holds the end: measured, the wait then reports nothing), and stays, judged, while another
    /// holds it (measured: the child's close of its copy leaves it reported, and the parent's MOD succeeds; the
    /// child's MOD fails `EBADF`, as it holds no end). A closer that keeps another descriptor of the end (a `dup`,
    /// whose number differs from the registration's) leaves the sharers' calls unjudged, as for one process.
    private func sharedInstanceAfterClose(
        _ registration: EpollRegistration, closer: Int, before: State, after: State, next: State
    ) -> State {
        let holders: (State) -> [Int] = { registration.end == .read ? $0.readers : $0.writers }
        let group = after.shared.first { $0.contains(registration.process) } ?? [registration.process]
        guard group.contains(closer) else { return next }  // another description's
        let left = holders(after).filter { $0 == closer }.count
        guard left < holders(before).filter({ $0 == closer }).count else { return next }
        var next = next
        if !holders(after).contains(where: group.contains) {
            next.epoll.removeAll { $0.process == registration.process && $0.end == registration.end }
        } else if left > 0 {
            next = next.stoppingEpoll(of: registration.process)
        }
        return next
    }

    /// Whether another process may sleep exclusively on `registration`'s queue outside epoll, ahead of its entry: a
    /// blocking `read` sleeps so on the readers' queue, a blocking `write` on the writers'. One that takes a wake passes
    /// it on when bytes (or room) are left, but only once it has read (or written) — and never if it is killed first:
    /// so another holder of the end, or any other process that has died (the model keeps no record of what it held).
    func epollContended(_ registration: EpollRegistration, in state: State) -> Bool {
        (registration.end == .read ? state.readers : state.writers).contains { $0 != registration.process }
            || state.exited.contains { $0 != registration.process }
    }

    /// Whether a wait may end with nothing reported: what a signal may interrupt (`EINTR`), leaving that state.
    func epollEmptyWait(_ state: State, process: Int, mask: ((EpollRegistration) -> PollEvents?)? = nil) -> State? {
        let process = state.epollOwner(process)
        if mask == nil && state.implicitHoldsInstances(process: process) {
            return nestedEpollEmptyWait(state, process: process, instance: Self.implicitEpoll)
        }
        return epollWaitOutcomes(state, process: process, maxEvents: 1, mask: mask).first { $0.reports.isEmpty }?.state
    }

    /// The registrations after `input` took `before` to `after` (not an epoll call): what closing a registered end
    /// does, and the news each wake brings edge-triggered ones.
    func epollAfter(_ input: Input, before: State, after: State) -> State {
        var next = after
        // An exit ends the process's instance, and closes its ends as closes do (below: the wakes of their release).
        // A shared instance (``State/sharedEpoll``) ends with the last of its sharers.
        var exited: Int?
        if case .exit(let process) = input {
            let owner = after.epollOwner(process)
            if after.epollSharers(of: owner).allSatisfy({ $0 == process || after.exited.contains($0) }) {
                exited = owner
                next.epoll.removeAll { $0.process == owner }
                next.epollUnjudged.removeAll { $0 == owner }
            }
        }
        // A descriptor of a registered end closed: gone with the description, or kept under a number not followed.
        // (A registration a later open of the same end hides is a FIFO's, which follows its opens itself.)
        for registration in before.epoll where registration.process != exited && registration.hidden == nil {
            let holders: (State) -> [Int] = { registration.end == .read ? $0.readers : $0.writers }
            if after.epollSharers(of: registration.process).count > 1 {
                next = sharedInstanceAfterClose(registration, closer: input.process, before: before, after: after, next: next)
                continue
            }
            let left = holders(after).filter { $0 == registration.process }.count
            guard left < holders(before).filter({ $0 == registration.process }).count else { continue }
            let sharers = after.shared.first { $0.contains(registration.process) } ?? []
            next.epoll.removeAll { $0.process == registration.process && $0.end == registration.end }
            if left > 0 || holders(after).contains(where: { $0 != registration.process && sharers.contains($0) }) {
                next.epoll.removeAll { $0.process == registration.process }
                if !next.epollUnjudged.contains(registration.process) {
                    next.epollUnjudged.append(registration.process)
                    next.epollUnjudged.sort()
                }
            }
        }
        guard next.epoll.contains(where: \.edgeTriggered) else { return next }
        let wake = epollWake(input, before: before, after: after)
        for index in next.epoll.indices where next.epoll[index].edgeTriggered {
            next.epoll[index].news = max(next.epoll[index].news, wake(next.epoll[index].end, next.epoll[index].events))
        }
        return next
    }

    /// The news a registration of `end` asking `events` takes from the wakes of `input`, which took `before` to `after`
    /// (not an epoll call): for an `EPOLLET` one, whether it has news; for any, whether it heard a wake, which wakes the
    /// instances that hold its instance (``PipeModel+NestedEpoll``).
    func epollWake(_ input: Input, before: State, after: State) -> (End, EpollEvents) -> EpollNews {
        // A description's release while one side is empty and the other not (pipe_release: the last writer's close,
        // or any writer's once the readers are gone, and the reverse) wakes both queues with no key: news for every
        // registration (measured: the last writer's close, and a second writer's after the readers left). A close that
        // may leave the description open (a dup, a sharer) may wake nobody.
        var released: EpollNews = .none
        if after.readers.isEmpty != after.writers.isEmpty {
            let process = input.process
            let sharers = after.shared.first { $0.contains(process) } ?? [process]
            for end in [End.read, .write] {
                let holders: (State) -> [Int] = { end == .read ? $0.readers : $0.writers }
                let left = holders(after).filter { $0 == process }.count
                guard left < holders(before).filter({ $0 == process }).count else { continue }
                let stillOpen = left > 0 || holders(after).contains { $0 != process && sharers.contains($0) }
                released = max(released, stillOpen ? .perhaps : .certain)
            }
        }
        let readFromFull = after.bufferedCount < before.bufferedCount && before.pages.count >= before.slots
        // Every write call of some bytes by a holder wakes the readers' queue with EPOLLIN once the pipe has been polled
        // — one that wrote nothing (EAGAIN on a full pipe) too (measured for a read end asking EPOLLIN). A blocking one
        // may not have woken it yet when the model takes its step (it wakes as it leaves), and a write-all client's
        // retries are not steps: for them news is possible, not certain.
        var writeNews: EpollNews = .none
        // Calls whose wakes were not measured: a blocking read or write (which may have slept, and wakes the next of
        // its kind when it leaves), splice and its kin, F_SETPIPE_SZ, the pipe's making.
        var blockingRead = false, blockingWrite = false, unfollowed = false
        switch input {
        case .read(let process, _, let nonblocking): blockingRead = !nonblocking && !before.isNonblocking(process, .read)
        case .readv(let process, _): blockingRead = !before.isNonblocking(process, .read)
        case .write(let process, let data, let nonblocking):
            blockingWrite = !nonblocking && !before.isNonblocking(process, .write)
            if !data.isEmpty && before.writers.contains(process) { writeNews = blockingWrite ? .perhaps : .certain }
        case .writev(let process, let pieces):
            blockingWrite = !before.isNonblocking(process, .write)
            if pieces.contains(where: { !$0.isEmpty }) && pieces.count <= Self.maximumVectors && before.writers.contains(process) {
                writeNews = blockingWrite ? .perhaps : .certain
            }
        case .writeAll(let process, let data, _):
            if !data.isEmpty && before.writers.contains(process) { writeNews = .perhaps }
        case .close, .available, .status, .unseekable, .readiness, .exit, .epoll, .nestedEpoll, .takeSignal: break
        case .fcntl(_, _, let command):
            if case .setPipeSize = command { unfollowed = true }
        case .splice, .create: unfollowed = true
        }
        return { end, events in
            let registration = EpollRegistration(process: input.process, target: end, events: events)
            var news = released
            if writeNews != .none && registration.meets([.input, .readNormal]) {
                news = max(news, registration.end == .read ? writeNews : .perhaps)
            }
            // A read that starts on a full pipe wakes the writers' queue with EPOLLOUT (measured for a write end).
            if readFromFull && registration.meets([.output, .writeNormal]) { news = max(news, registration.end == .write ? .certain : .perhaps) }
            if unfollowed || (blockingRead && registration.meets([.input, .readNormal])) || (blockingWrite && registration.meets([.output, .writeNormal])) {
                news = max(news, .perhaps)
            }
            return news
        }
    }
}
