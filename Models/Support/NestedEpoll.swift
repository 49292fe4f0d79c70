/// Epoll instances as targets (`fs/eventpoll.c`'s nesting), whatever object the leaves are: measured on pipes
/// (`EpollNestingFactsTests`), a FIFO (`FIFOEpollNestingFactsTests`), socket pairs
/// (`UnixSocketEpollNestingFactsTests`), an eventfd (`EventCounterEpollNestingFactsTests`) and a message queue
/// (`PosixMessageQueueEpollNestingFactsTests`). Besides its implicit instance (named `"epoll"`), a process may keep further instances by name (`epoll_create1 {"keep": NAME}`) until it closes
/// them (`close {"instance": NAME}`) or exits; any instance may hold the object's descriptors (the leaves: a pipe's
/// ends, a socket pair's) and the process's other instances. A model supplies its leaves' part
/// (``NestedEpollModel``): their poll masks, their descriptors, their wakes; the rest is here.
///
/// - `epoll_ctl` of an instance: an instance it does not hold `EBADF` (the instance acted on first, then the target);
///   the instance itself `EINVAL`; ADD with `EPOLLEXCLUSIVE` of an instance `EINVAL` (before `ELOOP` and `EEXIST`);
///   ADD that would close a cycle, or make a chain of more than `EP_MAX_NESTS` (4) links through the new one — the
///   longest path down from the target plus the longest path up from the instance, plus one — `ELOOP` (before
///   `EEXIST`); then as for a leaf (``Epoll/control(_:process:target:operation:events:unjudged:contended:)``). MOD and
///   DEL never check loops.
/// - An instance polled as a target reports `EPOLLIN | EPOLLRDNORM` (never `EPOLLOUT`, whatever was asked) while one of
///   its registrations is on its ready list and ready: a level-triggered one that is ready, an `EPOLLET` one with news
///   that is ready, an `EPOLLONESHOT` one not yet reported by the instance's own wait. The outer poll consumes nothing:
///   the inner `EPOLLET` and `EPOLLONESHOT` registrations still report to the inner instance's wait. It does drop a
///   not-ready one from the inner ready list, so the model lowers such an `EPOLLET` registration's news to perhaps.
/// - An `EPOLLET` registration of an instance has news when a registration of the inner instance hears a wake (the
///   leaf's, as its model says; `EPOLLONESHOT` ones once disabled hear nothing), and perhaps after an ADD or MOD in the
///   inner instance (the kernel wakes only when the new item was not on the ready list yet: measured, a MOD of a ready
///   item that is on the list is no news). The inner instance's own wait is no news. A wake from an ADD, MOD or a
///   release carries the key `EPOLLIN` alone, which a registration without `EPOLLIN` filters out: for one asking only
///   `EPOLLRDNORM` the model allows both (measured on a pipe: reported nothing).
/// - An ADD giving a leaf too many wakeup paths fails `EINVAL` (`reverse_path_check`: ``NestedEpoll/wakeupPathLimits``).
/// - Not followed: a kept instance in a child (`fork`) — the models have no fork.
public enum NestedEpoll {
    /// The name of the implicit instance, as a target or as the instance acted on.
    public static let implicitInstance = "epoll"

    /// `EP_MAX_NESTS`: the most links a chain of instances may have (measured: a chain of 5 instances, not 6).
    public static let maximumNesting = 4

    /// What a registration names: one of the object's descriptors (a leaf), or one of the process's epoll instances.
    public enum Target<Leaf: Hashable & Sendable & Comparable>: Hashable, Sendable, Comparable, CustomStringConvertible {
        case end(Leaf)
        case instance(String)

        public static func < (lhs: Self, rhs: Self) -> Bool {
            switch (lhs, rhs) {
            case (.end(let left), .end(let right)): left < right
            case (.end, .instance): true
            case (.instance, .end): false
            case (.instance(let left), .instance(let right)): left < right
            }
        }

        /// The name a trace gives it.
        public var name: String {
            switch self {
            case .end(let leaf): "\(leaf)"
            case .instance(let name): name
            }
        }

        public var description: String {
            switch self {
            case .end(let leaf): "the \(leaf) end"
            case .instance(let name): name == NestedEpoll.implicitInstance ? "the implicit instance" : "instance \(name)"
            }
        }

