// Timers whose expiry sends the receiver a signal: `alarm` and the interval timers (`setitimer`, `getitimer`:
// ITIMER_REAL — alarm's own —, ITIMER_VIRTUAL, ITIMER_PROF), and POSIX timers (`timer_create`, `timer_settime`,
// `timer_gettime`, `timer_getoverrun`, `timer_delete`).
//
// Measured on this machine (`TimerSignalFactsTests`, a C probe first; LTP alarm*, setitimer*, getitimer*, timer_*):
// - An interval timer's signal (SIGALRM, SIGVTALRM, SIGPROF) is `SI_KERNEL` (128) with `si_pid` and `si_uid` 0, sent as
//   any signal: a SIGALRM already pending from `kill` absorbs it (one delivery, the `kill`'s details).
// - `alarm` returns the seconds left of ITIMER_REAL rounded to the nearest second, and never 0 while it is armed (0.3 s
//   left reads 1, 2.2 s 2, 2.7 s 3); 0 when it is not (never armed, expired, cancelled). A second `alarm` replaces
//   the first; `alarm(0)` cancels. `setitimer` reports the old value and interval (4.999999 s left of 5, the interval
//   exact); `EINVAL` for a `which` other than 0, 1, 2 and a `tv_usec` outside 0 ..< 10^6 or a negative `tv_sec`, of
//   the value or the interval. ITIMER_VIRTUAL and ITIMER_PROF count CPU time and the kernel adds a tick to the value
//   set: 1 µs set reads 0.004001 s (HZ 250) — so what they report is bounded by what was set plus 10 ms (HZ ≥ 100).
// - A POSIX timer's signal is `SI_TIMER` (-2) with `si_timerid` (where `si_pid` lies), `si_overrun` (where `si_uid`
//   lies) and the `sigev_value` given. Its one preallocated entry is never queued twice: expiries while it is pending
//   only count overruns (a 1 ms periodic timer left 50 ms gave one delivery with `si_overrun` 49, and
//   `timer_getoverrun` then 49; 0 before any delivery, after a one-shot's, and after a re-arm). A standard signal
//   already pending from `kill` does *not* absorb it (two deliveries: the `kill`'s, then the timer's), while a `kill`
//   of a standard signal the timer made pending is absorbed.
// - Disarming (`timer_settime` of 0), re-arming or deleting a timer whose signal is pending leaves the signal shown
//   pending by `sigpending` but no wait takes it (the kernel drops it at dequeue: 6.13's sequence check) — until
//   the timer expires again, which revives it.
// - `timer_create`: `EINVAL` for clock 10, 12 and beyond, and a negative CPU clock of type 3 (-1); `EOPNOTSUPP` for
//   the clocks without timers (4, 5, 6) and the alarm clocks (8, 9) here (no wake-alarm RTC; `EPERM` without
//   `CAP_WAKE_ALARM` elsewhere, or success with both: all three allowed); success for 0, 1, 2, 3, 7, 11 and the own
//   process's or thread's CPU clock (-6, -2); `EINVAL` for a `sigev_notify` other than `SIGEV_SIGNAL` (0),
//   `SIGEV_NONE` (1), `SIGEV_THREAD` (2, glibc's) and `SIGEV_THREAD_ID` (4), and with `SIGEV_SIGNAL` for a signal
//   outside 1…64 (0 too; 9, 19, 32, 33 and 64 are taken); `SIGEV_NONE` ignores the signal number.
// - `timer_settime` `EINVAL` for a `tv_nsec` outside 0 ..< 10^9 or a negative `tv_sec` (the interval's too, even with
//   a zero value); flag bits other than `TIMER_ABSTIME` are ignored; an absolute time already past expires at once.
//   `timer_gettime` of an expired one-shot timer reads 0, of a periodic one at most its interval.
// - `timer_delete`, `timer_gettime`, `timer_settime`, `timer_getoverrun` of a deleted (or never made) timer: `EINVAL`.
//
// No time is modelled: an armed timer may expire before any step of the trace (the checker tries both), never
// once disarmed, and a trace may also record the expiry where it knows it (`timer_expire`: rejected when nothing
// is armed). What a timer reports is judged by bounds only: more than 0 and no more than what was set while armed,
// 0 once a one-shot timer has expired.
extension SignalModel {
    /// Which timer: the process's interval timers (`ITIMER_REAL`, alarm's too; `ITIMER_VIRTUAL`; `ITIMER_PROF`) or a
    /// POSIX timer by the id the trace gives it (the kernel's id as `timer_create` returned it).
    public enum TimerName: Hashable, Sendable {
        case interval(Int)
        case posix(String)

