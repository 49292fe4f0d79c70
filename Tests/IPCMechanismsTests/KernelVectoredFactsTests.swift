import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `writev` and `readv` on a pipe, measured on this kernel: each is one `write` or `read` of the vectors' summed size,
/// as the pipe model's ``PipeModel/scalar(_:)`` says.
@Suite struct KernelVectoredFactsTests {
    func withPipe(flags: CInt = O_CLOEXEC | O_NONBLOCK, _ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: flags)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        try body(readEnd, writeEnd)
    }

    func bytes(_ count: Int, _ value: UInt8 = 0x61) -> [UInt8] { [UInt8](repeating: value, count: count) }

    /// The merge into the last page is decided on the total: 1000 + 2000-byte `writev`s fill a pipe at 48000 bytes, as
    /// 3000-byte writes do (each takes a fresh page when 3000 bytes no longer fit in the last), 4000 + 97 at 45066, as
    /// 4097-byte writes do.
    @Test(arguments: [([1000, 2000], 48000), ([4000, 97], 45066), ([1, 0, 4095], 65536)])
    func aWritevFillsThePipeAsAWriteOfItsTotal(sizes: [Int], filled: Int) throws {
        try withPipe { _, writeEnd throws in
            var total = 0
            while case .completed(let count) = try KernelPipe.write(writeEnd, pieces: sizes.map { bytes($0) }) { total += count }
            #expect(total == filled)
        }
    }

    /// Atomic up to `PIPE_BUF` in total: with 96 bytes of room in the only page, 50 + 100 fails `EAGAIN` and writes
    /// nothing; 50 + 46 writes all 96.
    @Test func aWritevOfAtMostPIPE_BUFIsAtomic() throws {
        try withPipe { readEnd, writeEnd throws in
            try Syscall.setPipeSize(writeEnd, 4096)
            _ = try KernelPipe.write(writeEnd, bytes(4000), nonblocking: true)
            #expect(try KernelPipe.write(writeEnd, pieces: [bytes(50), bytes(100)]) == .wouldBlock)
            #expect(try Syscall.bytesReadable(readEnd) == 4000)
            #expect(try KernelPipe.write(writeEnd, pieces: [bytes(50), bytes(46)]) == .completed(96))
        }
    }

    /// Buffers fill in order, as one read of their summed size; a packet is taken alone, its rest discarded.
    @Test(arguments: [false, true])
    func aReadvFillsItsBuffersInOrderAsOneRead(packet: Bool) throws {
        try withPipe(flags: O_CLOEXEC | O_NONBLOCK | (packet ? Syscall.directFlag : 0)) { readEnd, writeEnd throws in
            _ = try KernelPipe.write(writeEnd, Array("abcdefghij".utf8), nonblocking: true)
            _ = try KernelPipe.write(writeEnd, Array("KL".utf8), nonblocking: true)
            #expect(try KernelPipe.read(readEnd, sizes: [2, 3]) == .completed(Array("abcde".utf8)))
            #expect(try KernelPipe.read(readEnd, sizes: [0, 4]) == .completed(Array((packet ? "KL" : "fghi").utf8)))
        }
    }

    /// No vectors is a transfer of 0 bytes; more than `IOV_MAX` (1024) is `EINVAL`, nothing moved; `EBADF` comes first.
    @Test func vectorCountsAndTheirErrors() throws {
        try withPipe { readEnd, writeEnd throws in
            #expect(try KernelPipe.write(writeEnd, pieces: []) == .completed(0))
            #expect(throws: Errno.invalidArgument) { _ = try KernelPipe.write(writeEnd, pieces: Array(repeating: [1], count: 1025)) }
            #expect(try Syscall.bytesReadable(readEnd) == 0)
            #expect(try KernelPipe.write(writeEnd, pieces: Array(repeating: [1], count: 1024)) == .completed(1024))
            #expect(throws: Errno.invalidArgument) { _ = try KernelPipe.read(readEnd, sizes: Array(repeating: 1, count: 1025)) }
            #expect(try Syscall.bytesReadable(readEnd) == 1024)
            #expect(throws: Errno.badFileDescriptor) { _ = try KernelPipe.read(writeEnd, sizes: Array(repeating: 1, count: 1025)) }
            #expect(throws: Errno.badFileDescriptor) { _ = try KernelPipe.write(readEnd, pieces: Array(repeating: [1], count: 1025)) }
        }
        let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [2]))])
        let start = model.initialState(of: "p")
        #expect(model.outcomes(of: .writev(process: 2, pieces: Array(repeating: [1], count: 1025)), in: start).map(\.output) == [.failed(.EINVAL)])
        #expect(model.outcomes(of: .writev(process: 1, pieces: Array(repeating: [1], count: 1025)), in: start).map(\.output) == [.failed(.EBADF)])
        #expect(model.outcomes(of: .readv(process: 1, sizes: Array(repeating: 1, count: 1025)), in: start).map(\.output) == [.failed(.EINVAL)])
    }
}
