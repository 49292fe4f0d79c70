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

/// The calls on a pipe's open file description: its flags as `fcntl` sees them, and the calls that need a position.
extension KernelPipe {
    /// The description's `O_NONBLOCK` and `O_DIRECT`.
    public static func flags(_ descriptor: FileDescriptor) throws(Errno) -> (nonblocking: Bool, direct: Bool) {
        let flags = try Syscall.statusFlags(descriptor)
        return (flags & O_NONBLOCK != 0, flags & Syscall.directFlag != 0)
    }

    /// `F_SETFL`: `O_NONBLOCK` as given, `O_DIRECT` as given or (nil) as it was. Every descriptor of this open file
    /// description (a `dup`, a forked copy) sees the change; another description of the same end does not.
    public static func setFlags(_ descriptor: FileDescriptor, nonblocking: Bool, direct: Bool?) throws(Errno) {
        var flags = try Syscall.statusFlags(descriptor)
        flags = nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if let direct { flags = direct ? flags | Syscall.directFlag : flags & ~Syscall.directFlag }
        try Syscall.setStatusFlags(descriptor, flags)
    }

    /// Reads as the description's `O_NONBLOCK` says, or nonblocking for this call only when `nonblocking` (the flag
    /// is restored afterwards): unlike ``read(_:max:nonblocking:retryOnInterrupt:)``, a blocking call does not clear
    /// an `O_NONBLOCK` someone set with `fcntl`.
    public static func readKeepingFlags(_ descriptor: FileDescriptor, max: Int, nonblocking: Bool) throws(Errno) -> TransferResult<[UInt8]> {
        try withNonblocking(descriptor, nonblocking) { () throws(Errno) in
            var buffer = [UInt8](repeating: 0, count: max)
            do throws(Errno) {
                let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw))
                }
                buffer.removeLast(max - count)
                return .completed(buffer)
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
    }

    /// Writes as the description's `O_NONBLOCK` says, or nonblocking for this call only (see
    /// ``readKeepingFlags(_:max:nonblocking:)``).
    public static func writeKeepingFlags(_ descriptor: FileDescriptor, _ bytes: [UInt8], nonblocking: Bool) throws(Errno) -> TransferResult<Int> {
        try withNonblocking(descriptor, nonblocking) { () throws(Errno) in
            do throws(Errno) {
                return .completed(try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.write(descriptor, UnsafeRawBufferPointer(raw))
                })
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
    }

    private static func withNonblocking<Result>(
        _ descriptor: FileDescriptor, _ nonblocking: Bool, _ body: () throws(Errno) -> Result
    ) throws(Errno) -> Result {
        guard nonblocking else { return try body() }
        let flags = try Syscall.statusFlags(descriptor)
        guard flags & O_NONBLOCK == 0 else { return try body() }
        try Syscall.setStatusFlags(descriptor, flags | O_NONBLOCK)
        defer { try? Syscall.setStatusFlags(descriptor, flags) }
        return try body()
    }

    /// `lseek(descriptor, 0, SEEK_CUR)`: the position, which a pipe does not have (`ESPIPE`).
    public static func position(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        try Syscall.seek(descriptor, offset: 0, whence: SEEK_CUR)
    }

    /// `pread` of up to `max` bytes at offset 0 (`ESPIPE` on a pipe).
    public static func readAtStart(_ descriptor: FileDescriptor, max: Int) throws(Errno) -> Int {
        var buffer = [UInt8](repeating: 0, count: max)
        return try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), at: 0)
        }
    }

    /// `pwrite` of `bytes` at offset 0 (`ESPIPE` on a pipe).
    public static func writeAtStart(_ descriptor: FileDescriptor, _ bytes: [UInt8]) throws(Errno) -> Int {
        try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.write(descriptor, UnsafeRawBufferPointer(raw), at: 0)
        }
    }
}
