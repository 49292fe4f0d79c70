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
        case .duplicateOnto(let process, let call):
            return duplicateOntoOutcomes(state, process: process, call: call)
        default:
            return nil
        }
    }
}

extension EventCounterModel {
    /// `dup2`/`dup3` in `ksys_dup3`'s order, as the pipe model's (measured for an eventfd in
    /// `KernelDescriptorFlagFactsTests.anEventfdsDup2AndDup3`): `dup3`'s flags other than `O_CLOEXEC` `EINVAL`; onto
    /// its own number `dup2` returns it (`EBADF` if not held) and `dup3` fails `EINVAL`; a new number at or above
    /// `RLIMIT_NOFILE`, which no eventfd trace gives, `EBADF` — allowed beside a copy whenever the number is given or
    /// free; an old descriptor not held `EBADF`. The copy has the call's `FD_CLOEXEC` (`dup2` clear); onto another of
    /// the process's descriptors of this eventfd (`same`) that one is closed, the holders as many as before. Never
    /// `EMFILE`: the number is chosen, not searched for.
    func duplicateOntoOutcomes(_ state: State, process: Int, call: PipeModel.DuplicateCall) -> [(output: Output, next: State)] {
        let held = state.holders.filter { $0 == process }.count
        if call.closeOnExec != nil && call.otherBits != 0 { return [(.failed(.EINVAL), state)] }
        if call.target == .itself {
            if call.closeOnExec != nil { return [(.failed(.EINVAL), state)] }
            return [(held > 0 ? .duplicated : .failed(.EBADF), state)]
        }
        var outcomes: [(output: Output, next: State)] = []
        if call.number != nil || call.target == .free { outcomes.append((.failed(.EBADF), state)) }  // a limit no trace gives
        guard held > 0 else { return [(.failed(.EBADF), state)] }
        let flag = call.closeOnExec == true
        var next = state
        switch call.target {
        case .free, .other:
            next.holders = (next.holders + [process]).sorted()
            if next.closeOnExec[process] != flag { next.closeOnExec[process] = nil }
        case .same:
            // The number held another of its descriptors: closed, the copy in its place.
            guard held >= 2 else { return outcomes }
            if next.closeOnExec[process] != flag { next.closeOnExec[process] = nil }
        case .itself, .end:
            return outcomes  // `itself` answered above; a pipe's end is no eventfd's
        }
        return [(.duplicated, next)] + outcomes
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
