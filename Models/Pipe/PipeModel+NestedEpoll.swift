/// Epoll instances as targets (`fs/eventpoll.c`'s nesting), as measured in `EpollNestingFactsTests` on pipes. Besides
/// its implicit instance (``PipeModel+Epoll``, named `"epoll"`), a process may keep further instances by name
/// (`epoll_create1 {"keep": NAME}`) until it closes them (`close {"instance": NAME}`) or exits; any instance may hold the
/// pipe's ends and the process's other instances.
///
/// - `epoll_ctl` of an instance: an instance it does not hold `EBADF` (the instance acted on first, then the target);
///   the instance itself `EINVAL`; ADD with `EPOLLEXCLUSIVE` of an instance `EINVAL` (before `ELOOP` and `EEXIST`);
///   ADD that would close a cycle, or make a chain of more than `EP_MAX_NESTS` (4) links through the new one — the
///   longest path down from the target plus the longest path up from the instance, plus one — `ELOOP` (before
///   `EEXIST`); then as for an end (``Epoll/control(_:process:target:operation:events:unjudged:contended:)``). MOD and
///   DEL never check loops.
/// - An instance polled as a target reports `EPOLLIN | EPOLLRDNORM` (never `EPOLLOUT`, whatever was asked) while one of
///   its registrations is on its ready list and ready: a level-triggered one that is ready, an `EPOLLET` one with news
///   that is ready, an `EPOLLONESHOT` one not yet reported by the instance's own wait. The outer poll consumes nothing:
///   the inner `EPOLLET` and `EPOLLONESHOT` registrations still report to the inner instance's wait. It does drop a
///   not-ready one from the inner ready list, so the model lowers such an `EPOLLET` registration's news to perhaps.
/// - An `EPOLLET` registration of an instance has news when a registration of the inner instance hears a wake (a
///   write, a release; `EPOLLONESHOT` ones once disabled hear nothing), and perhaps after an ADD or MOD in the inner
///   instance (the kernel wakes only when the new item was not on the ready list yet: measured, a MOD of a ready
///   item that is on the list is no news). The inner instance's own wait is no news. A wake from an ADD, MOD or a
///   release carries the key `EPOLLIN` alone, which a registration without `EPOLLIN` filters out: for one asking only
///   `EPOLLRDNORM` the model allows both (measured: reported nothing).
/// - Unmodelled, allowed: an `EPOLLEXCLUSIVE` registration of an end in a kept instance reports a ready mask or not.
///   Refused by the parser: `"instance"` on any other model. Not followed: a kept instance in a child (`fork`) — the
///   model has no fork. `EINVAL` from `reverse_path_check` (more than 1000 direct paths, 500 of two links, …) needs
///   more registrations of one end than a trace here makes.
extension PipeModel {
    /// The name of the implicit instance (``PipeModel+Epoll``), as a target or as the instance acted on.
    public static let implicitEpoll = "epoll"

