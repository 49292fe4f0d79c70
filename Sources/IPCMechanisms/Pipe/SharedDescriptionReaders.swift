import Glibc
import IPCSyscalls
import SystemPackage

/// Fragile: a reader written for a blocking descriptor, which takes `EAGAIN` for "the writer has nothing more" — end
/// of stream. Its own code never sets `O_NONBLOCK`; but the flag belongs to the open file description, so when a
/// process it shares the description with (a forked sibling, or a `dup` handed to an event loop) sets it with
/// `F_SETFL`, its reads of an empty pipe return `EAGAIN`, and it reports end of file while the writer is still there.
public struct EndOfFileOnWouldBlockReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        switch try KernelPipe.read(descriptor, max: max, nonblocking: false) {
        case .completed(let bytes): return bytes
        case .wouldBlock: return []
        }
    }
}

/// Robust twin of ``EndOfFileOnWouldBlockReader``: it waits for the pipe to become readable (`POLLIN`, or `POLLHUP`
/// once every writer has gone) before it reads, and polls again on `EAGAIN`, so it is right whatever `O_NONBLOCK` the
/// shared description has. (Polling first also means its read is the one call that moves the bytes: a read that
/// found nothing and was then retried would make the operation two calls, which a `read` of the model is not.)
public struct PollingReader: PipeReader {
    public init() {}

    public mutating func read(max: Int, from descriptor: FileDescriptor) throws(Errno) -> [UInt8] {
        while true {
            var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
            _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1)
            if case .completed(let bytes) = try KernelPipe.read(descriptor, max: max, nonblocking: false) {
                return bytes
            }
        }
    }
}