        public var instanceName: String? { if case .instance(let name) = self { name } else { nil } }
    }

    /// Which instance a registration is in, and what it names.
    public struct Key<Leaf: Hashable & Sendable & Comparable>: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var instance: String
        public var target: Target<Leaf>

        public init(instance: String, target: Target<Leaf>) {
            self.instance = instance
            self.target = target
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.instance, lhs.target) < (rhs.instance, rhs.target) }
        public var description: String { "\(target) in \(instance)" }
    }

    /// A registration in a kept instance, or of an instance in the implicit one.
    public typealias Registration<Leaf: Hashable & Sendable & Comparable> = Epoll.Registration<Key<Leaf>>
    /// A report of a wait whose instance holds instances: a leaf or an instance.
    public typealias Report<Leaf: Hashable & Sendable & Comparable> = Epoll.Report<Target<Leaf>>

    /// An instance a process keeps open by name.
    public struct Instance: Hashable, Sendable, Comparable {
        public var process: Int
        public var name: String
        public init(process: Int, name: String) {
            self.process = process
            self.name = name
        }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.name) < (rhs.process, rhs.name) }
    }

    /// A call on a kept instance, or one naming an instance as a target.
    public enum Call<Leaf: Hashable & Sendable & Comparable>: Hashable, Sendable, CustomStringConvertible {
        /// `epoll_create`/`epoll_create1` whose instance the process keeps as `keep`.
        case create(Epoll.Creation, keep: String)
        /// `epoll_ctl(instance, operation, target, events)`.
        case control(instance: String, operation: Epoll.Operation, target: Target<Leaf>, events: Epoll.Events)
        /// `epoll_wait` (or `epoll_pwait`, `epoll_pwait2`) on `instance`.
        case wait(instance: String, maxEvents: Int, timeout: Int, form: Epoll.WaitForm)
        /// `close` of a kept instance.
        case close(instance: String)

        public var name: String {
            switch self {
            case .create(let creation, _): creation.name
            case .control: "epoll_ctl"
            case .wait(_, _, _, let form): form.name
            case .close: "close"
            }
        }

        /// The wait as the implicit instance's calls say it (for its refusals).
        public var plainWait: Epoll.Call<Leaf>? {
            guard case .wait(_, let maxEvents, let timeout, let form) = self else { return nil }
            return .wait(maxEvents: maxEvents, timeout: timeout, form: form)
        }

        public var description: String {
            switch self {
            case .create(let creation, let name): "\(creation) kept as \(name)"
            case .control(let instance, let operation, let target, let events): "epoll_ctl(\(instance), \(operation.name), \(target), \(events))"
            case .wait(let instance, _, _, _): "\(plainWait!) on \(instance)"
            case .close(let instance): "close of instance \(instance)"
            }
        }
    }

    /// How a nested call ended, before the model says it as its output.
    public enum Outcome<Leaf: Hashable & Sendable & Comparable>: Hashable, Sendable {
        case created(closeOnExec: Bool?)
        case controlled
        case reported([Report<Leaf>])
        case closed
        case failed(ErrorCode)
    }

    /// What becomes of a registration of a leaf after a call that closed one of its process's descriptors of it.
    public enum LeafFate: Sendable {
        /// Still registered (nothing of it closed, or the kernel keeps it and the model follows it).
        case kept
        /// Gone with its description.
        case dropped
        /// Kept under a number the model does not follow: its process's epoll calls are no longer judged.
        case unjudged
    }
}

/// A model's state with the nested instances' parts, as ``NestedEpoll`` keeps them.
protocol NestedEpollState {
    associatedtype Leaf: Hashable & Sendable & Comparable
    /// The implicit instance's registrations of leaves.
    var epoll: [Epoll.Registration<Leaf>] { get set }
    /// The kept instances' registrations, and the implicit instance's of instances, sorted.
    var nestedEpoll: [NestedEpoll.Registration<Leaf>] { get set }
    /// The instances processes keep by name, sorted.
    var epollInstances: [NestedEpoll.Instance] { get set }
    /// Processes whose epoll calls the model no longer judges.
    var epollUnjudged: [Int] { get set }
}

