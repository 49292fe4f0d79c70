/// A named semaphore's handles in each process: glibc's one mapping per process, counted (`SemaphoreCloseFactsTests`).
extension PosixSemaphoreModel {
    /// How many handles `process` holds: the driver's (until closed) and the ones its `open`s added.
    public static func handles(of process: Int, in state: State) -> Int {
        (state.closedHandles.contains(process) || !state.driverHandles ? 0 : 1) + state.extraHandles.filter { $0 == process }.count
    }

    /// `state` after a successful `sem_open` of this semaphore by `process`: one more handle.
    static func opening(_ state: State, by process: Int) -> State {
        var next = state
        next.extraHandles.insertSorted(process)
        return next
    }

    /// `sem_close`: one handle fewer (the value and the name are untouched). With none left the address is one glibc
    /// no longer knows (`EINVAL`) — unless a later `sem_open` of another semaphore was mapped there, which the close
    /// then closes: both are allowed, and neither changes this semaphore.
    func closeTransitions(_ state: State, process: Int) -> [Transition<State, Output>] {
        var next = state
        if let index = next.extraHandles.firstIndex(of: process) {
            next.extraHandles.remove(at: index)
        } else if next.driverHandles && !next.closedHandles.contains(process) {
            next.closedHandles.insertSorted(process)
        } else {
            return [Transition(.failed(.EINVAL), state), Transition(.done, state)]
        }
        return [Transition(.done, next)]
    }
}
