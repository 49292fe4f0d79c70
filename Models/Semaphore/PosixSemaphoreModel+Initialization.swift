/// An unnamed semaphore's `sem_init` and `sem_destroy` during a run, as glibc 2.36 does them on x86-64
/// (`SemaphoreInitFactsTests`).
///
/// glibc keeps the value and the number of sleepers in one 64-bit word. `sem_init` checks the value (`EINVAL` above
/// `SEM_VALUE_MAX`, nothing written) and then stores the value with no sleepers, and the futex kind (`pshared` 0:
/// private). Every later wait, trywait, post and read counts from that value, so the model judges them as before.
/// What it loses are wake-ups, which no history can show: a process asleep across a re-initialisation is no longer
/// counted, so later posts do not wake it (measured: the value rises, the sleeper stays asleep until a signal, then
/// takes a unit or fails `EINTR` as any wait asleep). And with `pshared` 0 a post wakes through a private futex, which
/// reaches only sleepers of its own process (measured across two processes: the post adds its unit, the other
/// process sleeps on; a wait that finds a unit takes it, since the value is a shared word). Both are a wait that
/// never returns, which a history allows whatever the value.
///
/// `sem_destroy` reads nothing and writes nothing: it returns 0 with sleepers too (where other systems give
/// `EBUSY`), and a second time, and the semaphore goes on working — posts wake its sleepers, waits take units. So
/// `destroy` always succeeds and changes nothing, and every use after it is judged as before.
extension PosixSemaphoreModel {
    /// `sem_init`: `EINVAL` above `SEM_VALUE_MAX` changing nothing; else the value and `pshared` are set. Units taken
    /// before are no longer owed to the count, so a holder's later death loses nothing of the new value.
    func initializeTransitions(_ state: State, value: Int, shared: Bool) -> [Transition<State, Output>] {
        guard (0...Self.maximumValue).contains(value) else { return [Transition(.failed(.EINVAL), state)] }
        var next = state
        next.value = value
        next.shared = shared
        next.taken = []
        next.initialised = true
        return [Transition(.done, next)]
    }

    /// `sem_destroy`: 0, and nothing changes.
    func destroyTransitions(_ state: State) -> [Transition<State, Output>] {
        [Transition(.done, state)]
    }

    /// A blocking wait found asleep when the real-mode driver killed its process: every other worker had replied or
    /// was asleep too, and with pshared 1 glibc's post wakes a sleeper at once (the woken one runs, and takes a unit
    /// or sleeps again), so a sleeper then means the value is 0 — unless a `sem_init` during the run may have forgotten
    /// it, or pshared 0 keeps other processes' posts from waking it (`PrivateSemaphoreRealModeTests`): then anything.
    /// A process killed asleep in the futex took nothing.
    public func sleeperObservation(_ input: Input, process: Int) -> Input? {
        guard case .wait(_, false, let timeout, let clock) = input, timeout != .invalid, clock != .unsupported else { return nil }
        return .asleep(process: process)
    }

    func sleeperTransitions(_ state: State) -> [Transition<State, Output>] {
        state.value == 0 || !state.shared || state.initialised ? [Transition(.done, state)] : []
    }
}
