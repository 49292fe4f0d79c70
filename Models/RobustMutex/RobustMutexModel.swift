/// A process-shared, robust, error-checking pthread mutex in shared memory (glibc 2.36 on this kernel).
///
/// What it allows, and why (each fact is a test on the real kernel and glibc):
/// - Locked by one process at a time: `lock` sleeps while another holds it, `trylock` fails `EBUSY`; the owner
///   relocking gets `EDEADLK` (from both), anyone else unlocking `EPERM`, as does unlocking a free mutex.
/// - When the owner dies or exits holding it (a thread's exit too), the next `lock` or `trylock` returns
///   `EOWNERDEAD` *holding the lock*, inconsistent. `consistent` makes it an ordinary lock again, the holder
///   keeping it. Unlocking without it makes the mutex not recoverable for good: `lock` fails
///   `ENOTRECOVERABLE`. If the inconsistent holder dies too, the next locker gets `EOWNERDEAD` again.
/// - glibc's `pthread_mutex_consistent` checks only its own "inconsistent" mark, not the caller nor the lock:
///   *any* process may call it, even after the inconsistent holder died (the next locker still gets
///   `EOWNERDEAD`); `EINVAL` when the mark is not set, as after an owner's death before anyone locked.
/// - glibc 2.36's `pthread_mutex_trylock` on a not-recoverable mutex returns `ENOTRECOVERABLE` but leaves the
///   caller's thread id in the lock word: from then on the caller holds it (`EDEADLK` on relock), others get
///   `EBUSY` or sleep forever. If the caller unlocks a recursive one, `EPERM` (glibc checks its owner field, which
///   says "not recoverable"); any other, glibc crashes it (`SIGSEGV` walking the robust list, a
///   completion no process can report) and the kernel marks the mutex owner-dead; if it exits otherwise, the
///   word keeps a dead thread's id and the mutex is stuck: locks sleep forever, trylocks fail `EBUSY`.
/// - `timedlock` (`pthread_mutex_timedlock`, or `pthread_mutex_clocklock` with a `clock`) is `lock` that may end
///   `ETIMEDOUT` asleep. glibc checks the deadline only when it must wait: an invalid `tv_nsec` locks a free mutex,
///   gives `EDEADLK`, `EOWNERDEAD` or `ENOTRECOVERABLE` as `lock` would, and fails `EINVAL` only where `lock` would
///   sleep. A clock other than `CLOCK_MONOTONIC` or `CLOCK_REALTIME` fails `EINVAL` first. Like `lock`, it gives the
///   word of a not-recoverable mutex back (`TimedWaitFactsTests`).
/// - No lock call ever fails `EINTR`: glibc waits on the futex again after a handler runs (POSIX: "shall not return
///   an error code of [EINTR]").
/// - `destroy` (`pthread_mutex_destroy`) sets glibc's kind to -1: destroying again succeeds, and every call but
///   `init` then fails `EINVAL` — but `consistent`, which looks only at the kind's robust bit (-1 has it) and the
///   owner field, still clears an inconsistent mark once. glibc fails `EBUSY` only for a locked mutex that is not
///   robust; a locked robust one it destroys (0). What follows that is undefined in POSIX and not deterministic (a
///   process asleep in `lock` from before may still take it after the holder's death), so the model stops judging
///   the mutex (``State/undefined``). `init` (`pthread_mutex_init`, optionally not robust) makes a free, destroyed
///   or not-recoverable mutex new; re-initialising one that is held is undefined too (`MutexLifecycleFactsTests`).
/// - A mutex made with `PTHREAD_MUTEX_STALLED` (setup `"robust": false`, or `init` with it) is error-checking
///   without robustness: its owner's death or exit leaves it locked for good (the next `lock` sleeps forever,
///   `trylock` fails `EBUSY`, `timedlock` `ETIMEDOUT`, `unlock` `EPERM`, `destroy` `EBUSY`), `consistent` fails
///   `EINVAL`, and glibc's `trylock` by the holder is `EBUSY` (not `EDEADLK`: it looks only at the lock word).
/// - Setup or `init` may make it normal or recursive instead of error-checking (``MutexType``), priority-inheriting
///   (``MutexProtocol``: a robust one's not-recoverable `trylock` then gives the word back; a stalled one checks its
///   owner), or, stalled, priority-protect with a ceiling (`getprioceiling`, `setprioceiling`; each lock first raises
///   the caller's priority, which a `SCHED_OTHER` thread's glibc fails `EINVAL` once per higher ceiling:
///   `RobustMutexModel+Ceiling.swift`).
public struct RobustMutexModel: TransitionModel, TraceModel {
    public static let name = "robust-mutex"

