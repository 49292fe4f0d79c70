/// `fallocate` and `posix_fallocate` of the object's descriptor, as measured (`SharedMemoryAllocateFactsTests`, C probes
/// first; LTP `fallocate01`–`06`; fallocate(2), the kernel's `vfs_fallocate` and `shmem_fallocate`, 6.18):
///
/// - Mode 0 allocates and grows the size to `offset + length` (never shrinks it), zeroing nothing — what a mapping
///   stored past the old end in its page shows, as after `ftruncate`; `FALLOC_FL_KEEP_SIZE` allocates and changes
///   nothing a trace sees; `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE` zeroes the range's bytes (past the end too),
///   which shared mappings' loads see at once (a private mapping's copied pages stay its own), the size unchanged.
/// - Refusals, in the kernel's order: an `offset` below 0 or a `length` of 0 or less `EINVAL`; then the modes
///   `vfs_fallocate` refuses, `EOPNOTSUPP` — `FALLOC_FL_PUNCH_HOLE` without `FALLOC_FL_KEEP_SIZE`, `COLLAPSE_RANGE`,
///   `INSERT_RANGE` and `WRITE_ZEROES` with it, more than one mode, `FALLOC_FL_NO_HIDE_STALE` and bits it does not know;
///   then no descriptor or an `O_RDONLY` one `EBADF`; then the modes tmpfs does not have, `EOPNOTSUPP` —
///   `ZERO_RANGE` (with `KEEP_SIZE` too), `UNSHARE_RANGE`, `COLLAPSE_RANGE`, `INSERT_RANGE`, `WRITE_ZEROES`; then
///   `offset + length` past 2^63 − 1 `EFBIG`; then, for an allocation that would end past the size, past the soft
///   `RLIMIT_FSIZE` `EFBIG` (and `SIGXFSZ`; `KEEP_SIZE` too; a punched hole is never checked).
/// - An allocation may also fail `ENOSPC` where tmpfs has no room (its size, and what else it holds, are not in a
///   trace): allowed beside success, nothing changed.
/// - `posix_fallocate` is glibc's mode 0 `fallocate`, its error returned (the trace's `fail` names it).
extension PosixSharedMemoryModel {
    /// The arguments of `fallocate` (or `posix_fallocate`: mode 0).
    public struct Allocation: Hashable, Sendable {
        /// The mode's bits (`FALLOC_FL_KEEP_SIZE` 0x1, `FALLOC_FL_PUNCH_HOLE` 0x2, …).
        public var mode: Int
        public var offset: Int
        public var length: Int
        /// `posix_fallocate` rather than `fallocate`.
        public var posix = false

        public init(mode: Int = 0, offset: Int, length: Int, posix: Bool = false) {
            self.mode = mode
            self.offset = offset
            self.length = length
            self.posix = posix
        }

        public static let keepSize = 0x1
        public static let punchHole = 0x2

        /// The mode names a trace gives, with their bits.
        static let names: [(name: String, bits: Int)] = [
            ("FALLOC_FL_KEEP_SIZE", 0x1), ("FALLOC_FL_PUNCH_HOLE", 0x2), ("FALLOC_FL_NO_HIDE_STALE", 0x4),
            ("FALLOC_FL_COLLAPSE_RANGE", 0x8), ("FALLOC_FL_ZERO_RANGE", 0x10), ("FALLOC_FL_INSERT_RANGE", 0x20),
            ("FALLOC_FL_UNSHARE_RANGE", 0x40), ("FALLOC_FL_WRITE_ZEROES", 0x80),
        ]

        /// Where the mode is refused `EOPNOTSUPP`: true by `vfs_fallocate`, before the descriptor's access is checked,
        /// false by tmpfs, after it; nil for the three modes tmpfs takes.
        public var refusedBeforeAccess: Bool? {
            let keep = mode & Self.keepSize != 0
            switch mode & ~Self.keepSize {
            case 0: return nil
            case Self.punchHole: return keep ? nil : true
            case 0x10, 0x40: return false
            case 0x8, 0x20, 0x80: return keep
            default: return true
            }
        }

        /// Whether it allocates (mode 0 or `KEEP_SIZE`), which may meet `RLIMIT_FSIZE` and `ENOSPC`.
        public var allocates: Bool { mode & ~Self.keepSize == 0 }
    }

