/// The epoll calls as every model takes them, and what each model's `step` makes of them: `epoll_ctl`'s outcome
/// once the model has counted the process's descriptors of the target, and every way a wait may end. A model whose
/// registrations it cannot follow (a process holding several descriptors of one target: which number a call names,
/// or a close closed, is not recorded) stops judging that process's epoll calls (`unjudged`).
extension Epoll {
    /// A call on the process's epoll instance for one object.
    public enum Call<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, CustomStringConvertible {
        /// `epoll_ctl(instance, operation, target, events)`; target nil: the instance's own descriptor.
        case control(operation: Operation, target: Target?, events: Events)
        /// `epoll_wait(instance, buffer, maxEvents, timeout)`, or `epoll_pwait`/`epoll_pwait2` as `form` says; timeout
        /// in milliseconds, negative: forever (for `epoll_pwait2`, what its timespec amounts to: -1 for none).
        case wait(maxEvents: Int, timeout: Int, form: WaitForm)
        /// `epoll_create(size)` or `epoll_create1(flags)`: a new instance, closed at once (not the implicit one).
        case create(Creation)
        /// An `epoll_ctl` or a wait that meets no registration: through a descriptor that is not the process's instance,
        /// or (`epoll_ctl`) of a regular file. Judged by the descriptors alone (``Misdirected/failure(held:)``).
        case misdirected(Misdirected<Target>)

        /// `epoll_wait(maxevents, timeout)` (the plain call).
        public static func wait(maxEvents: Int, timeout: Int) -> Self { .wait(maxEvents: maxEvents, timeout: timeout, form: .plain) }

        public var name: String {
            switch self {
            case .control: "epoll_ctl"
            case .wait(_, _, let form): form.name
            case .create(let creation): creation.name
            case .misdirected(let call): call.name
            }
        }

        public var description: String {
            switch self {
            case .control(let operation, let target, let events):
                "epoll_ctl(\(operation.name), \(target.map { "\($0)" } ?? "the instance itself"), \(events))"
            case .wait(let maxEvents, let timeout, let form): "\(form.name)(maxevents \(maxEvents), timeout \(form.timeoutDescription(timeout)))"
            case .create(let creation): "\(creation)"
            case .misdirected(let call): "\(call)"
            }
        }

        /// A wait's error before it looks at the instance's registrations (nil: none, or not a wait): `epoll_pwait2`'s
        /// invalid timespec `EINVAL` first (before `maxevents`, even before a bad instance: measured), then `maxevents`
        /// ≤ 0 or over ``maxEventsLimit`` `EINVAL`.
        public var waitRefusal: ErrorCode? {
            guard case .wait(let maxEvents, _, let form) = self else { return nil }
            return Epoll.waitRefusal(maxEvents: maxEvents, form: form)
        }
    }

    /// `EP_MAX_EVENTS`, the largest `maxevents` a wait takes: `INT_MAX / sizeof(struct epoll_event)`, the struct being
    /// 12 bytes (packed) on x86-64 (measured, `EpollErrorsFactsTests`: 178956970 waits, 178956971 `EINVAL`). The models
    /// take x86-64's value (an architecture with a 16-byte struct refuses from 134217728).
    public static let maxEventsLimit = Int(Int32.max) / 12

    /// A wait's error before it looks at its descriptor (nil: none): `epoll_pwait2`'s invalid timespec `EINVAL` first,
    /// then `maxevents` ≤ 0 or over ``maxEventsLimit`` `EINVAL` (on the process's instance, which it holds; a number
    /// not held is `EBADF` before `maxevents`, measured: ``Misdirected/failure(held:)``).
    static func waitRefusal(maxEvents: Int, form: WaitForm) -> ErrorCode? {
        if case .pwait2(let timeout?, _) = form, !timeout.isValid { return .EINVAL }
        return (1...Epoll.maxEventsLimit).contains(maxEvents) ? nil : .EINVAL
    }

    /// A descriptor an epoll call passes where an instance or a target goes: the process's instance for the object,
    /// one of the object's own descriptors (`target`: the model's name for it), or a regular file the process holds
    /// open (`"regular-file"` in a trace: a file with no `poll`, which no model otherwise follows).
    public enum Descriptor<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, CustomStringConvertible {
        case instance
        case target(Target)
        case regularFile

