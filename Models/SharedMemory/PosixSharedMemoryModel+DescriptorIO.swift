/// `read`, `write`, `pread`, `pwrite` and `lseek` of the object's descriptor, as measured (`SharedMemoryDescriptorIOFactsTests`,
/// C probes first; read(2), write(2), pread(2), lseek(2)). A POSIX shared memory object is a tmpfs regular file:
///
/// - The file offset is the open file description's: `read` and `write` move it, `pread` and `pwrite` neither use nor
///   move it; a `fork` child's descriptor shares it with its parent's, another `shm_open` has its own, at 0.
/// - `read` stops at the size (0 at or past it); `write` grows the size to its end, zeroing nothing (what a mapping
///   stored past the old end in its page shows), and a mapping sees the bytes written at once, its loads and stores
///   coherent with the descriptor's reads and writes; a page that was wholly beyond the end raises `SIGBUS` before and
///   holds the data after. A private mapping's pages follow the writes until it copies them.
/// - Refusals, in the kernel's order: `pread`/`pwrite` of a negative offset `EINVAL` (before the descriptor is looked
///   at); no descriptor `EBADF`; `write`/`pwrite` through an `O_RDONLY` descriptor `EBADF` (a count of 0 too); a
///   position plus a count past 2^63 − 1 `EINVAL` (`rw_verify_area`; a count of 0 never); then a count of 0 does
///   nothing and returns 0 (even past `RLIMIT_FSIZE`).
/// - `O_APPEND` (set by `F_SETFL`): every `write` goes to the end and leaves the offset there; `pwrite` appends too,
///   ignoring its offset (Linux, pwrite(2) BUGS), and leaves the offset alone.
/// - `RLIMIT_FSIZE` (the setup's `"fsize"`, ``FileSizeLimit``): a write at or past the soft limit fails `EFBIG` (and
///   sends `SIGXFSZ`) whether or not it grows the object; one that starts below it is cut short at it. Unlike
///   `ftruncate`, the position is checked, not the growth.
/// - `lseek`: `SEEK_SET`, `SEEK_CUR`, `SEEK_END`; a result below 0 (or past 2^63 − 1) fails `EINVAL`, the offset
///   unchanged; a `whence` above 4 `EINVAL`; the offset may be set past the end (a read there returns nothing).
///
/// Not judged (the trace is refused): `SEEK_DATA`/`SEEK_HOLE` (holes exist on tmpfs, page by page, and which pages
/// are allocated follows every load and store through a mapping and `fallocate`, which the model does not keep), and
/// `read`, `write` and `lseek(SEEK_CUR)` in a trace whose setup gives descriptors (`"mapped"`): their offsets, and
/// whether they share one, are not known.
extension PosixSharedMemoryModel {
    /// A call on the object's descriptor that moves bytes or the file offset.
    public enum DescriptorCall: Hashable, Sendable {
        /// `read` of up to `max` bytes at the file offset.
        case read(max: Int)
        /// `write` at the file offset (at the end with `O_APPEND`).
        case write(data: [UInt8])
        /// `pread` of up to `max` bytes at `offset`.
        case positionedRead(max: Int, offset: Int)
        /// `pwrite` at `offset` (at the end with `O_APPEND`).
        case positionedWrite(data: [UInt8], offset: Int)
        /// `lseek`: `whence` is `SEEK_SET` 0, `SEEK_CUR` 1 or `SEEK_END` 2 (a number above 4 fails `EINVAL`).
        case seek(offset: Int, whence: Int)

        /// The largest `max` a trace's `read` or `pread` may ask: the model builds what it returns.
        static let largestRead = 1 << 24
    }

    /// The trace's `read`, `write`, `pread`, `pwrite` or `lseek`, nil for another call.
    func descriptorInput(_ call: Call) throws(ModelError) -> Input? {
        let io: DescriptorCall
        func offset() throws(ModelError) -> Int { try call.value.required("offset").integer("offset", in: Int.min...Int.max) }
        func max() throws(ModelError) -> Int { try call.value.required("max").integer("max", in: 0...DescriptorCall.largestRead) }
        switch call.f {
        case "read": io = .read(max: try max())
        case "write": io = .write(data: try call.value.required("data").payload("data"))
        case "pread": io = .positionedRead(max: try max(), offset: try offset())
        case "pwrite": io = .positionedWrite(data: try call.value.required("data").payload("data"), offset: try offset())
        case "lseek":
            let position = try FilePosition.parse(call.value, whence: true)
            if position.whence == 3 || position.whence == 4 {
                throw ModelError("lseek SEEK_DATA/SEEK_HOLE: which pages of a tmpfs object are holes follows every access through a mapping and fallocate, which the posix-shm model does not keep")
            }
            io = .seek(offset: position.offset, whence: position.whence)
        default: return nil
        }
        if io.usesFileOffset, let object = setups.first(where: { $0.name == call.object }), !object.setup.mapped.isEmpty {
            throw ModelError("'\(call.f)' uses the file offset, and the setup gives descriptors (\"mapped\") whose offsets, and whether they share one, the posix-shm model does not know (pread, pwrite, lseek SEEK_SET and SEEK_END are judged)")
        }
        return .descriptorIO(process: call.process, io)
    }