        public static let real = TimerName.interval(0)

        /// The signal an interval timer sends: SIGALRM, SIGVTALRM, SIGPROF.
        var intervalSignal: Int? {
            guard case .interval(let which) = self else { return nil }
            return [14, 26, 27][which]
        }

        public var text: String {
            switch self {
            case .interval(let which): SignalModel.itimerNames[which]
            case .posix(let id): id
            }
        }
    }

    public static let itimerNames = ["ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF"]
    /// The slack a CPU-time timer's report may exceed what was set by: one tick at HZ 100 (the kernel adds a tick).
    public static let cpuTimerSlack = 10_000_000
    static let nanosecondsPerSecond = 1_000_000_000

    /// One timer of the receiver.
    public struct Timer: Hashable, Sendable {
        /// The signal it sends (nil: `SIGEV_NONE` or `SIGEV_THREAD`, nothing the object sees).
        public var signal: Int?
        /// `SIGEV_THREAD_ID` to the receiver's thread: pending in the thread's set.
        public var toThread = false
        /// `sigev_value.sival_int`.
        public var value: Int32 = 0
        /// Counts CPU time: its reports may exceed what was set by a tick.
        public var cpu = false
        public var armed = false
        /// Nanoseconds left at most while armed (nil: not known — an absolute time).
        public var bound: Int? = 0
        /// The period in nanoseconds (0: one-shot).
        public var interval = 0
        /// Whether what it reports is beyond the model (a zero value with a non-zero interval).
        public var unjudged = false
    }

    /// A time as a call gives it: seconds and a fraction (microseconds for `setitimer`, nanoseconds for `timer_*`).
    public struct TimeValue: Hashable, Sendable {
        public var seconds: Int
        public var fraction: Int

        public init(seconds: Int, fraction: Int) {
            self.seconds = seconds
            self.fraction = fraction
        }

        public static let zero = TimeValue(seconds: 0, fraction: 0)

        func valid(perSecond: Int) -> Bool { seconds >= 0 && (0..<perSecond).contains(fraction) }
        func nanoseconds(perSecond: Int) -> Int { seconds * SignalModel.nanosecondsPerSecond + fraction * (SignalModel.nanosecondsPerSecond / perSecond) }
    }

    /// A timer call by the receiver.
    public enum TimerCall: Hashable, Sendable {
        case alarm(seconds: Int)
        /// `setitimer(which, {interval, value}, &old)`.
        case setitimer(which: Int, value: TimeValue, interval: TimeValue)
        case getitimer(which: Int)
        /// `timer_create(clock, {notify, signal, value})`; the id comes back in the ok value.
        case create(clock: Int, notify: Int, signal: Int, value: Int32)
        case settime(timer: String, flags: Int, value: TimeValue, interval: TimeValue)
        case gettime(timer: String)
        case getoverrun(timer: String)
        case delete(timer: String)
        /// The trace saying the timer expired then (the kernel's act, not a call).
        case expire(TimerName)

        public var name: String {
            switch self {
            case .alarm: "alarm"
            case .setitimer: "setitimer"
            case .getitimer: "getitimer"
            case .create: "timer_create"
            case .settime: "timer_settime"
            case .gettime: "timer_gettime"
            case .getoverrun: "timer_getoverrun"
            case .delete: "timer_delete"
            case .expire: "timer_expire"
            }
        }
    }

    /// What a timer call reported.
    public enum TimerReport: Hashable, Sendable {
        /// `alarm`'s seconds left.
        case seconds(Int)
        /// A timer's value and interval in nanoseconds (`getitimer`, `setitimer`'s old, `timer_gettime`, `timer_settime`'s old).
        case setting(value: Int, interval: Int)
        /// `timer_create`'s id.
        case created(String)
        case overrun(Int)
    }

