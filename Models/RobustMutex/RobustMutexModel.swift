/// A process-shared, robust, error-checking pthread mutex in shared memory (glibc 2.36 on this kernel).
///
/// What it allows, and why (each fact is a test on the real kernel and glibc):
/// - Locked by one process at a time: `lock` sleeps while another holds it, `trylock` fails `EBUSY`; the owner
///   relocking gets `EDEADLK` (from both), anyone else unlocking `EPERM`, as does unlocking a free mutex.
/// - When the owner dies or exits holding it (a thread's exit too), the next `lock` or `trylock` returns
///   `EOWNERDEAD` *holding the lock*, inconsistent. `consistent` makes it an ordinary lock again, the holder
///   keeping it — from *any* process: glibc checks the state, not the caller (`EINVAL` in any other state,
///   including owner-died before anyone has locked it). Unlocking without it makes the mutex not recoverable
///   for good: `lock` fails `ENOTRECOVERABLE`. If the inconsistent holder dies too, the next locker gets
///   `EOWNERDEAD` again.
/// - glibc 2.36's `pthread_mutex_trylock` on a not-recoverable mutex returns `ENOTRECOVERABLE` but leaves the
///   caller's thread id in the lock word: from then on the caller holds it (`EDEADLK` on relock), others get
///   `EBUSY` or sleep forever. If the caller unlocks, glibc crashes it (`SIGSEGV` walking the robust list, a
///   completion no process can report) and the kernel marks the mutex owner-dead; if it exits otherwise, the
///   word keeps a dead thread's id and the mutex is stuck: locks sleep forever, trylocks fail `EBUSY`.
public struct RobustMutexModel: TransitionModel, TraceModel {
    public static let name = "robust-mutex"

    public enum State: Hashable, Sendable {
        case unlocked
        case locked(owner: Int)
        /// The owner died holding it; no one holds it now.
        case ownerDied
        /// Held after `EOWNERDEAD`, not yet made consistent.
        case inconsistent(owner: Int)
        case notRecoverable
        /// Not recoverable, with `holder`'s thread id left in the lock word by a trylock. `crashing`: the holder
        /// called unlock, which crashes it inside the robust-list update.
        case heldNotRecoverable(holder: Int, crashing: Bool)
        /// The lock word holds a dead thread's id and no owner-died mark: no one can ever take it.
        case stuck

        var holder: Int? {
            switch self {
            case .locked(let owner), .inconsistent(let owner): owner
            case .heldNotRecoverable(let holder, _): holder
            default: nil
            }
        }
    }

    public enum Input: Hashable, Sendable {
        case lock(process: Int)
        case tryLock(process: Int)
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

    public func initialState(of object: String) -> State { .unlocked }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        func same(_ output: Output) -> [Transition<State, Output>] { [Transition(output, state)] }
        switch input {
        case .lock(let process), .tryLock(let process):
            let tryOnly: Bool
            if case .tryLock = input { tryOnly = true } else { tryOnly = false }
            if state.holder == process { return same(.failed(.EDEADLK)) }
            switch state {
            case .unlocked: return [Transition(.locked, .locked(owner: process))]
            case .ownerDied: return [Transition(.lockedOwnerDied, .inconsistent(owner: process))]
            case .notRecoverable:
                return tryOnly
                    ? [Transition(.failed(.ENOTRECOVERABLE), .heldNotRecoverable(holder: process, crashing: false))]
                    : same(.failed(.ENOTRECOVERABLE))
            case .locked, .inconsistent, .heldNotRecoverable, .stuck:
                return tryOnly ? same(.failed(.EBUSY)) : []
            }
        case .unlock(let process):
            guard state.holder == process else { return same(.failed(.EPERM)) }
            switch state {
            case .inconsistent: return [Transition(.done, .notRecoverable)]
            case .heldNotRecoverable: return [Transition(nil, .heldNotRecoverable(holder: process, crashing: true))]
            default: return [Transition(.done, .unlocked)]
            }
        case .consistent:
            // glibc checks only that the mutex is inconsistent, not who calls: any process may make it consistent
            // (the holder keeps the lock).
            guard case .inconsistent(let owner) = state else { return same(.failed(.EINVAL)) }
            return [Transition(.done, .locked(owner: owner))]
        case .exit(let process):
            guard state.holder == process else { return same(.done) }
            if case .heldNotRecoverable(_, false) = state { return [Transition(.done, .stuck)] }
            return [Transition(.done, .ownerDied)]
        }
    }

    public func describe(_ state: State) -> String {
        switch state {
        case .unlocked: "unlocked"
        case .locked(let owner): "locked by process \(owner)"
        case .ownerDied: "owner died: the next locker gets EOWNERDEAD"
        case .inconsistent(let owner): "held by process \(owner) after EOWNERDEAD, not yet consistent"
        case .notRecoverable: "not recoverable"
        case .heldNotRecoverable(let holder, let crashing):
            "not recoverable, yet held by process \(holder) (glibc trylock)\(crashing ? ", which is crashing in unlock" : "")"
        case .stuck: "stuck: the lock word holds a dead thread's id"
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .lock: call = "pthread_mutex_lock"
        case .tryLock: call = "pthread_mutex_trylock"
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

// Trace form (documented in traces/README.md): lock, trylock, unlock, consistent, no value; ok, or fail with
// EOWNERDEAD (which for lock and trylock means *locked*), ENOTRECOVERABLE, EDEADLK, EBUSY, EPERM, EINVAL.
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
        case "unlock": return .unlock(process: call.process)
        case "consistent": return .consistent(process: call.process)
        default:
            throw ModelError("the robust-mutex model has no operation '\(call.f)' (it has lock, trylock, unlock and consistent)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(ErrorCode("EOWNERDEAD")), .lock), (.fail(ErrorCode("EOWNERDEAD")), .tryLock): return .lockedOwnerDied
        case (.fail(let code), _): return .failed(code)
        case (.ok, .lock), (.ok, .tryLock): return .locked
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .lock: ("lock", nil)
        case .tryLock: ("trylock", nil)
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
}
