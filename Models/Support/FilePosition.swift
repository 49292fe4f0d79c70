/// The arguments of `lseek`, `pread` and `pwrite` that the kernel checks on a file with no position (a pipe, a FIFO,
/// an eventfd), and the order it checks them in, as measured (`KernelPositionArgumentFactsTests`; LTP's `lseek02`,
/// `pread02`, `pwrite02`):
/// - `pread`/`pwrite` (`ksys_pread64`): a negative offset fails `EINVAL` before the descriptor is looked up — a
///   number that is no descriptor too; then `EBADF`; then `ESPIPE` on a pipe, a FIFO or an eventfd (none has
///   `FMODE_PREAD`, checked before the access mode, so a `pread` on a pipe's write end is `ESPIPE`, not `EBADF`);
/// - `lseek` (`ksys_lseek`): `EBADF` first; then a `whence` above `SEEK_HOLE` (4; −1 is 2^32 − 1 to the kernel's
///   `unsigned int`) fails `EINVAL`; then the file's own `llseek`: `ESPIPE` on a pipe or a FIFO whatever the offset,
///   0 on an eventfd whatever the offset and the `whence` (`noop_llseek`).
///
/// A trace that records neither field means the harness's own call: offset 0, `SEEK_CUR`.
public struct FilePosition: Hashable, Sendable {
    /// The offset asked for (`off_t`).
    public var offset: Int
    /// `lseek`'s `whence` as the caller passed it (`SEEK_SET` 0 … `SEEK_HOLE` 4; any other number is refused).
    public var whence: Int

    public init(offset: Int = 0, whence: Int = FilePosition.seekCurrent) {
        self.offset = offset
        self.whence = whence
    }

    public static let seekCurrent = 1
    /// `SEEK_SET`, `SEEK_CUR`, `SEEK_END`, `SEEK_DATA`, `SEEK_HOLE`: the names a trace may give for `whence`.
    public static let whenceNames = ["SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"]

    /// The harness's own call: offset 0, `SEEK_CUR`.
    public static let start = FilePosition()

    /// `whence`'s name, `SEEK_SET` … `SEEK_HOLE`; nil for any other number (a negative one too: the kernel's
    /// `unsigned int` reads −1 as 2^32 − 1).
    public static func name(ofWhence whence: Int) -> String? {
        whenceNames.indices.contains(whence) ? whenceNames[whence] : nil
    }

    /// `whence` as a trace writes it: its name, or the number.
    public static func json(ofWhence whence: Int) -> JSONValue { name(ofWhence: whence).map { .string($0) } ?? .int(whence) }

    /// What `pread` or `pwrite` fails with on a file with no position: `EINVAL` for a negative offset, whoever
    /// holds what; else `EBADF` when the process holds no descriptor; else `ESPIPE`.
    public func positionedFailure(held: Bool) -> ErrorCode {
        if offset < 0 { return .EINVAL }
        return held ? .ESPIPE : .EBADF
    }

    /// What `lseek` fails with before the file's own `llseek` runs: `EBADF` without a descriptor, then `EINVAL` for a
    /// `whence` the kernel does not know; nil when the file's `llseek` decides.
    public func seekFailure(held: Bool) -> ErrorCode? {
        guard held else { return .EBADF }
        return (0...4).contains(whence) ? nil : .EINVAL
    }

    /// `"offset"` and, for `lseek`, `"whence"` of a call's value (either absent: the harness's own call).
    public static func parse(_ value: JSONValue?, whence readsWhence: Bool) throws(ModelError) -> FilePosition {
        var position = FilePosition()
        if let offset = try value.optional("offset") {
            position.offset = try offset.integer("offset", in: Int.min...Int.max)
        }
        guard readsWhence, let whence = try value.optional("whence") else { return position }
        if case .string(let name) = whence {
            guard let number = whenceNames.firstIndex(of: name) else {
                throw ModelError("'whence' is \(name), not one of \(whenceNames.joined(separator: ", ")) or a number")
            }
            position.whence = number
        } else {
            // The kernel's `unsigned int`: a trace may write −1 for 2^32 − 1.
            position.whence = try whence.integer("whence", in: Int(Int32.min)...Int(UInt32.max))
        }
        return position
    }

    /// Records this position beside a call's other fields (nothing for the harness's own call).
    public func record(into value: inout JSONObject, whence writesWhence: Bool) {
        if offset != 0 { value["offset"] = .int(offset) }
        if writesWhence, whence != Self.seekCurrent { value["whence"] = .int(whence) }
    }

    /// A few words for a violation's description ("" for the harness's own call).
    public func described(whence describesWhence: Bool) -> String {
        var words: [String] = []
        if offset != 0 { words.append("offset \(offset)") }
        if describesWhence, whence != Self.seekCurrent {
            words.append("whence " + (Self.name(ofWhence: whence) ?? "\(whence)"))
        }
        return words.isEmpty ? "" : " (" + words.joined(separator: ", ") + ")"
    }
}