    /// `EOPNOTSUPP`: a clock without timers.
    static let notSupported = ErrorCode("EOPNOTSUPP")
    static let notifySignal = 0, notifyNone = 1, notifyThread = 2, notifyThreadID = 4
    static let timerAbsolute = 1

    // MARK: - Steps

    func timerSteps(_ state: State, call: TimerCall, output: Output?) -> [Step<State>] {
        guard state.alive else { return [] }
        switch call {
        case .alarm(let seconds):
            let old = state.timers[.real] ?? Timer()
            var next = state
            next.arm(.real, Timer(signal: 14, armed: seconds > 0, bound: seconds * Self.nanosecondsPerSecond, interval: 0))
            return Self.judge(output, next, allowing: { report in
                guard case .timerReport(.seconds(let left)) = report else { return false }
                return Self.allowsAlarm(left, old)
            })
        case .setitimer(let which, let value, let interval):
            guard (0...2).contains(which), value.valid(perSecond: 1_000_000), interval.valid(perSecond: 1_000_000) else {
                return Self.judge(output, state, allowing: { $0 == .failed(.EINVAL) })
            }
            let name = TimerName.interval(which)
            let old = state.timers[name] ?? Timer()
            let valueNs = value.nanoseconds(perSecond: 1_000_000), intervalNs = interval.nanoseconds(perSecond: 1_000_000)
            var next = state
            next.arm(name, Timer(signal: name.intervalSignal, cpu: which != 0, armed: valueNs > 0, bound: valueNs, interval: intervalNs,
                unjudged: valueNs == 0 && intervalNs > 0))
            return Self.judge(output, next, allowing: { $0 == .returned || Self.allowsReport($0, old) })
        case .getitimer(let which):
            guard (0...2).contains(which) else { return Self.judge(output, state, allowing: { $0 == .failed(.EINVAL) }) }
            let timer = state.timers[.interval(which)] ?? Timer()
            return Self.judge(output, state, allowing: { Self.allowsReport($0, timer) })
        case .create(let clock, let notify, let signal, let value):
            return createSteps(state, clock: clock, notify: notify, signal: signal, value: value, output: output)
        case .settime(let id, let flags, let value, let interval):
            guard let old = state.timers[.posix(id)] else { return unknownTimerSteps(state, output) }
            guard value.valid(perSecond: Self.nanosecondsPerSecond), interval.valid(perSecond: Self.nanosecondsPerSecond) else {
                return Self.judge(output, state, allowing: { $0 == .failed(.EINVAL) })
            }
            let valueNs = value.nanoseconds(perSecond: Self.nanosecondsPerSecond)
            let intervalNs = interval.nanoseconds(perSecond: Self.nanosecondsPerSecond)
            var timer = old
            timer.armed = valueNs > 0
            timer.bound = flags & Self.timerAbsolute != 0 ? nil : valueNs
            timer.interval = intervalNs
            timer.unjudged = valueNs == 0 && intervalNs > 0
            var next = state
            next.arm(.posix(id), timer)
            return Self.judge(output, next, allowing: { $0 == .returned || Self.allowsReport($0, old) })
        case .gettime(let id):
            guard let timer = state.timers[.posix(id)] else { return unknownTimerSteps(state, output) }
            return Self.judge(output, state, allowing: { Self.allowsReport($0, timer) })
        case .getoverrun(let id):
            guard let timer = state.timers[.posix(id)] else { return unknownTimerSteps(state, output) }
            return Self.judge(output, state, allowing: { report in
                guard case .timerReport(.overrun(let count)) = report else { return false }
                // Only a periodic timer's delivery carries overruns (how many is timing: any); a one-shot timer's 0.
                return count == 0 || (count > 0 && timer.interval > 0)
            })
        case .delete(let id):
            guard state.timers[.posix(id)] != nil else { return unknownTimerSteps(state, output) }
            var next = state
            next.arm(.posix(id), nil)
            return Self.judge(output, next, allowing: { $0 == .returned })
        case .expire(let name):
            guard state.timers[name]?.armed == true else { return [] }
            return Self.judge(output, expired(state, name), allowing: { $0 == .returned })
        }
    }

    /// One outcome `next`, if `output` is nil (indeterminate) or one `allowing` accepts.
    static func judge(_ output: Output?, _ next: State, allowing: (Output) -> Bool) -> [Step<State>] {
        output.map(allowing) ?? true ? [.completed(next)] : []
    }

