/// The mutex types glibc 2.36 makes (`pthread_mutexattr_settype`), and what each does where they differ
/// (`MutexLifecycleFactsTests`):
/// - error-checking: the holder's relock fails `EDEADLK` (but a stalled one's trylock `EBUSY`); anyone else's unlock
///   `EPERM`;
/// - normal (`PTHREAD_MUTEX_DEFAULT` on glibc): the holder's `lock` sleeps on itself for good, its `timedlock` times
///   out, its `trylock` fails `EBUSY`; a stalled one's `unlock` frees it whoever calls, held or not, each call
///   lowering glibc's user count (below 0 for a free one, so that `destroy` then fails `EBUSY`); a robust one's is
///   `EPERM` for anyone but the holder;
/// - recursive: the holder's lock, trylock and timedlock count up (even with an invalid deadline), its unlocks
///   count down and free it at 0; an inconsistent one's unlock above 1 fails `ENOTRECOVERABLE`, still held.
extension RobustMutexModel {
    public enum MutexType: String, Hashable, Sendable, CaseIterable {
        case errorCheck = "errorcheck"
        case normal
        case recursive

        /// The `"type"` field of a setup or an `init`'s value; error-checking when left out.
        static func field(of value: JSONValue?, in context: String) throws(ModelError) -> MutexType {
            guard let field = value?["type"] else { return .errorCheck }
            guard case .string(let text) = field, let type = MutexType(rawValue: text) else {
                throw ModelError("\(context): 'type' must be \"errorcheck\", \"normal\" or \"recursive\"")
            }
            return type
        }
    }
}

/// The priority protocols (`pthread_mutexattr_setprotocol`) of a robust mutex, as glibc 2.36 does them
/// (`MutexProtocolFactsTests`): with priority inheritance the kernel's PI futex holds the lock word, and every
/// outcome the model knows is the same but one — a not-recoverable mutex's `trylock` gives the word back, as `lock`
/// does. A robust priority-protect mutex glibc does not make: `init` fails `EOPNOTSUPP`, the mutex untouched.
/// A stalled (not robust) PI mutex checks its owner where a stalled one of no protocol does not (its error-checking
/// holder's `trylock` `EDEADLK`, a normal one's `unlock` by anyone else `EPERM`); its holder's death leaves it held
/// by a dead thread as a stalled one's (`trylock` `EBUSY`, `timedlock` `ETIMEDOUT`, an invalid deadline `EINVAL`) —
/// but with a process asleep in `lock` then, the kernel hands that sleeper the futex marked owner-died and glibc's
/// assertion aborts it and every later locker (`SIGABRT`, measured, no completion the model judges: the checker names each
/// such death a hazard). A stalled priority-protect one: see `RobustMutexModel+Ceiling.swift`.
extension RobustMutexModel {
    public enum MutexProtocol: String, Hashable, Sendable, CaseIterable {
        case none
        case inherit
        case protect

        /// The `"protocol"` field of a setup or an `init`'s value (none when left out).
        static func field(of value: JSONValue?, robust: Bool, in context: String) throws(ModelError) -> MutexProtocol {
            guard let field = value?["protocol"] else { return .none }
            guard case .string(let text) = field, let found = MutexProtocol(rawValue: text) else {
                throw ModelError("\(context): 'protocol' must be \"none\", \"inherit\" or \"protect\"")
            }
            return found
        }
    }
}
