import Glibc
import IPCSyscalls
import SystemPackage

/// Client code that reads from a pipe: a correct read and a fragile one, for the harness to tell apart under
/// interruptions (real signals without `SA_RESTART`, or `EINTR` injected by the fault plan).
public protocol PipeReader {
    /// Reads up to `max` bytes; empty data means end of file, as the client reports it.
    mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8]
}

/// Retries a read interrupted before it transferred anything, as POSIX expects callers to. It never changes the
/// description's `O_NONBLOCK` (a sibling shares it): when someone else made it nonblocking, it waits for the pipe
/// to become readable and reads again.
public struct RetryingReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        while true {
            switch try KernelPipe.read(descriptor, max: max, nonblocking: false, retryOnInterrupt: true) {
            case .completed(let bytes): return bytes
            case .wouldBlock: try KernelPipe.waitReadable(descriptor)
            }
        }
    }
}

/// Fragile: a read loop's classic bug — any failed read ends the stream, so `EINTR` is taken for end of file
/// and the rest of the data is never read.
public struct EndOfFileOnInterruptReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        do {
            // Its bug is EINTR alone: EAGAIN (a sibling made the shared description nonblocking) is waited out.
            while true {
                switch try KernelPipe.read(descriptor, max: max, nonblocking: false, retryOnInterrupt: false) {
                case .completed(let bytes): return bytes
                case .wouldBlock: try KernelPipe.waitReadable(descriptor)
                }
            }
        } catch .interrupted {
            return []
        }
    }
}

/// Fragile: a busy-polling reader that takes a read of 0 bytes for "nothing yet", as it takes EAGAIN — so once
/// the writers are gone it spins at end of file forever. The harness's watchdog reports it as a hang.
public struct SpinningReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        while true {
            if case .completed(let bytes) = try KernelPipe.read(descriptor, max: max, nonblocking: true), !bytes.isEmpty {
                return bytes
            }
        }
    }
}

/// A client that reads the way much code does: straight through libc (`Glibc.read`), not through the harness's
/// syscall wrappers, retrying `EINTR` itself. Only an interposer at the libc boundary can fault it. It leaves the
/// shared description's `O_NONBLOCK` alone and waits out `EAGAIN` with `poll`, as an event loop's reader does.
public struct LibcRetryingReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor.rawValue, $0.baseAddress, max) }
            if count >= 0 { return Array(buffer[..<count]) }
            let error = Errno(rawValue: Glibc.errno)
            if error == .wouldBlock { try KernelPipe.waitReadable(descriptor) } else if error != .interrupted { throw error }
        }
    }
}

/// Fragile, straight through libc: any failed `read`, `EINTR` included, is taken for end of file.
public struct LibcEndOfFileOnInterruptReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor.rawValue, $0.baseAddress, max) }
            // Its bug is EINTR (any failure but EAGAIN, which a sibling's O_NONBLOCK causes, and it waits out).
            if count < 0 && Glibc.errno == EAGAIN { try KernelPipe.waitReadable(descriptor); continue }
            return count > 0 ? Array(buffer[..<count]) : []
        }
    }
}
