/// A stalled `PTHREAD_PRIO_PROTECT` mutex and its ceiling calls, as glibc 2.36 does them on this kernel
/// (`MutexStalledProtocolFactsTests`):
/// - `init` takes the attribute's ceiling (1 to 99, `sched_get_priority_min/max(SCHED_FIFO)`; glibc's default 0 is
///   made 1). `pthread_mutex_getprioceiling` gives it; `pthread_mutex_setprioceiling` returns the old one and sets the
///   new, `EINVAL` outside 1 to 99 (0 and 100 measured) — and, on a mutex of another protocol, both fail `EINVAL`.
///   `setprioceiling` takes the lock word to change it (without the protocol) and leaves it free: on a mutex another
///   holds (or a dead thread) it sleeps until the unlock; by the holder, an error-checking one's fails `EDEADLK`, a
///   normal one's sleeps on itself, a recursive one's changes the ceiling it holds.
/// - Every `lock`, `trylock` and `timedlock` first raises the caller's priority to the ceiling (after an
///   error-checking holder's `EDEADLK` and a recursive holder's count): glibc records the ceiling in its thread's
///   bookkeeping (`tpp->priomax`) and, when that is above what the thread had raised before, calls
///   `sched_setscheduler` with the thread's own policy and the ceiling as its priority — which for a `SCHED_OTHER`
///   thread (priority 0 only) fails `EINVAL`, as root as well as not. glibc returns that `EINVAL` without undoing the
///   record, so the thread's next lock of that ceiling or below goes on without a call and takes the mutex. Measured:
///   the first `lock` of a fresh thread fails `EINVAL`, the second locks; after `setprioceiling` to a higher ceiling,
///   again one `EINVAL` first.
/// - The model knows a process's bookkeeping when the setup says its lockers are `SCHED_OTHER` threads that take no
///   other priority-protect mutex (`"scheduling": "other"`: the harness's workers); otherwise each lock may fail
///   `EINVAL` (`SCHED_OTHER`, or a real-time thread above the ceiling), `EPERM` (a real-time thread without
///   `RLIMIT_RTPRIO` for it) or `EAGAIN` (glibc's count of the ceiling wrapped), or go on. A normal mutex's unlock by
///   one that does not hold it counts that caller's record down (measured: `EAGAIN` from its lock later, `EINVAL`
///   from an unlock): from then on that process's bookkeeping is unknown.
/// - Its holder's death leaves it held for good (stalled); `getprioceiling` still reads the ceiling.
/// - glibc 2.36's `setprioceiling` asleep while the ceiling moves returns without the lock and frees the word under
///   the holder (measured): once the ceiling has moved (``State/ceilingMoved``), a `setprioceiling` on a held mutex
///   may return the ceiling at once, and the mutex is no longer judged.
extension RobustMutexModel {
    /// glibc's raise of the caller's priority to `state`'s ceiling: the errors it may fail with, whether it may go on
    /// to the lock word, and the state after (the bookkeeping records the ceiling even when the raise fails).
    func priorityRaise(_ state: State, by process: Int) -> (failures: [ErrorCode], proceeds: Bool, next: State) {
        guard state.schedulingKnown else { return ([.EINVAL, .EPERM, .EAGAIN], true, state) }
        if state.priorityUnknown.contains(process) { return ([.EINVAL, .EAGAIN], true, state) }
        let known = state.raised[process] ?? 0
        var next = state
        next.raised[process] = max(known, state.ceiling)
        return known >= state.ceiling ? ([], true, next) : ([.EINVAL], false, next)
    }

    /// A priority-protect `lock`, `trylock` or `timedlock`: the raise, then the word.
    func protectLocking(_ state: State, _ input: Input, by process: Int) -> [Transition<State, Output>] {
        let raise = priorityRaise(state, by: process)
        var result = raise.failures.map { Transition<State, Output>(.failed($0), raise.next) }
        guard raise.proceeds else { return result }
        let word = lockingWord(raise.next, input, by: process)
        // Asleep after a raise that may also have failed: a timed one may still time out.
        if word.isEmpty && !result.isEmpty, case .timedLock = input { result.append(Transition(.failed(.ETIMEDOUT), raise.next)) }
        return result + word
    }