    /// The mutex as glibc keeps it: a lock word the kernel knows (owner thread id, owner-died bit) and glibc's
    /// own owner field (inconsistent, not recoverable). The two are separate, and glibc's calls read one or the
    /// other, which is where the surprises come from.
    public struct State: Hashable, Sendable {
        public enum Word: Hashable, Sendable {
            case free
            /// Held by `owner`; `listed`: on its thread's robust list, so its death marks the word owner-died.
            case held(owner: Int, listed: Bool)
            /// Held by `owner`, which is crashing inside `pthread_mutex_unlock` with the mutex as its pending
            /// robust-list operation: its death marks the word owner-died.
            case crashing(owner: Int)
            /// The owner died; the next locker gets `EOWNERDEAD`.
            case ownerDied
            /// A dead thread's id without the owner-died mark: held forever.
            case deadHolder
        }

        public enum Field: Hashable, Sendable {
            case normal, inconsistent, notRecoverable
        }

        public var word: Word = .free
        public var field: Field = .normal
        /// `PTHREAD_MUTEX_ROBUST`; false for `PTHREAD_MUTEX_STALLED`.
        public var robust = true
        public var type: MutexType = .errorCheck
        /// `PTHREAD_PRIO_INHERIT`, `PTHREAD_PRIO_PROTECT` (stalled only: a robust one is never priority-protect) or none.
        public var `protocol`: MutexProtocol = .none
        /// A priority-protect mutex's ceiling (glibc keeps it in the lock word's high bits); 0 for the others.
        public var ceiling = 0
        /// The setup's `"scheduling": "other"`: its lockers are `SCHED_OTHER` threads that take no other
        /// priority-protect mutex, so each one's priority bookkeeping is known from this mutex's calls (``raised``).
        public var schedulingKnown = false
        /// What glibc's priority-protection bookkeeping of each process's thread (`tpp->priomax`) is known to be at
        /// least: the highest ceiling it tried to raise its priority to (a failed raise is recorded too). Absent: 0.
        public var raised: [Int: Int] = [:]
        /// Processes whose bookkeeping is no longer known (a normal priority-protect mutex unlocked by one that did
        /// not hold it counts its ceiling down; a recursive holder's `setprioceiling` above what it raised).
        public var priorityUnknown: Set<Int> = []
        /// A priority-protect mutex's ceiling has been changed since its `init`: a `setprioceiling` asleep on the
        /// word across such a change may wake and write its ceiling without taking the lock (glibc 2.36's
        /// `continue` inside `do … while (0)`), freeing a mutex someone holds.
        public var ceilingMoved = false
        /// A recursive mutex's lock count (0 for the other types).
        public var count = 0
        /// glibc's `__nusers` of a stalled mutex: acquisitions minus unlocks (a normal mutex's unlock does not look
        /// at its owner, so it can go below 0); destroy fails `EBUSY` while it is not 0. Not kept for robust ones.
        public var users = 0
        /// The process whose thread id `consistent` wrote into glibc's owner field while the word was owner-died
        /// (its inconsistent holder dead): a recursive robust mutex's unlock checks that field alone, so this
        /// process's unlocks count the dead holder's locks down, and the last one unlocks — the word freed without a
        /// protocol, left owner-died with priority inheritance (the kernel refuses the PI futex unlock of a word that
        /// is not the caller's, and glibc ignores that). Measured, `MutexLifecycleFactsTests`. Gone when the word is
        /// taken (the next locker's `EOWNERDEAD` marks the field inconsistent again).
        public var consistentBy: Int?
        /// `pthread_mutex_destroy` set glibc's kind to -1.
        public var destroyed = false
        /// Destroyed or re-initialised while held: POSIX leaves what follows undefined and glibc's outcome depends
        /// on who was asleep in it, so every output is allowed from then on (``transitions(_:_:)`` still gives
        /// what a call made afterwards gets, for agreement tests and simulation).
        public var undefined = false