    /// A call naming a timer the model does not know: `EINVAL` (deleted or never made), or anything once a
    /// `timer_create` had no outcome (its id is not in the trace).
    func unknownTimerSteps(_ state: State, _ output: Output?) -> [Step<State>] {
        state.timersUnknown || output == nil || output == .failed(.EINVAL) ? [.completed(state)] : []
    }

    func createSteps(_ state: State, clock: Int, notify: Int, signal: Int, value: Int32, output: Output?) -> [Step<State>] {
        // The kernel's order (`do_timer_create`): the clock's kind, then the sigevent, then the clock's own checks.
        var refusals: [ErrorCode] = []
        var mayMake = true
        switch clock {
        case 0, 1, 2, 3, 7, 11, 8, 9: break
        case 4, 5, 6: refusals = [Self.notSupported]; mayMake = false
        case ..<0 where clock & 7 == 3: refusals = [Self.notSupported]; mayMake = false  // a descriptor's clock: no timers
        case ..<0: break
        default: refusals = [.EINVAL]; mayMake = false
        }
        let notifyValid = [Self.notifySignal, Self.notifyNone, Self.notifyThread, Self.notifyThreadID].contains(notify)
        let signalValid = notify == Self.notifyNone || (1...Self.last).contains(signal)
        if mayMake && !(notifyValid && signalValid) { refusals = [.EINVAL]; mayMake = false }
        if mayMake {
            switch clock {
            // The alarm clocks: no RTC able to wake here (EOPNOTSUPP); EPERM without CAP_WAKE_ALARM; else made.
            case 8, 9: refusals = [Self.notSupported, .EPERM]
            // A CPU clock of kind 3 does not exist; the caller's own process's or thread's is made; another
            // process's may be gone or not the caller's to watch (any of them).
            case ..<0 where clock & 3 == 3: refusals = [.EINVAL]; mayMake = false
            case ..<0 where ~(clock >> 3) != 0: refusals = [.EINVAL, .ESRCH, .EPERM]
            default: break
            }
        }
        switch output {
        case .failed(let code)?:
            return refusals.contains(code) ? [.completed(state)] : []
        case .timerReport(.created(let id))?:
            // A live timer's id is not given again.
            guard mayMake, state.timers[.posix(id)] == nil else { return [] }
            var next = state
            next.arm(.posix(id), Timer(
                signal: notify == Self.notifySignal || notify == Self.notifyThreadID ? signal : nil,
                toThread: notify == Self.notifyThreadID, value: value, cpu: clock < 0 || clock == 2 || clock == 3))
            return [.completed(next)]
        case nil:
            var next = state
            next.timersUnknown = true
            return [.completed(next)]
        default:
            return []
        }
    }

    /// Whether `alarm` may return `left` seconds with ITIMER_REAL as `old`: the kernel rounds the time left to the
    /// nearest second and never says 0 while armed.
    static func allowsAlarm(_ left: Int, _ old: Timer) -> Bool {
        if old.unjudged { return left >= 0 }
        guard old.armed else { return left == 0 }
        guard let bound = old.bound else { return left >= 1 }
        let microseconds = bound / 1000
        let most = max(1, microseconds / 1_000_000 + (microseconds % 1_000_000 >= 500_000 ? 1 : 0))
        return (1...most).contains(left)
    }

    /// Whether `report` is a value and interval `timer` may show: 0 and its interval when disarmed; armed, more than 0
    /// and at most what was set (a CPU-time timer: a tick more), its interval exact (a CPU-time timer's: a tick more).
    static func allowsReport(_ report: Output, _ timer: Timer) -> Bool {
        guard case .timerReport(.setting(let value, let interval)) = report else { return false }
        if timer.unjudged { return value >= 0 && interval >= 0 }
        let slack = timer.cpu ? Self.cpuTimerSlack : 0
        guard (timer.interval...(timer.interval + slack)).contains(interval) || (!timer.armed && interval == 0 && timer.interval == 0)
        else { return false }
        guard timer.armed else { return value == 0 }
        guard let bound = timer.bound else { return value > 0 }
        return value > 0 && value <= bound + slack
    }

    // MARK: - Expiry

