import IPCModels

/// What the driver asks a live process after a kill left an operation indeterminate, to learn from the kernel
/// what that operation did: an observation the object's model checks like any other operation, which changes
/// nothing. Recorded as an ordinary invoke and completion, with `"resolves"` naming the killed process whose last
/// operation it resolves (a number that stays true when the run is replayed); the checker then sees the state the killed operation left and no longer has to allow both of its
/// outcomes for the rest of the run.
///
/// A kind names its probe (``ObjectKind/resolutionProbe``): `available` (`FIONREAD`) on a pipe's read end,
/// `getvalue` on a POSIX semaphore, `getall` on a System V semaphore set. The driver itself holds no end of
/// anything (holding a pipe end would change end of file and `EPIPE`), so the probe is made by a worker that holds
/// the object and is idle. The probe is an operation of the kind's model without arguments.
public struct ResolutionProbe: Equatable, Sendable {
    /// The operation's name in the model (`"available"`).
    public var f: String
    /// The role a prober must hold in the object (a pipe's read end), or nil for any holder.
    public var role: String?

    public init(f: String, role: String?) {
        self.f = f
        self.role = role
    }

    /// Whether a process holding `object` with `roles` may make this probe.
    func canBeMade(by roles: [String]?) -> Bool {
        guard let roles else { return false }
        return role.map(roles.contains) ?? true
    }
}