    /// Each outcome of `call` by `process` through its newest descriptor.
    func descriptorTransitions(_ state: State, process: Int, _ call: DescriptorCall) -> [Transition<State, Output>] {
        if case .positionedRead(_, let offset) = call, offset < 0 { return [Transition(.failed(.EINVAL), state)] }
        if case .positionedWrite(_, let offset) = call, offset < 0 { return [Transition(.failed(.EINVAL), state)] }
        guard let newest = state.newestDescriptor(process) else { return [Transition(.failed(.EBADF), state)] }
        let descriptor = state.mappings[process]![newest]
        switch call {
        case .read(let max):
            return [state.reading(max, at: descriptor.fileOffset, moving: descriptor.openFileDescription)]
        case .positionedRead(let max, let offset):
            return [state.reading(max, at: offset, moving: nil)]
        case .write(let data):
            return appendings(descriptor).map { append in
                state.writing(data, at: descriptor.fileOffset, appending: append, by: process, moving: descriptor.openFileDescription)
            }
        case .positionedWrite(let data, let offset):
            return appendings(descriptor).map { append in state.writing(data, at: offset, appending: append, by: process, moving: nil) }
        case .seek(let offset, let whence):
            let base: Int
            switch whence {
            case 0: base = 0
            case 1: base = descriptor.fileOffset
            case 2: base = state.size
            default: return [Transition(.failed(.EINVAL), state)]
            }
            let (position, overflow) = base.addingReportingOverflow(offset)
            if overflow || position < 0 { return [Transition(.failed(.EINVAL), state)] }
            var next = state
            next.setFileOffset(position, ofDescription: descriptor.openFileDescription)
            return [Transition(.offset(position), next)]
        }
    }

    /// Whether a write through `descriptor` appends: its `O_APPEND`, or either while its flags are not known.
    private func appendings(_ descriptor: PosixSharedMemoryMapping) -> [Bool] {
        descriptor.statusFlags.map { [$0.contains(.append)] } ?? [false, true]
    }

    /// A completed call's output: `read`'s and `pread`'s `{"data"}`, `write`'s and `pwrite`'s `{"written"}`, `lseek`'s
    /// `{"offset"}`.
    static func descriptorOutput(_ value: JSONValue?, for call: DescriptorCall) throws(ModelError) -> Output {
        switch call {
        case .read, .positionedRead: .data(try value.required("data").payload("data"))
        case .write, .positionedWrite: .written(try value.required("written").integer("written", in: 0...Int.max))
        case .seek: .offset(try value.required("offset").integer("offset", in: Int.min...Int.max))
        }
    }

    /// A recorded short write or `EFBIG` of a write, or an `EFBIG` of an allocation within 2^63 − 1 bytes, where the setup does not say the processes' `RLIMIT_FSIZE`:
    /// refused, not judged (the limit may be what cut it).
    func refuseUnfollowedWriteLimit(_ outcome: Outcome, _ input: Input) throws(ModelError) {
        guard !followsFileSizeLimits else { return }
        if case .allocate(let process, let allocation) = input, case .fail(.EFBIG) = outcome,
            !allocation.offset.addingReportingOverflow(allocation.length).overflow
        {
            throw ModelError("process \(process)'s \(allocation.posix ? "posix_fallocate" : "fallocate") failed EFBIG within 2^63 − 1 bytes, and the setup does not say the processes' RLIMIT_FSIZE ('fsize'): the posix-shm model cannot judge it")
        }
        guard case .descriptorIO(let process, let call) = input, let data = call.written else { return }
        var refusedByLimit = false
        if case .fail(.EFBIG) = outcome { refusedByLimit = true }
        if case .ok(let value) = outcome, let written = try value.optional("written")?.integer("written"), written < data.count { refusedByLimit = true }
        guard refusedByLimit else { return }
        throw ModelError("process \(process)'s \(call.name) was cut short or failed EFBIG, and the setup does not say the processes' RLIMIT_FSIZE ('fsize'): the posix-shm model cannot judge it")
    }
}

