/// `fork` and anonymous shared memory (`MAP_SHARED | MAP_ANONYMOUS`), as measured (`SharedMemoryForkFactsTests`, a C
/// probe first).
///
/// A forked child starts with a copy of its parent's mappings of the object and of their descriptors: a shared
/// mapping goes on reaching the object, so the two see each other's stores; a private mapping's copied pages are
/// copied again for the child, as they stand (from then on each side's stores are its own), and the pages neither
/// has stored to go on following the object for both; each descriptor keeps its `FD_CLOEXEC`, and shares its open file
/// description (its `F_SETFL` flags) with the parent's; `RLIMIT_FSIZE` is inherited. Memory locks are not
/// inherited (the kernel's `dup_mmap` clears `VM_LOCKED`: an `msync(MS_INVALIDATE)` of an inherited `MAP_LOCKED`
/// page succeeds in the child), nor is `mlockall(MCL_FUTURE)`; `RLIMIT_MEMLOCK` is.
///
/// Anonymous shared memory has no name and no descriptor: it can be shared only by forking after the `mmap`. An
/// object whose setup says `"anonymous": true` is such memory, mapped at the start by the setup's `mapped`
/// processes (the mapping made before the trace, or inherited): its words reach as far as the mapping's pages (no
/// `SIGBUS`), `open`, `unlink` and `truncate` have no meaning for it (the trace is refused), and `fstat`, `fcntl`
/// and `close` fail `EBADF` as with no descriptor.
extension PosixSharedMemoryModel {
    /// `fork` by `process`: `child` starts with copies of its mappings and descriptors, unlocked, and its limit.
    func forkTransitions(_ state: State, process: Int, child: Int) -> [Transition<State, Output>] {
        var next = state
        // A child is a new process: whatever the trace said of that number before is gone.
        next.name.exit(child)
        next.lockingFuture.remove(child)
        next.lockingFutureOnFault.remove(child)
        next.lockCountUnknown.remove(child)
        let inherited = (state.mappings[process] ?? []).map { mapping in
            var copy = mapping
            copy.locked = []
            copy.lockedOnFault = []
            return copy
        }
        next.mappings[child] = inherited.isEmpty ? nil : inherited
        for _ in inherited { next.name.holders.insertSorted(child) }
        next.memoryLockLimits[child] = state.memoryLockLimits[process]
        // The child runs with its parent's credentials: a non-root parent's child is no root (a C probe: its
        // shm_unlink of another user's object fails EACCES, as the parent's would).
        next.permissions.users[child] = state.permissions.users[process]
        next.umask.fork(process, child: child)  // its parent's umask too
        next.fileSizeLimits[child] = state.fileSizeLimits[process]
        return [Transition(.done, next)]
    }

    /// The words anonymous memory of `words` words has: every word of its pages.
    static func anonymousSize(words: Int) -> Int {
        PosixSharedMemoryMapping.pageCount(words: words) * pageSize
    }

    /// Refuses, in one line, a call that anonymous memory cannot take.
    static func refuseOnAnonymous(_ f: String, object: String) throws(ModelError) {
        guard ["open", "unlink", "truncate"].contains(f) else { return }
        throw ModelError("object \(object) is anonymous shared memory (\"anonymous\": true): it has no name or descriptor, so '\(f)' cannot reach it")
    }
}
