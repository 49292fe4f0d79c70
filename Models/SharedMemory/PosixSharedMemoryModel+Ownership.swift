/// `fchmod` and `fchown` of the object's descriptor, and what `fstat` and later opens see after them, as measured
/// (`SharedMemoryOwnershipFactsTests`, a C probe first; chmod(2), chown(2), the kernel's `chown_ok`/`chgrp_ok`).
///
/// - `fchmod` sets the permission bits, through any descriptor (`O_RDONLY` too) and after `shm_unlink`; a process that
///   is neither root nor the owner fails `EPERM`. The next `fstat` reports them, and the next `open` is checked against
///   them.
/// - `fchown`: root may give any owner and group; the owner may only keep its user and set the group to its own or the
///   object's; anyone else fails `EPERM` for any change. -1 for both changes nothing and succeeds.
/// - Not in the model: set-user-ID and set-group-ID bits (a mode above 0777 is refused): `fchown` clears them, and then
///   fails `EPERM` for a process not the owner even with -1 for both (measured), and `fchmod` by an owner outside the
///   object's group drops `S_ISGID`.
extension PosixSharedMemoryModel {
    /// `fchmod(mode)` of the newest descriptor.
    func changeModeTransitions(_ state: State, process: Int, mode: Int) -> [Transition<State, Output>] {
        guard state.newestDescriptor(process) != nil else { return [Transition(.failed(.EBADF), state)] }
        guard state.permissions.isOwner(process) else { return [Transition(.failed(.EPERM), state)] }
        var next = state
        next.permissions.mode = mode
        return [Transition(.done, next)]
    }

    /// `fchown(owner, group)` of the newest descriptor (nil: -1, unchanged).
    func changeOwnerTransitions(_ state: State, process: Int, owner: Int?, group: Int?) -> [Transition<State, Output>] {
        guard state.newestDescriptor(process) != nil else { return [Transition(.failed(.EBADF), state)] }
        let permissions = state.permissions
        if let caller = permissions.users[process], caller.uid != 0 {
            let isOwner = caller.uid == permissions.owner
            if let owner, !isOwner || owner != permissions.owner { return [Transition(.failed(.EPERM), state)] }
            if let group, !isOwner || (group != caller.gid && group != permissions.group) { return [Transition(.failed(.EPERM), state)] }
        }
        var next = state
        if let owner { next.permissions.owner = owner }
        if let group { next.permissions.group = group }
        return [Transition(.done, next)]
    }

    /// The trace's `fchmod` {`"mode"`} and `fchown` {`"uid"?`, `"gid"?`}.
    static func ownershipInput(_ call: Call) throws(ModelError) -> Input? {
        switch call.f {
        case "fchmod":
            guard let mode = try Permissions.mode(in: call.value) else { throw ModelError("'fchmod' needs its 'mode' (\"0644\")") }
            return .changeMode(process: call.process, mode: mode)
        case "fchown":
            return .changeOwner(
                process: call.process, owner: try call.value.optional("uid")?.integer("uid", in: 0...Int(UInt32.max) - 1),
                group: try call.value.optional("gid")?.integer("gid", in: 0...Int(UInt32.max) - 1))
        default: return nil
        }
    }

    static func ownershipCall(_ input: Input) -> (f: String, value: JSONValue?)? {
        switch input {
        case .changeMode(_, let mode): ("fchmod", ["mode": Permissions.text(ofMode: mode)])
        case .changeOwner(_, let owner, let group):
            ("fchown", .object(JSONObject((owner.map { [("uid", JSONValue.int($0))] } ?? []) + (group.map { [("gid", .int($0))] } ?? []))))
        default: nil
        }
    }
}
