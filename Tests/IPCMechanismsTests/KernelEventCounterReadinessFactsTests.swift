import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `poll` and `select` on an eventfd, as this kernel's `eventfd_poll` reports them: the facts the eventfd model's
/// readiness encodes.
@Suite struct KernelEventCounterReadinessFactsTests {
    static let asked = Int16(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI)

    func counter(initial: UInt32 = 0, semaphore: Bool = false) throws -> FileDescriptor {
        try KernelEventCounter.create(initial: initial, semaphore: semaphore, nonblocking: true)
    }

    func revents(_ descriptor: FileDescriptor, _ events: Int16 = asked) throws -> Int16 {
        try KernelPipe.poll(descriptor, events: events, timeoutMilliseconds: 0)
    }

    /// `POLLIN` above 0, `POLLOUT` below 2^64 − 2, and never `POLLRDNORM`/`POLLWRNORM` (unlike a pipe's).
    @Test func inputAboveZeroOutputBelowTheCeilingAndNoNormBits() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(try revents(descriptor) == Int16(POLLOUT))
        _ = try KernelEventCounter.write(descriptor, 3)
        #expect(try revents(descriptor) == Int16(POLLIN | POLLOUT))
        #expect(try revents(descriptor, Int16(POLLRDNORM | POLLWRNORM)) == 0)
        #expect(try KernelEventCounter.read(descriptor) == .completed(3))
        #expect(try revents(descriptor) == Int16(POLLOUT))
    }

    /// At 2^64 − 3 a write of 1 still fits: `POLLOUT`. At the ceiling 2^64 − 2 there is none — though a write of 0
    /// would still succeed there.
    @Test func outputEndsOnlyAtTheCeiling() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        _ = try KernelEventCounter.write(descriptor, .max - 2)
        #expect(try revents(descriptor) == Int16(POLLIN | POLLOUT))
        _ = try KernelEventCounter.write(descriptor, 1)
        #expect(try revents(descriptor) == Int16(POLLIN))
        #expect(try KernelEventCounter.write(descriptor, 0) == .completed(8))
        #expect(try KernelEventCounter.write(descriptor, 1) == .wouldBlock)
    }

    /// `POLLERR` is reported at a count of 2^64 − 1, which no write can reach (`EINVAL` for that value, and the
    /// ceiling stops sums one short): only the kernel's own `eventfd_signal` overflows it. Unreachable from user space.
    @Test func theOverflowStateIsOutOfAUsersReach() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.invalidArgument) { _ = try KernelEventCounter.write(descriptor, .max) }
        _ = try KernelEventCounter.write(descriptor, .max - 1)
        #expect(try KernelEventCounter.write(descriptor, 1) == .wouldBlock)
        #expect(try revents(descriptor) & Int16(POLLERR) == 0)
    }

    /// `select` agrees: readable above 0, writable below the ceiling; a semaphore eventfd the same.
    @Test func selectReportsTheSame() throws {
        let descriptor = try counter(semaphore: true)
        defer { try? Syscall.close(descriptor) }
        #expect(try KernelPipe.select(descriptor, read: true, write: true, timeoutMilliseconds: 0) == (false, true))
        _ = try KernelEventCounter.write(descriptor, 2)
        #expect(try KernelPipe.select(descriptor, read: true, write: true, timeoutMilliseconds: 0) == (true, true))
        _ = try KernelEventCounter.write(descriptor, .max - 3)
        #expect(try KernelPipe.select(descriptor, read: true, write: true, timeoutMilliseconds: 0) == (true, false))
    }

    /// `FIONREAD` is not an eventfd's: `ENOTTY`.
    @Test func fionreadIsNotAnEventfdsIoctl() throws {
        let descriptor = try counter(initial: 5)
        defer { try? Syscall.close(descriptor) }
        var count: CInt = 0
        #expect(ioctl(descriptor.rawValue, UInt(FIONREAD), &count) == -1 && errno == ENOTTY)
    }
}
