/// What `epoll` (`fs/eventpoll.c`) does the same whatever object is polled: the event bits, `epoll_ctl`'s operations
/// and error order, a registration with what `EPOLLET` and `EPOLLONESHOT` have left of it, and which registrations a
/// wait reports. A model supplies the rest — what its object's poll mask is, and which of its calls wake the object's
/// queue with which key (news for an `EPOLLET` registration) — and keeps one instance per process per object (made
/// before the trace, holding only that object's descriptors). Measured on pipes (`KernelEpollFactsTests`) and eventfds
/// (`KernelEventCounterEpollFactsTests`); `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` on both (`EpollExclusiveFactsTests`).
public enum Epoll {
    /// `<sys/epoll.h>`'s event bits the models know (the readiness bits are `poll`'s).
    public struct Events: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let input = Events(rawValue: 0x001)
        public static let priority = Events(rawValue: 0x002)
        public static let output = Events(rawValue: 0x004)
        public static let error = Events(rawValue: 0x008)
        public static let hangUp = Events(rawValue: 0x010)
        public static let readNormal = Events(rawValue: 0x040)
        public static let readBand = Events(rawValue: 0x080)
        public static let writeNormal = Events(rawValue: 0x100)
        public static let writeBand = Events(rawValue: 0x200)
        public static let readHangUp = Events(rawValue: 0x2000)
        /// `EPOLLEXCLUSIVE`: the registration's entry joins the object's wait queue as an exclusive waiter (see
        /// ``Registration/missable``). ADD only, with only the bits of ``exclusiveAllowed``.
        public static let exclusive = Events(rawValue: 1 << 28)
        /// `EPOLLWAKEUP`: holds a wakeup source while reported events are pending (root here has `CAP_BLOCK_SUSPEND`;
        /// without it the kernel drops the bit silently). It changes no report and no error (measured).
        public static let wakeUp = Events(rawValue: 1 << 29)
        public static let oneShot = Events(rawValue: 1 << 30)
        public static let edgeTriggered = Events(rawValue: 1 << 31)

        /// The names in a trace, in bit order.
        public static let names: [(name: String, event: Events)] = [
            ("EPOLLIN", .input), ("EPOLLPRI", .priority), ("EPOLLOUT", .output), ("EPOLLERR", .error), ("EPOLLHUP", .hangUp),
            ("EPOLLRDNORM", .readNormal), ("EPOLLRDBAND", .readBand), ("EPOLLWRNORM", .writeNormal), ("EPOLLWRBAND", .writeBand),
            ("EPOLLRDHUP", .readHangUp), ("EPOLLEXCLUSIVE", .exclusive), ("EPOLLWAKEUP", .wakeUp), ("EPOLLONESHOT", .oneShot),
            ("EPOLLET", .edgeTriggered),
        ]

        /// What ADD takes with `EPOLLEXCLUSIVE` (`EPOLLEXCLUSIVE_OK_BITS`; measured: any other bit is `EINVAL`).
        public static let exclusiveAllowed: Events = [.input, .output, .error, .hangUp, .wakeUp, .edgeTriggered, .exclusive]

        /// Reported whether registered or not (`ep_insert` adds them to every registration).
        public static let unconditional: Events = [.error, .hangUp]
        /// The bits that are readiness, not behaviour.
        public static let readinessBits = Events(rawValue: 0xFFFF)