        /// Its name in a trace, given the model's name for a target.
        public func name(_ target: (Target) -> String) -> String {
            switch self {
            case .instance: "epoll"
            case .target(let named): target(named)
            case .regularFile: Self.regularFileName
            }
        }

        public static var regularFileName: String { "regular-file" }

        public var description: String {
            switch self {
            case .instance: "the instance"
            case .target(let target): "\(target)"
            case .regularFile: "a regular file"
            }
        }
    }

    /// An epoll call that meets no registration, as measured (`EpollErrorsFactsTests`; `do_epoll_ctl` and
    /// `do_epoll_wait` in `fs/eventpoll.c`): `epoll_ctl` through `epfd` (a descriptor that may not be an instance) of
    /// `target`, at least one of the two not what the call needs — `epfd` not the process's instance, or `target` a
    /// regular file; or a wait through `epfd`, not the instance.
    public enum Misdirected<Target: Hashable & Sendable & Comparable>: Hashable, Sendable, CustomStringConvertible {
        case control(epfd: Descriptor<Target>, operation: Operation, target: Descriptor<Target>, events: Events)
        case wait(epfd: Descriptor<Target>, maxEvents: Int, timeout: Int, form: WaitForm)

        public var name: String {
            switch self {
            case .control: "epoll_ctl"
            case .wait(_, _, _, let form): form.name
            }
        }

        public var description: String {
            switch self {
            case .control(let epfd, let operation, let target, let events): "epoll_ctl(through \(epfd), \(operation.name), \(target), \(events))"
            case .wait(let epfd, let maxEvents, let timeout, let form):
                "\(form.name)(through \(epfd), maxevents \(maxEvents), timeout \(form.timeoutDescription(timeout)))"
            }
        }

        /// How it fails, in the kernel's order, given how many descriptors of each target the process holds (`held`;
        /// it holds its instance and the regular file it names). `epoll_ctl`: `epfd` not held `EBADF`, then `target`
        /// not held `EBADF`, then a regular file as the target `EPERM` (`file_can_poll`) — before everything the
        /// instance would check: a non-instance `epfd`, the instance itself, an unknown op, `EPOLLEXCLUSIVE`'s bits,
        /// `EEXIST`/`ENOENT` (DEL too) — then `EINVAL` (`epfd` not an instance, or the same file as the target). A wait:
        /// `epoll_pwait2`'s invalid timespec `EINVAL` first, then `epfd` not held `EBADF` — before `maxevents`, as
        /// measured — then `EINVAL` (not an instance, or `maxevents` out of range; at once, whatever the timeout, and a
        /// mask is swapped back without delivering). (`EFAULT` of a bad pointer:
        /// not in the trace form; a null event for ADD/MOD would come before all of these.)
        public func failure(held: (Target) -> Int) -> ErrorCode {
            func holds(_ descriptor: Descriptor<Target>) -> Bool {
                if case .target(let target) = descriptor { return held(target) > 0 }
                return true
            }
            switch self {
            case .control(let epfd, _, let target, _):
                guard holds(epfd), holds(target) else { return .EBADF }
                return target == .regularFile ? ErrorCode("EPERM") : .EINVAL
            case .wait(let epfd, _, _, let form):
                if case .pwait2(let timeout?, _) = form, !timeout.isValid { return .EINVAL }
                return holds(epfd) ? .EINVAL : .EBADF
            }
        }
    }

    /// Which call waits: `epoll_wait`, `epoll_pwait` (a signal mask for the call), `epoll_pwait2` (a timespec timeout).
    /// The mask only changes which signals may end the wait `EINTR`, which the models allow whenever it sleeps.
    public enum WaitForm: Hashable, Sendable {
        case plain
        /// `epoll_pwait`; `signals`: the mask's signal numbers, nil for a null mask.
        case pwait(signals: [Int]?)
        /// `epoll_pwait2`; `timeout` nil: a null pointer (forever).
        case pwait2(timeout: Timespec?, signals: [Int]?)

