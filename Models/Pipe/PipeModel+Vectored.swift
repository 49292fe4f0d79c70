/// `readv` and `writev` on a pipe: each is one `read` or `write` of the vectors' summed size (measured in
/// `KernelVectoredFactsTests`): a `writev` merges `total mod 4096` bytes into the last page as a `write` of that
/// size would, is atomic up to `PIPE_BUF` in total (so 1000 + 2000-byte `writev`s fill a pipe at 48000 bytes, as
/// 3000-byte writes do), and fails `EAGAIN` whole when nonblocking and out of room; a `readv` fills its buffers in order
/// as one read of their summed size (a packet too). More than `IOV_MAX` (1024) vectors fail `EINVAL` and move nothing
/// (after `EBADF`: the descriptor is looked at first).
extension PipeModel {
    /// `IOV_MAX` on Linux.
    public static let maximumVectors = 1024

    /// The `read` or `write` a vectored call is, or nil for every other input (and for a vectored call with too many
    /// vectors, which is not one).
    func scalar(_ input: Input) -> Input? {
        switch input {
        case .writev(let process, let pieces) where pieces.count <= Self.maximumVectors:
            .write(process: process, data: Array(pieces.joined()), nonblocking: false)
        case .readv(let process, let sizes) where sizes.count <= Self.maximumVectors:
            .read(process: process, max: sizes.reduce(0, +), nonblocking: false)
        default: nil
        }
    }

    /// A vectored call with more than `IOV_MAX` vectors: `EBADF` without that end, else `EINVAL`.
    func tooManyVectors(_ state: State, process: Int, end: End) -> [(output: Output?, step: Step<State>)] {
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        return [(.failed(held ? .EINVAL : .EBADF), .completed(state))]
    }
}