        public var names: [String] { Self.names.filter { contains($0.event) }.map(\.name) }
        public var description: String { isEmpty ? "0" : names.joined(separator: "|") }
    }

    /// An `epoll_ctl` operation: ADD, MOD, DEL, or another value (`EINVAL`).
    public enum Operation: Hashable, Sendable {
        case add, modify, delete
        case other(Int)

        public var name: String {
            switch self {
            case .add: "EPOLL_CTL_ADD"
            case .modify: "EPOLL_CTL_MOD"
            case .delete: "EPOLL_CTL_DEL"
            case .other(let value): "\(value)"
            }
        }
    }

    /// Whether an `EPOLLET` registration has news for the next wait: none, certainly, or perhaps (a wake the model
    /// cannot tell happened or not).
    public enum News: Int, Hashable, Sendable, Comparable {
        case none, perhaps, certain
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// One process's registration of one of its descriptors of the object (`target` names which, for an object with
    /// several kinds: a pipe's end).
    public struct Registration<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, Comparable {
        public var process: Int
        public var target: Target
        /// As given to ADD or MOD (readiness bits and `EPOLLET`/`EPOLLONESHOT`).
        public var events: Events
        /// An `EPOLLONESHOT` registration that has reported: silent until MOD.
        public var disabled = false
        /// For `EPOLLET`: news since the last wait (ADD and MOD are news).
        public var news: News = .certain
        /// For an `EPOLLEXCLUSIVE` one: whether a wake may have missed it. A wake stops at the first exclusive entry
        /// whose waiter it woke (`ep_poll_callback` returns 1 to `__wake_up_common` when the instance had a sleeper; a
        /// blocking pipe `read` or datagram `recv` queues exclusively too), and the entries behind it are not called:
        /// this one's item is then not put on its ready list, and stays off it — after the one ahead has gone too —
        /// until a later wake reaches it (measured, `EpollExclusiveFactsTests`). Exclusive entries join the queue's
        /// tail at ADD and cannot be modified, so it is set at ADD when another process has an exclusive registration of
        /// the object (or is not followed, the model's `unjudged`), or the model says another exclusive sleeper may be
        /// queued (`contended`), and at a wait when the model says so then; it lasts as long as the registration (the
        /// model does not follow which later wakes reached it).
        public var missable = false
        /// For a level-triggered `EPOLLEXCLUSIVE` one: on its instance's ready list — it reported at a wait (or the
        /// model took it as listed and a full buffer left it there), and `ep_send_events` puts a level-triggered item
        /// back on the list after reporting it. The next wait polls it whatever wakes missed it: it reports while
        /// ready (``missable`` or not), and a wait that finds it not ready takes it off the list (measured,
        /// `EpollExclusiveFactsTests`).
        public var listed = false
        /// For a model whose process may hold several descriptions of one target, each its own registration (a FIFO's
        /// end opened twice, ``FIFOModel+Epoll``): set on the registration of the process's `hidden`-th description of
        /// the target (0: its first) while a later description hides it — `epoll_ctl` through the target names the
        /// latest description, so it never finds this one, while a wait still reports it under the target's name. nil:
        /// the latest description's (every other model's registrations).
        public var hidden: Int? = nil

        public init(process: Int, target: Target, events: Events) {
            self.process = process
            self.target = target
            self.events = events
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.process, lhs.target, lhs.hidden ?? -1) < (rhs.process, rhs.target, rhs.hidden ?? -1)
        }

        public var edgeTriggered: Bool { events.contains(.edgeTriggered) }
        public var exclusive: Bool { events.contains(.exclusive) }
        /// What a wake with `key`'s bits tells it (`ep_poll_callback`): a key its events (with `EPOLLERR | EPOLLHUP`)
        /// do not meet is filtered out.
        public func meets(_ key: Events) -> Bool { !events.union(Events.unconditional).isDisjoint(with: key) }
        /// The bits a wait reports of `mask`: those asked, and `EPOLLERR`/`EPOLLHUP` asked or not.
        public func reported(of mask: Events) -> Events { mask.intersection(events.union(Events.unconditional)) }

        /// A wake with `key` on an `EPOLLET` registration: `news` if the key meets its events.
        public mutating func hear(_ key: Events, _ news: News) {
            if edgeTriggered && meets(key) { self.news = max(self.news, news) }
        }
    }

    /// One event `epoll_wait` reports: the registered target and its bits.
    public struct Report<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var target: Target
        public var events: Events

        public init(target: Target, events: Events) {
            self.target = target
            self.events = events
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.target, lhs.events.rawValue) < (rhs.target, rhs.events.rawValue) }
        public var description: String { "\(target) \(events)" }
    }

    /// `epoll_ctl` of `process`'s registration of `target`, once the model has found the target held (else `EBADF`,
    /// before anything) and not the instance itself (`EINVAL`): an unknown op `EINVAL`; then `EPOLLEXCLUSIVE` in the
    /// events of MOD `EINVAL` (before `ENOENT`), and of ADD with a bit outside ``Events/exclusiveAllowed`` `EINVAL`
    /// (before `EEXIST`); ADD of a registered target `EEXIST`; MOD or DEL of one not registered `ENOENT`; MOD of an
    /// exclusive registration `EINVAL` (the kernel modifies only plain ones), all measured. ADD and MOD arm it (a
    /// disabled `EPOLLONESHOT` one too). `unjudged`: processes whose registrations are not followed (any of them may
    /// be exclusive, ahead of an exclusive ADD); `contended`: the model's other exclusive sleepers (see
    /// ``Registration/missable``).
    public static func control<Target>(
        _ registrations: [Registration<Target>], process: Int, target: Target, operation: Operation, events: Events,
        unjudged: [Int] = [], contended: (Registration<Target>) -> Bool = { _ in false }
    ) -> (failure: ErrorCode?, registrations: [Registration<Target>]) {
        let index = registrations.firstIndex { $0.process == process && $0.target == target && $0.hidden == nil }
        var next = registrations
        switch operation {
        case .other: return (.EINVAL, registrations)
        case .add:
            if events.contains(.exclusive) && !events.isSubset(of: Events.exclusiveAllowed) { return (.EINVAL, registrations) }
            guard index == nil else { return (.EEXIST, registrations) }
            var registration = Registration(process: process, target: target, events: events)
            if registration.exclusive {
                registration.missable = registrations.contains { $0.exclusive && $0.process != process } || unjudged.contains { $0 != process }
                    || contended(registration)
            }
            next.append(registration)
            next.sort()
        case .modify:
            if events.contains(.exclusive) { return (.EINVAL, registrations) }
            guard let index else { return (.ENOENT, registrations) }
            if registrations[index].exclusive { return (.EINVAL, registrations) }
            next[index] = Registration(process: process, target: target, events: events)
        case .delete:
            guard let index else { return (.ENOENT, registrations) }
            next.remove(at: index)
        }
        return (nil, next)
    }

    /// Every way `process`'s wait with room for `maxEvents` may end (its reports sorted), with the registrations after
    /// it. `mask` is the object's poll mask for a registration (nil: it reports nothing). Level-triggered, a ready
    /// registration reports at every wait; `EPOLLET`, only with news, which the wait consumes ready or not (``News/perhaps``:
    /// either); `EPOLLONESHOT`, a report disables it. More ready than `maxEvents`: any `maxEvents` of them (the kernel's
    /// ready-list order), the others keeping their news.
    ///
    /// An `EPOLLEXCLUSIVE` registration that may have missed a wake (``Registration/missable``, or `contended` now)
    /// reports a ready mask or not, level-triggered or not: the kernel leaves it off its ready list after a wake that
    /// stopped before it, until a later wake reaches it, and a trace tells neither whether the instance ahead had a
    /// sleeper then nor which wakes reached it — except a level-triggered one that is ``Registration/listed``: it
    /// reported, so the kernel polls it at every wait until one finds it not ready. Alone on the queue it is judged as
    /// a plain one (measured: it reports the same).
    public static func waitOutcomes<Target>(
        _ registrations: [Registration<Target>], process: Int, maxEvents: Int,
        contended: (Registration<Target>) -> Bool = { _ in false }, uncertain: (Registration<Target>) -> Bool = { _ in false },
        mask: (Registration<Target>) -> Events?
    ) -> [(reports: [Report<Target>], registrations: [Registration<Target>])] {
        var certain: [Int] = [], possible: [Int] = []
        var bits: [Int: Events] = [:]
        var consumed = registrations
        for (index, registration) in registrations.enumerated() where registration.process == process {
            guard !registration.disabled, let mask = mask(registration) else {
                consumed[index].listed = false  // polled, not ready: off the ready list
                continue
            }
            let ready = registration.reported(of: mask)
            if registration.edgeTriggered { consumed[index].news = .none }
            guard !ready.isEmpty else {
                consumed[index].listed = false
                continue
            }
            bits[index] = ready
            if registration.exclusive && !registration.missable && contended(registration) { consumed[index].missable = true }
            if uncertain(registration) {  // a mask the model is not sure of (an inner instance's): reported or not
                if !registration.edgeTriggered || registration.news != .none { possible.append(index) }
                continue
            }
            // Missable, but on the ready list since it reported: polled by this wait whatever wakes missed it.
            if registration.exclusive && (registration.missable || contended(registration)) && !registration.listed {
                if !registration.edgeTriggered || registration.news != .none { possible.append(index) }
                continue
            }
            switch (registration.edgeTriggered, registration.news) {
            case (false, _), (true, .certain): certain.append(index)
            case (true, .perhaps): possible.append(index)
            case (true, .none): break
            }
        }
        var results: [(reports: [Report<Target>], registrations: [Registration<Target>])] = []
        for chosen in subsets(of: possible) {
            let ready = certain + chosen
            for reported in ready.count <= maxEvents ? [ready] : subsets(of: ready, size: maxEvents) {
                var next = consumed
                for index in ready where !reported.contains(index) {
                    next[index].news = registrations[index].news  // still on the ready list
                    if registrations[index].exclusive && !registrations[index].edgeTriggered { next[index].listed = true }
                }
                // A wait that filled `maxEvents` may have stopped before a registration it did not report: one not
                // ready then is still listed with its news, or was polled and dropped with it (the kernel's walk
                // stops at the cut, `ep_send_events`; measured in `EpollSeveralObjectsFactsTests`): news perhaps.
                if reported.count == maxEvents {
                    for index in registrations.indices where registrations[index].process == process && registrations[index].edgeTriggered
                        && !registrations[index].disabled && !ready.contains(index) && next[index].news == .none
                    {
                        next[index].news = min(registrations[index].news, .perhaps)
                    }
                }
                var reports: [Report<Target>] = []
                for index in reported {
                    reports.append(Report(target: registrations[index].target, events: bits[index]!))
                    if registrations[index].events.contains(.oneShot) { next[index].disabled = true }
                    // Level-triggered, put back on the ready list after its report (an exclusive one cannot be one-shot).
                    if registrations[index].exclusive && !registrations[index].edgeTriggered { next[index].listed = true }
                }
                results.append((reports.sorted(), next))
            }
        }
        return results
    }

    static func subsets(of indices: [Int]) -> [[Int]] {
        indices.reduce([[]]) { partial, index in partial + partial.map { $0 + [index] } }
    }

    static func subsets(of indices: [Int], size: Int) -> [[Int]] {
        subsets(of: indices).filter { $0.count == size }
    }
}
