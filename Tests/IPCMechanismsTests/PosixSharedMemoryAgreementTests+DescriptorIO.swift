import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The descriptor's own I/O in the random model-against-kernel sequences (``PosixSharedMemoryModel+DescriptorIO``,
/// ``PosixSharedMemoryModel+Allocate``; `SharedMemoryDescriptorIOFactsTests`, `SharedMemoryAllocateFactsTests`).
extension PosixSharedMemoryAgreementTests {
    /// The offsets a step reads, writes or allocates at: in page 0, past the 32-byte start, across the page boundary,
    /// in page 2 (past every mapping), far along (1 MiB), negative.
    static let ioOffsets = [0, 5, 28, 4093, 8190, 1 << 20, -1]

    /// A call on the newest descriptor for choices 28…31: process 1 (28, 29) or 2 (30, 31). Even: `pwrite` of 8 bytes
    /// (index 0) or 3 (2), each `amount + 6`, or `pread` of 16 bytes (1) or 4104 (3), at ``ioOffsets``' `(index +
    /// amount + 7) % 7`. Odd: `lseek` `SEEK_END` by `4 × amount` (0), `SEEK_SET` to `amount` (1); `fallocate` mode 0 of
    /// 1, 100 or 4096 bytes at an offset as above (2); at 3 `PUNCH_HOLE | KEEP_SIZE` over 6 bytes from the offset,
    /// `PUNCH_HOLE` alone below −3 (`EOPNOTSUPP`), `KEEP_SIZE` of 4096 above 3. (`read`, `write` and `SEEK_CUR` use the
    /// setup descriptors' offsets, which the model does not know; the facts cover them.)
    static func descriptorStep(
        _ choice: Int, _ index: Int, _ amount: Int, handles: @escaping () -> [Int: [(FileDescriptor, PartlyMappedWords)]]
    ) -> (PosixSharedMemoryModel.Input, () throws -> PosixSharedMemoryModel.Output) {
        let process = choice >= 30 ? 2 : 1
        let offset = ioOffsets[(index + amount + 7) % 7]
        func newest() -> CInt? { handles()[process]?.last(where: { $0.0.rawValue >= 0 })?.0.rawValue }
        func failure(_ error: CInt) -> PosixSharedMemoryModel.Output { .failed(SharedMemoryDescriptorIO.code(error)) }
        if choice % 2 == 0 {
            if index % 2 == 0 {
                let data = [UInt8](repeating: UInt8(truncatingIfNeeded: amount + 6), count: index == 0 ? 8 : 3)
                return (.descriptorIO(process: process, .positionedWrite(data: data, offset: offset)), {
                    if offset < 0 { return .failed(.EINVAL) }
                    guard let fd = newest() else { return .failed(.EBADF) }
                    let count = data.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress, data.count, off_t(offset)) }
                    return count < 0 ? failure(errno) : .written(count)
                })
            }
            let max = index == 1 ? 16 : 4104
            return (.descriptorIO(process: process, .positionedRead(max: max, offset: offset)), {
                if offset < 0 { return .failed(.EINVAL) }
                guard let fd = newest() else { return .failed(.EBADF) }
                return SharedMemoryDescriptorIO.pread(fd, max: max, at: offset, process: process).output
            })
        }
        if index < 2 {
            let (position, whence) = index == 0 ? (4 * amount, SEEK_END) : (amount, SEEK_SET)
            return (.descriptorIO(process: process, .seek(offset: position, whence: Int(whence))), {
                guard let fd = newest() else { return .failed(.EBADF) }
                return SharedMemoryDescriptorIO.seek(fd, position, whence, process: process).output
            })
        }
        let allocation: PosixSharedMemoryModel.Allocation = index == 2
            ? .init(offset: offset, length: [1, 100, 4096][(amount + 6) % 3])
            : amount < -3 ? .init(mode: 0x2, offset: offset, length: 6)
            : amount > 3 ? .init(mode: 0x1, offset: offset, length: 4096) : .init(mode: 0x3, offset: offset, length: 6)
        return (.allocate(process: process, allocation), {
            if offset < 0 { return .failed(.EINVAL) }
            if allocation.refusedBeforeAccess == true { return .failed(ErrorCode("EOPNOTSUPP")) }
            guard let fd = newest() else { return .failed(.EBADF) }
            return SharedMemoryDescriptorIO.allocate(fd, mode: allocation.mode, offset, allocation.length, process: process).output
        })
    }

    /// Hand-written sequences for the descriptor's I/O, each aimed at one measured fact.
    static let descriptorIO: [(String, [(Int, Int, Int)])] = [
        // Process 1 pwrites 8 bytes of 6 at 0: its load of word 0 and process 2's pread of 16 bytes see them; 3 bytes
        // of 8 at 8190 grow the 32-byte object to 8193 (word 1023 reads 0x0808 << 48, no SIGBUS), and process 2's
        // pread of 4104 bytes from 4093 stops at the size; 8 bytes at 1 MiB, which SEEK_END then reports; a
        // negative pread offset and a negative SEEK_SET EINVAL, SEEK_SET to 5 succeeds.
        ("pwrite and pread through two descriptors", [
            (28, 0, 0), (0, 0, 0), (30, 1, -1), (28, 2, 2), (0, 3, -4), (30, 3, 0), (28, 0, 5), (29, 0, 0), (28, 1, 5),
            (29, 1, -3), (29, 1, 5),
        ]),
        // Word 1023 SIGBUS; fallocate of 100 bytes at 4093 grows the object to 4193 (SEEK_END) and the word reads 0;
        // process 2's KEEP_SIZE leaves the size; a punched hole over word 0 zeroes process 2's store for process 1's
        // load; PUNCH_HOLE alone EOPNOTSUPP; an allocation within the size changes nothing; with no descriptor left,
        // EBADF.
        ("fallocate through two descriptors", [
            (0, 3, -4), (29, 2, 1), (29, 0, 0), (0, 3, -4), (31, 3, 4), (29, 0, 0), (13, 0, 9), (29, 3, -3), (0, 0, 0),
            (31, 3, -5), (29, 2, -2), (29, 0, 0), (7, 0, 0), (7, 0, 0), (29, 2, 0), (28, 0, 0),
        ]),
    ]
}