extension PosixSharedMemoryModel.DescriptorCall {
    /// Whether the call reads or moves the file offset (not known for a descriptor the setup gives).
    var usesFileOffset: Bool {
        switch self {
        case .read, .write: true
        case .seek(_, let whence): whence == 1
        case .positionedRead, .positionedWrite: false
        }
    }

    /// The bytes a write gives.
    var written: [UInt8]? {
        switch self {
        case .write(let data), .positionedWrite(let data, _): data
        default: nil
        }
    }

    var name: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .positionedRead: "pread"
        case .positionedWrite: "pwrite"
        case .seek: "lseek"
        }
    }

    /// The invoke value.
    var json: JSONValue {
        switch self {
        case .read(let max): ["max": .int(max)]
        case .write(let data): ["data": Payload.json(data)]
        case .positionedRead(let max, let offset): ["max": .int(max), "offset": .int(offset)]
        case .positionedWrite(let data, let offset): ["data": Payload.json(data), "offset": .int(offset)]
        case .seek(let offset, let whence):
            ["offset": .int(offset), "whence": FilePosition.json(ofWhence: whence)]
        }
    }

    var text: String {
        switch self {
        case .read(let max): "read \(max) bytes"
        case .write(let data): "write \(Payload.preview(data))"
        case .positionedRead(let max, let offset): "pread \(max) bytes at \(offset)"
        case .positionedWrite(let data, let offset): "pwrite \(Payload.preview(data)) at \(offset)"
        case .seek(let offset, let whence):
            "lseek \(offset) " + (FilePosition.name(ofWhence: whence) ?? "whence \(whence)")
        }
    }
}

extension PosixSharedMemoryModel.State {
    /// A read of up to `max` bytes at `position`: `EINVAL` where the two pass 2^63 − 1, else the bytes up to the
    /// size; the offset of `description` (a `read`'s) moves past them.
    func reading(_ max: Int, at position: Int, moving description: Int?) -> Transition<Self, PosixSharedMemoryModel.Output> {
        if max > 0 && position > Int.max - max { return Transition(.failed(.EINVAL), self) }
        let count = position >= size ? 0 : Swift.min(max, size - position)
        let bytes = (0..<count).map { byte(at: position + $0) }
        var next = self
        if let description { next.setFileOffset(position + count, ofDescription: description) }
        return Transition(.data(bytes), next)
    }

    /// A write of `data` at `position` (the end when `append`): `EBADF` through an `O_RDONLY` descriptor, `EINVAL`
    /// where the position and the count pass 2^63 − 1, nothing for no bytes, `EFBIG` at or past `RLIMIT_FSIZE` (or
    /// 2^63 − 1), else as many bytes as fit below it, the size growing to their end; the offset of `description` (a
    /// `write`'s) moves past them.
    func writing(
        _ data: [UInt8], at position: Int, appending append: Bool, by process: Int, moving description: Int?
    ) -> Transition<Self, PosixSharedMemoryModel.Output> {
        guard let newest = newestDescriptor(process), !mappings[process]![newest].readOnlyDescriptor else {
            return Transition(.failed(.EBADF), self)
        }
        if !data.isEmpty && position > Int.max - data.count { return Transition(.failed(.EINVAL), self) }
        if data.isEmpty { return Transition(.written(0), self) }
        let start = append ? size : position
        let limit = fileSizeLimits[process].map { $0.soft == MemoryLockLimit.unlimited ? Int.max : $0.soft } ?? Int.max
        if start >= limit { return Transition(.failed(.EFBIG), self) }
        let count = Swift.min(data.count, limit - start)
        var next = self
        for index in 0..<count { next.setByte(data[index], at: start + index) }
        next.size = Swift.max(size, start + count)
        if let description { next.setFileOffset(start + count, ofDescription: description) }
        return Transition(.written(count), next)
    }

    /// The object's byte at `position` (little-endian words).
    func byte(at position: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: UInt64(bitPattern: words[position / 8] ?? 0) >> UInt64(position % 8 * 8))
    }

    mutating func setByte(_ byte: UInt8, at position: Int) {
        let shift = UInt64(position % 8 * 8)
        let old = UInt64(bitPattern: words[position / 8] ?? 0)
        let new = Int64(bitPattern: old & ~(0xFF << shift) | UInt64(byte) << shift)
        words[position / 8] = new == 0 ? nil : new
    }

    /// `lseek`, `read` and `write` move the offset of the open file description: every descriptor of it, in every
    /// process (inherited through `fork`), has the new one.
    mutating func setFileOffset(_ offset: Int, ofDescription description: Int) {
        for (process, held) in mappings {
            for index in held.indices where held[index].openFileDescription == description {
                mappings[process]![index].fileOffset = offset
            }
        }
    }
}