/// What a model says of its leaves for ``NestedEpoll``'s calls.
protocol NestedEpollModel {
    associatedtype State: NestedEpollState
    /// A leaf registration's poll mask (nil: it reports nothing) and whether the model is sure of it.
    func leafMask(_ registration: NestedEpoll.Registration<State.Leaf>, in state: State) -> (mask: Epoll.Events?, sure: Epoll.News)
    /// An `EPOLLET` leaf registration's news as a wait or an outer poll sees it.
    func leafNews(_ registration: NestedEpoll.Registration<State.Leaf>, in state: State) -> Epoll.News
    /// Whether another process may sleep exclusively on a leaf registration's queue (see ``Epoll/Registration/missable``).
    func leafContended(_ registration: NestedEpoll.Registration<State.Leaf>, in state: State) -> Bool
    /// How many descriptors of `leaf` `process` holds.
    func leafHeld(_ leaf: State.Leaf, process: Int, in state: State) -> Int
    /// The process's free descriptor numbers when known (nil: any).
    func freeDescriptors(of process: Int, in state: State) -> Int?
    /// `state` with `change` more free numbers for `process` (an instance made or closed).
    func changingFreeDescriptors(of process: Int, by change: Int, in state: State) -> State
}

extension NestedEpollModel {
    func leafNews(_ registration: NestedEpoll.Registration<State.Leaf>, in state: State) -> Epoll.News { registration.news }
    func freeDescriptors(of process: Int, in state: State) -> Int? { nil }
    func changingFreeDescriptors(of process: Int, by change: Int, in state: State) -> State { state }
}

extension NestedEpollState {
    typealias NestedRegistration = NestedEpoll.Registration<Leaf>
    var implicitEpoll: String { NestedEpoll.implicitInstance }

    /// Whether any process keeps an instance or has one in another.
    var hasNesting: Bool { !nestedEpoll.isEmpty || !epollInstances.isEmpty }

    /// Whether the implicit instance holds instances (its waits go through the nested path).
    func implicitHoldsInstances(process: Int) -> Bool {
        nestedEpoll.contains { $0.process == process && $0.target.instance == implicitEpoll }
    }

    func holds(process: Int, instance: String) -> Bool {
        instance == implicitEpoll || epollInstances.contains(NestedEpoll.Instance(process: process, name: instance))
    }

    /// `process`'s registrations in `instance` (the implicit one's leaves too), sorted.
    func registrations(of instance: String, process: Int) -> [NestedRegistration] {
        var result = nestedEpoll.filter { $0.process == process && $0.target.instance == instance }
        if instance == implicitEpoll {
            result += epoll.filter { $0.process == process }.map { registration in
                var nested = NestedRegistration(
                    process: process, target: NestedEpoll.Key(instance: instance, target: .end(registration.target)), events: registration.events)
                nested.disabled = registration.disabled
                nested.news = registration.news
                nested.missable = registration.missable
                nested.listed = registration.listed
                return nested
            }
        }
        return result.sorted()
    }

    /// This state with `process`'s registrations in `instance` replaced by `registrations`.
    func storing(_ registrations: [NestedRegistration], of instance: String, process: Int) -> Self {
        var next = self
        next.nestedEpoll.removeAll { $0.process == process && $0.target.instance == instance }
        if instance == implicitEpoll { next.epoll.removeAll { $0.process == process } }
        for registration in registrations {
            if instance == implicitEpoll, case .end(let leaf) = registration.target.target {
                var plain = Epoll.Registration<Leaf>(process: process, target: leaf, events: registration.events)
                plain.disabled = registration.disabled
                plain.news = registration.news
                plain.missable = registration.missable
                plain.listed = registration.listed
                next.epoll.append(plain)
            } else {
                next.nestedEpoll.append(registration)
            }
        }
        next.epoll.sort()
        next.nestedEpoll.sort()
        return next
    }

    /// The instances `instance` holds, and those that hold it.
    func children(of instance: String, process: Int) -> [String] {
        nestedEpoll.filter { $0.process == process && $0.target.instance == instance }.compactMap(\.target.target.instanceName)
    }

