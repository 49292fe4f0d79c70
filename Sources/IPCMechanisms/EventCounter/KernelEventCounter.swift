import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage

/// The kernel's eventfd: a 64-bit counter. A write adds its value (at most 2^64 − 2 may be held; a write that
/// would pass that sleeps, or is `EAGAIN`); a read takes the whole count and resets it to 0, or, as a semaphore,
/// takes 1. Reading 0 sleeps, or is `EAGAIN`. Writes must be exactly 8 bytes and reads at least 8 (`EINVAL`), and
/// the value 2^64 − 1 cannot be written (`EINVAL`).
///
/// `O_NONBLOCK` belongs to the eventfd's one open file description, which every holder shares (an eventfd cannot
/// be reopened through /proc), so blocking is chosen per eventfd at creation, not per call.
public enum KernelEventCounter {
    /// The largest count an eventfd holds.
    public static let maximum: UInt64 = .max - 1

    public static func create(initial: UInt32 = 0, semaphore: Bool, nonblocking: Bool) throws(Errno) -> FileDescriptor {
        try Syscall.eventCounter(initial: initial, semaphore: semaphore, nonblocking: nonblocking)
    }

    /// Reads the counter with a buffer of `size` bytes (8 normally; fewer gives `EINVAL`).
    public static func read(
        _ descriptor: FileDescriptor, size: Int = 8, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<UInt64> {
        var buffer = [UInt8](repeating: 0, count: max(size, 0))
        do throws(Errno) {
            let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
            }
            guard count >= 8 else { return .completed(0) }
            return .completed(buffer.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Adds `value` to the counter, writing a buffer of `size` bytes (8 normally; anything else gives `EINVAL`).
    public static func write(
        _ descriptor: FileDescriptor, _ value: UInt64, size: Int = 8, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        bytes += [UInt8](repeating: 0, count: max(size - 8, 0))
        let buffer = Array(bytes.prefix(max(size, 0)))
        do throws(Errno) {
            return .completed(try buffer.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.write(descriptor, UnsafeRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
            })
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// The kernel's `eventfd_signal` on `descriptor`, as an AIO completion makes it (`io_submit` of an iocb with
    /// `IOCB_FLAG_RESFD`, then its completion): adds 1, stopping at 2^64 − 1 — past the ceiling a write keeps.
    public static func signalByAsyncIO(_ descriptor: FileDescriptor) throws(Errno) {
        guard ipc_eventfd_signal_by_aio(descriptor.rawValue) == 0 else { throw Errno(rawValue: errno) }
    }
}
