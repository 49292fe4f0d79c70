/// A process's real and saved ids beside the effective ones `"users"` gives, which an explicit `SCM_CREDENTIALS`
/// may name and a plain send records — measured in `UnixSocketHeldIdsFactsTests` (C probe first, 6.18: a forked
/// child with real, effective and saved uids and gids 65534, 65533, 65532; `scm_check_creds`,
/// `unix_maybe_add_creds`):
/// - a sender without `CAP_SETUID`/`CAP_SETGID` may name any of its real, effective or saved uids, and any of its
///   real, effective or saved gids, in any mix; any other id `EPERM` (0 too); without `CAP_SYS_ADMIN`, only its own
///   pid (another's and 0 `EPERM`);
/// - the receiver's `SCM_CREDENTIALS` carries the ids named;
/// - a plain send records the sender's **real** uid and gid, not its effective ones (a surprise: `SO_PEERCRED`
///   reports the effective ones) — so named ids merge with plain sends in a stream read when they are the real ones.
///
/// Setup form, in an object's `"users"`: `{"2": {"uid": U, "gid": G, "ruid": R, "rgid": RG, "suid": S, "sgid": SG}}`,
/// `uid`/`gid` the effective ids (`SO_PEERCRED`'s), each of the others the effective one unless given — so the older
/// `{"uid": U, "gid": G}` and `"2": U` are a process whose three ids are all U and G (as a process that took a user
/// with `setresuid`, the harness's workers). A key the model cannot place (`"euid"`, `"fsuid"`, `"groups"`, …) is
/// refused rather than ignored: the model would judge the process with ids it does not have.
extension UnixSocketModel {
    /// A process's real and saved user and group (the effective ones are its ``Setup/users`` entry).
    public struct HeldIds: Hashable, Sendable {
        public var real: Permissions.User
        public var saved: Permissions.User

        public init(real: Permissions.User, saved: Permissions.User) {
            self.real = real
            self.saved = saved
        }
    }

    /// The keys a unix-socket `"users"` entry may carry.
    static let heldIdKeys: Set<String> = ["uid", "gid", "ruid", "rgid", "suid", "sgid"]

    /// The real and saved ids an object's `"users"` gives beyond the effective ones in `users` (only the processes
    /// whose entries give some); a key the model cannot place is refused.
    static func heldIds(in setup: JSONValue?, users: [Int: Permissions.User]) throws(ModelError) -> [Int: HeldIds] {
        guard case .object(let table)? = try setup.optional("users") else { return [:] }
        var held: [Int: HeldIds] = [:]
        for member in table {
            guard case .object(let fields) = member.value, let process = Int(member.key), let user = users[process] else { continue }
            if let unknown = fields.map(\.key).first(where: { !heldIdKeys.contains($0) }) {
                throw ModelError(
                    "users: process \(process)'s '\(unknown)' is not an id the unix-socket model can place (it reads uid and gid, "
                        + "the effective ids, and ruid, rgid, suid, sgid)")
            }
            let entry: JSONValue? = member.value
            func id(_ key: String, _ otherwise: Int) throws(ModelError) -> Int {
                try entry.optional(key)?.integer(key, in: 0...Int(UInt32.max) - 1) ?? otherwise
            }
            let ids = HeldIds(
                real: .init(uid: try id("ruid", user.uid), gid: try id("rgid", user.gid)),
                saved: .init(uid: try id("suid", user.uid), gid: try id("sgid", user.gid)))
            if ids != HeldIds(real: user, saved: user) { held[process] = ids }
        }
        return held
    }

    /// `users`' JSON with each process of `held` given its real and saved ids (the form ``heldIds(in:users:)`` reads).
    static func usersJSON(_ users: [Int: Permissions.User], held: [Int: HeldIds]) -> [(String, JSONValue)] {
        Permissions(users: users).json.map { key, value in
            guard key == "users", !held.isEmpty, case .object(let table) = value else { return (key, value) }
            return (key, .object(JSONObject(table.map { member in
                guard let process = Int(member.key), let ids = held[process], let user = users[process] else { return (member.key, member.value) }
                var entry: JSONObject = ["uid": .int(user.uid), "gid": .int(user.gid)]
                if ids.real.uid != user.uid { entry["ruid"] = .int(ids.real.uid) }
                if ids.real.gid != user.gid { entry["rgid"] = .int(ids.real.gid) }
                if ids.saved.uid != user.uid { entry["suid"] = .int(ids.saved.uid) }
                if ids.saved.gid != user.gid { entry["sgid"] = .int(ids.saved.gid) }
                return (member.key, .object(entry))
            })))
        }
    }
}

extension UnixSocketModel.State {
    /// `process`'s real and saved ids: those the setup gives, else its effective ones; nil when its user is not known.
    func heldIds(of process: Int) -> UnixSocketModel.HeldIds? {
        heldIds[process] ?? users[process].map { UnixSocketModel.HeldIds(real: $0, saved: $0) }
    }

    /// Whether `process`, not root, may name `uid` and `gid` in `SCM_CREDENTIALS` (`scm_check_creds`: each one of its
    /// real, effective or saved ids); nil when its user is not known.
    func mayName(_ process: Int, uid: Int, gid: Int) -> Bool? {
        guard let user = users[process], let held = heldIds(of: process) else { return nil }
        return [held.real.uid, user.uid, held.saved.uid].contains(uid) && [held.real.gid, user.gid, held.saved.gid].contains(gid)
    }
}