        public init(robust: Bool = true, type: MutexType = .errorCheck, protocol: MutexProtocol = .none, ceiling: Int = 1) {
            self.robust = robust
            self.type = type
            self.protocol = `protocol`
            self.ceiling = `protocol` == .protect ? ceiling : 0
        }

        package var holder: Int? {
            switch word {
            case .held(let owner, _), .crashing(let owner): owner
            default: nil
            }
        }
    }

    public enum Input: Hashable, Sendable {
        case lock(process: Int)
        case tryLock(process: Int)
        /// `pthread_mutex_timedlock`; `pthread_mutex_clocklock` with a `clock`.
        case timedLock(process: Int, timeout: Timeout, clock: WaitClock? = nil)
        case unlock(process: Int)
        case consistent(process: Int)
        /// `pthread_mutex_destroy`.
        case destroy(process: Int)
        /// `pthread_mutex_init` (process-shared), robust or stalled, of a type, with a priority protocol (and a
        /// priority-protect one's ceiling, `pthread_mutexattr_setprioceiling`: 1 to 99, glibc's 1 by default).
        case initialize(process: Int, robust: Bool, type: MutexType = .errorCheck, protocol: MutexProtocol = .none, ceiling: Int = 1)
        /// `pthread_mutex_getprioceiling`.
        case getCeiling(process: Int)
        /// `pthread_mutex_setprioceiling`: the old ceiling back.
        case setCeiling(process: Int, ceiling: Int)
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case locked
        /// `EOWNERDEAD`: locked, inconsistent.
        case lockedOwnerDied
        case done
        /// `getprioceiling`'s ceiling.
        case ceiling(Int)
        /// `setprioceiling`'s old ceiling.
        case oldCeiling(Int)
        case failed(ErrorCode)
    }

    public let mutexes: [String]
    /// The mutexes the driver makes `PTHREAD_MUTEX_STALLED` (setup `"robust": false`).
    public let stalled: Set<String>
    /// The mutexes the driver makes of another type than error-checking (setup `"type"`).
    public let types: [String: MutexType]
    /// The mutexes the driver makes priority-inheriting or (stalled ones only) priority-protect (setup `"protocol"`).
    public let protocols: [String: MutexProtocol]
    /// Priority-protect mutexes' ceilings (setup `"ceiling"`, 1 when left out).
    public let ceilings: [String: Int]
    /// The mutexes whose lockers are `SCHED_OTHER` threads taking no other priority-protect mutex (setup
    /// `"scheduling": "other"`): their priority-protect locks are judged exactly, the others' allow every way glibc's
    /// raise of the priority may fail.
    public let schedulingKnown: Set<String>

    public init(
        mutexes: [String], stalled: Set<String> = [], types: [String: MutexType] = [:], protocols: [String: MutexProtocol] = [:],
        ceilings: [String: Int] = [:], schedulingKnown: Set<String> = []
    ) {
        self.mutexes = mutexes
        self.stalled = stalled
        self.types = types
        self.protocols = protocols
        self.ceilings = ceilings
        self.schedulingKnown = schedulingKnown
    }

    public var objects: [String] { mutexes }

    public func initialState(of object: String) -> State {
        var state = State(robust: !stalled.contains(object), type: types[object] ?? .errorCheck, protocol: protocols[object] ?? .none, ceiling: ceilings[object] ?? 1)
        state.schedulingKnown = schedulingKnown.contains(object)
        return state
    }

