/// Epoll instances as targets on a socket pair (``NestedEpoll``'s, measured in `UnixSocketEpollNestingFactsTests` on
/// stream, seqpacket and datagram pairs): besides its implicit instance (``UnixSocketModel+Epoll``, `"epoll"`), a
/// process may keep further instances by name, each holding the pair's ends (`"a"`, `"b"`) and the process's other
/// instances. What is the socket's:
///
/// - An end's registration in a kept instance polls as the implicit instance's do (``epollMask(of:in:)``) and hears
///   the same wakes (``epollWakes(_:output:before:after:)``): measured, a peer's send is news for an inner `EPOLLET`
///   or level-triggered registration asking `EPOLLIN`, and so for the outer `EPOLLET` registration of that instance
///   (one report per send); the peer's receive that frees the end's buffer (`EPOLLOUT` key) is news through an inner
///   registration asking `EPOLLOUT`, not through one asking `EPOLLIN` only; a stream or seqpacket peer's shutdown or
///   close (no key) is news through any, a datagram peer's through none.
/// - An instance holding a writable end's `EPOLLOUT` registration reports `EPOLLIN` to the outer one (never `EPOLLOUT`:
///   an outer registration asking `EPOLLOUT` alone reports nothing).
/// - A registration goes with the socket's release and is kept while another holder keeps it open, as the implicit
///   instance's; a close of one of several descriptors stops judging the process's epoll calls, kept instances too.
///   A datagram end a peer connecting back made writable without a wake: the same.
/// - Nested calls are modelled on a socket pair only (a listener's or bound sockets' traces are refused).
extension UnixSocketModel {
    /// What a registration names: an end of the pair, or one of the process's epoll instances.
    public typealias EpollTarget = NestedEpoll.Target<String>
    public typealias NestedEpollRegistration = NestedEpoll.Registration<String>
    public typealias NestedEpollReport = NestedEpoll.Report<String>
    /// A call on a kept instance, or one naming an instance as a target.
    public typealias NestedEpollCall = NestedEpoll.Call<String>

    /// The steps of a nested call whose recorded output is `output` (nil: any), or of a wait on the implicit instance
    /// while it holds instances. A wait that may report nothing and sleeps may end `EINTR` instead.
    func nestedEpollSteps(_ state: State, process: Int, call: NestedEpollCall, output: Output?) -> [Step<State>] {
        if state.epollUnjudged.contains(process) {
            if case .create = call {} else { return [.completed(state)] }
        }
        if output == .failed(.EINTR) {
            guard case .wait(let instance, _, let timeout, _) = call, call.plainWait?.waitRefusal == nil, timeout != 0 else { return [] }
            return nestedEpollEmptyWait(state, process: process, instance: instance).map { [.completed($0)] } ?? []
        }
        // A wait on the implicit instance is parsed as its plain calls are: a report naming neither end names an instance.
        var recorded = output
        if case .epollEvents(let reports)? = output {
            recorded = Self.epollOutput(reports.map { NestedEpollReport(target: Self.pairEnd($0.target).map { .end($0) } ?? .instance($0.target), events: $0.events) })
        }
        return nestedEpollTransitions(state, process: process, call: call).compactMap { candidate in
            guard let recorded, let candidateOutput = candidate.output else { return candidate.step }
            return recorded == candidateOutput ? candidate.step : nil
        }
    }

    func nestedEpollTransitions(_ state: State, process: Int, call: NestedEpollCall) -> [(output: Output?, step: Step<State>)] {
        nestedEpollOutcomes(state, process: process, call: call).map { ($0.outcome.map(Output.ending), .completed($0.state)) }
    }

    /// A nested call's outcome as the socket's output.
    public static func output(of outcome: NestedEpoll.Outcome<String>) -> Output { .ending(outcome) }

    /// A wait's reports as an output: `epollEvents` when each names an end, else `nestedEpollEvents`.
    public static func epollOutput(_ reports: [NestedEpollReport]) -> Output { .reporting(reports) }

    /// The nested part of ``epollAfter(_:output:before:after:)``: a registration of a released socket goes; a close of
    /// one of its process's descriptors of a socket it still holds, or a datagram end made writable silently under a
    /// level-triggered one, stops judging the process; each socket's wakes (`keys`) are news.
    func nestedEpollAfter(
        _ input: Input, before: State, after: State, silent: Set<String>, keys: (String) -> [(key: Epoll.Events, news: Epoll.News)]
    ) -> State {
        var exited: Int?
        if case .exit(let process) = input { exited = process }
        return nestedEpollAfter(
            before: before, after: after, exited: exited,
            fate: { registration in
                guard case .end(let name) = registration.target.target, let index = after.socketIndex(name) else { return .dropped }
                let socket = after.sockets[index]
                if socket.released || socket.holders.isEmpty { return .dropped }
                if case .close(let process, let end) = input, process == registration.process, end == name, socket.holders.contains(process) {
                    return .unjudged
                }
                return !registration.edgeTriggered && silent.contains(name) ? .unjudged : .kept
            },
            wake: { name, events in
                let registration = EpollRegistration(process: 0, target: name, events: events)
                return keys(name).filter { registration.meets($0.key) }.map(\.news).max() ?? .none
            })
    }
}

extension UnixSocketModel.State: NestedEpollState {}

extension UnixSocketModel.Output: NestedEpollOutput {
    typealias Leaf = String
}

extension UnixSocketModel: NestedEpollModel {
    func leafMask(_ registration: NestedEpollRegistration, in state: State) -> (mask: Epoll.Events?, sure: Epoll.News) {
        guard case .end(let name) = registration.target.target, let index = state.socketIndex(name) else { return (nil, .certain) }
        return (epollMask(of: state.sockets[index], in: state), .certain)
    }

    func leafContended(_ registration: NestedEpollRegistration, in state: State) -> Bool {
        guard case .end(let name) = registration.target.target else { return false }
        // As the pipe's: an exclusive registration in a kept instance is not modelled (reported or not).
        guard registration.target.instance == NestedEpoll.implicitInstance else { return true }
        return state.socketIndex(name).map { state.sockets[$0].holders.contains { $0 != registration.process } } ?? true
    }

    func leafHeld(_ name: String, process: Int, in state: State) -> Int {
        state.socketIndex(name).map { state.sockets[$0].holders.filter { $0 == process }.count } ?? 0
    }
}