    /// The trace's `fallocate` {`"mode"`: [NAME, ...]?, `"bits"`: INT?, `"offset"`, `"length"`} or `posix_fallocate`
    /// {`"offset"`, `"length"`}; nil for another call.
    func allocationInput(_ call: Call) throws(ModelError) -> Input? {
        guard call.f == "fallocate" || call.f == "posix_fallocate" else { return nil }
        var allocation = Allocation(
            offset: try call.value.required("offset").integer("offset", in: Int.min...Int.max),
            length: try call.value.required("length").integer("length", in: Int.min...Int.max), posix: call.f == "posix_fallocate")
        guard !allocation.posix else { return .allocate(process: call.process, allocation) }
        allocation.mode = try call.value.optional("bits")?.integer("bits", in: Int(Int32.min)...Int(UInt32.max)) ?? 0
        for element in try call.value.optional("mode")?.elements("mode") ?? [] {
            guard case .string(let name) = element, let known = Allocation.names.first(where: { $0.name == name }) else {
                throw ModelError("field 'mode' must name \(Allocation.names.map(\.name).joined(separator: ", ")) (other bits: 'bits')")
            }
            allocation.mode |= known.bits
        }
        return .allocate(process: call.process, allocation)
    }

    /// `fallocate` by `process` through its newest descriptor, in the kernel's order.
    func allocateTransitions(_ state: State, process: Int, _ allocation: Allocation) -> [Transition<State, Output>] {
        let (offset, length) = (allocation.offset, allocation.length)
        if offset < 0 || length <= 0 { return [Transition(.failed(.EINVAL), state)] }
        let unsupported = allocation.refusedBeforeAccess
        if unsupported == true { return [Transition(.failed(ErrorCode("EOPNOTSUPP")), state)] }
        guard let newest = state.newestDescriptor(process), !state.mappings[process]![newest].readOnlyDescriptor else {
            return [Transition(.failed(.EBADF), state)]
        }
        if unsupported != nil { return [Transition(.failed(ErrorCode("EOPNOTSUPP")), state)] }
        let (end, overflow) = offset.addingReportingOverflow(length)
        if overflow { return [Transition(.failed(.EFBIG), state)] }
        var next = state
        guard allocation.allocates else {
            next.zero(from: offset, to: end)
            return [Transition(.done, next)]
        }
        if end > state.size, let limit = state.fileSizeLimits[process], limit.soft != MemoryLockLimit.unlimited, end > limit.soft {
            return [Transition(.failed(.EFBIG), state)]
        }
        if allocation.mode & Allocation.keepSize == 0 { next.size = max(state.size, end) }
        return [Transition(.done, next), Transition(.failed(.ENOSPC), state)]
    }
}

extension PosixSharedMemoryModel.Allocation {
    /// The invoke value.
    var json: (f: String, value: JSONValue?) {
        var value: JSONObject = ["offset": .int(offset), "length": .int(length)]
        guard !posix else { return ("posix_fallocate", .object(value)) }
        var left = mode
        var named: [JSONValue] = []
        for (name, bits) in Self.names where left & bits != 0 {
            named.append(.string(name))
            left &= ~bits
        }
        if !named.isEmpty { value["mode"] = .array(named) }
        if left != 0 { value["bits"] = .int(left) }
        return ("fallocate", .object(value))
    }

    var text: String {
        posix ? "posix_fallocate \(offset) \(length)" : "fallocate mode 0x\(String(UInt32(truncatingIfNeeded: mode), radix: 16)) \(offset) \(length)"
    }
}

extension PosixSharedMemoryModel.State {
    /// The bytes from `start` up to `end` (exclusive) read zero: a punched hole. Only the words stored are visited, so
    /// a range of any length costs what the object holds.
    mutating func zero(from start: Int, to end: Int) {
        let (first, last) = (start / 8, (end - 1) / 8)
        for (index, word) in words where index >= first && index <= last {
            var kept = UInt64(bitPattern: word)
            for byte in 0..<8 {
                // In bytes from the word's start: an index near 2^60 would overflow in bytes.
                let inside = (index > first || byte >= start % 8) && (index < last || byte <= (end - 1) % 8)
                if inside { kept &= ~(UInt64(0xFF) << UInt64(byte * 8)) }
            }
            words[index] = kept == 0 ? nil : Int64(bitPattern: kept)
        }
    }
}