    /// A priority-protect `unlock`: an error-checking or recursive one checks its owner, a normal one frees the word
    /// whoever calls; then glibc lowers the caller's priority record, which a process whose bookkeeping is known never
    /// sees fail.
    func protectUnlocking(_ state: State, by process: Int) -> [Transition<State, Output>] {
        var next = state
        let holds: Bool
        if case .held(process, _) = state.word { holds = true } else { holds = false }
        if state.type != .normal {
            guard holds else { return [Transition(.failed(.EPERM), state)] }
            if state.type == .recursive && state.count > 1 {
                next.count -= 1
                return [Transition(.done, next)]
            }
        }
        next.word = .free
        next.count = 0
        next.users -= 1
        if !holds && state.schedulingKnown { next.priorityUnknown.insert(process) }
        let outputs: [Output] =
            !state.schedulingKnown ? [.done, .failed(.EINVAL), .failed(.EPERM)]
            : next.priorityUnknown.contains(process) ? [.done, .failed(.EINVAL)] : [.done]
        return outputs.map { Transition($0, next) }
    }

    /// `getprioceiling` and `setprioceiling`.
    func ceilingCall(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if let undefined = ceilingCallOnADestroyedMutex(state, input) { return [Transition(nil, undefined)] }
        func same(_ output: Output) -> [Transition<State, Output>] { [Transition(output, state)] }
        guard state.protocol == .protect else { return same(.failed(.EINVAL)) }
        switch input {
        case .getCeiling:
            return same(.ceiling(state.ceiling))
        case .setCeiling(let process, let ceiling):
            guard (1...99).contains(ceiling) else { return same(.failed(.EINVAL)) }
            var next = state
            next.ceiling = ceiling
            if ceiling != state.ceiling { next.ceilingMoved = true }
            // Asleep on a word another holds (or its own normal one): glibc waits for the ceiling it read, and if the
            // ceiling moved meanwhile it wakes, leaves its loop without the lock and writes its ceiling into a free
            // word under the holder (measured, `MutexStalledProtocolFactsTests`; a run of robust-mutex-stalled-protocols
            // showed the next locker then dying of glibc's `__owner == 0` assertion). Once the ceiling has moved, such a return is allowed, and
            // the mutex is no longer judged.
            var clobbered: [Transition<State, Output>] {
                guard state.ceilingMoved else { return [] }
                var lost = next
                lost.undefined = true
                return [Transition(.oldCeiling(state.ceiling), lost)]
            }
            if !state.destroyed, case .held(process, _) = state.word {
                switch state.type {
                case .errorCheck: return same(.failed(.EDEADLK))
                case .normal: return clobbered
                case .recursive:
                    // glibc moves the holder's record from the old ceiling to the new one and raises its priority
                    // to it: a known SCHED_OTHER thread's raise above what it had fails EINVAL, the ceiling kept,
                    // and its record is off by one from then on.
                    var raise = state
                    raise.ceiling = ceiling
                    let outcome = priorityRaise(raise, by: process)
                    var failed = state
                    if state.schedulingKnown {
                        failed.priorityUnknown.insert(process)
                        failed.raised[process] = nil
                    }
                    var result = outcome.failures.map { Transition<State, Output>(.failed($0), failed) }
                    if outcome.proceeds { result.append(Transition(.oldCeiling(state.ceiling), next)) }
                    return result
                }
            }
            // It takes the word (sleeping while anyone holds it) and leaves it free.
            guard state.word == .free else { return clobbered }
            return [Transition(.oldCeiling(state.ceiling), next)]
        default:
            return []
        }
    }

    /// A ceiling call on a destroyed mutex that was not priority-protect: glibc's kind -1 has the protocol's bit, so
    /// it reads or writes the lock word's high bits, whatever they hold (undefined in POSIX): no longer judged.
    func ceilingCallOnADestroyedMutex(_ state: State, _ input: Input) -> State? {
        guard state.destroyed, state.protocol != .protect else { return nil }
        switch input {
        case .getCeiling, .setCeiling:
            var next = state
            next.undefined = true
            return next
        default: return nil
        }
    }
}