    /// What a registration names: one of the pipe's ends, or one of the process's epoll instances.
    public enum EpollTarget: Hashable, Sendable, Comparable, CustomStringConvertible {
        case end(End)
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
            case .end(let end): end.rawValue
            case .instance(let name): name
            }
        }

        public var description: String {
            switch self {
            case .end(let end): "the \(end.rawValue) end"
            case .instance(let name): name == PipeModel.implicitEpoll ? "the implicit instance" : "instance \(name)"
            }
        }

        /// A trace's name: `"read"`, `"write"`, or an instance (`"epoll"`: the implicit one).
        public init(name: String) {
            if let end = End(rawValue: name) { self = .end(end) } else { self = .instance(name) }
        }

        public var instanceName: String? { if case .instance(let name) = self { name } else { nil } }
    }

    /// Which instance a registration is in, and what it names.
    public struct NestedEpollKey: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var instance: String
        public var target: EpollTarget

        public init(instance: String, target: EpollTarget) {
            self.instance = instance
            self.target = target
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.instance, lhs.target) < (rhs.instance, rhs.target) }
        public var description: String { "\(target) in \(instance)" }
    }

    /// A registration in a kept instance, or of an instance in the implicit one.
    public typealias NestedEpollRegistration = Epoll.Registration<NestedEpollKey>
    /// A report of a wait whose instance holds instances: an end or an instance.
    public typealias NestedEpollReport = Epoll.Report<EpollTarget>

    /// An instance a process keeps open by name.
    public struct EpollInstance: Hashable, Sendable, Comparable {
        public var process: Int
        public var name: String
        public init(process: Int, name: String) {
            self.process = process
            self.name = name
        }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.name) < (rhs.process, rhs.name) }
    }

    /// A call on a kept instance, or one naming an instance as a target.
    public enum NestedEpollCall: Hashable, Sendable, CustomStringConvertible {
        /// `epoll_create`/`epoll_create1` whose instance the process keeps as `keep`.
        case create(Epoll.Creation, keep: String)
        /// `epoll_ctl(instance, operation, target, events)`.
        case control(instance: String, operation: Epoll.Operation, target: EpollTarget, events: Epoll.Events)
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
        var plainWait: EpollCall? {
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

    /// Whether the call goes through the nested path: it names a kept instance, or the implicit one holds instances.
    static func implicitHoldsInstances(_ state: State, process: Int) -> Bool {
        state.nestedEpoll.contains { $0.process == process && $0.target.instance == implicitEpoll }
    }

    // MARK: - Registrations by instance

    static func holds(_ state: State, process: Int, instance: String) -> Bool {
        instance == implicitEpoll || state.epollInstances.contains(EpollInstance(process: process, name: instance))
    }

    /// `process`'s registrations in `instance` (the implicit one's ends too), sorted.
    static func registrations(of instance: String, process: Int, in state: State) -> [NestedEpollRegistration] {
        var result = state.nestedEpoll.filter { $0.process == process && $0.target.instance == instance }
        if instance == implicitEpoll {
            result += state.epoll.filter { $0.process == process }.map { registration in
                var nested = NestedEpollRegistration(
                    process: process, target: NestedEpollKey(instance: instance, target: .end(registration.end)), events: registration.events)
                nested.disabled = registration.disabled
                nested.news = registration.news
                nested.missable = registration.missable
                nested.listed = registration.listed
                return nested
            }
        }
        return result.sorted()
    }

    /// `state` with `process`'s registrations in `instance` replaced by `registrations`.
    static func store(_ registrations: [NestedEpollRegistration], of instance: String, process: Int, in state: State) -> State {
        var next = state
        next.nestedEpoll.removeAll { $0.process == process && $0.target.instance == instance }
        if instance == implicitEpoll { next.epoll.removeAll { $0.process == process } }
        for registration in registrations {
            if instance == implicitEpoll, case .end(let end) = registration.target.target {
                var plain = EpollRegistration(process: process, target: end, events: registration.events)
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
    static func children(of instance: String, process: Int, in state: State) -> [String] {
        state.nestedEpoll.filter { $0.process == process && $0.target.instance == instance }.compactMap(\.target.target.instanceName)
    }

    static func parents(of instance: String, process: Int, in state: State) -> [NestedEpollRegistration] {
        state.nestedEpoll.filter { $0.process == process && $0.target.target == .instance(instance) }
    }

    /// The longest chain of links below `instance` (down) or above it (up); a bound stops a cycle the model never makes.
    static func depth(of instance: String, process: Int, in state: State, down: Bool, bound: Int = 8) -> Int {
        guard bound > 0 else { return bound }
        let next = down ? children(of: instance, process: process, in: state) : parents(of: instance, process: process, in: state).map(\.target.instance)
        return next.map { depth(of: $0, process: process, in: state, down: down, bound: bound - 1) + 1 }.max() ?? 0
    }

    static func reaches(_ from: String, _ to: String, process: Int, in state: State, bound: Int = 8) -> Bool {
        if from == to { return true }
        guard bound > 0 else { return true }
        return children(of: from, process: process, in: state).contains { reaches($0, to, process: process, in: state, bound: bound - 1) }
    }

    /// `EP_MAX_NESTS`: the most links a chain of instances may have (measured: a chain of 5 instances, not 6).
    static let maximumNesting = 4

    // MARK: - Readiness of an instance

    /// Whether `instance` polls ready (`EPOLLIN | EPOLLRDNORM`): certainly, perhaps, or not.
    public func instanceReadiness(_ instance: String, process: Int, in state: State, bound: Int = 8) -> EpollNews {
        guard bound > 0 else { return .perhaps }
        var result = EpollNews.none
        for registration in Self.registrations(of: instance, process: process, in: state) where !registration.disabled {
            let (mask, sure) = nestedMask(registration, in: state, bound: bound - 1)
            guard let mask, !registration.reported(of: mask).isEmpty else { continue }
            var level = sure
            if registration.edgeTriggered { level = min(level, Self.lateNews(registration, in: state)) }
            if registration.exclusive { level = min(level, .perhaps) }
            result = max(result, level)
        }
        return result
    }

    /// An `EPOLLET` registration's news, or perhaps once the pipe is hung up: `pipe_release` drops the count before it
    /// wakes the queues, so a wait may see the hang-up (reporting an item a write's wake had listed) before the release's
    /// wake lists the item again — late, after the close's step (found by `pipe-robust-nested-epoll`: the writer's exit,
    /// a derived step, released late).
    static func lateNews(_ registration: NestedEpollRegistration, in state: State) -> EpollNews {
        guard case .end = registration.target.target, state.readers.isEmpty != state.writers.isEmpty else { return registration.news }
        return max(registration.news, .perhaps)
    }

    /// A registration's poll mask (nil: none) and whether the model is sure of it.
    func nestedMask(_ registration: NestedEpollRegistration, in state: State, bound: Int = 8) -> (mask: EpollEvents?, sure: EpollNews) {
        switch registration.target.target {
        case .end(let end):
            // Hung up, the release's wake may come after its step (see lateNews): an item an earlier poll found not
            // ready and dropped from its list may not be back on it yet, level-triggered too.
            let sure: EpollNews = state.readers.isEmpty != state.writers.isEmpty ? .perhaps : .certain
            return (readiness(of: registration.process, end, in: state).map { EpollEvents(rawValue: $0.rawValue) }, sure)
        case .instance(let name):
            let level = instanceReadiness(name, process: registration.process, in: state, bound: bound)
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
        var queue = Self.children(of: instance, process: process, in: state)
        while let inner = queue.popLast() {
            guard visited.insert(inner).inserted else { continue }
            queue += Self.children(of: inner, process: process, in: state)
            let registrations = Self.registrations(of: inner, process: process, in: next).map { registration -> NestedEpollRegistration in
                guard registration.edgeTriggered, registration.news == .certain else { return registration }
                let (mask, sure) = nestedMask(registration, in: state)
                if let mask, !registration.reported(of: mask).isEmpty, sure == .certain { return registration }
                var lowered = registration
                lowered.news = .perhaps
                return lowered
            }
            next = Self.store(registrations, of: inner, process: process, in: next)
        }
        return next
    }

    /// The wake `instance`'s poll queue takes at `level` (a registration of it heard a wake): news for the `EPOLLET`
    /// registrations of it in other instances, and on up.
    static func wakeParents(of instance: String, process: Int, level: EpollNews, in state: State, bound: Int = 8) -> State {
        guard level != .none, bound > 0 else { return state }
        var next = state
        for parent in parents(of: instance, process: process, in: state) where !parent.disabled {
            let heard: EpollNews = parent.events.contains(.input) ? level : .perhaps
            if parent.edgeTriggered, let index = next.nestedEpoll.firstIndex(where: { $0.process == process && $0.target == parent.target }) {
                next.nestedEpoll[index].news = max(next.nestedEpoll[index].news, heard)
            }
            next = wakeParents(of: parent.target.instance, process: process, level: heard, in: next, bound: bound - 1)
        }
        return next
    }

    // MARK: - Calls

    func nestedEpollTransitions(_ state: State, process: Int, call: NestedEpollCall) -> [(output: Output?, step: Step<State>)] {
        switch call {
        case .create(let creation, let name):
            let instance = EpollInstance(process: process, name: name)
            guard !state.epollInstances.contains(instance) else { return [] }  // a trace naming two open instances alike
            return creation.outcomes(free: state.descriptorLimits.first { $0.process == process }?.free).flatMap { outcome -> [(output: Output?, step: Step<State>)] in
                switch outcome {
                case .created(let closeOnExec):
                    var next = state
                    next.epollInstances.append(instance)
                    next.epollInstances.sort()
                    if let index = next.descriptorLimits.firstIndex(where: { $0.process == process }) { next.descriptorLimits[index].free -= 1 }
                    return [(.epollCreated(closeOnExec: closeOnExec), .completed(next)), (.epollCreated(closeOnExec: nil), .completed(next))]
                case .failed(let code): return [(.failed(code), .completed(state))]
                }
            }
        case .close(let name):
            let instance = EpollInstance(process: process, name: name)
            guard state.epollInstances.contains(instance) else { return [(.failed(.EBADF), .completed(state))] }
            var next = state
            next.epollInstances.removeAll { $0 == instance }
            next.nestedEpoll.removeAll { $0.process == process && ($0.target.instance == name || $0.target.target == .instance(name)) }
            if let index = next.descriptorLimits.firstIndex(where: { $0.process == process }) { next.descriptorLimits[index].free += 1 }
            return [(.closed, .completed(next))]
        case .control(let instance, let operation, let target, let events):
            return [nestedEpollControl(state, process: process, instance: instance, operation: operation, target: target, events: events)]
        case .wait(let instance, let maxEvents, let timeout, _):
            if let refusal = call.plainWait?.waitRefusal { return [(.failed(refusal), .completed(state))] }
            guard Self.holds(state, process: process, instance: instance) else { return [(.failed(.EBADF), .completed(state))] }
            return nestedEpollWaitOutcomes(state, process: process, instance: instance, maxEvents: maxEvents).compactMap { outcome in
                if outcome.reports.isEmpty && timeout < 0 { return nil }
                return (Self.epollOutput(outcome.reports), .completed(outcome.state))
            }
        }
    }

    /// A wait's reports as an output: `epollEvents` when each names an end (as the implicit instance's waits), else
    /// `nestedEpollEvents`.
    public static func epollOutput(_ reports: [NestedEpollReport]) -> Output {
        var ends: [EpollReport] = []
        for report in reports {
            guard case .end(let end) = report.target else { return .nestedEpollEvents(reports) }
            ends.append(EpollReport(end: end, events: report.events))
        }
        return .epollEvents(ends)
    }

    private func nestedEpollControl(
        _ state: State, process: Int, instance: String, operation: EpollOperation, target: EpollTarget, events: EpollEvents
    ) -> (output: Output?, step: Step<State>) {
        guard Self.holds(state, process: process, instance: instance) else { return (.failed(.EBADF), .completed(state)) }
        switch target {
        case .end(let end):
            let count = (end == .read ? state.readers : state.writers).filter { $0 == process }.count
            if count == 0 { return (.failed(.EBADF), .completed(state)) }
            if count > 1 { return (nil, .completed(Self.unjudgeNested(process, in: state))) }
        case .instance(let name):
            guard Self.holds(state, process: process, instance: name) else { return (.failed(.EBADF), .completed(state)) }
            if name == instance { return (.failed(.EINVAL), .completed(state)) }
            if operation == .add {
                if events.contains(.exclusive) { return (.failed(.EINVAL), .completed(state)) }
                if Self.reaches(name, instance, process: process, in: state)
                    || Self.depth(of: name, process: process, in: state, down: true) + 1 + Self.depth(of: instance, process: process, in: state, down: false)
                        > Self.maximumNesting
                {
                    return (.failed(ErrorCode("ELOOP")), .completed(state))
                }
            }
        }
        let registrations = Self.registrations(of: instance, process: process, in: state)
        let key = NestedEpollKey(instance: instance, target: target)
        switch Epoll.control(
            registrations, process: process, target: key, operation: operation, events: events, unjudged: state.epollUnjudged,
            contended: { _ in true })
        {
        case (let code?, _): return (.failed(code), .completed(state))
        case (nil, let after):
            var next = Self.store(after, of: instance, process: process, in: state)
            if operation == .add || operation == .modify {
                next = Self.wakeParents(of: instance, process: process, level: .perhaps, in: next)
                if case .instance = target { next = polledBelow(instance, process: process, in: next) }  // the insert polls it
            }
            return (.epollControlled, .completed(next))
        }
    }

    /// Every way `process`'s wait on `instance` with room for `maxEvents` may end, with the state after it.
    func nestedEpollWaitOutcomes(_ state: State, process: Int, instance: String, maxEvents: Int) -> [(reports: [NestedEpollReport], state: State)] {
        let registrations = Self.registrations(of: instance, process: process, in: state).map { registration in
            var late = registration
            if registration.edgeTriggered { late.news = Self.lateNews(registration, in: state) }
            return late
        }
        let outcomes = Epoll.waitOutcomes(
            registrations, process: process, maxEvents: maxEvents,
            contended: { registration in
                guard case .end(let end) = registration.target.target else { return false }
                guard registration.target.instance == Self.implicitEpoll else { return true }
                return epollContended(EpollRegistration(process: process, target: end, events: registration.events), in: state)
            },
            uncertain: { nestedMask($0, in: state).sure != .certain },
            mask: { nestedMask($0, in: state).mask })
        return outcomes.map { outcome in
            let next = polledBelow(instance, process: process, in: Self.store(outcome.registrations, of: instance, process: process, in: state))
            return (outcome.reports.map { NestedEpollReport(target: $0.target.target, events: $0.events) }.sorted(), next)
        }
    }

    /// Whether a wait on `instance` may end with nothing reported: what a signal may interrupt, leaving that state.
    func nestedEpollEmptyWait(_ state: State, process: Int, instance: String) -> State? {
        guard Self.holds(state, process: process, instance: instance) else { return nil }
        return nestedEpollWaitOutcomes(state, process: process, instance: instance, maxEvents: 1).first { $0.reports.isEmpty }?.state
    }

    /// Stops judging `process`'s epoll calls (``State/epollUnjudged``), its kept instances with them.
    static func unjudgeNested(_ process: Int, in state: State) -> State {
        var next = state
        next.epoll.removeAll { $0.process == process }
        next.nestedEpoll.removeAll { $0.process == process }
        next.epollInstances.removeAll { $0.process == process }
        if !next.epollUnjudged.contains(process) {
            next.epollUnjudged.append(process)
            next.epollUnjudged.sort()
        }
        return next
    }

    /// The kept instances and nested registrations after `input` (not an epoll call) took `before` to `after`: an exit
    /// ends them; a close of a registered end drops its registration (or, the description left open, stops judging the
    /// process); each wake is news for the `EPOLLET` ones, and wakes the instances that hold theirs.
    func nestedEpollAfter(_ input: Input, before: State, after: State) -> State {
        var next = after
        if case .exit(let process) = input {
            next.nestedEpoll.removeAll { $0.process == process }
            next.epollInstances.removeAll { $0.process == process }
        }
        for process in next.epollUnjudged where next.nestedEpoll.contains(where: { $0.process == process }) {
            next = Self.unjudgeNested(process, in: next)
        }
        for registration in before.nestedEpoll {
            guard case .end(let end) = registration.target.target,
                next.nestedEpoll.contains(where: { $0.process == registration.process && $0.target == registration.target })
            else { continue }
            let holders: (State) -> [Int] = { end == .read ? $0.readers : $0.writers }
            let left = holders(after).filter { $0 == registration.process }.count
            guard left < holders(before).filter({ $0 == registration.process }).count else { continue }
            let sharers = after.shared.first { $0.contains(registration.process) } ?? []
            if left > 0 || holders(after).contains(where: { $0 != registration.process && sharers.contains($0) }) {
                next = Self.unjudgeNested(registration.process, in: next)
            } else {
                next.nestedEpoll.removeAll { $0.process == registration.process && $0.target == registration.target }
            }
        }
        let wake = epollWake(input, before: before, after: after)
        // The kept instances' ends hear as the implicit ones' do.
        for index in next.nestedEpoll.indices {
            guard case .end(let end) = next.nestedEpoll[index].target.target, next.nestedEpoll[index].edgeTriggered else { continue }
            next.nestedEpoll[index].news = max(next.nestedEpoll[index].news, wake(end, next.nestedEpoll[index].events))
        }
        // Each instance whose registrations heard a wake wakes those that hold it.
        let processes = Set(next.nestedEpoll.map(\.process))
        for process in processes.sorted() {
            var instances = Set(next.epollInstances.filter { $0.process == process }.map(\.name))
            instances.insert(Self.implicitEpoll)
            for instance in instances.sorted() {
                var heard = EpollNews.none
                for registration in Self.registrations(of: instance, process: process, in: next) where !registration.disabled {
                    if case .end(let end) = registration.target.target { heard = max(heard, wake(end, registration.events)) }
                }
                next = Self.wakeParents(of: instance, process: process, level: heard, in: next)
            }
        }
        return next
    }
}
