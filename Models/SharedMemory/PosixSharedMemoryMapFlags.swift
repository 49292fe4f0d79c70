/// `mmap`'s flags beyond the mapping type and the address, on a POSIX shared memory object, as this kernel (6.18)
/// does them (measured, `SharedMemoryMapFlagsFactsTests`, a C probe of every bit; LTP `mmap17`–`mmap20`):
///
/// - `MAP_SHARED_VALIDATE` (type 3, `"mapping": "shared-validate"`) maps as `MAP_SHARED` does, but refuses a flag
///   outside the kernel's legacy set with `EOPNOTSUPP` (`do_mmap`'s `flags & ~flags_mask`; tmpfs adds no `MAP_SYNC`).
///   On this x86-64 kernel the bits it refuses are 0x200, 0x400, `MAP_SYNC` (0x80000), 0x200000 through 0x2000000 and
///   0x80000000 — glibc passes its `int` flags sign-extended, so bit 31 sets the upper half; every other bit is taken.
///   Plain `MAP_SHARED` and `MAP_PRIVATE` drop what they do not know. The refusal comes after `EOVERFLOW` and
///   `MAP_FIXED_NOREPLACE`'s `EEXIST` and before the descriptor's `EACCES`, leaving a mapping in the way as it was.
/// - `MAP_HUGETLB` on a descriptor not of hugetlbfs fails `EINVAL` in `ksys_mmap_pgoff`, before `do_mmap` looks at
///   anything else (`EOVERFLOW`, `EEXIST`, `EACCES`).
/// - `MAP_GROWSDOWN` of a file fails `EINVAL` last of all (after `EOPNOTSUPP` and `EACCES`): shared, private or
///   validated.
/// - `MAP_LOCKED` locks every page of the new mapping — past the object's end too, private too — as `msync`'s
///   `MS_INVALIDATE` then sees (`EBUSY`); it never fails for a page it cannot fault in (`mm_populate`'s errors are
///   ignored). `RLIMIT_MEMLOCK` (`EAGAIN`) is `mlock`'s rule: a worker without `CAP_IPC_LOCK` refuses the call.
/// - `MAP_POPULATE` (and `MAP_LOCKED`) fault a writable private mapping's pages in for writing, which copies them
///   (`PosixSharedMemoryPopulate.swift`); otherwise they, `MAP_NONBLOCK`, `MAP_NORESERVE`, `MAP_STACK`, `MAP_DENYWRITE`,
///   `MAP_EXECUTABLE`, `MAP_32BIT`, `MAP_UNINITIALIZED` and the huge-page size bits change nothing a trace shows
///   (`MAP_POPULATE` past the end maps; the access there is still `SIGBUS`).
extension PosixSharedMemoryModel {
    /// `mmap`'s flags other than the type, `MAP_FIXED`, `MAP_FIXED_NOREPLACE` and `MAP_ANONYMOUS` (those are
    /// `"mapping"` and `"address"`; `MAP_ANONYMOUS` maps no object).
    public struct MapFlags: OptionSet, Hashable, Sendable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let bits32 = MapFlags(rawValue: 0x40)
        public static let growsDown = MapFlags(rawValue: 0x100)
        public static let denyWrite = MapFlags(rawValue: 0x800)
        public static let executable = MapFlags(rawValue: 0x1000)
        public static let locked = MapFlags(rawValue: 0x2000)
        public static let noReserve = MapFlags(rawValue: 0x4000)
        public static let populate = MapFlags(rawValue: 0x8000)
        public static let nonblock = MapFlags(rawValue: 0x10000)
        public static let stack = MapFlags(rawValue: 0x20000)
        public static let hugeTLB = MapFlags(rawValue: 0x40000)
        public static let sync = MapFlags(rawValue: 0x80000)
        public static let uninitialized = MapFlags(rawValue: 0x4000000)

        /// The names a trace gives, in bit order; other bits are `"bits"`.
        public static let names: [(name: String, flag: MapFlags)] = [
            ("MAP_32BIT", .bits32), ("MAP_GROWSDOWN", .growsDown), ("MAP_DENYWRITE", .denyWrite), ("MAP_EXECUTABLE", .executable),
            ("MAP_LOCKED", .locked), ("MAP_NORESERVE", .noReserve), ("MAP_POPULATE", .populate), ("MAP_NONBLOCK", .nonblock),
            ("MAP_STACK", .stack), ("MAP_HUGETLB", .hugeTLB), ("MAP_SYNC", .sync), ("MAP_UNINITIALIZED", .uninitialized),
        ]

        /// What `MAP_SHARED_VALIDATE` refuses with `EOPNOTSUPP` on this kernel (measured bit by bit).
        public static let unsupportedWhenValidated = MapFlags(rawValue: 0x200 | 0x400 | 0x80000 | 0x3E0_0000 | 0x8000_0000)
        /// The bits `"mapping"` and `"address"` stand for, and `MAP_ANONYMOUS`: never in `"bits"`.
        static let reserved = 0x3F | 0x10_0000

        public var named: [String] { Self.names.filter { contains($0.flag) }.map(\.name) }
        /// The bits no name covers.
        public var otherBits: Int { rawValue & ~Self.names.reduce(0) { $0 | $1.flag.rawValue } }

        /// `"flags": [NAME, ...]` and `"bits": INT` (a 32-bit `int`, as glibc's `mmap` takes), or nil with neither.
        static func parse(_ value: JSONValue?) throws(ModelError) -> MapFlags? {
            let names = try value.optional("flags")?.elements("flags")
            let bits = try value.optional("bits")?.integer("bits", in: Int(Int32.min)...Int(Int32.max))
            guard names != nil || bits != nil else { return nil }
            var flags = MapFlags(rawValue: Int(UInt32(truncatingIfNeeded: bits ?? 0)))
            if flags.rawValue & reserved != 0 {
                throw ModelError(
                    "field 'bits' of open may not hold MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_FIXED_NOREPLACE or MAP_ANONYMOUS (0x3f, 0x100000): 'mapping' and 'address' give those, and MAP_ANONYMOUS maps no object"
                )
            }
            for element in names ?? [] {
                guard case .string(let name) = element, let flag = Self.names.first(where: { $0.name == name })?.flag else {
                    throw ModelError("field 'flags' of open must name \(Self.names.map(\.name).joined(separator: ", ")) (other bits: 'bits')")
                }
                flags.insert(flag)
            }
            return flags
        }

        /// As a trace writes them.
        func write(into value: inout JSONObject) {
            if !named.isEmpty { value["flags"] = .array(named.map { .string($0) }) }
            if otherBits != 0 { value["bits"] = .int(Int(Int32(bitPattern: UInt32(otherBits)))) }
        }
    }

    /// The error `opening`'s flags give at `stage` of `mmap`'s checks (nil: none there).
    enum MapFlagsStage { case first, type, last }

    static func mapFlagsError(_ opening: Opening, at stage: MapFlagsStage) -> ErrorCode? {
        switch stage {
        case .first: return opening.mapFlags.contains(.hugeTLB) ? .EINVAL : nil
        case .type:
            let refused = !opening.mapFlags.intersection(.unsupportedWhenValidated).isEmpty
            return opening.validate && refused ? ErrorCode("EOPNOTSUPP") : nil
        case .last: return opening.mapFlags.contains(.growsDown) ? .EINVAL : nil
        }
    }
}
