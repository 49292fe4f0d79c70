// Who may signal whom: the kernel's `check_kill_permission`, as measured on this kernel (`SignalPermissionFactsTests`,
// C probes first; LTP `kill05`, Open POSIX `kill/2-2`, `killpg/5-1`, `sigqueue/3-1`). A process may signal another when
// its real or effective uid equals the target's real or saved uid (`kill_ok_by_cred`: the target's effective uid does
// not count — a target with uid 0, euid 1000, suid 0 refuses a sender of uid 1000), or it has `CAP_KILL`; `SIGCONT` to a
// process of its own session is allowed regardless; a process may always signal itself. Otherwise `EPERM` — for signal
// 0 too (the permission probe), and for `kill`, `sigqueue`, `tgkill`, `tkill` and `pidfd_send_signal` alike. The
// checks' order: the target looked up (`ESRCH`, even for a bad number), then the number (`EINVAL`), then the
// credentials (`EPERM`).
//
// The set-up says the credentials (params `"credentials": {"<process>": {"uid", "euid"?, "suid"?, "capKill"?,
// "session"?}}`): `euid` and `suid` are `uid` unless given, `capKill` is whether the effective uid is 0 unless given
// (the kernel clears the effective capabilities when the effective uid leaves 0), `session` is only needed for
// `SIGCONT`. A process the set-up does not describe may or may not be allowed: the model allows both `EPERM` (nothing
// sent) and the send, never guessing.
extension SignalModel {
    /// One process's credentials as the set-up states them.
    public struct Credentials: Hashable, Sendable {
        public var uid: Int
        public var effectiveUID: Int
        public var savedUID: Int
        /// Whether it has `CAP_KILL` (in the target's user namespace).
        public var capKill: Bool
        /// Its session id (nil: not said, which matters only for `SIGCONT`).
        public var session: Int?

        public init(uid: Int, effectiveUID: Int? = nil, savedUID: Int? = nil, capKill: Bool? = nil, session: Int? = nil) {
            self.uid = uid
            self.effectiveUID = effectiveUID ?? uid
            self.savedUID = savedUID ?? uid
            self.capKill = capKill ?? (effectiveUID ?? uid == 0)
            self.session = session
        }
    }

    static let continueSignal = 18  // SIGCONT

    /// Whether `sender` may send `signal` to `target` (the kernel's `check_kill_permission`); nil when the set-up does
    /// not say enough to know.
    func permitted(_ state: State, sender: Int, target: Int, signal: Int) -> Bool? {
        if sender == target { return true }
        guard let from = state.credentials[sender], let to = state.credentials[target] else { return nil }
        if [to.uid, to.savedUID].contains(from.effectiveUID) || [to.uid, to.savedUID].contains(from.uid) || from.capKill { return true }
        guard signal == Self.continueSignal else { return false }
        guard let mine = from.session, let theirs = to.session else { return nil }
        return mine == theirs
    }

    /// What the credentials allow of a send `outcome` that got past the other checks: itself, `EPERM` (nothing sent)
    /// instead, or both when the set-up does not say.
    func permissionOutcomes(_ state: State, sender: Int, target: Int, signal: Int, _ outcome: (output: Output, next: State)) -> [(output: Output, next: State)] {
        // The target looked up and the number checked come first; a refusal of the call's own is kept.
        if case .failed(let code) = outcome.output, [.ESRCH, .EINVAL, .EBADF, .EPERM].contains(code) { return [outcome] }
        switch permitted(state, sender: sender, target: target, signal: signal) {
        case true?: return [outcome]
        case false?: return [(.failed(.EPERM), state)]
        case nil: return [outcome, (.failed(.EPERM), state)]
        }
    }

    static func credentials(_ value: JSONValue?) throws(ModelError) -> [Int: Credentials] {
        guard let value else { return [:] }
        guard case .object(let entries) = value else {
            throw ModelError("parameter 'credentials' must be an object: {\"<process>\": {\"uid\": N, \"euid\": N?, \"suid\": N?, \"capKill\": BOOL?, \"session\": N?}}")
        }
        var result: [Int: Credentials] = [:]
        for member in entries {
            let entry: JSONValue? = member.value
            guard let process = Int(member.key), process > 0 else { throw ModelError("credentials: '\(member.key)' is not a process number") }
            let ids = 0...Int(UInt32.max)
            result[process] = Credentials(
                uid: try entry.required("uid").integer("uid", in: ids),
                effectiveUID: try entry.optional("euid")?.integer("euid", in: ids),
                savedUID: try entry.optional("suid")?.integer("suid", in: ids),
                capKill: try entry.optional("capKill")?.boolean("capKill"),
                session: try entry.optional("session")?.integer("session", in: 0...Int(Int32.max)))
        }
        return result
    }

    static func json(_ credentials: [Int: Credentials]) -> JSONValue {
        var entries = JSONObject()
        for (process, entry) in credentials.sorted(by: { $0.key < $1.key }) {
            var object: JSONObject = ["uid": .int(entry.uid)]
            if entry.effectiveUID != entry.uid { object["euid"] = .int(entry.effectiveUID) }
            if entry.savedUID != entry.uid { object["suid"] = .int(entry.savedUID) }
            if entry.capKill != (entry.effectiveUID == 0) { object["capKill"] = .bool(entry.capKill) }
            if let session = entry.session { object["session"] = .int(session) }
            entries[String(process)] = .object(object)
        }
        return .object(entries)
    }
}