    /// As every transition model steps, but a mutex whose state POSIX leaves undefined allows every outcome.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if !state.undefined, let next = ceilingCallOnADestroyedMutex(state, input) { return [.completed(next)] }
        guard state.undefined else { return step(state, input, output, matching: ==) }
        let next = transitions(state, input).first?.state ?? state
        return [.completed(next)]
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        func same(_ output: Output) -> [Transition<State, Output>] { [Transition(output, state)] }
        var next = state
        if state.destroyed {
            switch input {
            case .destroy: return same(.done)
            case .initialize, .exit: break
            case .getCeiling, .setCeiling: return ceilingCall(state, input)
            case .consistent:
                // glibc looks at the kind's robust bit (set in -1) and its owner field, nothing else.
                guard state.field == .inconsistent else { return same(.failed(.EINVAL)) }
                next.field = .normal
                return [Transition(.done, next)]
            default: return same(.failed(.EINVAL))
            }
        }
        switch input {
        case .destroy:
            // glibc checks the user count only for a mutex that is not robust.
            if !state.robust && state.users != 0 { return same(.failed(.EBUSY)) }
            next.destroyed = true
            if state.holder != nil || state.word == .deadHolder { next.undefined = true }
            return [Transition(.done, next)]
        case .initialize(_, true, _, .protect, _):
            // glibc 2.36 refuses a robust priority-protect mutex before it touches the mutex.
            return same(.failed(ErrorCode("EOPNOTSUPP")))
        case .initialize(_, let robust, let type, let `protocol`, let ceiling):
            var fresh = State(robust: robust, type: type, protocol: `protocol`, ceiling: ceiling)
            fresh.undefined = state.undefined || state.holder != nil || state.word == .deadHolder
            // The threads' priority bookkeeping is theirs, not the mutex's: it outlives the mutex.
            (fresh.schedulingKnown, fresh.raised, fresh.priorityUnknown) = (state.schedulingKnown, state.raised, state.priorityUnknown)
            return [Transition(.done, fresh)]
        case .getCeiling, .setCeiling:
            return ceilingCall(state, input)
        case .consistent where !state.robust:
            return same(.failed(.EINVAL))
        case .lock(let process), .tryLock(let process), .timedLock(let process, _, _):
            return locking(state, input, by: process)
        case .unlock(let process) where state.protocol == .protect:
            return protectUnlocking(state, by: process)
        case .unlock(let process):
            if !state.robust && state.type == .normal && state.protocol == .none {
                // glibc's normal mutex does not look at the owner: whoever calls frees the word, free or not.
                next.word = .free
                next.users -= 1
                return [Transition(.done, next)]
            }
            if state.type == .recursive, state.word == .ownerDied, state.consistentBy == process {
                next.count = max(0, state.count - 1)
                guard next.count == 0 else { return [Transition(.done, next)] }
                next.consistentBy = nil
                if state.protocol != .inherit { next.word = .free }
                return [Transition(.done, next)]
            }
            guard state.holder == process, case .held = state.word else { return same(.failed(.EPERM)) }
            if state.type == .recursive && state.count > 1 {
                // Still held; an inconsistent one says so (glibc 2.36), keeping its mark.
                next.count -= 1
                return [Transition(state.field == .inconsistent ? .failed(.ENOTRECOVERABLE) : .done, next)]
            }
            switch state.field {
            case .inconsistent:
                next.field = .notRecoverable
                next.word = .free
                next.count = 0
                return [Transition(.done, next)]
            case .notRecoverable:
                // The word a not-recoverable trylock kept. A recursive mutex's unlock looks at glibc's owner field
                // first, which says "not recoverable", not the caller: EPERM, nothing changes (measured,
                // `MutexLifecycleFactsTests`). The others look for the mutex on the caller's robust list and crash.
                if state.type == .recursive { return same(.failed(.EPERM)) }
                next.word = .crashing(owner: process)
                return [Transition(nil, next)]
            case .normal:
                next.word = .free
                next.count = 0
                if !state.robust { next.users -= 1 }
                return [Transition(.done, next)]
            }
        case .consistent(let process):
            // glibc checks only its owner field, not the caller nor the lock word: any process may make the mutex
            // consistent, even after the inconsistent holder died (the word stays owner-died).
            guard state.field == .inconsistent else { return same(.failed(.EINVAL)) }
            next.field = .normal
            // It writes the caller's thread id into that field, which a recursive robust mutex's unlock checks
            // (measured: the holder's unlock then fails EPERM); what the caller's own unlock would do is not
            // measured (glibc would look for the mutex on the caller's robust list): not judged from then on.
            if state.robust, state.type == .recursive, let holder = state.holder, holder != process { next.undefined = true }
            if state.robust, state.type == .recursive, state.word == .ownerDied { next.consistentBy = process }
            return [Transition(.done, next)]
        case .exit(let process):
            switch state.word {
            case .held(process, true), .crashing(process): next.word = .ownerDied
            case .held(process, false): next.word = .deadHolder
            default: break
            }
            next.raised[process] = nil
            next.priorityUnknown.remove(process)
            return [Transition(.done, next)]
        }
    }

    /// `lock`, `trylock` or `timedlock` by `process`.
    private func locking(_ state: State, _ input: Input, by process: Int) -> [Transition<State, Output>] {
        if case .timedLock(_, _, .unsupported) = input { return [Transition(.failed(.EINVAL), state)] }
        // A priority-protect lock raises the caller's priority to the ceiling before it looks at the word (but after
        // an error-checking or recursive holder's own check).
        if state.protocol == .protect && !(state.holder == process && state.type != .normal) {
            return protectLocking(state, input, by: process)
        }
        return lockingWord(state, input, by: process)
    }

    /// `locking` once any priority raise is done.
    func lockingWord(_ state: State, _ input: Input, by process: Int) -> [Transition<State, Output>] {
        func same(_ output: Output) -> [Transition<State, Output>] { [Transition(output, state)] }
        var next = state
        let tryOnly: Bool
        if case .tryLock = input { tryOnly = true } else { tryOnly = false }
        // What a timed lock does where lock would sleep: fail EINVAL for a deadline it cannot use, else sleep.
        var waiting: [Transition<State, Output>] {
            if case .timedLock(_, .invalid, _) = input { return same(.failed(.EINVAL)) }
            return []
        }
        let first = state.type == .recursive ? 1 : 0
        switch state.word {
        case .ownerDied:
            // A PI mutex's owner-died word is not 0, so glibc hands the timed lock to the kernel, which checks the
            // deadline first (measured): an invalid one fails EINVAL, the mutex untouched. Without a protocol glibc
            // takes the word itself and never looks at the deadline.
            if state.protocol == .inherit, case .timedLock(_, .invalid, _) = input { return same(.failed(.EINVAL)) }
            next.word = .held(owner: process, listed: true)
            next.consistentBy = nil
            next.field = .inconsistent
            next.count = first
            return [Transition(.lockedOwnerDied, next)]
        case .held(process, _), .crashing(process):
            switch state.type {
            case .errorCheck:
                // glibc's trylock of a stalled error-checking mutex of no protocol looks only at the lock word (a PI
                // or priority-protect one's looks at its owner: measured).
                return same(.failed(tryOnly && !state.robust && state.protocol == .none ? .EBUSY : .EDEADLK))
            case .normal:
                // Nothing looks for the owner: trylock finds it busy, lock sleeps on itself.
                return tryOnly ? same(.failed(.EBUSY)) : waiting
            case .recursive:
                // After a not-recoverable trylock kept the word (not on the robust list): not measured.
                if case .held(_, false) = state.word, state.robust { next.undefined = true }
                next.count += 1
                return [Transition(.locked, next)]
            }
        case .held, .crashing, .deadHolder:
            return tryOnly ? same(.failed(.EBUSY)) : waiting
        case .free:
            guard state.field == .notRecoverable else {
                // A stalled mutex is on no robust list: its owner's death leaves a dead holder.
                next.word = .held(owner: process, listed: state.robust)
                next.field = .normal
                next.count = first
                if !state.robust { next.users += 1 }
                return [Transition(.locked, next)]
            }
            // lock gives the word back; glibc 2.36's trylock keeps it (and never lists it) — but a PI one's unlocks
            // the kernel's futex (measured, `MutexProtocolFactsTests`).
            if tryOnly && state.protocol != .inherit { next.word = .held(owner: process, listed: false) }
            return [Transition(.failed(.ENOTRECOVERABLE), next)]
        }
    }

    /// A timed lock asleep may time out; nothing interrupts a lock (`EINTR` never comes back from one).
    public func wakeUps(of input: Input) -> [Output] {
        if case .timedLock = input { return [.failed(.ETIMEDOUT)] }
        return []
    }

    public func describe(_ state: State) -> String {
        var notes = state.robust ? "" : " (stalled: not robust)"
        if state.type != .errorCheck { notes += " (\(state.type.rawValue)\(state.count > 1 ? ", count \(state.count)" : ""))" }
        if state.protocol != .none { notes += " (PTHREAD_PRIO_\(state.protocol.rawValue.uppercased())\(state.protocol == .protect ? ", ceiling \(state.ceiling)" : ""))" }
        if !state.raised.isEmpty { notes += " (priorities raised to: \(state.raised.sorted { $0.key < $1.key }.map { "process \($0.key) \($0.value)" }.joined(separator: ", ")))" }
        if !state.priorityUnknown.isEmpty { notes += " (priority bookkeeping unknown for \(state.priorityUnknown.sorted().map(String.init).joined(separator: ", ")))" }
        if state.users != 0 && state.users != (state.holder == nil && state.word != .deadHolder ? 0 : 1) { notes += " (glibc's user count \(state.users))" }
        if let process = state.consistentBy { notes += "; glibc's owner field names process \(process) (its consistent): its unlocks count down" }
        if state.destroyed { notes += "; destroyed (every call but init fails EINVAL)" }
        if state.undefined { notes += "; destroyed or re-initialised while held: undefined, no longer judged" }
        return describeLock(state) + notes
    }

    private func describeLock(_ state: State) -> String {
        let word: String
        switch state.word {
        case .free: word = "unlocked"
        case .held(let owner, let listed): word = "held by process \(owner)\(listed || !state.robust ? "" : " (not on its robust list)")"
        case .crashing(let owner): word = "held by process \(owner), crashing in unlock"
        case .ownerDied: word = "owner died: the next locker gets EOWNERDEAD"
        case .deadHolder: word = "stuck: the lock word holds a dead thread's id"
        }
        switch state.field {
        case .normal: return word
        case .inconsistent: return word + "; inconsistent"
        case .notRecoverable: return word + "; not recoverable"
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .lock: call = "pthread_mutex_lock"
        case .tryLock: call = "pthread_mutex_trylock"
        case .timedLock(_, let timeout, let clock):
            call = clock.map { "pthread_mutex_clocklock (\($0.rawValue) clock, \(timeout.text))" } ?? "pthread_mutex_timedlock (\(timeout.text))"
        case .unlock: call = "pthread_mutex_unlock"
        case .consistent: call = "pthread_mutex_consistent"
        case .destroy: call = "pthread_mutex_destroy"
        case .initialize(_, let robust, let type, let `protocol`, let ceiling):
            call = "pthread_mutex_init (\(robust ? "robust" : "stalled"), \(type.rawValue)\(`protocol` == .none ? "" : ", PTHREAD_PRIO_\(`protocol`.rawValue.uppercased())")\(`protocol` == .protect ? ", ceiling \(ceiling)" : ""))"
        case .getCeiling: call = "pthread_mutex_getprioceiling"
        case .setCeiling(_, let ceiling): call = "pthread_mutex_setprioceiling (\(ceiling))"
        case .exit: call = "exit (the robust list is walked)"
        }
        let result = output.described { output in
            switch output {
            case .locked, .done: "ok"
            case .lockedOwnerDied: "EOWNERDEAD (locked)"
            case .ceiling(let ceiling): "ok, ceiling \(ceiling)"
            case .oldCeiling(let ceiling): "ok, the old ceiling \(ceiling)"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md): lock, trylock, unlock, consistent, destroy, no value; init
// {"robust": false}? (robust when left out), {"type": ...}?, {"protocol": "none" | "inherit" | "protect"}? (robust only); timedlock {"timeout": MS | "invalid", "clock": "monotonic" | "realtime" |
// "unsupported"?}; ok, or fail with EOWNERDEAD (which for lock, trylock and timedlock means *locked*),
// ENOTRECOVERABLE, EDEADLK, EBUSY, EPERM, EINVAL, ETIMEDOUT.
// params: {"objects": {"x0": {}, "x1": {"robust": false}}}
extension RobustMutexModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let objects = try ModelParameters.objects(parameters, model: Self.name)
        var stalled: Set<String> = []
        var types: [String: MutexType] = [:]
        var protocols: [String: MutexProtocol] = [:]
        var ceilings: [String: Int] = [:]
        var schedulingKnown: Set<String> = []
        for (name, setup) in objects {
            let type = try MutexType.field(of: setup, in: "mutex '\(name)'")
            if type != .errorCheck { types[name] = type }
            var robust = true
            if let field = setup?["robust"] {
                guard case .bool(let value) = field else { throw ModelError("mutex '\(name)': 'robust' must be true or false") }
                robust = value
            }
            if !robust { stalled.insert(name) }
            let found = try MutexProtocol.field(of: setup, robust: robust, in: "mutex '\(name)'")
            if found == .protect && robust {
                throw ModelError("mutex '\(name)': glibc makes no robust priority-protect mutex (its init fails EOPNOTSUPP)")
            }
            if found != .none { protocols[name] = found }
            if let ceiling = try Self.ceiling(of: setup, protocol: found, in: "mutex '\(name)'") { ceilings[name] = ceiling }
            if let field = try setup.optional("scheduling") {
                guard field == .string("other") || field == .string("unknown") else {
                    throw ModelError("mutex '\(name)': 'scheduling' must be \"other\" (SCHED_OTHER lockers that take no other priority-protect mutex) or \"unknown\"")
                }
                if field == .string("other") { schedulingKnown.insert(name) }
            }
        }
        self.init(
            mutexes: objects.map(\.name), stalled: stalled, types: types, protocols: protocols, ceilings: ceilings,
            schedulingKnown: schedulingKnown)
    }

    public var parameters: JSONValue {
        ModelParameters.json(mutexes.map { name in
            var setup = JSONObject()
            if stalled.contains(name) { setup["robust"] = false }
            if let type = types[name] { setup["type"] = .string(type.rawValue) }
            if let found = protocols[name] { setup["protocol"] = .string(found.rawValue) }
            if let ceiling = ceilings[name], protocols[name] == .protect { setup["ceiling"] = .integer(Int64(ceiling)) }
            if schedulingKnown.contains(name) { setup["scheduling"] = "other" }
            return (name, .object(setup))
        })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "lock": return .lock(process: call.process)
        case "trylock": return .tryLock(process: call.process)
        case "timedlock":
            guard let timeout = try Timeout.field(of: call.value) else { throw ModelError("'timedlock' needs a 'timeout'") }
            return .timedLock(process: call.process, timeout: timeout, clock: try WaitClock.field(of: call.value))
        case "unlock": return .unlock(process: call.process)
        case "consistent": return .consistent(process: call.process)
        case "destroy": return .destroy(process: call.process)
        case "init":
            var robust = true
            if let value = call.value?["robust"] {
                guard case .bool(let flag) = value else { throw ModelError("'init': 'robust' must be true or false") }
                robust = flag
            }
            let found = try MutexProtocol.field(of: call.value, robust: robust, in: "'init'")
            return .initialize(
                process: call.process, robust: robust, type: try MutexType.field(of: call.value, in: "'init'"),
                protocol: found, ceiling: try Self.ceiling(of: call.value, protocol: found, in: "'init'") ?? 1)
        case "getprioceiling": return .getCeiling(process: call.process)
        case "setprioceiling":
            return .setCeiling(process: call.process, ceiling: try call.value.required("ceiling").integer("ceiling", in: Int(Int32.min)...Int(Int32.max)))
        default:
            throw ModelError("the robust-mutex model has no operation '\(call.f)' (it has lock, trylock, timedlock, unlock, consistent, destroy, init, getprioceiling and setprioceiling)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(ErrorCode("EOWNERDEAD")), .lock), (.fail(ErrorCode("EOWNERDEAD")), .tryLock), (.fail(ErrorCode("EOWNERDEAD")), .timedLock):
            return .lockedOwnerDied
        case (.fail(let code), _): return .failed(code)
        case (.ok, .lock), (.ok, .tryLock), (.ok, .timedLock): return .locked
        case (.ok(let value), .getCeiling): return .ceiling(try value.required("ceiling").integer("ceiling", in: 0...Int(Int32.max)))
        case (.ok(let value), .setCeiling): return .oldCeiling(try value.required("old").integer("old", in: 0...Int(Int32.max)))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .lock: ("lock", nil)
        case .tryLock: ("trylock", nil)
        case .timedLock(_, let timeout, let clock):
            ("timedlock", clock.map { ["timeout": timeout.json, "clock": $0.json] } ?? ["timeout": timeout.json])
        case .unlock: ("unlock", nil)
        case .consistent: ("consistent", nil)
        case .destroy: ("destroy", nil)
        case .initialize(_, let robust, let type, let `protocol`, let ceiling):
            ("init", Self.initValue(robust: robust, type: type, protocol: `protocol`, ceiling: ceiling))
        case .getCeiling: ("getprioceiling", nil)
        case .setCeiling(_, let ceiling): ("setprioceiling", ["ceiling": .integer(Int64(ceiling))])
        case .exit: ("exit", nil)
        }
    }

    /// `init`'s value: what differs from a robust error-checking mutex, nil when nothing does.
    static func initValue(robust: Bool, type: MutexType, protocol: MutexProtocol = .none, ceiling: Int = 1) -> JSONValue? {
        var value = JSONObject()
        if !robust { value["robust"] = false }
        if type != .errorCheck { value["type"] = .string(type.rawValue) }
        if `protocol` != .none { value["protocol"] = .string(`protocol`.rawValue) }
        if `protocol` == .protect && ceiling != 1 { value["ceiling"] = .integer(Int64(ceiling)) }
        return value.count == 0 ? nil : .object(value)
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .locked, .done: .ok(nil)
        case .lockedOwnerDied: .fail(ErrorCode("EOWNERDEAD"))
        case .ceiling(let ceiling): .ok(["ceiling": .integer(Int64(ceiling))])
        case .oldCeiling(let ceiling): .ok(["old": .integer(Int64(ceiling))])
        case .failed(let code): .fail(code)
        }
    }

    /// A priority-protect mutex's `"ceiling"` (setup or `init`): 1 to 99 (what `pthread_mutexattr_setprioceiling`
    /// takes; the attribute keeps its old ceiling otherwise, so no other value reaches `init`), nil when left out.
    static func ceiling(of value: JSONValue?, protocol: MutexProtocol, in context: String) throws(ModelError) -> Int? {
        guard let field = try value.optional("ceiling") else { return nil }
        guard `protocol` == .protect else { throw ModelError("\(context): a 'ceiling' needs \"protocol\": \"protect\"") }
        return try field.integer("ceiling", in: 1...99)
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }

    /// glibc 2.36 crashes the caller of `pthread_mutex_unlock` on a mutex left not recoverable (`SIGSEGV` walking
    /// its robust list): the model's `crashing` state, not a bug of the caller's. And its assertions abort a locker
    /// (`SIGABRT` in `lock`, `trylock` or `timedlock`) of a mutex destroyed or re-initialised while held — measured:
    /// a process asleep in `lock` on a held stalled recursive mutex that another re-initialised died so
    /// (`mutex->__data.__owner == 0` failed) — where POSIX leaves the outcome undefined and the model stops judging
    /// the mutex. The death is reported as a hazard (the checker's `HazardDetector`), not hidden.
    public func mayKillItsCaller(_ input: Input, with signal: String) -> Bool {
        switch input {
        case .unlock: signal == "SIGSEGV"
        case .lock, .tryLock, .timedLock: signal == "SIGABRT"
        default: false
        }
    }
}
