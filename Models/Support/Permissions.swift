/// Who may use an object: its owner, group and mode, and the users and groups the trace's processes run as —
/// what the kernel's permission checks compare (`EACCES`; `EPERM` for the calls only the owner may make).
///
/// Processes run as root unless `users` says otherwise, and root passes every check (`CAP_DAC_OVERRIDE`,
/// `CAP_IPC_OWNER`, `CAP_SYS_ADMIN`), which is why a setup without these fields behaves as before. For anyone
/// else the kernel takes the owner's bits when the process's user is the owner, else the group's bits when its
/// group is the object's, else the others' bits — never a union (`PermissionFactsTests`).
///
/// Setup form, beside each object's other fields: `"mode": "0604"` (octal text, or a number), `"owner": UID` (0),
/// `"group": GID` (the owner's), and `"users": {"2": UID}` or `{"2": {"uid": UID, "gid": GID}}` (a process's group
/// is its user's id unless given).
public struct Permissions: Hashable, Sendable {
    public var mode: Int
    public var owner: Int
    public var group: Int
    /// Each process that is not root: its user and group.
    public var users: [Int: User]

    public struct User: Hashable, Sendable {
        public var uid: Int
        public var gid: Int

        public init(uid: Int, gid: Int? = nil) {
            self.uid = uid
            self.gid = gid ?? uid
        }
    }

    public init(mode: Int = 0o600, owner: Int = 0, group: Int? = nil, users: [Int: User] = [:]) {
        self.mode = mode
        self.owner = owner
        self.group = group ?? owner
        self.users = users
    }

    /// Makes `process` — root unless `users` names it — the owner, with its group: an object a call of the trace
    /// created is its creator's.
    public mutating func ownedByCreator(_ process: Int) {
        let creator = users[process] ?? User(uid: 0)
        owner = creator.uid
        group = creator.gid
    }

    /// Whether `process` may read (and, with `write`, write) the object: `EACCES` otherwise.
    public func allows(_ process: Int, read: Bool = false, write: Bool = false) -> Bool {
        guard let user = users[process], user.uid != 0 else { return true }
        let bits = user.uid == owner ? mode >> 6 & 7 : user.gid == group ? mode >> 3 & 7 : mode & 7
        return (!read || bits & 4 != 0) && (!write || bits & 2 != 0)
    }

    /// Whether `process` may execute the object (`shmat`'s `SHM_EXEC`): its class's execute bit, or root.
    public func allowsExecuting(_ process: Int) -> Bool {
        guard let user = users[process], user.uid != 0 else { return true }
        let bits = user.uid == owner ? mode >> 6 & 7 : user.gid == group ? mode >> 3 & 7 : mode & 7
        return bits & 1 != 0
    }

    /// Whether a `*get` by `process` asking for the permission bits `requested` (its flag's low nine bits: the
    /// workers ask 0600 with `IPC_CREAT` and nothing for a lookup) finds them granted: `EACCES` otherwise.
    public func allowsAsking(_ process: Int, _ requested: Int) -> Bool {
        allows(process, read: requested & 0o444 != 0, write: requested & 0o222 != 0)
    }

    /// Whether `process` may make the owner's calls (`IPC_RMID`, `IPC_SET`, unlinking the name): root or the owner.
    public func isOwner(_ process: Int) -> Bool {
        guard let user = users[process] else { return true }
        return user.uid == 0 || user.uid == owner
    }

    /// The permissions a setup gives (see the type's description); the defaults when it gives none. A `users` entry
    /// may carry only `entryKeys` — `uid` and `gid` unless the model reads more (unix-socket's held ids): a key nobody
    /// reads (a misspelt `"gdi"`, a `"ruid"` where only the effective ids count) is refused rather than ignored, since
    /// ignoring it would judge the process as someone the trace did not say it was.
    public init(setup: JSONValue?, entryKeys: Set<String> = ["uid", "gid"]) throws(ModelError) {
        let mode = try Self.mode(in: setup) ?? 0o600
        var users: [Int: User] = [:]
        if case .object(let table)? = try setup.optional("users") {
            for member in table {
                guard let process = Int(member.key) else { throw ModelError("field 'users' must map process numbers to users") }
                if case .object(let fields) = member.value {
                    if let unknown = fields.map(\.key).sorted().first(where: { !entryKeys.contains($0) }) {
                        throw ModelError(
                            "field 'users': process \(process)'s '\(unknown)' is not read here (an entry takes "
                                + entryKeys.sorted().joined(separator: ", ") + ")")
                    }
                    let entry: JSONValue? = member.value
                    users[process] = User(
                        uid: try entry.required("uid").integer("uid"), gid: try entry.optional("gid")?.integer("gid"))
                } else {
                    users[process] = User(uid: try member.value.integer("users"))
                }
            }
        }
        let owner = try setup.optional("owner")?.integer("owner") ?? 0
        self.init(mode: mode, owner: owner, group: try setup.optional("group")?.integer("group"), users: users)
    }

    /// The `"mode"` field of `value`, octal text (`"0604"`) or a number; nil when there is none. `limit`: the largest
    /// mode taken — permission bits only (0777) unless a create's call keeps more (`mq_open`, `sem_open`: 07777).
    public static func mode(in value: JSONValue?, upTo limit: Int = 0o777) throws(ModelError) -> Int? {
        switch try value.optional("mode") {
        case nil: return nil
        case .string(let text)?:
            guard let mode = Int(text, radix: 8), (0...limit).contains(mode) else {
                let kind = limit == 0o777 ? "permission bits" : "mode bits"
                throw ModelError("field 'mode' must be octal \(kind) (up to 0\(String(limit, radix: 8))) such as \"0600\", not \"\(text)\"")
            }
            return mode
        case let value?: return try value.integer("mode", in: 0...limit)
        }
    }

    /// The mode a named object an `open` with `O_CREAT` makes gets: the mode asked (the workers' 0600 when the trace
    /// gives none) less the creator's umask — `shm_open`, `sem_open` and `mq_open` alike (`SharedMemoryFactsTests`,
    /// `SemaphoreCreationFactsTests`, `MessageQueueModeFactsTests`, `CreationUmaskFactsTests`). The umask holds
    /// permission bits only, so the bits above them (`S_ISUID`, `S_ISGID`, sticky) stay as asked: 07777 under 022 is
    /// 07755 (`CreationModeBitsFactsTests`).
    public static func created(mode asked: Int?, umask: Int) -> Int { (asked ?? 0o600) & ~(umask & 0o777) & 0o7777 }

    /// A mode as traces write it: octal text.
    public static func text(ofMode mode: Int) -> JSONValue { .string("0" + String(mode, radix: 8)) }

    /// The setup fields that differ from the defaults.
    public var json: [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = []
        if mode != 0o600 { fields.append(("mode", Self.text(ofMode: mode))) }
        if owner != 0 { fields.append(("owner", .int(owner))) }
        if group != owner { fields.append(("group", .int(group))) }
        if !users.isEmpty {
            fields.append(("users", .object(JSONObject(users.sorted { $0.key < $1.key }.map { process, user in
                (String(process), user.gid == user.uid ? .int(user.uid) : ["uid": .int(user.uid), "gid": .int(user.gid)])
            }))))
        }
        return fields
    }
}
