/// `msync` of pages of a process's newest mapping, as measured (`SharedMemorySyncFactsTests`, a C probe first; Open
/// POSIX `msync` as the checklist). The kernel checks the flags (`EINVAL` for bits beyond `MS_ASYNC`,
/// `MS_INVALIDATE`, `MS_SYNC`, and for `MS_SYNC` with `MS_ASYNC`) and the address's alignment (`EINVAL`) first; no
/// pages succeed; a range with a page not mapped fails `ENOMEM` (after syncing the rest). Nothing a trace can see
/// changes: a shared mapping of tmpfs is the object's memory already, and a private one has nothing to write back.
/// `MS_INVALIDATE` over a locked page (``PosixSharedMemoryModel+Lock``) fails `EBUSY`, even past a page not mapped
/// (the kernel looks at each mapping in the range in turn, and reports a hole only at the end).
extension PosixSharedMemoryMapping {
    /// `msync`'s flags: the three it knows and any other bits.
    public struct SyncFlags: Hashable, Sendable {
        public var sync: Bool
        public var async: Bool
        public var invalidate: Bool
        /// Bits beyond the three (`EINVAL`).
        public var otherBits: Int

        public init(sync: Bool = false, async: Bool = false, invalidate: Bool = false, otherBits: Int = 0) {
            self.sync = sync
            self.async = async
            self.invalidate = invalidate
            self.otherBits = otherBits
        }

        /// Whether the kernel refuses them: other bits, or `MS_SYNC` with `MS_ASYNC`.
        public var refused: Bool { otherBits != 0 || (sync && async) }

        public var names: [String] {
            (sync ? ["MS_SYNC"] : []) + (async ? ["MS_ASYNC"] : []) + (invalidate ? ["MS_INVALIDATE"] : [])
        }
    }

    /// `msync` of `pages`: `EINVAL` for refused flags or an unaligned address, success for no pages, `EBUSY` for
    /// `MS_INVALIDATE` over a locked page, `ENOMEM` when a page is not mapped (or past the length), otherwise success;
    /// nothing changes.
    func sync(_ pages: Pages, flags: SyncFlags) -> ErrorCode? {
        if flags.refused || pages.unaligned { return .EINVAL }
        if pages.count == 0 { return nil }
        if flags.invalidate && pages.range.contains(where: { locked.contains($0) }) { return .EBUSY }
        return pages.range.contains { $0 >= self.pages.count || self.pages[$0] == nil } ? .ENOMEM : nil
    }
}

extension PosixSharedMemoryModel {
    /// `msync` by `process`. The harness's rule without a mapping, as `mprotect`'s: the worker has no address and
    /// answers as the kernel does where nothing is mapped (after the same `EINVAL`s).
    func syncTransitions(_ state: State, process: Int, pages: PosixSharedMemoryMapping.Pages, flags: PosixSharedMemoryMapping.SyncFlags)
        -> [Transition<State, Output>]
    {
        guard let mapping = state.mappings[process]?.last else {
            if flags.refused || pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
            return [Transition(pages.count == 0 ? .done : .failed(.ENOMEM), state)]
        }
        return [Transition(mapping.sync(pages, flags: flags).map { .failed($0) } ?? .done, state)]
    }

    /// The trace's `"flags"` (names) and `"bits"` (any other bits).
    static func syncFlags(_ value: JSONValue?) throws(ModelError) -> PosixSharedMemoryMapping.SyncFlags {
        let names = try value.optional("flags")?.elements("flags").map { (name) throws(ModelError) in try name.text("flags") } ?? []
        for name in names where !["MS_SYNC", "MS_ASYNC", "MS_INVALIDATE"].contains(name) {
            throw ModelError("field 'flags' may hold \"MS_SYNC\", \"MS_ASYNC\" and \"MS_INVALIDATE\", not \"\(name)\" (other bits: \"bits\")")
        }
        return PosixSharedMemoryMapping.SyncFlags(
            sync: names.contains("MS_SYNC"), async: names.contains("MS_ASYNC"), invalidate: names.contains("MS_INVALIDATE"),
            otherBits: try value.optional("bits")?.integer("bits", in: 0...Int(Int32.max)) ?? 0)
    }
}
