import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `O_NONBLOCK` belongs to an open file description, which every holder shares (a forked sibling, a `dup`). The
/// harness's calls must never change it behind a holder's back: a sibling's blocking read that found it set would
/// fail `EAGAIN`, which the kernel gives only to nonblocking descriptions, and the model would rightly call that a
/// violation — one the harness made itself. Each test here fails on code that toggles or resets the flag per call.
@Suite struct SharedDescriptionFlagsTests {
    @Test func aNonblockingReadOnABlockingPipeLeavesItBlocking() throws {
        let (read, write) = try KernelPipe.create()
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        #expect(try KernelPipe.read(read, max: 8, nonblocking: true) == .wouldBlock)
        _ = try KernelPipe.write(write, [7], nonblocking: true)
        #expect(try KernelPipe.read(read, max: 8, nonblocking: true) == .completed([7]))
        #expect(try KernelPipe.flags(read).nonblocking == false)
        #expect(try KernelPipe.flags(write).nonblocking == false)
    }

    @Test func aBlockingReadKeepsTheNonblockingFlagSomeoneElseSet() throws {
        let (read, write) = try KernelPipe.create()
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        try KernelPipe.setFlags(read, nonblocking: true, direct: nil)
        #expect(try KernelPipe.read(read, max: 8, nonblocking: false) == .wouldBlock)
        _ = try KernelPipe.write(write, [1, 2], nonblocking: false)
        var reader = RetryingReader()
        #expect(try reader.read(max: 8, from: read) == [1, 2])
        #expect(try KernelPipe.flags(read).nonblocking)
    }

    @Test func theWriteAllLoopLeavesABlockingWriteEndBlocking() throws {
        let (read, write) = try KernelPipe.create()
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        var writer = WriteAllWriter()
        #expect(try writer.write([1, 2, 3], to: write) == 3)
        #expect(try KernelPipe.flags(write).nonblocking == false)
    }

    @Test func aNonblockingWriteWithNoReaderLeftFailsEPIPEWithoutTouchingTheFlags() throws {
        Syscall.ignoreBrokenPipeSignal()
        let (read, write) = try KernelPipe.create()
        defer { try? Syscall.close(write) }
        try Syscall.close(read)
        // Measured: a pipe's write end reopens through /proc even with no reader; the write then fails EPIPE.
        #expect(throws: Errno.brokenPipe) { try KernelPipe.write(write, [1], nonblocking: true) }
        #expect(try KernelPipe.flags(write).nonblocking == false)
    }

    /// A FIFO's write end cannot be opened nonblocking once its readers are gone (`ENXIO`): the write it stood for
    /// would have failed `EPIPE`, so that is what the call reports.
    @Test func aNonblockingWriteOnAFIFOWithNoReaderLeftFailsEPIPENotENXIO() throws {
        Syscall.ignoreBrokenPipeSignal()
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        let read = try KernelFIFO.open(path, for: .read, nonblocking: true)
        let write = try KernelFIFO.open(path, for: .write, nonblocking: false)
        defer { try? Syscall.close(write) }
        try Syscall.close(read)
        #expect(throws: Errno.brokenPipe) { try KernelPipe.write(write, [1], nonblocking: true) }
        #expect(try KernelPipe.flags(write).nonblocking == false)
    }

    /// Packet mode is decided per write by the writer's description (`O_DIRECT`): the private description a
    /// nonblocking write uses must carry it, or two packets would merge into one read.
    @Test func aNonblockingWriteOnAPacketPipeStillWritesPackets() throws {
        let (read, write) = try Syscall.pipe(flags: O_CLOEXEC | Syscall.directFlag)
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        #expect(try KernelPipe.write(write, [1, 2], nonblocking: true) == .completed(2))
        #expect(try KernelPipe.write(write, [3], nonblocking: true) == .completed(1))
        #expect(try KernelPipe.read(read, max: 100, nonblocking: true) == .completed([1, 2]))
        #expect(try KernelPipe.read(read, max: 100, nonblocking: true) == .completed([3]))
        #expect(try KernelPipe.flags(write) == (nonblocking: false, direct: true))
    }

    @Test func acceptsLeaveAListenersFlagsAsTheyFoundThem() throws {
        let address = UnixAddress.abstract("ipc-harness-test-accept-flags-\(getpid())")
        let listener = try KernelUnixSocket.listener(.stream, at: address, backlog: 4)
        defer { try? Syscall.close(listener) }
        #expect(try KernelUnixSocket.accept(listener, nonblocking: true) == .wouldBlock)
        #expect(try Syscall.statusFlags(listener) & O_NONBLOCK == 0)

        try Syscall.setNonblocking(listener, true)
        guard case .completed(let client) = try KernelUnixSocket.connect(.stream, to: address, nonblocking: false) else {
            Issue.record("connect would block")
            return
        }
        defer { try? Syscall.close(client) }
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: false) else {
            Issue.record("a blocking accept with a connection waiting reported EAGAIN")
            return
        }
        try Syscall.close(accepted)
        #expect(try Syscall.statusFlags(listener) & O_NONBLOCK != 0)
    }
}
