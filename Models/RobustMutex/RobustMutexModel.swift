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
///   `EBUSY` or sleep forever. If the caller unlocks, glibc crashes it (`SIGSEGV` walking the robust list, a
///   completion no process can report) and the kernel marks the mutex owner-dead; if it exits otherwise, the
///   word keeps a dead thread's id and the mutex is stuck: locks sleep forever, trylocks fail `EBUSY`.
/// - `timedlock` (`pthread_mutex_timedlock`, or `pthread_mutex_clocklock` with a `clock`) is `lock` that may end
///   `ETIMEDOUT` asleep. glibc checks the deadline only when it must wait: an invalid `tv_nsec` locks a free mutex,
///   gives `EDEADLK`, `EOWNERDEAD` or `ENOTRECOVERABLE` as `lock` would, and fails `EINVAL` only where `lock` would
///   sleep. A clock other than `CLOCK_MONOTONIC` or `CLOCK_REALTIME` fails `EINVAL` first. Like `lock`, it gives the
///   word of a not-recoverable mutex back (`TimedWaitFactsTests`).
/// - No lock call ever fails `EINTR`: glibc waits on the futex again after a handler runs (POSIX: "shall not return
///   an error code of [EINTR]").
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

        var holder: Int? {
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
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case locked
        /// `EOWNERDEAD`: locked, inconsistent.
        case lockedOwnerDied
        case done
        case failed(ErrorCode)
    }

    public let mutexes: [String]

    public init(mutexes: [String]) {
        self.mutexes = mutexes
    }

    public var objects: [String] { mutexes }

    public func initialState(of object: String) -> State { State() }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        func same(_ output: Output) -> [Transition<State, Output>] { [Transition(output, state)] }
        var next = state
        switch input {
        case .lock(let process), .tryLock(let process), .timedLock(let process, _, _):
            let tryOnly: Bool
            if case .tryLock = input { tryOnly = true } else { tryOnly = false }
            // What a timed lock does where lock would sleep: fail EINVAL for a deadline it cannot use, else sleep.
            var waiting: [Transition<State, Output>] {
                if case .timedLock(_, .invalid, _) = input { return same(.failed(.EINVAL)) }
                return []
            }
            if case .timedLock(_, _, .unsupported) = input { return same(.failed(.EINVAL)) }
            switch state.word {
            case .ownerDied:
                next.word = .held(owner: process, listed: true)
                next.field = .inconsistent
                return [Transition(.lockedOwnerDied, next)]
            case .held(process, _), .crashing(process):
                return same(.failed(.EDEADLK))
            case .held, .crashing, .deadHolder:
                return tryOnly ? same(.failed(.EBUSY)) : waiting
            case .free:
                guard state.field == .notRecoverable else {
                    next.word = .held(owner: process, listed: true)
                    next.field = .normal
                    return [Transition(.locked, next)]
                }
                // lock gives the word back; glibc 2.36's trylock keeps it (and never lists it).
                if tryOnly { next.word = .held(owner: process, listed: false) }
                return [Transition(.failed(.ENOTRECOVERABLE), next)]
            }
        case .unlock(let process):
            guard state.holder == process, case .held = state.word else { return same(.failed(.EPERM)) }
            switch state.field {
            case .inconsistent:
                next.field = .notRecoverable
                next.word = .free
                return [Transition(.done, next)]
            case .notRecoverable:
                next.word = .crashing(owner: process)
                return [Transition(nil, next)]
            case .normal:
                next.word = .free
                return [Transition(.done, next)]
            }
        case .consistent:
            // glibc checks only its owner field, not the caller nor the lock word: any process may make the mutex
            // consistent, even after the inconsistent holder died (the word stays owner-died).
            guard state.field == .inconsistent else { return same(.failed(.EINVAL)) }
            next.field = .normal
            return [Transition(.done, next)]
        case .exit(let process):
            switch state.word {
            case .held(process, true), .crashing(process): next.word = .ownerDied
            case .held(process, false): next.word = .deadHolder
            default: break
            }
            return [Transition(.done, next)]
        }
    }

    /// A timed lock asleep may time out; nothing interrupts a lock (`EINTR` never comes back from one).
    public func wakeUps(of input: Input) -> [Output] {
        if case .timedLock = input { return [.failed(.ETIMEDOUT)] }
        return []
    }

    public func describe(_ state: State) -> String {
        let word: String
        switch state.word {
        case .free: word = "unlocked"
        case .held(let owner, let listed): word = "held by process \(owner)\(listed ? "" : " (not on its robust list)")"
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
        case .exit: call = "exit (the robust list is walked)"
        }
        let result = output.described { output in
            switch output {
            case .locked, .done: "ok"
            case .lockedOwnerDied: "EOWNERDEAD (locked)"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md): lock, trylock, unlock, consistent, no value; timedlock
// {"timeout": MS | "invalid", "clock": "monotonic" | "realtime" | "unsupported"?}; ok, or fail with EOWNERDEAD
// (which for lock, trylock and timedlock means *locked*), ENOTRECOVERABLE, EDEADLK, EBUSY, EPERM, EINVAL, ETIMEDOUT.
// params: {"objects": {"x0": {}}}
extension RobustMutexModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        self.init(mutexes: try ModelParameters.objects(parameters, model: Self.name).map(\.name))
    }

    public var parameters: JSONValue {
        ModelParameters.json(mutexes.map { ($0, JSONValue.object(JSONObject())) })
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
        default:
            throw ModelError("the robust-mutex model has no operation '\(call.f)' (it has lock, trylock, timedlock, unlock and consistent)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(ErrorCode("EOWNERDEAD")), .lock), (.fail(ErrorCode("EOWNERDEAD")), .tryLock), (.fail(ErrorCode("EOWNERDEAD")), .timedLock):
            return .lockedOwnerDied
        case (.fail(let code), _): return .failed(code)
        case (.ok, .lock), (.ok, .tryLock), (.ok, .timedLock): return .locked
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
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .locked, .done: .ok(nil)
        case .lockedOwnerDied: .fail(ErrorCode("EOWNERDEAD"))
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }

    /// glibc 2.36 crashes the caller of `pthread_mutex_unlock` on a mutex left not recoverable (`SIGSEGV` walking
    /// its robust list): the model's `crashing` state, not a bug of the caller's.
    public func mayKillItsCaller(_ input: Input, with signal: String) -> Bool {
        if case .unlock = input { return signal == "SIGSEGV" }
        return false
    }
}
