import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// `read`, `write`, `pread`, `pwrite`, `lseek`, `fallocate` and `posix_fallocate` through the worker's
/// newest descriptor still open, as the posix-shm model judges them (``PosixSharedMemoryModel+DescriptorIO``,
/// ``PosixSharedMemoryModel+Allocate``). Without a descriptor the worker answers as the kernel does for none:
/// `EINVAL` for a negative `pread`/`pwrite` offset (checked first), else `EBADF` (`fallocate`'s own first refusals
/// too). An allocation longer than ``largestAllocation`` is refused: tmpfs would take it from the machine's memory.
extension PosixSharedMemoryBinding {
    /// The largest allocation the worker makes: a bigger one would take the machine's memory (tmpfs is memory).
    static let largestAllocation = 1 << 24

    func perform(_ call: PosixSharedMemoryModel.DescriptorCall) throws(Errno) -> PosixSharedMemoryModel.Output {
        switch call {
        case .positionedRead(_, let offset) where offset < 0, .positionedWrite(_, let offset) where offset < 0: throw .invalidArgument
        default: break
        }
        guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
        switch call {
        case .read(let max):
            return .data(try Self.reading(max) { (buffer) throws(Errno) in try Syscall.read(descriptor, into: buffer) })
        case .positionedRead(let max, let offset):
            return .data(try Self.reading(max) { (buffer) throws(Errno) in try Syscall.read(descriptor, into: buffer, at: offset) })
        case .write(let data):
            return .written(try data.withUnsafeBytes { buffer in Result { () throws(Errno) in try Syscall.write(descriptor, buffer) } }.get())
        case .positionedWrite(let data, let offset):
            return .written(try data.withUnsafeBytes { buffer in Result { () throws(Errno) in try Syscall.write(descriptor, buffer, at: offset) } }.get())
        case .seek(let offset, let whence):
            return .offset(try Syscall.seek(descriptor, offset: offset, whence: CInt(truncatingIfNeeded: whence)))
        }
    }

    func perform(_ allocation: PosixSharedMemoryModel.Allocation) throws(Errno) -> PosixSharedMemoryModel.Output {
        if allocation.allocates && allocation.length > Self.largestAllocation {
            BindingFailure.abandon("the posix-shm worker allocates at most \(Self.largestAllocation) bytes (tmpfs is the machine's memory): a longer fallocate is judged by the model only")
        }
        // The kernel's EINVAL and the modes it refuses come before the descriptor is looked at.
        if allocation.offset < 0 || allocation.length <= 0 { throw .invalidArgument }
        if allocation.refusedBeforeAccess == true { throw .notSupported }
        guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
        if allocation.posix {
            try Syscall.posixAllocate(descriptor, offset: allocation.offset, length: allocation.length)
        } else {
            try Syscall.allocate(descriptor, mode: CInt(truncatingIfNeeded: allocation.mode), offset: allocation.offset, length: allocation.length)
        }
        return .done
    }

    /// Up to `max` bytes that `read` puts in a buffer of that size.
    private static func reading(_ max: Int, _ read: (UnsafeMutableRawBufferPointer) throws(Errno) -> Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max)
        let count = try bytes.withUnsafeMutableBytes { buffer in Result { () throws(Errno) in try read(buffer) } }.get()
        return Array(bytes.prefix(count))
    }
}
