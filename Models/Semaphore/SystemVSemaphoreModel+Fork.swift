/// `fork` and a System V semaphore set, as measured (`SystemVSemaphoreForkFactsTests`, a C probe first; LTP's `semop`
/// and `semctl` tests fork their sleepers and undo users): the child starts with no undo adjustments and no undo
/// record (the kernel's `copy_semundo` gives a child without `CLONE_SYSVSEM` an empty undo list), so its exit undoes
/// nothing of its parent's `SEM_UNDO` operations and leaves `GETPID` and `sem_otime` alone, while the parent's exit
/// still undoes them; the child's own `semop` makes it `GETPID` and its own `SEM_UNDO` operations are undone at its
/// exit, as any process's. The fork itself changes nothing of the set; the child has its parent's credentials.
extension SystemVSemaphoreModel {
    /// `fork` by `process`: `child`, a new process, holds no adjustment, no undo record and sleeps in no `semop`.
    func forkTransitions(_ state: State, process: Int, child: Int) -> [Transition<State, Output>] {
        var next = state
        // A child is a new process: whatever the trace said of that number before is gone.
        next.sleepers.removeAll { $0.process == child }
        next.setAdjustment(of: child, [])
        _ = next.undoRecords.removeOne(child)
        _ = next.possibleUndoRecords.removeOne(child)
        next.permissions.users[child] = state.permissions.users[process]
        return [Transition(.done, next)]
    }
}
