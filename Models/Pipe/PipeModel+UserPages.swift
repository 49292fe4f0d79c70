/// The pages a user's pipes may take before the kernel holds an unprivileged caller back (`pipe-user-pages-soft`),
/// as this kernel counts them (`KernelPipeUserPagesFactsTests`, forked children of users of their own, a C probe
/// first; LTP's `pipe15` and `fcntl37`):
/// - every pipe accounts its slots (`nr_accounted`) to the user whose *real* uid made it — `pipe->user`, not whoever
///   calls on it later;
/// - a new pipe takes 16 pages (64 KiB), or 2 (8 KiB) when the maker is unprivileged (neither `CAP_SYS_RESOURCE` nor
///   `CAP_SYS_ADMIN`: any non-root user; root here has `CAP_SYS_ADMIN`) and its user's pages with the 16 would pass
///   the soft limit (strictly: exactly at it, 16 pages are still given);
/// - `F_SETPIPE_SZ` to more slots than the pipe accounts fails `EPERM` when the caller is unprivileged and the
///   user's pages with the new size would pass the limit — after `EINVAL` and `pipe-max-size`'s `EPERM`, before
///   `EBUSY`; shrinking is always allowed, setting the same size too, and a privileged caller (effective uid 0, even
///   with a non-root real uid) passes the limit, for a new pipe too.
///
/// The trace says it with `"userPages"` on a pipe's setup: `{"others": N, "unprivileged": [P…], "soft": 16384?}`:
/// the pages the pipe's user's *other* pipes account, taken to stay as they are during the trace (a trace that
/// makes, resizes or closes another pipe of that user must say it of no object: the model judges one pipe at a
/// time), and the processes that are unprivileged. `pipe-user-pages-hard` is 0 here (no hard limit); a trace naming
/// one is refused. Without `"userPages"` every caller is taken as privileged (the harness's workers run as root).
public struct PipeUserPages: Hashable, Sendable {
    /// Pages accounted to the pipe's user by its other pipes.
    public var others: Int
    /// The processes of the trace without `CAP_SYS_RESOURCE` and `CAP_SYS_ADMIN`.
    public var unprivileged: Set<Int>
    /// `/proc/sys/fs/pipe-user-pages-soft` (0: no limit).
    public var soft: Int

    /// `PIPE_DEF_BUFFERS` and `PIPE_MIN_DEF_BUFFERS`: a new pipe's slots, and what it gets past the soft limit.
    public static let defaultSlots = 16
    public static let minimumSlots = 2

    public init(others: Int, unprivileged: Set<Int>, soft: Int = 16384) {
        self.others = others
        self.unprivileged = unprivileged
        self.soft = soft
    }

    /// Whether `process` is held back when the pipe would account `slots` (`too_many_pipe_buffers_soft` and
    /// `pipe_is_unprivileged_user`).
    func holdsBack(_ process: Int, slots: Int) -> Bool {
        unprivileged.contains(process) && soft > 0 && others + slots > soft
    }

    /// The slots a pipe `process` makes gets (`alloc_pipe_info`).
    func newPipeSlots(madeBy process: Int) -> Int {
        holdsBack(process, slots: Self.defaultSlots) ? Self.minimumSlots : Self.defaultSlots
    }

    /// Reads `"userPages"` of a pipe's setup (nil when absent).
    static func parse(_ setup: JSONValue?, pipe name: String) throws(ModelError) -> PipeUserPages? {
        guard let found = try setup.optional("userPages") else { return nil }
        let value: JSONValue? = found
        if let hard = try value.optional("hard"), try hard.integer("hard", in: 0...Int.max) != 0 {
            throw ModelError("pipe '\(name)': 'userPages' names a hard limit (pipe-user-pages-hard); this kernel has none (0), so what one does was not measured")
        }
        let others = try value.required("others").integer("others", in: 0...1 << 40)
        let unprivileged = try value.optional("unprivileged")?.elements("unprivileged").map { (process) throws(ModelError) in
            try process.integer("unprivileged", in: 1...10_000)
        } ?? []
        let soft = try value.optional("soft")?.integer("soft", in: 0...1 << 40) ?? 16384
        return PipeUserPages(others: others, unprivileged: Set(unprivileged), soft: soft)
    }

    /// `"userPages"` as the trace writes it.
    var json: JSONValue {
        var value: JSONObject = ["others": .int(others), "unprivileged": .array(unprivileged.sorted().map { .int($0) })]
        if soft != 16384 { value["soft"] = .int(soft) }
        return .object(value)
    }
}
