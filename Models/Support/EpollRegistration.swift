/// What `epoll` (`fs/eventpoll.c`) does the same whatever object is polled: the event bits, `epoll_ctl`'s operations
/// and error order, a registration with what `EPOLLET` and `EPOLLONESHOT` have left of it, and which registrations a
/// wait reports. A model supplies the rest — what its object's poll mask is, and which of its calls wake the object's
/// queue with which key (news for an `EPOLLET` registration) — and keeps one instance per process per object (made
/// before the trace, holding only that object's descriptors). Measured on pipes (`KernelEpollFactsTests`) and eventfds
/// (`KernelEventCounterEpollFactsTests`).
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
        public static let oneShot = Events(rawValue: 1 << 30)
        public static let edgeTriggered = Events(rawValue: 1 << 31)

        /// The names in a trace, in bit order. (`EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are not modelled: a trace naming
        /// them is refused.)
        public static let names: [(name: String, event: Events)] = [
            ("EPOLLIN", .input), ("EPOLLPRI", .priority), ("EPOLLOUT", .output), ("EPOLLERR", .error), ("EPOLLHUP", .hangUp),
            ("EPOLLRDNORM", .readNormal), ("EPOLLRDBAND", .readBand), ("EPOLLWRNORM", .writeNormal), ("EPOLLWRBAND", .writeBand),
            ("EPOLLRDHUP", .readHangUp), ("EPOLLONESHOT", .oneShot), ("EPOLLET", .edgeTriggered),
        ]

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

        public init(process: Int, target: Target, events: Events) {
            self.process = process
            self.target = target
            self.events = events
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.target) < (rhs.process, rhs.target) }

        public var edgeTriggered: Bool { events.contains(.edgeTriggered) }
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
    /// before anything) and not the instance itself (`EINVAL`): an unknown op `EINVAL`; ADD of a registered target
    /// `EEXIST`; MOD or DEL of one not registered `ENOENT`. ADD and MOD arm it (a disabled `EPOLLONESHOT` one too).
    public static func control<Target>(
        _ registrations: [Registration<Target>], process: Int, target: Target, operation: Operation, events: Events
    ) -> (failure: ErrorCode?, registrations: [Registration<Target>]) {
        let index = registrations.firstIndex { $0.process == process && $0.target == target }
        var next = registrations
        switch operation {
        case .other: return (.EINVAL, registrations)
        case .add:
            guard index == nil else { return (.EEXIST, registrations) }
            next.append(Registration(process: process, target: target, events: events))
            next.sort()
        case .modify:
            guard let index else { return (.ENOENT, registrations) }
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
    public static func waitOutcomes<Target>(
        _ registrations: [Registration<Target>], process: Int, maxEvents: Int, mask: (Registration<Target>) -> Events?
    ) -> [(reports: [Report<Target>], registrations: [Registration<Target>])] {
        var certain: [Int] = [], possible: [Int] = []
        var bits: [Int: Events] = [:]
        var consumed = registrations
        for (index, registration) in registrations.enumerated() where registration.process == process {
            guard !registration.disabled, let mask = mask(registration) else { continue }
            let ready = registration.reported(of: mask)
            if registration.edgeTriggered { consumed[index].news = .none }
            guard !ready.isEmpty else { continue }
            bits[index] = ready
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
                }
                var reports: [Report<Target>] = []
                for index in reported {
                    reports.append(Report(target: registrations[index].target, events: bits[index]!))
                    if registrations[index].events.contains(.oneShot) { next[index].disabled = true }
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