        public var name: String {
            switch self {
            case .plain: "epoll_wait"
            case .pwait: "epoll_pwait"
            case .pwait2: "epoll_pwait2"
            }
        }

        func timeoutDescription(_ milliseconds: Int) -> String {
            guard case .pwait2(let timeout, _) = self else { return "\(milliseconds)" }
            return timeout.map { "{\($0.seconds) s, \($0.nanoseconds) ns}" } ?? "null"
        }
    }

    /// A `struct timespec` as `epoll_pwait2` takes it.
    public struct Timespec: Hashable, Sendable {
        public var seconds: Int
        public var nanoseconds: Int
        public init(seconds: Int, nanoseconds: Int) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }
        /// `timespec64_valid`: seconds not negative, nanoseconds in [0, 10^9).
        public var isValid: Bool { seconds >= 0 && (0..<1_000_000_000).contains(nanoseconds) }
        /// The wait's timeout in milliseconds for the model (0: returns at once; the models keep no time, so any
        /// non-negative value is the same to them); an invalid one never waits (`EINVAL`).
        public var milliseconds: Int { isValid ? min(seconds, Int(Int32.max) / 1000) * 1000 + (nanoseconds + 999_999) / 1_000_000 : 0 }
    }

    /// `epoll_create(size)` or `epoll_create1(flags)` (`bits`: the raw flags).
    public enum Creation: Hashable, Sendable, CustomStringConvertible {
        case size(Int)
        case flags(Int)

        /// `EPOLL_CLOEXEC` (`O_CLOEXEC`), `epoll_create1`'s one flag.
        public static let closeOnExec = 0x80000

        public var name: String {
            switch self {
            case .size: "epoll_create"
            case .flags: "epoll_create1"
            }
        }

        public var description: String {
            switch self {
            case .size(let size): "epoll_create(\(size))"
            case .flags(let bits): "epoll_create1(0x\(String(bits, radix: 16)))"
            }
        }

        /// Every way it may end, measured (`EpollCreateAndPwaitFactsTests`): `epoll_create` of a size ≤ 0 and
        /// `epoll_create1` of any bit but `EPOLL_CLOEXEC` fail `EINVAL` first (a full table too); else a new instance
        /// (`FD_CLOEXEC` set exactly when `EPOLL_CLOEXEC` was given: `epoll_create` never), or `EMFILE` when the
        /// process has no free number. `free`: the process's free numbers when known (0: `EMFILE` only; more: never);
        /// nil: either. (`ENFILE`, `ENOMEM`: not modelled.)
        public enum Outcome: Hashable, Sendable {
            case created(closeOnExec: Bool)
            case failed(ErrorCode)
        }

        public func outcomes(free: Int?) -> [Outcome] {
            let closeOnExec: Bool
            switch self {
            case .size(let size):
                guard size > 0 else { return [.failed(.EINVAL)] }
                closeOnExec = false
            case .flags(let bits):
                guard bits & ~Self.closeOnExec == 0 else { return [.failed(.EINVAL)] }
                closeOnExec = bits != 0
            }
            switch free {
            case nil: return [.created(closeOnExec: closeOnExec), .failed(ErrorCode("EMFILE"))]
            case 0?: return [.failed(ErrorCode("EMFILE"))]
            default: return [.created(closeOnExec: closeOnExec)]
            }
        }
    }

    /// Every way `process`'s epoll `call` may end, for a model that counts the process's descriptors of a target
    /// (`held`) and knows each registration's poll mask (`mask`; nil: it reports nothing): the output (nil: not
    /// judged, any goes) and the registrations and unjudged processes after it.
    ///
    /// `epoll_ctl`: the instance itself `EINVAL`, none held `EBADF` (before the op), several held: not judged from
    /// then on, else ``control(_:process:target:operation:events:unjudged:)``. `contended`: whether another process may
    /// sleep exclusively on a registration's wait queue outside epoll (see ``Registration/missable``). `epoll_wait`: `maxevents` ≤ 0 `EINVAL`; a wait
    /// that reports nothing returns 0 at once with a timeout of 0 or more (the models keep no time) and sleeps with a
    /// negative one; a positive or negative one may end `EINTR` then, never when something is reported, and a zero
    /// one never does (`ep_poll` returns 0 before it looks for a signal: measured, `KernelSignalFactsTests+MaskedEpoll`).
    /// `epoll_pwait` and `epoll_pwait2` as `epoll_wait` (an invalid `epoll_pwait2` timespec `EINVAL` first; a null
    /// one forever). `epoll_create`/`epoll_create1`: ``Creation/outcomes(free:)`` (no table: `EMFILE` may always
    /// happen), judged whatever the process's instance (`created`: the new descriptor's `FD_CLOEXEC`, nil when the
    /// trace does not record it).
    public static func outcomes<Target, Output>(
        of call: Call<Target>, process: Int, registrations: [Registration<Target>], unjudged: [Int],
        held: (Target) -> Int, contended: (Registration<Target>) -> Bool = { _ in false }, mask: (Registration<Target>) -> Events?,
        controlled: Output, reported: ([Report<Target>]) -> Output, failed: (ErrorCode) -> Output,
        created: (Bool?) -> Output
    ) -> [(output: Output?, registrations: [Registration<Target>], unjudged: [Int])] {
        if case .create(let creation) = call {
            return creation.outcomes(free: nil).flatMap { outcome -> [(output: Output?, registrations: [Registration<Target>], unjudged: [Int])] in
                switch outcome {
                case .created(let closeOnExec): [(created(closeOnExec), registrations, unjudged), (created(nil), registrations, unjudged)]
                case .failed(let code): [(failed(code), registrations, unjudged)]
                }
            }
        }
        // Judged by the descriptors alone, whatever the process's registrations (followed or not).
        if case .misdirected(let misdirected) = call { return [(failed(misdirected.failure(held: held)), registrations, unjudged)] }
        if unjudged.contains(process) { return [(nil, registrations, unjudged)] }
        if let refusal = call.waitRefusal { return [(failed(refusal), registrations, unjudged)] }
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
            switch control(registrations, process: process, target: target, operation: operation, events: events, unjudged: unjudged, contended: contended) {
            case (let code?, _): return [(failed(code), registrations, unjudged)]
            case (nil, let next): return [(controlled, next, unjudged)]
            }
        case .create, .misdirected: return []
        case .wait(let maxEvents, let timeout, _):
            var endings: [(output: Output?, registrations: [Registration<Target>], unjudged: [Int])] = []
            for outcome in waitOutcomes(registrations, process: process, maxEvents: maxEvents, contended: contended, mask: mask) {
                if !outcome.reports.isEmpty {
                    endings.append((reported(outcome.reports), outcome.registrations, unjudged))
                    continue
                }
                if timeout >= 0 { endings.append((reported([]), outcome.registrations, unjudged)) }
                // With a zero timeout `ep_poll` returns once it has looked, before it looks for a signal: never
                // `EINTR` (measured with a pending signal its mask unblocked, `KernelSignalFactsTests+MaskedEpoll`).
                if timeout != 0 { endings.append((failed(.EINTR), outcome.registrations, unjudged)) }
            }
            return endings
        }
    }

    /// ``outcomes(of:process:registrations:unjudged:held:contended:mask:controlled:reported:failed:created:)`` for a model that keeps
    /// the registrations and the unjudged processes in its state (at `registrations` and `unjudged`): each output
    /// (nil: not judged) and the state after it.
    public static func outcomes<State, Target, Output>(
        of call: Call<Target>, process: Int, in state: State,
        registrations: WritableKeyPath<State, [Registration<Target>]>, unjudged: WritableKeyPath<State, [Int]>,
        held: (Target) -> Int, contended: (Registration<Target>) -> Bool = { _ in false }, mask: (Registration<Target>) -> Events?,
        controlled: Output, reported: ([Report<Target>]) -> Output, failed: (ErrorCode) -> Output,
        created: (Bool?) -> Output
    ) -> [(output: Output?, next: State)] {
        outcomes(
            of: call, process: process, registrations: state[keyPath: registrations], unjudged: state[keyPath: unjudged], held: held,
            contended: contended, mask: mask, controlled: controlled, reported: reported, failed: failed, created: created
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
