/// The FIFO's name: `unlink` and `mkfifo` of its path, as this kernel does them (`KernelFIFOFactsTests`).
extension FIFOModel {
    /// `unlink`: the name goes; descriptors already open keep the FIFO (nothing else changes). Once it is gone,
    /// `ENOENT`. A process that is not privileged may also be refused `EACCES` by the directory's permissions, which
    /// the trace does not give, so that is allowed too (changing nothing).
    func unlinkTransitions(_ state: State, process: Int) -> [(output: Output?, step: Step<State>)] {
        var outcomes: [(output: Output?, step: Step<State>)] = []
        if state.linked {
            var next = state
            next.linked = false
            outcomes.append((.unlinked, .completed(next)))
        } else {
            outcomes.append((.failed(.ENOENT), .completed(state)))
        }
        if !state.setup.isPrivileged(process) { outcomes.append((.failed(.EACCES), .completed(state))) }
        return outcomes
    }

    /// `mkfifo` of the path: `ENOENT` in a directory that does not exist, `EEXIST` while the name is there; once it
    /// is gone, a new FIFO whose mode is `mode` less `umask` — not the object the trace follows: the worker removes
    /// it at once, so the state does not change. As for `unlink`, an unprivileged process may be refused `EACCES`.
    func makeTransitions(
        _ state: State, process: Int, mode: Int, umask: Int, missingDirectory: Bool
    ) -> [(output: Output?, step: Step<State>)] {
        var outcomes: [(output: Output?, step: Step<State>)] = []
        if missingDirectory {
            outcomes.append((.failed(.ENOENT), .completed(state)))
        } else if state.linked {
            outcomes.append((.failed(.EEXIST), .completed(state)))
        } else {
            outcomes.append((.made(mode: mode & ~umask & 0o777), .completed(state)))
        }
        if !state.setup.isPrivileged(process) { outcomes.append((.failed(.EACCES), .completed(state))) }
        return outcomes
    }
}

extension FIFOModel.Setup {
    /// Whether `process` bypasses permission checks (every process when `privileged` is absent).
    func isPrivileged(_ process: Int) -> Bool {
        privileged?.contains(process) ?? true
    }
}
