/// Epoll instances as targets on a FIFO (``NestedEpoll``'s, measured on a FIFO in `FIFOEpollNestingFactsTests`):
/// besides its implicit instance (``FIFOModel+Epoll``, named `"epoll"`), a process may keep further instances by name
/// until it closes them or exits; any instance may hold the process's opens of the FIFO's ends and its other instances.
/// What is the FIFO's:
///
/// - An end's registration in a kept instance: its poll mask is the FIFO's (``FIFOModel/epollMask(_:of:)``: a read end
///   opened before any writer reports no `EPOLLHUP` until one opens — measured, the outer sees nothing then), unsure
///   once the FIFO is hung up (the pipe's ``PipeModel/lateNews(_:in:)``) except for such a read end (no release can
///   follow its open). An instance holding it polls
///   `EPOLLIN | EPOLLRDNORM` for the outer, never `EPOLLOUT` (a writable write end), nor `EPOLLHUP` or `EPOLLERR` (the
///   writers' last close, the reader's close: measured, the outer sees `EPOLLIN`).
/// - News: the pipe's wakes (``PipeModel/epollWake(_:before:after:)``), and the FIFO's own: the first writer's open
///   wakes the readers' queue with no key (news for every `EPOLLET` read end's registration, and for the instances
///   holding any read end's registration — measured: an `EPOLLET` outer hears it when the read end holds bytes), and a
///   release of one of several opens of an end wakes both queues when one side is left empty.
/// - Followed only for a process with at most one open of each end, no `O_RDWR` open and no `dup` (one description
///   under one number per end, as the pipe's nesting): a nested call by a process that has more, or a process with
///   kept instances or instances in its implicit one that comes to have more, leaves its epoll calls unjudged.
/// - Trace form: the pipe's (``NestedEpoll``'s `"keep"`, `"instance"`), the ends named `"read"` and `"write"` as the
///   FIFO model's plain calls name them (the process's latest open of the end).
extension FIFOModel {
    /// Whether the model follows `process`'s nested epoll calls: one open of each end at most, no `O_RDWR` open, no copy,
    /// no registration hidden or outliving its descriptor.
    func followsNesting(of process: Int, in state: State) -> Bool {
        let own = state.opens.filter { $0.process == process }
        guard own.allSatisfy({ !$0.readWrite && $0.copies.isEmpty }),
            own.count(where: { $0.end == .read }) <= 1, own.count(where: { $0.end == .write }) <= 1
        else { return false }
        return !state.epollPlaces.contains { $0.process == process && ($0.descriptor == nil || $0.hidden != nil) }
    }

    /// `state` with the processes the model no longer follows (``followsNesting(of:in:)``) unjudged, if they nest.
    func nestingChecked(_ state: State) -> State {
        guard state.hasNesting else { return state }
        var next = state
        let nesting = Set(state.pipe.epollInstances.map(\.process) + state.pipe.nestedEpoll.map(\.process))
        for process in nesting.sorted() where !followsNesting(of: process, in: next) {
            next = next.unjudgingNested(process)
        }
        return next.placesTrimmed()
    }

    /// A nested call's outcome as the FIFO's output.
    public static func output(of outcome: NestedEpoll.Outcome<PipeModel.End>) -> Output { .ending(outcome) }

    /// A wait's reports as an output: `epollEvents` when each names an end, else `nestedEpollEvents`.
    public static func epollOutput(_ reports: [PipeModel.NestedEpollReport]) -> Output { .reporting(reports) }

    /// Whether `process`'s nested call may be judged, and how it ends.
    func nestedEpollSteps(_ state: State, process: Int, call: PipeModel.NestedEpollCall, output: Output?) -> [Step<State>] {
        if state.pipe.epollUnjudged.contains(process) {
            if case .create = call {} else { return [.completed(state)] }
        } else if !followsNesting(of: process, in: state) {
            if case .create = call {} else { return [.completed(state.unjudgingNested(process).placesTrimmed())] }
        }
        if output == .failed(.EINTR) {
            guard case .wait(let instance, _, let timeout, _) = call, call.plainWait?.waitRefusal == nil, timeout != 0 else { return [] }
            return nestedEpollEmptyWait(state, process: process, instance: instance).map { [.completed($0.placesTrimmed())] } ?? []
        }
        return nestedEpollOutcomes(state, process: process, call: call).compactMap { candidate in
            guard let output, let outcome = candidate.outcome else { return .completed(candidate.state.placesTrimmed()) }
            return Output.ending(outcome) == output ? .completed(candidate.state.placesTrimmed()) : nil
        }
    }

