import Glibc
import IPCSyscalls
import SystemPackage

/// The kernel's anonymous pipe, through the syscall layer (so every call can have faults injected).
public enum KernelPipe {
    /// Creates a pipe, both ends close-on-exec.
    public static func create() throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        try Syscall.pipe(flags: O_CLOEXEC)
    }

    /// A new open file description of one end, for one process: its own `O_NONBLOCK`, and its own place in
    /// the pipe's reader or writer count (closing the last one gives end of file or `EPIPE`).
    public static func openEnd(_ end: FileDescriptor, forWriting: Bool) throws(Errno) -> FileDescriptor {
        try Syscall.reopen(end, flags: (forWriting ? O_WRONLY : O_RDONLY) | O_CLOEXEC)
    }

    /// Reads up to `max` bytes; empty data is end of file. With `nonblocking`, an empty pipe with writers gives
    /// ``TransferResult/wouldBlock``.
    public static func read(
        _ descriptor: FileDescriptor, max: Int, nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<[UInt8]> {
        try Syscall.setNonblocking(descriptor, nonblocking)
        var buffer = [UInt8](repeating: 0, count: max)
        do throws(Errno) {
            let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
            }
            buffer.removeLast(max - count)
            return .completed(buffer)
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Writes `bytes` with one call; the count may be short (nonblocking, or interrupted).
    public static func write(
        _ descriptor: FileDescriptor, _ bytes: some Collection<UInt8>, nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        try Syscall.setNonblocking(descriptor, nonblocking)
        let contiguous = Array(bytes)
        do throws(Errno) {
            return .completed(try contiguous.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.write(descriptor, UnsafeRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
            })
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Waits until the write end has room for at least one page (`POLLOUT`), or the readers are gone.
    public static func waitWritable(_ descriptor: FileDescriptor) throws(Errno) {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLOUT), revents: 0)]
        _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1)
    }

    /// The pipe's capacity in bytes.
    public static func capacity(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        try Syscall.pipeSize(descriptor)
    }
}
