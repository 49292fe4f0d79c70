import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about this kernel's eventfd that the eventfd model encodes.
@Suite struct KernelEventCounterFactsTests {
    func counter(initial: UInt32 = 0, semaphore: Bool = false) throws -> FileDescriptor {
        try KernelEventCounter.create(initial: initial, semaphore: semaphore, nonblocking: true)
    }

    @Test func writesAddUpAndAReadTakesTheSumAndResets() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(try KernelEventCounter.write(descriptor, 5) == .completed(8))
        #expect(try KernelEventCounter.write(descriptor, 7) == .completed(8))
        #expect(try KernelEventCounter.read(descriptor) == .completed(12))
        #expect(try KernelEventCounter.read(descriptor) == .wouldBlock)
    }

    @Test func asASemaphoreEachReadTakesOne() throws {
        let descriptor = try counter(semaphore: true)
        defer { try? Syscall.close(descriptor) }
        _ = try KernelEventCounter.write(descriptor, 5)
        _ = try KernelEventCounter.write(descriptor, 7)
        for _ in 0..<12 { #expect(try KernelEventCounter.read(descriptor) == .completed(1)) }
        #expect(try KernelEventCounter.read(descriptor) == .wouldBlock)
    }

    @Test func theCountStopsOneShortOfTwoToThe64MinusOne() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.invalidArgument) { _ = try KernelEventCounter.write(descriptor, .max) }
        #expect(try KernelEventCounter.write(descriptor, .max - 1) == .completed(8))
        #expect(try KernelEventCounter.write(descriptor, 1) == .wouldBlock)
        #expect(try KernelEventCounter.write(descriptor, 0) == .completed(8))
        #expect(try KernelEventCounter.read(descriptor) == .completed(.max - 1))
    }

    @Test(arguments: [4, 7, 9, 16])
    func writesMustBeExactlyEightBytes(size: Int) throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.invalidArgument) { _ = try KernelEventCounter.write(descriptor, 1, size: size) }
    }

    @Test func shortReadBuffersFailEINVALBeforeEAGAINAndLongOnesGetEightBytes() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.invalidArgument) { _ = try KernelEventCounter.read(descriptor, size: 7) }
        _ = try KernelEventCounter.write(descriptor, 3)
        #expect(try KernelEventCounter.read(descriptor, size: 16) == .completed(3))
    }

    /// Why `nonblocking` is the eventfd's, not the caller's: it cannot be reopened with flags of one's own.
    @Test func anEventfdCannotBeReopenedThroughProc() throws {
        let descriptor = try counter()
        defer { try? Syscall.close(descriptor) }
        #expect(throws: Errno.noSuchAddressOrDevice) { _ = try Syscall.reopen(descriptor, flags: O_RDWR | O_CLOEXEC) }
    }

    @Test func aBlockedReaderIsWokenByAWrite() throws {
        let descriptor = try KernelEventCounter.create(semaphore: false, nonblocking: false)
        defer { try? Syscall.close(descriptor) }
        var value: TransferResult<UInt64>?
        let reader = TestThread { value = try? KernelEventCounter.read(descriptor) }
        _ = try KernelEventCounter.write(descriptor, 9)
        reader.join()
        #expect(value == .completed(9))
    }
}
