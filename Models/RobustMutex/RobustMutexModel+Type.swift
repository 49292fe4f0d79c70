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
