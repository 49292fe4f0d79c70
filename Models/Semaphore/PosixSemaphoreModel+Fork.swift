/// `fork` and a POSIX semaphore, as glibc 2.36 and this kernel do it (`SemaphoreForkFactsTests`, a C probe first;
/// Open POSIX's `sem_init` 3-x and the `sem_post`/`sem_wait` tests with children):
/// - A named semaphore open before the fork is open in the child: glibc's one mapping per process and its count of
///   `sem_open`s are copied, so the child holds as many handles as its parent (its `sem_close`s succeed as many times,
///   then `EINVAL`), and its closes leave the parent's handles and the value alone; the child's `sem_wait` takes a
///   unit of the one semaphore.
/// - An unnamed semaphore in shared memory (the setup's, `MAP_SHARED`) is the same semaphore in the child, whatever
///   its `pshared` (pshared 0 only loses cross-process wake-ups, ``PosixSemaphoreModel+Initialization``).
/// - An unnamed semaphore in private memory (`"privateMemory": true`: a global, the stack) is copied with the page: the
///   child's calls reach a semaphore of its own, starting at the parent's value at the fork, and the parent's never see
///   them (measured with pshared 0 and 1 alike).
/// The child holds no unit taken and has its parent's credentials.
extension PosixSemaphoreModel {
    /// `fork` by `process`: `child` starts with the parent's handles, and its own copy of a semaphore in private memory.
    func forkTransitions(_ state: State, process: Int, child: Int) -> [Transition<State, Output>] {
        var next = state
        // A child is a new process: whatever the trace said of that number before is gone.
        next.taken.removeAll { $0 == child }
        next.extraHandles.removeAll { $0 == child }
        next.closedHandles.removeAll { $0 == child }
        next.copies[child] = nil
        for _ in state.extraHandles.filter({ $0 == process }) { next.extraHandles.insertSorted(child) }
        if state.closedHandles.contains(process) { next.closedHandles.insertSorted(child) }
        if state.privateMemory { next.copies[child] = state.copies[process] ?? state.value }
        next.permissions.users[child] = state.permissions.users[process]
        next.umask.fork(process, child: child)  // its parent's umask too
        return [Transition(.done, next)]
    }

    /// A call by a process holding a copy of the semaphore (``forkTransitions(_:process:child:)``): judged on the copy,
    /// the semaphore the others reach untouched; nil for any other call.
    func copyTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>]? {
        let process: Int
        switch input {
        case .wait(let caller, _, _, _), .post(let caller), .getValue(let caller), .initialize(let caller, _, _), .destroy(let caller),
            .asleep(let caller):
            process = caller
        default: return nil
        }
        guard let value = state.copies[process] else { return nil }
        var copy = State(value: value)
        copy.shared = state.shared
        copy.initialised = true  // who sleeps on the copy is not followed
        return callTransitions(copy, input).map { transition in
            var next = state
            next.copies[process] = transition.state.value
            return Transition(transition.output, next)
        }
    }
}
