/// A named semaphore the trace follows from before its name exists (setup `"exists": false`), as measured
/// (`SemaphoreCreationFactsTests`; Open POSIX `sem_open/1-1`, `2-1`, `4-1`, `6-1`; glibc 2.36):
/// - Until an `open` with `create` makes it, no process holds a handle: `sem_open` without `O_CREAT` and `sem_unlink`
///   fail `ENOENT`; `O_CREAT` with a value above `SEM_VALUE_MAX` fails `EINVAL` (with or without `O_EXCL`). A `wait`,
///   `post` or `getvalue` cannot happen before it (there is no semaphore to give it): no outcome is allowed, so a
///   history places them after the create or is rejected.
/// - The first successful create makes the semaphore with the value it asked — 0 and `SEM_VALUE_MAX` too —, its file
///   owned by the creator's user and group with the mode asked (0600 unless the call says) less the creator's umask
///   (the setup's, 022 unless given, or the one its own `umask` call set: ``Umasks``, `CreationUmaskFactsTests`; the
///   bits above 0777 as ``createdMode(_:umask:byRoot:)`` says), and gives the creator a handle. From then on it is as any named semaphore: a create
///   without `O_EXCL` opens it whatever value it asks, with `O_EXCL` fails `EEXIST` — two such creators racing,
///   exactly one wins (glibc links a prepared file into place; the linearization decides which, and where the trace
///   cannot say, either).
extension PosixSemaphoreModel {
    /// The outcomes of a call before the semaphore exists; nil for a call judged as on any state (an exit, a fork,
    /// a name glibc refuses, a close with no handle).
    func creationTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>]? {
        switch input {
        case .open(let process, let creation):
            guard let creation else { return [Transition(.failed(.ENOENT), state)] }
            if creation.value < 0 || creation.value > Self.maximumValue { return [Transition(.failed(.EINVAL), state)] }
            var next = state
            next.created = true
            next.value = creation.value
            next.permissions.mode = Self.createdMode(creation.mode, umask: state.umask.of(process), byRoot: state.permissions.users[process].map { $0.uid == 0 } ?? true)
            next.permissions.ownedByCreator(process)
            return [Transition(.done, Self.opening(next, by: process))]
        case .unlink:
            return [Transition(.failed(.ENOENT), state)]
        case .wait, .post, .getValue, .asleep:
            return []
        default:
            return nil
        }
    }

    /// The mode of the file a creating `sem_open` makes, as measured (`CreationModeBitsFactsTests`, a C probe first):
    /// the mode asked less the umask, the bits above 0777 kept for root — but glibc fills the new file with a
    /// `write` before it links it into place, and a write by a process without `CAP_FSETID` clears `S_ISUID`, and
    /// `S_ISGID` when the group may execute (the kernel's `file_remove_privs`): under 022, user 65534's 07777 is
    /// 01755, its 02777 0755, its 02767 02745 (no group execute: kept). The permission bits are never touched.
    static func createdMode(_ asked: Int?, umask: Int, byRoot: Bool) -> Int {
        let mode = Permissions.created(mode: asked, umask: umask)
        guard !byRoot else { return mode }
        return mode & ~0o4000 & (mode & 0o010 != 0 ? ~0o2000 : ~0)
    }

    /// The setup of a semaphore whose name does not exist yet: named, with no value, mode or owner (its creating
    /// `sem_open` gives them), and the creators' umask.
    static func absentSetup(_ name: String, _ setup: JSONValue?) throws(ModelError) -> Setup {
        for field in ["value", "mode", "owner", "group", "pshared", "privateMemory"] where try setup.optional(field) != nil {
            throw ModelError(
                "semaphore '\(name)' does not exist yet ('exists': false): its '\(field)' is not the setup's (the creating sem_open gives the value and the mode, the owner is the creator); leave '\(field)' out")
        }
        guard try setup.optional("named")?.boolean("named") == true else {
            throw ModelError("semaphore '\(name)': 'exists': false needs a named semaphore ('named': true; an unnamed one's sem_init is 'init')")
        }
        var absent = Setup(value: 0, named: true, permissions: try Permissions(setup: setup))
        absent.exists = false
        if let umask = try Umasks(setup: setup) { absent.umask = umask }
        return absent
    }

    /// The header's form of such a setup.
    static func absentParameters(_ setup: Setup) -> JSONValue {
        var value: JSONObject = ["named": true, "exists": false]
        if let umask = setup.umask.json { value["umask"] = umask }
        for (field, json) in setup.permissions.json { value[field] = json }
        return .object(value)
    }
}
