import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `pwrite` and `ioctl` on an eventfd, as this kernel does them: the facts `EventCounterModel+Descriptor` encodes.
@Suite struct KernelEventCounterDescriptorFactsTests {
    func counter(initial: UInt32 = 0) throws -> FileDescriptor {
        try KernelEventCounter.create(initial: initial, semaphore: false, nonblocking: false)
    }

    /// `pwrite` fails `ESPIPE` whatever its size (even the 8 bytes a write takes, or a short buffer that `write`
    /// would refuse `EINVAL`), and the count does not change.
    @Test func pwriteFailsESPIPEAndAddsNothing() throws {
        let descriptor = try KernelEventCounter.create(initial: 2, semaphore: false, nonblocking: true)
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.illegalSeek) { _ = try KernelPipe.writeAt(descriptor, [1, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: Errno.illegalSeek) { _ = try KernelPipe.writeAt(descriptor, [1, 0, 0, 0]) }
        #expect(try KernelEventCounter.read(descriptor) == .completed(2))
    }

    /// `FIONBIO` sets and clears `O_NONBLOCK` of the open file description: a second descriptor of it sees the change.
    @Test func fionbioIsTheDescriptionsNonblockingFlag() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        let other = try Syscall.duplicate(descriptor)
        defer { try? Syscall.close(other) }
        try Syscall.control(descriptor, request: UInt(FIONBIO), argument: 1)
        #expect(try KernelPipe.flags(other).nonblocking)
        #expect(try KernelEventCounter.read(other) == .wouldBlock)
        try Syscall.control(other, request: UInt(FIONBIO), argument: 0)
        #expect(try !KernelPipe.flags(descriptor).nonblocking)
    }

    /// `FIOASYNC` of 1 fails `ENOTTY` (an eventfd has no `fasync`), as `FIONREAD` does; `F_SETFL` of `O_ASYNC` succeeds
    /// and is silently dropped (`F_GETFL` shows no `O_ASYNC`). `FIOASYNC` of 0 succeeds: the kernel asks for `fasync`
    /// only when the flag would change, and it is never set on an eventfd.
    @Test func fioasyncIsRefusedAndOAsyncDropped() throws {
        let descriptor = try counter(initial: 1)
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.inappropriateIOCTLForDevice) { try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: 1) }
        #expect(throws: Errno.inappropriateIOCTLForDevice) { _ = try Syscall.bytesReadable(descriptor) }
        try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: 0)
        #expect(fcntl(descriptor.rawValue, F_SETFL, O_ASYNC) == 0)
        #expect(fcntl(descriptor.rawValue, F_GETFL) & O_ASYNC == 0)
        #expect(try KernelEventCounter.read(descriptor) == .completed(1))
    }

    /// `FIOCLEX` and `FIONCLEX` succeed and set the calling descriptor's `FD_CLOEXEC` only.
    @Test func fioclexIsTheDescriptorsOwn() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        // F_DUPFD, not the harness's F_DUPFD_CLOEXEC: a copy without close-on-exec.
        let other = FileDescriptor(rawValue: fcntl(descriptor.rawValue, F_DUPFD, 0))
        defer { try? Syscall.close(other) }
        try Syscall.control(descriptor, request: UInt(FIOCLEX))
        #expect(fcntl(descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(other.rawValue, F_GETFD) & FD_CLOEXEC == 0)
        try Syscall.control(descriptor, request: UInt(FIONCLEX))
        #expect(fcntl(descriptor.rawValue, F_GETFD) & FD_CLOEXEC == 0)
    }

    /// `eventfd` takes `EFD_SEMAPHORE`, `EFD_NONBLOCK` and `EFD_CLOEXEC` and nothing else: any other bit (`O_RDWR`,
    /// `O_APPEND`, bit 4, the top bit) fails `EINVAL`, and no descriptor is made.
    @Test func eventfdRefusesUnknownFlagsEINVAL() throws {
        // EFD_SEMAPHORE is 1, EFD_NONBLOCK O_NONBLOCK (EFD_CLOEXEC is always added).
        let all = try Syscall.eventCounter(initial: 7, extraFlags: 1 | O_NONBLOCK)
        try Syscall.close(all)
        for flag in [O_RDWR, O_APPEND, CInt(0x10), CInt(bitPattern: 0x8000_0000)] {
            #expect(throws: Errno.invalidArgument, "flag \(String(UInt32(bitPattern: flag), radix: 16))") {
                let descriptor = try Syscall.eventCounter(initial: 0, extraFlags: flag)
                try? Syscall.close(descriptor)
            }
        }
    }

    /// No descriptor (-1, which no parallel test can reuse, unlike a closed one): `EBADF` for `pwrite` and `ioctl`.
    @Test func noDescriptorIsEBADF() throws {
        let descriptor = FileDescriptor(rawValue: -1)
        #expect(throws: Errno.badFileDescriptor) { _ = try KernelPipe.writeAt(descriptor, [0]) }
        #expect(throws: Errno.badFileDescriptor) { try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: 1) }
    }
}