    /// The implicit instance's wait when it holds instances: the nested path, with the FIFO's masks (nil: it does not).
    func implicitNestedWait(_ state: State, process: Int, call: PipeModel.EpollCall) -> [(output: Output?, step: Step<State>)]? {
        guard case .wait(let maxEvents, let timeout, let form) = call, call.waitRefusal == nil, state.implicitHoldsInstances(process: process)
        else { return nil }
        return nestedEpollOutcomes(state, process: process, call: .wait(instance: implicitEpoll, maxEvents: maxEvents, timeout: timeout, form: form))
            .map { ($0.outcome.map(Output.ending), .completed($0.state.placesTrimmed())) }
    }

    var implicitEpoll: String { NestedEpoll.implicitInstance }
}

extension FIFOModel.State: NestedEpollState {
    /// A wake of the readers' queue with no key (the first writer's open) or of both queues (`both`: a release):
    /// news for every `EPOLLET` registration of a read end (of either end, `both`) in a kept instance, and a wake for
    /// the instances holding any such registration's instance.
    func nestedKeylessWake(both: Bool) -> Self {
        guard !pipe.nestedEpoll.isEmpty else { return self }
        var next = self
        let woken = { (end: PipeModel.End) in both || end == .read }
        for index in next.pipe.nestedEpoll.indices {
            guard case .end(let end) = next.pipe.nestedEpoll[index].target.target, woken(end), next.pipe.nestedEpoll[index].edgeTriggered,
                !next.pipe.nestedEpoll[index].disabled
            else { continue }
            next.pipe.nestedEpoll[index].news = .certain
        }
        let processes = Set(next.pipe.nestedEpoll.map(\.process))
        for process in processes.sorted() {
            var instances = Set(next.pipe.epollInstances.filter { $0.process == process }.map(\.name))
            instances.insert(NestedEpoll.implicitInstance)
            for instance in instances.sorted() {
                let hears = next.registrations(of: instance, process: process).contains { registration in
                    guard case .end(let end) = registration.target.target else { return false }
                    return woken(end) && !registration.disabled
                }
                if hears { next = next.wakingParents(of: instance, process: process, level: .certain) }
            }
        }
        return next
    }

    typealias Leaf = PipeModel.End

    var epoll: [Epoll.Registration<PipeModel.End>] {
        get { pipe.epoll }
        set { pipe.epoll = newValue }
    }

    var nestedEpoll: [NestedEpoll.Registration<PipeModel.End>] {
        get { pipe.nestedEpoll }
        set { pipe.nestedEpoll = newValue }
    }

    var epollInstances: [NestedEpoll.Instance] {
        get { pipe.epollInstances }
        set { pipe.epollInstances = newValue }
    }

    var epollUnjudged: [Int] {
        get { pipe.epollUnjudged }
        set { pipe.epollUnjudged = newValue }
    }
}

extension FIFOModel.Output: NestedEpollOutput {
    typealias Leaf = PipeModel.End
}

extension FIFOModel: NestedEpollModel {
    func leafMask(_ registration: NestedEpoll.Registration<PipeModel.End>, in state: State) -> (mask: Epoll.Events?, sure: Epoll.News) {
        guard case .end(let end) = registration.target.target else { return (nil, .certain) }
        let plain = PipeModel.EpollRegistration(process: registration.process, target: end, events: registration.events)
        // Hung up, the release's wake may come after its step (``PipeModel/lateNews(_:in:)``) — but not for a read end
        // opened before any writer, none having opened since: no release can follow its open, and its mask (bytes
        // alone) changes by no wake.
        let hungUp = state.pipe.readers.isEmpty != state.pipe.writers.isEmpty
        let suppressed = end == .read && state.readHangUpSuppressed(of: registration.process)
        let sure: Epoll.News = hungUp && !suppressed ? .perhaps : .certain
        return (epollMask(state, of: registration.process)(plain).map { Epoll.Events(rawValue: $0.rawValue) }, sure)
    }

    func leafNews(_ registration: NestedEpoll.Registration<PipeModel.End>, in state: State) -> Epoll.News {
        PipeModel.lateNews(registration, in: state.pipe)
    }

    func leafContended(_ registration: NestedEpoll.Registration<PipeModel.End>, in state: State) -> Bool {
        pipes.leafContended(registration, in: state.pipe)
    }

    func leafHeld(_ end: PipeModel.End, process: Int, in state: State) -> Int { pipes.leafHeld(end, process: process, in: state.pipe) }

    func freeDescriptors(of process: Int, in state: State) -> Int? { pipes.freeDescriptors(of: process, in: state.pipe) }

    func changingFreeDescriptors(of process: Int, by change: Int, in state: State) -> State {
        var next = state
        next.pipe = pipes.changingFreeDescriptors(of: process, by: change, in: state.pipe)
        return next
    }
}
