/// Epoll instances as targets on a pipe (``NestedEpoll``'s, measured in `EpollNestingFactsTests`): besides its implicit
/// instance (``PipeModel+Epoll``, named `"epoll"`), a process may keep further instances by name until it closes them
/// or exits; any instance may hold the pipe's ends and the process's other instances. What is the pipe's:
///
/// - An end's registration in a kept instance: its poll mask is the pipe's; once the pipe is hung up the model is not
///   sure of it (``lateNews(_:in:)``). An `EPOLLEXCLUSIVE` registration of an end in a kept instance reports a ready
///   mask or not (unmodelled, allowed).
/// - An end's registration goes with the process's last descriptor of the end (kept, unjudged, as the implicit
///   instance's: ``PipeModel+Epoll``); the news of an `EPOLLET` one is the implicit instance's (``epollWake(_:before:after:)``).
///   Refused by the parser: `"instance"` on a model without nesting.
extension PipeModel {
    /// The name of the implicit instance (``PipeModel+Epoll``), as a target or as the instance acted on.
    public static let implicitEpoll = NestedEpoll.implicitInstance

    /// What a registration names: one of the pipe's ends, or one of the process's epoll instances.
    public typealias EpollTarget = NestedEpoll.Target<End>
    /// Which instance a registration is in, and what it names.
    public typealias NestedEpollKey = NestedEpoll.Key<End>
    /// A registration in a kept instance, or of an instance in the implicit one.
    public typealias NestedEpollRegistration = NestedEpoll.Registration<End>
    /// A report of a wait whose instance holds instances: an end or an instance.
    public typealias NestedEpollReport = NestedEpoll.Report<End>
    /// An instance a process keeps open by name.
    public typealias EpollInstance = NestedEpoll.Instance
    /// A call on a kept instance, or one naming an instance as a target.
    public typealias NestedEpollCall = NestedEpoll.Call<End>

    /// Whether `instance` polls ready (`EPOLLIN | EPOLLRDNORM`): certainly, perhaps, or not.
    public func instanceReadiness(_ instance: String, process: Int, in state: State) -> EpollNews {
        readiness(ofInstance: instance, process: process, in: state)
    }

    /// An `EPOLLET` registration's news, or perhaps once the pipe is hung up: `pipe_release` drops the count before it
    /// wakes the queues, so a wait may see the hang-up (reporting an item a write's wake had listed) before the release's
    /// wake lists the item again — late, after the close's step (found by `pipe-robust-nested-epoll`: the writer's exit,
    /// a derived step, released late).
    static func lateNews(_ registration: NestedEpollRegistration, in state: State) -> EpollNews {
        guard case .end = registration.target.target, state.readers.isEmpty != state.writers.isEmpty else { return registration.news }
        return max(registration.news, .perhaps)
    }

    func nestedEpollTransitions(_ state: State, process: Int, call: NestedEpollCall) -> [(output: Output?, step: Step<State>)] {
        nestedEpollOutcomes(state, process: process, call: call).map { ($0.outcome.map(Output.ending), .completed($0.state)) }
    }

    /// A nested call's outcome as the pipe's output.
    public static func output(of outcome: NestedEpoll.Outcome<End>) -> Output { .ending(outcome) }

    /// A wait's reports as an output: `epollEvents` when each names an end (as the implicit instance's waits), else
    /// `nestedEpollEvents`.
    public static func epollOutput(_ reports: [NestedEpollReport]) -> Output { .reporting(reports) }

    /// The kept instances and nested registrations after `input` (not an epoll call) took `before` to `after`: an exit
    /// ends them; a close of a registered end drops its registration (or, the description left open, stops judging the
    /// process); each wake is news for the `EPOLLET` ones, and wakes the instances that hold theirs.
    func nestedEpollAfter(_ input: Input, before: State, after: State) -> State {
        var exited: Int?
        if case .exit(let process) = input { exited = process }
        return nestedEpollAfter(
            before: before, after: after, exited: exited,
            fate: { registration in
                guard case .end(let end) = registration.target.target else { return .kept }
                let holders: (State) -> [Int] = { end == .read ? $0.readers : $0.writers }
                let left = holders(after).filter { $0 == registration.process }.count
                guard left < holders(before).filter({ $0 == registration.process }).count else { return .kept }
                let sharers = after.shared.first { $0.contains(registration.process) } ?? []
                return left > 0 || holders(after).contains(where: { $0 != registration.process && sharers.contains($0) }) ? .unjudged : .dropped
            },
            wake: epollWake(input, before: before, after: after))
    }
}

extension PipeModel.State: NestedEpollState {}

extension PipeModel.Output: NestedEpollOutput {
    typealias Leaf = PipeModel.End
}

extension PipeModel: NestedEpollModel {
    func leafMask(_ registration: NestedEpollRegistration, in state: State) -> (mask: EpollEvents?, sure: EpollNews) {
        guard case .end(let end) = registration.target.target else { return (nil, .certain) }
        // Hung up, the release's wake may come after its step (see lateNews): an item an earlier poll found not
        // ready and dropped from its list may not be back on it yet, level-triggered too.
        let sure: EpollNews = state.readers.isEmpty != state.writers.isEmpty ? .perhaps : .certain
        return (readiness(of: registration.process, end, in: state).map { EpollEvents(rawValue: $0.rawValue) }, sure)
    }

    func leafNews(_ registration: NestedEpollRegistration, in state: State) -> EpollNews { Self.lateNews(registration, in: state) }

    func leafContended(_ registration: NestedEpollRegistration, in state: State) -> Bool {
        guard case .end(let end) = registration.target.target else { return false }
        guard registration.target.instance == Self.implicitEpoll else { return true }
        return epollContended(EpollRegistration(process: registration.process, target: end, events: registration.events), in: state)
    }

    func leafHeld(_ end: End, process: Int, in state: State) -> Int {
        (end == .read ? state.readers : state.writers).filter { $0 == process }.count
    }

    func freeDescriptors(of process: Int, in state: State) -> Int? { state.descriptorLimits.first { $0.process == process }?.free }

    func changingFreeDescriptors(of process: Int, by change: Int, in state: State) -> State {
        var next = state
        if let index = next.descriptorLimits.firstIndex(where: { $0.process == process }) { next.descriptorLimits[index].free += change }
        return next
    }
}

extension NestedEpoll.Target where Leaf == PipeModel.End {
    /// A trace's name: `"read"`, `"write"`, or an instance (`"epoll"`: the implicit one).
    public init(name: String) {
        if let end = PipeModel.End(rawValue: name) { self = .end(end) } else { self = .instance(name) }
    }
}
