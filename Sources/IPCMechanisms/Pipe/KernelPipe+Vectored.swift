import IPCSyscalls
import SystemPackage

/// `readv` and `writev` on a pipe's or FIFO's descriptor: as blocking as its description says (no per-call
/// `O_NONBLOCK`). For a pipe each is one `read` or `write` of the summed size (measured in
/// `KernelVectoredFactsTests`): the same merge into the last page, the same `PIPE_BUF` atomicity.
extension KernelPipe {
    /// `writev` of `pieces`; ``TransferResult/wouldBlock`` for `EAGAIN`.
    public static func write(_ descriptor: FileDescriptor, pieces: [[UInt8]]) throws(Errno) -> TransferResult<Int> {
        do throws(Errno) {
            return .completed(try Syscall.write(descriptor, pieces: pieces))
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// `readv` into buffers of `sizes`; the bytes read in order (empty: end of file); ``TransferResult/wouldBlock``
    /// for `EAGAIN`.
    public static func read(_ descriptor: FileDescriptor, sizes: [Int]) throws(Errno) -> TransferResult<[UInt8]> {
        do throws(Errno) {
            return .completed(try Syscall.read(descriptor, sizes: sizes))
        } catch .wouldBlock {
            return .wouldBlock
        }
    }
}