    func parents(of instance: String, process: Int) -> [NestedRegistration] {
        nestedEpoll.filter { $0.process == process && $0.target.target == .instance(instance) }
    }

    /// The longest chain of links below `instance` (down) or above it (up); a bound stops a cycle the model never makes.
    func depth(of instance: String, process: Int, down: Bool, bound: Int = 8) -> Int {
        guard bound > 0 else { return bound }
        let next = down ? children(of: instance, process: process) : parents(of: instance, process: process).map(\.target.instance)
        return next.map { depth(of: $0, process: process, down: down, bound: bound - 1) + 1 }.max() ?? 0
    }

    func reaches(_ from: String, _ to: String, process: Int, bound: Int = 8) -> Bool {
        if from == to { return true }
        guard bound > 0 else { return true }
        return children(of: from, process: process).contains { reaches($0, to, process: process, bound: bound - 1) }
    }

    /// Stops judging `process`'s epoll calls, its kept instances with them.
    func unjudgingNested(_ process: Int) -> Self {
        var next = self
        next.epoll.removeAll { $0.process == process }
        next.nestedEpoll.removeAll { $0.process == process }
        next.epollInstances.removeAll { $0.process == process }
        if !next.epollUnjudged.contains(process) {
            next.epollUnjudged.append(process)
            next.epollUnjudged.sort()
        }
        return next
    }

    /// The wake `instance`'s poll queue takes at `level` (a registration of it heard a wake): news for the `EPOLLET`
    /// registrations of it in other instances, and on up.
    func wakingParents(of instance: String, process: Int, level: Epoll.News, bound: Int = 8) -> Self {
        guard level != .none, bound > 0 else { return self }
        var next = self
        for parent in parents(of: instance, process: process) where !parent.disabled {
            let heard: Epoll.News = parent.events.contains(.input) ? level : .perhaps
            if parent.edgeTriggered, let index = next.nestedEpoll.firstIndex(where: { $0.process == process && $0.target == parent.target }) {
                next.nestedEpoll[index].news = max(next.nestedEpoll[index].news, heard)
            }
            next = next.wakingParents(of: parent.target.instance, process: process, level: heard, bound: bound - 1)
        }
        return next
    }
}

extension NestedEpollModel {
    typealias NestedRegistration = NestedEpoll.Registration<State.Leaf>

    // MARK: - Readiness of an instance

    /// Whether `instance` polls ready (`EPOLLIN | EPOLLRDNORM`): certainly, perhaps, or not.
    func readiness(ofInstance instance: String, process: Int, in state: State, bound: Int = 8) -> Epoll.News {
        guard bound > 0 else { return .perhaps }
        var result = Epoll.News.none
        for registration in state.registrations(of: instance, process: process) where !registration.disabled {
            let (mask, sure) = nestedMask(registration, in: state, bound: bound - 1)
            guard let mask, !registration.reported(of: mask).isEmpty else { continue }
            var level = sure
            if registration.edgeTriggered { level = min(level, news(registration, in: state)) }
            if registration.exclusive { level = min(level, .perhaps) }
            result = max(result, level)
        }
        return result
    }

    /// An `EPOLLET` registration's news: a leaf's as its model says, an instance's its own.
    func news(_ registration: NestedRegistration, in state: State) -> Epoll.News {
        guard case .end = registration.target.target else { return registration.news }
        return leafNews(registration, in: state)
    }

    /// A registration's poll mask (nil: none) and whether the model is sure of it.
    func nestedMask(_ registration: NestedRegistration, in state: State, bound: Int = 8) -> (mask: Epoll.Events?, sure: Epoll.News) {
        switch registration.target.target {
        case .end: return leafMask(registration, in: state)
        case .instance(let name):
            let level = readiness(ofInstance: name, process: registration.process, in: state, bound: bound)
            if level == .none { return ([], .certain) }
            // Without EPOLLIN it may have filtered out the wake that put the inner instance's item on its list.
            return ([.input, .readNormal], registration.events.contains(.input) ? level : .perhaps)
        }
    }

