/// The FIFO's name: `unlink` of its path, as this kernel does it (`KernelFIFOFactsTests`); its making is
/// ``FIFOModel+Creation``.
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
}

extension FIFOModel.Setup {
    /// Whether `process` bypasses permission checks (every process when `privileged` is absent).
    func isPrivileged(_ process: Int) -> Bool {
        privileged?.contains(process) ?? true
    }
}