    /// `state` after the timer `name` (armed) expired: its signal sent — an interval timer's as any signal (`SI_KERNEL`,
    /// no sender), a POSIX timer's entry queued unless it is already (then only an overrun is counted, and an entry a
    /// re-arm made stale is live again) — and the timer disarmed, or a periodic one armed for its interval.
    func expired(_ state: State, _ name: TimerName) -> State {
        guard var timer = state.timers[name], timer.armed else { return state }
        var next = state
        if timer.interval > 0 { timer.bound = timer.interval } else { timer.armed = false }
        next.timers[name] = timer
        guard let signal = timer.signal else { return next }
        switch name {
        case .interval:
            return sendOutcome(next, signal: signal, details: Details(code: .kernel, sender: nil, value: 0), toThread: false).next
        case .posix(let id):
            let details = Details(code: .timer, sender: nil, value: timer.value, timer: id, overrun: timer.interval > 0 ? nil : 0)
            return sendOutcome(next, signal: signal, details: details, toThread: timer.toThread).next
        }
    }

    /// Every state an armed timer's expiries may have led to before the next step (each armed timer expiring once or
    /// not, in any order): `state` itself first.
    func expiries(_ state: State) -> [State] {
        guard state.alive, state.timers.values.contains(where: \.armed) else { return [state] }
        var seen: [State] = [state]
        var frontier: [(State, Set<TimerName>)] = [(state, [])]
        while let (current, fired) = frontier.popLast() {
            for (name, timer) in current.timers where timer.armed && !fired.contains(name) {
                let next = expired(current, name)
                if !seen.contains(next) {
                    seen.append(next)
                    frontier.append((next, fired.union([name])))
                }
            }
        }
        return seen
    }

    /// The kernel's queueing of a POSIX timer's signal (`posixtimer_send_sigqueue`): its one preallocated entry; if it
    /// is queued already, the expiry counts an overrun and revives it if a re-arm made it stale; else it is queued,
    /// whether or not the (standard) signal is pending already.
    static func queueTimerSignal(_ set: inout [Pending], signal: Int, details: Details) {
        for index in set.indices where set[index].signal == signal {
            if let entry = set[index].queue.firstIndex(where: { $0.code == .timer && $0.timer == details.timer }) {
                set[index].queue[entry].stale = false
                return
            }
        }
        let index = set.firstIndex { $0.signal == signal }
        let position = index ?? set.firstIndex { $0.signal > signal } ?? set.count
        if index == nil { set.insert(Pending(signal: signal, queue: []), at: position) }
        set[position].queue.append(details)
    }
}

extension SignalModel {
    /// Where a wait that may have slept (`sigwaitinfo`, `sigwait`, a timed wait not of 0) may begin besides `state`:
    /// asleep, it had found nothing live of its set, and that first dequeue dropped every stale timer entry of the set
    /// (measured, a C probe on 6.18: a stale `SIGRTMIN+1` gone from `sigpending` after a `sigwaitinfo` that slept and
    /// then took a later `SIGALRM`). The model takes the wait at one point, so it allows both: the entries a later
    /// dequeue would meet first, or gone.
    func sleepingWaitStarts(_ state: State, _ input: Input) -> [State] {
        let signals: [Int]
        switch input {
        case .wait(_, let set, let timeout) where timeout != .milliseconds(0) && timeout != .invalid: signals = set
        case .sigwait(_, let set): signals = set
        default: return []
        }
        let stale = (state.pending + state.threadPending).contains { signals.contains($0.signal) && $0.queue.contains(where: \.stale) }
        guard stale, state.alive else { return [] }
        var swept = state
        func sweep(_ set: inout [Pending]) {
            set = set.compactMap { entry in
                guard signals.contains(entry.signal), entry.queue.contains(where: \.stale) else { return entry }
                var kept = entry
                kept.queue.removeAll(where: \.stale)
                // Only stale entries were queued: the bit went with them.
                return kept.queue.isEmpty ? nil : kept
            }
        }
        sweep(&swept.threadPending)
        sweep(&swept.pending)
        return [swept]
    }