    /// After an outer poll of the instances below `instance`: an inner `EPOLLET` registration that is not ready may have
    /// been dropped from its list (its news consumed), or not (the outer item was not on the outer list).
    func polledBelow(_ instance: String, process: Int, in state: State) -> State {
        var next = state
        var visited: Set<String> = []
        var queue = state.children(of: instance, process: process)
        while let inner = queue.popLast() {
            guard visited.insert(inner).inserted else { continue }
            queue += state.children(of: inner, process: process)
            let registrations = next.registrations(of: inner, process: process).map { registration -> NestedRegistration in
                guard registration.edgeTriggered, registration.news == .certain else { return registration }
                let (mask, sure) = nestedMask(registration, in: state)
                if let mask, !registration.reported(of: mask).isEmpty, sure == .certain { return registration }
                var lowered = registration
                lowered.news = .perhaps
                return lowered
            }
            next = next.storing(registrations, of: inner, process: process)
        }
        return next
    }

    // MARK: - Calls

    /// Every way `process`'s nested `call` may end (outcome nil: not judged, any output goes), with the state after it.
    /// A wait that reports nothing with a negative timeout is left out (asleep); a signal ending it is the model's
    /// (``nestedEpollEmptyWait(_:process:instance:)``).
    func nestedEpollOutcomes(_ state: State, process: Int, call: NestedEpoll.Call<State.Leaf>) -> [(outcome: NestedEpoll.Outcome<State.Leaf>?, state: State)] {
        switch call {
        case .create(let creation, let name):
            let instance = NestedEpoll.Instance(process: process, name: name)
            guard !state.epollInstances.contains(instance) else { return [] }  // a trace naming two open instances alike
            return creation.outcomes(free: freeDescriptors(of: process, in: state)).flatMap { outcome -> [(outcome: NestedEpoll.Outcome<State.Leaf>?, state: State)] in
                switch outcome {
                case .created(let closeOnExec):
                    var next = state
                    next.epollInstances.append(instance)
                    next.epollInstances.sort()
                    next = changingFreeDescriptors(of: process, by: -1, in: next)
                    return [(.created(closeOnExec: closeOnExec), next), (.created(closeOnExec: nil), next)]
                case .failed(let code): return [(.failed(code), state)]
                }
            }
        case .close(let name):
            let instance = NestedEpoll.Instance(process: process, name: name)
            guard state.epollInstances.contains(instance) else { return [(.failed(.EBADF), state)] }
            var next = state
            next.epollInstances.removeAll { $0 == instance }
            next.nestedEpoll.removeAll { $0.process == process && ($0.target.instance == name || $0.target.target == .instance(name)) }
            return [(.closed, changingFreeDescriptors(of: process, by: 1, in: next))]
        case .control(let instance, let operation, let target, let events):
            return nestedEpollControl(state, process: process, instance: instance, operation: operation, target: target, events: events)
        case .wait(let instance, let maxEvents, let timeout, _):
            if let refusal = call.plainWait?.waitRefusal { return [(.failed(refusal), state)] }
            guard state.holds(process: process, instance: instance) else { return [(.failed(.EBADF), state)] }
            return nestedEpollWaitOutcomes(state, process: process, instance: instance, maxEvents: maxEvents).compactMap { outcome in
                if outcome.reports.isEmpty && timeout < 0 { return nil }
                return (.reported(outcome.reports), outcome.state)
            }
        }
    }

