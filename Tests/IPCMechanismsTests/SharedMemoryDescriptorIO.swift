import CIPCShims
import Glibc
import IPCModels

/// The kernel's `read`, `write`, `pread`, `pwrite`, `lseek`, `fallocate` and `posix_fallocate` on a descriptor, each
/// made for real and returned as the posix-shm model's call and output, so that a fact test checks the kernel and
/// judges the same sequence by the model (``PosixSharedMemoryModel+DescriptorIO``, ``PosixSharedMemoryModel+Allocate``).
enum SharedMemoryDescriptorIO {
    typealias Call = (input: PosixSharedMemoryModel.Input, output: PosixSharedMemoryModel.Output)

    /// The model's name for an errno these calls give.
    static func code(_ number: CInt) -> ErrorCode {
        switch number {
        case EINVAL: .EINVAL
        case EBADF: .EBADF
        case EFBIG: .EFBIG
        case ENOSPC: .ENOSPC
        case ENXIO: .ENXIO
        case EOPNOTSUPP: ErrorCode("EOPNOTSUPP")
        default: ErrorCode("errno \(number)")
        }
    }

    static func read(_ fd: CInt, max: Int, process: Int = 1) -> Call {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) }
        return (.descriptorIO(process: process, .read(max: max)), count < 0 ? .failed(code(errno)) : .data(Array(buffer.prefix(count))))
    }

    static func pread(_ fd: CInt, max: Int, at offset: Int, process: Int = 1) -> Call {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, max, off_t(offset)) }
        return (.descriptorIO(process: process, .positionedRead(max: max, offset: offset)), count < 0 ? .failed(code(errno)) : .data(Array(buffer.prefix(count))))
    }

    static func write(_ fd: CInt, _ text: String, process: Int = 1) -> Call {
        let data = Array(text.utf8)
        let count = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, data.count) }
        return (.descriptorIO(process: process, .write(data: data)), count < 0 ? .failed(code(errno)) : .written(count))
    }

    static func pwrite(_ fd: CInt, _ text: String, at offset: Int, process: Int = 1) -> Call {
        let data = Array(text.utf8)
        let count = data.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress, data.count, off_t(offset)) }
        return (.descriptorIO(process: process, .positionedWrite(data: data, offset: offset)), count < 0 ? .failed(code(errno)) : .written(count))
    }

    static func seek(_ fd: CInt, _ offset: Int, _ whence: CInt, process: Int = 1) -> Call {
        let result = lseek(fd, off_t(offset), whence)
        return (.descriptorIO(process: process, .seek(offset: offset, whence: Int(whence))), result < 0 ? .failed(code(errno)) : .offset(Int(result)))
    }

    static func allocate(_ fd: CInt, mode: Int = 0, _ offset: Int, _ length: Int, process: Int = 1) -> Call {
        let result = ipc_fallocate(fd, CInt(truncatingIfNeeded: mode), Int64(offset), Int64(length))
        return (.allocate(process: process, .init(mode: mode, offset: offset, length: length)), result == 0 ? .done : .failed(code(errno)))
    }

    /// `posix_fallocate`, which returns its error.
    static func posixAllocate(_ fd: CInt, _ offset: Int, _ length: Int, process: Int = 1) -> Call {
        let error = posix_fallocate(fd, off_t(offset), off_t(length))
        return (.allocate(process: process, .init(offset: offset, length: length, posix: true)), error == 0 ? .done : .failed(code(error)))
    }

    /// The outcome of a call made in a forked child and reported in a slot: a count (or offset), or −errno.
    static func outcome(_ slot: Int, _ success: (Int) -> PosixSharedMemoryModel.Output) -> PosixSharedMemoryModel.Output {
        slot < 0 ? .failed(code(CInt(-slot))) : success(slot)
    }

    /// A call's result as a slot: the count, or −errno.
    static func slot(_ result: Int) -> Int { result < 0 ? -Int(errno) : result }
}