    /// `state` with every stale timer entry of `signals` dropped, as a dequeue that finds nothing live drops them.
    static func droppingStale(_ state: State, _ signals: [Int]) -> State {
        var next = state
        func drop(_ set: inout [Pending]) {
            for index in set.indices where signals.contains(set[index].signal) { set[index].queue.removeAll(where: \.stale) }
            // Called when nothing of `signals` is live: no entry without details (a dequeue would take it) is among them.
            set.removeAll { signals.contains($0.signal) && $0.queue.isEmpty }
        }
        drop(&next.threadPending)
        drop(&next.pending)
        return next
    }
}

extension SignalModel.State {

    /// Sets the timer `name` (nil: deletes it). A POSIX timer's queued signal becomes stale: still pending, but no
    /// dequeue delivers it (it is dropped there) until the timer expires again.
    mutating func arm(_ name: SignalModel.TimerName, _ timer: SignalModel.Timer?) {
        timers[name] = timer
        guard case .posix(let id) = name else { return }
        for index in pending.indices { markStale(&pending[index], id) }
        for index in threadPending.indices { markStale(&threadPending[index], id) }
    }

    private func markStale(_ pending: inout SignalModel.Pending, _ id: String) {
        for entry in pending.queue.indices where pending.queue[entry].code == .timer && pending.queue[entry].timer == id {
            pending.queue[entry].stale = true
        }
    }
}

extension SignalModel {
    /// One outcome of a timer call as one atomic step, no timer expiring (for runs the model itself drives); nil when
    /// it has none (an expiry of nothing armed).
    func timerOutcome(_ state: State, call: TimerCall) -> (output: Output, next: State)? {
        func report(_ timer: Timer) -> Output {
            .timerReport(.setting(value: timer.armed ? (timer.bound ?? 1) : 0, interval: timer.interval))
        }
        let output: Output
        switch call {
        case .alarm:
            let old = state.timers[.real] ?? Timer()
            let left = old.armed ? Swift.max(1, ((old.bound ?? 1) / 1000 + 500_000) / 1_000_000) : 0
            output = .timerReport(.seconds(left))
        case .setitimer(let which, _, _), .getitimer(let which):
            output = (0...2).contains(which) ? report(state.timers[.interval(which)] ?? Timer()) : .failed(.EINVAL)
        case .create:
            let id = (0...).first { state.timers[.posix(String($0))] == nil }!
            output = .timerReport(.created(String(id)))
        case .settime(let id, _, _, _), .gettime(let id):
            output = state.timers[.posix(id)].map(report) ?? .failed(.EINVAL)
        case .getoverrun(let id):
            output = state.timers[.posix(id)] == nil ? .failed(.EINVAL) : .timerReport(.overrun(0))
        case .delete(let id):
            output = state.timers[.posix(id)] == nil ? .failed(.EINVAL) : .returned
        case .expire:
            output = .returned
        }
        let steps = timerSteps(state, call: call, output: output)
        guard let step = steps.first else { return nil }
        return (output, step.state)
    }

    static func describe(_ call: TimerCall) -> String {
        func time(_ value: TimeValue, _ unit: String) -> String { "\(value.seconds) s \(value.fraction) \(unit)" }
        switch call {
        case .alarm(let seconds): return "alarm(\(seconds))"
        case .setitimer(let which, let value, let interval):
            return "setitimer \(itimerNames.indices.contains(which) ? itimerNames[which] : String(which)) value \(time(value, "µs")) interval \(time(interval, "µs"))"
        case .getitimer(let which): return "getitimer \(itimerNames.indices.contains(which) ? itimerNames[which] : String(which))"
        case .create(let clock, let notify, let signal, let value):
            return "timer_create clock \(clock) notify \(notify) signal \(name(of: signal)) value \(value)"
        case .settime(let id, let flags, let value, let interval):
            return "timer_settime \(id) flags \(flags) value \(time(value, "ns")) interval \(time(interval, "ns"))"
        case .gettime(let id): return "timer_gettime \(id)"
        case .getoverrun(let id): return "timer_getoverrun \(id)"
        case .delete(let id): return "timer_delete \(id)"
        case .expire(let name): return "\(name.text) expired"
        }
    }

    static func describe(_ report: TimerReport) -> String {
        switch report {
        case .seconds(let seconds): "\(seconds) s left"
        case .setting(let value, let interval): "value \(value) ns, interval \(interval) ns"
        case .created(let id): "timer \(id)"
        case .overrun(let count): "overrun \(count)"
        }
    }
}