    private func nestedEpollControl(
        _ state: State, process: Int, instance: String, operation: Epoll.Operation, target: NestedEpoll.Target<State.Leaf>, events: Epoll.Events
    ) -> [(outcome: NestedEpoll.Outcome<State.Leaf>?, state: State)] {
        guard state.holds(process: process, instance: instance) else { return [(.failed(.EBADF), state)] }
        switch target {
        case .end(let leaf):
            let count = leafHeld(leaf, process: process, in: state)
            if count == 0 { return [(.failed(.EBADF), state)] }
            if count > 1 { return [(nil, state.unjudgingNested(process))] }
        case .instance(let name):
            guard state.holds(process: process, instance: name) else { return [(.failed(.EBADF), state)] }
            if name == instance { return [(.failed(.EINVAL), state)] }
            if operation == .add {
                if events.contains(.exclusive) { return [(.failed(.EINVAL), state)] }
                if state.reaches(name, instance, process: process)
                    || state.depth(of: name, process: process, down: true) + 1 + state.depth(of: instance, process: process, down: false)
                        > NestedEpoll.maximumNesting
                {
                    return [(.failed(ErrorCode("ELOOP")), state)]
                }
            }
        }
        let registrations = state.registrations(of: instance, process: process)
        let key = NestedEpoll.Key(instance: instance, target: target)
        switch Epoll.control(
            registrations, process: process, target: key, operation: operation, events: events, unjudged: state.epollUnjudged,
            contended: { _ in true })
        {
        case (let code?, _): return [(.failed(code), state)]
        case (nil, let after):
            var next = state.storing(after, of: instance, process: process)
            // reverse_path_check (NestedEpoll+WakeupPaths): too many paths up from a leaf below the new registration,
            // sure through the process's own instances; through another's (perhaps another file of the object), or
            // with a process the model no longer follows (its paths uncounted), the EINVAL is allowed too.
            var refusal: [(outcome: NestedEpoll.Outcome<State.Leaf>?, state: State)] = []
            if operation == .add, let sure = next.wakeupPathRefusal(afterAdding: target, process: process, before: state) {
                if sure { return [(.failed(.EINVAL), state)] }
                refusal = [(.failed(.EINVAL), state)]
            }
            if operation == .add || operation == .modify {
                next = next.wakingParents(of: instance, process: process, level: .perhaps)
                if case .instance = target { next = polledBelow(instance, process: process, in: next) }  // the insert polls it
            }
            return [(.controlled, next)] + refusal
        }
    }

    /// Every way `process`'s wait on `instance` with room for `maxEvents` may end, with the state after it.
    func nestedEpollWaitOutcomes(_ state: State, process: Int, instance: String, maxEvents: Int) -> [(reports: [NestedEpoll.Report<State.Leaf>], state: State)] {
        let registrations = state.registrations(of: instance, process: process).map { registration in
            var late = registration
            if registration.edgeTriggered { late.news = news(registration, in: state) }
            return late
        }
        let outcomes = Epoll.waitOutcomes(
            registrations, process: process, maxEvents: maxEvents,
            contended: { registration in
                guard case .end = registration.target.target else { return false }
                return leafContended(registration, in: state)
            },
            uncertain: { nestedMask($0, in: state).sure != .certain },
            mask: { nestedMask($0, in: state).mask })
        return outcomes.map { outcome in
            let next = polledBelow(instance, process: process, in: state.storing(outcome.registrations, of: instance, process: process))
            return (outcome.reports.map { NestedEpoll.Report(target: $0.target.target, events: $0.events) }.sorted(), next)
        }
    }

    /// A model's step of `process`'s nested `call` recorded as `output` (nil: not recorded), for a model whose output
    /// says nested outcomes as ``NestedEpollOutput/ending(_:)`` does (the eventfd's, the message queue's): a process
    /// whose epoll calls are not judged takes any outcome but a creation's; `EINTR` only from a wait that may end with
    /// nothing reported and a non-zero timeout.
    func nestedEpollSteps<Output: NestedEpollOutput & Equatable>(
        _ state: State, process: Int, call: NestedEpoll.Call<State.Leaf>, output: Output?
    ) -> [Step<State>] where Output.Leaf == State.Leaf {
        if state.epollUnjudged.contains(process) {
            if case .create = call {} else { return [.completed(state)] }
        }
        if output == Output.failed(.EINTR) {
            guard case .wait(let instance, _, let timeout, _) = call, call.plainWait?.waitRefusal == nil, timeout != 0 else { return [] }
            return nestedEpollEmptyWait(state, process: process, instance: instance).map { [.completed($0)] } ?? []
        }
        return nestedEpollOutcomes(state, process: process, call: call).compactMap { candidate in
            guard let output, let outcome = candidate.outcome else { return .completed(candidate.state) }
            return Output.ending(outcome) == output ? .completed(candidate.state) : nil
        }
    }

    /// Whether a wait on `instance` may end with nothing reported: what a signal may interrupt, leaving that state.
    func nestedEpollEmptyWait(_ state: State, process: Int, instance: String) -> State? {
        guard state.holds(process: process, instance: instance) else { return nil }
        return nestedEpollWaitOutcomes(state, process: process, instance: instance, maxEvents: 1).first { $0.reports.isEmpty }?.state
    }

