/// `fork` and a System V segment, as measured (`SystemVSharedMemoryForkFactsTests`, a C probe first; LTP shmctl01's
/// children): the child inherits every attachment of its parent (`SHM_RDONLY` ones stay read-only), so the
/// attachment count grows by the parent's attachments; the kernel's `shm_open` runs for each in the parent, so
/// `shm_lpid` becomes the parent and the attach time is set. The child's exit detaches them again (its pid becomes
/// `shm_lpid`, as any exit's). `RLIMIT_MEMLOCK` is inherited, and so are the parent's credentials.
extension SystemVSharedMemoryModel {
    /// `fork` by `process`: `child` starts with copies of its attachments.
    func forkTransitions(_ state: State, process: Int, child: Int) -> [Transition<State, Output>] {
        var next = state
        // A child is a new process: whatever the trace said of that number before is gone.
        next.attachments.removeAll { $0 == child }
        next.readOnly[child] = nil
        let inherited = state.readOnly[process] ?? []
        for _ in inherited { next.attachments.insertSorted(child) }
        if !inherited.isEmpty {
            next.readOnly[child] = inherited
            next.lastProcess = process
            next.times.set(0)
        }
        next.memoryLockLimits[child] = state.memoryLockLimits[process]
        // The child runs with its parent's credentials (a C probe: a non-root parent's child's shmat of a 0600
        // segment of root's fails EACCES, its IPC_RMID EPERM).
        next.permissions.users[child] = state.permissions.users[process]
        return [Transition(.done, next)]
    }
}
