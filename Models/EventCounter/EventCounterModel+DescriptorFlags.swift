/// A descriptor's own flag, `FD_CLOEXEC`, and `F_DUPFD` on an eventfd (measured in `KernelDescriptorFlagFactsTests`
/// and `KernelEventCounterDescriptorFlagFactsTests`): the flag belongs to the descriptor, not to the eventfd's one open
/// file description — `F_SETFD`, `FIOCLEX` and `FIONCLEX` change the caller's descriptor only, and a copy takes the flag
/// of the call that made it (`F_DUPFD` clear, `F_DUPFD_CLOEXEC` set).
///
/// The model keeps a process's descriptors as a count, so it knows a process's flag only while all its descriptors
/// agree (``State/closeOnExec``): `F_GETFD` then reports it; while they may differ, or the setup did not say, it may
/// report either (a `F_GETFD` of a process's only descriptor settles it), and a change through one of several
/// descriptors leaves the process's flag unknown. Never a flag the trace cannot fix; never a false verdict.
extension EventCounterModel {
    /// The outcomes of `F_GETFD`, `F_SETFD` (and `FIOCLEX`/`FIONCLEX`, which set the same flag) and `F_DUPFD`; nil for
    /// the other inputs. `EMFILE` of a full table, and for `F_DUPFD` `EINVAL` of a minimum at or above an
    /// `RLIMIT_NOFILE` no trace gives, are allowed beside a copy.
    func descriptorFlagOutcomes(of input: Input, in state: State) -> [(output: Output, next: State)]? {
        switch input {
        case .descriptorFlags(let process, nil):
            let held = state.holders.filter { $0 == process }.count
            guard held > 0 else { return [(.failed(.EBADF), state)] }
            if let known = state.closeOnExec[process] { return [(.closeOnExec(known), state)] }
            return [true, false].map { value in
                var next = state
                if held == 1 { next.closeOnExec[process] = value }  // its only descriptor: now known
                return (.closeOnExec(value), next)
            }
        case .descriptorFlags(let process, let value?):
            guard state.holders.contains(process) else { return [(.failed(.EBADF), state)] }
            return [(.flagsSet, state.settingCloseOnExec(of: process, to: value))]
        case .ioctl(let process, let request) where request == .fioclex || request == .fionclex:
            guard state.holders.contains(process) else { return [(.failed(.EBADF), state)] }
            return [(.flagsSet, state.settingCloseOnExec(of: process, to: request == .fioclex))]
        case .duplicate(let process, let minimum, let closeOnExec):
            guard state.holders.contains(process) else { return [(.failed(.EBADF), state)] }
            if let minimum, minimum < 0 { return [(.failed(.EINVAL), state)] }
            var next = state
            next.holders = (next.holders + [process]).sorted()
            if next.closeOnExec[process] != closeOnExec { next.closeOnExec[process] = nil }
            var outcomes: [(output: Output, next: State)] = [(.duplicated, next), (.failed(ErrorCode("EMFILE")), state)]
            if minimum != nil { outcomes.append((.failed(.EINVAL), state)) }
            return outcomes
        default:
            return nil
        }
    }
}

extension EventCounterModel.State {
    /// `process` set its descriptor's flag to `value`: known if that is its only descriptor or all of them agree.
    func settingCloseOnExec(of process: Int, to value: Bool) -> Self {
        var next = self
        let held = holders.filter { $0 == process }.count
        next.closeOnExec[process] = held == 1 || closeOnExec[process] == value ? value : nil
        return next
    }
}