    /// The kept instances and nested registrations after `input` (not an epoll call) took `before` to `after`: `exited`
    /// ends its instances; `fate` says what became of each leaf registration still there (a close of its descriptor);
    /// `wake` is the news a leaf registration asking some events takes from the call — for the `EPOLLET` ones, and for
    /// any, whether its instance heard a wake, which wakes the instances that hold it.
    func nestedEpollAfter(
        before: State, after: State, exited: Int?, fate: (NestedRegistration) -> NestedEpoll.LeafFate,
        wake: (State.Leaf, Epoll.Events) -> Epoll.News
    ) -> State {
        var next = after
        if let process = exited {
            next.nestedEpoll.removeAll { $0.process == process }
            next.epollInstances.removeAll { $0.process == process }
        }
        for process in next.epollUnjudged where next.nestedEpoll.contains(where: { $0.process == process }) {
            next = next.unjudgingNested(process)
        }
        for registration in before.nestedEpoll {
            guard case .end = registration.target.target,
                next.nestedEpoll.contains(where: { $0.process == registration.process && $0.target == registration.target })
            else { continue }
            switch fate(registration) {
            case .kept: break
            case .dropped: next.nestedEpoll.removeAll { $0.process == registration.process && $0.target == registration.target }
            case .unjudged: next = next.unjudgingNested(registration.process)
            }
        }
        // The kept instances' leaves hear as the implicit ones' do.
        for index in next.nestedEpoll.indices {
            guard case .end(let leaf) = next.nestedEpoll[index].target.target, next.nestedEpoll[index].edgeTriggered else { continue }
            next.nestedEpoll[index].news = max(next.nestedEpoll[index].news, wake(leaf, next.nestedEpoll[index].events))
        }
        // Each instance whose registrations heard a wake wakes those that hold it.
        let processes = Set(next.nestedEpoll.map(\.process))
        for process in processes.sorted() {
            var instances = Set(next.epollInstances.filter { $0.process == process }.map(\.name))
            instances.insert(NestedEpoll.implicitInstance)
            for instance in instances.sorted() {
                var heard = Epoll.News.none
                for registration in next.registrations(of: instance, process: process) where !registration.disabled {
                    if case .end(let leaf) = registration.target.target { heard = max(heard, wake(leaf, registration.events)) }
                }
                next = next.wakingParents(of: instance, process: process, level: heard)
            }
        }
        return next
    }
}

/// A model's output with the words nested calls end in (its enum's cases witness these).
protocol NestedEpollOutput {
    associatedtype Leaf: Hashable & Sendable & Comparable
    static func epollCreated(closeOnExec: Bool?) -> Self
    static var epollControlled: Self { get }
    static var closed: Self { get }
    static func failed(_ code: ErrorCode) -> Self
    /// A wait's reports, each naming a leaf (as the implicit instance's plain waits say them).
    static func epollEvents(_ reports: [Epoll.Report<Leaf>]) -> Self
    /// A wait's reports when one names an instance.
    static func nestedEpollEvents(_ reports: [NestedEpoll.Report<Leaf>]) -> Self
}

extension NestedEpollOutput {
    /// A wait's reports: `epollEvents` when each names a leaf, else `nestedEpollEvents`.
    static func reporting(_ reports: [NestedEpoll.Report<Leaf>]) -> Self {
        var leaves: [Epoll.Report<Leaf>] = []
        for report in reports {
            guard case .end(let leaf) = report.target else { return .nestedEpollEvents(reports) }
            leaves.append(Epoll.Report(target: leaf, events: report.events))
        }
        return .epollEvents(leaves)
    }

    /// A nested call's outcome as the model's output.
    static func ending(_ outcome: NestedEpoll.Outcome<Leaf>) -> Self {
        switch outcome {
        case .created(let closeOnExec): .epollCreated(closeOnExec: closeOnExec)
        case .controlled: .epollControlled
        case .reported(let reports): reporting(reports)
        case .closed: .closed
        case .failed(let code): .failed(code)
        }
    }
}
