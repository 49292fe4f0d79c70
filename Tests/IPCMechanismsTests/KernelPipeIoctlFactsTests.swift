import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The generic `ioctl` requests on a pipe's and a FIFO's descriptors, measured on this kernel (a C probe first):
/// user code that sets its descriptors nonblocking or close-on-exec the way libuv does (`FIONBIO`, `FIOCLEX`) rather
/// than through `fcntl`. The models' rules: `PipeModel.IORequest`.
@Suite struct KernelPipeIoctlFactsTests {
    func flags(_ descriptor: FileDescriptor) throws -> CInt { try Syscall.statusFlags(descriptor) }

    /// `FIONREAD` reports the bytes in the pipe through either end, and what is left after the writer is gone.
    @Test func fionreadCountsTheBytesThroughEitherEnd() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(readEnd) }
            _ = try KernelPipe.write(writeEnd, [1, 2, 3, 4, 5], nonblocking: true)
            #expect(try Syscall.bytesReadable(readEnd) == 5)
            #expect(try Syscall.bytesReadable(writeEnd) == 5)
            _ = try KernelPipe.read(readEnd, max: 2, nonblocking: true)
            try Syscall.close(writeEnd)
            #expect(try Syscall.bytesReadable(readEnd) == 3)
            #expect(throws: Errno.badFileDescriptor) { try Syscall.bytesReadable(writeEnd) }
        }
    }

    /// `FIONBIO` sets (any value but 0) or clears the description's `O_NONBLOCK` and nothing else — `O_DIRECT` stays —
    /// for every descriptor of the description (a `dup`'s too), where `FIOCLEX`/`FIONCLEX` set and clear the one
    /// descriptor's `FD_CLOEXEC`. `FIOASYNC` sets and clears `O_ASYNC`, which then sends the owner `SIGIO` for a
    /// write (measured in the C probe; the signals are `KernelPipeAsyncFactsTests`' subject). Other requests:
    /// `ENOTTY`.
    @Test func fionbioFioasyncAndFioclexChangeOneFlagEach() throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        try Syscall.control(readEnd, request: UInt(FIONBIO), argument: 2)
        // Required, not expected: without the flag the read below would sleep for good.
        try #require(try flags(readEnd) & O_NONBLOCK != 0)
        // An empty pipe read through the description alone (no per-call flag) would block: it does not.
        if case .completed = try KernelPipe.read(readEnd, max: 1, nonblocking: false) { Issue.record("a read of an empty pipe after FIONBIO 2 did not fail EAGAIN") }
        try Syscall.control(readEnd, request: UInt(FIONBIO), argument: 0)
        #expect(try flags(readEnd) & O_NONBLOCK == 0)

        try KernelPipe.setFlags(writeEnd, nonblocking: true, direct: true)
        try Syscall.control(writeEnd, request: UInt(FIONBIO), argument: 0)
        #expect(try flags(writeEnd) & O_NONBLOCK == 0)
        #expect(try KernelPipe.flags(writeEnd).direct)  // O_DIRECT stays

        let copy = try Syscall.duplicate(readEnd, closeOnExec: false)
        defer { try? Syscall.close(copy) }
        try Syscall.control(copy, request: UInt(FIONBIO), argument: 1)
        #expect(try flags(readEnd) & O_NONBLOCK != 0)
        try Syscall.control(readEnd, request: UInt(FIONCLEX))
        #expect(try !Syscall.closesOnExec(readEnd))
        try Syscall.control(readEnd, request: UInt(FIOCLEX))
        #expect(try Syscall.closesOnExec(readEnd))
        #expect(try !Syscall.closesOnExec(copy))

        try Syscall.control(readEnd, request: UInt(FIOASYNC), argument: 1)
        #expect(try flags(readEnd) & O_ASYNC != 0)
        try Syscall.control(readEnd, request: UInt(FIOASYNC), argument: 0)
        #expect(try flags(readEnd) & O_ASYNC == 0)

        #expect(throws: Errno.inappropriateIOCTLForDevice) { try Syscall.control(readEnd, request: UInt(TCGETS)) }
        #expect(throws: Errno.inappropriateIOCTLForDevice) { try Syscall.control(readEnd, request: 0x5460) }  // FIOQSIZE
    }

    /// On a FIFO the same: `FIONREAD` through the write end too, `FIONBIO` per open (each open its own description).
    @Test func onAFIFOEachOpenIsItsOwnDescription() throws {
        let path = try KernelFIFODescriptorFactsTests.Path()
        let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(reader) }
        let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: false)
        defer { try? Syscall.close(writer) }
        let second = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(second) }
        _ = try KernelPipe.write(writer, [7, 7, 7], nonblocking: true)
        #expect(try Syscall.bytesReadable(writer) == 3)
        try Syscall.control(reader, request: UInt(FIONBIO), argument: 0)
        #expect(try flags(reader) & O_NONBLOCK == 0)
        #expect(try flags(second) & O_NONBLOCK != 0)
    }
}
