/// Who owns the FIFO and what its mode lets each process do: `chmod`, `fchmod`, `chown`, `lchown`, `fchown`, and the
/// open's permission check, as this kernel does them (`FIFOOwnershipFactsTests`, C probes as root and as user 65534;
/// LTP `fchmod`/`fchown`/`chown` tests on a FIFO as the checklist).
///
/// - An open is judged by the owner's bits when the opener owns the FIFO (even when only the others' bits would let
///   it: 0044 refuses its owner reading), else by the others' bits (a trace knows no groups: the processes are taken
///   to be in none of the FIFO's); a privileged process passes whatever the mode.
/// - `chmod` and `fchmod`: the owner or a privileged process, else `EPERM`. An unprivileged owner asking for the
///   set-group-ID bit keeps it only when it is in the FIFO's group (`inode_owner_or_capable`, then `setattr_prepare`
///   drops it silently, no error: measured, 02777 by the owner of a FIFO of group 0 is 0777), so both are allowed.
///   `fchmod` goes through a descriptor: `EBADF` without one, and it works after the name is unlinked.
/// - `chown`, `lchown` and `fchown` (`"owner"`: the process whose user becomes the owner; absent: -1, unchanged; the
///   group is always -1): a privileged process may give the FIFO to anyone; an unprivileged one only "to" the owner it
///   already is, so the owner may pass -1 or itself and nobody else anything — and a non-owner's -1 succeeds only
///   while no set-ID bit is set (the kernel's clearing of them is a mode change it may not make: `EPERM`, measured
///   for 04666, 02676 and 02666). Every success, root's and -1's too, clears the set-user-ID bit, and the
///   set-group-ID bit when group execute is set (06777 becomes 0777, 06767 becomes 02767).
extension FIFOModel {
    /// The call that changes the owner.
    public enum OwnerCall: String, Hashable, Sendable {
        case chown, lchown, fchown
    }

    /// `chmod`, or, with `end`, `fchmod` through the process's latest open of that end.
    func modeChangeTransitions(
        _ state: State, process: Int, mode: Int, through end: PipeModel.End?
    ) -> [(output: Output?, step: Step<State>)] {
        if let end {
            guard state.latestOpen(of: process, end) != nil else { return [(.failed(.EBADF), .completed(state))] }
        } else if !state.linked {
            return [(.failed(.ENOENT), .completed(state))]
        }
        guard state.mayChangeMode(process) else { return [(.failed(.EPERM), .completed(state))] }
        var next = state
        next.mode = mode & 0o7777
        guard !state.setup.isPrivileged(process), mode & 0o2000 != 0 else { return [(.modeChanged, .completed(next))] }
        var stripped = next
        stripped.mode &= ~0o2000
        return [(.modeChanged, .completed(next)), (.modeChanged, .completed(stripped))]
    }

    /// `chown`, `lchown` (the name) or `fchown` (`end`: the process's latest open of it) to `owner` (nil: -1).
    func ownerChangeTransitions(
        _ state: State, process: Int, call: OwnerCall, end: PipeModel.End?, owner: Int?
    ) -> [(output: Output?, step: Step<State>)] {
        if call == .fchown {
            guard let end, state.latestOpen(of: process, end) != nil else { return [(.failed(.EBADF), .completed(state))] }
        } else if !state.linked {
            return [(.failed(.ENOENT), .completed(state))]
        }
        if !state.setup.isPrivileged(process) {
            let owns = state.owner == process
            let allowed = owner.map { owns && $0 == process } ?? (owns || state.mode & 0o6000 == 0)
            guard allowed else { return [(.failed(.EPERM), .completed(state))] }
        }
        var next = state
        if let owner { next.owner = owner }
        next.mode &= ~0o4000
        if next.mode & 0o010 != 0 { next.mode &= ~0o2000 }
        return [(.ownerChanged, .completed(next))]
    }
}

extension FIFOModel.State {
    /// Whether `process` passes the permission check of an open for `end` (see ``FIFOModel+Ownership``).
    func mayOpen(_ process: Int, for end: PipeModel.End) -> Bool {
        guard !setup.isPrivileged(process) else { return true }
        let bit = end == .read ? 0o004 : 0o002
        return mode & (owner == process ? bit << 6 : bit) != 0
    }

    /// Whether `process` may change the mode: the owner or a privileged process.
    func mayChangeMode(_ process: Int) -> Bool {
        setup.isPrivileged(process) || owner == process
    }
}
