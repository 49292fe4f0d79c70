/// The epoll calls as every model takes them, and what each model's `step` makes of them: `epoll_ctl`'s outcome
/// once the model has counted the process's descriptors of the target, and every way a wait may end. A model whose
/// registrations it cannot follow (a process holding several descriptors of one target: which number a call names,
/// or a close closed, is not recorded) stops judging that process's epoll calls (`unjudged`).
extension Epoll {
    /// A call on the process's epoll instance for one object.
    public enum Call<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, CustomStringConvertible {
        /// `epoll_ctl(instance, operation, target, events)`; target nil: the instance's own descriptor.
        case control(operation: Operation, target: Target?, events: Events)
        /// `epoll_wait(instance, buffer, maxEvents, timeout)`; timeout in milliseconds, negative: forever.
        case wait(maxEvents: Int, timeout: Int)

        public var name: String {
            switch self {
            case .control: "epoll_ctl"
            case .wait: "epoll_wait"
            }
        }

        public var description: String {
            switch self {
            case .control(let operation, let target, let events):
                "epoll_ctl(\(operation.name), \(target.map { "\($0)" } ?? "the instance itself"), \(events))"
            case .wait(let maxEvents, let timeout): "epoll_wait(maxevents \(maxEvents), timeout \(timeout))"
            }
        }
    }

    /// Every way `process`'s epoll `call` may end, for a model that counts the process's descriptors of a target
    /// (`held`) and knows each registration's poll mask (`mask`; nil: it reports nothing): the output (nil: not
    /// judged, any goes) and the registrations and unjudged processes after it.
    ///
    /// `epoll_ctl`: the instance itself `EINVAL`, none held `EBADF` (before the op), several held: not judged from
    /// then on, else ``control(_:process:target:operation:events:)``. `epoll_wait`: `maxevents` ≤ 0 `EINVAL`; a wait
    /// that reports nothing returns 0 at once with a timeout of 0 or more (the models keep no time) and sleeps with a
    /// negative one; either may end `EINTR` then (with a zero timeout the kernel returns 0 first, not measured, so
    /// both are allowed), never when something is reported.
    public static func outcomes<Target, Output>(
        of call: Call<Target>, process: Int, registrations: [Registration<Target>], unjudged: [Int],
        held: (Target) -> Int, mask: (Registration<Target>) -> Events?,
        controlled: Output, reported: ([Report<Target>]) -> Output, failed: (ErrorCode) -> Output
    ) -> [(output: Output?, registrations: [Registration<Target>], unjudged: [Int])] {
        if unjudged.contains(process) { return [(nil, registrations, unjudged)] }
        switch call {
        case .control(let operation, let target, let events):
            guard let target else { return [(failed(.EINVAL), registrations, unjudged)] }
            let count = held(target)
            guard count > 0 else { return [(failed(.EBADF), registrations, unjudged)] }
            if count > 1 {
                var (next, nextUnjudged) = (registrations, unjudged)
                unjudge(process, registrations: &next, unjudged: &nextUnjudged)
                return [(nil, next, nextUnjudged)]
            }
            switch control(registrations, process: process, target: target, operation: operation, events: events) {
            case (let code?, _): return [(failed(code), registrations, unjudged)]
            case (nil, let next): return [(controlled, next, unjudged)]
            }
        case .wait(let maxEvents, let timeout):
            guard maxEvents > 0 else { return [(failed(.EINVAL), registrations, unjudged)] }
            var endings: [(output: Output?, registrations: [Registration<Target>], unjudged: [Int])] = []
            for outcome in waitOutcomes(registrations, process: process, maxEvents: maxEvents, mask: mask) {
                if !outcome.reports.isEmpty {
                    endings.append((reported(outcome.reports), outcome.registrations, unjudged))
                    continue
                }
                if timeout >= 0 { endings.append((reported([]), outcome.registrations, unjudged)) }
                endings.append((failed(.EINTR), outcome.registrations, unjudged))
            }
            return endings
        }
    }

    /// ``outcomes(of:process:registrations:unjudged:held:mask:controlled:reported:failed:)`` for a model that keeps
    /// the registrations and the unjudged processes in its state (at `registrations` and `unjudged`): each output
    /// (nil: not judged) and the state after it.
    public static func outcomes<State, Target, Output>(
        of call: Call<Target>, process: Int, in state: State,
        registrations: WritableKeyPath<State, [Registration<Target>]>, unjudged: WritableKeyPath<State, [Int]>,
        held: (Target) -> Int, mask: (Registration<Target>) -> Events?,
        controlled: Output, reported: ([Report<Target>]) -> Output, failed: (ErrorCode) -> Output
    ) -> [(output: Output?, next: State)] {
        outcomes(
            of: call, process: process, registrations: state[keyPath: registrations], unjudged: state[keyPath: unjudged], held: held,
            mask: mask, controlled: controlled, reported: reported, failed: failed
        ).map { outcome in
            var next = state
            next[keyPath: registrations] = outcome.registrations
            next[keyPath: unjudged] = outcome.unjudged
            return (outcome.output, next)
        }
    }

    /// Stops judging `process`'s epoll calls: its registrations are dropped, it joins `unjudged` (sorted).
    public static func unjudge<Target>(_ process: Int, registrations: inout [Registration<Target>], unjudged: inout [Int]) {
        registrations.removeAll { $0.process == process }
        if !unjudged.contains(process) {
            unjudged.append(process)
            unjudged.sort()
        }
    }
}
